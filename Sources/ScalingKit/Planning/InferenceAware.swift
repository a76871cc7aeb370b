#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plan that minimises training plus inference FLOPs for a model of a given loss.
public struct InferenceAwarePlan: Sendable, Equatable {
    /// The loss the model must reach.
    public var loss: Double
    /// Tokens the model will serve over its life.
    public var inferenceTokens: Double
    /// Parameters N of the cheapest model reaching `loss` with that demand.
    public var parameters: Double
    /// Its training tokens D.
    public var trainingTokens: Double
    /// 6·N·D_train (the planner's FLOPs per parameter per token).
    public var trainingFLOPs: Double
    /// 2·N·D_inference (a forward pass).
    public var inferenceFLOPs: Double
    /// Training plus inference FLOPs.
    public var totalFLOPs: Double { trainingFLOPs + inferenceFLOPs }
    /// The training-compute-optimal model of the same loss (what Chinchilla would train) and its total cost with the
    /// same inference demand.
    public var trainingOptimal: ComputePlan
    /// Training plus inference FLOPs of the training-optimal model.
    public var trainingOptimalTotalFLOPs: Double
    /// trainingOptimalTotalFLOPs − totalFLOPs (≥ 0).
    public var savedFLOPs: Double { trainingOptimalTotalFLOPs - totalFLOPs }
    /// The span of the runs behind the fit (nil for a law not fitted to runs of N and D).
    public var fitted: FittedRange? = nil
    /// D_train/N of the plan.
    public var tokensPerParameter: Double { trainingTokens / parameters }
    /// Whether D_train/N lies among the fitted runs' ratios; nil where the range is unknown. Heavy inference pushes
    /// it past the training-optimal ratio: outside the fitted ones, the loss reached at that D is the law's
    /// extrapolation along D, and so is the saving.
    public var ratioWithinFitted: Bool? { fitted?.covers(tokensPerParameter: tokensPerParameter) }
}

extension Planner {
    /// Sardana et al. (2024), "Beyond Chinchilla-Optimal", §3: minimise 6·N·D_tr + 2·N·D_inf subject to
    /// L(N, D_tr) = `loss`, for `inferenceTokens` tokens served over the model's life. For each N the training tokens
    /// that reach the loss are found by bisection in ln D (the loss falls with D); the total is minimised over ln N
    /// by a scan and golden-section search. With no inference this is the training-compute-optimal model of that loss.
    /// - Throws: `ScalingKitError` for a loss the law cannot reach, negative or non-finite inference tokens, or a
    ///   law without a finite optimum.
    public static func inferenceAware(_ surface: LossSurface, loss: Double, inferenceTokens: Double) throws -> InferenceAwarePlan {
        guard inferenceTokens.isFinite, inferenceTokens >= 0 else {
            throw ScalingKitError.invalid("inference tokens must be finite and >= 0 (got \(inferenceTokens))")
        }
        try surface.fitted?.requireRawCounts()
        let reference = try minimumCompute(surface, targetLoss: loss)
        let k = surface.flopsPerParameterToken
        func total(_ logN: Double) -> Double {
            let N = exp(logN)
            guard let D = tokensReaching(surface, loss: loss, parameters: N) else { return .infinity }
            return k * N * D + 2 * N * inferenceTokens
        }
        // Smaller models need more tokens; none below some size reach the loss at all. Scan ln N from 1 to 100× the
        // training-optimal size.
        let top = log(reference.parameters) + log(100)
        let count = 241
        let xs = (0..<count).map { top * Double($0) / Double(count - 1) }
        let values = xs.map(total)
        guard case .minimum(let x) = try refineMinimum(xs, values, tolerance: 1e-10, total) else {
            throw ScalingKitError.invalid("no interior optimum of training plus inference FLOPs for loss \(loss)")
        }
        let N = exp(x)
        guard let D = tokensReaching(surface, loss: loss, parameters: N) else { throw ScalingKitError.invalid("the optimum lost its token count (internal)") }
        let referenceTotal = reference.compute + 2 * reference.parameters * inferenceTokens
        return InferenceAwarePlan(loss: loss, inferenceTokens: inferenceTokens, parameters: N, trainingTokens: D,
                                  trainingFLOPs: k * N * D, inferenceFLOPs: 2 * N * inferenceTokens,
                                  trainingOptimal: reference, trainingOptimalTotalFLOPs: referenceTotal,
                                  fitted: surface.fitted)
    }
}

extension Planner {
    /// The training tokens at which a model of `parameters` parameters reaches `loss`: bisection in ln D to 1e-13
    /// relative (the loss falls with D). Nil where even 10³⁰ tokens do not reach it.
    static func tokensReaching(_ surface: LossSurface, loss: Double, parameters N: Double) -> Double? {
        var lo = 0.0, hi = log(1e30)
        guard let far = try? surface.loss(parameters: N, tokens: exp(hi)), far <= loss else { return nil }
        if let near = try? surface.loss(parameters: N, tokens: 1), near <= loss { return 1 }
        while hi - lo > 1e-13 * hi {
            let mid = 0.5 * (lo + hi)
            if let v = try? surface.loss(parameters: N, tokens: exp(mid)), v <= loss { hi = mid } else { lo = mid }
        }
        return exp(hi)
    }
}
