import CScalingKit
import ScalingKit

/// The object behind an `sk_hp_sweep *`: the core result, its message and the cells' notes as C strings. Immutable.
final class SweepHandle: CHandle {
    let result: HyperparameterSweep.Result
    private let strings = CStrings()
    let cMessage: UnsafeMutablePointer<CChar>
    let cNotes: [UnsafeMutablePointer<CChar>]

    init(_ result: HyperparameterSweep.Result) {
        self.result = result
        let strings = self.strings
        cMessage = strings.copy(result.message)
        cNotes = result.cells.map { strings.copy($0.note) }
    }

    static let argumentName = "sweep"
}

@c @implementation
public func sk_hp_sweep_fit(_ N: UnsafePointer<Double>?, _ D: UnsafePointer<Double>?, _ lr: UnsafePointer<Double>?,
                            _ batch: UnsafePointer<Double>?, _ loss: UnsafePointer<Double>?,
                            _ weightDecay: UnsafePointer<Double>?, _ n: Int,
                            _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded("sk_hp_sweep_fit") { () throws(ScalingKitError) in
        let out = try nonNull(out, "out")
        let N = try doubles(N, n, "N"), D = try doubles(D, n, "D"), lr = try doubles(lr, n, "lr")
        let batch = try doubles(batch, n, "batch"), loss = try doubles(loss, n, "loss")
        let wd = weightDecay == nil ? nil : try doubles(weightDecay, n, "weight_decay")
        let result = try core { try HyperparameterSweep.fit(N: N, D: D, learningRate: lr, batch: batch, loss: loss, weightDecay: wd) }
        out.pointee = SweepHandle(result).retainedPointer()
    }
}

@c @implementation
public func sk_hp_sweep_free(_ sweep: OpaquePointer?) {
    SweepHandle.release(sweep)
}

@c @implementation
public func sk_hp_sweep_message(_ sweep: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let h = try? SweepHandle.borrow(sweep) else { return emptyCString }
    return UnsafePointer(h.cMessage)
}

/// sk_hp_sweep_info as 0.4.0–0.4.3 declared it (before the support fields).
private let sweepInfoSize043 = MemoryLayout<sk_hp_sweep_info>.offset(of: \sk_hp_sweep_info.lr_support_N)!

@c @implementation
public func sk_hp_sweep_get_info(_ sweep: OpaquePointer?, _ info: UnsafeMutablePointer<sk_hp_sweep_info>?) -> Int32 {
    guarded("sk_hp_sweep_get_info") { () throws(ScalingKitError) in
        let r = try SweepHandle.borrow(sweep).result
        let info = try nonNull(info, "info")
        let lr = r.learningRate, b = r.batch
        let value = sk_hp_sweep_info(
            struct_size: MemoryLayout<sk_hp_sweep_info>.size, lr_coefficient: lr.coefficient,
            lr_exponent_N: lr.exponentN ?? .nan, lr_exponent_D: lr.exponentD ?? .nan,
            lr_stderr_N: lr.standardErrorN ?? .nan, lr_stderr_D: lr.standardErrorD ?? .nan, lr_points: lr.points,
            has_batch_law: b == nil ? 0 : 1, batch_coefficient: b?.coefficient ?? .nan,
            batch_exponent_N: b?.exponentN ?? .nan, batch_exponent_D: b?.exponentD ?? .nan, batch_points: b?.points ?? 0,
            cells: r.cells.count, cells_located: r.cellsLocated,
            has_timescale_law: r.timescale == nil ? 0 : 1, timescale_coefficient: r.timescale?.coefficient ?? .nan,
            timescale_exponent: r.timescale?.exponent ?? .nan, timescale_stderr: r.timescale?.standardError ?? .nan,
            timescale_cells: r.timescaleCells.count, timescale_points: r.timescale?.points ?? 0,
            lr_support_N: lr.support.parameters ?? .nan, lr_support_D_coefficient: lr.support.tokens?.coefficient ?? .nan,
            lr_support_D_exponent: lr.support.tokens?.exponent ?? .nan, batch_support_N: b?.support.parameters ?? .nan,
            batch_support_D_coefficient: b?.support.tokens?.coefficient ?? .nan,
            batch_support_D_exponent: b?.support.tokens?.exponent ?? .nan)
        try writeVersioned(value, to: info, "sk_hp_sweep_info", earlierSizes: [sweepInfoSize043])
    }
}

@c @implementation
public func sk_hp_sweep_cell_at(_ sweep: OpaquePointer?, _ index: Int, _ cell: UnsafeMutablePointer<sk_hp_sweep_cell>?) -> Int32 {
    guarded("sk_hp_sweep_cell_at") { () throws(ScalingKitError) in
        let r = try SweepHandle.borrow(sweep).result
        let cell = try nonNull(cell, "cell")
        guard index >= 0, index < r.cells.count else {
            throw ScalingKitError(.invalidLength, "index \(UInt(bitPattern: index)) is out of range (\(r.cells.count) cells)")
        }
        let c = r.cells[index]
        let value = sk_hp_sweep_cell(
            struct_size: MemoryLayout<sk_hp_sweep_cell>.size, N: c.parameters, D: c.tokens, batch: c.batch,
            weight_decay: c.weightDecay, runs: c.runs,
            learning_rates: c.learningRates, located: c.optimalLearningRate == nil ? 0 : 1,
            optimal_lr: c.optimalLearningRate ?? .nan, interval: sk_interval(c.interval, level: r.confidence),
            optimal_loss: c.optimalLoss ?? .nan)
        try writeVersioned(value, to: cell, "sk_hp_sweep_cell")
    }
}

@c @implementation
public func sk_hp_sweep_cell_note(_ sweep: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    entry((try? SweepHandle.borrow(sweep))?.cNotes, index)
}

@c @implementation
public func sk_hp_sweep_predict(_ sweep: OpaquePointer?, _ N: Double, _ D: Double, _ confidence: Double,
                                _ lr: UnsafeMutablePointer<Double>?, _ interval: UnsafeMutablePointer<sk_interval>?,
                                _ batch: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_hp_sweep_predict") { () throws(ScalingKitError) in
        let r = try SweepHandle.borrow(sweep).result
        let lr = try nonNull(lr, "lr"), interval = try nonNull(interval, "lr_interval")
        let batch = try nonNull(batch, "batch")
        let p = try core { try r.predict(parameters: N, tokens: D, confidence: confidence) }
        lr.pointee = p.learningRate
        interval.pointee = sk_interval(p.interval, level: confidence)
        batch.pointee = p.batch ?? .nan
    }
}

@c @implementation
public func sk_coord_check(_ layer: UnsafePointer<Int64>?, _ width: UnsafePointer<Double>?, _ step: UnsafePointer<Int64>?,
                           _ rms: UnsafePointer<Double>?, _ n: Int, _ threshold: Double,
                           _ worst: UnsafeMutablePointer<Double>?, _ verdict: UnsafeMutablePointer<Int32>?,
                           _ capacity: Int, _ layers: UnsafeMutablePointer<Int>?) -> Int32 {
    guarded("sk_coord_check") { () throws(ScalingKitError) in
        let count = try checkedLength(n, "n")
        let labels = UnsafeBufferPointer(start: try nonNull(layer, "layer"), count: count).map { String($0) }
        let steps = UnsafeBufferPointer(start: try nonNull(step, "step"), count: count).map { Int(truncatingIfNeeded: $0) }
        let width = try doubles(width, n, "width"), rms = try doubles(rms, n, "rms")
        let worst = try nonNull(worst, "worst_slope"), verdict = try nonNull(verdict, "verdict"), layers = try nonNull(layers, "layers")
        let result = try core { try CoordinateCheck.analyse(layer: labels, width: width, step: steps, rms: rms, threshold: threshold) }
        guard result.count <= capacity else {
            throw ScalingKitError(.invalidLength, "capacity \(UInt(bitPattern: capacity)) is below the \(result.count) layers")
        }
        for (k, l) in result.enumerated() {
            worst[k] = l.worstSlope
            verdict[k] = l.verdict == .stable ? 0 : l.verdict == .grows ? 1 : 2
        }
        layers.pointee = result.count
    }
}
