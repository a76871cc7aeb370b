#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a fit minimises: Σᵢ wᵢ · ρ(rᵢ), with rᵢ the residual of run i in log or linear space.
///
/// These are different estimands, not tuning knobs (fitting.md, pitfall 5): log-Huber (Hoffmann et al. 2022
/// §D.2) gives E 1.817 on the Epoch data where linear Huber gives α 0.344 and least squares α 0.358. The choice is
/// recorded in every result.
public struct FitLoss: Sendable, Equatable, Hashable {
    /// The penalty applied to each residual.
    public enum Kind: Sendable, Equatable, Hashable {
        /// Huber (1964): r²/2 for |r| ≤ δ, δ(|r| − δ/2) beyond.
        case huber(delta: Double)
        /// r²/2 (least squares).
        case squared
    }

    /// Where residuals are taken.
    public enum Space: String, Sendable, Equatable, Hashable {
        /// r = log(prediction) − log(observation): relative errors, the scaling-law convention.
        case log
        /// r = prediction − observation.
        case linear
    }

    /// The penalty on each residual.
    public var kind: Kind
    /// Where residuals are taken (log or linear).
    public var space: Space
    /// Weight on residuals where the law over-predicts (r > 0). 1 is symmetric; the `chinchilla` package's default
    /// of 10 makes the fit follow the lower envelope of the runs (best achievable loss).
    public var overPredictionWeight: Double

    /// A loss of the given kind; `overPredictionWeight` scales the penalty on residuals where the law over-predicts.
    public init(_ kind: Kind, space: Space = .log, overPredictionWeight: Double = 1) {
        self.kind = kind
        self.space = space
        self.overPredictionWeight = overPredictionWeight
    }

    /// Hoffmann et al.'s choice: Huber with δ = 10⁻³ on log residuals.
    public static let hoffmann = FitLoss(.huber(delta: 1e-3))

    func validate() throws {
        if case let .huber(delta) = kind {
            guard delta.isFinite, delta > 0 else { throw ScalingKitError.invalid("huber delta must be finite and > 0 (got \(delta))") }
        }
        guard overPredictionWeight.isFinite, overPredictionWeight > 0 else {
            throw ScalingKitError.invalid("over-prediction weight must be finite and > 0 (got \(overPredictionWeight))")
        }
    }

    /// (ρ(r), ρ'(r)) including the asymmetry weight.
    @inline(__always)
    func evaluate(_ r: Double) -> (Double, Double) {
        let w = r > 0 ? overPredictionWeight : 1
        switch kind {
        case let .huber(delta):
            let h = Huber(delta: delta)
            return (w * h.value(r), w * h.derivative(r))
        case .squared:
            return (w * 0.5 * r * r, w * r)
        }
    }

    /// A short description for reports, for example "huber(delta=0.001) on log residuals".
    public var description: String {
        let k: String
        switch kind {
        case let .huber(delta): k = "huber(delta=\(delta))"
        case .squared: k = "squared"
        }
        return k + " on \(space.rawValue) residuals" + (overPredictionWeight == 1 ? "" : ", over-prediction weight \(overPredictionWeight)")
    }
}
