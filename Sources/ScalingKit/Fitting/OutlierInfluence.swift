/// How far a fit moves when its outlying runs are left out: each parameter's shift in standard errors of the fit
/// without them, largest first.
///
/// Why: a run far off the law (`OutlyingRuns`) may move nothing or everything. On Epoch's extraction of Hoffmann
/// et al.'s runs its 4 outlying runs move β by 5.1 standard errors (0.453 → 0.371) and the allocation exponent by
/// 2.7 (0.565 → 0.516); on the Misfitting sweep's best runs, 3 outlying runs move β by 2.9 and the allocation
/// exponent by 0.08; Gadre et al.'s RedPajama outlier moves nothing beyond 0.4. The distance flagged a run; this
/// says whether it matters.
/// The measure is Belsley, Kuh & Welsch's (1980, *Regression Diagnostics*, §2.1) DFBETAS for a group of rows: the
/// refit's change of each coordinate over that coordinate's standard error in the refit (their s₍ᵢ₎: the runs in
/// question would widen the yardstick they are measured by), from its delta-method covariance (`FitCovariance`:
/// the larger of the model-based and the sandwich variance), in the optimiser's coordinates — log θ for log-scaled
/// parameters, so a coefficient's shift is relative. Above 2 the refit leaves the fit's own 95 % interval. That
/// interval assumes independent runs: on checkpoints of a few runs it is too narrow (the multi-power schedules'
/// annealing law: α moves 1.6 %, 1.3 standard errors). The clause gives both, the values and the count.
public struct OutlierInfluence: Sendable, Equatable {
    /// One parameter's move.
    public struct Shift: Sendable, Equatable {
        /// The parameter.
        public var parameter: String
        /// Its value in the fit with the outlying runs.
        public var withRuns: Double
        /// Its value in the refit without them.
        public var withoutRuns: Double
        /// |Δ| over its standard error in the fit without them.
        public var standardErrors: Double
    }

    /// Every free parameter with a standard error, largest shift first (never empty).
    public var shifts: [Shift]
    /// For a Chinchilla fit, the compute-optimal allocation exponent a = β/(α+β) (N_opt ∝ C^a; Hoffmann et al.
    /// 2022, eq. 4), with its delta-method standard error: exponents can move together and leave the plan's
    /// exponent where it was (the Misfitting sweep's best runs: β 5.6 standard errors, a 0.06). Nil otherwise.
    public var allocation: Shift?

    /// Shifts beyond this many standard errors leave the fit's own 95 % interval.
    public static let material = 2.0

    /// The largest shift.
    public var largest: Shift { shifts[0] }

    /// The shifts from the full parameter vector `before` to `after` of the law `prepared` fits, measured in its
    /// optimiser coordinates in standard errors from `covariance` (over those coordinates); nil when no coordinate
    /// has a positive, finite variance.
    init?(_ prepared: ScalingLaw.Prepared, before: [Double], after: [Double], covariance: FitCovariance) {
        let x0 = prepared.coordinates(of: before), x1 = prepared.coordinates(of: after)
        var shifts: [Shift] = []
        for (i, k) in covariance.coordinates.enumerated() {
            let variance = covariance.variance(at: i)
            guard variance > 0, variance.isFinite, x1[k].isFinite else { continue }
            let j = prepared.free[k]
            shifts.append(Shift(parameter: prepared.law.parameters[j], withRuns: before[j], withoutRuns: after[j],
                                standardErrors: abs(x1[k] - x0[k]) / variance.squareRoot()))
        }
        guard !shifts.isEmpty else { return nil }
        self.shifts = shifts.sorted { $0.standardErrors > $1.standardErrors }
    }

    /// The clause the outlying-runs note ends with: the material shifts (at most 3), or the largest if none is;
    /// then the allocation exponent where there is one.
    var clause: String {
        func said(_ s: Shift) -> String {
            "\(s.parameter) \(FitSearch.format(s.withRuns)) → \(FitSearch.format(s.withoutRuns)) "
                + "(\(FitSearch.format(s.standardErrors)) standard errors)"
        }
        let shown = shifts.prefix(3).filter { $0.standardErrors > Self.material }
        var text = "without them " + (shown.isEmpty ? [largest] : shown).map(said).joined(separator: ", ")
            + (shown.isEmpty ? ": within the fit's 95 % intervals" : ": beyond the fit's 95 % intervals")
        if let a = allocation {
            text += "; the allocation exponent \(said(a))"
                + (a.standardErrors > Self.material ? ": beyond its 95 % interval" : ": within its 95 % interval")
        }
        return text
    }

    /// The allocation exponent's shift between two Chinchilla fits, with the delta-method standard error from
    /// `covariance` over the coordinates of `prepared` (those of "alpha" and "beta", not log-scaled); nil where
    /// either is held or the variance is not positive.
    static func allocation(_ prepared: ScalingLaw.Prepared, alpha: (Double, Double), beta: (Double, Double),
                           covariance: FitCovariance) -> Shift? {
        func coordinate(_ name: String) -> Int? {
            covariance.coordinates.firstIndex { prepared.law.parameters[prepared.free[$0]] == name }
        }
        guard let i = coordinate("alpha"), let j = coordinate("beta") else { return nil }
        let (a0, b0) = (alpha.0, beta.0), s = a0 + b0
        // ∂a/∂α = −β/(α+β)², ∂a/∂β = α/(α+β)².
        let ga = -b0 / (s * s), gb = a0 / (s * s)
        var g = [Double](repeating: 0, count: covariance.coordinates.count)
        g[i] = ga; g[j] = gb
        let variance = covariance.variance(g)
        let after = beta.1 / (alpha.1 + beta.1)
        guard variance > 0, variance.isFinite, after.isFinite else { return nil }
        return Shift(parameter: "a", withRuns: b0 / s, withoutRuns: after,
                     standardErrors: abs(after - b0 / s) / variance.squareRoot())
    }
}
