/// The Huber loss and its derivative.
///
/// Huber (1964), "Robust Estimation of a Location Parameter", eq. for ρ_k:
/// `ρ_δ(r) = r²/2` for `|r| ≤ δ`, `δ(|r| − δ/2)` otherwise. Hoffmann et al. (2022, §3.3, eq. 3) fit scaling laws
/// with it on log residuals at δ = 10⁻³ because it is robust to outlying runs; with residuals of order 10⁻² that
/// makes the fit nearly an L1 fit, which is why δ is an explicit option everywhere.
@frozen
public struct Huber: Sendable, Equatable {
    /// δ: where the penalty turns from quadratic to linear.
    public let delta: Double

    /// A Huber penalty with threshold `delta` (> 0).
    @inlinable
    public init(delta: Double) { self.delta = delta }

    /// ρ_δ(r).
    @inlinable
    public func value(_ r: Double) -> Double {
        let a = abs(r)
        return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta)
    }

    /// ρ'_δ(r) = clamp(r, −δ, δ).
    @inlinable
    public func derivative(_ r: Double) -> Double {
        r > delta ? delta : (r < -delta ? -delta : r)
    }
}
