#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How to fit the Chinchilla law. Every choice that changes the answer is a field here and is reported back in the
/// result, because the (Mis)Fitting survey (Li et al. 2025) shows each of them moves the conclusions.
public struct ChinchillaFitOptions: Sendable, Equatable {
    /// δ of the Huber loss on log residuals. Hoffmann et al. (2022) §D.2 use 10⁻³.
    public var huberDelta: Double = 1e-3
    /// Drop this many runs with the highest loss before fitting. Besiroglu et al. (2024) §2 drop 5 from the
    /// 245 digitised Chinchilla runs (all near 10¹⁹ FLOPs with D/N < 0.5); default 0 (keep every run).
    /// Ties in loss are broken by row order (the earlier row is dropped first). The dropped rows are reported.
    public var excludeHighestLoss: Int = 0
    /// Starting points; default Hoffmann's 4 500-point grid.
    public var grid: StartGrid = .hoffmann2022
    /// Local optimiser settings (per start).
    public var optimizer: LBFGSOptions = LBFGSOptions()
    /// Which starts run to convergence: by default the best 64 by initial objective, more until 4 agree.
    /// `.exhaustive` runs all 4,500, as Hoffmann et al. did.
    public var screening: StartScreening = StartScreening()
    /// Worker threads for the starts; 0 = one per core. The result does not depend on it.
    public var threads: Int = 0
    /// One label per run for rows that are not independent runs (checkpoints: the model each belongs to); nil =
    /// every row its own run. The covariance behind the intervals, the outlier influence and the planners' floor
    /// check is then cluster-robust, as `LawFitOptions.clusters` makes it. The bootstrap resamples these clusters
    /// unless given its own.
    public var clusters: [Int]? = nil

    /// The defaults above (Hoffmann et al.'s Huber loss and grid, as run by Besiroglu et al. 2024).
    public init() {}
}

/// The result of a multi-start Chinchilla fit, with the diagnostics a reader needs to trust it.
public struct ChinchillaFit: Sendable, Equatable, DiagnosedFit {
    /// The fitted law.
    public var law: ChinchillaLaw
    /// How the optimum was found (Σ Huber_δ(log residual) over the runs used as the objective, its gradient in the
    /// (a, b, e, α, β) coordinates, the multi-start counts).
    public var diagnostics: FitDiagnostics
    /// Row indices (0-based, ascending) that `excludeHighestLoss` removed.
    public var excludedIndices: [Int]
    /// The options that produced this result.
    public var options: ChinchillaFitOptions
    /// The (N, D, D/N) span of the runs used, for the plans made from this fit (`ComputePlan.fitted`).
    public var fitted: FittedRange? = nil
    /// The delta-method covariance behind `predict(parameters:tokens:interval:level:)`; nil where it does not exist.
    var covariance: FitCovariance? = nil
}

/// The rows of the `count` highest losses, ascending (Besiroglu et al. 2024 §2 drop the 5 highest of the 245
/// Chinchilla runs); ties go to the earlier row. Shared by every fit that offers the exclusion.
public func highestLossRows(_ loss: [Double], count: Int) -> [Int] {
    let order = loss.indices.sorted { loss[$0] != loss[$1] ? loss[$0] > loss[$1] : $0 < $1 }
    return Array(order.prefix(max(0, count))).sorted()
}

extension ChinchillaLaw {
    /// Validates the input and options, applies the exclusion rule, and builds the objective.
    static func prepare(N: [Double], D: [Double], loss: [Double], options: ChinchillaFitOptions)
        throws -> (ChinchillaObjective, excluded: [Int], kept: [Int])
    {
        try InputValidation.positiveColumns([("N", N), ("D", D), ("loss", loss)])
        try InputValidation.positiveFinite(options.huberDelta, "huber delta")
        try InputValidation.optimizer(options.optimizer)
        try options.grid.validate()
        try options.screening.validate()
        guard options.threads >= 0 else { throw ScalingKitError.invalid("threads must be >= 0 (got \(options.threads))") }
        guard options.excludeHighestLoss >= 0 else {
            throw ScalingKitError.invalid("excludeHighestLoss must be >= 0 (got \(options.excludeHighestLoss))")
        }
        let minimumRuns = 5
        guard N.count - options.excludeHighestLoss >= minimumRuns else {
            throw ScalingKitError.length(
                "\(N.count) runs minus \(options.excludeHighestLoss) excluded leaves fewer than \(minimumRuns), the number of parameters")
        }

        let excluded = highestLossRows(loss, count: options.excludeHighestLoss)
        let excludedSet = Set(excluded)
        let kept = N.indices.filter { !excludedSet.contains($0) }

        let objective = ChinchillaObjective(logN: kept.map { log(N[$0]) }, logD: kept.map { log(D[$0]) },
                                            logL: kept.map { log(loss[$0]) }, huber: Huber(delta: options.huberDelta))
        return (objective, excluded, kept)
    }

    /// Nonparametric bootstrap of a Chinchilla fit (Efron & Tibshirani 1993; as Besiroglu et al. 2024 do with 4,000
    /// replicates): resample the runs the fit used, refit each resample from the fit's optimum with the fit's
    /// options, and summarise the converged refits. Without `options.clusters` a fit given
    /// `ChinchillaFitOptions.clusters` resamples its clusters.
    /// - Throws: `ScalingKitError` for data that differ from the fit's, or bad options.
    public static func bootstrap(N: [Double], D: [Double], loss: [Double], fit: ChinchillaFit,
                                 options: BootstrapOptions = BootstrapOptions()) throws -> Bootstrap {
        var options = options
        if options.clusters == nil { options.clusters = fit.options.clusters }
        let (objective, _, kept) = try prepare(N: N, D: D, loss: loss, options: fit.options)
        guard kept.count == fit.pointsUsed else {
            throw ScalingKitError.length("the data have \(kept.count) usable runs but the fit used \(fit.pointsUsed): pass the fit's data")
        }
        let law = fit.law
        let start = [log(law.A), log(law.B), log(law.E), law.alpha, law.beta]
        let optimizer = fit.options.optimizer
        let preconditioner = AffinePreconditioned(objective, at: start)
        let clusters = try options.clusterIndices(rows: N.count, kept: kept)
        return try Bootstrap.run(names: ChinchillaLaw.parameterNames, estimates: law.parameterValues,
                                 runs: kept.count, clusters: clusters, fitted: fit.fitted, options: options) { counts in
            let replicate = objective.weighted(by: counts)
            guard let r = Bootstrap.refit(replicate, from: start, optimizer: optimizer, preconditioner: preconditioner)
            else { return nil }
            let x = r.x
            return ([exp(x[2]), exp(x[0]), exp(x[1]), x[3], x[4]], r.stalled)
        }
    }

    /// Fits `L(N, D) = E + A/N^α + B/D^β` to training runs.
    ///
    /// Method: Hoffmann et al. (2022) Approach 3 (§3.3, App. D.2) as replicated by Besiroglu et al. (2024):
    /// minimise Σ Huber_δ(LSE(a − α log N, b − β log D, e) − log L) with L-BFGS and an exact gradient from every
    /// point of `options.grid`, in parallel; keep the lowest objective among converged starts, then restart L-BFGS
    /// once from it with a fresh history (a "polish") so the answer does not depend on the path that found it.
    ///
    /// - Parameters:
    ///   - N: parameters per run (> 0).
    ///   - D: training tokens per run (> 0).
    ///   - loss: final loss per run (> 0).
    /// - Throws: `ScalingKitError` on empty or mismatched arrays, non-finite or non-positive values, too few runs
    ///   left after exclusion, or invalid options.
    /// - Complexity: O(starts × iterations × runs); deterministic whatever `options.threads` is.
    public static func fit(N: [Double], D: [Double], loss: [Double],
                           options: ChinchillaFitOptions = ChinchillaFitOptions()) throws -> ChinchillaFit {
        try fit(N: N, D: D, loss: loss, options: options, influence: true)
    }

    /// `influence`: refit without the outlying runs, if any, to measure how far they move the fit; false for that
    /// refit itself.
    static func fit(N: [Double], D: [Double], loss: [Double], options: ChinchillaFitOptions,
                    influence: Bool) throws -> ChinchillaFit {
        let (objective, excluded, kept) = try prepare(N: N, D: D, loss: loss, options: options)
        // The labels of the runs used, checked before the search (the covariance's own check would come too late).
        var covarianceOptions = options
        if let labels = options.clusters {
            try FitCovariance.check(clusters: labels, runs: N.count, used: kept)
            covarianceOptions.clusters = kept.map { labels[$0] }
        }
        let grid = options.grid
        let outcome = try MultiStart.run(objective, starts: (0..<grid.count).map(grid.point),
                                         optimizer: options.optimizer, screening: options.screening,
                                         threads: options.threads)
        let x = outcome.best.x
        let law = ChinchillaLaw(E: exp(x[2]), A: exp(x[0]), B: exp(x[1]), alpha: x[3], beta: x[4])
        // Issue 8: a sweep that cannot identify the law (every run at one N, say) is reported, not passed off.
        let unidentified = objective.unidentified(at: x).map { ["A", "B", "E", "alpha", "beta"][$0] }
        var message = unidentified.isEmpty ? outcome.message : Identifiability.message(unidentified) + outcome.message
        // Converged as a law fit is (issue 14); the dedicated engine used to take the optimiser's word for it.
        let unbounded = [Double](repeating: -.infinity, count: x.count)
        let verdict = ConvergenceVerdict(outcome, measures: Stationarity(objective, at: x, lower: unbounded,
                                                                          upper: unbounded.map { -$0 }),
                                         widen: "more starts: a finer grid, or screen=0")
        message = verdict.prefixing(message)
        // A converged fit that does no better than one constant (two series mixed in one table) found no trend.
        let baseline = ConstantBaseline(fitted: outcome.best.value, observations: objective.logL, weights: nil,
                                        loss: FitLoss(.huber(delta: options.huberDelta)))
        let flat = baseline.caveat
        if let flat { message = flat + "; " + message }
        let keptN = kept.map { N[$0] }, keptD = kept.map { D[$0] }
        let repeated = RepeatedInputs(inputs: [keptN, keptD], observed: kept.map { loss[$0] })
        if let note = repeated.note(inputNames: ["N", "D"]) { message += "; note: " + note }
        // Log residuals, the fit's own space, of the runs used.
        let residuals = N.indices.map { log(loss[$0]) - log(law.loss(parameters: N[$0], tokens: D[$0])) }
        var outlying = OutlyingRuns(residuals: residuals, used: kept, observed: loss)
        outlying.alreadyExcluded = excluded.count
        let prepared = unidentified.isEmpty
            ? ChinchillaFit.prepared(N: keptN, D: keptD, loss: kept.map { loss[$0] }, options: covarianceOptions) : nil
        let covariance = prepared.flatMap { $0.covariance(at: $0.coordinates(of: law.catalogueValues), held: []) }
        if influence, !outlying.rows.isEmpty, let prepared, let covariance {
            // The same fit on the runs it used less the outlying ones.
            let outliers = Set(outlying.rows), rest = kept.filter { !outliers.contains($0) }
            var plain = options
            plain.excludeHighestLoss = 0
            plain.clusters = options.clusters.map { labels in rest.map { labels[$0] } }
            if let refit = try? fit(N: rest.map { N[$0] }, D: rest.map { D[$0] }, loss: rest.map { loss[$0] },
                                    options: plain, influence: false), refit.converged {
                let covariance = refit.covariance ?? covariance
                outlying.influence = OutlierInfluence(prepared, before: law.catalogueValues,
                                                      after: refit.law.catalogueValues, covariance: covariance)
                outlying.influence?.allocation = OutlierInfluence.allocation(
                    prepared, alpha: (law.alpha, refit.law.alpha), beta: (law.beta, refit.law.beta),
                    covariance: covariance)
            }
        }
        if let note = outlying.note() { message += "; note: " + note }
        return ChinchillaFit(
            law: law,
            diagnostics: FitDiagnostics(outcome, converged: verdict.converged && unidentified.isEmpty && flat == nil,
                                        message: message, pointsUsed: kept.count,
                                        relativeGradient: verdict.measures.relativeGradient,
                                        predictedDecrease: verdict.measures.predictedDecrease, explained: baseline.explained,
                                        repeated: repeated, outlying: outlying),
            excludedIndices: excluded, options: options,
            fitted: FittedRange(parameters: keptN, tokens: keptD),
            covariance: covariance)
    }
}
