#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The machine a run is planned for: `devices` accelerators, each sustaining `flopsPerSecond` on training, and each
/// needing at least `tokensPerDevice` tokens per step to reach that rate (its micro-batch times the sequence length).
/// A step of B tokens keeps min(devices, B / tokensPerDevice) devices busy.
public struct TrainingHardware: Sendable, Equatable {
    /// Devices available.
    public var devices: Int
    /// Sustained FLOP/s of one device.
    public var flopsPerSecond: Double
    /// Tokens per step one device needs to run at that rate.
    public var tokensPerDevice: Double

    /// A cluster of `devices` identical devices.
    ///
    /// - Throws: `ScalingKitError` for fewer than one device, or a rate or per-device batch that is not finite and > 0.
    public init(devices: Int, flopsPerSecond: Double, tokensPerDevice: Double) throws {
        guard devices >= 1 else { throw ScalingKitError.invalid("devices must be >= 1 (got \(devices))") }
        guard flopsPerSecond.isFinite, flopsPerSecond > 0 else {
            throw ScalingKitError.invalid("FLOP/s per device must be finite and > 0 (got \(flopsPerSecond))")
        }
        guard tokensPerDevice.isFinite, tokensPerDevice > 0 else {
            throw ScalingKitError.invalid("tokens per device must be finite and > 0 (got \(tokensPerDevice))")
        }
        self.devices = devices
        self.flopsPerSecond = flopsPerSecond
        self.tokensPerDevice = tokensPerDevice
    }

    /// The largest batch that the machine runs at full rate on every device: devices · tokensPerDevice.
    public var fullBatch: Double { Double(devices) * tokensPerDevice }
}

/// One way to reach the target loss: a model size, a batch size and what they cost in FLOPs and in time.
public struct TimedPlan: Sendable, Equatable {
    /// Parameters N.
    public var parameters: Double
    /// Tokens that reach the loss in the small-batch limit (the law's D at this N).
    public var minimumTokens: Double
    /// Tokens at this batch: D = D_min (1 + B / B_crit) (McCandlish et al. 2018, eq. 2.11).
    public var tokens: Double
    /// Tokens per step.
    public var batch: Double
    /// B_crit at this plan's D_min (tokens).
    public var criticalBatch: Double
    /// S = D / B = S_min (1 + B_crit / B), with S_min = D_min / B_crit.
    public var steps: Double
    /// S_min = D_min / B_crit.
    public var minimumSteps: Double
    /// min(devices, B / tokensPerDevice): fractional when a step does not fill a whole number of devices.
    public var devicesUsed: Double
    /// k · N · D.
    public var compute: Double
    /// compute / (devicesUsed · flopsPerSecond).
    public var seconds: Double
    /// The (N, D, D/N) span of the runs behind the fit; nil where unknown.
    public var fitted: FittedRange? = nil

    /// Whether D_min/N — where the law is read: the batch only adds tokens through the McCandlish trade-off — lies
    /// among the fitted runs' ratios (as `ComputePlan.ratioWithinFitted`); nil where the range is unknown. Outside,
    /// the N/D_min trade-off that places this plan is the law's functional form, not the data.
    public var ratioWithinFitted: Bool? { fitted?.covers(tokensPerParameter: minimumTokens / parameters) }
}

/// The Pareto set between wall-clock time and compute of the plans that reach one loss: no plan on it is both
/// faster and cheaper than another. Sorted from the fastest (most compute) to the cheapest (slowest).
public struct TimeAwareFrontier: Sendable {
    /// The loss every plan reaches.
    public var loss: Double
    /// Pareto-optimal plans, from the fastest to the cheapest.
    public var points: [TimedPlan]
    /// The fastest plan (the most compute).
    public var fastest: TimedPlan { points[0] }
    /// The cheapest plan (the slowest).
    public var cheapest: TimedPlan { points[points.count - 1] }
}

/// The time-aware planning problem for one loss (Bergsma et al. 2025, "Power Lines", last section).
///
/// The law gives D_min(N), the tokens reaching the loss at small batch. A batch of B tokens then needs
/// D = D_min (1 + B/B_crit) tokens in S = D/B steps (McCandlish et al. 2018, eq. 2.11–2.12), with
/// B_crit = B_crit(D_min). Compute is k·N·D; time is compute over the FLOP rate of the devices a step keeps busy,
/// min(G, B/b)·F. Beyond the full batch G·b both grow with B, so batches run from one device's b to G·b: for a size
/// N, time falls and compute grows with B, and the cheapest plan of N within a deadline T takes the smallest batch
/// that meets it. The cheapest plan within T is that, minimised over N.
struct TimeAwareProblem {
    let surface: LossSurface
    let loss: Double
    let criticalBatch: CriticalBatchLaw
    let hardware: TrainingHardware
    /// ln N of the fastest plan (full batch), of the cheapest (one device's batch), and the scanned range.
    private(set) var logFastest = 0.0, logCheapest = 0.0, low = 0.0, top = 0.0

    init(_ surface: LossSurface, loss: Double, criticalBatch: CriticalBatchLaw, hardware: TrainingHardware) throws {
        self.surface = surface
        self.loss = loss
        self.criticalBatch = criticalBatch
        self.hardware = hardware
        let optimal = try Planner.minimumCompute(surface, targetLoss: loss)
        // Models larger than the compute-optimal one are slower and dearer at every batch (they need fewer tokens,
        // so a smaller B_crit); scan up to twice its size, down from N = 1.
        top = log(optimal.parameters) + log(2)
        logFastest = try minimise(from: 0, to: top) { self.plan(logN: $0, batch: hardware.fullBatch)?.seconds }
        logCheapest = try minimise(from: 0, to: top) { self.plan(logN: $0, batch: hardware.tokensPerDevice)?.compute }
        low = min(logFastest, logCheapest) - log(10)
    }

    func plan(logN: Double, batch B: Double) -> TimedPlan? {
        let N = exp(logN)
        guard let Dmin = Planner.tokensReaching(surface, loss: loss, parameters: N) else { return nil }
        return plan(N, Dmin, B)
    }

    func plan(_ N: Double, _ Dmin: Double, _ B: Double) -> TimedPlan {
        let Bc = criticalBatch(Dmin)
        let D = Dmin * (1 + B / Bc)
        let used = min(Double(hardware.devices), B / hardware.tokensPerDevice)
        let C = surface.flopsPerParameterToken * N * D
        return TimedPlan(parameters: N, minimumTokens: Dmin, tokens: D, batch: B, criticalBatch: Bc, steps: D / B,
                         minimumSteps: Dmin / Bc, devicesUsed: used, compute: C,
                         seconds: C / (used * hardware.flopsPerSecond), fitted: surface.fitted)
    }

    /// The cheapest plan of size exp(logN) finishing within `seconds`: below the full batch,
    /// T = k·N·D_min·b·(1/B + 1/B_crit)/F, so 1/B = T·F/(k·N·D_min·b) − 1/B_crit, clamped to B ≥ b.
    func plan(logN: Double, within seconds: Double) -> TimedPlan? {
        let N = exp(logN)
        guard let Dmin = Planner.tokensReaching(surface, loss: loss, parameters: N) else { return nil }
        let b = hardware.tokensPerDevice
        let inverse = seconds * hardware.flopsPerSecond / (surface.flopsPerParameterToken * N * Dmin * b) - 1 / criticalBatch(Dmin)
        guard inverse * hardware.fullBatch >= 1 - 1e-12 else { return nil }       // needs more than the full batch
        return plan(N, Dmin, min(hardware.fullBatch, max(b, 1 / inverse)))
    }

    /// The cheapest plan finishing within `seconds`, nil if even the fastest plan is slower.
    func cheapest(within seconds: Double) throws -> TimedPlan? {
        let fastest = plan(logN: logFastest, batch: hardware.fullBatch)
        guard let fastest, fastest.seconds <= seconds else { return nil }
        // Sizes that can meet the deadline form an interval around the fastest one: find its ends by bisection.
        func meets(_ x: Double) -> Bool { (plan(logN: x, batch: hardware.fullBatch)?.seconds ?? .infinity) <= seconds }
        func edge(_ inside: Double, _ outside: Double) -> Double {
            if meets(outside) { return outside }
            var a = inside, b = outside
            while abs(b - a) > 1e-12 * max(1, abs(a)) {
                let m = 0.5 * (a + b)
                if meets(m) { a = m } else { b = m }
            }
            return a
        }
        let left = edge(logFastest, low), right = edge(logFastest, top)
        guard right > left else { return fastest }
        let x = try minimise(from: left, to: right) { self.plan(logN: $0, within: seconds)?.compute }
        return plan(logN: x, within: seconds) ?? fastest
    }

    /// The minimiser of f over [a, b]: a scan of 121 points, then golden-section search to 1e-10 in ln N. A minimum
    /// on the scan's edge is taken there.
    private func minimise(from a: Double, to b: Double, _ f: (Double) -> Double?) throws -> Double {
        let xs = (0..<121).map { a + (b - a) * Double($0) / 120 }
        switch try Planner.refineMinimum(xs, xs.map { f($0) ?? .infinity }, tolerance: 1e-10, { f($0) ?? .infinity }) {
        case .minimum(let x): return x
        case .atEdge(let lowEdge): return lowEdge ? a : b
        case .none: throw ScalingKitError.invalid("no model size reaches loss \(loss) in finite time")
        }
    }
}

extension Planner {
    /// Time-aware planning (Bergsma et al. 2025, "Power Lines", last section): the Pareto set of (N, D, B) reaching
    /// `loss` between wall-clock time and compute, at `points` deadlines log-spaced from the fastest plan's time to
    /// the cheapest plan's. Each point is the cheapest plan within its deadline (see `TimeAwareProblem` for the model).
    /// - Throws: `ScalingKitError` for a loss the law cannot reach, a law without a finite optimum, or points < 2.
    public static func timeAware(_ surface: LossSurface, loss: Double, criticalBatch: CriticalBatchLaw,
                                 hardware: TrainingHardware, points: Int = 64) throws -> TimeAwareFrontier {
        guard points >= 2 else { throw ScalingKitError.invalid("the frontier needs at least 2 points (got \(points))") }
        let problem = try TimeAwareProblem(surface, loss: loss, criticalBatch: criticalBatch, hardware: hardware)
        guard let fastest = problem.plan(logN: problem.logFastest, batch: hardware.fullBatch),
              let cheapest = problem.plan(logN: problem.logCheapest, batch: hardware.tokensPerDevice) else {
            throw ScalingKitError.invalid("no finite plan reaches loss \(loss)")
        }
        var frontier = [fastest]
        let span = log(cheapest.seconds / fastest.seconds)
        if span > 1e-9 {
            for i in 1..<(points - 1) {
                let deadline = fastest.seconds * exp(span * Double(i) / Double(points - 1))
                if let p = try problem.cheapest(within: deadline), p.compute < frontier[frontier.count - 1].compute {
                    frontier.append(p)
                }
            }
            if cheapest.compute < frontier[frontier.count - 1].compute { frontier.append(cheapest) }
        }
        return TimeAwareFrontier(loss: loss, points: frontier)
    }

    /// The cheapest plan reaching `loss` within `seconds` of wall-clock time, or nil when even the fastest plan
    /// takes longer (see `TimeAwareProblem` for the model).
    /// - Throws: `ScalingKitError` for a loss the law cannot reach, a law without a finite optimum, or a deadline
    ///   that is not finite and > 0.
    public static func cheapestPlan(_ surface: LossSurface, loss: Double, criticalBatch: CriticalBatchLaw,
                                    hardware: TrainingHardware, within seconds: Double) throws -> TimedPlan? {
        guard seconds.isFinite, seconds > 0 else { throw ScalingKitError.invalid("the deadline must be finite and > 0 seconds (got \(seconds))") }
        return try TimeAwareProblem(surface, loss: loss, criticalBatch: criticalBatch, hardware: hardware)
            .cheapest(within: seconds)
    }
}
