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
/// linear). Its asymptotic covariance is Cov(θ̂) = κ (JᵀWJ)⁻¹ with κ = E[ψ(u)²] / E[ψ'(u)]², ψ = ρ' (Huber 1981,
/// *Robust Statistics*, §7.6; Huber & Ronchetti 2009, eq. 7.81), J the residuals' Jacobian in the optimiser's
/// coordinates. For the squared loss κ is the residual variance and this is the textbook nonlinear least-squares
/// covariance (Seber & Wild 2003, *Nonlinear Regression*, §5.1). For Huber's loss with a small δ (Hoffmann's
/// 10⁻³ ≈ least absolute deviations), E[ψ'] = P(|u| < δ) is estimated by smoothing ψ' with a uniform kernel of
/// Silverman's bandwidth 1.06·σ̂·n^(−1/5) (σ̂ = 1.4826·MAD), since few residuals fall inside δ itself. Means
/// use n − p in place of n (p: parameters not fixed or on a bound, which are treated as known).
/// An interval at x is ŷ ± t₍ₙ₋ₚ₎·√(gᵀ Cov g [+ s²]) with g = ∂ŷ/∂θ in the residual space; a new run adds its
/// scatter s² = Σ uᵢ² / (n − p) (Seber & Wild §5.3). In log space the ends are mapped back by exp.
struct FitCovariance: Sendable, Equatable {
    /// Free coordinates (indices into the fit's free parameters) the covariance covers.
    var coordinates: [Int]
    /// Row-major covariance over `coordinates`.
    var matrix: [Double]
    var residualScale: Double
    var degreesOfFreedom: Int
}

extension ScalingLaw.Prepared {
    /// The covariance at optimiser point `x`, or nil where the Jacobian is singular or there are no spare runs.
    func covariance(at x: [Double], held: Set<Int>) -> FitCovariance? {
        let n = objective.residualCount, m = objective.dimension
        var r = [Double](repeating: 0, count: n), J = [Double](repeating: 0, count: n * m)
        x.withUnsafeBufferPointer { xb in
            r.withUnsafeMutableBufferPointer { rb in
                J.withUnsafeMutableBufferPointer { jb in objective.evaluate(xb, residuals: rb, jacobian: jb) }
            }
        }
        let open = (0..<m).filter { !held.contains($0) }
        let q = open.count, dof = n - q
        guard dof > 0, r.allSatisfy(\.isFinite), J.allSatisfy(\.isFinite) else { return nil }
        let s2 = r.reduce(0) { $0 + $1 * $1 } / Double(dof)
        // κ = mean ψ(u)² / (mean ψ'(u))², ψ' smoothed (see the type's notes); u = r (the √w-scaled residuals).
        let kappa: Double
        switch objective.loss.kind {
        case .squared:
            kappa = s2
        case let .huber(delta):
            let huber = Huber(delta: delta)
            let centred = r.sorted()
            let median = centred[n / 2]
            let mad = r.map { abs($0 - median) }.sorted()[n / 2]
            let h = 1.06 * 1.4826 * mad * pow(Double(n), -0.2)
            var psi2 = 0.0, slope = 0.0
            for u in r {
                let d = huber.derivative(u)
                psi2 += d * d
                slope += h > 0 ? (huber.derivative(u + h) - huber.derivative(u - h)) / (2 * h) : (abs(u) < delta ? 1 : 0)
            }
            psi2 /= Double(dof); slope /= Double(n)
            kappa = slope > 0 ? psi2 / (slope * slope) : s2
        }
        // (JᵀWJ)⁻¹ column by column from one Cholesky factorisation.
        var gram = [Double](repeating: 0, count: q * q)
        for a in 0..<q {
            for b in 0...a {
                var s = 0.0
                for i in 0..<n { s += J[i * m + open[a]] * J[i * m + open[b]] }
                gram[a * q + b] = s; gram[b * q + a] = s
            }
        }
        var inverse = [Double](repeating: 0, count: q * q)
        for c in 0..<q {
            var g = gram, e = [Double](repeating: 0, count: q)
            e[c] = 1
            let ok = g.withUnsafeMutableBufferPointer { gp in e.withUnsafeMutableBufferPointer { Cholesky.solve(gp, $0, n: q) } }
            guard ok else { return nil }
            for a in 0..<q { inverse[a * q + c] = e[a] * kappa }
        }
        return FitCovariance(coordinates: open, matrix: inverse, residualScale: s2.squareRoot(), degreesOfFreedom: dof)
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
                var variance = 0.0
                for a in 0..<q { for b in 0..<q { variance += g[a] * cov.matrix[a * q + b] * g[b] } }
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
        return options
    }

    /// The catalogue's `chinchilla` law prepared on the runs a fit used, for its covariance at the fit's optimum
    /// (`ChinchillaLaw.catalogueValues`) and the coordinates of refits.
    static func prepared(N: [Double], D: [Double], loss: [Double], options: ChinchillaFitOptions) -> ScalingLaw.Prepared? {
        guard let law = try? ScalingLaw.named("chinchilla") else { return nil }
        return try? law.prepare(data: ["N": N, "D": D], observed: loss, options: lawOptions(options), withStarts: false)
    }
}
