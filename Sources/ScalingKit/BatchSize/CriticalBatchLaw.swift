#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A batch-size law B = coefficient · x^exponent in tokens per step: the one type for every critical- or
/// optimal-batch law, fitted or published (`BatchLaw.law`), whatever its variable (loss, compute, tokens).
///
/// The time-aware planner reads it as B_crit = coefficient · D_min^exponent, D_min the data a run needs: Bergsma et
/// al. (2025), "Power Lines", find B_crit ∝ D_min^0.462 independent of model size, where D_min is the least number of
/// tokens that reaches the target loss (the small-batch limit, McCandlish et al. 2018's E_min). Their prefactor is
/// not public; fit one from a batch sweep or pass your own.
public struct CriticalBatchLaw: Sendable, Equatable {
    /// k in B = k·x^p (tokens).
    public var coefficient: Double
    /// p in B = k·x^p.
    public var exponent: Double

    /// B = coefficient · x^exponent.
    ///
    /// - Throws: `ScalingKitError` for a coefficient that is not finite and > 0, or an exponent that is not finite.
    public init(coefficient: Double, exponent: Double) throws {
        guard coefficient.isFinite, coefficient > 0 else {
            throw ScalingKitError.invalid("critical batch coefficient must be finite and > 0 (got \(coefficient))")
        }
        guard exponent.isFinite else { throw ScalingKitError.invalid("critical batch exponent must be finite (got \(exponent))") }
        self.coefficient = coefficient
        self.exponent = exponent
    }

    /// The published laws' constants (valid by construction).
    init(published coefficient: Double, _ exponent: Double) { self.coefficient = coefficient; self.exponent = exponent }

    /// The batch in tokens at the law's variable x (for the time-aware planner, the small-batch token requirement
    /// D_min of a run): coefficient · x^exponent.
    public func callAsFunction(_ x: Double) -> Double { coefficient * pow(x, exponent) }
}
