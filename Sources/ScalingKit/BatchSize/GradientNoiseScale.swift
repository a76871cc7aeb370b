#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the streaming estimator smooths |G|² and tr(Σ) — separately, never their ratio: an EMA of per-step ratios is
/// biased by about +50 % at any β (batch-size research notes, §6 A), while the ratio of the smoothed components is not.
public enum NoiseSmoothing: Sendable, Equatable {
    /// The default: bias-corrected moving averages at six horizons at once (β = 0.8 … 0.995, mean ages 4 … 199
    /// measurements), read at the longest horizon whose B_simple agrees with every shorter one (Lepski's rule:
    /// Lepski, Mammen & Spokoiny 1997, Ann. Statist. 25(3); for nested estimators the difference's variance is
    /// Var(shorter) − Var(longer)). When B_simple drifts the reading shortens its memory instead of lagging; when it
    /// is flat it averages over up to ~400 effective measurements. Measured on closed-form drifting simulations
    /// (batch-size tests): see `GradientNoiseScale`.
    case adaptive
    /// Exponential moving average with Adam-style bias correction (divide by 1 − βⁿ).
    case ema(beta: Double)
    /// Plain means over the last `count` measurements.
    case window(count: Int)
    /// Plain means over every measurement since the start (or the last reset).
    case cumulative

    /// β of `.ema` when none is given (McCandlish et al. 2018 smooth over ~100 steps).
    public static let defaultBeta = 0.99
    /// The horizons of `.adaptive`, shortest first.
    public static let adaptiveBetas = [0.8, 0.9, 0.95, 0.98, 0.99, 0.995]
    /// Lepski's threshold: a horizon is kept while its log B_simple is within this many standard deviations of the
    /// difference from every shorter horizon's. 1.5 was chosen on the simulations (2.0 lags more in the early phase,
    /// 1.0 is noisier when flat).
    public static let adaptiveThreshold = 1.5
    /// The window's length when a window is asked for without one.
    public static let defaultWindow = 1000
}

/// Where the small- and big-batch norms come from. Every construction but `consecutive` is unbiased.
public enum NoiseConstruction: String, Sendable, CaseIterable {
    /// Small: the mean of the per-rank local squared norms before the all-reduce; big: the all-reduced norm.
    case dataParallel = "data_parallel"
    /// Small: the mean over micro-batches of their squared norms; big: the accumulated gradient's.
    case accumulation
    /// Small: the mean of per-example squared norms (B_small = 1), the most precise (Gray et al. 2024).
    case perExample = "per_example"
    /// Big: gradients averaged over consecutive optimizer steps (gpt-neox style). Accepted but biased — badly so
    /// once noise dominates (the notes' case D: negative estimates) — and flagged in every reading.
    case consecutive
}

/// Which gradients were normed; recorded, since each gives a different noise scale (McCandlish et al. 2018,
/// footnotes 7 and 10; the notes' §1.5).
public enum NoisePreconditioning: String, Sendable, CaseIterable {
    /// Raw gradients.
    case none
    /// Whitened gradients P^(−1/2)·g: tr(P⁻¹Σ)/(GᵀP⁻¹G), the right proxy when the preconditioner matches the curvature.
    case whitened
    /// Adam's update direction g/(√v̂ + ε), i.e. P⁻¹·g: tr(P⁻²Σ)/(GᵀP⁻²G) (what AdaptDL's Adam estimator computes).
    case update
}

/// The unit the caller counts batches in; B_simple comes out in the same unit (recorded, never converted).
public enum NoiseBatchUnit: String, Sendable, CaseIterable {
    /// Examples (sequences for a language model: B_simple in sequences).
    case examples
    /// Sequences.
    case sequences
    /// Tokens (B_simple in tokens; the usual unit for language models, McCandlish et al. 2018 §4).
    case tokens
}

/// How a `GradientNoiseScale` smooths, combines and normalises its measurements.
public struct GradientNoiseScaleOptions: Sendable, Equatable {
    /// Smoothing over measurements (default: `.adaptive`, which follows a drifting B_simple without lag).
    public var smoothing = NoiseSmoothing.adaptive
    /// Where each measurement's small- and big-batch norms come from (default: per-rank norms before and after the all-reduce).
    public var construction = NoiseConstruction.dataParallel
    /// Whether the norms are of the raw gradient or of the optimizer's preconditioned update (Adam's B_noise).
    public var preconditioning = NoisePreconditioning.none
    /// Disjoint shards drawn without replacement from a finite data set of this many examples: each measurement is
    /// corrected for the resulting bias. nil: i.i.d. sampling (or with replacement).
    public var datasetSize: Double?
    /// Parameter groups fed per update (the total sums their components).
    public var groups = 1
    /// Of the interval on B_simple.
    public var confidence = 0.95
    /// The unit of the batch sizes passed (recorded in every reading; B_simple comes out in it).
    public var batchUnit = NoiseBatchUnit.examples

    /// The defaults above.
    public init() {}
}

/// The estimator's state read at one time.
public struct NoiseScaleReading: Sendable, Equatable {
    /// Smoothed, bias-corrected |G|² and tr(Σ).
    public var gradientSquared: Double
    /// Smoothed, bias-corrected tr(Σ), the trace of the per-example gradient covariance.
    public var traceCovariance: Double
    /// tr(Σ)/|G|², nil while the smoothed |G|² ≤ 0 (too few or too noisy measurements).
    public var simpleNoiseScale: Double?
    /// Delta-method standard error of B_simple from the spread of the measurements (treating them as independent,
    /// weighted as the smoothing weights them), and a Student-t interval (effective measurements − 1 degrees of
    /// freedom) at the options' confidence, taken in log space so that it stays positive; nil when not defined
    /// (fewer than 2 effective measurements, or no B_simple).
    public var standardError: Double?
    /// The interval on B_simple at the options' confidence (widened by `drift` under the adaptive smoothing); nil
    /// when not defined, as `standardError`.
    public var interval: ConfidenceInterval?
    /// Measurements taken since the start or the last reset.
    public var measurements: Int
    /// (Σw)²/Σw² of the smoothing weights: how many independent measurements the reading is worth.
    public var effectiveMeasurements: Double
    /// The learning rate of the last update (NaN if never given). Noise scales compare only at equal temperature
    /// lr/B (McCandlish et al. 2018, App. C).
    public var learningRate: Double
    /// The big batch of the last update (in `batchUnit`).
    public var batchSize: Double
    /// True when the temperature lr/B (B alone without learning rates) varied by more than 5 % over the reading's
    /// horizon (since the start or reset for `.cumulative`): the reading then mixes temperatures.
    public var temperatureChanged: Bool
    /// True for the consecutive-step construction.
    public var biased: Bool
    /// The preconditioning the measurements were taken under.
    public var preconditioning: NoisePreconditioning
    /// The construction the measurements were taken with.
    public var construction: NoiseConstruction
    /// The unit of the batch sizes, and so of B_simple.
    public var batchUnit: NoiseBatchUnit
    /// Mean age in measurements of what the reading averages (0 = only the last one): its lag behind a trend.
    public var horizon: Double
    /// How far (relative) the chosen horizon's B_simple sits from the next shorter horizon's: the allowance for lag
    /// added to the interval. Large values mean B_simple is moving; 0 for a single horizon (`.ema`, `.window`,
    /// `.cumulative`) or when the shortest is chosen.
    public var drift: Double
    /// The lowest and highest learning rate over the reading's horizon (NaN if none was given). A reading mixes
    /// temperatures when they differ, as in warm-up.
    public var learningRateRange: (lower: Double, upper: Double)
    /// True when the smoothed tr(Σ) is negative beyond its noise: the big-batch norm exceeds the small-batch ones on
    /// average, which no sampling allows (E|G_small|² − E|G_big|² = tr(Σ)(1/B_small − 1/B_big) > 0). Typical
    /// causes: losses summed instead of averaged over the big batch, a small norm taken after clipping, batch sizes
    /// swapped. The reading is then not valid.
    public var inconsistent: Bool

    /// B_simple is defined, worth at least 2 effective measurements, has a finite interval and the norms are
    /// consistent: the reading can be used.
    public var valid: Bool {
        simpleNoiseScale != nil && effectiveMeasurements >= 2 && !inconsistent
            && interval.map { $0.lower.isFinite && $0.upper.isFinite } == true
    }

    /// Field by field, NaN equal to NaN (a reading compared with itself is equal).
    public static func == (a: NoiseScaleReading, b: NoiseScaleReading) -> Bool {
        func same(_ x: Double?, _ y: Double?) -> Bool { x == y || (x?.isNaN == true && y?.isNaN == true) }
        return same(a.gradientSquared, b.gradientSquared) && same(a.traceCovariance, b.traceCovariance)
            && same(a.simpleNoiseScale, b.simpleNoiseScale) && same(a.standardError, b.standardError)
            && same(a.interval?.lower, b.interval?.lower) && same(a.interval?.upper, b.interval?.upper)
            && same(a.interval?.level, b.interval?.level) && a.measurements == b.measurements
            && same(a.effectiveMeasurements, b.effectiveMeasurements) && same(a.learningRate, b.learningRate)
            && same(a.batchSize, b.batchSize) && a.temperatureChanged == b.temperatureChanged && a.biased == b.biased
            && a.preconditioning == b.preconditioning && a.construction == b.construction && a.batchUnit == b.batchUnit
            && same(a.horizon, b.horizon) && same(a.drift, b.drift)
            && same(a.learningRateRange.lower, b.learningRateRange.lower)
            && same(a.learningRateRange.upper, b.learningRateRange.upper) && a.inconsistent == b.inconsistent
    }
}

/// The streaming gradient-noise-scale estimator (McCandlish et al. 2018, App. A.1): feed squared gradient norms at
/// two batch sizes every step, read B_simple when you like. Allocates only at creation.
///
/// Placement in a training loop: norms of the gradient of the *mean* loss over each batch, after un-scaling a
/// mixed-precision loss scale and before clipping (a clipped norm is no longer an unbiased sample); the batch sizes
/// in one unit, which is B_simple's. Drift: with the default `.adaptive` smoothing, on closed-form linear-regression
/// runs under SGD with gradient accumulation (4 micro-batches of 16), where B_simple rises 30× in the first 250
/// steps the median error is 20 % with 84 % of nominal-95 % intervals covering (24 runs, checkpoints with
/// B_simple ≤ 4 B_big); in a slow drift (1.85× over 3,000 steps) 5.3 % with 95 %; stationary 4.4 %, 96 %. A single
/// EMA at β = 0.99 gives 66 % and 3 % in the early phase (GNSDriftTests). Where B_simple ≫ B_big every reading is
/// noise-limited (30× B_big: ~28 % median error for either).
public struct GradientNoiseScale: Sendable {
    /// The options the estimator was created with.
    public let options: GradientNoiseScaleOptions
    /// The moving averages' β, shortest horizon first (one for `.ema`, six for `.adaptive`, none otherwise).
    private let betas: [Double]
    /// The βs (one per horizon), then per accumulator (one per group, plus the total when there are several groups)
    /// and per horizon the smoothed moments of the measurements (g, t, g², t², g·t), and for `.window` and
    /// `.cumulative` of the weights (Σw, Σw²).
    private var moments: [Double]
    /// The window's ring buffer of (g, t) per accumulator.
    private var ring: [Double]
    /// The last `recentCapacity` temperatures (learning rate, big batch), for the learning-rate range of a reading.
    private var recent: [Double]
    private var count = 0
    private var lastRate = Double.nan, lastBatch = Double.nan
    private var minTemperature = Double.infinity, maxTemperature = -Double.infinity
    private var minRate = Double.infinity, maxRate = -Double.infinity

    static let stride = 7   // Σw·g, Σw·t, Σw·g², Σw·t², Σw·g·t, Σw, Σw²
    static let recentCapacity = 2048   // a power of 2

    /// An estimator with no measurements yet; its state is allocated here, once.
    ///
    /// - Throws: `ScalingKitError` for β outside [0, 1), a window < 1, groups < 1, a data-set size ≤ 1 or a
    ///   confidence outside (0, 1).
    public init(options: GradientNoiseScaleOptions = GradientNoiseScaleOptions()) throws {
        switch options.smoothing {
        case .ema(let beta) where !(beta >= 0 && beta < 1):
            throw ScalingKitError.invalid("EMA beta must be in [0, 1) (got \(beta))")
        case .window(let n) where n < 1:
            throw ScalingKitError.invalid("the window must hold at least 1 measurement (got \(n))")
        default: break
        }
        guard options.groups >= 1, options.groups <= 1 << 20 else {
            throw ScalingKitError.invalid("groups must be in 1 ... 1048576 (got \(options.groups))")
        }
        // Found by the Python fuzz campaign: a huge window asked for a ring buffer of tens of gigabytes, and the
        // failed allocation killed the process. The ring holds (groups + 1) × window pairs; 2^26 of them is 1 GiB.
        if case .window(let n) = options.smoothing {
            let accumulators = options.groups == 1 ? 1 : options.groups + 1
            guard n <= (1 << 26) / accumulators else {
                throw ScalingKitError.invalid("a window of \(n) measurements for \(accumulators) accumulator(s) needs a "
                    + "ring buffer beyond 2^26 entries (1 GiB); use a shorter window, .ema or .cumulative")
            }
        }
        if let n = options.datasetSize, !(n.isFinite && n > 1) {
            throw ScalingKitError.invalid("the data-set size must be finite and > 1 (got \(n))")
        }
        guard options.confidence > 0, options.confidence < 1 else {
            throw ScalingKitError.invalid("confidence must be in (0, 1) (got \(options.confidence))")
        }
        self.options = options
        switch options.smoothing {
        case .adaptive: betas = NoiseSmoothing.adaptiveBetas
        case .ema(let beta): betas = [beta]
        case .window, .cumulative: betas = []
        }
        let accumulators = options.groups == 1 ? 1 : options.groups + 1
        moments = betas + [Double](repeating: 0, count: accumulators * max(betas.count, 1) * Self.stride)
        if case .window(let n) = options.smoothing {
            ring = [Double](repeating: 0, count: accumulators * n * 2)
        } else {
            ring = []
        }
        recent = [Double](repeating: .nan, count: Self.recentCapacity * 2)
    }

    /// Index of the total's accumulator.
    private var total: Int { options.groups == 1 ? 0 : options.groups }

    /// Feeds one step with a single group. See `update(smallSquaredNorms:bigSquaredNorms:...)`.
    public mutating func update(smallSquaredNorm: Double, bigSquaredNorm: Double, smallBatch: Double, bigBatch: Double,
                                learningRate: Double = .nan) throws {
        guard options.groups == 1 else {
            throw ScalingKitError.invalid("this estimator has \(options.groups) groups: pass one norm per group")
        }
        // The hot path of a training loop: validate, estimate, smooth, with no buffers built.
        try validate(smallBatch, bigBatch, learningRate)
        guard smallSquaredNorm.isFinite, bigSquaredNorm.isFinite, smallSquaredNorm >= 0, bigSquaredNorm >= 0 else {
            throw ScalingKitError.invalid("squared norms must be finite and >= 0 (got small \(smallSquaredNorm), big \(bigSquaredNorm)); step rejected")
        }
        let (g, t) = components(smallSquaredNorm, bigSquaredNorm, smallBatch, bigBatch)
        try checkOverflow(g, t, group: nil)
        accumulate(0, g, t)
        record(bigBatch, learningRate)
    }

    /// Found by fuzzing: finite norms near the top of the double range (or batches far apart) can overflow the
    /// components, and an overflowed |G|² and tr(Σ) made B_simple NaN.
    private func checkOverflow(_ g: Double, _ t: Double, group: Int?) throws {
        guard g.isFinite, t.isFinite, abs(g) < 1e150, abs(t) < 1e150 else {
            let which = group.map { "group \($0): " } ?? ""
            throw ScalingKitError.invalid("\(which)the squared norms give |G|^2 = \(g), tr(Sigma) = \(t), beyond 1e150, where the estimator's "
                + "sums of squares would overflow; rescale the norms (B_simple is scale-free); step rejected")
        }
    }

    /// A learning rate of 0 (the first step of a warm-up) is a valid temperature; only negative or non-finite ones
    /// are refused.
    private func validate(_ bs: Double, _ bb: Double, _ learningRate: Double) throws {
        guard bs.isFinite, bb.isFinite, bs > 0, bb > 0 else {
            throw ScalingKitError.invalid("batch sizes must be finite and > 0 (got small \(bs), big \(bb))")
        }
        guard bs < bb else { throw ScalingKitError.invalid("the small batch (\(bs)) must be smaller than the big one (\(bb))") }
        guard learningRate.isNaN || (learningRate.isFinite && learningRate >= 0) else {
            throw ScalingKitError.invalid("the learning rate must be finite and >= 0, or NaN if unknown (got \(learningRate))")
        }
    }

    /// McCandlish App. A.1 (see NoiseComponents), with the finite-data correction where asked.
    @inline(__always)
    private func components(_ small: Double, _ big: Double, _ bs: Double, _ bb: Double) -> (Double, Double) {
        var g = (bb * big - bs * small) / (bb - bs), t = (small - big) / (1 / bs - 1 / bb)
        if let N = options.datasetSize { g += t / N; t *= (N - 1) / N }
        return (g, t)
    }

    private mutating func record(_ bb: Double, _ learningRate: Double) {
        let slot = (count & (Self.recentCapacity - 1)) * 2
        recent.withUnsafeMutableBufferPointer { r in
            r[slot] = learningRate
            r[slot + 1] = bb
        }
        count += 1
        lastBatch = bb
        let temperature = learningRate.isNaN ? 1 / bb : learningRate / bb
        minTemperature = min(minTemperature, temperature)
        maxTemperature = max(maxTemperature, temperature)
        if !learningRate.isNaN {
            lastRate = learningRate
            minRate = min(minRate, learningRate)
            maxRate = max(maxRate, learningRate)
        }
    }
    /// Feeds one step: per group, the (mean) small-batch squared norm and the big-batch squared norm, with the two
    /// batch sizes in examples (or tokens) and the learning rate (NaN if unknown). The whole step is validated
    /// first; a bad value rejects it and leaves the state untouched.
    /// - Throws: `ScalingKitError` for the wrong number of norms, a non-finite or negative norm, a batch ≤ 0 or
    ///   B_small ≥ B_big.
    public mutating func update(smallSquaredNorms small: UnsafeBufferPointer<Double>,
                                bigSquaredNorms big: UnsafeBufferPointer<Double>,
                                smallBatch bs: Double, bigBatch bb: Double, learningRate: Double = .nan) throws {
        let G = options.groups
        guard small.count == G, big.count == G else {
            throw ScalingKitError.length("\(small.count) small and \(big.count) big norms for \(G) group(s)")
        }
        try validate(bs, bb, learningRate)
        for k in 0..<G where !(small[k].isFinite && big[k].isFinite && small[k] >= 0 && big[k] >= 0) {
            throw ScalingKitError.invalid("group \(k): squared norms must be finite and >= 0 (got small \(small[k]), big \(big[k])); step rejected")
        }
        var gTotal = 0.0, tTotal = 0.0
        for k in 0..<G {
            let (g, t) = components(small[k], big[k], bs, bb)
            try checkOverflow(g, t, group: k)
            gTotal += g
            tTotal += t
        }
        try checkOverflow(gTotal, tTotal, group: nil)
        // The step is valid: only now touch the state (per-group sums when there are groups, then the total).
        if G > 1 {
            for k in 0..<G {
                let (g, t) = components(small[k], big[k], bs, bb)
                accumulate(k, g, t)
            }
        }
        accumulate(total, gTotal, tTotal)
        record(bb, learningRate)
    }

    /// A data-parallel step: the ranks' local squared norms (each over `localBatch` examples, before the all-reduce)
    /// and the all-reduced squared norm over ranks × localBatch. The small-batch norm is the ranks' mean: every rank's
    /// norm is an independent small-batch sample, and their mean keeps the estimate unbiased with less variance.
    /// - Throws: as `update`, and for fewer than 2 ranks.
    public mutating func update(rankSquaredNorms local: UnsafeBufferPointer<Double>, reducedSquaredNorm: Double,
                                localBatch: Double, learningRate: Double = .nan) throws {
        guard local.count >= 2 else { throw ScalingKitError.length("\(local.count) rank(s): data parallelism needs 2 or more") }
        var mean = 0.0
        for (i, v) in local.enumerated() {
            guard v.isFinite, v >= 0 else { throw ScalingKitError.invalid("rank \(i): squared norm must be finite and >= 0 (got \(v)); step rejected") }
            mean += v
        }
        try update(smallSquaredNorm: mean / Double(local.count), bigSquaredNorm: reducedSquaredNorm, smallBatch: localBatch,
                   bigBatch: localBatch * Double(local.count), learningRate: learningRate)
    }

    private mutating func accumulate(_ k: Int, _ g: Double, _ t: Double) {
        if !betas.isEmpty {
            // The hot loop: no bounds or uniqueness checks per element. The weights' sums Σw, Σw² are not kept:
            // after n updates they are 1 − βⁿ and (1 − β)(1 − β²ⁿ)/(1 + β) (read in `weights`).
            // Layout: field f of horizon h at block + f·H + h (each field's horizons contiguous, so the loop
            // vectorises). The βs sit in the first H slots of `moments`, so that one buffer access serves the whole update.
            let H = betas.count
            moments.withUnsafeMutableBufferPointer { buffer in
                let b = buffer.baseAddress!, mg = b + H + k * H * Self.stride
                let mt = mg + H, mgg = mt + H, mtt = mgg + H, mgt = mtt + H
                let gg = g * g, tt = t * t, gt = g * t
                for h in 0..<H {
                    let beta = b[h], w = 1 - beta
                    mg[h] = beta * mg[h] + w * g
                    mt[h] = beta * mt[h] + w * t
                    mgg[h] = beta * mgg[h] + w * gg
                    mtt[h] = beta * mtt[h] + w * tt
                    mgt[h] = beta * mgt[h] + w * gt
                }
            }
            return
        }
        let o = k * Self.stride
        switch options.smoothing {
        case .window(let n):
            let slot = (k * n + count % n) * 2
            if count >= n { add(o, ring[slot], ring[slot + 1], -1) }
            ring[slot] = g
            ring[slot + 1] = t
            add(o, g, t, 1)
            // Re-sum the window exactly every n updates so that add/subtract rounding cannot drift.
            if count % n == n - 1 {
                for j in 0..<5 { moments[o + j] = 0 }
                for i in 0..<min(count + 1, n) {
                    let (gi, ti) = (ring[(k * n + i) * 2], ring[(k * n + i) * 2 + 1])
                    moments[o] += gi; moments[o + 1] += ti; moments[o + 2] += gi * gi
                    moments[o + 3] += ti * ti; moments[o + 4] += gi * ti
                }
            }
        default:
            add(o, g, t, 1)
        }
    }

    private mutating func add(_ o: Int, _ g: Double, _ t: Double, _ sign: Double) {
        moments[o] += sign * g
        moments[o + 1] += sign * t
        moments[o + 2] += sign * g * g
        moments[o + 3] += sign * t * t
        moments[o + 4] += sign * g * t
        moments[o + 5] += sign
        moments[o + 6] += sign
    }

    /// Measurements taken since the start or the last reset.
    public var measurements: Int { count }

    /// Forgets every measurement (after a change of temperature, for example).
    public mutating func reset() {
        for i in moments.indices.dropFirst(betas.count) { moments[i] = 0 }
        for i in ring.indices { ring[i] = 0 }
        for i in recent.indices { recent[i] = .nan }
        count = 0
        lastRate = .nan; lastBatch = .nan
        minTemperature = .infinity; maxTemperature = -.infinity
        minRate = .infinity; maxRate = -.infinity
    }

    /// One horizon's estimate: the smoothed components, log B_simple and its delta-method standard error.
    private struct Horizon {
        var g, t, neff, meanAge: Double
        var se: Double?          // of B_simple
        var seTrace: Double?     // of tr(Σ)
        var logB: Double? { g > 0 && t > 0 && (t / g).isFinite ? log(t / g) : nil }
        var relativeSE: Double? { se.map { $0 / (t / g) } }
    }

    /// Σw and Σw² of the bias-uncorrected EMA weights (1 − β)βᵃ, a < n (closed forms of the geometric sums).
    private static func weights(beta: Double, n: Int) -> (Double, Double) {
        (1 - pow(beta, Double(n)), (1 - beta) * (1 - pow(beta, 2 * Double(n))) / (1 + beta))
    }

    /// The estimate of the moments of field f at `o + f·step`, with weight sums (W, W2) and `meanAge` the weights'
    /// mean age.
    private func horizon(at o: Int, step: Int, weights: (Double, Double), meanAge: Double) -> Horizon {
        let (W, W2) = weights
        let m = { (f: Int) in moments[o + f * step] }
        let g = m(0) / W, t = m(1) / W
        let neff = W * W / W2
        var h = Horizon(g: g, t: t, neff: neff, meanAge: meanAge, se: nil, seTrace: nil)
        guard neff >= 2 else { return h }
        // Weighted (co)variances of the measurements; the variance of a weighted mean is that × Σw²/(Σw)².
        let vg = max(m(2) / W - g * g, 0), vt = max(m(3) / W - t * t, 0)
        let cgt = m(4) / W - g * t
        let scale = W2 / (W * W) * neff / (neff - 1)            // Bessel-style correction on the spread
        h.seTrace = (vt * scale).squareRoot()
        if g > 0 {
            let r = t / g
            let v = (vt - 2 * r * cgt + r * r * vg) * scale / (g * g)  // delta method on t̄/ḡ
            if v.isFinite, v >= 0 { h.se = v.squareRoot() }
        }
        return h
    }

    /// Mean age of bias-corrected EMA weights βᵃ over the last n measurements: β/(1−β) − nβⁿ/(1−βⁿ).
    private static func meanAge(beta: Double, n: Int) -> Double {
        if beta == 0 { return 0 }
        let bn = pow(beta, Double(n))
        return beta / (1 - beta) - Double(n) * bn / (1 - bn)
    }

    /// The total's reading (`group` nil) or one group's.
    /// - Throws: `ScalingKitError` before any measurement, or for a group out of range.
    public func read(group: Int? = nil) throws -> NoiseScaleReading {
        guard count > 0 else { throw ScalingKitError.invalid("no measurements yet: call update first") }
        let k: Int
        if let group {
            guard group >= 0, group < options.groups else {
                throw ScalingKitError.invalid("group \(group) is out of range (\(options.groups) groups)")
            }
            k = options.groups == 1 ? 0 : group
        } else {
            k = total
        }
        let z = { (neff: Double) in StudentT.quantile(0.5 + 0.5 * options.confidence, degreesOfFreedom: neff - 1) }
        var chosen: Horizon
        var allowance = 0.0       // lag allowance in log B_simple
        if betas.isEmpty {
            var age = Double(count - 1) / 2
            if case .window(let n) = options.smoothing { age = Double(min(count, n) - 1) / 2 }
            let o = k * Self.stride
            chosen = horizon(at: o, step: 1, weights: (moments[o + 5], moments[o + 6]), meanAge: age)
        } else {
            let H = betas.count
            let hs = betas.indices.map { j in
                horizon(at: H + k * H * Self.stride + j, step: H, weights: Self.weights(beta: betas[j], n: count),
                        meanAge: Self.meanAge(beta: betas[j], n: count))
            }
            chosen = hs[0]
            // Lepski's rule on log B_simple over increasing horizons; only horizons with a defined estimate and
            // standard error take part.
            let usable = hs.filter { $0.logB != nil && $0.relativeSE != nil }
            if let first = usable.first {
                chosen = first
                var pick = 0
                search: for j in usable.indices.dropFirst() {
                    for i in 0..<j {
                        let si = usable[i].relativeSE!, sj = usable[j].relativeSE!
                        let sd = max(si * si - sj * sj, 1e-3 * si * si).squareRoot()
                        if abs(usable[j].logB! - usable[i].logB!) > NoiseSmoothing.adaptiveThreshold * sd { break search }
                    }
                    pick = j
                }
                chosen = usable[pick]
                if pick > 0 { allowance = abs(usable[pick].logB! - usable[pick - 1].logB!) }
            }
        }
        let b = chosen.g > 0 && (chosen.t / chosen.g).isFinite ? chosen.t / chosen.g : nil
        let (rates, temperatureChanged) = temperatures(over: chosen.meanAge)
        let inconsistent: Bool = {
            guard chosen.t < 0, let se = chosen.seTrace, chosen.neff >= 2 else { return false }
            return chosen.t + z(chosen.neff) * se < 0
        }()
        var reading = NoiseScaleReading(
            gradientSquared: chosen.g, traceCovariance: chosen.t, simpleNoiseScale: b, standardError: nil,
            interval: nil, measurements: count, effectiveMeasurements: chosen.neff, learningRate: lastRate,
            batchSize: lastBatch, temperatureChanged: temperatureChanged, biased: options.construction == .consecutive,
            preconditioning: options.preconditioning, construction: options.construction, batchUnit: options.batchUnit,
            horizon: chosen.meanAge, drift: exp(allowance) - 1, learningRateRange: rates, inconsistent: inconsistent)
        if let r = b, let se = chosen.se, chosen.neff >= 2 {
            let q = z(chosen.neff)
            reading.standardError = se
            // In log space (B_simple > 0, and a ratio's error is closer to log-normal): r·exp(∓(z·se/r + lag)).
            reading.interval = ConfidenceInterval(lower: r * exp(-(q * se / r + allowance)),
                                                  upper: r * exp(q * se / r + allowance), level: options.confidence)
        }
        return reading
    }

    /// The learning-rate range and whether the temperature moved by more than 5 % over the last ~3 mean ages (the
    /// weights' bulk), as far back as the recent-temperature buffer reaches; since the start for `.cumulative`.
    private func temperatures(over meanAge: Double) -> ((lower: Double, upper: Double), Bool) {
        if case .cumulative = options.smoothing {
            let rates = minRate <= maxRate ? (lower: minRate, upper: maxRate) : (lower: Double.nan, upper: Double.nan)
            return (rates, maxTemperature > minTemperature * 1.05)
        }
        var span = min(count, Self.recentCapacity, Int((3 * meanAge).rounded(.up)) + 1)
        if case .window(let n) = options.smoothing { span = min(count, n, Self.recentCapacity) }
        var lo = Double.infinity, hi = -Double.infinity, tlo = Double.infinity, thi = -Double.infinity
        for a in 0..<span {
            let slot = ((count - 1 - a) % Self.recentCapacity) * 2
            let rate = recent[slot], batch = recent[slot + 1]
            let temperature = rate.isNaN ? 1 / batch : rate / batch
            tlo = min(tlo, temperature); thi = max(thi, temperature)
            if !rate.isNaN { lo = min(lo, rate); hi = max(hi, rate) }
        }
        let rates = lo <= hi ? (lower: lo, upper: hi) : (lower: Double.nan, upper: Double.nan)
        return (rates, thi > tlo * 1.05)
    }
}
