/// The multi-power law for whole loss curves under any learning-rate schedule (Luo et al. 2025, ICLR,
/// arXiv:2503.12811, eq. 5–6):
///
///   L(t) = L0 + A·(S1(t) + S_W)^(−α) − B·Σ_{k≤t} (η_{k−1} − η_k)·(1 − (C·η_k^(−γ)·S_k(t) + 1)^(−β))
///
/// A power law in the area under the schedule, minus a loss drop that every decrease of the rate earns, saturating
/// as a power of the area since. Fitted to a few schedules, it predicts the curves of others (the paper's test).
/// It is not a formula over columns — LD(t) sums over the whole schedule — so it has its own objective and fit.
public struct MultiPowerLaw: Sendable, Equatable {
    /// L0: the loss limit of the constant-learning-rate term.
    public var L0: Double
    /// A: coefficient of the power in the summed learning rate, A (S1 + S_W)^−α.
    public var A: Double
    /// α: exponent of the summed learning rate.
    public var alpha: Double
    /// B: scale of the loss reduction from learning-rate decay, LD(t).
    public var B: Double
    /// C: rate of the reduction's saturating power form.
    public var C: Double
    /// β: exponent of the reduction's saturating form.
    public var beta: Double
    /// γ: exponent on the learning rate inside the reduction.
    public var gamma: Double

    /// A law with the given parameters, named as in Luo et al. (2025).
    public init(L0: Double, A: Double, alpha: Double, B: Double, C: Double, beta: Double, gamma: Double) {
        self.L0 = L0; self.A = A; self.alpha = alpha; self.B = B; self.C = C; self.beta = beta; self.gamma = gamma
    }

    /// The published order of Luo et al.'s parameter vector.
    public static let parameterNames = ["L0", "A", "alpha", "B", "C", "beta", "gamma"]
    /// Where the law is published.
    public static let citation = "Luo et al. 2025, A Multi-Power Law for Loss Curve Prediction Across Learning Rate Schedules (ICLR), eq. 5-6"

    /// The parameters in `parameterNames` order.
    public var parameterValues: [Double] { [L0, A, alpha, B, C, beta, gamma] }

    init(_ v: [Double]) { self.init(L0: v[0], A: v[1], alpha: v[2], B: v[3], C: v[4], beta: v[5], gamma: v[6]) }

    /// The predicted loss at `steps` (each after warmup, within the schedule) of a run with this schedule.
    /// - Throws: `ScalingKitError` for an invalid schedule or step, or non-finite parameters.
    public func predict(learningRates: [Double], warmupSteps: Int, steps: [Int]) throws -> [Double] {
        guard parameterValues.allSatisfy(\.isFinite) else { throw ScalingKitError.invalid("parameters must be finite") }
        let curve = LossCurve(learningRates: learningRates, warmupSteps: warmupSteps, steps: steps, loss: [])
        try curve.validateSchedule("schedule", steps: steps)
        let prepared = MultiPowerObjective.Curve(curve, steps: steps, loss: nil)
        let p = parameterValues
        return p.withUnsafeBufferPointer { p in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: max(prepared.changes.count, 1)) { scaled in
                MultiPowerObjective.scaleRates(prepared, gamma: gamma, into: scaled)
                return prepared.times.map { t in
                    var d = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
                    return MultiPowerObjective.predict(p, curve: prepared, t: t, scaled: UnsafeBufferPointer(scaled),
                                                       gradient: &d)
                }
            }
        }
    }
}

/// How to fit the multi-power law. Defaults follow Luo et al.: Huber δ = 10⁻³ on log residuals.
public struct MultiPowerFitOptions: Sendable, Equatable {
    /// Huber δ on log residuals.
    public var huberDelta: Double = 1e-3
    /// Starting values per parameter (the grid is their product); a parameter left out uses the default, which is
    /// scaled to the data: L0 = 0.9·min loss, A = α = β = 0.5, B ∈ {0.1, 0.5}·(loss range)/(largest total rate
    /// decrease), C ∈ {1, 4}, γ ∈ {0.5, 0.8} — 8 starts.
    public var startGrid: [String: [Double]] = [:]
    /// Stopping rules and limits of the optimizer run from each start. No stop on a small relative change of the
    /// objective (`functionTolerance` 0): along the valley where β → 0 with B·β held, steps of 10⁻¹⁴ relative
    /// progress are the way to the optimum. With the usual 10⁻¹⁴, every start of a default fit to Luo et al.'s
    /// curves stopped 0.9 % above the optimum (a stall); with 0 four of eight reach it (twice the time).
    public var optimizer: LBFGSOptions = {
        var o = LBFGSOptions()
        o.functionTolerance = 0
        return o
    }()
    /// Default: the best 4 of the 8 starts, more until 2 agree (each evaluation sums over the whole schedule).
    public var screening = StartScreening(refine: 4, confirmations: 2)
    /// Worker threads; 0 = one per core. The result does not depend on it.
    public var threads: Int = 0

    /// The defaults above.
    public init() {}
}

/// A fitted multi-power law with the diagnostics of its fit.
public struct MultiPowerFit: Sendable, DiagnosedFit {
    /// The fitted law.
    public var law: MultiPowerLaw
    /// How the optimum was found (Σ Huber_δ(log residual) over every observation as the objective).
    public var diagnostics: FitDiagnostics
    /// Parameters on their lower bound (0).
    public var parametersAtBound: [String]
    /// Free parameters whose standard error at the optimum exceeds their value: the curves fix a combination, not
    /// each value (the message ends with a note naming them).
    public var weaklyDetermined: WeaklyDetermined
    /// The options the fit ran with.
    public var options: MultiPowerFitOptions
}

extension MultiPowerLaw {
    /// Fits the law to loss curves (each with its own schedule) by minimising Σ Huber_δ(ln L̂ − ln L) with projected
    /// L-BFGS (every parameter ≥ 0) and the exact gradient, multi-start over a data-scaled grid, screened.
    /// - Throws: `ScalingKitError` for no curves, invalid schedules, steps or losses, fewer than 7 observations,
    ///   schedules that never decrease (then B, C, β, γ are not identified), or bad options.
    public static func fit(curves: [LossCurve], options: MultiPowerFitOptions = MultiPowerFitOptions()) throws -> MultiPowerFit {
        try validate(curves, options)
        if let problem = identificationProblem(curves) { throw problem }
        let points = curves.reduce(0) { $0 + $1.steps.count }
        let prepared = curves.map { MultiPowerObjective.Curve($0, steps: $0.steps, loss: $0.loss) }
        let largestDrop = largestRateRange(curves)

        // The default grid, scaled to the data (a loss drop of 10–50 % of the observed range for the full decrease).
        let losses = curves.flatMap(\.loss)
        let low = losses.min()!, range = max(losses.max()! - low, 1e-3 * low)
        var axes: [[Double]] = [[0.9 * low], [0.5], [0.5], [0.1 * range / largestDrop, 0.5 * range / largestDrop],
                                [1, 4], [0.5], [0.5, 0.8]]
        for (name, values) in options.startGrid {
            guard let j = parameterNames.firstIndex(of: name) else {
                throw ScalingKitError.invalid("starting grid for '\(name)', which is not a parameter (parameters: \(parameterNames.joined(separator: ", ")))")
            }
            guard !values.isEmpty, values.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw ScalingKitError.invalid("starting values of '\(name)' must be finite, >= 0 and not empty")
            }
            axes[j] = values
        }
        var starts: [[Double]] = [[]]
        for axis in axes { starts = starts.flatMap { s in axis.map { s + [$0] } } }

        let objective = MultiPowerObjective(curves: prepared, huber: Huber(delta: options.huberDelta))
        let lower = [Double](repeating: 0, count: 7), upper = [Double](repeating: .infinity, count: 7)
        var outcome = try MultiStart.run(objective, starts: starts, lower: lower, upper: upper,
                                         optimizer: options.optimizer, screening: options.screening,
                                         threads: options.threads)
        // A last polish in whitened coordinates, as the law fit's: B ~ 10² beside β ~ 0.5, and a valley along which
        // β → 0 with B·β held, make L-BFGS crawl (noise-free cosine + constant curves: 1,000 iterations ended at an
        // objective of 4.8e-10 unconverged; whitened, 508 more reached an exact fit).
        if let polished = AffinePreconditioned.polish(objective, from: outcome.best, options: options.optimizer,
                                                      lower: lower, upper: upper) {
            if polished.converged && !outcome.reason.isConverged {
                outcome.message = polished.reason.message + " after a polish in whitened coordinates (before it: "
                    + outcome.message + ")"
                outcome.reason = polished.reason
            }
            outcome.best = polished
            outcome.iterations += polished.iterations
            outcome.evaluations += polished.evaluations
        }
        let x = outcome.best.x
        let atBound = parameterNames.indices.filter { x[$0] <= 0 }.map { parameterNames[$0] }
        var message = outcome.message
        if !atBound.isEmpty { message += "; on a bound: \(atBound.joined(separator: ", "))" }
        // As the law fits (issue 8): parameters whose Jacobian column is a combination of the others' are not
        // identified. Found with a warmup excluded and one step down after it: C and γ then enter only through
        // C·η^(−γ) at that one rate (∂L/∂γ = −C·ln η·∂L/∂C at every point), the fit stalled, and the message
        // advised more starts.
        let (residuals, jacobian) = objective.residuals(at: x)
        let free = parameterNames.indices.filter { x[$0] > 0 }
        let unidentified = residuals.isEmpty ? [] : Identifiability.unidentified(
            jacobian: jacobian.indices.filter { free.contains($0 % parameterNames.count) }.map { jacobian[$0] },
            rows: residuals.count,
            columns: free.count).map { parameterNames[free[$0]] }
        if !unidentified.isEmpty {
            message = Identifiability.message(unidentified, advice: "add curves whose learning rate changes to other "
                                              + "values") + message
        }
        // Converged as a law fit is (issue 14). Found on Luo et al.'s 25M curves: the default fit stopped on a small
        // change of the objective 0.9 % above the optimum a start at the published parameters reaches, and said so.
        let verdict = ConvergenceVerdict(outcome, measures: Stationarity(objective, at: x, lower: lower, upper: upper),
                                         widen: "more starts: screen=0, or a start grid")
        message = verdict.prefixing(message)
        // As every fit: one that does no better than a constant loss found no curve to follow.
        let baseline = ConstantBaseline(fitted: outcome.best.value, observations: objective.curves.flatMap(\.logLoss),
                                        weights: nil, loss: FitLoss(.huber(delta: options.huberDelta)))
        let flat = baseline.caveat
        if let flat { message = flat + "; " + message }
        // Weak determination is measured where every free parameter is identified (else its errors are rounding).
        let weak = unidentified.isEmpty ? WeaklyDetermined(values: x, residuals: residuals, jacobian: jacobian,
                                                           free: free, names: parameterNames, huber: objective.huber)
                                        : .none
        if let note = weak.note() { message += "; note: " + note }
        return MultiPowerFit(
            law: MultiPowerLaw(x),
            diagnostics: FitDiagnostics(outcome, converged: verdict.converged && flat == nil && unidentified.isEmpty,
                                        message: message, pointsUsed: points, relativeGradient: verdict.measures.relativeGradient,
                                        predictedDecrease: verdict.measures.predictedDecrease, explained: baseline.explained),
            parametersAtBound: atBound, weaklyDetermined: weak, options: options)
    }

    /// Checks the curves and options a fit takes (schedules, steps, losses; Huber δ, optimizer, screening, threads).
    static func validate(_ curves: [LossCurve], _ options: MultiPowerFitOptions) throws {
        guard !curves.isEmpty else { throw ScalingKitError.length("no loss curves") }
        for (c, curve) in curves.enumerated() {
            try curve.validateSchedule("curve \(c)", steps: curve.steps)
            guard curve.loss.count == curve.steps.count else {
                throw ScalingKitError.length("curve \(c): \(curve.steps.count) steps but \(curve.loss.count) losses")
            }
            if let i = curve.loss.firstIndex(where: { !$0.isFinite || $0 <= 0 }) {
                throw ScalingKitError.invalid("curve \(c): loss[\(i)] must be finite and > 0 (got \(curve.loss[i]))")
            }
        }
        try InputValidation.positiveFinite(options.huberDelta, "huber delta")
        try InputValidation.optimizer(options.optimizer)
        try options.screening.validate()
        guard options.threads >= 0 else { throw ScalingKitError.invalid("threads must be >= 0 (got \(options.threads))") }
    }

    /// Why valid curves cannot determine the 7 parameters, or nil: fewer than 7 observations, or no rate that
    /// changes after warmup (then B, C, β and γ, the decay terms, are not identified).
    static func identificationProblem(_ curves: [LossCurve]) -> ScalingKitError? {
        let points = curves.reduce(0) { $0 + $1.steps.count }
        guard points >= parameterNames.count else {
            return ScalingKitError.length("\(points) observations for 7 parameters: the fit is not identified")
        }
        guard largestRateRange(curves) > 0 else {
            return ScalingKitError.invalid(
                "no curve's learning rate changes after warmup: B, C, beta and gamma are not identified (fit L0 + A*S1^-alpha instead)")
        }
        return nil
    }

    /// The largest range (max − min) of a curve's rate after warmup: 0 where no rate changes; it scales the default
    /// B starts.
    static func largestRateRange(_ curves: [LossCurve]) -> Double {
        curves.map { c in
            let eta = c.learningRates[c.warmupSteps...]
            return eta.max()! - eta.min()!
        }.max() ?? 0
    }
}
