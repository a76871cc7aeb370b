import CScalingKit
import ScalingKit

/// The object behind an `sk_law *`: a compiled law plus the C strings its accessors hand out. Immutable.
final class LawHandle: CHandle {
    let law: ScalingLaw
    private let strings = CStrings()
    let cName, cFormula, cCitation: UnsafeMutablePointer<CChar>
    let cInputs, cParameters: [UnsafeMutablePointer<CChar>]

    init(_ law: ScalingLaw) {
        self.law = law
        cName = strings.copy(law.name)
        cFormula = strings.copy(law.formula)
        cCitation = strings.copy(law.citation)
        cInputs = strings.copies(law.inputs)
        cParameters = strings.copies(law.parameters)
    }

    static let argumentName = "law"
}

/// The catalogue is fixed for the life of the process.
private let catalogueList = ImmortalCString(ScalingLaw.catalogueNames.joined(separator: ","))

@c @implementation
public func sk_law_catalogue() -> UnsafePointer<CChar>? {
    catalogueList.pointer
}

@c @implementation
public func sk_law_from_name(_ name: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded("sk_law_from_name") { () throws(ScalingKitError) in
        let out = try nonNull(out, "out")
        let name = try cString(name, "name", limit: 256)
        let law = try core { try ScalingLaw.named(name) }
        out.pointee = LawHandle(law).retainedPointer()
    }
}

@c @implementation
public func sk_law_from_formula(
    _ formula: UnsafePointer<CChar>?, _ inputs: UnsafePointer<UnsafePointer<CChar>?>?, _ nInputs: Int,
    _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    guarded("sk_law_from_formula") { () throws(ScalingKitError) in
        let out = try nonNull(out, "out")
        let text = try cString(formula, "formula", limit: 1 << 20)
        let count = try checkedLength(nInputs, "n_inputs", allowZero: true)
        var names: [String] = []
        if count > 0 {
            let inputs = try nonNull(inputs, "inputs")
            for j in 0..<count { names.append(try cString(inputs[j], "inputs[\(j)]", limit: 256)) }
        }
        let law = try core { try ScalingLaw(formula: text, inputs: names) }
        out.pointee = LawHandle(law).retainedPointer()
    }
}

@c @implementation
public func sk_law_free(_ law: OpaquePointer?) {
    LawHandle.release(law)
}

@c @implementation
public func sk_law_name(_ law: OpaquePointer?) -> UnsafePointer<CChar>? {
    (try? LawHandle.borrow(law)).map { UnsafePointer($0.cName) } ?? emptyCString
}

@c @implementation
public func sk_law_formula(_ law: OpaquePointer?) -> UnsafePointer<CChar>? {
    (try? LawHandle.borrow(law)).map { UnsafePointer($0.cFormula) } ?? emptyCString
}

@c @implementation
public func sk_law_citation(_ law: OpaquePointer?) -> UnsafePointer<CChar>? {
    (try? LawHandle.borrow(law)).map { UnsafePointer($0.cCitation) } ?? emptyCString
}

@c @implementation
public func sk_law_input_count(_ law: OpaquePointer?) -> Int {
    (try? LawHandle.borrow(law))?.cInputs.count ?? 0
}

@c @implementation
public func sk_law_input_name(_ law: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    entry((try? LawHandle.borrow(law))?.cInputs, index)
}

@c @implementation
public func sk_law_param_count(_ law: OpaquePointer?) -> Int {
    (try? LawHandle.borrow(law))?.cParameters.count ?? 0
}

@c @implementation
public func sk_law_param_name(_ law: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    entry((try? LawHandle.borrow(law))?.cParameters, index)
}

private func defaultLawOptions() -> sk_law_fit_options {
    let d = LawFitOptions()
    var o = sk_law_fit_options()
    o.struct_size = MemoryLayout<sk_law_fit_options>.size
    o.loss = Int32(SK_LOSS_HUBER.rawValue)
    if case let .huber(delta) = d.loss.kind { o.huber_delta = delta }
    o.space = Int32(SK_SPACE_LOG.rawValue)
    o.over_prediction_weight = d.loss.overPredictionWeight
    o.method = Int32(SK_METHOD_LBFGS.rawValue)
    o.log_output = -1
    o.optimizer.setDefaults(optimizer: d.optimizer, threads: d.threads, screening: d.screening)
    o.search = Int32(SK_SEARCH_AUTOMATIC.rawValue)
    o.grid_step = d.gridStep
    o.exclude_highest_loss = d.excludeHighestLoss
    return o
}

@c @implementation
public func sk_law_fit_options_init(_ options: UnsafeMutablePointer<sk_law_fit_options>?, _ structSize: Int) -> Int32 {
    initVersioned("sk_law_fit_options_init", options, structSize, "sk_law_fit_options",
                  earlierSizes: [lawFitOptionsSize047], defaultLawOptions)
}

/// A per-parameter array: (NULL, 0) → nil; otherwise exactly one entry per parameter.
private func perParameter(_ p: UnsafePointer<Double>?, _ n: Int, _ name: String, _ parameters: [String])
    throws(ScalingKitError) -> [Double]?
{
    guard let values = try optionalAxis(p, n, name) else { return nil }
    guard values.count == parameters.count else {
        throw ScalingKitError(.invalidLength,
            "'\(name)_len' is \(values.count) but the law has \(parameters.count) parameters (\(parameters.joined(separator: ", ")))")
    }
    return values
}

/// sizeof(sk_law_fit_options) in 0.4.0–0.4.7, before the clusters were added.
private let lawFitOptionsSize047 = MemoryLayout<sk_law_fit_options>.offset(of: \sk_law_fit_options.clusters)!

func convertLawOptions(_ p: UnsafePointer<sk_law_fit_options>?, law: ScalingLaw, runs: Int) throws(ScalingKitError) -> LawFitOptions {
    var o = LawFitOptions()
    guard let p else { return o }
    let c = try readVersioned(p, "sk_law_fit_options", defaults: defaultLawOptions(), earlierSizes: [lawFitOptionsSize047])
    // The case tables list each enum's values in order (SK_LOSS_HUBER = 0, SK_SPACE_LOG = 0, SK_METHOD_LBFGS = 0).
    let kind = try enumCase(c.loss, [FitLoss.Kind.huber(delta: c.huber_delta), .squared], "options.loss (an sk_loss)")
    let space = try enumCase(c.space, [FitLoss.Space.log, .linear], "options.space (an sk_residual_space)")
    o.loss = FitLoss(kind, space: space, overPredictionWeight: c.over_prediction_weight)
    if let w = try optionalAxis(c.weights, c.weights_len, "weights") {
        guard w.count == runs else {
            throw ScalingKitError(.invalidLength, "'weights_len' is \(w.count) for \(runs) runs")
        }
        o.weights = w
    }
    if let labels = try optionalLabels(c.clusters, c.clusters_len) {
        guard labels.count == runs else {
            throw ScalingKitError(.invalidLength, "'clusters_len' is \(labels.count) for \(runs) runs")
        }
        o.clusters = labels
    }
    let names = law.parameters
    if let fixed = try perParameter(c.fixed, c.fixed_len, "fixed", names) {
        for (j, v) in fixed.enumerated() where !v.isNaN { o.fixed[names[j]] = v }
    }
    if let lower = try perParameter(c.lower, c.lower_len, "lower", names) {
        for (j, v) in lower.enumerated() where !v.isNaN { o.lowerBounds[names[j]] = v }
    }
    if let upper = try perParameter(c.upper, c.upper_len, "upper", names) {
        for (j, v) in upper.enumerated() where !v.isNaN { o.upperBounds[names[j]] = v }
    }
    for (name, values) in try startGrid(c.start_values, c.start_counts, c.start_counts_len, parameters: names) {
        o.startGrid[name] = values
    }
    let logLen = try checkedLength(c.log_scaled_len, "log_scaled_len", allowZero: true)
    if logLen > 0 {
        guard logLen == names.count else {
            throw ScalingKitError(.invalidLength, "'log_scaled_len' is \(logLen) but the law has \(names.count) parameters")
        }
        let flags = try nonNull(c.log_scaled, "log_scaled")
        for j in 0..<logLen where flags[j] != 0 { o.logScaled.insert(names[j]) }
    }
    try c.optimizer.apply(to: &o.optimizer, threads: &o.threads, screening: &o.screening)
    o.randomStarts = try optionCount(c.random_starts, "random_starts")
    o.seed = UInt64(c.seed)
    o.method = try enumCase(c.method, [LawFitOptions.Method.lbfgs, .levenbergMarquardt], "options.method (an sk_method)")
    // sk_search's values in order: SK_SEARCH_AUTOMATIC, SK_SEARCH_START_GRID, SK_SEARCH_SINGLE.
    o.search = try enumCase(c.search, [SearchStrategy.automatic, .startGrid, .single], "options.search (an sk_search)")
    o.gridStep = c.grid_step
    o.excludeHighestLoss = try optionCount(c.exclude_highest_loss, "exclude_highest_loss")
    switch c.log_output {
    case -1: o.predictsLog = nil
    case 0: o.predictsLog = false
    case 1: o.predictsLog = true
    default: throw ScalingKitError(.invalidArgument, "options.log_output = \(c.log_output) is not -1, 0 or 1")
    }
    return o
}

@c @implementation
public func sk_law_fit(
    _ law: OpaquePointer?, _ columns: UnsafePointer<UnsafePointer<Double>?>?, _ nColumns: Int,
    _ observed: UnsafePointer<Double>?, _ n: Int, _ options: UnsafePointer<sk_law_fit_options>?,
    _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    guarded("sk_law_fit") { () throws(ScalingKitError) in
        let handle = try LawHandle.borrow(law)
        let out = try nonNull(out, "out")
        let data = try columnArrays(columns, nColumns, n, names: handle.law.inputs)
        let y = try doubles(observed, n, "observed")
        let options = try convertLawOptions(options, law: handle.law, runs: n)
        let named = Dictionary(uniqueKeysWithValues: zip(handle.law.inputs, data))
        let fit = try core { try handle.law.fit(data: named, observed: y, options: options) }
        out.pointee = FitHandle(general: fit).retainedPointer()
    }
}

@c @implementation
public func sk_lr_schedule_areas(_ lr: UnsafePointer<Double>?, _ n: Int, _ decay: Double,
                                 _ s1: UnsafeMutablePointer<Double>?, _ s2: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_lr_schedule_areas") { () throws(ScalingKitError) in
        let rates = try doubles(lr, n, "lr")
        let s1 = try nonNull(s1, "s1"), s2 = try nonNull(s2, "s2")
        let (a, b) = try core { try ScheduleAreas.compute(learningRates: rates, decay: decay) }
        for i in 0..<n { s1[i] = a[i]; s2[i] = b[i] }
    }
}
