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
///
/// Why four lanes: a multi-start fit evaluates this sum ~10⁶ times, and the scalar loop is bound by libm's `exp`
/// and `log`. The runs are packed four to a `SIMD4` (the tail padded with copies of the first run at weight 0) and
/// evaluated with `VectorMath`, which keeps the loop branch-free.
struct ChinchillaObjective: DifferentiableObjective, Sendable {
    typealias Vector = SIMD4<Double>

    /// Runs in the sum.
    let count: Int
    let huber: Huber
    /// The runs, unpacked (to build weighted copies; `logL` is also what a fit's constant baseline is taken on).
    private let logN: [Double], logD: [Double]
    let logL: [Double]
    private let logN4: [Vector], logD4: [Vector], logL4: [Vector], weights4: [Vector]

    init(logN: [Double], logD: [Double], logL: [Double], huber: Huber) {
        self.init(logN: logN, logD: logD, logL: logL, weights: [Double](repeating: 1, count: logN.count), huber: huber)
    }

    private init(logN: [Double], logD: [Double], logL: [Double], weights: [Double], huber: Huber) {
        precondition(!logN.isEmpty && logN.count == logD.count && logN.count == logL.count && weights.count == logN.count)
        count = logN.count
        self.huber = huber
        self.logN = logN; self.logD = logD; self.logL = logL
        // Runs of weight 0 (a bootstrap resample leaves out ~37 %) are dropped from the packed sum.
        let used = weights.indices.filter { weights[$0] != 0 }
        let first = used.first ?? 0
        logN4 = Self.pack(used.map { logN[$0] }, padding: logN[first])
        logD4 = Self.pack(used.map { logD[$0] }, padding: logD[first])
        logL4 = Self.pack(used.map { logL[$0] }, padding: logL[first])
        weights4 = Self.pack(used.map { weights[$0] }, padding: 0)
    }

    /// The same objective with per-run weights (bootstrap counts: Σ cᵢ·ρ(rᵢ)).
    func weighted(by weights: [Double]) -> ChinchillaObjective {
        ChinchillaObjective(logN: logN, logD: logD, logL: logL, weights: weights, huber: huber)
    }

    private static func pack(_ values: [Double], padding: Double) -> [Vector] {
        stride(from: 0, to: values.count, by: 4).map { i in
            Vector((0..<4).map { i + $0 < values.count ? values[i + $0] : padding })
        }
    }

    var dimension: Int { 5 }

    @inline(__always)
    func evaluate(_ x: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>) -> Double {
        let a = x[0], b = x[1], e = Vector(repeating: x[2]), alpha = x[3], beta = x[4]
        let delta = huber.delta, halfDelta = 0.5 * huber.delta
        let lowerClamp = Vector(repeating: -delta), upperClamp = Vector(repeating: delta)
        var f = Vector(), ga = Vector(), gb = Vector(), ge = Vector(), gAlpha = Vector(), gBeta = Vector()
        logN4.withUnsafeBufferPointer { lnN in
            logD4.withUnsafeBufferPointer { lnD in
                logL4.withUnsafeBufferPointer { lnL in
                    weights4.withUnsafeBufferPointer { weight in
                        for i in 0..<lnN.count {
                            let n = lnN[i], d = lnD[i]
                            let u1 = a - alpha * n
                            let u2 = b - beta * d
                            // The largest of the three terms has exp(0) = 1: exponentiate only the other two
                            // (P, Q) and route the results back by lane.
                            let m = VectorMath.max(VectorMath.max(u1, u2), e)
                            let firstIsMax = u1 .== m, secondIsMax = (u2 .== m) .& .!firstIsMax
                            let lastIsMax = .!(firstIsMax .| secondIsMax)
                            let p = u1.replacing(with: e, where: firstIsMax), q = u2.replacing(with: e, where: secondIsMax)
                            let ep = VectorMath.exp(p - m), eq = VectorMath.exp(q - m)
                            let e1 = ep.replacing(with: 1, where: firstIsMax)
                            let e2 = eq.replacing(with: 1, where: secondIsMax)
                            let e3 = ep.replacing(with: eq, where: secondIsMax).replacing(with: 1, where: lastIsMax)
                            let s = e1 + e2 + e3
                            let r = m + VectorMath.log(s) - lnL[i]
                            // Huber (1964): r²/2 inside ±δ, δ(|r| − δ/2) outside; ρ' = clamp(r, −δ, δ).
                            let magnitude = VectorMath.abs(r)
                            let inside = magnitude .<= delta
                            let rho = (delta * (magnitude - halfDelta)).replacing(with: 0.5 * r * r, where: inside)
                            let psi = VectorMath.min(VectorMath.max(r, lowerClamp), upperClamp)
                            let c = weight[i]
                            f += c * rho
                            let w = c * psi / s
                            let w1 = w * e1, w2 = w * e2
                            ga += w1
                            gAlpha -= w1 * n
                            gb += w2
                            gBeta -= w2 * d
                            ge += w * e3
                        }
                    }
                }
            }
        }
        g[0] = ga.sum(); g[1] = gb.sum(); g[2] = ge.sum(); g[3] = gAlpha.sum(); g[4] = gBeta.sum()
        return f.sum()
    }
}

extension ChinchillaObjective {
    /// Coordinates of x = (log A, log B, log E, α, β) that the data leave undetermined (see `Identifiability`).
    /// The residual log L̂ − log L = LSE(a − α log N, b − β log D, e) − log L has softmax weights w as its
    /// derivatives: ∂/∂a = w₁, ∂/∂α = −w₁ log N, ∂/∂b = w₂, ∂/∂β = −w₂ log D, ∂/∂e = w₃.
    func unidentified(at x: [Double]) -> [Int] {
        let n = logN.count
        var J = [Double](repeating: 0, count: n * 5)
        for i in 0..<n {
            let t = (x[0] - x[3] * logN[i], x[1] - x[4] * logD[i], x[2])
            let top = max(t.0, t.1, t.2)
            let e = (exp(t.0 - top), exp(t.1 - top), exp(t.2 - top))
            let s = e.0 + e.1 + e.2
            let w = (e.0 / s, e.1 / s, e.2 / s)
            J[i * 5 + 0] = w.0; J[i * 5 + 1] = w.1; J[i * 5 + 2] = w.2
            J[i * 5 + 3] = -w.0 * logN[i]; J[i * 5 + 4] = -w.1 * logD[i]
        }
        return Identifiability.unidentified(jacobian: J, rows: n, columns: 5)
    }
}
