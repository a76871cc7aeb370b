/// Settings of a nonparametric bootstrap.
public struct BootstrapOptions: Sendable, Equatable {
    /// Resamples to draw (Besiroglu et al. 2024 use 4,000).
    public var replicates: Int = 1000
    /// Seed of the resampling streams; the same seed gives the same replicates on any number of threads.
    public var seed: UInt64 = 0
    /// Coverage of the percentile intervals.
    public var confidence: Double = 0.95
    /// Worker threads; 0 = one per core.
    public var threads: Int = 0
    /// The cluster of each run, one label per row of the data the fit was given (for example the model a checkpoint
    /// belongs to); nil resamples rows. With clusters, a replicate draws whole clusters with replacement and keeps
    /// every row of each draw: the cluster bootstrap (Davison & Hinkley 1997, §3.8; Field & Welsh 2007).
    ///
    /// Why: checkpoints of one training run share its data order, initialisation and schedule, so their residuals
    /// move together; resampling them as independent runs understates every interval (Besiroglu et al. 2024 resample
    /// runs, not checkpoints, for that reason). On the Gemstones sweep (McLeish et al. 2025: 220 checkpoints of 22
    /// models) α's 95 % interval is 0.069 wide resampling rows and 0.188 resampling models.
    public var clusters: [Int]? = nil
    /// Called from the worker threads after each replicate (for a progress display; it must be thread-safe and
    /// quick). Not part of the options' identity.
    public var progress: (@Sendable () -> Void)?

    /// The defaults above.
    public init() {}

    public static func == (a: Self, b: Self) -> Bool {
        a.replicates == b.replicates && a.seed == b.seed && a.confidence == b.confidence && a.threads == b.threads
            && a.clusters == b.clusters
    }

    /// The labels, checked to be one per row of data with `rows` rows; nil without clusters.
    private func labels(rows: Int) throws -> [Int]? {
        guard let clusters else { return nil }
        guard clusters.count == rows else {
            throw ScalingKitError.length("clusters has \(clusters.count) labels for \(rows) runs: one label per run")
        }
        return clusters
    }

    /// These options for the data of `rows` rows without the rows `excluded`: the kept rows' labels alone.
    /// - Throws: `ScalingKitError` when the labels are not one per row.
    func dropping(_ excluded: [Int], of rows: Int) throws -> BootstrapOptions {
        guard let labels = try labels(rows: rows) else { return self }
        let drop = Set(excluded)
        var kept = self
        kept.clusters = labels.indices.filter { !drop.contains($0) }.map { labels[$0] }
        return kept
    }

    /// The clusters of the rows `kept` (indices into the fit's data of `rows` rows), as dense indices 0..<count;
    /// nil without clusters.
    /// - Throws: `ScalingKitError` when the labels are not one per row, or the kept rows fall in fewer than 2 clusters.
    func clusterIndices(rows: Int, kept: [Int]) throws -> (index: [Int], count: Int)? {
        guard let clusters = try labels(rows: rows) else { return nil }
        var dense: [Int: Int] = [:]
        let index = kept.map { i -> Int in
            if let j = dense[clusters[i]] { return j }
            dense[clusters[i]] = dense.count
            return dense.count - 1
        }
        guard dense.count >= 2 else {
            throw ScalingKitError.invalid("the runs fall in \(dense.count) cluster(s): a cluster bootstrap needs at least 2")
        }
        return (index, dense.count)
    }

    func validate() throws {
        guard replicates >= 2 else { throw ScalingKitError.invalid("bootstrap needs at least 2 replicates (got \(replicates))") }
        guard replicates <= 10_000_000 else { throw ScalingKitError.invalid("at most 10,000,000 bootstrap replicates") }
        guard confidence > 0, confidence < 1 else {
            throw ScalingKitError.invalid("confidence must be in (0, 1) (got \(confidence))")
        }
        guard threads >= 0 else { throw ScalingKitError.invalid("threads must be >= 0 (got \(threads))") }
    }
}

/// Bootstrap replicates of a fit: parameter samples with standard deviations and percentile intervals, for the
/// parameters and for any quantity derived from them.
///
/// Method (Efron & Tibshirani 1993, ch. 6 and 13): resample runs with replacement, refit each resample
/// warm-started from the full-data optimum, keep the converged refits. Resample runs, not checkpoints of one run
/// (Besiroglu et al. 2024 discuss the clustering that checkpoints introduce).
public struct Bootstrap: Sendable {
    /// Parameter names, in the order of each replicate's values.
    public let parameterNames: [String]
    /// The full-data estimates the replicates were started from.
    public let estimates: [Double]
    /// Converged replicates, one row per replicate, columns in `parameterNames` order.
    public let samples: [[Double]]
    /// Replicates whose refit did not converge (left out of `samples`).
    public let failed: Int
    /// Replicates kept although their optimiser stopped on a failed line search: a fresh restart from the point
    /// could not decrease the objective by any step along the steepest-descent direction, i.e. the point is
    /// stationary to working precision (this happens at the kinks of a Huber objective). Reported, not hidden.
    public let stalled: Int
    /// The options the bootstrap ran with.
    public let options: BootstrapOptions
    /// The (N, D, D/N) span of the runs behind the fit (nil for a law without N and D), carried to its plans.
    public let fitted: FittedRange?

    /// Summary of one quantity over the replicates.
    public struct Summary: Sendable, Equatable {
        /// The full-data value.
        public var estimate: Double
        /// Standard deviation over replicates (the bootstrap standard error).
        public var standardError: Double
        /// Percentile interval at `options.confidence`.
        public var interval: ConfidenceInterval
    }

    /// The summary of parameter `name`.
    public func summary(_ name: String) throws -> Summary {
        guard let j = parameterNames.firstIndex(of: name) else {
            throw ScalingKitError.invalid("unknown parameter '\(name)'; parameters are \(parameterNames.joined(separator: ", "))")
        }
        return summarize(estimate: estimates[j], values: samples.map { $0[j] })
    }

    /// The summary of a derived quantity, for example the compute-optimal exponent a = β/(α+β).
    /// `f` receives a parameter vector in `parameterNames` order; non-finite values are an error.
    public func summary(of f: ([Double]) -> Double) throws -> Summary {
        let values = samples.map(f)
        guard values.allSatisfy(\.isFinite), f(estimates).isFinite else {
            throw ScalingKitError.invalid("the derived quantity is not finite on every replicate")
        }
        return summarize(estimate: f(estimates), values: values)
    }

    func summarize(estimate: Double, values: [Double]) -> Summary {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
        let sorted = values.sorted()
        let tail = (1 - options.confidence) / 2
        let interval = ConfidenceInterval(lower: Percentile.of(sorted: sorted, tail),
                                          upper: Percentile.of(sorted: sorted, 1 - tail), level: options.confidence)
        return Summary(estimate: estimate, standardError: sd, interval: interval)
    }

    /// One replicate's refit: L-BFGS from the full-data optimum. A refit that stops without converging is
    /// restarted once with a fresh history; if that converges it is kept, and if the restart cannot take a single
    /// step (its steepest-descent line search finds no decrease) the point is stationary to working precision and
    /// is kept as `stalled`. Anything else (iteration limit, non-finite values) is dropped as failed.
    static func refit<F: DifferentiableObjective>(_ objective: F, from start: [Double], optimizer: LBFGSOptions,
                                                   lower: [Double]? = nil, upper: [Double]? = nil,
                                                   preconditioner: AffinePreconditioned<F>? = nil) -> Refit? {
        let solver = LBFGS(dimension: objective.dimension, options: optimizer)
        // Unbounded problems first try the whitened coordinates of the full-data optimum (a few iterations).
        if let preconditioner, lower == nil, upper == nil, preconditioner.origin == start {
            let whitened = preconditioner.over(objective)
            let r = solver.minimize(whitened, from: [Double](repeating: 0, count: objective.dimension), lower: nil,
                                    upper: nil, unitHessian: true)
            if r.converged { return Refit(x: whitened.point(r.x), stalled: false) }
        }
        let first = solver.minimize(objective, from: start, lower: lower, upper: upper)
        if first.converged { return Refit(x: first.x, stalled: false) }
        guard first.value.isFinite else { return nil }
        let second = solver.minimize(objective, from: first.x, lower: lower, upper: upper)
        if second.converged { return Refit(x: second.x, stalled: false) }
        if second.reason == .lineSearchFailed && second.iterations == 0 { return Refit(x: first.x, stalled: true) }
        return nil
    }

    struct Refit {
        var x: [Double]
        var stalled: Bool
    }

    /// Runs `refit(weights, stream)` for each replicate in parallel; `weights[i]` is how often run i was drawn.
    /// With `clusters` (the cluster of each run, dense 0..<count), whole clusters are drawn instead of runs.
    static func run(names: [String], estimates: [Double], runs: Int, clusters: (index: [Int], count: Int)? = nil,
                    fitted: FittedRange?, options: BootstrapOptions,
                    refit: @escaping @Sendable ([Double]) -> (values: [Double], stalled: Bool)?) throws -> Bootstrap {
        try options.validate()
        // Per worker: the weight of each run, and how often each cluster was drawn.
        let makeState = { ([Double](repeating: 0, count: runs), [Double](repeating: 0, count: clusters?.count ?? 0)) }
        let results = ParallelMap.map(count: options.replicates, threads: options.threads, makeState: makeState,
                                      progress: options.progress) { state, r in
            var rng = RandomStream(seed: options.seed, stream: r)
            for i in 0..<runs { state.0[i] = 0 }
            if let clusters {
                for c in 0..<clusters.count { state.1[c] = 0 }
                for _ in 0..<clusters.count { state.1[rng.index(below: clusters.count)] += 1 }
                for i in 0..<runs { state.0[i] = state.1[clusters.index[i]] }
            } else {
                for _ in 0..<runs { state.0[rng.index(below: runs)] += 1 }
            }
            return refit(state.0)
        }
        let kept = results.compactMap { $0 }
        let samples = kept.map(\.values)
        guard samples.count >= 2 else {
            throw ScalingKitError.invalid("only \(samples.count) of \(options.replicates) bootstrap refits converged")
        }
        return Bootstrap(parameterNames: names, estimates: estimates, samples: samples,
                         failed: options.replicates - samples.count, stalled: kept.filter(\.stalled).count,
                         options: options, fitted: fitted)
    }
}

/// Intervals of a compute-optimal plan over bootstrap replicates, with the span of the runs behind the fit.
///
/// Why one type: the closed-form (Chinchilla) and numerical (any law of N and D) bootstrap plans report the same
/// quantities, and both must say when the plan's D/N leaves the fitted runs' ratios — there its interval measures
/// the spread of the law's functional form over resamples, not a ratio any run constrained.
public struct BootstrapPlan: Sendable, Equatable {
    /// The budget in FLOPs (C = 6ND).
    public var compute: Double
    /// The exponent a of N_opt ∝ C^a (the local d ln N_opt / d ln C for a numerical plan).
    public var a: Bootstrap.Summary
    /// N_opt.
    public var parameters: Bootstrap.Summary
    /// D_opt.
    public var tokens: Bootstrap.Summary
    /// D_opt / N_opt.
    public var tokensPerParameter: Bootstrap.Summary
    /// The loss at the plan.
    public var loss: Bootstrap.Summary
    /// Replicates without a finite optimum at this budget, left out of the intervals (0 for the closed form).
    public var failed: Int
    /// The (N, D, D/N) span of the runs behind the fit; nil where unknown.
    public var fitted: FittedRange?

    /// Whether the full-data plan's D/N lies among the fitted runs' ratios (as `ComputePlan.ratioWithinFitted`);
    /// nil where the range is unknown.
    public var ratioWithinFitted: Bool? { fitted?.covers(tokensPerParameter: tokensPerParameter.estimate) }
}

extension Bootstrap {
    /// Intervals of the compute-optimal plan at `compute` FLOPs (Hoffmann et al. 2022 eq. 4) over the replicates,
    /// for any fit with parameters named E, A, B, alpha, beta (a Chinchilla fit, or the catalogue law).
    /// Intervals on derived quantities matter because they are nonlinear: Besiroglu et al. (2024) find a median
    /// D/N of 25.7 at Chinchilla's budget where the point estimate is ~18.
    public func chinchillaPlan(compute: Double) throws -> BootstrapPlan {
        try fitted?.requireRawCounts()
        let idx = try ["E", "A", "B", "alpha", "beta"].map { name -> Int in
            guard let j = parameterNames.firstIndex(of: name) else {
                throw ScalingKitError(.unsupported, "a compute-optimal plan needs parameters E, A, B, alpha, beta; this fit has \(parameterNames.joined(separator: ", "))")
            }
            return j
        }
        func law(_ v: [Double]) -> ChinchillaLaw {
            ChinchillaLaw(E: v[idx[0]], A: v[idx[1]], B: v[idx[2]], alpha: v[idx[3]], beta: v[idx[4]])
        }
        let point = try law(estimates).computeOptimal(compute: compute)
        let plans = try samples.map { try law($0).computeOptimal(compute: compute) }
        return summarizePlans(point: point, replicates: plans, failed: 0)
    }

    /// The plan summary from the full-data plan and the replicates' plans.
    private func summarizePlans(point: ComputePlan, replicates plans: [ComputePlan], failed: Int) -> BootstrapPlan {
        BootstrapPlan(compute: point.compute,
                      a: summarize(estimate: point.a, values: plans.map(\.a)),
                      parameters: summarize(estimate: point.parameters, values: plans.map(\.parameters)),
                      tokens: summarize(estimate: point.tokens, values: plans.map(\.tokens)),
                      tokensPerParameter: summarize(estimate: point.tokensPerParameter, values: plans.map(\.tokensPerParameter)),
                      loss: summarize(estimate: point.loss, values: plans.map(\.loss)), failed: failed, fitted: fitted)
    }
}

extension Bootstrap {
    /// Intervals of the compute-optimal plan at `compute` FLOPs for a bootstrap of any law of N and D (numerical
    /// planning per replicate, in parallel). Replicates whose law has no finite optimum at this budget are left out
    /// and counted.
    public func plan(law: ScalingLaw, compute: Double, threads: Int = 0) throws -> BootstrapPlan {
        try fitted?.requireRawCounts()
        guard law.parameters == parameterNames else {
            throw ScalingKitError.invalid("the law's parameters (\(law.parameters.joined(separator: ", "))) are not this bootstrap's (\(parameterNames.joined(separator: ", ")))")
        }
        let point = try Planner.computeOptimal(try LossSurface(law: law, values: estimates), compute: compute)
        let samples = self.samples
        let plans = ParallelMap.map(count: samples.count, threads: threads, makeState: { () }) { _, i in
            try? Planner.computeOptimal(try LossSurface(law: law, values: samples[i]), compute: compute)
        }
        let ok = plans.compactMap { $0 }
        guard ok.count >= 2 else {
            throw ScalingKitError.invalid("only \(ok.count) of \(samples.count) replicates have a finite optimum at \(compute) FLOPs")
        }
        return summarizePlans(point: point, replicates: ok, failed: samples.count - ok.count)
    }
}

extension Bootstrap {
    /// Intervals of the compute-optimal plan at `compute` FLOPs, by the method the law allows: the closed form
    /// (Hoffmann et al. 2022, eq. 4) for the Chinchilla law or a bootstrap of the dedicated Chinchilla fit (`law`
    /// nil), numerical planning per replicate for any other law of N and D (`failed` counts replicates without a
    /// finite optimum; 0 for the closed form).
    public func computeOptimal(compute: Double, law: ScalingLaw?, threads: Int = 0) throws -> BootstrapPlan {
        if let law, law.name != "chinchilla" {
            return try plan(law: law, compute: compute, threads: threads)
        }
        return try chinchillaPlan(compute: compute)
    }
}
