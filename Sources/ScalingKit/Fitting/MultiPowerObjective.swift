#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The multi-power law's prediction and fitting objective over loss curves, with the exact gradient.
///
/// Luo et al. (2025), "A Multi-Power Law for Loss Curve Prediction Across Learning Rate Schedules" (ICLR 2025,
/// arXiv:2503.12811), eq. (5)–(6):
///
///   L(t) = L0 + A·(S1(t) + S_W)^(−α) − LD(t),        S1(t) = Σ_{τ=1..t} η_τ,
///   LD(t) = B·Σ_{k=1..t} (η_{k−1} − η_k)·G(η_k^(−γ)·S_k(t)),   S_k(t) = Σ_{τ=k..t} η_τ,   G(x) = 1 − (C·x + 1)^(−β).
///
/// Parameters, in the published order: (L0, A, α, B, C, β, γ). Only steps where the rate changes contribute to
/// LD, so they are listed once per curve; the sum for each observation runs over the changes before it, four at a
/// time (`VectorMath`). Derivatives, with u = 1 + C·x and v = u^(−β): ∂G/∂C = β·v·x/u, ∂G/∂β = v·ln u,
/// ∂G/∂γ = −β·v·C·x·ln η_k / u.
struct MultiPowerObjective: DifferentiableObjective, Sendable {
    typealias Vector = SIMD4<Double>

    struct Curve: Sendable {
        /// prefix[j] = Σ_{τ<j} η_τ over post-warmup rates (η_0 = the peak).
        let prefix: [Double]
        let warmupArea: Double
        /// Steps k ≥ 1 where η changes, their Δ_k = η_{k−1} − η_k and ln η_k.
        let changeSteps: [Int]
        let changes: [Double]
        let logRates: [Double]
        /// Observations: post-warmup time t and, for fitting, log loss.
        let times: [Int]
        let logLoss: [Double]

        init(_ c: LossCurve, steps: [Int], loss: [Double]?) {
            let eta = Array(c.learningRates[c.warmupSteps...])
            var prefix = [0.0]
            prefix.reserveCapacity(eta.count + 1)
            for e in eta { prefix.append(prefix.last! + e) }
            self.prefix = prefix
            warmupArea = c.learningRates[..<c.warmupSteps].reduce(0, +)
            var k: [Int] = [], d: [Double] = [], l: [Double] = []
            for j in eta.indices.dropFirst() where eta[j - 1] != eta[j] {
                k.append(j); d.append(eta[j - 1] - eta[j]); l.append(log(eta[j]))
            }
            changeSteps = k; changes = d; logRates = l
            times = steps.map { $0 - c.warmupSteps }
            logLoss = loss?.map { log($0) } ?? []
        }

        /// Changes at steps ≤ t (changeSteps is ascending).
        func changeCount(upTo t: Int) -> Int {
            var lo = 0, hi = changeSteps.count
            while lo < hi { let mid = (lo + hi) / 2; if changeSteps[mid] <= t { lo = mid + 1 } else { hi = mid } }
            return lo
        }
    }

    let curves: [Curve]
    let huber: Huber
    /// The longest list of rate changes (the scratch size for η_k^(−γ)).
    let maxChanges: Int

    init(curves: [Curve], huber: Huber) {
        self.curves = curves
        self.huber = huber
        maxChanges = curves.map(\.changes.count).max() ?? 0
    }

    var dimension: Int { 7 }

    /// L(t) and ∂L/∂(L0, A, α, B, C, β, γ) for one observation; `scaled[j] = η_{k_j}^(−γ)`.
    @inline(__always)
    static func predict(_ p: UnsafeBufferPointer<Double>, curve: Curve, t: Int, scaled: UnsafeBufferPointer<Double>,
                        gradient d: inout (Double, Double, Double, Double, Double, Double, Double)) -> Double {
        let (L0, A, alpha, B, C, beta) = (p[0], p[1], p[2], p[3], p[4], p[5])
        let sEnd = curve.prefix[t + 1]
        let base = sEnd - curve.prefix[1] + curve.warmupArea
        let logBase = log(base)
        let power = exp(-alpha * logBase)
        let n = curve.changeCount(upTo: t)
        var sumG = Vector(), sumC = Vector(), sumBeta = Vector(), sumGamma = Vector()
        curve.changeSteps.withUnsafeBufferPointer { ks in
            curve.changes.withUnsafeBufferPointer { deltas in
                curve.logRates.withUnsafeBufferPointer { logEta in
                    curve.prefix.withUnsafeBufferPointer { prefix in
                        var j = 0
                        while j + 4 <= n {
                            let s = Vector(sEnd - prefix[ks[j]], sEnd - prefix[ks[j + 1]],
                                           sEnd - prefix[ks[j + 2]], sEnd - prefix[ks[j + 3]])
                            let x = Vector(scaled[j], scaled[j + 1], scaled[j + 2], scaled[j + 3]) * s
                            let delta = Vector(deltas[j], deltas[j + 1], deltas[j + 2], deltas[j + 3])
                            let u = 1 + C * x
                            let lu = VectorMath.log(u)
                            let v = VectorMath.exp(-beta * lu)
                            let dv = delta * v
                            sumG += delta - dv
                            let q = dv * x / u
                            sumC += q
                            sumBeta += dv * lu
                            sumGamma -= q * Vector(logEta[j], logEta[j + 1], logEta[j + 2], logEta[j + 3])
                            j += 4
                        }
                        while j < n {   // the last 0–3 changes, in scalar form
                            let x = scaled[j] * (sEnd - prefix[ks[j]])
                            let u = 1 + C * x
                            let lu = log(u)
                            let dv = deltas[j] * exp(-beta * lu)
                            sumG[0] += deltas[j] - dv
                            let q = dv * x / u
                            sumC[0] += q
                            sumBeta[0] += dv * lu
                            sumGamma[0] -= q * logEta[j]
                            j += 1
                        }
                    }
                }
            }
        }
        let g = sumG.sum()
        d = (1, power, -A * power * logBase, -g, -B * beta * sumC.sum(), -B * sumBeta.sum(), -B * beta * C * sumGamma.sum())
        return L0 + A * power - B * g
    }

    /// η_k^(−γ) for every change of `curve`, into `scaled`.
    @inline(__always)
    static func scaleRates(_ curve: Curve, gamma: Double, into scaled: UnsafeMutableBufferPointer<Double>) {
        for j in curve.logRates.indices { scaled[j] = exp(-gamma * curve.logRates[j]) }
    }

    /// Σ Huber_δ(ln L̂ − ln L) over every observation of every curve, and its gradient. Non-positive predictions
    /// (possible far from the optimum) make the objective +∞, which the line search backs away from.
    func evaluate(_ x: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>) -> Double {
        for i in 0..<7 { g[i] = 0 }
        var f = 0.0
        // One scratch buffer per evaluation for η_k^(−γ) (tens of thousands of entries: too many for the stack).
        withUnsafeTemporaryAllocation(of: Double.self, capacity: max(maxChanges, 1)) { scaled in
            for curve in curves {
                Self.scaleRates(curve, gamma: x[6], into: scaled)
                for (i, t) in curve.times.enumerated() {
                    var d = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
                    let prediction = Self.predict(x, curve: curve, t: t, scaled: UnsafeBufferPointer(scaled), gradient: &d)
                    guard prediction > 0, prediction.isFinite else { f = .infinity; return }
                    let r = log(prediction) - curve.logLoss[i]
                    f += huber.value(r)
                    let w = huber.derivative(r) / prediction
                    g[0] += w * d.0; g[1] += w * d.1; g[2] += w * d.2; g[3] += w * d.3
                    g[4] += w * d.4; g[5] += w * d.5; g[6] += w * d.6
                }
            }
        }
        return f
    }

    /// The log residuals ln L̂ − ln L at `x`, curve by curve, and their Jacobian (row-major, 7 columns) from the
    /// analytic derivatives of `predict`; empty where a prediction is not positive and finite.
    func residuals(at x: [Double]) -> (residuals: [Double], jacobian: [Double]) {
        var r: [Double] = [], J: [Double] = []
        let valid = withUnsafeTemporaryAllocation(of: Double.self, capacity: max(maxChanges, 1)) { scaled in
            x.withUnsafeBufferPointer { p in
                for curve in curves {
                    Self.scaleRates(curve, gamma: x[6], into: scaled)
                    for (i, t) in curve.times.enumerated() {
                        var d = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
                        let prediction = Self.predict(p, curve: curve, t: t, scaled: UnsafeBufferPointer(scaled), gradient: &d)
                        guard prediction > 0, prediction.isFinite else { return false }
                        r.append(log(prediction) - curve.logLoss[i])
                        J += [d.0, d.1, d.2, d.3, d.4, d.5, d.6].map { $0 / prediction }
                    }
                }
                return true
            }
        }
        return valid ? (r, J) : ([], [])
    }
}

extension DifferentiableObjective {
    /// f(x) (and ∇f(x) into `gradient`), for tests and one-off evaluations.
    func value(at x: [Double], gradient: inout [Double]) -> Double {
        precondition(x.count == dimension)
        if gradient.count != dimension { gradient = [Double](repeating: 0, count: dimension) }
        return x.withUnsafeBufferPointer { p in gradient.withUnsafeMutableBufferPointer { evaluate(p, gradient: $0) } }
    }

    func value(at x: [Double]) -> Double {
        var g: [Double] = []
        return value(at: x, gradient: &g)
    }
}
