/// An objective seen through an affine change of variables, `f̃(y) = f(x₀ + T y)`, `∇f̃ = Tᵀ ∇f`.
///
/// Why: scaling-law objectives are badly conditioned (in Chinchilla's `a − α log N` the intercept and the exponent
/// move together, log N ≈ 20), so L-BFGS from a warm start still spends tens of iterations learning the curvature.
/// With `T = L⁻ᵀ` from the Cholesky factor of the Hessian at x₀ (`H = LLᵀ`), the objective near x₀ is ≈ ½‖y‖² and a
/// refit from a nearby optimum — every bootstrap replicate — converges in a few iterations (Nocedal & Wright 2006,
/// §3.3 on scaling; this is the classic "whitening" preconditioner). The Hessian is taken once, by central
/// differences of the exact gradient, and shared by all refits.
struct AffinePreconditioned<F: DifferentiableObjective>: DifferentiableObjective {
    let base: F
    let origin: [Double]
    /// T, row-major n×n (upper triangular).
    let transform: [Double]

    var dimension: Int { base.dimension }

    func evaluate(_ y: UnsafeBufferPointer<Double>, gradient gy: UnsafeMutableBufferPointer<Double>) -> Double {
        let n = origin.count
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * n) { buffer in
            let x = UnsafeMutableBufferPointer(rebasing: buffer[0..<n])
            let gx = UnsafeMutableBufferPointer(rebasing: buffer[n..<(2 * n)])
            for i in 0..<n {
                var s = origin[i]
                for j in i..<n { s += transform[i * n + j] * y[j] }
                x[i] = s
            }
            let f = base.evaluate(UnsafeBufferPointer(x), gradient: gx)
            for j in 0..<n {
                var s = 0.0
                for i in 0...j { s += transform[i * n + j] * gx[i] }
                gy[j] = s
            }
            return f
        }
    }

    /// x = x₀ + T y.
    func point(_ y: [Double]) -> [Double] {
        let n = origin.count
        return (0..<n).map { i in (i..<n).reduce(origin[i]) { $0 + transform[i * n + $1] * y[$1] } }
    }

    /// The preconditioner at `x0`, or nil where the Hessian is not positive definite (then refit unpreconditioned).
    init?(_ objective: F, at x0: [Double]) {
        let n = objective.dimension
        precondition(x0.count == n)
        // H by central differences of the exact gradient, symmetrised. Step ~ ε^(1/3)·scale (Nocedal & Wright §8.1)
        // first; where that H is not positive definite, smaller steps. Why: a Huber objective's second derivative
        // jumps where a residual crosses ±δ, and at an optimum with most residuals in the linear part (a loss-vs-
        // compute fit over off-frontier runs: 19 of 245 inside δ) a step of 6e-6 crosses kinks and averages their
        // curvature into an indefinite H (eigenvalue −4.6e-4 where the local one is +2.1e-4); 1e-7 stays on one
        // piece, and the truncation error a smaller step trades for rounding (ε/h ≈ 2e-9 relative) is still small.
        var found: [Double]?
        for relativeStep in [6e-6, 1e-7, 1e-8] {
            guard let h = Self.hessian(objective, at: x0, relativeStep: relativeStep) else { return nil }
            if let l = Self.cholesky(h, n) { found = l; break }
        }
        guard let l = found else { return nil }
        // T = L⁻ᵀ: solve Lᵀ T = I column by column (back substitution; T is upper triangular).
        var t = [Double](repeating: 0, count: n * n)
        for c in 0..<n {
            for i in stride(from: c, through: 0, by: -1) {
                var s = i == c ? 1.0 : 0.0
                var k = i + 1
                while k <= c { s -= l[k * n + i] * t[k * n + c]; k += 1 }
                t[i * n + c] = s / l[i * n + i]
            }
        }
        guard t.allSatisfy(\.isFinite) else { return nil }
        base = objective
        origin = x0
        transform = t
    }

    /// H (row-major n×n) by central differences of the exact gradient with steps `relativeStep`·max(|xᵢ|, 1),
    /// symmetrised; nil where the objective is not finite at a probe.
    private static func hessian(_ objective: F, at x0: [Double], relativeStep: Double) -> [Double]? {
        let n = x0.count
        var h = [Double](repeating: 0, count: n * n)
        var gPlus = [Double](repeating: 0, count: n), gMinus = gPlus
        for i in 0..<n {
            let step = relativeStep * max(abs(x0[i]), 1)
            var xp = x0, xm = x0
            xp[i] += step; xm[i] -= step
            let fp = xp.withUnsafeBufferPointer { p in gPlus.withUnsafeMutableBufferPointer { objective.evaluate(p, gradient: $0) } }
            let fm = xm.withUnsafeBufferPointer { p in gMinus.withUnsafeMutableBufferPointer { objective.evaluate(p, gradient: $0) } }
            guard fp.isFinite, fm.isFinite else { return nil }
            for j in 0..<n { h[i * n + j] = (gPlus[j] - gMinus[j]) / (2 * step) }
        }
        for i in 0..<n { for j in 0..<i { let s = 0.5 * (h[i * n + j] + h[j * n + i]); h[i * n + j] = s; h[j * n + i] = s } }
        return h
    }

    /// The lower Cholesky factor L of H = LLᵀ (row-major), or nil where H is not positive definite.
    private static func cholesky(_ h: [Double], _ n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var d = h[j * n + j]
            for k in 0..<j { d -= l[j * n + k] * l[j * n + k] }
            guard d > 0, d.isFinite else { return nil }
            l[j * n + j] = d.squareRoot()
            for i in (j + 1)..<n {
                var s = h[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = s / l[j * n + j]
            }
        }
        return l
    }

    /// The same change of variables over another objective (a bootstrap replicate of the one it was built for).
    func over<G: DifferentiableObjective>(_ other: G) -> AffinePreconditioned<G> {
        AffinePreconditioned<G>(base: other, origin: origin, transform: transform)
    }

    private init(base: F, origin: [Double], transform: [Double]) {
        self.base = base; self.origin = origin; self.transform = transform
    }
}

extension AffinePreconditioned: Sendable where F: Sendable {}

extension AffinePreconditioned {
    /// L-BFGS from `best` on `objective` seen through the preconditioner at `best.x`, when no coordinate is at a
    /// bound and the Hessian there is positive definite; the result, in `objective`'s coordinates with its gradient
    /// norm, if it is no worse and inside the bounds. Why: parameters in natural units (A ~ 10³ beside α ~ 0.3) make
    /// a narrow valley that L-BFGS crawls along; whitened, the valley is round near `best` and the solver finishes.
    static func polish(_ objective: F, from best: OptimizationResult, options: LBFGSOptions,
                       lower: [Double], upper: [Double]) -> OptimizationResult? {
        let x = best.x
        for k in x.indices where x[k] <= lower[k] + 1e-8 * (1 + abs(lower[k]))
            || x[k] >= upper[k] - 1e-8 * (1 + abs(upper[k])) { return nil }
        guard let whitened = AffinePreconditioned(objective, at: x) else { return nil }
        var r = LBFGS(dimension: x.count, options: options).minimize(whitened, from: [Double](repeating: 0, count: x.count))
        r.x = whitened.point(r.x)
        guard r.value.isFinite, r.value <= best.value, r.x.indices.allSatisfy({ r.x[$0] >= lower[$0] && r.x[$0] <= upper[$0] })
        else { return nil }
        // Report the gradient in the objective's own coordinates.
        var g = [Double](repeating: 0, count: x.count)
        _ = r.x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { objective.evaluate(xp, gradient: $0) } }
        r.gradientNorm = g.map(abs).max() ?? 0
        return r
    }
}

/// An objective restricted to some coordinates, the others held at a point (for curvature over free coordinates).
struct Restricted<F: DifferentiableObjective>: DifferentiableObjective {
    let base: F
    let at: [Double]
    let coordinates: [Int]

    var dimension: Int { coordinates.count }

    func evaluate(_ y: UnsafeBufferPointer<Double>, gradient gy: UnsafeMutableBufferPointer<Double>) -> Double {
        var x = at, g = [Double](repeating: 0, count: at.count)
        for (m, k) in coordinates.enumerated() { x[k] = y[m] }
        let f = x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { base.evaluate(xp, gradient: $0) } }
        for (m, k) in coordinates.enumerated() { gy[m] = g[k] }
        return f
    }
}
