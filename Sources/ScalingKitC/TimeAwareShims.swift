import CScalingKit
import ScalingKit

/// The batch-size law and the machine from their C forms.
private func inputs(_ coefficient: Double, _ exponent: Double, _ hardware: UnsafePointer<sk_hardware>?)
    throws(ScalingKitError) -> (CriticalBatchLaw, TrainingHardware)
{
    let p = try nonNull(hardware, "hardware")
    try checkStructSize(UnsafeRawPointer(p).load(as: Int.self), expected: MemoryLayout<sk_hardware>.size, "sk_hardware")
    let h = p.pointee
    guard h.devices >= 1, h.devices <= Int(Int32.max) else {
        throw ScalingKitError(.invalidArgument, "hardware->devices must be in 1...\(Int32.max) (got \(h.devices))")
    }
    return try core {
        (try CriticalBatchLaw(coefficient: coefficient, exponent: exponent),
         try TrainingHardware(devices: Int(h.devices), flopsPerSecond: h.flops_per_second, tokensPerDevice: h.tokens_per_device))
    }
}

/// sizeof(sk_timed_plan) in 0.4.0 and 0.4.1, before the fitted range was added.
private let timedPlanSize041 = 8 + 10 * 8

private func cPlan(_ p: TimedPlan) -> sk_timed_plan {
    let (range, within) = cRange(p.fitted, within: p.ratioWithinFitted)
    return sk_timed_plan(struct_size: MemoryLayout<sk_timed_plan>.size, params: p.parameters,
                         min_tokens: p.minimumTokens, tokens: p.tokens, batch: p.batch, critical_batch: p.criticalBatch,
                         steps: p.steps, min_steps: p.minimumSteps, devices_used: p.devicesUsed, compute: p.compute,
                         seconds: p.seconds, fitted: range, ratio_within_fitted: within)
}

/// The caller's sizeof(sk_timed_plan), read from out[0] (the current size or a 0.4.0/0.4.1 one): also the stride of
/// its array.
private func callerSize(_ out: UnsafeMutablePointer<sk_timed_plan>) throws(ScalingKitError) -> Int {
    let size = UnsafeRawPointer(out).load(as: Int.self)
    try checkStructSize(size, known: [MemoryLayout<sk_timed_plan>.size, timedPlanSize041], "sk_timed_plan")
    return size
}

/// Writes plan `index` of the caller's array, whose entries are `size` bytes apart, and no byte past its size.
private func write(_ plan: TimedPlan, to out: UnsafeMutablePointer<sk_timed_plan>, index: Int, size: Int)
    throws(ScalingKitError)
{
    let slot = (UnsafeMutableRawPointer(out) + index * size).assumingMemoryBound(to: sk_timed_plan.self)
    try writeVersioned(cPlan(plan), to: slot, size: size, "sk_timed_plan", earlierSizes: [timedPlanSize041])
}

@c @implementation
public func sk_plan_time_aware(_ fit: OpaquePointer?, _ targetLoss: Double, _ coefficient: Double, _ exponent: Double,
                               _ hardware: UnsafePointer<sk_hardware>?, _ out: UnsafeMutablePointer<sk_timed_plan>?,
                               _ capacity: Int, _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    guarded("sk_plan_time_aware") { () throws(ScalingKitError) in
        let surface = try FitHandle.borrow(fit).surface()
        let (law, machine) = try inputs(coefficient, exponent, hardware)
        let out = try nonNull(out, "out"), count = try nonNull(count, "count")
        let capacity = try checkedLength(capacity, "capacity")
        guard capacity >= 2 else { throw ScalingKitError(.invalidLength, "'capacity' is \(capacity): the frontier needs 2 points or more") }
        let size = try callerSize(out)
        let frontier = try core {
            try Planner.timeAware(surface, loss: targetLoss, criticalBatch: law, hardware: machine, points: min(capacity, 4096))
        }
        for (i, p) in frontier.points.enumerated() { try write(p, to: out, index: i, size: size) }
        count.pointee = frontier.points.count
    }
}

@c @implementation
public func sk_plan_within_deadline(_ fit: OpaquePointer?, _ targetLoss: Double, _ coefficient: Double,
                                    _ exponent: Double, _ hardware: UnsafePointer<sk_hardware>?, _ seconds: Double,
                                    _ out: UnsafeMutablePointer<sk_timed_plan>?, _ found: UnsafeMutablePointer<Int32>?) -> Int32 {
    guarded("sk_plan_within_deadline") { () throws(ScalingKitError) in
        let surface = try FitHandle.borrow(fit).surface()
        let (law, machine) = try inputs(coefficient, exponent, hardware)
        let out = try nonNull(out, "out"), found = try nonNull(found, "found")
        let size = try callerSize(out)
        let plan = try core {
            try Planner.cheapestPlan(surface, loss: targetLoss, criticalBatch: law, hardware: machine, within: seconds)
        }
        if let plan { try write(plan, to: out, index: 0, size: size) }
        found.pointee = plan == nil ? 0 : 1
    }
}
