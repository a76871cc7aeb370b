#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The coordinate check of μP (Yang et al. 2022, TP5 §D; `mup.coord_check`): activation scales (RMS) recorded per
/// layer at several widths over the first training steps. Under μP they stay put as width grows (slope ≈ 0 of
/// log RMS against log width); a layer whose scale grows or vanishes with width reveals a parametrization bug.
public enum CoordinateCheck {
    /// What a layer's slope says.
    public enum Verdict: String, Sendable {
        /// |slope| within the threshold: the scale holds as width grows.
        case stable
        /// The scale grows with width.
        case grows
        /// The scale vanishes with width.
        case vanishes
    }

    /// One layer's slopes over the recorded steps.
    public struct Layer: Sendable, Equatable {
        /// The layer's name as recorded.
        public var name: String
        /// Per recorded step (ascending): the slope of ln RMS against ln width.
        public var steps: [Int]
        /// The slope at each of `steps`.
        public var slopes: [Double]
        /// The slope of largest magnitude over the steps, and what it says.
        public var worstSlope: Double
        /// What `worstSlope` says: stable, grows or vanishes with width.
        public var verdict: Verdict
    }

    /// Fits, per layer and step, the slope of ln RMS against ln width from a coordinate check's records (one row
    /// per layer, width and step), and judges each layer by its largest slope.
    ///
    /// - Parameters:
    ///   - threshold: |slope| above which a layer is flagged (default 0.25: between μP's 0 and the ½ or more that
    ///     the standard parametrization shows in mup's coordinate checks).
    /// - Throws: `ScalingKitError` for mismatched or empty arrays, widths or RMS values that are not finite and > 0,
    ///   or a (layer, step) recorded at fewer than 2 widths.
    public static func analyse(layer: [String], width: [Double], step: [Int], rms: [Double], threshold: Double = 0.25) throws -> [Layer] {
        let n = layer.count
        guard n > 0 else { throw ScalingKitError.length("no records") }
        guard width.count == n, step.count == n, rms.count == n else {
            throw ScalingKitError.length("\(n) layer labels but \(width.count) widths, \(step.count) steps, \(rms.count) RMS values")
        }
        for (name, v) in [("width", width), ("rms", rms)] {
            if let i = v.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                throw ScalingKitError.invalid("\(name)[\(i)] must be finite and > 0 (got \(v[i]))")
            }
        }
        guard threshold.isFinite, threshold > 0 else { throw ScalingKitError.invalid("threshold must be finite and > 0") }
        var order: [String] = []
        var rows: [String: [Int: [Int]]] = [:]
        for i in 0..<n {
            if rows[layer[i]] == nil { order.append(layer[i]) }
            rows[layer[i], default: [:]][step[i], default: []].append(i)
        }
        return try order.map { name in
            let bySteps = rows[name]!.sorted { $0.key < $1.key }
            let slopes = try bySteps.map { (s, idx) -> Double in
                guard Set(idx.map { width[$0] }).count >= 2 else {
                    throw ScalingKitError.invalid("layer '\(name)' at step \(s) is recorded at fewer than 2 widths")
                }
                return try PowerLawFit(x: idx.map { width[$0] }, y: idx.map { rms[$0] }).exponent
            }
            let worst = slopes.max { abs($0) < abs($1) }!
            let verdict: Verdict = worst > threshold ? .grows : worst < -threshold ? .vanishes : .stable
            return Layer(name: name, steps: bySteps.map(\.key), slopes: slopes, worstSlope: worst, verdict: verdict)
        }
    }
}
