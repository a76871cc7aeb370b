#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The hyperparameters tuned on the proxy (base) model, and the run they were tuned for.
public struct ProxyHyperparameters: Sendable, Equatable {
    /// The tuned base learning rate.
    public var learningRate: Double
    /// PyTorch's (coupled) weight decay.
    public var weightDecay: Double
    /// The base init standard deviation of every weight (scaled per group by the rules).
    public var initStd: Double
    /// Adam's β₁.
    public var beta1: Double
    /// Adam's β₂.
    public var beta2: Double
    /// Adam's ε.
    public var epsilon: Double
    /// Tokens per step and training tokens of the proxy run.
    public var batchTokens: Double
    /// Training tokens of the proxy run.
    public var tokens: Double

    /// The proxy's hyperparameters; unset ones take common LLM defaults (β = (0.9, 0.95), ε = 10⁻⁸, init std 0.02, no weight decay).
    public init(learningRate: Double, weightDecay: Double = 0, initStd: Double = 0.02, beta1: Double = 0.9,
                beta2: Double = 0.95, epsilon: Double = 1e-8, batchTokens: Double, tokens: Double) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.initStd = initStd
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.batchTokens = batchTokens
        self.tokens = tokens
    }
}

/// How the batch size's change from proxy to target moves the learning rate (and Adam's betas and ε).
public enum BatchTransferRule: String, Sendable, CaseIterable {
    /// Keep them (the target batch is assumed tuned, or equal).
    case none
    /// Adam's square-root rule (Malladi et al. 2022).
    case squareRoot = "sqrt"
    /// SGD's linear rule (Goyal et al. 2017).
    case linear
}

/// The choices of one transfer.
public struct TransferOptions: Sendable, Equatable {
    /// The parametrization whose rules map the groups (μP, u-μP, CompleteP, SP).
    public var parametrization: Parametrization = .muP
    /// The optimizer family the rules are for.
    public var optimizer: OptimizerFamily = .adam
    /// How weight decay follows the learning rate across widths.
    public var weightDecayRule: WeightDecayRule = .inverseLearningRate
    /// Depth rule; nil when depth does not change.
    public var depth: DepthScaling?
    /// How the learning rate follows a change of batch size.
    public var batchRule: BatchTransferRule = .none
    /// Hold AdamW's timescale τ = B/(η·λ·D) at the proxy's for every group (Wang & Aitchison 2024; Power Lines
    /// 2025): the weight decay follows batch, tokens and each group's learning rate. Replaces `weightDecayRule`.
    public var holdTimescale = false
    /// η ∝ D^−exponent across training horizons (Bjorck et al. 2024 fit the exponent once per setup); 0: none.
    public var horizonExponent = 0.0

    /// The defaults above.
    public init() {}
}

/// One group's hyperparameters for the target: what goes into the optimizer and the model.
public struct GroupHyperparameters: Sendable, Equatable {
    /// The group's multipliers.
    public var rule: ParameterRule
    /// The group's learning rate for the target.
    public var learningRate: Double
    /// The group's weight decay for the target.
    public var weightDecay: Double
    /// The group's init standard deviation for the target.
    public var initStd: Double
    /// Constant the forward pass applies to the group's output.
    public var forwardMultiplier: Double
    /// The group's Adam ε for the target.
    public var epsilon: Double
}

/// What a transfer kept of the proxy although the target run differs from it materially (by more than 2× either
/// way): each a choice the caller made by default and should see. μP transfers the learning rate across width
/// (and CompleteP across depth), not across batch size or training horizon: the optimal rate moves with both
/// (Malladi et al. 2022 and Goyal et al. 2017 for the batch; Bjorck et al. 2024, η* ∝ D^−β, for the horizon).
public struct TransferNotes: OptionSet, Sendable, Hashable {
    /// The bits, as `sk_transfer_info.notes` carries them (SK_TRANSFER_NOTE_*).
    public let rawValue: UInt32
    /// The notes whose bits are set in `rawValue`.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The target batch differs from the proxy's and no batch rule is set: the learning rate ignores it.
    public static let batchKept = TransferNotes(rawValue: 1)
    /// The target's training tokens differ from the proxy's and no horizon exponent is set.
    public static let horizonKept = TransferNotes(rawValue: 2)

    /// Every note, one flag each, in flag order.
    public static let each: [TransferNotes] = [.batchKept, .horizonKept]

    /// One sentence per note, in flag order.
    public var descriptions: [String] {
        var out: [String] = []
        if contains(.batchKept) {
            out.append("the target batch differs from the proxy's by more than 2x and no batch rule is set: the learning rates ignore it (the optimal rate moves with the batch: set a batch rule, sqrt for Adam, or tune at the target batch)")
        }
        if contains(.horizonKept) {
            out.append("the target trains on more than 2x (or under half) the proxy's tokens and no horizon exponent is set: the learning rates ignore it (the optimal rate falls as training lengthens, Bjorck et al. 2024: fit the exponent once, or tune at the target horizon)")
        }
        return out
    }
}

/// A transfer's result: per-group values plus the global ones.
public struct TransferResult: Sendable, Equatable {
    /// Per-group values, in the order the groups were given.
    public var groups: [GroupHyperparameters]
    /// Residual branch multiplier (CompleteP m_L^−α; 1 without a depth rule).
    public var residualMultiplier: Double
    /// Adam's β₁ for the target.
    public var beta1: Double
    /// Adam's β₂ for the target (changed by batch rules that rescale it).
    public var beta2: Double
    /// The factor batch and horizon rules apply to every learning rate.
    public var learningRateScale: Double
    /// Tokens per step of the target run.
    public var batchTokens: Double
    /// Training tokens of the target run.
    public var tokens: Double
    /// What the transfer kept although the target differs (see `TransferNotes`); empty when nothing.
    public var notes: TransferNotes = []
}

extension Transfer {
    /// From a tuned proxy to the target in one call: width and depth rules per group (`rule(for:...)`), then the batch
    /// rule (κ = target batch / proxy batch), the horizon rule, and weight decay by the chosen rule or the held
    /// AdamW timescale.
    /// - Throws: `ScalingKitError` for non-finite or non-positive values, a batch rule that does not fit the
    ///   optimizer, or any error of the per-group rules.
    public static func plan(groups: [ParameterSpec], proxy: ProxyHyperparameters, targetBatchTokens: Double,
                            targetTokens: Double, options: TransferOptions = TransferOptions()) throws -> TransferResult {
        guard !groups.isEmpty else { throw ScalingKitError.invalid("no parameter groups to transfer") }
        for (name, v) in [("learning rate", proxy.learningRate), ("init std", proxy.initStd), ("epsilon", proxy.epsilon),
                          ("proxy batch", proxy.batchTokens), ("proxy tokens", proxy.tokens),
                          ("target batch", targetBatchTokens), ("target tokens", targetTokens)] where !(v.isFinite && v > 0) {
            throw ScalingKitError.invalid("\(name) must be finite and > 0 (got \(v))")
        }
        guard proxy.weightDecay.isFinite, proxy.weightDecay >= 0 else {
            throw ScalingKitError.invalid("weight decay must be finite and >= 0 (got \(proxy.weightDecay))")
        }
        guard options.horizonExponent.isFinite else { throw ScalingKitError.invalid("horizon exponent must be finite") }
        let kappa = targetBatchTokens / proxy.batchTokens
        var scale = 1.0, beta1 = proxy.beta1, beta2 = proxy.beta2, epsScale = 1.0
        switch options.batchRule {
        case .none: break
        case .squareRoot:
            guard options.optimizer == .adam else { throw ScalingKitError.invalid("the square-root batch rule is Adam's; use linear for SGD") }
            let h = try BatchRules.adamSquareRoot(AdamHyperparameters(learningRate: 1, beta1: beta1, beta2: beta2, epsilon: 1), kappa: kappa)
            scale = h.learningRate; beta1 = h.beta1; beta2 = h.beta2; epsScale = h.epsilon
        case .linear:
            guard options.optimizer == .sgd else { throw ScalingKitError.invalid("the linear batch rule is SGD's; use sqrt for Adam") }
            scale = try BatchRules.sgdLinear(learningRate: 1, kappa: kappa)
        }
        scale *= pow(targetTokens / proxy.tokens, -options.horizonExponent)
        let results = try groups.map { spec -> GroupHyperparameters in
            let r = try rule(for: spec, parametrization: options.parametrization, optimizer: options.optimizer,
                             weightDecay: options.weightDecayRule, depth: options.depth)
            let lr = proxy.learningRate * r.learningRateMultiplier * scale
            var wd = proxy.weightDecay * r.weightDecayMultiplier
            if options.weightDecayRule == .independent { wd /= scale }       // η·λ held through batch and horizon too
            if options.holdTimescale && proxy.weightDecay > 0 {
                // τ_target = τ_proxy: B_t/(η_t λ_t D_t) = B_p/(η_p λ_p D_p).
                wd = proxy.weightDecay * (targetBatchTokens / proxy.batchTokens) * (proxy.learningRate / lr)
                    * (proxy.tokens / targetTokens)
            }
            return GroupHyperparameters(rule: r, learningRate: lr, weightDecay: wd, initStd: proxy.initStd * r.initStdMultiplier,
                                        forwardMultiplier: r.forwardMultiplier,
                                        epsilon: proxy.epsilon * r.epsilonMultiplier * epsScale)
        }
        var notes: TransferNotes = []
        let material = { (ratio: Double) in ratio > 2 || ratio < 0.5 }
        if options.batchRule == .none && material(kappa) { notes.insert(.batchKept) }
        if options.horizonExponent == 0 && material(targetTokens / proxy.tokens) { notes.insert(.horizonKept) }
        return TransferResult(groups: results, residualMultiplier: options.depth?.residualMultiplier ?? 1, beta1: beta1,
                              beta2: beta2, learningRateScale: scale, batchTokens: targetBatchTokens, tokens: targetTokens,
                              notes: notes)
    }
}
