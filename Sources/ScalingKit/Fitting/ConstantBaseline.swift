/// How much better than one constant value a fitted law does: the check that a fit found a trend at all.
///
/// A law whose optimum is no better than the same number for every run has found nothing in the data, yet its
/// optimiser may report convergence: a flat valley, or a Huber objective whose linear pieces balance (Huber with
/// δ = 10⁻³ is least absolute deviations for most runs, and any level between two clusters of equal size is then
/// optimal). Its exponents are then arbitrary and a plan read from it is too. Two loss columns mixed in one table
/// (raw and exponentiated losses, as Open-Athena's Llama 3 extract holds) do exactly this: A = B = 1, α = 0.5,
/// β = 1, a start of the grid, "converged". The measure is Koenker & Machado's (1999, "Goodness of fit and related
/// inference processes for quantile regression", JASA 94(448), §2) R¹ = 1 − V̂/Ṽ: the fitted objective V̂ against
/// Ṽ, the same loss minimised by a constant. With squared residuals it is the usual R². On real sweeps the laws
/// explain 0.89–0.96 of it (Epoch's Chinchilla 0.95; Marin's three 2026 sweeps 0.89–0.90; three of them fitted
/// together 0.64); the mixed Llama 3 table 0.0000. Every fit applies it: `ChinchillaLaw.fit`, `ScalingLaw.fit`
/// and `MultiPowerLaw.fit` (loss curves with no trend under their schedules).
struct ConstantBaseline {
    /// Below this share explained a fit is not converged: it says "no better than a constant".
    static let minimumExplained = 0.1

    /// The fit's objective at its optimum.
    let fitted: Double
    /// The same loss minimised by one constant (0 when every observation is equal).
    let baseline: Double

    /// `fitted` against the constant fit of observations `y`, given in the loss's space (log observations for log
    /// residuals), with the run weights and the loss of the fit.
    init(fitted: Double, observations y: [Double], weights: [Double]?, loss: FitLoss) {
        self.fitted = fitted
        baseline = Self.objective(y, weights: weights, loss: loss)
    }

    /// R¹ = 1 − fitted/baseline (R² for squared residuals): 1 for a law through every run, 0 for one no better than
    /// a constant (below 0 where the law cannot even reach a constant); NaN where there is nothing to explain
    /// (every observation equal) or an objective is not finite.
    var explained: Double {
        guard baseline.isFinite, baseline > 0, fitted.isFinite else { return .nan }
        return 1 - fitted / baseline
    }

    /// The caveat that makes a fit unconverged, or nil when the law explains at least `minimumExplained` (or there
    /// is nothing to explain).
    var caveat: String? {
        let explained = explained
        guard explained < Self.minimumExplained else { return nil }      // false for NaN
        return "no better than a constant: the law removes \(FitSearch.format(100 * max(explained, 0))) % of the "
            + "objective one value for every run leaves (\(FitSearch.format(fitted)) against \(FitSearch.format(baseline))), so "
            + "its parameters are arbitrary; the data show no trend it can follow (are two series mixed in one "
            + "table, such as raw and transformed losses, or two datasets?)"
    }

    /// min over c of Σᵢ wᵢ ρ(c − yᵢ), with the loss's own penalty and asymmetry. ρ is convex, so Σ wᵢ ρ'(c − yᵢ)
    /// is non-decreasing in c and changes sign in [min y, max y]: bisection on it finds a minimiser (any point of
    /// a flat bottom will do).
    static func objective(_ y: [Double], weights: [Double]?, loss: FitLoss) -> Double {
        guard var lo = y.min(), var hi = y.max(), lo < hi else { return 0 }
        func slope(_ c: Double) -> Double {
            var s = 0.0
            for i in y.indices { s += (weights?[i] ?? 1) * loss.evaluate(c - y[i]).1 }
            return s
        }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            guard mid > lo, mid < hi else { break }
            if slope(mid) < 0 { lo = mid } else { hi = mid }
        }
        let c = 0.5 * (lo + hi)
        var total = 0.0
        for i in y.indices { total += (weights?[i] ?? 1) * loss.evaluate(c - y[i]).0 }
        return total
    }
}
