import CScalingKit
import ScalingKit

private func checkOut(_ out: UnsafeMutablePointer<sk_allocation>?) throws(ScalingKitError) {
    let out = try nonNull(out, "out")
    try checkStructSize(UnsafeRawPointer(out).load(as: Int.self), expected: MemoryLayout<sk_allocation>.size, "sk_allocation")
}

private func write(_ plan: ComputePlan, to out: UnsafeMutablePointer<sk_allocation>?) throws(ScalingKitError) {
    let out = try nonNull(out, "out")
    try writeVersioned(
        sk_allocation(struct_size: MemoryLayout<sk_allocation>.size, compute: plan.compute, params: plan.parameters,
                      tokens: plan.tokens, tokens_per_param: plan.tokensPerParameter, loss: plan.loss, a: plan.a, b: plan.b),
        to: out, size: UnsafeRawPointer(out).load(as: Int.self), "sk_allocation", earlierSizes: [])
}

@c @implementation
public func sk_plan_allocate(_ fit: OpaquePointer?, _ compute: Double, _ out: UnsafeMutablePointer<sk_allocation>?) -> Int32 {
    guarded("sk_plan_allocate") { () throws(ScalingKitError) in
        let surface = try FitHandle.borrow(fit).surface()
        try checkOut(out)
        let plan = try core { try Planner.computeOptimal(surface, compute: compute) }
        try write(plan, to: out)
    }
}

@c @implementation
public func sk_plan_minimum_compute(_ fit: OpaquePointer?, _ targetLoss: Double,
                                    _ out: UnsafeMutablePointer<sk_allocation>?) -> Int32 {
    guarded("sk_plan_minimum_compute") { () throws(ScalingKitError) in
        let surface = try FitHandle.borrow(fit).surface()
        try checkOut(out)
        let plan = try core { try Planner.minimumCompute(surface, targetLoss: targetLoss) }
        try write(plan, to: out)
    }
}
