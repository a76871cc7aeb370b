/// A least-squares objective ½ Σ rᵢ² given by its residuals and their Jacobian.
public protocol LeastSquaresObjective {
    /// Number of variables.
    var dimension: Int { get }
    /// Number of residuals.
    var residualCount: Int { get }
    /// Writes rᵢ(x) into `residuals` and ∂rᵢ/∂x_j into `jacobian[i * dimension + j]`.
    func evaluate(_ x: UnsafeBufferPointer<Double>, residuals: UnsafeMutableBufferPointer<Double>,
                  jacobian: UnsafeMutableBufferPointer<Double>)
}

/// Levenberg–Marquardt with Marquardt's diagonal scaling and Nielsen's damping update: Madsen, Nielsen & Tingleff
/// (2004), *Methods for Non-Linear Least Squares Problems*, Algorithm 3.16 (with D = diag(JᵀJ), Marquardt 1963).
/// Box bounds by projecting each step onto the box. Stops on the same scale-aware tests as `LBFGS` (relative
/// reduction of f, relative gradient) or a step negligible against x.
///
/// Workspace is allocated once per instance; `minimize` allocates only its result. Not thread-safe.
public final class LevenbergMarquardt {
    /// Number of variables.
    public let dimension: Int
    /// Number of residuals.
    public let residualCount: Int
    /// Stopping rules and limits (shared with L-BFGS).
    public let options: LBFGSOptions
    private let x, xNew, g, step, a, aWork, r, rNew, j, jNew, lo, hi: UnsafeMutableBufferPointer<Double>

    /// Uses `options.maxIterations`, `gradientTolerance` and `functionTolerance`; the L-BFGS-specific fields are ignored.
    public init(dimension: Int, residualCount: Int, options: LBFGSOptions = LBFGSOptions()) {
        precondition(dimension > 0 && residualCount > 0)
        self.dimension = dimension
        self.residualCount = residualCount
        self.options = options
        let buffer = zeroedBuffer
        x = buffer(dimension); xNew = buffer(dimension); g = buffer(dimension); step = buffer(dimension)
        a = buffer(dimension * dimension); aWork = buffer(dimension * dimension)
        r = buffer(residualCount); rNew = buffer(residualCount)
        j = buffer(residualCount * dimension); jNew = buffer(residualCount * dimension)
        lo = buffer(dimension); hi = buffer(dimension)
    }

    deinit { for b in [x, xNew, g, step, a, aWork, r, rNew, j, jNew, lo, hi] { b.deallocate() } }

    /// Minimises ½ Σ rᵢ² from `start`, within the bounds when given (projected steps).
    public func minimize<F: LeastSquaresObjective>(_ objective: F, from start: [Double], lower: [Double]? = nil,
                                                   upper: [Double]? = nil) -> OptimizationResult {
        let p = dimension, n = residualCount
        precondition(objective.dimension == p && objective.residualCount == n && start.count == p)
        for k in 0..<p { lo[k] = lower?[k] ?? -.infinity; hi[k] = upper?[k] ?? .infinity }
        func clamp(_ v: Double, _ k: Int) -> Double { min(max(v, lo[k]), hi[k]) }
        for k in 0..<p { x[k] = clamp(start[k], k) }
        objective.evaluate(UnsafeBufferPointer(x), residuals: r, jacobian: j)
        var evaluations = 1
        var f = halfSquares(r)
        guard f.isFinite else {
            return OptimizationResult(x: Array(x), value: f, gradientNorm: .infinity, iterations: 0,
                                      evaluations: evaluations, reason: .nonFiniteStart)
        }
        normalEquations()
        var mu = 1e-3 * (0..<p).reduce(0.0) { max($0, a[$1 * p + $1]) }
        var nu = 2.0
        var iterations = 0
        var reason = TerminationReason.maxIterations
        while iterations < options.maxIterations {
            if relativeGradient(f) <= options.gradientTolerance { reason = .gradientTolerance; break }
            // (JᵀJ + μ D) h = −Jᵀr, D = diag(JᵀJ) floored so that flat directions still get damping.
            for k in 0..<(p * p) { aWork[k] = a[k] }
            for k in 0..<p { aWork[k * p + k] += mu * max(a[k * p + k], 1e-12); step[k] = -g[k] }
            guard Cholesky.solve(aWork, step, n: p) else { mu *= nu; nu *= 2; continue }
            var moved = false
            for k in 0..<p {
                xNew[k] = clamp(x[k] + step[k], k)
                step[k] = xNew[k] - x[k]
                if step[k] != 0 { moved = true }
            }
            if !moved { reason = f == 0 ? .objectiveNegligible : .gradientTolerance; break }
            objective.evaluate(UnsafeBufferPointer(xNew), residuals: rNew, jacobian: jNew)
            evaluations += 1
            let fNew = halfSquares(rNew)
            // Predicted decrease of the quadratic model: −hᵀg − ½ hᵀ(JᵀJ)h.
            var predicted = 0.0
            for k in 0..<p {
                var ah = 0.0
                for l in 0..<p { ah += a[k * p + l] * step[l] }
                predicted -= step[k] * g[k] + 0.5 * step[k] * ah
            }
            let rho = fNew.isFinite && predicted > 0 ? (f - fNew) / predicted : -1
            if rho > 0 {
                iterations += 1
                let fOld = f
                f = fNew
                for k in 0..<p { x[k] = xNew[k] }
                for i in 0..<n { r[i] = rNew[i] }
                for k in 0..<(n * p) { j[k] = jNew[k] }
                normalEquations()
                mu *= max(1.0 / 3, 1 - pow3(2 * rho - 1))
                nu = 2
                if f == 0 { reason = .objectiveNegligible; break }
                if fOld - f <= options.functionTolerance * max(abs(fOld), abs(f)) { reason = .functionTolerance; break }
            } else {
                mu *= nu
                nu *= 2
                if !mu.isFinite || mu > 1e300 { reason = .lineSearchFailed; break }
            }
        }
        var gnorm = 0.0
        for k in 0..<p { gnorm = max(gnorm, abs(projected(k))) }
        return OptimizationResult(x: Array(x), value: f, gradientNorm: gnorm, iterations: iterations,
                                  evaluations: evaluations, reason: reason)
    }

    @inline(__always) private func pow3(_ v: Double) -> Double { v * v * v }

    private func halfSquares(_ v: UnsafeMutableBufferPointer<Double>) -> Double {
        var s = 0.0
        for i in 0..<residualCount { s += v[i] * v[i] }
        return 0.5 * s
    }

    /// a = JᵀJ, g = Jᵀr.
    private func normalEquations() {
        let p = dimension
        for k in 0..<(p * p) { a[k] = 0 }
        for k in 0..<p { g[k] = 0 }
        for i in 0..<residualCount {
            let row = i * p
            for k in 0..<p {
                let jk = j[row + k]
                g[k] += jk * r[i]
                for l in 0...k { a[k * p + l] += jk * j[row + l] }
            }
        }
        for k in 0..<p { for l in 0..<k { a[l * p + k] = a[k * p + l] } }
    }

    /// Component k of the projected gradient x − P(x − ∇f).
    private func projected(_ k: Int) -> Double { x[k] - min(max(x[k] - g[k], lo[k]), hi[k]) }

    /// As `LBFGS`: max_k |projected gradient_k| · max(|x_k|, 1) / max(|f|, tiny) (Dennis & Schnabel 1983, §7.2).
    private func relativeGradient(_ f: Double) -> Double {
        var m = 0.0
        for k in 0..<dimension { m = max(m, abs(projected(k)) * max(abs(x[k]), 1)) }
        return m / max(abs(f), Double.leastNormalMagnitude)
    }
}
