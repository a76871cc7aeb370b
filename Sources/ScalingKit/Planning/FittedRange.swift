/// The span of (N, D, D/N) the runs behind a fit covered, so that a plan can say how far it reaches beyond them.
///
/// Why: a compute-optimal plan is an extrapolation by design (its N is ten or a hundred times the largest run), but
/// its split of the budget between N and D rests on how the law trades N against D, which only the sampled
/// tokens-per-parameter ratios constrain. On the (Mis)Fitting sweep (Li et al. 2025, 261 final checkpoints,
/// D/N 1.4–218) the Hoffmann form plans D/N ≈ 0.4 at 10²² FLOPs (measured by this library), outside every ratio it
/// was fitted on; the survey's own analysis code finds D/N ≈ 0.05 at large C for that form against 28 with α = β
/// tied. A planner that shows the ratio without the range it was fitted on lets that pass as a recommendation.
public struct FittedRange: Sendable, Equatable {
    /// Smallest and largest N among the runs used (weight > 0, not excluded).
    public var parameters: ClosedRange<Double>
    /// Smallest and largest D among the runs used.
    public var tokens: ClosedRange<Double>
    /// Smallest and largest D/N among the runs used.
    public var tokensPerParameter: ClosedRange<Double>

    /// The range of the runs with positive weight (all when `weights` is nil); nil when none is left or N and D
    /// differ in length.
    public init?(parameters N: [Double], tokens D: [Double], weights: [Double]? = nil) {
        guard N.count == D.count, weights == nil || weights!.count == N.count else { return nil }
        let used = N.indices.filter { weights == nil || weights![$0] > 0 }
        guard !used.isEmpty else { return nil }
        let n = used.map { N[$0] }, d = used.map { D[$0] }, r = used.map { D[$0] / N[$0] }
        guard let nLo = n.min(), let nHi = n.max(), let dLo = d.min(), let dHi = d.max(),
              let rLo = r.min(), let rHi = r.max() else { return nil }
        parameters = nLo...nHi
        tokens = dLo...dHi
        tokensPerParameter = rLo...rHi
    }

    /// Whether a plan's D/N lies among the fitted runs' ratios.
    public func covers(tokensPerParameter ratio: Double) -> Bool { tokensPerParameter.contains(ratio) }
}
