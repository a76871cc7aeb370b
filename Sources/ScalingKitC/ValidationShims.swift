import CScalingKit
import ScalingKit

/// The errors and the counts the core computed, in the caller's version of the struct; none scored (nil): count 0
/// and NaN scores.
func write(_ e: PredictionErrors?, fitted: Int, failed: Int,
           to p: UnsafeMutablePointer<sk_prediction_errors>) throws(ScalingKitError) {
    let value = sk_prediction_errors(struct_size: MemoryLayout<sk_prediction_errors>.size, count: e?.count ?? 0,
                                     rmse: e?.rmse ?? .nan, max_relative_error: e?.maxRelativeError ?? .nan,
                                     mean_relative_error: e?.meanRelativeError ?? .nan, fitted: fitted, failed: failed)
    try writeVersioned(value, to: p, size: p.pointee.struct_size, "sk_prediction_errors")
}

@c @implementation
public func sk_law_holdout(
    _ law: OpaquePointer?, _ columns: UnsafePointer<UnsafePointer<Double>?>?, _ nColumns: Int,
    _ observed: UnsafePointer<Double>?, _ n: Int, _ split: UnsafePointer<Double>?, _ threshold: Double,
    _ options: UnsafePointer<sk_law_fit_options>?, _ errors: UnsafeMutablePointer<sk_prediction_errors>?,
    _ fitOut: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    guarded("sk_law_holdout") { () throws(ScalingKitError) in
        let handle = try LawHandle.borrow(law)
        let errors = try nonNull(errors, "errors")
        try checkStructSize(errors.pointee.struct_size, known: [MemoryLayout<sk_prediction_errors>.size],
                            "sk_prediction_errors")
        let data = try columnArrays(columns, nColumns, n, names: handle.law.inputs)
        let y = try doubles(observed, n, "observed")
        let s = try doubles(split, n, "split")
        let options = try convertLawOptions(options, law: handle.law, runs: n)
        let named = Dictionary(uniqueKeysWithValues: zip(handle.law.inputs, data))
        let result = try core {
            try handle.law.holdout(data: named, observed: y, split: s, threshold: threshold, options: options)
        }
        try write(result.errors, fitted: result.trainIndices.count, failed: 0, to: errors)
        fitOut?.pointee = FitHandle(general: result.fit).retainedPointer()
    }
}

@c @implementation
public func sk_law_leave_one_out(
    _ law: OpaquePointer?, _ columns: UnsafePointer<UnsafePointer<Double>?>?, _ nColumns: Int,
    _ observed: UnsafePointer<Double>?, _ n: Int, _ fitOptions: UnsafePointer<sk_law_fit_options>?,
    _ fit: OpaquePointer?, _ predictions: UnsafeMutablePointer<Double>?,
    _ errors: UnsafeMutablePointer<sk_prediction_errors>?
) -> Int32 {
    guarded("sk_law_leave_one_out") { () throws(ScalingKitError) in
        let predictions = try nonNull(predictions, "predictions")
        let errors = try nonNull(errors, "errors")
        try checkStructSize(errors.pointee.struct_size, known: [MemoryLayout<sk_prediction_errors>.size],
                            "sk_prediction_errors")
        let r = try Refit(law, columns, nColumns, observed, n, fitOptions, fit, unsupported: "the fit is not from sk_law_fit")
        let loo = try core {
            try r.law.leaveOneOut(data: r.data, observed: r.observed, fit: r.fit, threads: r.fit.options.threads)
        }
        for (i, v) in loo.predictions.enumerated() { predictions[i] = v }
        try write(loo.errors, fitted: n - r.fit.excludedIndices.count, failed: loo.failed, to: errors)
    }
}

@c @implementation
public func sk_law_rank(_ rmse: UnsafePointer<Double>?, _ paramCounts: UnsafePointer<Int>?, _ n: Int,
                        _ order: UnsafeMutablePointer<Int>?) -> Int32 {
    guarded("sk_law_rank") { () throws(ScalingKitError) in
        let r = try doubles(rmse, n, "rmse")
        let counts = Array(UnsafeBufferPointer(start: try nonNull(paramCounts, "param_counts"), count: r.count))
        if let i = counts.firstIndex(where: { $0 < 0 }) {
            throw ScalingKitError(.invalidArgument, "param_counts[\(i)] = \(UInt(bitPattern: counts[i])) is not a count")
        }
        let order = try nonNull(order, "order")
        for (k, i) in try LawComparison.rank(rmse: r, parameterCounts: counts).enumerated() { order[k] = i }
    }
}

/// What a refit of an sk_law_fit result needs (bootstrap, leave-one-out): the law, the fit carrying the caller's
/// options, and the runs by input name, converted and checked once.
struct Refit {
    let law: ScalingLaw
    var fit: LawFit
    let data: [String: [Double]]
    let observed: [Double]

    init(_ law: OpaquePointer?, _ columns: UnsafePointer<UnsafePointer<Double>?>?, _ nColumns: Int,
         _ observed: UnsafePointer<Double>?, _ n: Int, _ fitOptions: UnsafePointer<sk_law_fit_options>?,
         _ fit: OpaquePointer?, unsupported: String) throws(ScalingKitError) {
        self.law = try LawHandle.borrow(law).law
        guard case .general(let result) = try FitHandle.borrow(fit).law else {
            throw ScalingKitError(.unsupported, unsupported)
        }
        let arrays = try columnArrays(columns, nColumns, n, names: self.law.inputs)
        self.observed = try doubles(observed, n, "observed")
        self.fit = result
        self.fit.options = try convertLawOptions(fitOptions, law: self.law, runs: n)
        self.data = Dictionary(uniqueKeysWithValues: zip(self.law.inputs, arrays))
    }
}
