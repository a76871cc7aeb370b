/// Errors of a law's predictions on runs it was not fitted to.
///
/// Scaling laws are used to extrapolate, so in-sample fit quality says little: Gadre et al. (2024) and the
/// (Mis)Fitting survey (Li et al. 2025) score laws by predicting the largest runs from the smaller ones.
public struct PredictionErrors: Sendable, Equatable {
    /// Runs scored.
    public var count: Int
    /// Root mean square of (predicted − observed), in the units of the observed value.
    public var rmse: Double
    /// max |predicted − observed| / observed.
    public var maxRelativeError: Double
    /// mean |predicted − observed| / observed.
    public var meanRelativeError: Double

    /// Scores predictions against measurements (same length, at least one; measurements finite and non-zero).
    public init(scoring predicted: [Double], against observed: [Double]) throws {
        guard !observed.isEmpty, predicted.count == observed.count else {
            throw ScalingKitError.length("\(predicted.count) predictions for \(observed.count) measurements")
        }
        if let i = observed.firstIndex(where: { !$0.isFinite || $0 == 0 }) {
            throw ScalingKitError.invalid("measurement [\(i)] must be finite and non-zero (got \(observed[i]))")
        }
        self.init(predicted: predicted, observed: observed)
    }

    init(predicted: [Double], observed: [Double]) {
        count = observed.count
        var sq = 0.0, maxRel = 0.0, sumRel = 0.0
        for (p, y) in zip(predicted, observed) {
            sq += (p - y) * (p - y)
            let rel = abs(p - y) / abs(y)
            maxRel = Swift.max(maxRel, rel)
            sumRel += rel
        }
        rmse = (sq / Double(count)).squareRoot()
        maxRelativeError = maxRel
        meanRelativeError = sumRel / Double(count)
    }
}

/// A fit on the runs below a threshold, scored on the runs at or above it.
public struct HoldoutValidation: Sendable {
    /// The fit on the runs below the threshold.
    public var fit: LawFit
    /// Runs whose split value is at or above this are held out.
    public var threshold: Double
    /// Row indices of the training and held-out runs.
    public var trainIndices: [Int]
    /// Row indices of the held-out runs.
    public var testIndices: [Int]
    /// Predictions for the held-out runs, in `testIndices` order.
    public var predictions: [Double]
    /// Errors of the held-out predictions.
    public var errors: PredictionErrors
}

/// Leave-one-out predictions: each run predicted by the law refitted without it.
public struct LeaveOneOutValidation: Sendable {
    /// The held-out prediction of each run (NaN where the refit did not converge).
    public var predictions: [Double]
    /// Runs whose refit did not converge (left out of `errors`).
    public var failed: Int
    /// Errors of each run's prediction by the fit without it.
    public var errors: PredictionErrors
}

extension ScalingLaw {
    /// Fits on the runs with `split[i] < threshold` and scores the runs with `split[i] ≥ threshold`.
    ///
    /// `split` is any per-run quantity (compute, N, D); it need not be an input of the law. Runs the options leave
    /// out are left out of both sides: `excludeHighestLoss` drops the highest-loss runs of the whole table before
    /// the split (as Besiroglu et al. clean the data; applied to the training side alone it dropped that many
    /// good small runs and scored the broken ones: on Epoch's table split at N = 2·10⁹, the 5 highest-loss runs
    /// have N ≥ 2.6·10⁹), and runs of weight 0 are neither fitted nor scored. The fit's `excludedIndices` and
    /// outlying rows are rows of the caller's table.
    /// - Throws: `ScalingKitError` if `split` does not match the runs or is not finite, if either side is empty,
    ///   or for anything `fit` rejects.
    public func holdout(data: [String: [Double]], observed: [Double], split: [Double], threshold: Double,
                        options: LawFitOptions = LawFitOptions()) throws -> HoldoutValidation {
        guard split.count == observed.count else {
            throw ScalingKitError.length("'split' has \(split.count) values for \(observed.count) runs")
        }
        if let i = split.firstIndex(where: { !$0.isFinite }) { throw ScalingKitError.invalid("'split'[\(i)] is not finite") }
        guard threshold.isFinite else { throw ScalingKitError.invalid("threshold must be finite (got \(threshold))") }
        if let w = options.weights, w.count != observed.count {
            throw ScalingKitError.length("weights has \(w.count) values for \(observed.count) runs")
        }
        let excluded = options.excludeHighestLoss == 0 ? [] : try Self.highestRows(observed, options.excludeHighestLoss)
        let dropped = Set(excluded)
        let kept = split.indices.filter { !dropped.contains($0) && (options.weights?[$0] ?? 1) != 0 }
        let train = kept.filter { split[$0] < threshold }, test = kept.filter { split[$0] >= threshold }
        let left = excluded.isEmpty && kept.count == split.count ? "" : " (of the runs not excluded or weighted 0)"
        guard !test.isEmpty else { throw ScalingKitError.length("no run has split >= \(threshold)\(left): nothing to score") }
        guard !train.isEmpty else { throw ScalingKitError.length("no run has split < \(threshold)\(left): nothing to fit") }
        func rows(_ idx: [Int]) -> [String: [Double]] { data.mapValues { c in idx.map { c[$0] } } }
        for (name, c) in data where c.count != observed.count {
            throw ScalingKitError.length("length mismatch: 'observed' has \(observed.count) values but '\(name)' has \(c.count)")
        }
        var trainOptions = options
        trainOptions.weights = options.weights.map { w in train.map { w[$0] } }
        trainOptions.clusters = options.clusters.map { c in c.count == observed.count ? train.map { c[$0] } : c }
        trainOptions.excludeHighestLoss = 0
        // Rows of the caller's table in what the fit says of outlying runs.
        var fit = try self.fit(data: rows(train), observed: train.map { observed[$0] }, options: trainOptions,
                               rows: train, excluded: excluded.count)
        fit.options = options
        fit.excludedIndices = excluded
        let predicted = try fit.predict(rows(test))
        return HoldoutValidation(fit: fit, threshold: threshold, trainIndices: train, testIndices: test,
                                 predictions: predicted,
                                 errors: PredictionErrors(predicted: predicted, observed: test.map { observed[$0] }))
    }

    /// Leave-one-out: for each run, refit without it — warm-started from `fit`'s optimum (one start, not the
    /// grid, so it costs about one bootstrap replicate per run) — and predict it. Parallel and deterministic.
    public func leaveOneOut(data: [String: [Double]], observed: [Double], fit: LawFit,
                            threads: Int = 0) throws -> LeaveOneOutValidation {
        guard fit.law.formula == formula, fit.law.inputs == inputs else {
            throw ScalingKitError.invalid("the fit is of '\(fit.law.formula)', not of '\(formula)'")
        }
        guard threads >= 0 else { throw ScalingKitError.invalid("threads must be >= 0 (got \(threads))") }
        if let kept = keptProblem(data: data, observed: observed, fit: fit) {
            // Excluded runs are not predicted (NaN, not counted as failed refits).
            let inner = try leaveOneOut(data: kept.data, observed: kept.observed, fit: kept.fit, threads: threads)
            var predictions = [Double](repeating: .nan, count: observed.count)
            let drop = Set(fit.excludedIndices)
            for (k, i) in observed.indices.filter({ !drop.contains($0) }).enumerated() { predictions[i] = inner.predictions[k] }
            return LeaveOneOutValidation(predictions: predictions, failed: inner.failed, errors: inner.errors)
        }
        let p = try prepare(data: data, observed: observed, options: fit.options, withStarts: false)
        guard p.free.count < observed.count else {
            throw ScalingKitError.length("leave-one-out needs more runs (\(observed.count)) than free parameters + 1")
        }
        let start = p.coordinates(of: fit.values)
        let base = fit.options.weights ?? [Double](repeating: 1, count: observed.count)
        let columns = try self.columns(from: data)
        let optimizer = fit.options.optimizer
        let law = p.law
        let predictions = ParallelMap.map(count: observed.count, threads: threads, makeState: {}) { _, i -> Double in
            var objective = p.objective
            var w = base
            w[i] = 0
            objective.weights = w
            guard let r = Bootstrap.refit(objective, from: start, optimizer: optimizer,
                                          lower: p.anyBound ? p.lower : nil, upper: p.anyBound ? p.upper : nil),
                  let v = try? law.evaluate(parameters: p.values(from: r.x), columns: columns.map { [$0[i]] })
            else { return .nan }
            return v[0]
        }
        let ok = predictions.indices.filter { predictions[$0].isFinite }
        guard !ok.isEmpty else { throw ScalingKitError.invalid("no leave-one-out refit converged") }
        return LeaveOneOutValidation(
            predictions: predictions, failed: observed.count - ok.count,
            errors: PredictionErrors(predicted: ok.map { predictions[$0] }, observed: ok.map { observed[$0] }))
    }
}
