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

    /// Whether the runs' N and D are too small to be counts of parameters and tokens: the largest model under 10⁵
    /// parameters, or the longest run under 10⁶ tokens (one step of a small language model's batch).
    ///
    /// Why: a law fits as well on N/10⁶ and D/10⁹ as on raw counts (Apple's ml-scalefit fits in those units for
    /// conditioning), and its predictions in those units are right; but a plan in FLOPs reads C = k·N·D in
    /// parameters and tokens, so from such a fit every plan is off by factors of 10⁶–10⁹ while its numbers still
    /// look plausible (the Epoch runs in those units plan N = 3.7e12, D/N = 0.0069 at 5.76e23 FLOPs).
    public var countsLookScaled: Bool { parameters.upperBound < 1e5 || tokens.upperBound < 1e6 }

    /// Throws where `countsLookScaled`, before a plan in FLOPs is made from these runs.
    func requireRawCounts() throws(ScalingKitError) {
        guard countsLookScaled else { return }
        throw ScalingKitError.invalid(
            "a plan in FLOPs (C = 6ND) needs N in parameters and D in tokens, but the fitted runs reach only "
            + "N = \(IsoFLOP.shortNumber(parameters.upperBound)) and D = \(IsoFLOP.shortNumber(tokens.upperBound)), "
            + "too small for a language-model sweep: if these are millions and billions (N/1e6, D/1e9), fit on raw "
            + "counts to plan (the fit's predictions in its own units stand)")
    }
}
