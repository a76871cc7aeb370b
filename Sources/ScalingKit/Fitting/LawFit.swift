#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How to fit a `ScalingLaw`. Every field that changes the answer is reported back with the result, so a fit can
/// be reproduced (the (Mis)Fitting checklist: form, loss, δ, grid, tolerances, points used).
public struct LawFitOptions: Sendable {
    /// The penalty on residuals (default: Hoffmann et al.'s Huber, δ = 10⁻³, in log space).
    public var loss: FitLoss = .hoffmann
    /// Per-run weights (≥ 0, finite, not all 0); nil = all 1.
    public var weights: [Double]? = nil
    /// One label per run saying which rows are not independent (the model a checkpoint belongs to); nil = every row
    /// its own run. With labels the fit's covariance is cluster-robust (Liang & Zeger 1986; Cameron & Miller 2015,
    /// J. Human Resources 50(2), §II.C and §VI): its intervals, the outlier influence and the planners' floor check
    /// then count clusters, not rows, and use a t quantile with clusters − 1 degrees of freedom. Checkpoints of one
    /// run share its seed, data order and schedule; counted as independent runs they gave intervals several
    /// times too narrow. The bootstrap resamples these clusters unless `BootstrapOptions.clusters` gives others.
    public var clusters: [Int]? = nil
    /// Parameters held at a value instead of fitted (for example a pinned irreducible loss).
    public var fixed: [String: Double] = [:]
    /// Overrides of the law's default bounds.
    public var lowerBounds: [String: Double] = [:]
    /// Overrides of the law's default upper bounds, by parameter name.
    public var upperBounds: [String: Double] = [:]
    /// Overrides of the law's default starting values per parameter (the grid is their Cartesian product).
    public var startGrid: [String: [Double]] = [:]
    /// Parameters to fit in log space in addition to the law's own `logScaled` (they must stay > 0): use it for
    /// coefficients that span orders of magnitude, such as a scale C0 ~ 10¹⁶.
    public var logScaled: Set<String> = []
    /// Stopping rules and limits of the optimizer run from each start.
    public var optimizer: LBFGSOptions = LBFGSOptions()
    /// Which starts run to convergence: by default the best 64 by initial objective, more until 4 agree.
    public var screening: StartScreening = StartScreening()
    /// Worker threads for the starts; 0 = one per core. The result does not depend on it.
    public var threads: Int = 0
    /// If > 0, start from this many points of a seeded Latin hypercube (McKay, Beckman & Conover 1979) instead of
    /// a grid. Each searched parameter spans its range in optimiser coordinates (log for log-scaled parameters):
    /// under `.automatic` the range from its role and the data, under `.startGrid` its starting values' range; a
    /// parameter with one given starting value spans its finite bounds, or ±1 around it. With 0 the automatic
    /// search uses a grid for one or two searched parameters and 1,024 points per parameter (at most 8,192) above.
    public var randomStarts: Int = 0
    /// Seed of the Latin hypercube.
    public var seed: UInt64 = 0
    /// The local optimiser run from each start.
    public var method: Method = .lbfgs
    /// How starting points are chosen: by default linear parameters are solved for and the others searched over
    /// ranges derived from the formula and the data (see `SearchStrategy`).
    public var search: SearchStrategy = .automatic
    /// Step of the automatic grid when one or two parameters are searched, in each parameter's search coordinate
    /// (units for exponents; ×5 in natural log for parameters searched in log space). Default 0.02.
    public var gridStep: Double = 0.02
    /// Drop this many runs with the highest observed value before fitting (Besiroglu et al. 2024 §2 drop the 5
    /// highest of the 245 Chinchilla runs): the rule of `ChinchillaFitOptions.excludeHighestLoss`, for any law.
    /// Ties go to the earlier row; the dropped rows are reported in `LawFit.excludedIndices`, and the bootstrap and
    /// leave-one-out of the fit leave them out too. Default 0.
    public var excludeHighestLoss: Int = 0
    /// Overrides the law's `predictsLog`: true when the formula gives log of the observed value (log-sum-exp forms
    /// such as Hoffmann's `logsumexp(a - alpha*log(N), b - beta*log(D), e)`); nil keeps the law's.
    public var predictsLog: Bool? = nil

    /// The local optimizer run from each start.
    public enum Method: String, Sendable {
        /// L-BFGS, projected onto the bounds when any is finite (any loss).
        case lbfgs
        /// Levenberg–Marquardt (squared loss only), the classic least-squares method (what scipy's curve_fit
        /// runs without bounds).
        case levenbergMarquardt
    }

    /// The defaults above.
    public init() {}
}

/// A fitted law with the diagnostics of its fit (fields follow scipy's `OptimizeResult`).
public struct LawFit: Sendable, DiagnosedFit {
    /// The law that was fitted.
    public var law: ScalingLaw
    /// Fitted (and fixed) parameter values, in `law.parameters` order.
    public var values: [Double]
    /// How the optimum was found, with the stationarity measures `relativeGradient` and `predictedDecrease`.
    public var diagnostics: FitDiagnostics
    /// Free parameters that ended on a bound: their value is set by the bound, not the data.
    public var parametersAtBound: [String]
    /// Parameters that were held fixed.
    public var fixedParameters: [String]
    /// The options the fit ran with, for reproducing it.
    public var options: LawFitOptions
    /// The search that produced the starts: method, searched ranges and grid step, parameters solved for.
    public var search: FitSearch
    /// The delta-method covariance behind `predict(_:interval:level:)`; nil where it does not exist.
    var covariance: FitCovariance?
    /// Row indices (0-based, ascending) that `options.excludeHighestLoss` removed.
    public var excludedIndices: [Int] = []
    /// The (N, D, D/N) span of the runs used (weight > 0, not excluded) when the data have columns N and D; nil
    /// otherwise. Plans made from this fit carry it (`ComputePlan.fitted`).
    public var fitted: FittedRange? = nil

    /// Largest `predictedDecrease` a converged fit may have: an optimiser stop (on a small change of the
    /// objective, say) above it is a stall, not convergence.
    public static let decreaseTolerance = 1e-10
    /// Largest `relativeGradient` a converged fit may have where the Hessian is not positive definite.
    public static let stationarityTolerance = 1e-5

    /// The fitted value of parameter `name`.
    public subscript(_ name: String) -> Double? {
        law.parameters.firstIndex(of: name).map { values[$0] }
    }

    /// The law's prediction (of L, also for log-space laws) at new inputs, given by name.
    public func predict(_ data: [String: [Double]]) throws -> [Double] {
        try law.evaluate(parameters: values, columns: try law.columns(from: data))
    }
}

extension ScalingLaw {
    /// The data columns this law reads, in input order, from a name → values dictionary.
    func columns(from data: [String: [Double]]) throws -> [[Double]] {
        try inputs.map { name in
            guard let c = data[name] else {
                throw ScalingKitError.invalid(
                    "no data for input '\(name)'; given: \(data.keys.sorted().joined(separator: ", "))")
            }
            return c
        }
    }

    /// Fits the law to `observed` (one value per run, for example the final loss) given its inputs by name.
    ///
    /// Multi-start L-BFGS (projected onto the bounds when any is finite) from every point of the starting grid,
    /// in parallel and deterministic; see `MultiStart`.
    /// - Throws: `ScalingKitError` for missing, mismatched, empty or non-finite data, non-positive observations
    ///   with log residuals, more free parameters than runs, bad weights, bounds or fixed values, or when the
    ///   objective is not finite anywhere on the grid.
    public func fit(data: [String: [Double]], observed: [Double],
                    options: LawFitOptions = LawFitOptions()) throws -> LawFit {
        if options.excludeHighestLoss != 0 {
            let excluded = try Self.highestRows(observed, options.excludeHighestLoss)
            let kept = Self.keeping(data: data, observed: observed, weights: options.weights, clusters: options.clusters,
                                    without: excluded)
            var inner = options
            inner.excludeHighestLoss = 0
            inner.weights = kept.weights
            inner.clusters = kept.clusters
            let dropped = Set(excluded)
            var result = try fit(data: kept.data, observed: kept.observed, options: inner,
                                 rows: observed.indices.filter { !dropped.contains($0) }, excluded: excluded.count)
            result.options = options
            result.excludedIndices = excluded
            return result
        }
        return try fit(data: data, observed: observed, options: options, rows: nil, excluded: 0)
    }

    /// The fit itself, on rows that are `rows` of the caller's data (nil: all of them, in order) after `excluded`
    /// highest-loss runs were dropped: what the notes say of outlying runs is in the caller's terms.
    /// `influence`: refit without the outlying runs, if any, to measure how far they move it (`OutlierInfluence`);
    /// false for that refit itself.
    func fit(data: [String: [Double]], observed: [Double], options: LawFitOptions, rows: [Int]?,
             excluded: Int, influence: Bool = true) throws -> LawFit {
        let p = try prepare(data: data, observed: observed, options: options)
        let (law, free, lower, upper) = (p.law, p.free, p.lower, p.upper)
        var outcome: MultiStart.Outcome
        switch options.method {
        case .lbfgs:
            outcome = try MultiStart.run(p.objective, starts: p.starts, lower: p.anyBound ? lower : nil,
                                         upper: p.anyBound ? upper : nil, optimizer: options.optimizer,
                                         screening: options.screening, threads: options.threads)
        case .levenbergMarquardt:
            guard options.loss.kind == .squared else {
                throw ScalingKitError.invalid("Levenberg–Marquardt needs the squared loss (got \(options.loss.description))")
            }
            let objective = p.objective, optimizer = options.optimizer, free = p.free.count
            let (lo, hi) = (p.anyBound ? lower : nil, p.anyBound ? upper : nil)
            outcome = try MultiStart.run(
                starts: p.starts, screening: options.screening, threads: options.threads,
                makeEvaluator: { MultiStart.evaluator(objective, lower: lo, upper: hi) }
            ) {
                let solver = LevenbergMarquardt(dimension: free, residualCount: objective.residualCount,
                                                options: optimizer)
                return { solver.minimize(objective, from: $0, lower: lo, upper: hi) }
            }
        }
        // A last polish in whitened coordinates (x = x* + L⁻ᵀy from the Hessian at the optimum): coefficients in
        // natural units (A ~ 10³ beside α ~ 0.3) leave L-BFGS short of a stationary point to working precision.
        if options.method == .lbfgs, options.search != .startGrid, let polished = Self.whitenedPolish(p, from: outcome.best) {
            outcome.best = polished
            outcome.iterations += polished.iterations
            outcome.evaluations += polished.evaluations
        }
        let values = p.values(from: outcome.best.x)
        let heldCoordinates = free.indices.filter { p.atLower(outcome.best.x[$0], $0) || p.atUpper(outcome.best.x[$0], $0) }
        let atBound = heldCoordinates.map { parameters[free[$0]] }
        var message = outcome.message
        if !atBound.isEmpty { message += "; on a bound: \(atBound.joined(separator: ", "))" }
        // Issue 8: parameters the data leave free (all runs at one N, say) make the fit unconverged, with the reason.
        let unidentified = p.objective.unidentified(at: outcome.best.x).map { parameters[free[$0]] }
            .filter { !atBound.contains($0) }
        // Issue 14: convergence needs a stationary point that at least two starts reached (`ConvergenceVerdict`).
        let verdict = ConvergenceVerdict(outcome, measures: p.stationarity(at: outcome.best.x),
                                         widen: "widen the search: more randomStarts, a finer gridStep or wider bounds")
        var caveats = verdict.caveats
        // A fit no better than one constant for every run found no trend, however well its optimiser converged.
        let baseline = ConstantBaseline(fitted: outcome.best.value, observations: p.objective.targets,
                                        weights: p.objective.weights, loss: options.loss)
        let flat = baseline.caveat
        if let flat { caveats.insert(flat, at: 0) }
        if !unidentified.isEmpty { message = Identifiability.message(unidentified, lookalikes: law.expression.columnLookalikes) + message }
        if !caveats.isEmpty { message = caveats.joined(separator: "; ") + "; " + message }
        let repeated = RepeatedInputs(inputs: inputs.map { data[$0] ?? [] }, observed: observed)
        if let note = repeated.note(inputNames: inputs) { message += "; note: " + note }
        // Residuals in the fit's space (log or linear) of the runs with weight > 0.
        let predicted = (try? law.evaluate(parameters: values, columns: inputs.map { data[$0] ?? [] })) ?? []
        let residuals = predicted.count == observed.count
            ? observed.indices.map { options.loss.space == .log ? log(observed[$0]) - log(predicted[$0]) : observed[$0] - predicted[$0] }
            : []
        let used = observed.indices.filter { (options.weights?[$0] ?? 1) > 0 }
        // Rounding never counts: 1e-8 relative, in log space directly, in linear space of the typical observation.
        let floor = options.loss.space == .log ? 1e-8 : 1e-8 * OutlyingRuns.median(used.map { abs(observed[$0]) })
        var outlying = residuals.isEmpty || used.isEmpty ? .none
            : OutlyingRuns(residuals: residuals, used: used, observed: observed, floor: floor)
        let covariance = unidentified.isEmpty ? p.covariance(at: outcome.best.x, held: Set(heldCoordinates)) : nil
        if influence, !outlying.rows.isEmpty, let covariance {
            // The same fit with the outlying runs at weight 0; a refit that fails or does not converge leaves the
            // influence unknown.
            var without = options
            var weights = options.weights ?? [Double](repeating: 1, count: observed.count)
            for i in outlying.rows { weights[i] = 0 }
            without.weights = weights
            if let refit = try? fit(data: data, observed: observed, options: without, rows: nil, excluded: 0,
                                    influence: false), refit.converged {
                outlying.influence = OutlierInfluence(p, before: values, after: refit.values,
                                                       covariance: refit.covariance ?? covariance)
            }
        }
        if let rows { outlying.rows = outlying.rows.map { rows[$0] } }
        outlying.alreadyExcluded = excluded
        if let note = outlying.note() { message += "; note: " + note }
        let diagnostics = FitDiagnostics(
            outcome, converged: verdict.converged && unidentified.isEmpty && flat == nil,
            message: message, pointsUsed: observed.count, relativeGradient: verdict.measures.relativeGradient,
            predictedDecrease: verdict.measures.predictedDecrease, explained: baseline.explained, repeated: repeated,
            outlying: outlying)
        var result = LawFit(law: law, values: values, diagnostics: diagnostics,
                      parametersAtBound: atBound, fixedParameters: parameters.filter { options.fixed[$0] != nil },
                      options: options, search: p.search,
                      covariance: covariance)
        if let N = data["N"], let D = data["D"] {
            result.fitted = FittedRange(parameters: N, tokens: D, weights: options.weights)
        }
        return result
    }

    /// L-BFGS from `best` on the objective seen through `AffinePreconditioned`, when no coordinate is at a bound
    /// and the Hessian there is positive definite; the result if it is no worse and inside the bounds.
    static func whitenedPolish(_ p: Prepared, from best: OptimizationResult) -> OptimizationResult? {
        AffinePreconditioned.polish(p.objective, from: best, options: p.options.optimizer, lower: p.lower, upper: p.upper)
    }

    /// Everything a fit and its bootstrap share: validated data and options, the objective over the free
    /// parameters in optimiser coordinates, bounds and starting points.
    struct Prepared {
        var law: ScalingLaw
        var objective: LawObjective
        var free: [Int]
        var isLog: [Bool]
        var lower: [Double]
        var upper: [Double]
        var template: [Double]
        var starts: [[Double]]
        var anyBound: Bool
        var search: FitSearch
        var options: LawFitOptions

        /// Whether coordinate k's value v sits on its lower (upper) bound, to 1e-10 relative: the test behind
        /// `parametersAtBound` and the KKT projection of the gradient.
        func atLower(_ v: Double, _ k: Int) -> Bool { v <= lower[k] + 1e-10 * (1 + abs(lower[k])) }
        func atUpper(_ v: Double, _ k: Int) -> Bool { v >= upper[k] - 1e-10 * (1 + abs(upper[k])) }

        /// The stationarity measures at `x` (see `Stationarity`).
        func stationarity(at x: [Double]) -> Stationarity { Stationarity(objective, at: x, lower: lower, upper: upper) }

        /// Optimiser coordinates of a full parameter vector.
        func coordinates(of values: [Double]) -> [Double] {
            free.enumerated().map { k, j in isLog[k] ? log(values[j]) : values[j] }
        }

        /// Full parameter vector from optimiser coordinates.
        func values(from x: [Double]) -> [Double] {
            var v = template
            for (k, j) in free.enumerated() { v[j] = isLog[k] ? exp(x[k]) : x[k] }
            return v
        }
    }

    func prepare(data: [String: [Double]], observed: [Double], options: LawFitOptions,
                 withStarts: Bool = true) throws -> Prepared {
        try options.loss.validate()
        try InputValidation.optimizer(options.optimizer)
        guard options.threads >= 0 else { throw ScalingKitError.invalid("threads must be >= 0 (got \(options.threads))") }
        // Found by the concurrency test: a misspelt name such as "kaplan-nd" is a formula whose every name is a
        // parameter; it reads no data, and the old error ("'columns' is NULL") said nothing useful.
        guard !inputs.isEmpty else {
            let typos = expression.columnLookalikes.sorted { $0.key < $1.key }.map { "'\($0.key)' for the column '\($0.value)'" }
            throw ScalingKitError.invalid("'\(formula)' reads none of the data's columns: every name in it was taken as a parameter "
                + (typos.isEmpty ? "(a misspelt catalogue name? known laws: \(ScalingLaw.catalogueNames.joined(separator: ", ")))"
                                 : "(names are case-sensitive: \(typos.joined(separator: ", ")))"))
        }
        let columns = try self.columns(from: data)
        guard !observed.isEmpty else { throw ScalingKitError.length("'observed' is empty: no runs to fit") }
        for (name, c) in zip(inputs, columns) where c.count != observed.count {
            throw ScalingKitError.length("length mismatch: 'observed' has \(observed.count) values but '\(name)' has \(c.count)")
        }
        for (i, y) in observed.enumerated() {
            guard y.isFinite else {
                throw ScalingKitError.invalid("'observed'[\(i)] is not finite (\(y)): a run that diverged? A scaling law is of runs that trained; drop its row")
            }
            if options.loss.space == .log || (options.predictsLog ?? predictsLog), y <= 0 {
                throw ScalingKitError.invalid("'observed'[\(i)] must be > 0 for log residuals (got \(y))")
            }
        }
        if let w = options.weights {
            guard w.count == observed.count else {
                throw ScalingKitError.length("'weights' has \(w.count) values for \(observed.count) runs")
            }
            if let i = w.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
                throw ScalingKitError.invalid("'weights'[\(i)] must be finite and >= 0 (got \(w[i]))")
            }
            guard w.contains(where: { $0 > 0 }) else { throw ScalingKitError.invalid("all weights are 0") }
        }
        if let labels = options.clusters {
            try FitCovariance.check(clusters: labels, runs: observed.count,
                                    used: observed.indices.filter { (options.weights?[$0] ?? 1) > 0 })
        }

        var law = self
        for (name, v) in options.lowerBounds { law.lowerBounds[try index(of: name, "lower bound")] = v }
        for (name, v) in options.upperBounds { law.upperBounds[try index(of: name, "upper bound")] = v }
        for (name, v) in options.startGrid { law.startGrid[try index(of: name, "starting grid")] = v }
        for name in options.logScaled { law.logScaled.insert(parameters[try index(of: name, "log scaling")]) }
        if let log = options.predictsLog { law.predictsLog = log }
        guard !(options.search == .startGrid && options.gridStep != LawFitOptions().gridStep) else {
            throw ScalingKitError.invalid("gridStep applies to the automatic search, not to search = startGrid")
        }
        let structure = options.search == .startGrid ? nil : LawStructure(law.expression, predictsLog: law.predictsLog)
        if let structure {
            // A scale inside a real power must be > 0: search and optimise it in log space (its units then do not
            // matter), unless the caller allowed it to be ≤ 0 or gave non-positive starts.
            for (j, role) in structure.roles.enumerated() where role == .scale {
                let name = parameters[j]
                if options.fixed[name] == nil, law.lowerBounds[j] >= 0 || law.lowerBounds[j] == -.infinity,
                   law.upperBounds[j] > 0, law.startGrid[j].allSatisfy({ $0 > 0 }) {
                    law.logScaled.insert(name)
                }
            }
        }
        try law.validateBoundsAndGrid()
        try options.screening.validate()

        var template = law.startGrid.map { $0[0] }
        for (name, v) in options.fixed {
            let j = try index(of: name, "fixed value")
            guard v.isFinite else { throw ScalingKitError.invalid("fixed value of '\(name)' is not finite") }
            template[j] = v
        }
        let free = parameters.indices.filter { options.fixed[parameters[$0]] == nil }
        guard !free.isEmpty else { throw ScalingKitError.invalid("every parameter is fixed: nothing to fit") }
        guard free.count <= observed.count else {
            throw ScalingKitError.length("\(free.count) free parameters but only \(observed.count) runs: the fit is not identified")
        }

        let bound = try BoundExpression(expression, columns: columns)
        // A point where a parameter-free part is ±∞ (a log or power of zero) cannot be fitted: the objective is
        // infinite wherever the law is and finite only where a sign flips (D^−α at D = 0 is +∞ for α > 0, 0 for
        // α < 0: the fit wandered to α < 0 and reported a stall with sign-flipped E and A), and where the value is
        // finite its gradient is 0·(−∞) (D^β·ln D at D = 0: the rectified fine-tuning law with a zero-shot run
        // stalled on "a Newton step would lower the objective by a relative inf").
        if let i = bound.firstInfinitePoint() {
            throw BoundExpression.unusablePoint(expression, columns: columns, at: i, infinite: true)
        }
        let isLog = free.map { law.logScaled.contains(parameters[$0]) }
        let objective = LawObjective(
            bound: bound, observed: observed, logObserved: observed.map { $0 > 0 ? log($0) : .nan },
            weights: options.weights, loss: options.loss, predictsLog: law.predictsLog, free: free, template: template,
            logCoordinate: isLog)
        // Optimiser coordinates: log θ for log-scaled parameters (a lower bound ≤ 0 becomes −∞).
        func coordinate(_ v: Double, _ k: Int) -> Double { isLog[k] ? (v > 0 ? log(v) : -.infinity) : v }

        let lower = free.enumerated().map { k, j in coordinate(law.lowerBounds[j], k) }
        let upper = free.enumerated().map { k, j in coordinate(law.upperBounds[j], k) }
        guard options.randomStarts >= 0, options.randomStarts <= 10_000_000 else {
            throw ScalingKitError.invalid("randomStarts must be in 0...10,000,000 (got \(options.randomStarts))")
        }
        guard options.gridStep.isFinite, options.gridStep > 0 else {
            throw ScalingKitError.invalid("gridStep must be finite and > 0 (got \(options.gridStep))")
        }
        let layout = StartLayout(law: law, options: options, structure: structure, free: free, isLog: isLog,
                                 template: template, lower: lower, upper: upper, bound: bound, columns: columns,
                                 observed: observed)
        // Refits from a known optimum (bootstrap, leave-one-out) need the objective, not the starts.
        let (starts, search) = withStarts ? layout.starts()
            : ([], FitSearch(strategy: options.search, method: .single, projected: [], axes: [], starts: 0, seed: 0))
        let anyBound = lower.contains { $0.isFinite } || upper.contains { $0.isFinite }
        return Prepared(law: law, objective: objective, free: free, isLog: isLog, lower: lower, upper: upper,
                        template: template, starts: starts, anyBound: anyBound, search: search,
                        options: options)
    }

    /// Nonparametric bootstrap of a fit of this law (Efron & Tibshirani 1993): resample the runs (as multinomial
    /// weights on the fit's own objective), refit each resample from the fit's optimum with the fit's options, and
    /// summarise the refits. Fixed parameters stay fixed. Without `options.clusters` a fit given
    /// `LawFitOptions.clusters` resamples its clusters: rows it was told are not independent are not resampled as if
    /// they were.
    /// - Throws: `ScalingKitError` for data or options that do not match the fit, or bad bootstrap options.
    public func bootstrap(data: [String: [Double]], observed: [Double], fit: LawFit,
                          options: BootstrapOptions = BootstrapOptions()) throws -> Bootstrap {
        guard fit.law.formula == formula, fit.law.inputs == inputs else {
            throw ScalingKitError.invalid("the fit is of '\(fit.law.formula)', not of '\(formula)'")
        }
        if options.clusters == nil, let labels = fit.options.clusters {
            var clustered = options
            clustered.clusters = labels
            return try bootstrap(data: data, observed: observed, fit: fit, options: clustered)
        }
        if let kept = keptProblem(data: data, observed: observed, fit: fit) {
            return try bootstrap(data: kept.data, observed: kept.observed, fit: kept.fit,
                                 options: try options.dropping(fit.excludedIndices, of: observed.count))
        }
        let p = try prepare(data: data, observed: observed, options: fit.options, withStarts: false)
        let start = p.coordinates(of: fit.values)
        let base = fit.options.weights ?? [Double](repeating: 1, count: observed.count)
        let optimizer = fit.options.optimizer
        let preconditioner = p.anyBound ? nil : AffinePreconditioned(p.objective, at: start)
        let clusters = try options.clusterIndices(rows: observed.count, kept: Array(observed.indices))
        return try Bootstrap.run(names: parameters, estimates: fit.values, runs: observed.count, clusters: clusters,
                                 fitted: fit.fitted, options: options) { counts in
            var replicate = p.objective
            replicate.weights = zip(counts, base).map { $0 * $1 }
            guard let r = Bootstrap.refit(replicate, from: start, optimizer: optimizer,
                                          lower: p.anyBound ? p.lower : nil, upper: p.anyBound ? p.upper : nil,
                                          preconditioner: preconditioner)
            else { return nil }
            return (p.values(from: r.x), r.stalled)
        }
    }

    private func index(of name: String, _ what: String) throws -> Int {
        guard let j = parameters.firstIndex(of: name) else {
            throw ScalingKitError.invalid(
                "\(what) for '\(name)', which is not a parameter of '\(formula)' (parameters: \(parameters.joined(separator: ", ")))")
        }
        return j
    }
}

extension ScalingLaw {
    /// The rows `excludeHighestLoss` drops, after checking the count and the values it ranks.
    static func highestRows(_ observed: [Double], _ count: Int) throws -> [Int] {
        guard count >= 0, count < observed.count else {
            throw ScalingKitError.invalid("exclude_highest_loss must leave a run: 0 ..< \(observed.count) (got \(count))")
        }
        if let i = observed.firstIndex(where: { !$0.isFinite }) {
            throw ScalingKitError.invalid("'observed'[\(i)] is not finite (\(observed[i])): a run that diverged? A scaling "
                + "law is of runs that trained; drop its row")
        }
        return highestLossRows(observed, count: count)
    }

    /// The data, observations, weights and cluster labels without the rows `excluded` (columns of another length
    /// are passed on whole, for the fit to report the mismatch).
    static func keeping(data: [String: [Double]], observed: [Double], weights: [Double]?, clusters: [Int]?,
                        without excluded: [Int])
        -> (data: [String: [Double]], observed: [Double], weights: [Double]?, clusters: [Int]?)
    {
        let drop = Set(excluded)
        let keep = observed.indices.filter { !drop.contains($0) }
        func rows<T>(_ c: [T]) -> [T] { c.count == observed.count ? keep.map { c[$0] } : c }
        return (data.mapValues(rows), rows(observed), weights.map(rows), clusters.map(rows))
    }

    /// The fit as it ran on its kept rows: the data without `fit.excludedIndices` and the fit without the rule, for
    /// the bootstrap and leave-one-out (which resample or leave out kept runs only).
    func keptProblem(data: [String: [Double]], observed: [Double], fit: LawFit)
        -> (data: [String: [Double]], observed: [Double], fit: LawFit)?
    {
        guard !fit.excludedIndices.isEmpty else { return nil }
        let kept = Self.keeping(data: data, observed: observed, weights: fit.options.weights,
                                clusters: fit.options.clusters, without: fit.excludedIndices)
        var inner = fit
        inner.options.excludeHighestLoss = 0
        inner.options.weights = kept.weights
        inner.options.clusters = kept.clusters
        inner.excludedIndices = []
        return (kept.data, kept.observed, inner)
    }
}
