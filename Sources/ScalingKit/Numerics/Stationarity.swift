/// How far a point is from a stationary point of a bound-constrained objective, measured two ways.
///
/// Why: an optimiser stops on its own tests (a small change of f, a failed line search), and a stop is not a
/// minimum. A fit calls its result converged only where these measures say the point is stationary: the law fit
/// since issue 14, the multi-power fit since a default fit on Luo et al.'s curves stopped on a small change of f
/// 0.9 % above the optimum another start reaches.
struct Stationarity {
    /// max |gₖ|·max(|xₖ|, 1)/|f| over the projected gradient (Dennis & Schnabel 1983, §7.2).
    var relativeGradient: Double
    /// The Newton decrement ½ gᵀH⁻¹g / |f| over the coordinates not held by a bound (Boyd & Vandenberghe 2004,
    /// §9.5.1): the relative decrease a Newton step would bring. NaN where the Hessian is not positive definite.
    var predictedDecrease: Double

    /// The measures at `x`. The gradient is projected onto the bounds: a coordinate on a bound (to 1e-10 relative)
    /// whose gradient points outward is stationary (the KKT sign) and held.
    init<F: DifferentiableObjective>(_ objective: F, at x: [Double], lower: [Double], upper: [Double]) {
        var g = [Double](repeating: 0, count: x.count)
        let f = x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { objective.evaluate(xp, gradient: $0) } }
        guard f.isFinite else { self.init(relativeGradient: .infinity, predictedDecrease: .infinity); return }
        var worst = 0.0
        var held = [Bool](repeating: false, count: x.count)
        for k in x.indices {
            var gk = g[k]
            if x[k] <= lower[k] + 1e-10 * (1 + abs(lower[k])) { gk = min(gk, 0); held[k] = gk == 0 }
            if x[k] >= upper[k] - 1e-10 * (1 + abs(upper[k])) { gk = max(gk, 0); held[k] = gk == 0 }
            guard gk.isFinite else { self.init(relativeGradient: .infinity, predictedDecrease: .infinity); return }
            g[k] = gk
            worst = max(worst, abs(gk) * max(abs(x[k]), 1))
        }
        let scale = abs(f)
        let relative = f == 0 ? (worst == 0 ? 0 : .infinity) : worst / scale
        let open = x.indices.filter { !held[$0] }
        guard !open.isEmpty, scale > 0 else { self.init(relativeGradient: relative, predictedDecrease: 0); return }
        // The Hessian over the open coordinates, by the same central differences the preconditioner uses.
        let reduced = Restricted(base: objective, at: x, coordinates: open)
        guard let whitened = AffinePreconditioned(reduced, at: open.map { x[$0] }) else {
            self.init(relativeGradient: relative, predictedDecrease: .nan); return
        }
        let n = open.count
        var decrement = 0.0
        for j in 0..<n {
            var s = 0.0
            for i in 0...j { s += whitened.transform[i * n + j] * g[open[i]] }
            decrement += s * s
        }
        self.init(relativeGradient: relative, predictedDecrease: 0.5 * decrement / scale)
    }

    /// The caveat a fit's message opens with when its optimiser stopped at a point these measures call a stall.
    static func stall(_ m: (relativeGradient: Double, predictedDecrease: Double)) -> String {
        m.predictedDecrease.isNaN
            ? "stalled: the optimiser stopped, but the relative gradient is \(FitSearch.format(m.relativeGradient)) "
              + "(convergence needs <= \(FitSearch.format(LawFit.stationarityTolerance)))"
            : "stalled: the optimiser stopped, but a Newton step would lower the objective by a relative "
              + "\(FitSearch.format(m.predictedDecrease)) (convergence needs <= \(FitSearch.format(LawFit.decreaseTolerance)))"
    }

    static func stall(_ m: Stationarity) -> String { stall((m.relativeGradient, m.predictedDecrease)) }

    private init(relativeGradient: Double, predictedDecrease: Double) {
        self.relativeGradient = relativeGradient
        self.predictedDecrease = predictedDecrease
    }
}
