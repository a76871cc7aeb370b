/// Tolerances and limits of `LBFGS`.
public struct LBFGSOptions: Sendable, Equatable {
    /// Pairs (s, y) kept for the inverse-Hessian approximation.
    public var memory: Int = 10
    /// Accepted steps before giving up.
    public var maxIterations: Int = 1000
    /// Stop when the relative gradient max_i |∂f/∂x_i| · max(|x_i|, 1) / max(|f|, tiny) ≤ this (Dennis & Schnabel
    /// 1983, *Numerical Methods for Unconstrained Optimization*, §7.2). Scale-aware, unlike an absolute test, which
    /// a parameter of size 10¹⁶ with a gradient of 10⁻¹⁸ passes without having moved.
    public var gradientTolerance: Double = 1e-10
    /// Stop when (f_k − f_{k+1}) ≤ this · max(|f_k|, |f_{k+1}|). Relative, unlike scipy's `ftol`, which divides by
    /// max(|f|, 1) and so stops small objectives (Huber sums are ~10⁻³) long before the optimum — the stall that
    /// explains Hoffmann et al.'s published fit (Besiroglu et al. 2024, §3).
    public var functionTolerance: Double = 1e-14
    /// Objective evaluations allowed per line search.
    public var maxLineSearchEvaluations: Int = 40

    /// The defaults above.
    public init() {}
}

/// Limited-memory BFGS for unconstrained smooth minimisation.
///
/// Two-loop recursion: Nocedal & Wright, *Numerical Optimization* (2nd ed. 2006), Algorithm 7.4, with the initial
/// scaling γ = sᵀy / yᵀy of eq. 7.20. Line search: strong Wolfe conditions (eq. 3.7, c₁ = 10⁻⁴, c₂ = 0.9) by
/// Algorithms 3.5 and 3.6 with safeguarded cubic interpolation (eq. 3.59).
///
/// Box bounds (`minimize(_:from:lower:upper:)`): a projected L-BFGS in the manner of Bertsekas (1982, "Projected
/// Newton methods for optimization problems with simple constraints") and Kim, Sra & Dhillon (2010, "Tackling
/// box-constrained optimization via a new projected quasi-Newton approach"): variables at a bound whose gradient
/// points outward are held (the active set), the L-BFGS direction is taken over the free variables, and an Armijo
/// backtracking search runs along the projected path P(x + t·d). Convergence is tested on the projected gradient
/// x − P(x − ∇f). This is not Byrd et al.'s generalised-Cauchy-point L-BFGS-B, but it solves the same problem and
/// reduces to plain L-BFGS (with the strong-Wolfe search) when no bound is finite.
///
/// One instance owns all its workspace, allocated once in `init`; `minimize` allocates nothing but its result, so a
/// thread can run thousands of starts with one instance. Not thread-safe: give each thread its own.
public final class LBFGS {
    /// Number of variables.
    public let dimension: Int
    /// Stopping rules and limits.
    public let options: LBFGSOptions

    // Workspace; every buffer has `dimension` elements except the (s, y) history (memory × dimension).
    private let x, g, d, xTrial, gTrial, q: UnsafeMutableBufferPointer<Double>
    private let sHistory, yHistory: UnsafeMutableBufferPointer<Double>
    private let rho, alphaTmp: UnsafeMutableBufferPointer<Double>
    private let lower, upper: UnsafeMutableBufferPointer<Double>
    private var bounded = false

    private static let c1 = 1e-4
    private static let c2 = 0.9

    /// An optimizer for `dimension` variables; allocates its workspace once, here.
    public init(dimension: Int, options: LBFGSOptions = LBFGSOptions()) {
        precondition(dimension > 0 && options.memory > 0)
        self.dimension = dimension
        self.options = options
        let buffer = zeroedBuffer
        x = buffer(dimension); g = buffer(dimension); d = buffer(dimension)
        xTrial = buffer(dimension); gTrial = buffer(dimension); q = buffer(dimension)
        sHistory = buffer(options.memory * dimension); yHistory = buffer(options.memory * dimension)
        rho = buffer(options.memory); alphaTmp = buffer(options.memory)
        lower = buffer(dimension); upper = buffer(dimension)
    }

    deinit {
        for b in [x, g, d, xTrial, gTrial, q, sHistory, yHistory, rho, alphaTmp, lower, upper] { b.deallocate() }
    }

    /// Minimises `objective` from `start` (which must have `dimension` elements) without bounds.
    public func minimize<F: DifferentiableObjective>(_ objective: F, from start: [Double]) -> OptimizationResult {
        minimize(objective, from: start, lower: nil, upper: nil)
    }

    /// Minimises `objective` subject to `lower ≤ x ≤ upper` (element-wise; ±infinity for no bound; `lower ≤ upper`
    /// is the caller's to check). The start is projected into the box first.
    public func minimize<F: DifferentiableObjective>(_ objective: F, from start: [Double],
                                                     lower lo: [Double]?, upper hi: [Double]?) -> OptimizationResult {
        minimize(objective, from: start, lower: lo, upper: hi, unitHessian: false)
    }

    /// As above; `unitHessian` says the objective is scaled so that its Hessian is near the identity (for example
    /// `AffinePreconditioned`), so the first step is the Newton step −∇f instead of a step of unit length.
    func minimize<F: DifferentiableObjective>(_ objective: F, from start: [Double], lower lo: [Double]?,
                                              upper hi: [Double]?, unitHessian: Bool) -> OptimizationResult {
        precondition(start.count == dimension && objective.dimension == dimension)
        let n = dimension
        bounded = false
        for i in 0..<n {
            lower[i] = lo?[i] ?? -.infinity
            upper[i] = hi?[i] ?? .infinity
            if lower[i].isFinite || upper[i].isFinite { bounded = true }
            x[i] = min(max(start[i], lower[i]), upper[i])
        }
        var evaluations = 1
        var f = objective.evaluate(UnsafeBufferPointer(x), gradient: g)
        guard f.isFinite else {
            return OptimizationResult(x: start, value: f, gradientNorm: .infinity, iterations: 0,
                                      evaluations: evaluations, reason: .nonFiniteStart)
        }
        var gnorm = projectedGradientNorm()
        let f0 = f, gnorm0 = gnorm
        var stored = 0, newest = -1   // ring buffer of (s, y) pairs
        var iterations = 0
        var reason = TerminationReason.maxIterations
        var restartedAfterFailure = false
        // −∇f·d of the last quasi-Newton direction: twice the decrease a unit step predicts on the local quadratic.
        var predictedDecrease = Double.infinity

        if f == 0 { reason = .objectiveNegligible } else if relativeGradient(f) <= options.gradientTolerance { reason = .gradientTolerance }
        while reason == .maxIterations && iterations < options.maxIterations {
            // Search direction d = −H∇f (Algorithm 7.4), over the free variables when bounded.
            computeDirection(stored: stored, newest: newest)
            var slope = dot(g, d)
            if !(slope < 0) {           // not a descent direction: forget the history
                stored = 0; newest = -1
                for i in 0..<n { d[i] = isHeld(i) ? 0 : -g[i] }
                slope = dot(g, d)
            }
            if !(slope < 0) {           // every free component is zero: at a bound-constrained stationary point
                reason = .gradientTolerance
                break
            }
            let initialStep = stored == 0 && !(unitHessian && iterations == 0)
                ? 1.0 / max(norm2(d), Double.leastNormalMagnitude) : 1.0
            if stored > 0 { predictedDecrease = -slope }

            let (accepted, fNew, lsEvals) = bounded
                ? projectedSearch(objective, f0: f, initialStep: initialStep)
                : lineSearch(objective, f0: f, slope0: slope, initialStep: initialStep)
            evaluations += lsEvals
            if !accepted {
                if stored > 0 && !restartedAfterFailure {   // retry once along steepest descent
                    stored = 0; newest = -1
                    restartedAfterFailure = true
                    continue
                }
                // No decrease is possible. If the objective is also negligible, this is an exact fit; if the gradient
                // has shrunk 10⁸-fold, or the quasi-Newton model predicts a decrease below 10⁻¹² of f (beneath the
                // rounding of a sum of many terms), this is a stationary point at working precision.
                if f <= 1e-16 * f0 {
                    reason = .objectiveNegligible
                } else if gnorm <= 1e-8 * gnorm0 || predictedDecrease <= 1e-12 * abs(f) {
                    reason = .precisionLimit
                } else {
                    reason = .lineSearchFailed
                }
                break
            }
            restartedAfterFailure = false
            iterations += 1

            // Update the history with s = x₊ − x, y = g₊ − g; skip pairs without positive curvature.
            let slot = (newest + 1) % options.memory
            var sy = 0.0
            for i in 0..<n {
                let s = xTrial[i] - x[i], y = gTrial[i] - g[i]
                sHistory[slot * n + i] = s
                yHistory[slot * n + i] = y
                sy += s * y
            }
            if sy > 0 {
                rho[slot] = 1.0 / sy
                newest = slot
                stored = min(stored + 1, options.memory)
            }
            let fOld = f
            f = fNew
            for i in 0..<n { x[i] = xTrial[i]; g[i] = gTrial[i] }
            gnorm = projectedGradientNorm()

            if relativeGradient(f) <= options.gradientTolerance {
                reason = .gradientTolerance
            } else if fOld - f <= options.functionTolerance * max(abs(fOld), abs(f), Double.leastNormalMagnitude) {
                reason = .functionTolerance
            }
        }
        return OptimizationResult(x: Array(x), value: f, gradientNorm: gnorm, iterations: iterations,
                                  evaluations: evaluations, reason: reason)
    }

    // MARK: - Direction

    private func computeDirection(stored: Int, newest: Int) {
        let n = dimension, m = options.memory
        for i in 0..<n { q[i] = isHeld(i) ? 0 : g[i] }
        var k = newest
        for _ in 0..<stored {
            var a = 0.0
            for i in 0..<n { a += sHistory[k * n + i] * q[i] }
            a *= rho[k]
            alphaTmp[k] = a
            for i in 0..<n { q[i] -= a * yHistory[k * n + i] }
            k = (k - 1 + m) % m
        }
        if stored > 0 {
            var sy = 0.0, yy = 0.0
            for i in 0..<n {
                sy += sHistory[newest * n + i] * yHistory[newest * n + i]
                yy += yHistory[newest * n + i] * yHistory[newest * n + i]
            }
            let gamma = sy / yy
            for i in 0..<n { q[i] *= gamma }
        }
        k = (newest - stored + 1 + m) % m
        for _ in 0..<stored {
            var b = 0.0
            for i in 0..<n { b += yHistory[k * n + i] * q[i] }
            b *= rho[k]
            let a = alphaTmp[k]
            for i in 0..<n { q[i] += (a - b) * sHistory[k * n + i] }
            k = (k + 1) % m
        }
        for i in 0..<n { d[i] = isHeld(i) ? 0 : -q[i] }
    }

    // MARK: - Bounds

    /// Whether variable i sits at a bound with the gradient pushing it outward (held fixed this iteration).
    @inline(__always) private func isHeld(_ i: Int) -> Bool {
        bounded && ((x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0))
    }

    /// max_i |pg_i| · max(|x_i|, 1) / max(|f|, tiny), with pg the projected gradient (Dennis & Schnabel §7.2).
    private func relativeGradient(_ f: Double) -> Double {
        var m = 0.0
        for i in 0..<dimension {
            let pg = bounded ? x[i] - min(max(x[i] - g[i], lower[i]), upper[i]) : g[i]
            m = max(m, abs(pg) * max(abs(x[i]), 1))
        }
        return m / max(abs(f), Double.leastNormalMagnitude)
    }

    /// ‖x − P(x − ∇f)‖∞; equals ‖∇f‖∞ without bounds.
    private func projectedGradientNorm() -> Double {
        guard bounded else { return infNorm(g) }
        var m = 0.0
        for i in 0..<dimension { m = max(m, abs(x[i] - min(max(x[i] - g[i], lower[i]), upper[i]))) }
        return m
    }

    /// Armijo backtracking along the projected path P(x + t·d); on success xTrial/gTrial hold the accepted point.
    private func projectedSearch<F: DifferentiableObjective>(_ objective: F, f0: Double, initialStep: Double)
        -> (Bool, Double, Int)
    {
        var t = initialStep, evals = 0
        while evals < options.maxLineSearchEvaluations {
            var decrease = 0.0, moved = false
            for i in 0..<dimension {
                let xi = min(max(x[i] + t * d[i], lower[i]), upper[i])
                xTrial[i] = xi
                decrease += g[i] * (xi - x[i])
                if xi != x[i] { moved = true }
            }
            if !moved { return (false, f0, evals) }
            let ft = objective.evaluate(UnsafeBufferPointer(xTrial), gradient: gTrial)
            evals += 1
            if ft.isFinite && ft <= f0 + Self.c1 * decrease && ft < f0 { return (true, ft, evals) }
            t *= 0.5
        }
        return (false, f0, evals)
    }

    // MARK: - Line search (strong Wolfe)

    /// Evaluates φ(t) = f(x + t·d) into xTrial/gTrial; returns (φ, φ').
    @inline(__always)
    private func trial<F: DifferentiableObjective>(_ objective: F, _ t: Double) -> (Double, Double) {
        for i in 0..<dimension { xTrial[i] = x[i] + t * d[i] }
        let f = objective.evaluate(UnsafeBufferPointer(xTrial), gradient: gTrial)
        return (f, dot(gTrial, d))
    }

    /// On success xTrial/gTrial hold the accepted point. Returns (accepted, f at it, evaluations).
    private func lineSearch<F: DifferentiableObjective>(
        _ objective: F, f0: Double, slope0: Double, initialStep: Double
    ) -> (Bool, Double, Int) {
        let c1 = Self.c1, c2 = Self.c2
        var evals = 0
        var tPrev = 0.0, fPrev = f0, dPrev = slope0
        var t = initialStep
        var lo = (t: 0.0, f: f0, d: slope0), hi = (t: 0.0, f: f0, d: slope0)
        var bracketed = false

        // Bracketing phase (Algorithm 3.5).
        while evals < options.maxLineSearchEvaluations {
            let (ft, dt) = trial(objective, t)
            evals += 1
            if !ft.isFinite {                       // stepped out of the domain: shrink
                t = tPrev + 0.25 * (t - tPrev)
                continue
            }
            if ft > f0 + c1 * t * slope0 || (evals > 1 && ft >= fPrev) {
                lo = (tPrev, fPrev, dPrev); hi = (t, ft, dt); bracketed = true
                break
            }
            if abs(dt) <= -c2 * slope0 { return (true, ft, evals) }
            if dt >= 0 {
                lo = (t, ft, dt); hi = (tPrev, fPrev, dPrev); bracketed = true
                break
            }
            tPrev = t; fPrev = ft; dPrev = dt
            t *= 4
        }
        if !bracketed {
            // Still descending after the evaluation budget: accept the last finite sufficient-decrease point.
            if tPrev > 0 { return (accept(objective, tPrev, &evals), fPrev, evals) }
            return (false, f0, evals)
        }

        // Zoom phase (Algorithm 3.6); invariant: lo satisfies sufficient decrease and has the lowest f so far.
        while evals < options.maxLineSearchEvaluations {
            let width = hi.t - lo.t
            if abs(width) <= 1e-16 * max(abs(lo.t), abs(hi.t)) { break }
            var tj = cubicMinimizer(lo.t, lo.f, lo.d, hi.t, hi.f, hi.d)
            let a = min(lo.t, hi.t), b = max(lo.t, hi.t), margin = 0.1 * (b - a)
            if !tj.isFinite || tj < a + margin || tj > b - margin { tj = 0.5 * (lo.t + hi.t) }
            let (fj, dj) = trial(objective, tj)
            evals += 1
            if !fj.isFinite || fj > f0 + c1 * tj * slope0 || fj >= lo.f {
                hi = (tj, fj.isFinite ? fj : .infinity, dj)
            } else {
                if abs(dj) <= -c2 * slope0 { return (true, fj, evals) }
                if dj * (hi.t - lo.t) >= 0 { hi = lo }
                lo = (tj, fj, dj)
            }
        }
        // Out of evaluations or the bracket collapsed: accept lo if it decreased f (Armijo only).
        if lo.t > 0 && lo.f < f0 { return (accept(objective, lo.t, &evals), lo.f, evals) }
        return (false, f0, evals)
    }

    private func accept<F: DifferentiableObjective>(_ objective: F, _ t: Double, _ evals: inout Int) -> Bool {
        _ = trial(objective, t)
        evals += 1
        return true
    }

    /// Minimiser of the cubic interpolating φ and φ' at a and b (Nocedal & Wright eq. 3.59).
    @inline(__always)
    private func cubicMinimizer(_ a: Double, _ fa: Double, _ da: Double,
                                _ b: Double, _ fb: Double, _ db: Double) -> Double {
        let d1 = da + db - 3 * (fa - fb) / (a - b)
        let disc = d1 * d1 - da * db
        guard disc >= 0, fb.isFinite else { return .nan }
        let d2 = (b > a ? 1.0 : -1.0) * disc.squareRoot()
        return b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2)
    }

    // MARK: - Small vector helpers

    @inline(__always) private func dot(_ u: UnsafeMutableBufferPointer<Double>, _ v: UnsafeMutableBufferPointer<Double>) -> Double {
        var s = 0.0
        for i in 0..<dimension { s += u[i] * v[i] }
        return s
    }
    @inline(__always) private func norm2(_ u: UnsafeMutableBufferPointer<Double>) -> Double { dot(u, u).squareRoot() }
    @inline(__always) private func infNorm(_ u: UnsafeMutableBufferPointer<Double>) -> Double {
        var m = 0.0
        for i in 0..<dimension { m = max(m, abs(u[i])) }
        return m
    }
}
