#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// u-μP (Blake et al. 2024, "u-μP: The Unit-Scaled Maximal Update Parametrization") as `unit-scaling` 0.3.5
/// implements it: every weight initialised N(0, 1), no base model, and learning-rate scales that are absolute
/// functions of a parameter's type, shape and depth.
public enum UnitScaledType: String, Sendable, CaseIterable {
    /// Linear and embedding weights.
    case weight
    /// Biases.
    case bias
    /// Normalisation gains.
    case norm
    /// The readout (`LinearReadout`).
    case output
}

extension Transfer {
    /// `unit-scaling`'s fan-in: shape[0] for a vector, shape[1] for a matrix (an embedding's width, its fan-out),
    /// shape[1]·shape[2] for a 3-tensor.
    static func unitScaledFanIn(_ shape: [Int]) throws -> Double {
        switch shape.count {
        case 1: return Double(shape[0])
        case 2: return Double(shape[1])
        case 3: return Double(shape[1]) * Double(shape[2])
        default: throw ScalingKitError(.unsupported, "u-μP has no fan-in for a tensor of rank \(shape.count)")
        }
    }

    /// The learning-rate scale of one parameter: for Adam/AdamW `weight` fan_in^−½, `bias`/`norm`/`output` 1; for
    /// SGD (readout constraint "to_output_scale") `weight` fan_in^½, `bias`/`norm` shape[0], `output` 1. Both ×
    /// depth^−½ for a parameter inside a stack of `depth` residual layers (0: not in one).
    /// - Throws: `ScalingKitError` for a size ≤ 0, a rank above 3, or a negative depth.
    public static func unitScaledLearningRateScale(type: UnitScaledType, shape: [Int], depth: Int = 0,
                                                  optimizer: OptimizerFamily = .adam) throws -> Double {
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else { throw ScalingKitError.invalid("shape \(shape) needs sizes > 0") }
        guard depth >= 0 else { throw ScalingKitError.invalid("depth must be >= 0 (got \(depth))") }
        let depthScale = depth == 0 ? 1 : 1 / Double(depth).squareRoot()
        let fanIn = try unitScaledFanIn(shape)
        switch (optimizer, type) {
        case (.adam, .weight): return depthScale / fanIn.squareRoot()
        case (.adam, _): return depthScale
        case (.sgd, .weight): return depthScale * fanIn.squareRoot()
        case (.sgd, .bias), (.sgd, .norm): return depthScale * Double(shape[0])
        case (.sgd, .output): return depthScale
        }
    }

    /// Independent weight decay (u-μP's default): the optimizer's weight_decay for a group is λ / (its learning
    /// rate), so that PyTorch's AdamW decays by λ per step whatever the peak learning rate.
    public static func independentWeightDecay(_ lambda: Double, groupLearningRate: Double) throws -> Double {
        guard lambda.isFinite, lambda >= 0 else {
            throw ScalingKitError.invalid("weight decay must be finite and >= 0 (got \(lambda))")
        }
        guard groupLearningRate.isFinite, groupLearningRate > 0 else {
            throw ScalingKitError.invalid("the group's learning rate must be finite and > 0 (got \(groupLearningRate))")
        }
        return lambda / groupLearningRate
    }
}

extension Transfer {
    /// u-μP's residual rule for a transformer stack (Blake et al. 2024, App. G; `unit-scaling` 0.3.5
    /// `transformer_residual_scaling_rule`): the τ of residual layer `index` (attention at even indices, MLP at odd)
    /// in a stack of `layers` residual layers, such that every attention layer contributes alike, every MLP layer
    /// alike, all of them `residualMultiplier` times the embedding, attention `attentionRatio` times MLP:
    /// α_mlp = m·√(2/(1 + r²)), α_attn = r·α_mlp, τ_i = α_i / √(layers/2 + n_attn(i)·α_attn² + n_mlp(i)·α_mlp²)
    /// with n_attn(i) = ⌊(i+1)/2⌋, n_mlp(i) = ⌊i/2⌋. The branch is then scaled by τ/√(1+τ²), the skip by 1/√(1+τ²).
    public static func unitScaledResidualTau(index: Int, layers: Int, residualMultiplier: Double = 1,
                                             attentionRatio: Double = 1) throws -> Double {
        guard layers >= 1, index >= 0, index < layers else {
            throw ScalingKitError.invalid("residual layer index \(index) must be in 0 ..< layers (\(layers))")
        }
        guard residualMultiplier.isFinite, residualMultiplier > 0, attentionRatio.isFinite, attentionRatio > 0 else {
            throw ScalingKitError.invalid("the residual multiplier and attention ratio must be finite and > 0")
        }
        let alphaMLP = residualMultiplier * (2 / (1 + attentionRatio * attentionRatio)).squareRoot()
        let alphaAttention = attentionRatio * alphaMLP
        let nAttention = Double((index + 1) / 2), nMLP = Double(index / 2)
        let alpha = index % 2 == 0 ? alphaAttention : alphaMLP
        let tau = alpha / (Double(layers) / 2 + nAttention * alphaAttention * alphaAttention + nMLP * alphaMLP * alphaMLP).squareRoot()
        // Found by fuzzing: multipliers near the top of the double range overflowed α² into a NaN τ.
        guard tau.isFinite else {
            throw ScalingKitError.invalid("residual multiplier \(residualMultiplier) and attention ratio \(attentionRatio) give tau = \(tau): out of range")
        }
        return tau
    }

    /// The factor on attention logits qᵀk: 1/√d_head in SP; in μP 1/d_head (Yang et al. 2022, TP5 Def. 4.1), written
    /// √d_base/d_head so that the base model — where the proxy was tuned — keeps 1/√d_base (`mup`'s README uses
    /// 8/d, that is d_base = 64).
    public static func attentionScale(headDim: Int, baseHeadDim: Int, parametrization: Parametrization = .muP) throws -> Double {
        guard headDim >= 1, baseHeadDim >= 1 else {
            throw ScalingKitError.invalid("head dimensions must be >= 1 (got \(headDim), base \(baseHeadDim))")
        }
        switch parametrization {
        case .standard: return 1 / Double(headDim).squareRoot()
        case .muP, .muPTable3: return Double(baseHeadDim).squareRoot() / Double(headDim)
        }
    }
}
