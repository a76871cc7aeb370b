#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which uncertainty an interval around a law's prediction describes.
public enum IntervalKind: String, Sendable, Equatable, CaseIterable {
    /// Of the mean law at the inputs: where the fitted curve would be on another sample of runs.
    case confidence
    /// Of one new run's observed value at the inputs: the curve's uncertainty plus the runs' own scatter.
    case prediction
}

/// Intervals around a law's predictions at new inputs (see `LawFit.predict(_:interval:level:)`).
public struct PredictionIntervals: Sendable, Equatable {
    /// The kind of interval.
    public var kind: IntervalKind
    /// Nominal coverage, in (0, 1).
    public var level: Double
    /// The law's prediction at each input point (of L, also for log-space laws).
    public var estimate: [Double]
    /// Lower end of each interval.
    public var lower: [Double]
    /// Upper end of each interval.
    public var upper: [Double]
    /// The residual scale s of the fit, in its residual space (log or linear), with `degreesOfFreedom`.
    public var residualScale: Double
    /// Runs minus fitted (free, not at a bound) parameters: the t quantile's degrees of freedom.
    public var degreesOfFreedom: Int

    /// The interval at input point `i` (kept as two arrays above so that a caller can copy them in bulk).
    public func interval(at i: Int) -> ConfidenceInterval {
        ConfidenceInterval(lower: lower[i], upper: upper[i], level: level)
    }
}

/// The delta-method covariance of a fit, kept with it so that intervals at new inputs need no data.
///
/// The fit is an M-estimator: it minimises Σ ρ(uᵢ) over residuals uᵢ = √wᵢ·rᵢ in its residual space (log or
/// linear), with J the residuals' Jacobian in the optimiser's coordinates and ψ = ρ'. Two estimates of Cov(θ̂) are
/// kept, and every variance taken from them is the larger of the two (Angrist & Pischke 2009, *Mostly Harmless
/// Econometrics*, §8.1: the robust form is biased low in small samples, the model-based one wrong when the law is):
/// - model-based, κ (JᵀJ)⁻¹ with κ = E[ψ(u)²] / E[ψ'(u)]² (Huber 1981, *Robust Statistics*, §7.6; Huber &
///   Ronchetti 2009, eq. 7.81); for the squared loss κ is the residual variance and this is the textbook nonlinear
///   least-squares covariance (Seber & Wild 2003, *Nonlinear Regression*, §5.1). It assumes every run scatters alike
///   around a law that is right.
/// - sandwich, A⁻¹ B A⁻¹ · n/(n − p) with A = Σ ψ'(uᵢ) JᵢJᵢᵀ and B = Σ ψ(uᵢ)² JᵢJᵢᵀ (Huber 1967; White 1980; the
///   n/(n − p) is MacKinnon & White's 1985 HC1). It holds when the scatter differs between runs or the law is only
///   an approximation, which real sweeps are: on the Epoch table the model-based standard error of E was 0.0137,
///   half of Besiroglu et al.'s bootstrap 0.0257; the sandwich gives 0.0258.
///
/// With `LawFitOptions.clusters` the sandwich's B sums scores by cluster (Liang & Zeger 1986; Cameron & Miller
/// 2015, §VI: CR1 scaling and a t quantile with G − 1 degrees of freedom), for rows that are checkpoints of fewer
/// runs.
///
/// For Huber's loss with a small δ (Hoffmann's 10⁻³ ≈ least absolute deviations), ψ' is smoothed with a uniform
/// kernel of Silverman's bandwidth 1.06·σ̂·n^(−1/5) (σ̂ = 1.4826·MAD), since few residuals fall inside δ itself.
/// Means use n − p in place of n (p: parameters not fixed or on a bound, which are treated as known).
/// An interval at x is ŷ ± t₍ₙ₋ₚ₎·√(Var(gᵀθ̂) [+ s²]) with g = ∂ŷ/∂θ in the residual space; a new run adds its
/// scatter s² = Σ uᵢ² / (n − p) (Seber & Wild §5.3). In log space the ends are mapped back by exp.
struct FitCovariance: Sendable, Equatable {
    /// Free coordinates (indices into the fit's free parameters) the covariance covers.
    var coordinates: [Int]
    /// Row-major model-based covariance over `coordinates`.
    var matrix: [Double]
    /// Row-major sandwich covariance over `coordinates`, nil where A is singular.
    var sandwich: [Double]?
    var residualScale: Double
    var degreesOfFreedom: Int

    /// Var(gᵀθ̂) for g over `coordinates`: the larger of the two forms.
    func variance(_ g: [Double]) -> Double {
        let q = coordinates.count
        func form(_ m: [Double]) -> Double {
            var v = 0.0
            for a in 0..<q { for b in 0..<q { v += g[a] * m[a * q + b] * g[b] } }
            return v
        }
        let model = form(matrix)
        guard let sandwich else { return model }
        return max(model, form(sandwich))
    }

    /// Checks cluster labels where they enter a fit: one per run, and at least 2 clusters among the rows `used`.
    /// - Throws: `ScalingKitError` naming the count that is wrong.
    static func check(clusters labels: [Int], runs: Int, used: [Int]) throws {
        guard labels.count == runs else {
            throw ScalingKitError.length("'clusters' has \(labels.count) labels for \(runs) runs")
        }
        let distinct = Set(used.map { labels[$0] }).count
        guard distinct >= 2 else {
            throw ScalingKitError.invalid("the runs used lie in \(distinct) cluster(s): a cluster-robust covariance "
                + "needs at least 2 (and is reliable from about 20)")
        }
    }

    /// The variance of coordinate `i` (an index into `coordinates`).
    func variance(at i: Int) -> Double {
        var g = [Double](repeating: 0, count: coordinates.count)
        g[i] = 1
        return variance(g)
    }
}

extension ScalingLaw.Prepared {
    /// The covariance at optimiser point `x`, or nil where the Jacobian is singular or there are no spare runs.
    func covariance(at x: [Double], held: Set<Int>) -> FitCovariance? {
        let all = objective.residualCount, m = objective.dimension
        var rAll = [Double](repeating: 0, count: all), JAll = [Double](repeating: 0, count: all * m)
        x.withUnsafeBufferPointer { xb in
            rAll.withUnsafeMutableBufferPointer { rb in
                JAll.withUnsafeMutableBufferPointer { jb in objective.evaluate(xb, residuals: rb, jacobian: jb) }
            }
        }
        // Runs at weight 0 (left out by the caller, or as outlying for the influence refit) are not runs of this
        // fit: counted, their zero residuals shrank s² and the MAD and inflated the degrees of freedom.
        let used = (0..<all).filter { (objective.weights?[$0] ?? 1) > 0 }
        let n = used.count
        let r = used.map { rAll[$0] }
        let J = used.flatMap { i in JAll[(i * m)..<((i + 1) * m)] }
        let open = (0..<m).filter { !held.contains($0) }
        let q = open.count, dof = n - q
        guard dof > 0, r.allSatisfy(\.isFinite), J.allSatisfy(\.isFinite) else { return nil }
        let s2 = r.reduce(0) { $0 + $1 * $1 } / Double(dof)
        // ψ(uᵢ) and ψ'(uᵢ) per run, ψ' smoothed for Huber's loss (see the type's notes); u = r (the √w-scaled residuals).
        var psi = r, slope = [Double](repeating: 1, count: n)
        if case let .huber(delta) = objective.loss.kind {
            let huber = Huber(delta: delta)
            let median = r.sorted()[n / 2]
            let mad = r.map { abs($0 - median) }.sorted()[n / 2]
            let h = 1.06 * 1.4826 * mad * pow(Double(n), -0.2)
            for (i, u) in r.enumerated() {
                psi[i] = huber.derivative(u)
                slope[i] = h > 0 ? (huber.derivative(u + h) - huber.derivative(u - h)) / (2 * h) : (abs(u) < delta ? 1 : 0)
            }
        }
        let meanSlope = slope.reduce(0, +) / Double(n)
        let psi2 = psi.reduce(0) { $0 + $1 * $1 } / Double(dof)
        // κ = mean ψ² / (mean ψ')²; for the squared loss ψ = u, ψ' = 1 and κ = s².
        let kappa = meanSlope > 0 ? psi2 / (meanSlope * meanSlope) : s2
        /// Σ wᵢ JᵢJᵢᵀ over the open coordinates.
        func gram(_ w: (Int) -> Double) -> [Double] {
            var out = [Double](repeating: 0, count: q * q)
            for a in 0..<q {
                for b in 0...a {
                    var s = 0.0
                    for i in 0..<n { s += w(i) * J[i * m + open[a]] * J[i * m + open[b]] }
                    out[a * q + b] = s; out[b * q + a] = s
                }
            }
            return out
        }
        guard let inverse = Self.inverse(gram { _ in 1 }, q) else { return nil }
        let model = inverse.map { $0 * kappa }
        // Sandwich A⁻¹ B A⁻¹ · n/(n − p); with clusters B = Σ_g s_g s_gᵀ over the clusters' score sums
        // s_g = Σ_{i∈g} ψᵢJᵢ, scaled by G/(G − 1) · (n − 1)/(n − p) (CR1; Cameron & Miller 2015, §VI.B).
        let labels = options.clusters.map { c in used.map { c[$0] } }
        // Grouped in label order, so that the sums run in the same order in every process (Swift seeds its hashing).
        let groups = labels.map { l in
            Dictionary(grouping: 0..<n, by: { l[$0] }).sorted { $0.key < $1.key }.map(\.value)
        }
        var sandwich: [Double]?
        if let a = Self.inverse(gram { slope[$0] }, q) {
            var b: [Double], scale: Double
            if let groups {
                b = [Double](repeating: 0, count: q * q)
                var score = [Double](repeating: 0, count: q)
                for members in groups {
                    for k in 0..<q { score[k] = members.reduce(0) { $0 + psi[$1] * J[$1 * m + open[k]] } }
                    for k in 0..<q { for l in 0..<q { b[k * q + l] += score[k] * score[l] } }
                }
                let G = Double(groups.count)
                scale = G / (G - 1) * Double(n - 1) / Double(dof)
            } else {
                b = gram { psi[$0] * psi[$0] }
                scale = Double(n) / Double(dof)
            }
            var ab = [Double](repeating: 0, count: q * q), out = ab
            for i in 0..<q { for j in 0..<q { for k in 0..<q { ab[i * q + j] += a[i * q + k] * b[k * q + j] } } }
            for i in 0..<q { for j in 0..<q { for k in 0..<q { out[i * q + j] += ab[i * q + k] * a[k * q + j] } } }
            sandwich = out.allSatisfy(\.isFinite) ? out.map { $0 * scale } : nil
        }
        // With clusters the t quantile counts clusters (G − 1 degrees of freedom; Cameron & Miller 2015, §VI.D),
        // and without a sandwich there is no interval that counts them.
        if let groups {
            guard sandwich != nil, groups.count >= 2 else { return nil }
            return FitCovariance(coordinates: open, matrix: model, sandwich: sandwich, residualScale: s2.squareRoot(),
                                 degreesOfFreedom: min(dof, groups.count - 1))
        }
        return FitCovariance(coordinates: open, matrix: model, sandwich: sandwich, residualScale: s2.squareRoot(),
                             degreesOfFreedom: dof)
    }

    /// The inverse of the symmetric positive definite q×q `matrix`, column by column from Cholesky solves; nil if
    /// it is not positive definite.
    private static func inverse(_ matrix: [Double], _ q: Int) -> [Double]? {
        var inverse = [Double](repeating: 0, count: q * q)
        for c in 0..<q {
            var g = matrix, e = [Double](repeating: 0, count: q)
            e[c] = 1
            let ok = g.withUnsafeMutableBufferPointer { gp in e.withUnsafeMutableBufferPointer { Cholesky.solve(gp, $0, n: q) } }
            guard ok else { return nil }
            for a in 0..<q { inverse[a * q + c] = e[a] }
        }
        return inverse
    }
}

extension LawFit {
    /// The law's predictions at new inputs with confidence or prediction intervals (delta method; see
    /// `FitCovariance` for the model and its sources).
    /// - Parameters:
    ///   - data: the inputs by name, one value per point.
    ///   - interval: `.confidence` for the mean law, `.prediction` for a new run's observed value.
    ///   - level: nominal coverage in (0, 1), default 0.95.
    /// - Throws: `ScalingKitError` for missing or non-finite inputs, a level outside (0, 1), or a fit whose
    ///   covariance does not exist (parameters the data do not determine, or no more runs than parameters).
    public func predict(_ data: [String: [Double]], interval: IntervalKind, level: Double = 0.95) throws -> PredictionIntervals {
        try Self.intervals(law: law, values: values, options: options, covariance: covariance, data: data,
                           interval: interval, level: level, note: converged ? "" : "; the fit did not converge: \(message)")
    }

    /// The intervals of `predict(_:interval:level:)` for any fit that has a law, its values, options and covariance.
    static func intervals(law: ScalingLaw, values: [Double], options: LawFitOptions, covariance: FitCovariance?,
                          data: [String: [Double]], interval: IntervalKind, level: Double,
                          note: String) throws -> PredictionIntervals {
        guard level.isFinite, level > 0, level < 1 else {
            throw ScalingKitError.invalid("level must be in (0, 1) (got \(level))")
        }
        guard let cov = covariance else {
            throw ScalingKitError.invalid(
                "no intervals for this fit: its covariance does not exist (parameters the data do not determine, or "
                + "no more runs than free parameters)" + note)
        }
        let columns = try law.columns(from: data)
        let bound = try BoundExpression(law.expression, columns: columns)
        let free = law.parameters.indices.filter { options.fixed[law.parameters[$0]] == nil }
        let q = cov.coordinates.count
        let t = StudentT.quantile(0.5 + level / 2, degreesOfFreedom: Double(cov.degreesOfFreedom))
        let logSpace = options.loss.space == .log, predictsLog = law.predictsLog
        var estimate = [Double](repeating: 0, count: bound.count), lower = estimate, upper = estimate
        var g = [Double](repeating: 0, count: q)
        var failure: Int?
        values.withUnsafeBufferPointer { p in
            bound.forEachPoint(parameters: p, withGradient: true) { i, v, dv in
                // The prediction and its gradient in the residual space (log L or L), per optimiser coordinate.
                let yhat = predictsLog ? exp(v) : v
                let center: Double, scale: Double
                switch (logSpace, predictsLog) {
                case (true, false): center = log(v); scale = 1 / v
                case (true, true): center = v; scale = 1
                case (false, false): center = v; scale = 1
                case (false, true): center = yhat; scale = yhat
                }
                for (a, k) in cov.coordinates.enumerated() {
                    let j = free[k]
                    let chain = law.logScaled.contains(law.parameters[j]) ? values[j] : 1
                    g[a] = dv[j] * chain * scale
                }
                var variance = cov.variance(g)
                if interval == .prediction { variance += cov.residualScale * cov.residualScale }
                let h = t * max(variance, 0).squareRoot()
                estimate[i] = yhat
                if logSpace { lower[i] = exp(center - h); upper[i] = exp(center + h) }
                else { lower[i] = center - h; upper[i] = center + h }
                if failure == nil, !(lower[i].isFinite && upper[i].isFinite && yhat.isFinite) { failure = i }
            }
        }
        if let i = failure {
            throw ScalingKitError.invalid("the law or its interval is not finite at point \(i) of the inputs")
        }
        return PredictionIntervals(kind: interval, level: level, estimate: estimate, lower: lower, upper: upper,
                                   residualScale: cov.residualScale, degreesOfFreedom: cov.degreesOfFreedom)
    }
}

extension ChinchillaFit {
    /// The fitted loss at (N, D) with confidence or prediction intervals, as `LawFit.predict(_:interval:level:)`
    /// gives them for the same law (the covariance is that of the catalogue's `chinchilla` on the runs this fit used).
    /// - Throws: `ScalingKitError` for mismatched or bad inputs, a level outside (0, 1), or a fit without a covariance.
    public func predict(parameters N: [Double], tokens D: [Double], interval: IntervalKind,
                        level: Double = 0.95) throws -> PredictionIntervals {
        guard N.count == D.count else {
            throw ScalingKitError.length("length mismatch: 'N' has \(N.count) values but 'D' has \(D.count)")
        }
        let l = self.law
        return try LawFit.intervals(law: try ScalingLaw.named("chinchilla"), values: [l.E, l.A, l.alpha, l.B, l.beta],
                                    options: Self.lawOptions(options), covariance: covariance,
                                    data: ["N": N, "D": D], interval: interval, level: level,
                                    note: converged ? "" : "; the fit did not converge: \(message)")
    }

    /// The generic engine's options for the same objective (Huber δ on log residuals).
    static func lawOptions(_ o: ChinchillaFitOptions) -> LawFitOptions {
        var options = LawFitOptions()
        options.loss = FitLoss(.huber(delta: o.huberDelta))
        options.clusters = o.clusters
        return options
    }

    /// The catalogue's `chinchilla` law prepared on the runs a fit used, for its covariance at the fit's optimum
    /// (`ChinchillaLaw.catalogueValues`) and the coordinates of refits.
    static func prepared(N: [Double], D: [Double], loss: [Double], options: ChinchillaFitOptions) -> ScalingLaw.Prepared? {
        guard let law = try? ScalingLaw.named("chinchilla") else { return nil }
        return try? law.prepare(data: ["N": N, "D": D], observed: loss, options: lawOptions(options), withStarts: false)
    }
}
