#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Chinchilla fitting objective in the log-sum-exp parameterisation.
///
/// Hoffmann et al. (2022) §D.2 and Besiroglu et al. (2024) §2:
/// `min_{a,b,e,α,β} Σᵢ Huber_δ( LSE(a − α log Nᵢ, b − β log Dᵢ, e) − log Lᵢ )`, with `A = eᵃ, B = eᵇ, E = eᵉ`.
/// The parameter vector is `x = (a, b, e, α, β)`, Epoch's order. The gradient is exact: with softmax weights
/// `wₖ = exp(uₖ − LSE)` and `ψ = Huber'_δ(r)`, `∂/∂a = Σ ψ w₁`, `∂/∂α = −Σ ψ w₁ log N`, `∂/∂b = Σ ψ w₂`,
/// `∂/∂β = −Σ ψ w₂ log D`, `∂/∂e = Σ ψ w₃`. The objective is a **sum**, not a mean (a mean makes optimisers stop
/// early: Besiroglu et al. 2024 §3; marin PR #749).
struct ChinchillaObjective: DifferentiableObjective, Sendable {
    let logN: [Double]
    let logD: [Double]
    let logL: [Double]
    let huber: Huber
    /// Per-run weights (bootstrap counts); nil = all 1.
    var weights: [Double]? = nil

    var dimension: Int { 5 }

    @inline(__always)
    func evaluate(_ x: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>) -> Double {
        let a = x[0], b = x[1], e = x[2], alpha = x[3], beta = x[4]
        var f = 0.0, ga = 0.0, gb = 0.0, ge = 0.0, gAlpha = 0.0, gBeta = 0.0
        let weights = self.weights
        logN.withUnsafeBufferPointer { lnN in
            logD.withUnsafeBufferPointer { lnD in
                logL.withUnsafeBufferPointer { lnL in
                    for i in 0..<lnN.count {
                        let u1 = a - alpha * lnN[i]
                        let u2 = b - beta * lnD[i]
                        // The largest term's exponential is exp(0) = 1 exactly: skip it (same bits, 1/3 fewer exp).
                        let m: Double, e1: Double, e2: Double, e3: Double
                        if u1 >= u2 && u1 >= e {
                            m = u1; e1 = 1; e2 = exp(u2 - m); e3 = exp(e - m)
                        } else if u2 >= e {
                            m = u2; e2 = 1; e1 = exp(u1 - m); e3 = exp(e - m)
                        } else {
                            m = e; e3 = 1; e1 = exp(u1 - m); e2 = exp(u2 - m)
                        }
                        let s = e1 + e2 + e3
                        let r = m + log(s) - lnL[i]
                        let c = weights?[i] ?? 1
                        f += c * huber.value(r)
                        let w = c * huber.derivative(r) / s
                        let w1 = w * e1, w2 = w * e2
                        ga += w1
                        gAlpha -= w1 * lnN[i]
                        gb += w2
                        gBeta -= w2 * lnD[i]
                        ge += w * e3
                    }
                }
            }
        }
        g[0] = ga; g[1] = gb; g[2] = ge; g[3] = gAlpha; g[4] = gBeta
        return f
    }
}
