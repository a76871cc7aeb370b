import CScalingKit
import ScalingKit

/// `FitDiagnostics` as the C struct: the one mapping every fit's info goes through. `names`: the handle's parameter
/// names, in which the most-moved parameter is given by index.
private func cInfo(_ d: FitDiagnostics, excluded: Int, names: [String]) -> sk_fit_info {
    let influence = d.outlying.influence, allocation = influence?.allocation
    return sk_fit_info(struct_size: MemoryLayout<sk_fit_info>.size, objective: d.objective, gradient_norm: d.gradientNorm,
                converged: d.converged ? 1 : 0, iterations: d.iterations, evaluations: d.evaluations, starts: d.starts,
                starts_converged: d.startsConverged, starts_at_optimum: d.startsAtOptimum, points_used: d.pointsUsed,
                points_excluded: excluded, starts_refined: d.startsRefined, relative_gradient: d.relativeGradient,
                predicted_decrease: d.predictedDecrease, explained: d.explained, repeated_points: d.repeated.points,
                repeated_runs: d.repeated.runs, repeat_spread: d.repeated.spread,
                outlying_runs: d.outlying.rows.count, outlier_score: d.outlying.largest,
                outliers_highest: d.outlying.highestObserved ? 1 : 0,
                outlier_influence: influence?.largest.standardErrors ?? .nan,
                outlier_influence_without: influence?.largest.withoutRuns ?? .nan,
                outlier_allocation_without: allocation?.withoutRuns ?? .nan,
                outlier_allocation_shift: allocation?.standardErrors ?? .nan,
                outlier_influence_param: influence.flatMap { names.firstIndex(of: $0.largest.parameter) }.map(Int32.init) ?? -1)
}

/// sk_fit_info as 0.4.0–0.4.2 defined it: everything before `explained`.
private let fitInfoSize042 = MemoryLayout<sk_fit_info>.offset(of: \sk_fit_info.explained)!
/// sk_fit_info as 0.4.3–0.4.4 defined it: everything before `repeated_points`.
private let fitInfoSize044 = MemoryLayout<sk_fit_info>.offset(of: \sk_fit_info.repeated_points)!
/// sk_fit_info as 0.4.5 defined it: everything before `outlying_runs`.
private let fitInfoSize045 = MemoryLayout<sk_fit_info>.offset(of: \sk_fit_info.outlying_runs)!
/// sk_fit_info as 0.4.6 defined it: everything before `outlier_influence` (a double, so its offset is the old
/// struct's size with the padding after `outliers_highest`).
private let fitInfoSize046 = MemoryLayout<sk_fit_info>.offset(of: \sk_fit_info.outlier_influence)!

/// What the `sk_fit_*` accessors read, the same for every kind of fit.
struct FitSummary {
    var values: [Double]
    var names: [String]
    var inputs: [String]
    var atBound: [Bool]
    var excluded: [Int]
    /// Rows of the outlying runs.
    var outliers: [Int] = []
    var info: sk_fit_info
    var message: String
    /// The search description of a law fit ("" otherwise).
    var search = ""
    /// The notes on the data: runs that share every input but disagree, outlying runs, weakly determined
    /// parameters ("" without).
    var dataNote = ""
    /// Weakly determined parameters (multi-power fits), as the header's struct.
    var weak: [sk_weak_param] = []
}

/// The object behind an `sk_fit *`: a core fit result, its `FitSummary` (read through: `handle.values`) and the C
/// strings the accessors hand out. Immutable after creation, so concurrent reads are safe.
@dynamicMemberLookup
final class FitHandle: CHandle {
    enum Law {
        case chinchilla(ChinchillaLaw)
        case general(LawFit)
        case multiPower(MultiPowerFit)
    }

    let law: Law
    /// The full Chinchilla result (needed to bootstrap it).
    let chinchillaFit: ChinchillaFit?
    let summary: FitSummary
    /// C strings owned by the handle: the message, the search, the data note, parameter and input names.
    private let strings = CStrings()
    let cMessage, cSearch, cDataNote: UnsafeMutablePointer<CChar>
    let cNames, cInputs: [UnsafeMutablePointer<CChar>]

    private init(_ law: Law, _ summary: FitSummary, chinchillaFit: ChinchillaFit? = nil) {
        self.law = law
        self.summary = summary
        self.chinchillaFit = chinchillaFit
        cMessage = strings.copy(summary.message)
        cSearch = strings.copy(summary.search)
        cDataNote = strings.copy(summary.dataNote)
        cNames = strings.copies(summary.names)
        cInputs = strings.copies(summary.inputs)
    }

    subscript<T>(dynamicMember key: KeyPath<FitSummary, T>) -> T { summary[keyPath: key] }

    convenience init(chinchilla fit: ChinchillaFit) {
        self.init(.chinchilla(fit.law),
                  FitSummary(values: fit.law.parameterValues, names: ChinchillaLaw.parameterNames, inputs: ["N", "D"],
                             atBound: [Bool](repeating: false, count: 5), excluded: fit.excludedIndices,
                             outliers: fit.diagnostics.outlying.rows,
                             info: cInfo(fit.diagnostics, excluded: fit.excludedIndices.count,
                                         names: ChinchillaLaw.parameterNames),
                             message: fit.message, dataNote: fit.diagnostics.dataNote(inputNames: ["N", "D"]) ?? ""),
                  chinchillaFit: fit)
    }

    convenience init(general fit: LawFit) {
        self.init(.general(fit),
                  FitSummary(values: fit.values, names: fit.law.parameters, inputs: fit.law.inputs,
                             atBound: fit.law.parameters.map { fit.parametersAtBound.contains($0) },
                             excluded: fit.excludedIndices, outliers: fit.diagnostics.outlying.rows,
                             info: cInfo(fit.diagnostics, excluded: fit.excludedIndices.count, names: fit.law.parameters),
                             message: fit.message, search: fit.search.description,
                             dataNote: fit.diagnostics.dataNote(inputNames: fit.law.inputs) ?? ""))
    }

    convenience init(multiPower fit: MultiPowerFit) {
        let names = MultiPowerLaw.parameterNames
        self.init(.multiPower(fit),
                  FitSummary(values: fit.law.parameterValues, names: names, inputs: [],
                             atBound: names.map { fit.parametersAtBound.contains($0) }, excluded: [],
                             info: cInfo(fit.diagnostics, excluded: 0, names: names), message: fit.message,
                             dataNote: fit.weaklyDetermined.note() ?? "",
                             weak: fit.weaklyDetermined.parameters.map { q in
                                 sk_weak_param(struct_size: MemoryLayout<sk_weak_param>.size,
                                               param: Int32(names.firstIndex(of: q.name) ?? -1),
                                               partner: Int32(q.partner.flatMap { names.firstIndex(of: $0) } ?? -1),
                                               value: q.value, standard_error: q.standardError,
                                               correlation: q.correlation)
                             }))
    }

    static let argumentName = "fit"

    func chinchilla() throws(ScalingKitError) -> ChinchillaLaw {
        guard case .chinchilla(let law) = law else {
            throw ScalingKitError(.unsupported, "this fit is not a Chinchilla fit from sk_chinchilla_fit; use sk_fit_predict")
        }
        return law
    }

    /// The fitted law as a loss surface over (N, D), for the planner.
    func surface() throws(ScalingKitError) -> LossSurface {
        switch law {
        case .chinchilla(let l): return chinchillaFit.map { LossSurface($0) } ?? LossSurface(l)
        case .general(let fit): return try core { try LossSurface(fit) }
        case .multiPower:
            throw ScalingKitError(.unsupported, "a multi-power-law fit describes a loss curve, not a loss surface over N and D")
        }
    }

    /// Predictions at new inputs (one column per input).
    func predict(_ columns: [[Double]]) throws(ScalingKitError) -> [Double] {
        switch law {
        case .chinchilla(let l): return try core { try l.losses(parameters: columns[0], tokens: columns[1]) }
        case .general(let fit): return try core { try fit.law.evaluate(parameters: fit.values, columns: columns) }
        case .multiPower:
            throw ScalingKitError(.unsupported, "a multi-power-law fit predicts from a schedule: use sk_mpl_predict")
        }
    }
}

@c @implementation
public func sk_fit_free(_ fit: OpaquePointer?) {
    FitHandle.release(fit)
}

@c @implementation
public func sk_fit_get_info(_ fit: OpaquePointer?, _ info: UnsafeMutablePointer<sk_fit_info>?) -> Int32 {
    guarded("sk_fit_get_info") { () throws(ScalingKitError) in
        let handle = try FitHandle.borrow(fit)
        let info = try nonNull(info, "info")
        try writeVersioned(handle.info, to: info, "sk_fit_info", earlierSizes: [fitInfoSize042, fitInfoSize044, fitInfoSize045, fitInfoSize046])
    }
}

@c @implementation
public func sk_fit_data_note(_ fit: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = try? FitHandle.borrow(fit) else { return emptyCString }
    return UnsafePointer(handle.cDataNote)
}

@c @implementation
public func sk_fit_message(_ fit: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = try? FitHandle.borrow(fit) else { return emptyCString }
    return UnsafePointer(handle.cMessage)
}

@c @implementation
public func sk_fit_search(_ fit: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = try? FitHandle.borrow(fit) else { return emptyCString }
    return UnsafePointer(handle.cSearch)
}

@c @implementation
public func sk_fit_param_count(_ fit: OpaquePointer?) -> Int {
    (try? FitHandle.borrow(fit))?.values.count ?? 0
}

@c @implementation
public func sk_fit_param_name(_ fit: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    entry((try? FitHandle.borrow(fit))?.cNames, index)
}

@c @implementation
public func sk_fit_params(_ fit: OpaquePointer?, _ values: UnsafeMutablePointer<Double>?, _ len: Int) -> Int32 {
    guarded("sk_fit_params") { () throws(ScalingKitError) in
        let handle = try FitHandle.borrow(fit)
        try copyOut(handle.values, to: values, len, argument: "values", "the fit has \(handle.values.count) parameters")
    }
}

@c @implementation
public func sk_fit_param(_ fit: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ value: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_fit_param") { () throws(ScalingKitError) in
        let handle = try FitHandle.borrow(fit)
        let key = try cString(name, "name", limit: 256)
        let value = try nonNull(value, "value")
        guard let i = handle.names.firstIndex(of: key) else {
            throw ScalingKitError(.invalidArgument,
                "unknown parameter '\(key)'; this fit has \(handle.names.joined(separator: ", "))")
        }
        value.pointee = handle.values[i]
    }
}

@c @implementation
public func sk_fit_excluded_count(_ fit: OpaquePointer?) -> Int {
    (try? FitHandle.borrow(fit))?.excluded.count ?? 0
}

@c @implementation
public func sk_fit_excluded(_ fit: OpaquePointer?, _ indices: UnsafeMutablePointer<Int>?, _ len: Int) -> Int32 {
    guarded("sk_fit_excluded") { () throws(ScalingKitError) in
        let handle = try FitHandle.borrow(fit)
        try copyOut(handle.excluded, to: indices, len, argument: "indices", "the fit excluded \(handle.excluded.count) points")
    }
}

@c @implementation
public func sk_fit_outliers(_ fit: OpaquePointer?, _ rows: UnsafeMutablePointer<Int>?, _ len: Int) -> Int32 {
    guarded("sk_fit_outliers") { () throws(ScalingKitError) in
        let handle = try FitHandle.borrow(fit)
        try copyOut(handle.outliers, to: rows, len, argument: "rows", "the fit has \(handle.outliers.count) outlying runs")
    }
}

@c @implementation
public func sk_fit_weak_param_count(_ fit: OpaquePointer?) -> Int {
    (try? FitHandle.borrow(fit))?.weak.count ?? 0
}

@c @implementation
public func sk_fit_weak_param_at(_ fit: OpaquePointer?, _ index: Int, _ param: UnsafeMutablePointer<sk_weak_param>?) -> Int32 {
    guarded("sk_fit_weak_param_at") { () throws(ScalingKitError) in
        let weak = try FitHandle.borrow(fit).weak
        let param = try nonNull(param, "param")
        guard index >= 0, index < weak.count else {
            throw ScalingKitError(.invalidLength, "index \(UInt(bitPattern: index)) is out of range (\(weak.count) weakly determined parameters)")
        }
        try writeVersioned(weak[index], to: param, "sk_weak_param")
    }
}

@c @implementation
public func sk_fit_input_count(_ fit: OpaquePointer?) -> Int {
    (try? FitHandle.borrow(fit))?.inputs.count ?? 0
}

@c @implementation
public func sk_fit_input_name(_ fit: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    entry((try? FitHandle.borrow(fit))?.cInputs, index)
}

@c @implementation
public func sk_fit_param_at_bound(_ fit: OpaquePointer?, _ index: Int) -> Int32 {
    guard let handle = try? FitHandle.borrow(fit), index >= 0, index < handle.atBound.count else { return 0 }
    return handle.atBound[index] ? 1 : 0
}

@c @implementation
public func sk_fit_predict(
    _ fit: OpaquePointer?, _ columns: UnsafePointer<UnsafePointer<Double>?>?, _ nColumns: Int, _ n: Int,
    _ out: UnsafeMutablePointer<Double>?
) -> Int32 {
    guarded("sk_fit_predict") { () throws(ScalingKitError) in
        let handle = try FitHandle.borrow(fit)
        if case .multiPower = handle.law {
            throw ScalingKitError(.unsupported, "a multi-power-law fit predicts from a schedule: use sk_mpl_predict")
        }
        let data = try columnArrays(columns, nColumns, n, names: handle.inputs)
        let out = try nonNull(out, "out")
        for (i, v) in try handle.predict(data).enumerated() { out[i] = v }
    }
}

@c @implementation
public func sk_fit_predict_interval(
    _ fit: OpaquePointer?, _ columns: UnsafePointer<UnsafePointer<Double>?>?, _ nColumns: Int, _ n: Int,
    _ kind: Int32, _ level: Double, _ estimate: UnsafeMutablePointer<Double>?,
    _ lower: UnsafeMutablePointer<Double>?, _ upper: UnsafeMutablePointer<Double>?
) -> Int32 {
    guarded("sk_fit_predict_interval") { () throws(ScalingKitError) in
        let handle = try FitHandle.borrow(fit)
        let intervals: ([[Double]], IntervalKind) throws -> PredictionIntervals
        switch handle.law {
        case .general(let lawFit):
            intervals = { data, k in
                try lawFit.predict(Dictionary(uniqueKeysWithValues: zip(handle.inputs, data)), interval: k, level: level)
            }
        case .chinchilla:
            guard let c = handle.chinchillaFit else { throw ScalingKitError(.internal, "Chinchilla fit without its result") }
            intervals = { data, k in try c.predict(parameters: data[0], tokens: data[1], interval: k, level: level) }
        case .multiPower:
            throw ScalingKitError(.unsupported, "a multi-power-law fit predicts from a schedule: use sk_mpl_predict")
        }
        let data = try columnArrays(columns, nColumns, n, names: handle.inputs)
        // sk_interval_kind's values in order: SK_INTERVAL_CONFIDENCE, SK_INTERVAL_PREDICTION.
        let k = try enumCase(kind, [IntervalKind.confidence, .prediction], "kind (an sk_interval_kind)")
        let r = try core { try intervals(data, k) }
        for i in 0..<n {
            estimate?[i] = r.estimate[i]
            lower?[i] = r.lower[i]
            upper?[i] = r.upper[i]
        }
    }
}
