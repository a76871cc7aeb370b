/// Sample quantiles by linear interpolation between order statistics — Hyndman & Fan (1996) definition 7, the
/// default of numpy.percentile and R's quantile(), so intervals compare directly with those tools.
enum Percentile {
    /// `q` in [0, 1] of `sorted` (ascending, non-empty).
    static func of(sorted: [Double], _ q: Double) -> Double {
        let h = Double(sorted.count - 1) * q
        let lo = Int(h.rounded(.down)), hi = Swift.min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
}
