#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the streaming estimator smooths |G|² and tr(Σ) — separately, never their ratio: an EMA of per-step ratios is
/// biased by about +50 % at any β (batch-size research notes, §6 A), while the ratio of the smoothed components is not.
public enum NoiseSmoothing: Sendable, Equatable {
    /// Exponential moving average with Adam-style bias correction (divide by 1 − βⁿ).
    case ema(beta: Double)
    /// Plain means over the last `count` measurements.
    case window(count: Int)
    /// Plain means over every measurement since the start (or the last reset).
    case cumulative

    /// β of the default moving average (McCandlish et al. 2018 smooth over ~100 steps).
    public static let defaultBeta = 0.99
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

/// How a `GradientNoiseScale` smooths, combines and normalises its measurements.
public struct GradientNoiseScaleOptions: Sendable, Equatable {
    /// Smoothing over measurements (default: an exponential moving average with β = 0.99).
    public var smoothing = NoiseSmoothing.ema(beta: NoiseSmoothing.defaultBeta)
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
    /// Lower end of the interval on B_simple.
    public var lower: Double?
    /// Upper end of the interval on B_simple.
    public var upper: Double?
    /// Measurements taken since the start or the last reset.
    public var measurements: Int
    /// (Σw)²/Σw² of the smoothing weights: how many independent measurements the reading is worth.
    public var effectiveMeasurements: Double
    /// The temperature of the last update (learning rate and big batch) and whether learning rate / batch changed
    /// since the start or last reset: noise scales are comparable only at equal temperature (McCandlish App. C).
    public var learningRate: Double
    /// The big batch of the last update (examples or tokens per step).
    public var batchSize: Double
    /// True when the learning rate or the batch size changed since the start or the last reset.
    public var temperatureChanged: Bool
    /// True for the consecutive-step construction.
    public var biased: Bool
    /// The preconditioning the measurements were taken under.
    public var preconditioning: NoisePreconditioning
}

/// The streaming gradient-noise-scale estimator (McCandlish et al. 2018, App. A.1): feed squared gradient norms at
/// two batch sizes every step, read B_simple when you like. Allocates only at creation.
public struct GradientNoiseScale: Sendable {
    /// The options the estimator was created with.
    public let options: GradientNoiseScaleOptions
    /// Per accumulator (one per group, plus the total when there are several groups): smoothed moments of the
    /// measurements (g, t, g², t², g·t) and of the weights (Σw, Σw²).
    private var moments: [Double]
    /// The window's ring buffer of (g, t) per accumulator.
    private var ring: [Double]
    private var count = 0
    private var lastRate = Double.nan, lastBatch = Double.nan
    private var minTemperature = Double.infinity, maxTemperature = -Double.infinity

    static let stride = 7   // Σw·g, Σw·t, Σw·g², Σw·t², Σw·g·t, Σw, Σw²

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
        if let n = options.datasetSize, !(n.isFinite && n > 1) {
            throw ScalingKitError.invalid("the data-set size must be finite and > 1 (got \(n))")
        }
        guard options.confidence > 0, options.confidence < 1 else {
            throw ScalingKitError.invalid("confidence must be in (0, 1) (got \(options.confidence))")
        }
        self.options = options
        let accumulators = options.groups == 1 ? 1 : options.groups + 1
        moments = [Double](repeating: 0, count: accumulators * Self.stride)
        if case .window(let n) = options.smoothing {
            ring = [Double](repeating: 0, count: accumulators * n * 2)
        } else {
            ring = []
        }
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

    private func validate(_ bs: Double, _ bb: Double, _ learningRate: Double) throws {
        guard bs.isFinite, bb.isFinite, bs > 0, bb > 0 else {
            throw ScalingKitError.invalid("batch sizes must be finite and > 0 (got small \(bs), big \(bb))")
        }
        guard bs < bb else { throw ScalingKitError.invalid("the small batch (\(bs)) must be smaller than the big one (\(bb))") }
        guard learningRate.isNaN || (learningRate.isFinite && learningRate > 0) else {
            throw ScalingKitError.invalid("the learning rate must be finite and > 0, or NaN if unknown (got \(learningRate))")
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
        count += 1
        lastBatch = bb
        if !learningRate.isNaN {
            lastRate = learningRate
            let temperature = learningRate / bb
            minTemperature = min(minTemperature, temperature)
            maxTemperature = max(maxTemperature, temperature)
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
        let o = k * Self.stride
        switch options.smoothing {
        case .ema(let beta):
            let w = 1 - beta
            moments[o] = beta * moments[o] + w * g
            moments[o + 1] = beta * moments[o + 1] + w * t
            moments[o + 2] = beta * moments[o + 2] + w * g * g
            moments[o + 3] = beta * moments[o + 3] + w * t * t
            moments[o + 4] = beta * moments[o + 4] + w * g * t
            moments[o + 5] = beta * moments[o + 5] + w
            moments[o + 6] = beta * beta * moments[o + 6] + w * w
        case .cumulative:
            add(o, g, t, 1)
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
        for i in moments.indices { moments[i] = 0 }
        for i in ring.indices { ring[i] = 0 }
        count = 0
        lastRate = .nan; lastBatch = .nan
        minTemperature = .infinity; maxTemperature = -.infinity
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
        let o = k * Self.stride
        let W = moments[o + 5], W2 = moments[o + 6]
        let g = moments[o] / W, t = moments[o + 1] / W
        let neff = W * W / W2
        var reading = NoiseScaleReading(
            gradientSquared: g, traceCovariance: t, simpleNoiseScale: g > 0 && (t / g).isFinite ? t / g : nil, standardError: nil,
            lower: nil, upper: nil, measurements: count, effectiveMeasurements: neff, learningRate: lastRate,
            batchSize: lastBatch, temperatureChanged: maxTemperature > minTemperature * (1 + 1e-9),
            biased: options.construction == .consecutive, preconditioning: options.preconditioning)
        if let r = reading.simpleNoiseScale, neff >= 2 {
            // Weighted (co)variances of the measurements; the variance of a weighted mean is that × Σw²/(Σw)².
            let vg = max(moments[o + 2] / W - g * g, 0), vt = max(moments[o + 3] / W - t * t, 0)
            let cgt = moments[o + 4] / W - g * t
            let scale = W2 / (W * W) * neff / (neff - 1)            // Bessel-style correction on the spread
            let v = (vt - 2 * r * cgt + r * r * vg) * scale / (g * g)  // delta method on t̄/ḡ
            if v.isFinite, v >= 0 {
                let se = v.squareRoot()
                let z = StudentT.quantile(0.5 + 0.5 * options.confidence, degreesOfFreedom: neff - 1)
                reading.standardError = se
                // In log space (B_simple > 0, and a ratio's error is closer to log-normal): r·exp(∓z·se/r).
                reading.lower = r * exp(-z * se / r)
                reading.upper = r * exp(z * se / r)
            }
        }
        return reading
    }
}
