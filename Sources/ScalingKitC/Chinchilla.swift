import CScalingKit
import ScalingKit

/// The C defaults are the core's defaults: one source of truth.
private func defaultOptions() -> sk_chinchilla_options {
    let d = ChinchillaFitOptions()
    var o = sk_chinchilla_options()
    o.struct_size = MemoryLayout<sk_chinchilla_options>.size
    o.huber_delta = d.huberDelta
    o.exclude_highest_loss = d.excludeHighestLoss
    o.optimizer.setDefaults(optimizer: d.optimizer, threads: d.threads, screening: d.screening)
    return o
}

@c @implementation
public func sk_chinchilla_options_init(_ options: UnsafeMutablePointer<sk_chinchilla_options>?, _ structSize: Int) -> Int32 {
    initVersioned("sk_chinchilla_options_init", options, structSize, "sk_chinchilla_options",
                  earlierSizes: [chinchillaOptionsSize047], defaultOptions)
}

/// sizeof(sk_chinchilla_options) in 0.4.0–0.4.7, before the clusters were added.
private let chinchillaOptionsSize047 = MemoryLayout<sk_chinchilla_options>.offset(of: \sk_chinchilla_options.clusters)!

/// Converts C options to core options (validating what only C can get wrong; the core validates the rest).
private func convert(_ p: UnsafePointer<sk_chinchilla_options>?) throws(ScalingKitError) -> ChinchillaFitOptions {
    var options = ChinchillaFitOptions()
    guard let p else { return options }
    let c = try readVersioned(p, "sk_chinchilla_options", defaults: defaultOptions(), earlierSizes: [chinchillaOptionsSize047])
    options.huberDelta = c.huber_delta
    options.excludeHighestLoss = try optionCount(c.exclude_highest_loss, "exclude_highest_loss")
    try c.optimizer.apply(to: &options.optimizer, threads: &options.threads, screening: &options.screening)
    let g = StartGrid.hoffmann2022
    options.grid = StartGrid(
        alpha: try optionalAxis(c.start_alpha, c.start_alpha_len, "start_alpha") ?? g.alpha,
        beta: try optionalAxis(c.start_beta, c.start_beta_len, "start_beta") ?? g.beta,
        e: try optionalAxis(c.start_e, c.start_e_len, "start_e") ?? g.e,
        a: try optionalAxis(c.start_a, c.start_a_len, "start_a") ?? g.a,
        b: try optionalAxis(c.start_b, c.start_b_len, "start_b") ?? g.b)
    options.clusters = try optionalLabels(c.clusters, c.clusters_len)
    return options
}

@c @implementation
public func sk_chinchilla_fit(
    _ N: UnsafePointer<Double>?, _ D: UnsafePointer<Double>?, _ loss: UnsafePointer<Double>?, _ n: Int,
    _ options: UnsafePointer<sk_chinchilla_options>?, _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    guarded("sk_chinchilla_fit") { () throws(ScalingKitError) in
        let out = try nonNull(out, "out")
        let N = try doubles(N, n, "N"), D = try doubles(D, n, "D"), loss = try doubles(loss, n, "loss")
        let options = try convert(options)
        let fit = try core { try ChinchillaLaw.fit(N: N, D: D, loss: loss, options: options) }
        out.pointee = FitHandle(chinchilla: fit).retainedPointer()
    }
}

@c @implementation
public func sk_chinchilla_predict(
    _ fit: OpaquePointer?, _ N: UnsafePointer<Double>?, _ D: UnsafePointer<Double>?, _ n: Int,
    _ out: UnsafeMutablePointer<Double>?
) -> Int32 {
    guarded("sk_chinchilla_predict") { () throws(ScalingKitError) in
        let law = try FitHandle.borrow(fit).chinchilla()
        let N = try doubles(N, n, "N"), D = try doubles(D, n, "D")
        let out = try nonNull(out, "out")
        let values = try core { try law.losses(parameters: N, tokens: D) }
        for (i, v) in values.enumerated() { out[i] = v }
    }
}
