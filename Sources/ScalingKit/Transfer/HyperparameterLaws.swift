#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A learning rate and a batch size predicted by a published hyperparameter scaling law.
public struct HyperparameterPrediction: Sendable, Equatable {
    /// Predicted peak learning rate.
    public var learningRate: Double
    /// Tokens per step.
    public var batchTokens: Double
}

/// Published hyperparameter scaling laws, with their units spelled out.
public enum HyperparameterLaw: String, Sendable, CaseIterable {
    /// DeepSeek LLM (Bi et al. 2024, eq. 1): η_opt = 0.3118·C^−0.1250, B_opt = 0.2920·C^0.3271, C = M·D in FLOPs with
    /// M the non-embedding FLOPs per token; B in tokens. Fitted on 1e17–2e19 FLOPs, AdamW (0.9, 0.95), wd 0.1.
    case deepSeek = "deepseek"
    /// Step Law (Li et al. 2025, StepFun): η = 1.79·N^−0.713·D^0.307, B = 0.58·D^0.571, N non-embedding parameters,
    /// D tokens, B tokens (constants confirmed against the authors' released bootstrap fits).
    case stepLaw = "step_law"

    /// DeepSeek's law at `compute` = M·D FLOPs.
    public static func deepSeek(compute: Double) throws -> HyperparameterPrediction {
        guard compute.isFinite, compute > 0 else { throw ScalingKitError.invalid("compute must be finite and > 0 (got \(compute))") }
        return HyperparameterPrediction(learningRate: 0.3118 * pow(compute, -0.1250), batchTokens: BatchLaw.deepSeek.law(compute))
    }

    /// Step Law at `parameters` non-embedding parameters and `tokens` training tokens.
    public static func stepLaw(parameters: Double, tokens: Double) throws -> HyperparameterPrediction {
        guard parameters.isFinite, parameters > 0, tokens.isFinite, tokens > 0 else {
            throw ScalingKitError.invalid("parameters and tokens must be finite and > 0 (got \(parameters), \(tokens))")
        }
        return HyperparameterPrediction(learningRate: 1.79 * pow(parameters, -0.713) * pow(tokens, 0.307),
                                        batchTokens: BatchLaw.stepLaw.law(tokens))
    }
}
