#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The several things papers call "critical batch size", as explicit conversions under McCandlish et al.'s
/// trade-off S = S_min(1 + B_crit/B) (they differ by about 5×: the batch-size research notes, §1.4).
public enum CriticalBatch {
    static func positive(_ values: (String, Double)...) throws {
        for (name, v) in values where !(v.isFinite && v > 0) {
            throw ScalingKitError.invalid("\(name) must be finite and > 0 (got \(v))")
        }
    }

    /// McCandlish et al. (2018, eq. 2.12): B_crit = E_min/S_min, the batch of 100 % overhead in steps and examples.
    public static func mcCandlish(minimumExamples: Double, minimumSteps: Double) throws -> Double {
        try positive(("minimum examples", minimumExamples), ("minimum steps", minimumSteps))
        return minimumExamples / minimumSteps
    }

    /// The batch spending θ more examples than the B → 0 limit: E/E_min − 1 = B/B_crit, so B_θ = θ·B_crit.
    public static func overheadBatch(theta: Double, criticalBatch: Double) throws -> Double {
        try positive(("theta", theta), ("critical batch", criticalBatch))
        return theta * criticalBatch
    }

    /// Zhang et al. (2024)'s CBS, θ (20 %) over linear scaling from a reference batch B_ref:
    /// (B + B_crit)/(B_ref + B_crit) = 1 + θ gives B = (1 + θ)·B_ref + θ·B_crit.
    public static func zhang(referenceBatch: Double, criticalBatch: Double, theta: Double = 0.2) throws -> Double {
        try positive(("reference batch", referenceBatch), ("critical batch", criticalBatch), ("theta", theta))
        return (1 + theta) * referenceBatch + theta * criticalBatch
    }

    /// Steps and examples at batch B relative to their minima: S/S_min = 1 + B_crit/B, E/E_min = 1 + B/B_crit.
    public static func relativeCost(batch: Double, criticalBatch: Double) throws -> (steps: Double, examples: Double) {
        try positive(("batch", batch), ("critical batch", criticalBatch))
        return (1 + criticalBatch / batch, 1 + batch / criticalBatch)
    }

    /// Steps to the target at batch B for a fitted trade-off: S = S_min·(1 + B_crit/B) (McCandlish et al. 2018,
    /// eq. 2.11).
    public static func steps(minimumSteps: Double, criticalBatch: Double, batch: Double) throws -> Double {
        try positive(("minimum steps", minimumSteps), ("critical batch", criticalBatch), ("batch", batch))
        return minimumSteps * (1 + criticalBatch / batch)
    }

    /// Kaplan et al. (2020, eq. 1.4): B_crit(L) = B*/L^(1/α_B) for a law fitted through several targets.
    public static func kaplan(criticalBatchAtUnitLoss bStar: Double, alphaB: Double, loss: Double) throws -> Double {
        try positive(("B*", bStar), ("alpha_B", alphaB), ("loss", loss))
        return try PowerLawFit.evaluate(coefficient: bStar, exponent: -1 / alphaB, at: loss)
    }

    /// Kaplan et al. (2020, eq. 5.4–5.5): the steps and compute a run at batch B would need at the batch-optimal
    /// extremes, S_min = S/(1 + B_crit/B) and C_min = C/(1 + B/B_crit).
    public static func kaplanMinimum(steps: Double, compute: Double, batch: Double, criticalBatch: Double) throws
        -> (minimumSteps: Double, minimumCompute: Double)
    {
        try positive(("steps", steps), ("compute", compute), ("batch", batch), ("critical batch", criticalBatch))
        return (steps / (1 + criticalBatch / batch), compute / (1 + batch / criticalBatch))
    }

    /// AdaptDL/Pollux's statistical efficiency of batch M against the initial M0 (Qiao et al. 2021, from the
    /// adaptdl source): (φ + M0)/(φ + M) with φ = B_simple; the gain (φ + M0)·(M/M0)/(φ + M) is what AdaScale
    /// multiplies the learning rate by.
    public static func statisticalEfficiency(batch: Double, initialBatch: Double, noiseScale: Double) throws -> (efficiency: Double, gain: Double) {
        try positive(("batch", batch), ("initial batch", initialBatch))
        guard noiseScale.isFinite, noiseScale >= 0 else { throw ScalingKitError.invalid("noise scale must be finite and >= 0 (got \(noiseScale))") }
        let e = (noiseScale + initialBatch) / (noiseScale + batch)
        return (e, e * batch / initialBatch)
    }
}

/// Published critical- and optimal-batch laws, with their units.
public enum BatchLaw: String, Sendable, CaseIterable {
    /// Kaplan et al. (2020, eq. 1.4): B_crit(L) = 2·10⁸ / L^(1/0.21) tokens, L the test loss in nats (WebText2).
    case kaplan
    /// DeepSeek LLM (Bi et al. 2024, eq. 1): B_opt(C) = 0.2920·C^0.3271 tokens, C = M·D FLOPs.
    case deepSeek = "deepseek"
    /// Step Law (Li et al. 2025): B_opt(D) = 0.58·D^0.571 tokens.
    case stepLaw = "step_law"

    /// The law as a power law in its variable.
    public var law: CriticalBatchLaw {
        switch self {
        case .kaplan: return CriticalBatchLaw(published: 2e8, -1 / 0.21)
        case .deepSeek: return CriticalBatchLaw(published: 0.2920, 0.3271)
        case .stepLaw: return CriticalBatchLaw(published: 0.58, 0.571)
        }
    }

    /// The law at its variable: loss for Kaplan, compute for DeepSeek, tokens for Step Law. Tokens per step.
    public func batchTokens(at x: Double) throws -> Double {
        guard x.isFinite, x > 0 else { throw ScalingKitError.invalid("the law's variable must be finite and > 0 (got \(x))") }
        return law(x)
    }

    /// Exponents published without prefactors (Bergsma et al. 2025, "Power Lines"): B_opt ∝ D^0.383 and
    /// B_crit ∝ D_min^0.462 — scale them through one measured point.
    public static let powerLinesOptimalExponent = 0.383
    /// Exponent of B_crit ∝ D_min^0.462 (Power Lines, the critical batch against the data reaching a loss).
    public static let powerLinesCriticalExponent = 0.462
}

/// A batch-size schedule: (tokens seen, batch) pairs, each batch holding from its token count to the next.
public struct BatchSchedule: Sendable, Equatable {
    /// Tokens seen when each batch size takes over, ascending, starting at 0.
    public var tokens: [Double]
    /// Batch size (tokens per step) from `tokens[i]` until `tokens[i + 1]`.
    public var batch: [Double]

    /// `following(criticalBatch:...)` for a power law B_crit = coefficient·tokens^exponent (a fitted or published
    /// law, for example Power Lines' exponent 0.462 scaled through a measured point).
    public static func following(coefficient: Double, exponent: Double, totalTokens: Double, minimumBatch: Double,
                                 maximumBatch: Double, fraction: Double = 1) throws -> BatchSchedule {
        guard coefficient.isFinite, coefficient > 0, exponent.isFinite else {
            throw ScalingKitError.invalid("B_crit = coefficient * tokens^exponent needs a finite coefficient > 0 and a finite exponent")
        }
        return try following(criticalBatch: { coefficient * pow($0, exponent) }, totalTokens: totalTokens,
                             minimumBatch: minimumBatch, maximumBatch: maximumBatch, fraction: fraction)
    }

    /// A warm-up that follows the critical batch as training proceeds (Merrill et al. 2025 raise the batch as the
    /// local CBS grows; McCandlish et al. 2018, App. D, on adaptive batches): at every point, the largest batch that
    /// is a power of two times `minimumBatch`, at most `fraction`·B_crit(tokens) and `maximumBatch`.
    /// `criticalBatch` gives B_crit at a token count (a fitted law, or an interpolation of measurements). The
    /// schedule is scanned at `checkpoints` log-spaced token counts up to `totalTokens` and never decreases.
    /// - Throws: `ScalingKitError` for values that are not finite and > 0, maximumBatch < minimumBatch or fewer than
    ///   2 checkpoints.
    public static func following(criticalBatch: (Double) throws -> Double, totalTokens: Double, minimumBatch: Double,
                                 maximumBatch: Double, fraction: Double = 1, checkpoints: Int = 256) throws -> BatchSchedule {
        try CriticalBatch.positive(("total tokens", totalTokens), ("minimum batch", minimumBatch),
                                   ("maximum batch", maximumBatch), ("fraction", fraction))
        guard maximumBatch >= minimumBatch else { throw ScalingKitError.invalid("the maximum batch is below the minimum") }
        guard checkpoints >= 2 else { throw ScalingKitError.invalid("at least 2 checkpoints (got \(checkpoints))") }
        var schedule = BatchSchedule(tokens: [0], batch: [minimumBatch])
        let first = min(minimumBatch, totalTokens)
        for i in 0..<checkpoints {
            let t = first * pow(totalTokens / first, Double(i) / Double(checkpoints - 1))
            let cbs = try criticalBatch(t)
            guard cbs.isFinite, cbs > 0 else { throw ScalingKitError.invalid("the critical batch at \(t) tokens is \(cbs)") }
            let allowed = min(maximumBatch, fraction * cbs)
            var b = schedule.batch.last!
            while b * 2 <= allowed { b *= 2 }
            if b > schedule.batch.last! {
                schedule.tokens.append(t)
                schedule.batch.append(b)
            }
        }
        return schedule
    }
}
