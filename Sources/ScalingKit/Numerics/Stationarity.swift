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

    /// Whether these measures make a point stationary: the Newton decrement within `LawFit.decreaseTolerance`, or,
    /// where the Hessian is not positive definite, the relative gradient within `LawFit.stationarityTolerance`.
    var stationary: Bool {
        predictedDecrease.isNaN ? relativeGradient <= LawFit.stationarityTolerance : predictedDecrease <= LawFit.decreaseTolerance
    }

    /// The caveat a fit's message opens with when its optimiser stopped at a point these measures call a stall.
    var stall: String {
        predictedDecrease.isNaN
            ? "stalled: the optimiser stopped, but the relative gradient is \(FitSearch.format(relativeGradient)) "
              + "(convergence needs <= \(FitSearch.format(LawFit.stationarityTolerance)))"
            : "stalled: the optimiser stopped, but a Newton step would lower the objective by a relative "
              + "\(FitSearch.format(predictedDecrease)) (convergence needs <= \(FitSearch.format(LawFit.decreaseTolerance)))"
    }

    private init(relativeGradient: Double, predictedDecrease: Double) {
        self.relativeGradient = relativeGradient
        self.predictedDecrease = predictedDecrease
    }
}

/// Issue 14's convergence rule, one for every fit (law, Chinchilla, multi-power): the optimiser met a convergence
/// test, at a point the `Stationarity` measures call stationary (a stop on a small change of f with a large
/// gradient is a stall), that at least two starts reached (one start never checked the global optimum). An exact
/// fit is the global minimum, since every objective is a sum of losses >= 0: it is stationary and confirmed.
struct ConvergenceVerdict {
    /// The stationarity measures at the fit's optimum.
    var measures: Stationarity
    /// Whether all three hold.
    var converged: Bool
    /// What failed, in words, for the front of the fit's message.
    var caveats: [String] = []

    /// - Parameter widen: how to widen this fit's search, said when the optimum was not confirmed.
    init(_ outcome: MultiStart.Outcome, measures: Stationarity, widen: String) {
        self.measures = measures
        let exact = outcome.reason == .objectiveNegligible
        let stationary = exact || measures.stationary
        let confirmed = exact || outcome.startsAtOptimum >= 2
        if outcome.reason.isConverged && !stationary { caveats.append(measures.stall) }
        if !confirmed {
            caveats.append(outcome.starts == 1
                ? "one start: the global optimum was not checked"
                : "only \(outcome.startsAtOptimum) start reached this optimum: not confirmed as the global one (\(widen))")
        }
        converged = outcome.reason.isConverged && stationary && confirmed
    }

    /// `message` with the caveats in front, if any.
    func prefixing(_ message: String) -> String {
        caveats.isEmpty ? message : caveats.joined(separator: "; ") + "; " + message
    }
}
