#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a parameter does, where its shape alone cannot tell. `inferred` takes the role from the number of
/// width-scaled axes as `mup` does (0: scalar-like, 1: vector-like — input weights, embeddings, biases, norm
/// gains —, 2: matrix-like hidden weights). A readout must be named: its shape looks like an embedding's.
public enum ParameterRole: String, Sendable, CaseIterable {
    /// Decided from the shape (0 or 1 width axes: vector-like; 2: matrix-like).
    case inferred
    /// Input (embedding-like) weights: width only on the output side.
    case input
    /// Hidden weights: width on both sides.
    case hidden
    /// Readout (unembedding) weights: width on the input side; must be named, its shape looks like an embedding's.
    case readout
    /// Biases.
    case bias
    /// Normalisation gains.
    case norm
}

/// The optimizer family: `mup` splits optimizers into Adam-like (Adam, AdamW, RMSprop, Adagrad, …) and SGD-like.
public enum OptimizerFamily: String, Sendable, CaseIterable {
    /// Adam-like (Adam, AdamW, RMSprop, Adagrad, …).
    case adam
    /// SGD-like.
    case sgd
}

/// How hyperparameters scale with width.
public enum Parametrization: String, Sendable, CaseIterable {
    /// Standard parametrization: every multiplier 1, PyTorch's 1/√fan_in init.
    case standard
    /// μP as Tensor Programs V Table 8 and `mup` 1.0.0 implement it: readout init constant, forward × 1/fan_in.
    case muP
    /// μP in Table 3's form: no multipliers, the readout's init std and learning rate carry the 1/fan_in instead
    /// (the same training dynamics by abc-symmetry, TP5 §5).
    case muPTable3
}

/// How weight decay changes with width (for hidden matrices; the choice matters because published rules disagree).
public enum WeightDecayRule: String, Sendable, CaseIterable {
    /// × 1/(learning-rate multiplier): the per-step decay η·λ is kept (`mup`'s default; Wang & Aitchison 2024).
    case inverseLearningRate
    /// Matrix-like parameters × √m (Fan et al. 2025, λ₂ ∝ √d); others unchanged.
    case sqrtWidth
    /// Unchanged (`mup` main's `decoupled_wd=True`; many nanoGPT ports).
    case fixed
    /// Independent of the learning rate (Loshchilov & Hutter's original; u-μP's default): the per-step decay η·λ
    /// stays the proxy's whatever moves the learning rate — width, depth, batch and horizon rules alike.
    case independent
}

/// Depth transfer, the CompleteP family (Dey et al. 2025; authors' code "Table 1"): residual branches × m_L^−α,
/// hidden Adam learning rates × m_L^(α−1), Adam ε × m_N^−1·m_L^−α, with m_L = layers/baseLayers. α = 1 is
/// CompleteP; α = ½ is Depth-μP (Yang et al. 2023, TP6; Bordelon et al. 2023).
public struct DepthScaling: Sendable, Equatable {
    /// α: the exponent of the depth multiplier (1 for CompleteP, ½ for Depth-μP).
    public var alpha: Double
    /// Layers of the base (proxy) model.
    public var baseLayers: Int
    /// Layers of the target model.
    public var layers: Int

    /// A depth change from `baseLayers` to `layers` with branch multiplier exponent `alpha`.
    ///
    /// - Throws: `ScalingKitError` for α outside [½, 1] (the family CompleteP studies) or layer counts < 1.
    public init(alpha: Double, baseLayers: Int, layers: Int) throws {
        guard alpha.isFinite, alpha >= 0.5, alpha <= 1 else {
            throw ScalingKitError.invalid("depth alpha must be in [0.5, 1] (CompleteP 1, Depth-μP 0.5; got \(alpha))")
        }
        guard baseLayers >= 1, layers >= 1 else {
            throw ScalingKitError.invalid("layer counts must be >= 1 (got base \(baseLayers), target \(layers))")
        }
        self.alpha = alpha
        self.baseLayers = baseLayers
        self.layers = layers
    }

    /// m_L = layers / baseLayers.
    public var multiplier: Double { Double(layers) / Double(baseLayers) }
    /// The residual branch multiplier m_L^−α.
    public var residualMultiplier: Double { pow(multiplier, -alpha) }
}

/// Everything a transfer needs to know of one parameter group.
public struct ParameterSpec: Sendable, Equatable {
    /// The group's name (a parameter's name in the model).
    public var name: String
    /// Its shape in the base, delta and target models.
    public var shape: WidthShape
    /// Its role; `.inferred` decides from the shape.
    public var role: ParameterRole
    /// Inside a residual block (its learning rate follows depth rules when depth changes).
    public var inResidualBlock: Bool

    /// A group; `inResidualBlock` marks parameters inside residual branches, which depth rules scale.
    public init(name: String, shape: WidthShape, role: ParameterRole = .inferred, inResidualBlock: Bool = false) {
        self.name = name
        self.shape = shape
        self.role = role
        self.inResidualBlock = inResidualBlock
    }
}

/// Per-group multipliers relative to the base model's hyperparameters: target value = base value × multiplier.
public struct ParameterRule: Sendable, Equatable {
    /// The group's name.
    public var name: String
    /// The role used: a given role, or the one inferred from the shape (`input` for vector-like, `hidden` for
    /// matrix-like, `bias` for scalar-like).
    public var role: ParameterRole
    /// Axes that scale with width (0, 1 or 2).
    public var scaledAxes: Int
    /// mup's `width_mult`: target/base of the last scaled axis (a matrix's fan-in), 1 if none scales.
    public var widthMultiplier: Double
    /// Fan-in ratio target/base (1 for a vector).
    public var fanInMultiplier: Double
    /// Fan-out ratio target/base.
    public var fanOutMultiplier: Double
    /// Target init standard deviation over the base's.
    public var initStdMultiplier: Double
    /// A constant the forward pass applies to the parameter (1 but for μP's readout: 1/m).
    public var forwardMultiplier: Double
    /// Target learning rate = base learning rate × this.
    public var learningRateMultiplier: Double
    /// Target weight decay = base weight decay × this.
    public var weightDecayMultiplier: Double
    /// Adam ε over the base's (CompleteP scales it for hidden weights; 1 otherwise).
    public var epsilonMultiplier: Double
}

/// The width (and depth) transfer rules: a pure function of shapes, roles and choices, no tensors.
public enum Transfer {
    /// The multipliers for one parameter.
    ///
    /// Width (Yang et al. 2022, TP5 Tables 3 and 8; `mup` 1.0.0 MuAdam/MuSGD): with m the fan-in multiplier of a
    /// matrix-like tensor, Adam's learning rate × 1/m; SGD's × m_out/m_in for matrix-like and × m for vector-like
    /// (`width_mult`, its scaled axis). Init std × 1/√m_in for matrix-like, 1 otherwise; the readout's forward
    /// multiplier 1/m (Table 8) or, in Table 3, init std and learning rates × 1/m instead.
    /// - Throws: `ScalingKitError` for SGD with a depth rule other than α = ½ (CompleteP publishes Adam's only).
    public static func rule(for p: ParameterSpec, parametrization: Parametrization = .muP,
                            optimizer: OptimizerFamily = .adam, weightDecay: WeightDecayRule = .inverseLearningRate,
                            depth: DepthScaling? = nil) throws -> ParameterRule {
        let s = p.shape
        let ninf = s.scaledAxes
        let m = s.widthMultiplier
        var role = p.role
        if role == .inferred { role = ninf == 2 ? .hidden : ninf == 1 ? .input : .bias }
        let isReadout = role == .readout && ninf >= 1
        var initStd = ninf == 2 ? 1 / s.fanInMultiplier.squareRoot() : 1
        var forward = 1.0, lr = 1.0
        switch parametrization {
        case .standard:
            // PyTorch's default init ∝ 1/√fan_in for every weight with a scaled fan-in.
            if (role == .readout || role == .hidden) && s.base.count > 1 { initStd = 1 / s.fanInMultiplier.squareRoot() }
        case .muP, .muPTable3:
            switch (optimizer, ninf) {
            case (.adam, 2): lr = 1 / m
            case (.sgd, 2): lr = s.fanOutMultiplier / s.fanInMultiplier
            case (.sgd, 1): lr = m
            default: break
            }
            if isReadout {
                if parametrization == .muP {
                    forward = 1 / m
                } else {
                    // Table 3: init var 1/fan_in², Adam and SGD learning rates 1/fan_in (abc-symmetry with θ = m).
                    initStd = 1 / m
                    lr = 1 / m
                }
            }
        }
        var wd: Double
        switch weightDecay {
        case .inverseLearningRate, .independent: wd = 1 / lr
        case .sqrtWidth: wd = ninf == 2 ? m.squareRoot() : 1
        case .fixed: wd = 1
        }
        var eps = 1.0
        if let depth, p.inResidualBlock {
            let mL = depth.multiplier
            switch optimizer {
            case .adam:
                let factor = pow(mL, depth.alpha - 1)
                lr *= factor
                if weightDecay == .inverseLearningRate || weightDecay == .independent { wd /= factor }
                if ninf == 2 { eps = pow(m, -1) * pow(mL, -depth.alpha) }
            case .sgd:
                guard depth.alpha == 0.5 else {
                    throw ScalingKitError(.unsupported,
                        "depth rules for SGD are published for alpha = 0.5 only (Depth-μP: depth-independent learning rate); got \(depth.alpha)")
                }
            }
        }
        return ParameterRule(name: p.name, role: role, scaledAxes: ninf, widthMultiplier: m,
                             fanInMultiplier: s.fanInMultiplier, fanOutMultiplier: s.fanOutMultiplier,
                             initStdMultiplier: initStd, forwardMultiplier: forward, learningRateMultiplier: lr,
                             weightDecayMultiplier: wd, epsilonMultiplier: eps)
    }
}
