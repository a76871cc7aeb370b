/// The steps a run needed to reach a target loss, read from its logged loss curve: the input of the steps-versus-
/// batch trade-off (`BatchTradeoff`), which McCandlish et al. (2018, §3, fig. 4) measure as "steps to reach a given
/// loss" in runs at several batch sizes.
///
/// Why not the first logged step at or below the target: a noisy curve dips below a target before it stays there,
/// so the first crossing comes early, and earlier the noisier the run (small batches are the noisy ones, which
/// biases S at small B and so B_crit). The curve is first made non-increasing by least squares (the
/// pool-adjacent-violators algorithm; Ayer et al. 1955, Barlow et al. 1972), which averages the noise around a
/// crossing, and the crossing of that fit is interpolated linearly between the two logged steps around it.
public enum StepsToTarget {
    /// Where a curve meets its target.
    public enum Crossing: Sendable, Equatable {
        /// At this step, interpolated between the logged steps around it.
        case reached(Double)
        /// Not within the logged steps: the run needed more (a censored observation, not a step count).
        case notReached
        /// At or before the first logged step: the target is too easy for this log to say when.
        case atFirstStep
    }

    /// The crossing of `target` by the loss curve `loss[i]` logged at `steps[i]` (strictly increasing, finite,
    /// ≥ 0; losses finite and > 0).
    /// - Throws: `ScalingKitError` for empty or mismatched arrays, steps that do not increase, a loss that is not
    ///   finite and > 0 (a NaN from a diverged run is named as such), or a target that is not finite and > 0.
    public static func crossing(steps: [Double], loss: [Double], target: Double) throws -> Crossing {
        guard !steps.isEmpty else { throw ScalingKitError.length("the curve is empty") }
        guard steps.count == loss.count else {
            throw ScalingKitError.length("\(steps.count) steps but \(loss.count) losses")
        }
        guard target.isFinite, target > 0 else { throw ScalingKitError.invalid("target loss must be finite and > 0 (got \(target))") }
        for i in steps.indices {
            guard steps[i].isFinite, steps[i] >= 0 else { throw ScalingKitError.invalid("steps[\(i)] must be finite and >= 0 (got \(steps[i]))") }
            guard i == 0 || steps[i] > steps[i - 1] else {
                throw ScalingKitError.invalid("steps must increase: steps[\(i)] = \(steps[i]) after \(steps[i - 1]) (one curve per call, in order)")
            }
            guard loss[i].isFinite, loss[i] > 0 else {
                throw ScalingKitError.invalid("loss[\(i)] is \(loss[i]): " + (loss[i].isNaN || loss[i] == .infinity
                    ? "a run that diverged? Cut its curve where it did" : "losses must be finite and > 0"))
            }
        }
        let fitted = nonIncreasing(loss)
        guard let k = fitted.firstIndex(where: { $0 <= target }) else { return .notReached }
        guard k > 0 else { return .atFirstStep }
        // fitted[k-1] > target >= fitted[k]: linear in step between the two logged steps.
        let t = (fitted[k - 1] - target) / (fitted[k - 1] - fitted[k])
        return .reached(steps[k - 1] + t * (steps[k] - steps[k - 1]))
    }

    /// The least-squares non-increasing fit to `y` (pool adjacent violators, equal weights). O(n).
    static func nonIncreasing(_ y: [Double]) -> [Double] {
        var means: [Double] = [], counts: [Int] = []
        for v in y {
            means.append(v)
            counts.append(1)
            // A block below the next one violates "non-increasing": pool them.
            while means.count >= 2 && means[means.count - 2] < means[means.count - 1] {
                let c = counts.removeLast(), m = means.removeLast()
                let c0 = counts[counts.count - 1], m0 = means[means.count - 1]
                means[means.count - 1] = (m0 * Double(c0) + m * Double(c)) / Double(c0 + c)
                counts[counts.count - 1] = c0 + c
            }
        }
        return zip(means, counts).flatMap { Array(repeating: $0.0, count: $0.1) }
    }
}

extension StepsToTarget {
    /// One (run, target) pair of a sweep and where the run's curve meets the target.
    public struct Entry<Run: Hashable & Sendable>: Sendable, Equatable {
        /// The run's label (as given).
        public var run: Run
        /// Its batch size.
        public var batch: Double
        /// The target loss.
        public var targetLoss: Double
        /// `.reached(steps)`, or why there is no step count.
        public var crossing: Crossing
        /// The steps to the target when reached, else nil.
        public var steps: Double? {
            if case .reached(let s) = crossing { return s }
            return nil
        }
    }

    /// Steps to every target for every run of a sweep logged as one table: `run[i]` labels row i's run (a name, an
    /// id: messages name the run by it; runs are taken in order of first appearance, each run's rows in table
    /// order), `batch[i]` its batch size,
    /// `step[i]` and `loss[i]` one logged point. One entry per (run, target), runs in that order and targets in the
    /// given order. The reached entries are the input of `BatchTradeoff.fit(batch:steps:targetLoss:)`; the others
    /// say why they are left out.
    /// - Throws: `ScalingKitError` for mismatched or empty columns, no target, a run with two batch sizes or a
    ///   batch that is not finite and > 0, or what `crossing` refuses in a run (named by its label).
    public static func table<Run: Hashable & Sendable>(run: [Run], batch: [Double], step: [Double], loss: [Double],
                                                      targets: [Double]) throws -> [Entry<Run>]
    {
        guard !run.isEmpty else { throw ScalingKitError.length("the sweep is empty") }
        guard batch.count == run.count, step.count == run.count, loss.count == run.count else {
            throw ScalingKitError.length("\(run.count) run labels, \(batch.count) batch sizes, \(step.count) steps and \(loss.count) losses")
        }
        guard !targets.isEmpty else { throw ScalingKitError.length("no target loss") }
        var order: [Run] = [], rowsOf: [Run: [Int]] = [:]
        for i in run.indices {
            if rowsOf[run[i]] == nil { order.append(run[i]) }
            rowsOf[run[i], default: []].append(i)
        }
        var entries: [Entry<Run>] = []
        for code in order {
            let idx = rowsOf[code]!
            let b = batch[idx[0]]
            if let other = idx.first(where: { batch[$0] != b }) {
                throw ScalingKitError.invalid("run \(code) has batch sizes \(FitSearch.format(b)) and \(FitSearch.format(batch[other])): one batch per run")
            }
            guard b.isFinite, b > 0 else { throw ScalingKitError.invalid("run \(code): batch must be finite and > 0 (got \(b))") }
            let steps = idx.map { step[$0] }, losses = idx.map { loss[$0] }
            for target in targets {
                do {
                    entries.append(Entry(run: code, batch: b, targetLoss: target,
                                         crossing: try crossing(steps: steps, loss: losses, target: target)))
                } catch let e as ScalingKitError {
                    throw ScalingKitError(e.code, "run \(code): \(e.message)")
                }
            }
        }
        return entries
    }
}
