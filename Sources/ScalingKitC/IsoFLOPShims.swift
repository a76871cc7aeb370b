import CScalingKit
import ScalingKit

/// The object behind an `sk_isoflop *`: the core result plus the C strings it hands out. Immutable.
final class IsoFLOPHandle: CHandle {
    let result: IsoFLOP.Result
    private let strings = CStrings()
    let cMessage: UnsafeMutablePointer<CChar>
    let cNotes: [UnsafeMutablePointer<CChar>]

    init(_ result: IsoFLOP.Result) {
        self.result = result
        cMessage = strings.copy(result.message)
        cNotes = strings.copies(result.budgets.map { $0.note ?? "" })
    }

    static let argumentName = "result"
}

private func defaultIsoFLOPOptions() -> sk_isoflop_options {
    let d = IsoFLOP.Options()
    return sk_isoflop_options(struct_size: MemoryLayout<sk_isoflop_options>.size,
                              min_runs_per_budget: d.minimumRunsPerBudget,
                              require_interior_minimum: d.requireInteriorMinimum ? 1 : 0, confidence: d.confidence)
}

@c @implementation
public func sk_isoflop_options_init(_ options: UnsafeMutablePointer<sk_isoflop_options>?, _ structSize: Int) -> Int32 {
    initVersioned("sk_isoflop_options_init", options, structSize, "sk_isoflop_options", defaultIsoFLOPOptions)
}

@c @implementation
public func sk_isoflop_fit(
    _ N: UnsafePointer<Double>?, _ D: UnsafePointer<Double>?, _ loss: UnsafePointer<Double>?,
    _ budget: UnsafePointer<Double>?, _ n: Int, _ options: UnsafePointer<sk_isoflop_options>?,
    _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    guarded("sk_isoflop_fit") { () throws(ScalingKitError) in
        let out = try nonNull(out, "out")
        let N = try doubles(N, n, "N"), D = try doubles(D, n, "D"), loss = try doubles(loss, n, "loss")
        let budget = try doubles(budget, n, "budget")
        var o = IsoFLOP.Options()
        if let options {
            let c = try readVersioned(options, "sk_isoflop_options", defaults: defaultIsoFLOPOptions())
            o.minimumRunsPerBudget = try optionCount(c.min_runs_per_budget, "min_runs_per_budget")
            o.requireInteriorMinimum = try flag(c.require_interior_minimum, "require_interior_minimum")
            o.confidence = c.confidence
        }
        let result = try core { try IsoFLOP.fit(N: N, D: D, loss: loss, budget: budget, options: o) }
        out.pointee = IsoFLOPHandle(result).retainedPointer()
    }
}

@c @implementation
public func sk_isoflop_get_info(_ result: OpaquePointer?, _ info: UnsafeMutablePointer<sk_isoflop_info>?) -> Int32 {
    guarded("sk_isoflop_get_info") { () throws(ScalingKitError) in
        let r = try IsoFLOPHandle.borrow(result).result
        let info = try nonNull(info, "info")
        let a = r.parameters, b = r.tokens
        let value = sk_isoflop_info(
            struct_size: MemoryLayout<sk_isoflop_info>.size,
            a: a.exponent, a_stderr: a.standardError ?? .nan, a_interval: sk_interval(a.interval, level: a.confidence),
            n_coefficient: a.coefficient,
            b: b.exponent, b_stderr: b.standardError ?? .nan, b_interval: sk_interval(b.interval, level: b.confidence),
            d_coefficient: b.coefficient, has_intervals: a.interval == nil ? 0 : 1,
            budgets: r.budgets.count, budgets_used: r.budgetsUsed)
        try writeVersioned(value, to: info, "sk_isoflop_info")
    }
}

@c @implementation
public func sk_isoflop_budget_count(_ result: OpaquePointer?) -> Int {
    (try? IsoFLOPHandle.borrow(result))?.result.budgets.count ?? 0
}

@c @implementation
public func sk_isoflop_budget_at(_ result: OpaquePointer?, _ index: Int, _ out: UnsafeMutablePointer<sk_isoflop_budget>?) -> Int32 {
    guarded("sk_isoflop_budget_at") { () throws(ScalingKitError) in
        let budgets = try IsoFLOPHandle.borrow(result).result.budgets
        let out = try nonNull(out, "out")
        guard index >= 0, index < budgets.count else {
            throw ScalingKitError(.invalidLength, "index \(UInt(bitPattern: index)) is not below the \(budgets.count) budgets")
        }
        let b = budgets[index]
        let vertex = b.optimalParameters != nil && b.optimalTokens != nil
        let value = sk_isoflop_budget(
            struct_size: MemoryLayout<sk_isoflop_budget>.size, compute: b.compute, runs: b.runs, used: b.used ? 1 : 0,
            has_vertex: vertex ? 1 : 0,
            n_opt: b.vertexParameters ?? .nan, d_opt: b.vertexTokens ?? .nan,
            min_loss: b.minimumLoss ?? .nan, curvature_n: b.curvatureN, curvature_d: b.curvatureD)
        try writeVersioned(value, to: out, "sk_isoflop_budget")
    }
}

@c @implementation
public func sk_isoflop_budget_note(_ result: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    guard let h = try? IsoFLOPHandle.borrow(result), index >= 0, index < h.cNotes.count else { return emptyCString }
    return UnsafePointer(h.cNotes[index])
}

@c @implementation
public func sk_isoflop_message(_ result: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let h = try? IsoFLOPHandle.borrow(result) else { return emptyCString }
    return UnsafePointer(h.cMessage)
}

@c @implementation
public func sk_isoflop_free(_ result: OpaquePointer?) {
    IsoFLOPHandle.release(result)
}

private func defaultEnvelopeOptions() -> sk_envelope_options {
    let d = Envelope.Options()
    return sk_envelope_options(struct_size: MemoryLayout<sk_envelope_options>.size, grid_points: d.gridPoints,
                               min_runs_covering: d.minimumRunsCovering, exclude_edge_sizes: d.excludeEdgeSizes ? 1 : 0,
                               confidence: d.confidence)
}

@c @implementation
public func sk_envelope_options_init(_ options: UnsafeMutablePointer<sk_envelope_options>?, _ structSize: Int) -> Int32 {
    initVersioned("sk_envelope_options_init", options, structSize, "sk_envelope_options", defaultEnvelopeOptions)
}

/// sizeof(sk_envelope_info) in 0.4.0-0.4.4, before `segments`.
private let envelopeInfoSize044 = MemoryLayout<sk_envelope_info>.offset(of: \sk_envelope_info.segments)!

@c @implementation
public func sk_envelope_fit(
    _ run: UnsafePointer<Double>?, _ N: UnsafePointer<Double>?, _ compute: UnsafePointer<Double>?,
    _ loss: UnsafePointer<Double>?, _ n: Int, _ options: UnsafePointer<sk_envelope_options>?,
    _ info: UnsafeMutablePointer<sk_envelope_info>?
) -> Int32 {
    guarded("sk_envelope_fit") { () throws(ScalingKitError) in
        let run = try doubles(run, n, "run"), N = try doubles(N, n, "N")
        let compute = try doubles(compute, n, "compute"), loss = try doubles(loss, n, "loss")
        let info = try nonNull(info, "info")
        let size = UnsafeRawPointer(info).load(as: Int.self)
        try checkStructSize(size, known: [MemoryLayout<sk_envelope_info>.size, envelopeInfoSize044], "sk_envelope_info")
        var o = Envelope.Options()
        if let options {
            let c = try readVersioned(options, "sk_envelope_options", defaults: defaultEnvelopeOptions())
            o.gridPoints = try optionCount(c.grid_points, "grid_points")
            o.minimumRunsCovering = try optionCount(c.min_runs_covering, "min_runs_covering")
            o.excludeEdgeSizes = try flag(c.exclude_edge_sizes, "exclude_edge_sizes")
            o.confidence = c.confidence
        }
        let r = try core { try Envelope.fit(run: run, N: N, compute: compute, loss: loss, options: o) }
        let a = r.parameters, b = r.tokens
        let value = sk_envelope_info(
            struct_size: size, a: a.exponent, a_stderr: a.standardError ?? .nan, n_coefficient: a.coefficient,
            a_interval: sk_interval(a.interval, level: a.confidence), b: b.exponent, b_stderr: b.standardError ?? .nan,
            d_coefficient: b.coefficient, b_interval: sk_interval(b.interval, level: b.confidence),
            points: r.points.count, sizes: r.sizes, segments: r.segments)
        try writeVersioned(value, to: info, size: size, "sk_envelope_info", earlierSizes: [envelopeInfoSize044])
    }
}
