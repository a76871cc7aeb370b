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

private func cPlan(_ p: TimedPlan) -> sk_timed_plan {
    sk_timed_plan(struct_size: MemoryLayout<sk_timed_plan>.size, params: p.parameters, min_tokens: p.minimumTokens,
                  tokens: p.tokens, batch: p.batch, critical_batch: p.criticalBatch, steps: p.steps,
                  min_steps: p.minimumSteps, devices_used: p.devicesUsed, compute: p.compute, seconds: p.seconds)
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
        try checkStructSize(UnsafeRawPointer(out).load(as: Int.self), expected: MemoryLayout<sk_timed_plan>.size, "sk_timed_plan")
        let frontier = try core {
            try Planner.timeAware(surface, loss: targetLoss, criticalBatch: law, hardware: machine, points: min(capacity, 4096))
        }
        for (i, p) in frontier.points.enumerated() { out[i] = cPlan(p) }
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
        try checkStructSize(UnsafeRawPointer(out).load(as: Int.self), expected: MemoryLayout<sk_timed_plan>.size, "sk_timed_plan")
        let plan = try core {
            try Planner.cheapestPlan(surface, loss: targetLoss, criticalBatch: law, hardware: machine, within: seconds)
        }
        if let plan { out.pointee = cPlan(plan) }
        found.pointee = plan == nil ? 0 : 1
    }
}
