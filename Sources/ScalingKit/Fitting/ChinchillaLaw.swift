#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Chinchilla loss surface `L(N, D) = E + A/N^α + B/D^β`.
///
/// Hoffmann et al. (2022), "Training Compute-Optimal Large Language Models", eq. 2 (§3.3): N is the number of
/// parameters, D the number of training tokens, E the irreducible loss.
public struct ChinchillaLaw: Sendable, Equatable, Hashable {
    /// Irreducible loss E.
    public var E: Double
    /// Coefficient A of the parameter term A/N^α.
    public var A: Double
    /// Coefficient B of the data term B/D^β.
    public var B: Double
    /// Exponent α of the parameter term.
    public var alpha: Double
    /// Exponent β of the data term.
    public var beta: Double

    /// The constants in the catalogue's `chinchilla` law order (E, A, α, B, β), as `ScalingLaw.named("chinchilla")`
    /// takes them.
    var catalogueValues: [Double] { [E, A, alpha, B, beta] }

    /// A law with the given constants (not checked here; `computeOptimal` rejects non-positive ones).
    public init(E: Double, A: Double, B: Double, alpha: Double, beta: Double) {
        self.E = E; self.A = A; self.B = B; self.alpha = alpha; self.beta = beta
    }

    /// Hoffmann et al. (2022) Approach 3 as published (§D.2, unrounded values from their fitted parameters).
    public static let hoffmann2022 = ChinchillaLaw(E: 1.69337368, A: 406.401018, B: 410.722827,
                                                   alpha: 0.33917084, beta: 0.2849083)

    /// Besiroglu et al. (2024), "Chinchilla Scaling: A replication attempt", Table 1 (Huber-likelihood MLE).
    public static let besiroglu2024 = ChinchillaLaw(E: 1.81686, A: 482.006, B: 2085.434,
                                                    alpha: 0.34781, beta: 0.36585)

    /// L(N, D) (eq. 2).
    public func loss(parameters N: Double, tokens D: Double) -> Double {
        E + A / pow(N, alpha) + B / pow(D, beta)
    }

    /// The allocation of `compute` FLOPs that minimises L subject to C = 6ND.
    ///
    /// Hoffmann et al. (2022) eq. 4 (derived in App. D.2):
    /// `N_opt = G (C/6)^a`, `D_opt = G⁻¹ (C/6)^b`, with `G = (αA / (βB))^{1/(α+β)}`, `a = β/(α+β)`, `b = α/(α+β)`.
    public func computeOptimal(compute C: Double) throws -> ComputePlan {
        guard C.isFinite, C > 0 else { throw ScalingKitError.invalid("compute budget must be finite and > 0 (got \(C))") }
        guard alpha > 0, beta > 0, A > 0, B > 0 else {
            throw ScalingKitError.invalid(
                "compute-optimal allocation needs A, B, alpha, beta > 0 (got A=\(A), B=\(B), alpha=\(alpha), beta=\(beta))")
        }
        let s = alpha + beta
        let a = beta / s, b = alpha / s
        // Evaluate in logs: (C/6)^a overflows nothing here, but G can be extreme when the fit is degenerate.
        let logG = (log(alpha * A) - log(beta * B)) / s
        let logC6 = log(C / 6)
        let N = exp(logG + a * logC6)
        let D = exp(-logG + b * logC6)
        guard N.isFinite, D.isFinite, N > 0, D > 0 else {
            throw ScalingKitError.invalid("compute-optimal allocation overflows for C=\(C) with these parameters")
        }
        return ComputePlan(compute: C, parameters: N, tokens: D, tokensPerParameter: D / N,
                           loss: loss(parameters: N, tokens: D), a: a, b: b)
    }
}

/// The 0.3.0 name of `ComputePlan` (the closed form and the numerical planner return the one type since 0.4.0).
@available(*, deprecated, renamed: "ComputePlan")
public typealias ComputeOptimalAllocation = ComputePlan

extension ChinchillaLaw {
    /// Parameter names in the order of `parameterValues`; the names the C API and bindings use.
    public static let parameterNames = ["E", "A", "B", "alpha", "beta"]

    /// `[E, A, B, alpha, beta]`.
    public var parameterValues: [Double] { [E, A, B, alpha, beta] }
}

extension ChinchillaLaw {
    /// L(Nᵢ, Dᵢ) for each run, after checking the inputs (same length, non-empty, finite, > 0).
    public func losses(parameters N: [Double], tokens D: [Double]) throws -> [Double] {
        try InputValidation.positiveColumns([("N", N), ("D", D)])
        return zip(N, D).map { loss(parameters: $0, tokens: $1) }
    }
}
