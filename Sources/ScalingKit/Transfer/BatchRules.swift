#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam's hyperparameters that batch-size rules touch.
public struct AdamHyperparameters: Sendable, Equatable {
    /// Learning rate η.
    public var learningRate: Double
    /// β₁, the first-moment decay.
    public var beta1: Double
    /// β₂, the second-moment decay.
    public var beta2: Double
    /// ε, added to the second moment's root.
    public var epsilon: Double

    /// Adam's hyperparameters, PyTorch's defaults unless given.
    public init(learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }
}

/// Rules for changing the batch size by a factor κ = B_new / B_old, and the learning-rate curves against batch size.
public enum BatchRules {
    static func checkKappa(_ kappa: Double) throws {
        guard kappa.isFinite, kappa > 0 else { throw ScalingKitError.invalid("batch factor kappa must be finite and > 0 (got \(kappa))") }
    }

    static func checkLearningRate(_ lr: Double) throws {
        guard lr.isFinite, lr > 0 else { throw ScalingKitError.invalid("learning rate must be finite and > 0 (got \(lr))") }
    }

    /// SGD's linear scaling rule (Goyal et al. 2017, §2.1): η ← κ·η.
    public static func sgdLinear(learningRate: Double, kappa: Double) throws -> Double {
        try checkKappa(kappa)
        try checkLearningRate(learningRate)
        return kappa * learningRate
    }

    /// Adam's square-root scaling rule from its SDE (Malladi et al. 2022, "On the SDEs and Scaling Rules for Adaptive Gradient Algorithms": the square-root scaling rule): η ← √κ·η,
    /// 1 − β₁ ← κ(1 − β₁), 1 − β₂ ← κ(1 − β₂), ε ← ε/√κ.
    /// - Throws: `ScalingKitError` when κ(1 − β) ≥ 1 (the rule leaves the range of a decay rate), for a learning rate
    ///   that is not finite and > 0, or an ε that is not finite and ≥ 0.
    public static func adamSquareRoot(_ h: AdamHyperparameters, kappa: Double) throws -> AdamHyperparameters {
        try checkKappa(kappa)
        try checkLearningRate(h.learningRate)
        // Found by fuzzing: a NaN or negative epsilon used to pass through as a "successful" NaN.
        guard h.epsilon.isFinite, h.epsilon >= 0 else { throw ScalingKitError.invalid("epsilon must be finite and >= 0 (got \(h.epsilon))") }
        for (name, beta) in [("beta1", h.beta1), ("beta2", h.beta2)] where !(beta >= 0 && beta < 1) {
            throw ScalingKitError.invalid("\(name) must be in [0, 1) (got \(beta))")
        }
        let b1 = 1 - kappa * (1 - h.beta1), b2 = 1 - kappa * (1 - h.beta2)
        guard b1 >= 0, b2 >= 0 else {
            throw ScalingKitError.invalid("kappa \(kappa) is too large for the square-root rule: 1 - kappa(1 - beta) < 0 (beta1 \(h.beta1), beta2 \(h.beta2))")
        }
        let r = kappa.squareRoot()
        return AdamHyperparameters(learningRate: r * h.learningRate, beta1: b1, beta2: b2, epsilon: h.epsilon / r)
    }

    /// An exponential moving average's momentum for κ× larger batches: ρ ← ρ^κ (Busbridge et al. 2023, "How to
    /// Scale Your EMA"); the same rule keeps β₂'s half-life fixed in tokens.
    public static func emaMomentum(_ rho: Double, kappa: Double) throws -> Double {
        try checkKappa(kappa)
        guard rho >= 0, rho <= 1 else { throw ScalingKitError.invalid("momentum must be in [0, 1] (got \(rho))") }
        return pow(rho, kappa)
    }

    /// The optimal learning rate against batch size for Adam-style optimizers (Li et al. 2024, "Surge
    /// Phenomenon in Optimal Learning Rate and Batch Size Scaling"): η_max / (½(√(B_noise/B) + √(B/B_noise))),
    /// rising to η_max at B = B_noise, then falling. The peak's location is the paper's; this closed form is our
    /// reading of its approximation (see the transfer research notes: medium confidence).
    public static func adamOptimalLearningRate(batch: Double, noiseScale: Double, peak: Double) throws -> Double {
        try checkPositive(("batch", batch), ("noise scale", noiseScale), ("peak learning rate", peak))
        return peak / (0.5 * ((noiseScale / batch).squareRoot() + (batch / noiseScale).squareRoot()))
    }

    /// SGD's optimal learning rate against batch size (McCandlish et al. 2018, §2.2): η_max / (1 + B_noise/B).
    public static func sgdOptimalLearningRate(batch: Double, noiseScale: Double, peak: Double) throws -> Double {
        try checkPositive(("batch", batch), ("noise scale", noiseScale), ("peak learning rate", peak))
        return peak / (1 + noiseScale / batch)
    }

    /// Each value finite and > 0, or an error naming the first that is not.
    static func checkPositive(_ values: (String, Double)...) throws {
        if let (name, v) = values.first(where: { !($0.1.isFinite && $0.1 > 0) }) {
            throw ScalingKitError.invalid("\(name) must be finite and > 0 (got \(v))")
        }
    }

    /// AdamW's EMA timescale as a fraction of training (Wang & Aitchison 2024; Bergsma et al. 2025, "Power Lines"):
    /// τ = B / (η·λ·D) with B and D in the same unit (tokens or sequences) and PyTorch's coupled weight decay.
    public static func adamWTimescale(batch: Double, learningRate: Double, weightDecay: Double, tokens: Double) throws -> Double {
        try checkPositive(("batch", batch), ("learning rate", learningRate), ("weight decay", weightDecay), ("tokens", tokens))
        return batch / (learningRate * weightDecay * tokens)
    }

    /// The weight decay that gives timescale τ: λ = B / (η·τ·D).
    public static func weightDecay(forTimescale tau: Double, batch: Double, learningRate: Double, tokens: Double) throws -> Double {
        try checkPositive(("timescale", tau), ("batch", batch), ("learning rate", learningRate), ("tokens", tokens))
        return batch / (learningRate * tau * tokens)
    }
}
