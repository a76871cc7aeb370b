/// One curve of a leave-one-curve-out validation: its loss predicted by the multi-power law refitted to the others.
public struct HeldOutCurve: Sendable {
    /// The law refitted to the other curves; nil where they cannot identify it (fewer than 7 observations, or no
    /// rate of theirs changes after warmup), so that no refit was made.
    public var fit: MultiPowerFit?
    /// The refit's predictions at the curve's steps; NaN where the curve was not predicted.
    public var predictions: [Double]
    /// The errors of those predictions against the curve's loss; nil where it was not predicted.
    public var errors: PredictionErrors?
    /// Why the curve was not predicted (the other curves do not identify the law, or the refit's message where it
    /// did not converge); nil where it was.
    public var failure: String?

    /// Whether the curve was predicted (a refit was made and converged).
    public var predicted: Bool { errors != nil }
    /// Observations of the other curves, which the refit used (0 where no refit was made).
    public var fitted: Int { fit?.diagnostics.pointsUsed ?? 0 }
}

/// Leave-one-curve-out validation of the multi-power law: each curve predicted by the law refitted to the others.
///
/// This is the test Luo et al. (2025, §4) put the law to — fit on some schedules, predict the loss curve of another
/// — and the only honest measure of its error on a new schedule here: parameter covariances miss it. On their 25M
/// curves, fitted to three and predicting six, the delta method's nominal 95 % intervals covered 1–66 % of the
/// points (residuals within a curve have lag-1 autocorrelation 0.5–0.9), since the error of a long extrapolation is
/// the law's misspecification.
public struct CurveValidation: Sendable {
    /// One entry per curve, in the caller's order.
    public var curves: [HeldOutCurve]
    /// Pooled over the curves predicted: `count` is their number; `rmse` and `maxRelativeError` run over all their
    /// observations; `meanRelativeError` is the mean over curves of each one's mean relative error (Luo et al.'s
    /// PredE, which weighs a curve by one whatever its observations). Nil where no curve was predicted.
    public var errors: PredictionErrors?
    /// Curves not predicted (see `HeldOutCurve.failure`).
    public var failed: Int
}

extension MultiPowerLaw {
    /// Predicts each curve by the law fitted (with `options`, from the default or given starts, never from a fit
    /// that saw the curve) to all the others.
    ///
    /// A curve is not predicted where the others cannot identify the law (a cosine and a constant run: without the
    /// cosine, no rate decreases) or where the refit does not converge; its `failure` says which. Costs one fit
    /// per curve, run one after another (each fit's starts use `options.threads`).
    /// - Throws: `ScalingKitError` for fewer than 2 curves, or for anything `fit` rejects in the curves or options.
    public static func leaveOneCurveOut(curves: [LossCurve],
                                        options: MultiPowerFitOptions = MultiPowerFitOptions()) throws -> CurveValidation {
        guard curves.count >= 2 else {
            throw ScalingKitError.length("\(curves.count) curve(s): leaving one out needs 2 or more")
        }
        try validate(curves, options)
        var held: [HeldOutCurve] = []
        for (c, curve) in curves.enumerated() {
            let others = curves.indices.filter { $0 != c }.map { curves[$0] }
            let unpredicted = [Double](repeating: .nan, count: curve.steps.count)
            if let problem = identificationProblem(others) {
                held.append(HeldOutCurve(fit: nil, predictions: unpredicted, errors: nil,
                                         failure: "without curve \(c): \(problem.message)"))
                continue
            }
            let fit = try Self.fit(curves: others, options: options)
            guard fit.converged else {
                held.append(HeldOutCurve(fit: fit, predictions: unpredicted, errors: nil,
                                         failure: "without curve \(c), the refit did not converge: \(fit.diagnostics.message)"))
                continue
            }
            let predicted = try fit.law.predict(learningRates: curve.learningRates, warmupSteps: curve.warmupSteps,
                                                steps: curve.steps)
            held.append(HeldOutCurve(fit: fit, predictions: predicted,
                                     errors: PredictionErrors(predicted: predicted, observed: curve.loss), failure: nil))
        }
        let scored = curves.indices.filter { held[$0].predicted }
        var pooled: PredictionErrors?
        if !scored.isEmpty {
            var e = PredictionErrors(predicted: scored.flatMap { held[$0].predictions },
                                     observed: scored.flatMap { curves[$0].loss })
            e.count = scored.count
            e.meanRelativeError = scored.map { held[$0].errors!.meanRelativeError }.reduce(0, +) / Double(scored.count)
            pooled = e
        }
        return CurveValidation(curves: held, errors: pooled, failed: curves.count - scored.count)
    }
}
