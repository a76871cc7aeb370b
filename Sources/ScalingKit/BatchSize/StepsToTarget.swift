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
