import CScalingKit
import ScalingKit

/// sizeof(sk_allocation) and sizeof(sk_inference_plan) in 0.4.0, before the fitted range was added.
private let allocationSize040 = 8 + 7 * 8
private let inferencePlanSize040 = 8 + 11 * 8

/// A fitted range as C fields (NaN where unknown) and the within flag (1, 0, -1 unknown).
func cRange(_ r: FittedRange?, within: Bool?) -> (sk_fitted_range, Int32) {
    let nan = Double.nan
    return (sk_fitted_range(params_min: r?.parameters.lowerBound ?? nan, params_max: r?.parameters.upperBound ?? nan,
                            tokens_min: r?.tokens.lowerBound ?? nan, tokens_max: r?.tokens.upperBound ?? nan,
                            ratio_min: r?.tokensPerParameter.lowerBound ?? nan,
                            ratio_max: r?.tokensPerParameter.upperBound ?? nan),
            within.map { $0 ? 1 : 0 } ?? -1)
}

private func checkOut(_ out: UnsafeMutablePointer<sk_allocation>?) throws(ScalingKitError) {
    let out = try nonNull(out, "out")
    try checkStructSize(UnsafeRawPointer(out).load(as: Int.self), known: [MemoryLayout<sk_allocation>.size, allocationSize040],
                        "sk_allocation")
}

private func write(_ plan: ComputePlan, to out: UnsafeMutablePointer<sk_allocation>?) throws(ScalingKitError) {
    let out = try nonNull(out, "out")
    let (range, within) = cRange(plan.fitted, within: plan.ratioWithinFitted)
    try writeVersioned(
        sk_allocation(struct_size: MemoryLayout<sk_allocation>.size, compute: plan.compute, params: plan.parameters,
                      tokens: plan.tokens, tokens_per_param: plan.tokensPerParameter, loss: plan.loss, a: plan.a, b: plan.b,
                      fitted: range, ratio_within_fitted: within),
        to: out, size: UnsafeRawPointer(out).load(as: Int.self), "sk_allocation", earlierSizes: [allocationSize040])
}

/// The body of the functions that plan one sk_allocation from a fit's loss surface.
private func allocate(_ function: StaticString, _ fit: OpaquePointer?, _ out: UnsafeMutablePointer<sk_allocation>?,
                      _ plan: (LossSurface) throws -> ComputePlan) -> Int32 {
    guarded(function) { () throws(ScalingKitError) in
        let surface = try FitHandle.borrow(fit).surface()
        try checkOut(out)
        try write(try core { try plan(surface) }, to: out)
    }
}

@c @implementation
public func sk_plan_allocate(_ fit: OpaquePointer?, _ compute: Double, _ out: UnsafeMutablePointer<sk_allocation>?) -> Int32 {
    allocate("sk_plan_allocate", fit, out) { try Planner.computeOptimal($0, compute: compute) }
}

@c @implementation
public func sk_plan_minimum_compute(_ fit: OpaquePointer?, _ targetLoss: Double,
                                    _ out: UnsafeMutablePointer<sk_allocation>?) -> Int32 {
    allocate("sk_plan_minimum_compute", fit, out) { try Planner.minimumCompute($0, targetLoss: targetLoss) }
}

@c @implementation
public func sk_plan_inference_aware(_ fit: OpaquePointer?, _ targetLoss: Double, _ inferenceTokens: Double,
                                    _ out: UnsafeMutablePointer<sk_inference_plan>?) -> Int32 {
    guarded("sk_plan_inference_aware") { () throws(ScalingKitError) in
        let surface = try FitHandle.borrow(fit).surface()
        let out = try nonNull(out, "out")
        let size = UnsafeRawPointer(out).load(as: Int.self)
        try checkStructSize(size, known: [MemoryLayout<sk_inference_plan>.size, inferencePlanSize040], "sk_inference_plan")
        let p = try core { try Planner.inferenceAware(surface, loss: targetLoss, inferenceTokens: inferenceTokens) }
        let (range, within) = cRange(p.fitted, within: p.ratioWithinFitted)
        let value = sk_inference_plan(
            struct_size: MemoryLayout<sk_inference_plan>.size, loss: p.loss, inference_tokens: p.inferenceTokens,
            params: p.parameters, tokens: p.trainingTokens, training_flops: p.trainingFLOPs,
            inference_flops: p.inferenceFLOPs, total_flops: p.totalFLOPs, optimal_params: p.trainingOptimal.parameters,
            optimal_tokens: p.trainingOptimal.tokens, optimal_total_flops: p.trainingOptimalTotalFLOPs,
            saved_flops: p.savedFLOPs, fitted: range, ratio_within_fitted: within)
        try writeVersioned(value, to: out, size: size, "sk_inference_plan", earlierSizes: [inferencePlanSize040])
    }
}

@c @implementation
public func sk_plan_at_ratio(_ fit: OpaquePointer?, _ compute: Double, _ tokensPerParam: Double,
                             _ out: UnsafeMutablePointer<sk_allocation>?) -> Int32 {
    allocate("sk_plan_at_ratio", fit, out) {
        try Planner.atTokensPerParameter($0, compute: compute, tokensPerParameter: tokensPerParam)
    }
}
