import CScalingKit
import ScalingKit

/// The object behind an `sk_gns *`: the estimator, mutated in place (its arrays are unique, so updates do not
/// allocate). It sits behind a pointer rather than in a stored property: a class property's in-place mutation pays
/// a dynamic exclusivity check on every call, a sizeable part of a ~50 ns update.
final class GNSHandle: CHandle {
    let state: UnsafeMutablePointer<GradientNoiseScale>

    init(_ estimator: GradientNoiseScale) {
        state = .allocate(capacity: 1)
        state.initialize(to: estimator)
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    var estimator: GradientNoiseScale {
        get { state.pointee }
        _modify { yield &state.pointee }
    }

    static let argumentName = "gns"
}

// The case tables of the header's enums, in their values' order.
private let constructions: [NoiseConstruction] = [.dataParallel, .accumulation, .perExample, .consecutive]
private let preconditionings: [NoisePreconditioning] = [.none, .whitened, .update]
private let units: [NoiseBatchUnit] = [.examples, .sequences, .tokens]

/// The core's `GradientNoiseScaleOptions()` in C terms.
private func defaultGNSOptions() -> sk_gns_options {
    let d = GradientNoiseScaleOptions()
    var smoothing: Int32 = 0, beta = NoiseSmoothing.defaultBeta, window = NoiseSmoothing.defaultWindow
    switch d.smoothing {
    case .ema(let b): beta = b
    case .window(let w): smoothing = 1; window = w
    case .cumulative: smoothing = 2
    case .adaptive: smoothing = 3
    }
    return sk_gns_options(struct_size: MemoryLayout<sk_gns_options>.size, smoothing: smoothing, ema_beta: beta,
                          window: window, construction: enumIndex(d.construction, constructions),
                          preconditioning: enumIndex(d.preconditioning, preconditionings),
                          dataset_size: d.datasetSize ?? 0, groups: d.groups, confidence: d.confidence,
                          batch_unit: enumIndex(d.batchUnit, units))
}

@c @implementation
public func sk_gns_options_init(_ options: UnsafeMutablePointer<sk_gns_options>?, _ structSize: Int) -> Int32 {
    initVersioned("sk_gns_options_init", options, structSize, "sk_gns_options", defaultGNSOptions)
}

@c @implementation
public func sk_gns_create(_ options: UnsafePointer<sk_gns_options>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded("sk_gns_create") { () throws(ScalingKitError) in
        let out = try nonNull(out, "out")
        let c = options == nil ? defaultGNSOptions()
            : try readVersioned(options!, "sk_gns_options", defaults: defaultGNSOptions())
        var o = GradientNoiseScaleOptions()
        switch try enumCase(c.smoothing, [0, 1, 2, 3], "options.smoothing (an sk_gns_smoothing)") {
        case 0: o.smoothing = .ema(beta: c.ema_beta)
        case 1: o.smoothing = .window(count: try optionCount(c.window, "window"))
        case 2: o.smoothing = .cumulative
        default: o.smoothing = .adaptive
        }
        o.batchUnit = try enumCase(c.batch_unit, units, "options.batch_unit (an sk_gns_unit)")
        o.construction = try enumCase(c.construction, constructions, "options.construction")
        o.preconditioning = try enumCase(c.preconditioning, preconditionings, "options.preconditioning")
        if c.dataset_size != 0 { o.datasetSize = c.dataset_size }
        o.groups = try optionCount(c.groups, "groups")
        o.confidence = c.confidence
        let estimator = try core { try GradientNoiseScale(options: o) }
        out.pointee = GNSHandle(estimator).retainedPointer()
    }
}

@c @implementation
public func sk_gns_free(_ gns: OpaquePointer?) {
    GNSHandle.release(gns)
}

@c @implementation
public func sk_gns_update(_ gns: OpaquePointer?, _ small: Double, _ big: Double, _ bs: Double, _ bb: Double,
                          _ lr: Double) -> Int32 {
    guarded("sk_gns_update") { () throws(ScalingKitError) in
        let h = try GNSHandle.borrow(gns)
        try core { try h.estimator.update(smallSquaredNorm: small, bigSquaredNorm: big, smallBatch: bs, bigBatch: bb, learningRate: lr) }
    }
}

@c @implementation
public func sk_gns_update_groups(_ gns: OpaquePointer?, _ small: UnsafePointer<Double>?, _ big: UnsafePointer<Double>?,
                                 _ n: Int, _ bs: Double, _ bb: Double, _ lr: Double) -> Int32 {
    guarded("sk_gns_update_groups") { () throws(ScalingKitError) in
        let h = try GNSHandle.borrow(gns)
        let small = try nonNull(small, "small_sq_norms"), big = try nonNull(big, "big_sq_norms")
        let n = try checkedLength(n, "n")
        try core {
            try h.estimator.update(smallSquaredNorms: UnsafeBufferPointer(start: small, count: n),
                                   bigSquaredNorms: UnsafeBufferPointer(start: big, count: n),
                                   smallBatch: bs, bigBatch: bb, learningRate: lr)
        }
    }
}

@c @implementation
public func sk_gns_update_ranks(_ gns: OpaquePointer?, _ local: UnsafePointer<Double>?, _ ranks: Int, _ reduced: Double,
                                _ localBatch: Double, _ lr: Double) -> Int32 {
    guarded("sk_gns_update_ranks") { () throws(ScalingKitError) in
        let h = try GNSHandle.borrow(gns)
        let local = try nonNull(local, "local_sq_norms")
        let ranks = try checkedLength(ranks, "ranks")
        try core {
            try h.estimator.update(rankSquaredNorms: UnsafeBufferPointer(start: local, count: ranks), reducedSquaredNorm: reduced,
                                   localBatch: localBatch, learningRate: lr)
        }
    }
}

@c @implementation
public func sk_gns_read(_ gns: OpaquePointer?, _ group: Int64, _ out: UnsafeMutablePointer<sk_gns_reading>?) -> Int32 {
    guarded("sk_gns_read") { () throws(ScalingKitError) in
        let h = try GNSHandle.borrow(gns)
        let out = try nonNull(out, "out")
        try checkStructSize(out.pointee.struct_size, expected: MemoryLayout<sk_gns_reading>.size, "sk_gns_reading")
        guard group >= -1, group < Int64(Int32.max) else {
            throw ScalingKitError(.invalidArgument, "group \(group) is out of range (-1 for the total)")
        }
        let r = try core { try h.estimator.read(group: group == -1 ? nil : Int(group)) }
        out.pointee = sk_gns_reading(
            struct_size: MemoryLayout<sk_gns_reading>.size, gradient_squared: r.gradientSquared,
            trace_covariance: r.traceCovariance, b_simple: r.simpleNoiseScale ?? .nan,
            stderr_b_simple: r.standardError ?? .nan, interval: sk_interval(r.interval, level: h.estimator.options.confidence),
            measurements: r.measurements, effective_measurements: r.effectiveMeasurements, learning_rate: r.learningRate,
            batch_size: r.batchSize, valid: r.valid ? 1 : 0, temperature_changed: r.temperatureChanged ? 1 : 0,
            biased: r.biased ? 1 : 0, preconditioning: enumIndex(r.preconditioning, preconditionings),
            construction: enumIndex(r.construction, constructions), batch_unit: enumIndex(r.batchUnit, units),
            horizon: r.horizon, drift: r.drift, learning_rate_min: r.learningRateRange.lower,
            learning_rate_max: r.learningRateRange.upper, inconsistent: r.inconsistent ? 1 : 0)
    }
}

@c @implementation
public func sk_gns_reset(_ gns: OpaquePointer?) -> Int32 {
    guarded("sk_gns_reset") { () throws(ScalingKitError) in
        try GNSHandle.borrow(gns).estimator.reset()
    }
}

// MARK: - Trade-off and conversions

private func cTradeoff(_ f: BatchTradeoffFit) -> sk_cbs_tradeoff {
    var t = sk_cbs_tradeoff()   // zeroed, `message` included
    t.struct_size = MemoryLayout<sk_cbs_tradeoff>.size
    t.target_loss = f.targetLoss ?? .nan
    t.min_steps = f.minimumSteps
    t.min_examples = f.minimumExamples
    t.critical_batch = f.criticalBatch
    t.critical_batch_interval = sk_interval(f.criticalBatchInterval, level: f.confidence)
    t.min_steps_interval = sk_interval(f.minimumStepsInterval, level: f.confidence)
    t.min_examples_interval = sk_interval(f.minimumExamplesInterval, level: f.confidence)
    t.rms_log_residual = f.rmsLogResidual
    t.points = f.points
    t.identified = f.identified ? 1 : 0
    withUnsafeMutableBytes(of: &t.message) { copyCString(f.message, into: $0) }
    return t
}

/// sizeof(sk_cbs_tradeoff) in 0.4.0-0.4.5, before `message`: its offset rounded up to the struct's alignment (the
/// old struct ended in `int identified` and padding, where `message` now begins).
private let tradeoffSize045: Int = {
    let end = MemoryLayout<sk_cbs_tradeoff>.offset(of: \sk_cbs_tradeoff.message)!
    let align = MemoryLayout<sk_cbs_tradeoff>.alignment
    return (end + align - 1) / align * align
}()

@c @implementation
public func sk_cbs_tradeoff_fit(_ batch: UnsafePointer<Double>?, _ steps: UnsafePointer<Double>?, _ n: Int,
                                _ confidence: Double, _ out: UnsafeMutablePointer<sk_cbs_tradeoff>?) -> Int32 {
    guarded("sk_cbs_tradeoff_fit") { () throws(ScalingKitError) in
        let b = try doubles(batch, n, "batch"), s = try doubles(steps, n, "steps")
        let out = try nonNull(out, "out")
        let size = UnsafeRawPointer(out).load(as: Int.self)
        try checkStructSize(size, known: [MemoryLayout<sk_cbs_tradeoff>.size, tradeoffSize045], "sk_cbs_tradeoff")
        let f = try core { try BatchTradeoff.fit(batch: b, steps: s, confidence: confidence) }
        try writeVersioned(cTradeoff(f), to: out, size: size, "sk_cbs_tradeoff", earlierSizes: [tradeoffSize045])
    }
}

@c @implementation
public func sk_cbs_tradeoff_fit_targets(_ batch: UnsafePointer<Double>?, _ steps: UnsafePointer<Double>?,
                                        _ target: UnsafePointer<Double>?, _ n: Int, _ confidence: Double,
                                        _ fits: UnsafeMutablePointer<sk_cbs_tradeoff>?, _ capacity: Int,
                                        _ count: UnsafeMutablePointer<Int>?, _ bStar: UnsafeMutablePointer<Double>?,
                                        _ alphaB: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_cbs_tradeoff_fit_targets") { () throws(ScalingKitError) in
        let b = try doubles(batch, n, "batch"), s = try doubles(steps, n, "steps"), L = try doubles(target, n, "target_loss")
        let fits = try nonNull(fits, "fits"), count = try nonNull(count, "count")
        let bStar = try nonNull(bStar, "b_star"), alphaB = try nonNull(alphaB, "alpha_b")
        // The caller's element size: an array built against an earlier header is strided by its own sizeof.
        let size = UnsafeRawPointer(fits).load(as: Int.self)
        try checkStructSize(size, known: [MemoryLayout<sk_cbs_tradeoff>.size, tradeoffSize045], "sk_cbs_tradeoff")
        let r = try core { try BatchTradeoff.fit(batch: b, steps: s, targetLoss: L, confidence: confidence) }
        guard r.fits.count <= capacity else {
            throw ScalingKitError(.invalidLength, "capacity \(UInt(bitPattern: capacity)) is below the \(r.fits.count) targets")
        }
        for (i, f) in r.fits.enumerated() {
            let element = (UnsafeMutableRawPointer(fits) + i * size).assumingMemoryBound(to: sk_cbs_tradeoff.self)
            try writeVersioned(cTradeoff(f), to: element, size: size, "sk_cbs_tradeoff", earlierSizes: [tradeoffSize045])
        }
        count.pointee = r.fits.count
        bStar.pointee = r.law?.criticalBatchAtUnitLoss ?? .nan
        alphaB.pointee = r.law?.alphaB ?? .nan
    }
}

@c @implementation
public func sk_cbs_steps_to_target(_ steps: UnsafePointer<Double>?, _ loss: UnsafePointer<Double>?, _ n: Int,
                                   _ target: Double, _ step: UnsafeMutablePointer<Double>?,
                                   _ reached: UnsafeMutablePointer<Int32>?) -> Int32 {
    guarded("sk_cbs_steps_to_target") { () throws(ScalingKitError) in
        let s = try doubles(steps, n, "steps"), l = try doubles(loss, n, "loss")
        let step = try nonNull(step, "step"), reached = try nonNull(reached, "reached")
        switch try core({ try StepsToTarget.crossing(steps: s, loss: l, target: target) }) {
        case .reached(let at): (step.pointee, reached.pointee) = (at, 1)
        case .notReached: (step.pointee, reached.pointee) = (.nan, 0)
        case .atFirstStep: (step.pointee, reached.pointee) = (.nan, -1)
        }
    }
}

@c @implementation
public func sk_cbs_steps_table(_ run: UnsafePointer<Int64>?, _ batch: UnsafePointer<Double>?, _ step: UnsafePointer<Double>?,
                               _ loss: UnsafePointer<Double>?, _ n: Int, _ targets: UnsafePointer<Double>?, _ nTargets: Int,
                               _ outRun: UnsafeMutablePointer<Int64>?, _ outBatch: UnsafeMutablePointer<Double>?,
                               _ outSteps: UnsafeMutablePointer<Double>?, _ outReached: UnsafeMutablePointer<Int32>?,
                               _ capacity: Int, _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    guarded("sk_cbs_steps_table") { () throws(ScalingKitError) in
        let rows = try checkedLength(n, "n")
        let labels = Array(UnsafeBufferPointer(start: try nonNull(run, "run"), count: rows))
        let b = try doubles(batch, n, "batch"), s = try doubles(step, n, "step"), l = try doubles(loss, n, "loss")
        let t = try doubles(targets, nTargets, "targets", lengthName: "n_targets")
        let outRun = try nonNull(outRun, "out_run"), outBatch = try nonNull(outBatch, "out_batch")
        let outSteps = try nonNull(outSteps, "out_steps"), outReached = try nonNull(outReached, "out_reached")
        let count = try nonNull(count, "count")
        let entries = try core { try StepsToTarget.table(run: labels, batch: b, step: s, loss: l, targets: t) }
        guard entries.count <= capacity else {
            throw ScalingKitError(.invalidLength, "capacity \(UInt(bitPattern: capacity)) is below the \(entries.count) (run, target) pairs")
        }
        for (k, e) in entries.enumerated() {
            outRun[k] = e.run
            outBatch[k] = e.batch
            outSteps[k] = e.steps ?? .nan
            switch e.crossing {
            case .reached: outReached[k] = 1
            case .notReached: outReached[k] = 0
            case .atFirstStep: outReached[k] = -1
            }
        }
        count.pointee = entries.count
    }
}

@c @implementation
public func sk_cbs_convert(_ definition: Int32, _ criticalBatch: Double, _ theta: Double, _ reference: Double,
                           _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_cbs_convert") { () throws(ScalingKitError) in
        let out = try nonNull(out, "out")
        switch definition {
        case 0: out.pointee = try core { try CriticalBatch.overheadBatch(theta: theta, criticalBatch: criticalBatch) }
        case 1: out.pointee = try core { try CriticalBatch.zhang(referenceBatch: reference, criticalBatch: criticalBatch, theta: theta) }
        default: throw ScalingKitError(.invalidArgument, "definition is \(definition): not one of 0 ... 1")
        }
    }
}

@c @implementation
public func sk_cbs_cost(_ batch: Double, _ criticalBatch: Double, _ initialBatch: Double, _ noiseScale: Double,
                        _ steps: UnsafeMutablePointer<Double>?, _ examples: UnsafeMutablePointer<Double>?,
                        _ efficiency: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_cbs_cost") { () throws(ScalingKitError) in
        let steps = try nonNull(steps, "relative_steps"), examples = try nonNull(examples, "relative_examples")
        let efficiency = try nonNull(efficiency, "efficiency")
        let c = try core { try CriticalBatch.relativeCost(batch: batch, criticalBatch: criticalBatch) }
        let e = noiseScale.isNaN ? nil
            : try core { try CriticalBatch.statisticalEfficiency(batch: batch, initialBatch: initialBatch, noiseScale: noiseScale) }
        steps.pointee = c.steps
        examples.pointee = c.examples
        efficiency.pointee = e?.efficiency ?? .nan
    }
}

@c @implementation
public func sk_cbs_law(_ name: UnsafePointer<CChar>?, _ x: Double, _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_cbs_law") { () throws(ScalingKitError) in
        let name = try cString(name, "name")
        let out = try nonNull(out, "batch_tokens")
        guard let law = BatchLaw(rawValue: name) else {
            throw ScalingKitError(.invalidArgument, "unknown batch law '\(name)'; known: \(BatchLaw.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        out.pointee = try core { try law.batchTokens(at: x) }
    }
}

@c @implementation
public func sk_cbs_schedule(_ coefficient: Double, _ exponent: Double, _ totalTokens: Double, _ minBatch: Double,
                            _ maxBatch: Double, _ fraction: Double, _ tokens: UnsafeMutablePointer<Double>?,
                            _ batch: UnsafeMutablePointer<Double>?, _ capacity: Int, _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    guarded("sk_cbs_schedule") { () throws(ScalingKitError) in
        let tokens = try nonNull(tokens, "tokens"), batch = try nonNull(batch, "batch"), count = try nonNull(count, "count")
        let s = try core {
            try BatchSchedule.following(coefficient: coefficient, exponent: exponent, totalTokens: totalTokens,
                                        minimumBatch: minBatch, maximumBatch: maxBatch, fraction: fraction)
        }
        guard s.tokens.count <= capacity else {
            throw ScalingKitError(.invalidLength, "capacity \(UInt(bitPattern: capacity)) is below the \(s.tokens.count) schedule entries")
        }
        for i in s.tokens.indices { tokens[i] = s.tokens[i]; batch[i] = s.batch[i] }
        count.pointee = s.tokens.count
    }
}

/// Writes f(x[i]) to out[0 ..< n]: the shape of every vectorised evaluator below.
private func evaluate(_ x: UnsafePointer<Double>?, _ n: Int, _ xName: String, _ out: UnsafeMutablePointer<Double>?,
                      _ outName: String, _ f: (Double) throws -> Double) throws(ScalingKitError) {
    let values = try doubles(x, n, xName)
    let out = try nonNull(out, outName)
    for (i, v) in values.enumerated() {
        do { out[i] = try core { try f(v) } } catch { throw ScalingKitError(error.code, "\(xName)[\(i)]: \(error.message)") }
    }
}

@c @implementation
public func sk_power_law_evaluate(_ coefficient: Double, _ exponent: Double, _ x: UnsafePointer<Double>?, _ n: Int,
                                  _ y: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_power_law_evaluate") { () throws(ScalingKitError) in
        try evaluate(x, n, "x", y, "y") { try PowerLawFit.evaluate(coefficient: coefficient, exponent: exponent, at: $0) }
    }
}

@c @implementation
public func sk_cbs_steps(_ minSteps: Double, _ criticalBatch: Double, _ batch: UnsafePointer<Double>?, _ n: Int,
                         _ steps: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_cbs_steps") { () throws(ScalingKitError) in
        try evaluate(batch, n, "batch", steps, "steps") {
            try CriticalBatch.steps(minimumSteps: minSteps, criticalBatch: criticalBatch, batch: $0)
        }
    }
}

@c @implementation
public func sk_cbs_kaplan_critical_batch(_ bStar: Double, _ alphaB: Double, _ loss: UnsafePointer<Double>?, _ n: Int,
                                         _ batch: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_cbs_kaplan_critical_batch") { () throws(ScalingKitError) in
        try evaluate(loss, n, "loss", batch, "batch") {
            try CriticalBatch.kaplan(criticalBatchAtUnitLoss: bStar, alphaB: alphaB, loss: $0)
        }
    }
}
