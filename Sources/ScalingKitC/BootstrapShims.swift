import CScalingKit
import ScalingKit

/// The object behind an `sk_bootstrap *`. Immutable.
final class BootstrapHandle: CHandle {
    let bootstrap: Bootstrap
    /// The law of a law-fit bootstrap (for numerical plans); nil for a Chinchilla-fit bootstrap.
    let law: ScalingLaw?
    init(_ bootstrap: Bootstrap, law: ScalingLaw? = nil) { self.bootstrap = bootstrap; self.law = law }

    static let argumentName = "bootstrap"
}

/// sizeof(sk_bootstrap_options) in 0.4.0 and 0.4.1, before the clusters were added.
private let bootstrapOptionsSize041 = 8 + 4 * 8

private func defaultBootstrapOptions() -> sk_bootstrap_options {
    let d = BootstrapOptions()
    return sk_bootstrap_options(struct_size: MemoryLayout<sk_bootstrap_options>.size, replicates: d.replicates,
                                seed: d.seed, confidence: d.confidence, threads: d.threads, clusters: nil,
                                clusters_len: 0)
}

@c @implementation
public func sk_bootstrap_options_init(_ options: UnsafeMutablePointer<sk_bootstrap_options>?, _ structSize: Int) -> Int32 {
    initVersioned("sk_bootstrap_options_init", options, structSize, "sk_bootstrap_options",
                  earlierSizes: [bootstrapOptionsSize041], defaultBootstrapOptions)
}

private func convert(_ p: UnsafePointer<sk_bootstrap_options>?) throws(ScalingKitError) -> BootstrapOptions {
    var o = BootstrapOptions()
    guard let p else { return o }
    let c = try readVersioned(p, "sk_bootstrap_options", defaults: defaultBootstrapOptions(),
                              earlierSizes: [bootstrapOptionsSize041])
    o.replicates = try optionCount(c.replicates, "replicates")
    o.seed = UInt64(c.seed)
    o.confidence = c.confidence
    o.threads = try optionCount(c.threads, "threads")
    o.clusters = try optionalLabels(c.clusters, c.clusters_len)
    return o
}

@c @implementation
public func sk_chinchilla_bootstrap(
    _ N: UnsafePointer<Double>?, _ D: UnsafePointer<Double>?, _ loss: UnsafePointer<Double>?, _ n: Int,
    _ fit: OpaquePointer?, _ options: UnsafePointer<sk_bootstrap_options>?, _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    guarded("sk_chinchilla_bootstrap") { () throws(ScalingKitError) in
        let handle = try FitHandle.borrow(fit)
        guard case .chinchilla = handle.law, let result = handle.chinchillaFit else {
            throw ScalingKitError(.unsupported, "the fit is not from sk_chinchilla_fit; use sk_law_bootstrap")
        }
        let out = try nonNull(out, "out")
        let N = try doubles(N, n, "N"), D = try doubles(D, n, "D"), loss = try doubles(loss, n, "loss")
        let options = try convert(options)
        let b = try core { try ChinchillaLaw.bootstrap(N: N, D: D, loss: loss, fit: result, options: options) }
        out.pointee = BootstrapHandle(b).retainedPointer()
    }
}

@c @implementation
public func sk_law_bootstrap(
    _ law: OpaquePointer?, _ columns: UnsafePointer<UnsafePointer<Double>?>?, _ nColumns: Int,
    _ observed: UnsafePointer<Double>?, _ n: Int, _ fitOptions: UnsafePointer<sk_law_fit_options>?,
    _ fit: OpaquePointer?, _ options: UnsafePointer<sk_bootstrap_options>?, _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    guarded("sk_law_bootstrap") { () throws(ScalingKitError) in
        let out = try nonNull(out, "out")
        let r = try Refit(law, columns, nColumns, observed, n, fitOptions, fit,
                          unsupported: "the fit is not from sk_law_fit; use sk_chinchilla_bootstrap")
        let options = try convert(options)
        let b = try core { try r.law.bootstrap(data: r.data, observed: r.observed, fit: r.fit, options: options) }
        out.pointee = BootstrapHandle(b, law: r.fit.law).retainedPointer()
    }
}

@c @implementation
public func sk_bootstrap_free(_ bootstrap: OpaquePointer?) {
    BootstrapHandle.release(bootstrap)
}

@c @implementation
public func sk_bootstrap_get_info(_ bootstrap: OpaquePointer?, _ info: UnsafeMutablePointer<sk_bootstrap_info>?) -> Int32 {
    guarded("sk_bootstrap_get_info") { () throws(ScalingKitError) in
        let b = try BootstrapHandle.borrow(bootstrap).bootstrap
        let value = sk_bootstrap_info(struct_size: MemoryLayout<sk_bootstrap_info>.size,
                                      replicates: b.options.replicates, kept: b.samples.count, failed: b.failed,
                                      stalled: b.stalled, param_count: b.parameterNames.count,
                                      confidence: b.options.confidence)
        try writeVersioned(value, to: try nonNull(info, "info"), "sk_bootstrap_info")
    }
}

@c @implementation
public func sk_bootstrap_samples(_ bootstrap: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ len: Int) -> Int32 {
    guarded("sk_bootstrap_samples") { () throws(ScalingKitError) in
        let b = try BootstrapHandle.borrow(bootstrap).bootstrap
        try copyOut(b.samples.flatMap { $0 }, to: out, len, argument: "out",
                    "there are \(b.samples.count) replicates × \(b.parameterNames.count) parameters")
    }
}

private func estimate(_ s: Bootstrap.Summary) -> sk_estimate {
    sk_estimate(struct_size: MemoryLayout<sk_estimate>.size, estimate: s.estimate, standard_error: s.standardError,
                interval: sk_interval(s.interval, level: s.interval.level))
}

private func write(_ s: Bootstrap.Summary, to p: UnsafeMutablePointer<sk_estimate>?) throws(ScalingKitError) {
    guard let p else { return }
    try checkStructSize(p.pointee.struct_size, expected: MemoryLayout<sk_estimate>.size, "sk_estimate")
    p.pointee = estimate(s)
}

@c @implementation
public func sk_bootstrap_param(_ bootstrap: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                               _ out: UnsafeMutablePointer<sk_estimate>?) -> Int32 {
    guarded("sk_bootstrap_param") { () throws(ScalingKitError) in
        let b = try BootstrapHandle.borrow(bootstrap).bootstrap
        let key = try cString(name, "name", limit: 256)
        let out = try nonNull(out, "out")
        try write(try core { try b.summary(key) }, to: out)
    }
}

@c @implementation
public func sk_bootstrap_plan(
    _ bootstrap: OpaquePointer?, _ compute: Double, _ a: UnsafeMutablePointer<sk_estimate>?,
    _ params: UnsafeMutablePointer<sk_estimate>?, _ tokens: UnsafeMutablePointer<sk_estimate>?,
    _ ratio: UnsafeMutablePointer<sk_estimate>?, _ loss: UnsafeMutablePointer<sk_estimate>?
) -> Int32 {
    guarded("sk_bootstrap_plan") { () throws(ScalingKitError) in
        let handle = try BootstrapHandle.borrow(bootstrap)
        for p in [a, params, tokens, ratio, loss] {
            if let p { try checkStructSize(p.pointee.struct_size, expected: MemoryLayout<sk_estimate>.size, "sk_estimate") }
        }
        let b = handle.bootstrap
        let plan = try core { try b.computeOptimal(compute: compute, law: handle.law, threads: b.options.threads) }
        try write(plan.a, to: a)
        try write(plan.parameters, to: params)
        try write(plan.tokens, to: tokens)
        try write(plan.tokensPerParameter, to: ratio)
        try write(plan.loss, to: loss)
    }
}

@c @implementation
public func sk_bootstrap_allocate(_ bootstrap: OpaquePointer?, _ compute: Double,
                                  _ out: UnsafeMutablePointer<sk_bootstrap_allocation>?) -> Int32 {
    guarded("sk_bootstrap_allocate") { () throws(ScalingKitError) in
        let handle = try BootstrapHandle.borrow(bootstrap)
        let out = try nonNull(out, "out")
        try checkStructSize(out.pointee.struct_size, expected: MemoryLayout<sk_bootstrap_allocation>.size,
                            "sk_bootstrap_allocation")
        let b = handle.bootstrap
        let plan = try core { try b.computeOptimal(compute: compute, law: handle.law, threads: b.options.threads) }
        let (range, within) = cRange(plan.fitted, within: plan.ratioWithinFitted)
        out.pointee = sk_bootstrap_allocation(
            struct_size: MemoryLayout<sk_bootstrap_allocation>.size, compute: plan.compute, a: estimate(plan.a),
            params: estimate(plan.parameters), tokens: estimate(plan.tokens),
            tokens_per_param: estimate(plan.tokensPerParameter), loss: estimate(plan.loss), failed: plan.failed,
            fitted: range, ratio_within_fitted: within)
    }
}
