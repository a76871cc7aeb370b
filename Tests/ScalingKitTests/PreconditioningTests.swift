import Testing
@testable import ScalingKit
#if canImport(Glibc)
import Glibc
#endif

/// An ill-conditioned quadratic 1 + ½(x − c)ᵀA(x − c) with a known minimum (1, so relative tests are meaningful).
private struct Quadratic: DifferentiableObjective, Sendable {
    let a: [Double]   // 3×3 SPD, condition number ~1e6
    let c: [Double]
    var dimension: Int { 3 }
    func evaluate(_ x: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>) -> Double {
        var f = 1.0
        for i in 0..<3 {
            var s = 0.0
            for j in 0..<3 { s += a[i * 3 + j] * (x[j] - c[j]) }
            g[i] = s
            f += 0.5 * (x[i] - c[i]) * s
        }
        return f
    }
}

@Suite("Affine preconditioning")
struct PreconditioningTests {
    fileprivate let quadratic = Quadratic(a: [1e6, 990.0, 0, 990.0, 1.0, 0.1, 0, 0.1, 2.0], c: [1, -2, 3])

    @Test func whitensAQuadratic() throws {
        let x0 = [1.5, -1.0, 2.0]
        let p = try #require(AffinePreconditioned(quadratic, at: x0))
        // f̃(y) = f(x₀) + ∇f(x₀)ᵀTy + ½‖y‖²: the Hessian in y is the identity, so one Newton-like step solves it.
        var g = [0.0, 0, 0]
        let y = [0.3, -0.2, 0.1], e = 1e-4
        for k in 0..<3 {
            var yp = y, ym = y
            yp[k] += e; ym[k] -= e
            var gp = g, gm = g
            _ = yp.withUnsafeBufferPointer { b in gp.withUnsafeMutableBufferPointer { p.evaluate(b, gradient: $0) } }
            _ = ym.withUnsafeBufferPointer { b in gm.withUnsafeMutableBufferPointer { p.evaluate(b, gradient: $0) } }
            for j in 0..<3 { #expect(abs((gp[j] - gm[j]) / (2 * e) - (j == k ? 1 : 0)) < 1e-6) }
        }
        _ = y.withUnsafeBufferPointer { b in g.withUnsafeMutableBufferPointer { p.evaluate(b, gradient: $0) } }
        let solver = LBFGS(dimension: 3)
        let plain = solver.minimize(quadratic, from: x0)
        let whitened = solver.minimize(p, from: [0, 0, 0])
        let x = p.point(whitened.x)
        for i in 0..<3 { #expect(abs(x[i] - quadratic.c[i]) < 1e-7) }
        #expect(whitened.iterations <= 4 && whitened.iterations < plain.iterations,
                "whitened \(whitened.iterations) vs plain \(plain.iterations) iterations")
    }

    /// A gradient whose slope jumps 3e-6 from x₀ (a Huber residual crossing ±δ): the first step (6e-6) straddles
    /// the jump and sees negative curvature; the smaller step sees the local curvature, 1.
    @Test func takesALocalStepWhereTheFirstStraddlesAKink() throws {
        struct Kinked: DifferentiableObjective {
            var dimension: Int { 1 }
            func evaluate(_ x: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>) -> Double {
                let t = x[0], k = 3e-6
                if t <= k { g[0] = t; return 0.5 * t * t }
                g[0] = k - 10 * (t - k)
                return 0.5 * k * k + k * (t - k) - 5 * (t - k) * (t - k)
            }
        }
        let p = try #require(AffinePreconditioned(Kinked(), at: [0]))
        #expect(abs(p.transform[0] - 1) < 1e-6, "T = \(p.transform[0])")
    }

    @Test func refusesAnIndefiniteHessian() {
        let saddle = Quadratic(a: [1, 0, 0, 0, -1, 0, 0, 0, 1], c: [0, 0, 0])
        #expect(AffinePreconditioned(saddle, at: [0.1, 0.1, 0.1]) == nil)
    }

    /// Bootstrap refits through the preconditioner land where plain refits land.
    @Test func bootstrapRefitsAgreeWithPlainRefits() throws {
        let d = try TestData.chinchilla()
        var options = ChinchillaFitOptions()
        options.excludeHighestLoss = 5
        let fit = try ChinchillaLaw.fit(N: d.N, D: d.D, loss: d.loss, options: options)
        let (objective, _, kept) = try ChinchillaLaw.prepare(N: d.N, D: d.D, loss: d.loss, options: options)
        let law = fit.law
        let start = [log(law.A), log(law.B), log(law.E), law.alpha, law.beta]
        let p = try #require(AffinePreconditioned(objective, at: start))
        var stream = RandomStream(seed: 9)
        var compared = 0
        for _ in 0..<40 {
            var counts = [Double](repeating: 0, count: kept.count)
            for _ in 0..<kept.count { counts[stream.index(below: kept.count)] += 1 }
            let replicate = objective.weighted(by: counts)
            guard let fast = Bootstrap.refit(replicate, from: start, optimizer: options.optimizer, preconditioner: p),
                  let plain = Bootstrap.refit(replicate, from: start, optimizer: options.optimizer),
                  !fast.stalled, !plain.stalled else { continue }
            compared += 1
            // α and β to 1e-5 relative: both are converged optima of a nearly-L1 objective.
            for i in 3..<5 { #expect(abs(fast.x[i] - plain.x[i]) <= 1e-5 * abs(plain.x[i]), "replicate param \(i)") }
        }
        #expect(compared >= 30)
    }
}
