import CScalingKit
import ScalingKit

private func defaultMPLOptions() -> sk_mpl_options {
    let d = MultiPowerFitOptions()
    var o = sk_mpl_options()
    o.struct_size = MemoryLayout<sk_mpl_options>.size
    o.huber_delta = d.huberDelta
    o.optimizer.setDefaults(optimizer: d.optimizer, threads: d.threads, screening: d.screening)
    return o
}

@c @implementation
public func sk_mpl_options_init(_ options: UnsafeMutablePointer<sk_mpl_options>?, _ structSize: Int) -> Int32 {
    initVersioned("sk_mpl_options_init", options, structSize, "sk_mpl_options", defaultMPLOptions)
}

/// Copies one sk_loss_curve (the loss only when `withLoss`). size_t values beyond Int.max arrive negative.
private func convert(_ c: sk_loss_curve, _ label: String, withLoss: Bool) throws(ScalingKitError) -> LossCurve {
    let rates = try doubles(c.learning_rates, c.n_steps, "\(label).learning_rates", lengthName: "\(label).n_steps")
    let n = try checkedLength(c.n_obs, "\(label).n_obs")
    let stepsPointer = try nonNull(c.steps, "\(label).steps")
    let steps = Array(UnsafeBufferPointer(start: stepsPointer, count: n))
    if let bad = steps.firstIndex(where: { $0 < 0 }) {
        throw ScalingKitError(.invalidArgument, "\(label).steps[\(bad)] is \(UInt(bitPattern: steps[bad])), beyond any schedule")
    }
    guard c.warmup_steps >= 0 else {
        throw ScalingKitError(.invalidArgument, "\(label).warmup_steps is \(UInt(bitPattern: c.warmup_steps)), beyond the schedule")
    }
    let loss = withLoss ? try doubles(c.loss, n, "\(label).loss", lengthName: "\(label).n_obs") : []
    return LossCurve(learningRates: rates, warmupSteps: c.warmup_steps, steps: steps, loss: loss)
}

private func convert(_ p: UnsafePointer<sk_mpl_options>?) throws(ScalingKitError) -> MultiPowerFitOptions {
    var o = MultiPowerFitOptions()
    guard let p else { return o }
    let c = try readVersioned(p, "sk_mpl_options", defaults: defaultMPLOptions())
    o.huberDelta = c.huber_delta
    try c.optimizer.apply(to: &o.optimizer, threads: &o.threads, screening: &o.screening)
    o.startGrid = try startGrid(c.start_values, c.start_counts, c.start_counts_len,
                                parameters: MultiPowerLaw.parameterNames)
    return o
}

@c @implementation
public func sk_mpl_fit(_ curves: UnsafePointer<sk_loss_curve>?, _ nCurves: Int,
                       _ options: UnsafePointer<sk_mpl_options>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded("sk_mpl_fit") { () throws(ScalingKitError) in
        let out = try nonNull(out, "out")
        let curves = try nonNull(curves, "curves")
        let count = try checkedLength(nCurves, "n_curves")
        var converted: [LossCurve] = []
        for i in 0..<count { converted.append(try convert(curves[i], "curves[\(i)]", withLoss: true)) }
        let options = try convert(options)
        let fit = try core { try MultiPowerLaw.fit(curves: converted, options: options) }
        out.pointee = FitHandle(multiPower: fit).retainedPointer()
    }
}

@c @implementation
public func sk_mpl_predict(_ params: UnsafePointer<Double>?, _ nParams: Int, _ curve: UnsafePointer<sk_loss_curve>?,
                           _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_mpl_predict") { () throws(ScalingKitError) in
        let values = try doubles(params, nParams, "params", lengthName: "n_params")
        guard values.count == 7 else {
            throw ScalingKitError(.invalidLength, "n_params is \(values.count); the multi-power law has 7 (L0, A, alpha, B, C, beta, gamma)")
        }
        let c = try convert(try nonNull(curve, "curve").pointee, "curve", withLoss: false)
        let out = try nonNull(out, "out")
        let law = MultiPowerLaw(L0: values[0], A: values[1], alpha: values[2], B: values[3], C: values[4],
                                beta: values[5], gamma: values[6])
        let predicted = try core { try law.predict(learningRates: c.learningRates, warmupSteps: c.warmupSteps, steps: c.steps) }
        for (i, v) in predicted.enumerated() { out[i] = v }
    }
}

@c @implementation
public func sk_mpl_leave_one_out(_ curves: UnsafePointer<sk_loss_curve>?, _ nCurves: Int,
                                 _ options: UnsafePointer<sk_mpl_options>?,
                                 _ predictions: UnsafePointer<UnsafeMutablePointer<Double>?>?,
                                 _ perCurve: UnsafeMutablePointer<sk_prediction_errors>?,
                                 _ errors: UnsafeMutablePointer<sk_prediction_errors>?,
                                 _ fits: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded("sk_mpl_leave_one_out") { () throws(ScalingKitError) in
        let errors = try nonNull(errors, "errors")
        try checkStructSize(errors.pointee.struct_size, known: [MemoryLayout<sk_prediction_errors>.size],
                            "sk_prediction_errors")
        let curves = try nonNull(curves, "curves")
        let count = try checkedLength(nCurves, "n_curves")
        var converted: [LossCurve] = []
        for i in 0..<count { converted.append(try convert(curves[i], "curves[\(i)]", withLoss: true)) }
        var outputs: [UnsafeMutablePointer<Double>] = []
        if let predictions {
            for i in 0..<count { outputs.append(try nonNull(predictions[i], "predictions[\(i)]")) }
        }
        if let perCurve {
            for i in 0..<count {
                try checkStructSize(perCurve[i].struct_size, known: [MemoryLayout<sk_prediction_errors>.size],
                                    "per_curve[\(i)] (sk_prediction_errors)")
            }
        }
        let options = try convert(options)
        let result = try core { try MultiPowerLaw.leaveOneCurveOut(curves: converted, options: options) }
        for (c, held) in result.curves.enumerated() {
            if !outputs.isEmpty { for (i, v) in held.predictions.enumerated() { outputs[c][i] = v } }
            if let perCurve {
                try write(held.errors, fitted: held.fitted, failed: held.predicted ? 0 : 1,
                          to: perCurve + c)
            }
        }
        try write(result.errors, fitted: count - 1, failed: result.failed, to: errors)
        if let fits {       // last: nothing after it can fail, so no handle is left to leak
            for (c, held) in result.curves.enumerated() {
                fits[c] = held.fit.map { FitHandle(multiPower: $0).retainedPointer() }
            }
        }
    }
}
