#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hoffmann et al. (2022) Approach 1 (§3.1): from whole training curves (loss against FLOPs for runs of several
/// sizes), the lower envelope of loss over FLOPs — at each compute, the run with the lowest loss — and the power
/// laws N_opt ∝ C^a and D_opt ∝ C^b fitted through the envelope (Hoffmann et al. used 1,500 log-spaced FLOP values).
///
/// The exponents are Hoffmann's least squares through every envelope point. Their intervals are not: neighbouring
/// compute values share a run, so the points come in segments (stretches of compute where one size is best) that
/// repeat one observation each. The intervals count segments, not points (`PowerLawFit.clustered`): on a typical
/// envelope of ~1,500 points from ~10 segments they are ~10× wider than a regression's, and hold their level in
/// simulation where the regression's covered the truth 3–12 % of the time.
public enum Envelope {
    /// How the envelope is taken.
    public struct Options: Sendable, Equatable {
        /// Log-spaced compute values at which the envelope is taken.
        public var gridPoints: Int = 1500
        /// A compute value enters only if at least this many runs' curves cover it (one run alone says nothing
        /// about which size is best there).
        public var minimumRunsCovering: Int = 2
        /// Drop compute values where the smallest or the largest run is best: there the optimum may lie beyond the
        /// sizes trained, and the envelope flattens (it biases the exponent towards 0).
        public var excludeEdgeSizes: Bool = true
        /// FLOPs per parameter per token, for D = C/(k·N).
        public var flopsPerParameterToken: Double = 6
        /// Confidence level of the exponents' intervals.
        public var confidence: Double = 0.95
        /// The defaults above.
        public init() {}
    }

    /// The envelope at one compute value.
    public struct Point: Sendable, Equatable {
        /// Compute C in FLOPs.
        public var compute: Double
        /// The lowest loss any run reached at C.
        public var loss: Double
        /// Label of the run achieving it, and its size.
        public var run: Double
        /// Parameters of that run.
        public var parameters: Double
        /// Tokens that run had seen at C.
        public var tokens: Double
    }

    /// The envelope and the power laws fitted to it.
    public struct Result: Sendable, Equatable {
        /// The envelope at each compute value kept.
        public var points: [Point]
        /// N_opt = k·C^a fitted to the envelope's sizes.
        public var parameters: PowerLawFit
        /// D_opt = k·C^b fitted to the envelope's tokens.
        public var tokens: PowerLawFit
        /// What was kept and dropped, in words.
        public var message: String
        /// Distinct model sizes among the envelope's points.
        public var sizes: Int { Set(points.map(\.parameters)).count }
        /// Stretches of consecutive envelope points won by one size: the independent observations the intervals
        /// count (a size that wins, loses and wins again makes two).
        public var segments: Int { Envelope.segments(points) }
    }

    /// Runs Approach 1 on checkpoint rows: the run each row belongs to (any label; a run has one size), its size N,
    /// the compute spent so far and the loss there.
    /// - Throws: `ScalingKitError` for empty, mismatched or non-positive input, a run with two sizes, bad options,
    ///   or an envelope on fewer than 2 distinct sizes (no exponent).
    public static func fit(run: [Double], N: [Double], compute: [Double], loss: [Double],
                           options: Options = Options()) throws -> Result {
        try InputValidation.positiveColumns([("N", N), ("compute", compute), ("loss", loss)])
        guard run.count == N.count else { throw ScalingKitError.length("\(run.count) run labels for \(N.count) rows") }
        if let i = run.firstIndex(where: { !$0.isFinite }) { throw ScalingKitError.invalid("run[\(i)] is not finite") }
        guard options.gridPoints >= 2, options.gridPoints <= 1_000_000 else {
            throw ScalingKitError.invalid("gridPoints must be in 2...1,000,000 (got \(options.gridPoints))")
        }
        guard options.minimumRunsCovering >= 1 else {
            throw ScalingKitError.invalid("minimumRunsCovering must be >= 1 (got \(options.minimumRunsCovering))")
        }
        guard options.flopsPerParameterToken.isFinite, options.flopsPerParameterToken > 0 else {
            throw ScalingKitError.invalid("flopsPerParameterToken must be > 0")
        }
        // Each run's curve, in increasing compute, in logs.
        struct Curve { let label: Double; let size: Double; let logC: [Double]; let loss: [Double] }
        var curves: [Curve] = []
        for label in Set(run).sorted() {
            let rows = run.indices.filter { run[$0] == label }.sorted { compute[$0] < compute[$1] }
            let size = N[rows[0]]
            if let bad = rows.first(where: { N[$0] != size }) {
                throw ScalingKitError.invalid("run \(label) has two sizes (\(size) and \(N[bad])): one size per run")
            }
            curves.append(Curve(label: label, size: size, logC: rows.map { log(compute[$0]) }, loss: rows.map { loss[$0] }))
        }
        let lo = curves.map { $0.logC.first! }.min()!, hi = curves.map { $0.logC.last! }.max()!
        guard hi > lo else { throw ScalingKitError.invalid("every checkpoint has the same compute") }
        let smallest = curves.map(\.size).min()!, largest = curves.map(\.size).max()!
        var points: [Point] = []
        for g in 0..<options.gridPoints {
            let x = lo + (hi - lo) * Double(g) / Double(options.gridPoints - 1)
            var best: (loss: Double, curve: Curve)?
            var covering = 0
            for c in curves where c.logC.count >= 2 && x >= c.logC.first! && x <= c.logC.last! {
                covering += 1
                // Linear interpolation of the loss in log compute between the bracketing checkpoints.
                var j = 1
                while j < c.logC.count - 1 && c.logC[j] < x { j += 1 }
                let (x0, x1) = (c.logC[j - 1], c.logC[j])
                let t = x1 > x0 ? (x - x0) / (x1 - x0) : 0
                let value = c.loss[j - 1] + t * (c.loss[j] - c.loss[j - 1])
                if best.map({ value < $0.loss }) ?? true { best = (value, c) }
            }
            guard covering >= options.minimumRunsCovering, let b = best else { continue }
            if options.excludeEdgeSizes && (b.curve.size == smallest || b.curve.size == largest) { continue }
            let C = exp(x)
            points.append(Point(compute: C, loss: b.loss, run: b.curve.label, parameters: b.curve.size,
                                tokens: C / (options.flopsPerParameterToken * b.curve.size)))
        }
        let sizes = Set(points.map(\.parameters))
        guard sizes.count >= 2 else {
            throw ScalingKitError.invalid(
                "the envelope is made of \(sizes.count) size(s) over \(points.count) compute values; the exponent needs 2 or more (more sizes, or overlapping curves)")
        }
        let segments = Self.segments(points)
        let parameters = try PowerLawFit(x: points.map(\.compute), y: points.map(\.parameters), confidence: options.confidence)
            .clustered(segments)
        let tokens = try PowerLawFit(x: points.map(\.compute), y: points.map(\.tokens), confidence: options.confidence)
            .clustered(segments)
        let message = "envelope over \(points.count) compute values from \(sizes.count) of \(curves.count) runs in "
            + "\(segments) segment(s): N_opt ∝ C^\((parameters.exponent * 10_000).rounded() / 10_000), "
            + "D_opt ∝ C^\((tokens.exponent * 10_000).rounded() / 10_000)"
            + (segments < 3 ? "; no interval (it needs 3 or more segments)" : "")
        return Result(points: points, parameters: parameters, tokens: tokens, message: message)
    }

    /// Maximal runs of consecutive points (in compute order) with one size.
    static func segments(_ points: [Point]) -> Int {
        zip(points, points.dropFirst()).reduce(points.isEmpty ? 0 : 1) { $0 + ($1.0.parameters != $1.1.parameters ? 1 : 0) }
    }
}
