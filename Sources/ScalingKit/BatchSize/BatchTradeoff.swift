#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The steps-versus-batch trade-off S = S_min(1 + B_crit/B), E = B·S = E_min(1 + B/B_crit) (McCandlish et al. 2018,
/// eq. 2.11–2.12), fitted in log space to the steps each batch size needed to reach a target loss.
public struct BatchTradeoffFit: Sendable, Equatable {
    /// The target loss this sweep reached (nil when the sweep has one target and does not name it).
    public var targetLoss: Double?
    /// S_min: the fewest optimizer steps to reach the target, approached as the batch grows without bound.
    public var minimumSteps: Double
    /// E_min: the fewest examples (or tokens) to reach the target, approached as the batch shrinks to 0.
    public var minimumExamples: Double
    /// B_crit = E_min/S_min: the batch that costs 2·S_min steps and 2·E_min examples.
    public var criticalBatch: Double
    /// Student-t intervals from the log-space fit's covariance (n − 2 degrees of freedom); nil with only 2 points'
    /// worth of freedom.
    public var criticalBatchInterval: ConfidenceInterval?
    /// Interval on S_min at `confidence`; nil when not identified.
    public var minimumStepsInterval: ConfidenceInterval?
    /// Interval on E_min at `confidence`; nil when not identified.
    public var minimumExamplesInterval: ConfidenceInterval?
    /// Confidence level of the intervals.
    public var confidence: Double
    /// Sweep points (batch sizes) used in the fit.
    public var points: Int
    /// Root-mean-square log residual.
    public var rmsLogResidual: Double
    /// Whether the batch grid straddles B_crit (a batch ≤ B_crit/2 and one ≥ 2·B_crit): otherwise only one of S_min
    /// and E_min is pinned, and B_crit is not identified (the notes' §1.3: such intervals can exclude the truth).
    public var identified: Bool
    /// What the fit found, in words, including why it is not identified when it is not.
    public var message: String

    /// Steps at batch B on the fitted curve.
    public func steps(batch: Double) throws -> Double {
        try CriticalBatch.steps(minimumSteps: minimumSteps, criticalBatch: criticalBatch, batch: batch)
    }
    /// Examples at batch B on the fitted curve.
    public func examples(batch: Double) -> Double { minimumExamples * (1 + batch / criticalBatch) }
}

/// Fits the steps-against-batch trade-off S = S_min (1 + B_crit / B) of McCandlish et al. (2018) to batch sweeps.
public enum BatchTradeoff {
    /// Fits one target's sweep: `batch[i]` examples (or tokens) per step needed `steps[i]` steps.
    ///
    /// Least squares of ln S − ln S_min − ln(1 + B_crit/B): for a given B_crit, ln S_min is the mean residual in
    /// closed form, so the fit is a one-dimensional search over ln B_crit (scan, then golden section), and the
    /// covariance of (ln S_min, ln B_crit) is σ²(JᵀJ)⁻¹ at the optimum.
    ///
    /// Where the least squares put B_crit at an end of its search (10⁻³ × the smallest batch, 10³ × the largest),
    /// B_crit is a bound the sweep cannot move, not an estimate: the intervals are nil and the message says which
    /// side. Steps that rise with the batch contradict the form (S falls in B): they are refused, naming the likely
    /// cause (examples or tokens, B·S, passed as steps).
    /// - Throws: `ScalingKitError` for fewer than 3 distinct batch sizes, mismatched arrays, values that are not
    ///   finite and > 0, or steps that rise with the batch (log-log slope > 0 with t > 2).
    public static func fit(batch: [Double], steps: [Double], targetLoss: Double? = nil, confidence: Double = 0.95) throws -> BatchTradeoffFit {
        guard batch.count == steps.count else { throw ScalingKitError.length("\(batch.count) batch sizes but \(steps.count) step counts") }
        for (name, v) in [("batch", batch), ("steps", steps)] {
            if let i = v.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                throw ScalingKitError.invalid("\(name)[\(i)] must be finite and > 0 (got \(v[i]))")
            }
        }
        guard Set(batch).count >= 3 else {
            throw ScalingKitError.invalid("the trade-off needs at least 3 batch sizes (got \(Set(batch).count) distinct)")
        }
        guard confidence > 0, confidence < 1 else { throw ScalingKitError.invalid("confidence must be in (0, 1)") }
        let n = batch.count
        let logS = steps.map { log($0) }
        // S = S_min(1 + B_crit/B) falls with B: steps that rise with it (the log-log slope positive at t > 2) are not
        // a trade-off. Found as a user: examples (B·S) passed as steps fitted "B_crit = 0.032" with an interval.
        if let slope = try? PowerLawFit(x: batch, y: steps), slope.exponent > 0,
           let se = slope.standardError, se == 0 || slope.exponent / se > 2 {
            let target = targetLoss.map { "target loss \(FitSearch.format($0)): " } ?? ""
            throw ScalingKitError.invalid(
                "\(target)the steps rise with the batch size (log-log slope +\(FitSearch.format(slope.exponent))), but "
                + "S = S_min(1 + B_crit/B) falls with it: were examples or tokens (batch × steps) passed as steps?")
        }
        func intercept(_ c: Double) -> Double {
            var s = 0.0
            for i in 0..<n { s += logS[i] - log1p(exp(c) / batch[i]) }
            return s / Double(n)
        }
        func ssr(_ c: Double) -> Double {
            let a = intercept(c)
            var s = 0.0
            for i in 0..<n { let r = logS[i] - a - log1p(exp(c) / batch[i]); s += r * r }
            return s
        }
        // B_crit from 1e-3 × the smallest batch to 1e3 × the largest.
        let lo = log(batch.min()!) - log(1000), hi = log(batch.max()!) + log(1000)
        let xs = (0..<401).map { lo + (hi - lo) * Double($0) / 400 }
        let c: Double
        var edge: Bool?
        switch try Planner.refineMinimum(xs, xs.map(ssr), tolerance: 1e-12, ssr) {
        case .minimum(let x): c = x
        case .atEdge(let low): c = low ? lo : hi; edge = low
        case .none: throw ScalingKitError.invalid("the trade-off curve could not be evaluated (internal)")
        }
        let a = intercept(c)
        let Bc = exp(c), Smin = exp(a)
        // J = ∂r/∂(a, c): (−1, −u_i) with u_i = (B_crit/B_i)/(1 + B_crit/B_i).
        var jtj = [0.0, 0.0, 0.0]
        for b in batch { let u = (Bc / b) / (1 + Bc / b); jtj[0] += 1; jtj[1] += u; jtj[2] += u * u }
        let sumSquares = ssr(c)
        let identified = batch.contains { $0 <= Bc / 2 } && batch.contains { $0 >= 2 * Bc }
        var fit = BatchTradeoffFit(targetLoss: targetLoss, minimumSteps: Smin, minimumExamples: Smin * Bc, criticalBatch: Bc,
                                   criticalBatchInterval: nil, minimumStepsInterval: nil, minimumExamplesInterval: nil,
                                   confidence: confidence, points: n, rmsLogResidual: (sumSquares / Double(n)).squareRoot(),
                                   identified: identified, message: "")
        let det = jtj[0] * jtj[2] - jtj[1] * jtj[1]
        if edge == nil, n > 2, det > 1e-12 * jtj[0] * jtj[2] {
            let sigma2 = sumSquares / Double(n - 2)
            let vaa = sigma2 * jtj[2] / det, vcc = sigma2 * jtj[0] / det, vac = -sigma2 * jtj[1] / det
            let t = StudentT.quantile(0.5 + 0.5 * confidence, degreesOfFreedom: Double(n - 2))
            func interval(_ center: Double, _ v: Double) -> ConfidenceInterval {
                ConfidenceInterval(lower: exp(center - t * v.squareRoot()), upper: exp(center + t * v.squareRoot()),
                                   level: confidence)
            }
            fit.criticalBatchInterval = interval(c, vcc)
            fit.minimumStepsInterval = interval(a, vaa)
            fit.minimumExamplesInterval = interval(a + c, vaa + vcc + 2 * vac)
        }
        if let low = edge {
            fit.message = low
                ? "warning: the steps do not fall with the batch: B_crit lies below the batch grid's reach (under 1e-3 × its smallest batch, \(FitSearch.format(batch.min()!))); \(FitSearch.format(Bc)) is the search's bound, not an estimate, and has no interval"
                : "warning: the steps fall as 1/B throughout: B_crit lies above the batch grid's reach (over 1e3 × its largest batch, \(FitSearch.format(batch.max()!))); \(FitSearch.format(Bc)) is the search's bound, not an estimate, and has no interval"
            return fit
        }
        fit.message = identified
            ? "fitted on \(n) points; the batch grid straddles B_crit"
            : "warning: the batch grid (\(FitSearch.format(batch.min()!)) to \(FitSearch.format(batch.max()!))) does not straddle B_crit = \(FitSearch.format(Bc)) (needs a batch <= B_crit/2 and one >= 2 B_crit): B_crit is not identified and its interval may exclude the truth"
        return fit
    }

    /// One fit per target loss, then Kaplan et al. (2020, eq. 1.4)'s B_crit(L) = B*/L^(1/α_B) through the B_crit of
    /// the targets whose fit is `identified` (a power law in L with exponent −1/α_B; its `points` say how many). A
    /// target whose batch grid does not straddle its B_crit has no B_crit worth fitting a law through: it used to go
    /// in all the same. `target[i]` labels the run's target loss.
    /// - Throws: as `fit`, per target. The law is nil with fewer than 2 identified targets.
    public static func fit(batch: [Double], steps: [Double], targetLoss: [Double], confidence: Double = 0.95) throws
        -> (fits: [BatchTradeoffFit], law: (criticalBatchAtUnitLoss: Double, alphaB: Double, fit: PowerLawFit)?)
    {
        guard targetLoss.count == batch.count, steps.count == batch.count else {
            throw ScalingKitError.length("\(batch.count) batch sizes, \(steps.count) step counts and \(targetLoss.count) target losses")
        }
        if let i = targetLoss.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
            throw ScalingKitError.invalid("target loss[\(i)] must be finite and > 0 (got \(targetLoss[i]))")
        }
        let targets = Set(targetLoss).sorted()
        let fits = try targets.map { L in
            let rows = targetLoss.indices.filter { targetLoss[$0] == L }
            return try fit(batch: rows.map { batch[$0] }, steps: rows.map { steps[$0] }, targetLoss: L, confidence: confidence)
        }
        let identified = fits.filter(\.identified)
        guard identified.count >= 2 else { return (fits, nil) }
        let p = try PowerLawFit(x: identified.map { $0.targetLoss! }, y: identified.map(\.criticalBatch), confidence: confidence)
        return (fits, (p.coefficient, -1 / p.exponent, p))
    }
}
