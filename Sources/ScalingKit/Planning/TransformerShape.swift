#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A decoder-only transformer's shape, from which parameter counts and FLOPs per token follow.
///
/// Why exact counts matter: "N" in a scaling law is a definition. Kaplan et al. (2020) count non-embedding
/// parameters; Hoffmann et al. (2022) count all of them; Porian et al. (2024) show that this choice and whether the
/// last layer's FLOPs are counted move the fitted compute-optimal exponents. So the accountant reports each piece.
public struct TransformerShape: Sendable, Equatable, Hashable {
    /// The feed-forward block's layout.
    public enum MLP: String, Sendable, Hashable {
        /// Two matrices, d → d_ff → d (GPT-2, Chinchilla).
        case standard
        /// Three matrices, gated (SwiGLU: Llama; Shazeer 2020).
        case gated
    }

    /// The normalisation layers' parameters.
    public enum Norm: String, Sendable, Hashable {
        /// Gain and bias per feature (2d parameters).
        case layerNorm
        /// Gain only (d parameters; Zhang & Sennrich 2019).
        case rmsNorm
    }

    /// How positions enter the model.
    public enum Positional: String, Sendable, Hashable {
        /// A learned table of sequenceLength × d (GPT-2).
        case learned
        /// Rotary (Su et al. 2021): no parameters.
        case rotary
        /// Transformer-XL relative attention (Dai et al. 2019), as in Gopher and Chinchilla: one d × d projection of
        /// the relative encodings per layer.
        case relative
    }

    /// Model (residual stream) width d.
    public var dModel: Int
    /// Transformer blocks.
    public var layers: Int
    /// Attention (query) heads.
    public var heads: Int
    /// Key/value heads (grouped-query attention, Ainslie et al. 2023); nil = heads.
    public var kvHeads: Int?
    /// Per-head size; nil = dModel / heads.
    public var headDim: Int?
    /// Feed-forward width d_ff.
    public var dFF: Int
    /// Vocabulary size.
    public var vocab: Int
    /// Context length in tokens.
    public var sequenceLength: Int
    /// Whether the readout shares the input embedding's matrix.
    public var tiedEmbeddings: Bool
    /// Feed-forward layout.
    public var mlp: MLP
    /// Normalisation kind.
    public var norm: Norm
    /// Biases in the linear layers (GPT-2: yes; Llama: no).
    public var biases: Bool
    /// Positional scheme.
    public var positional: Positional

    /// A shape; nil sizes take the conventional defaults (kvHeads = heads, headDim = dModel / heads, dFF = 4·dModel); nothing is checked here.
    public init(dModel: Int, layers: Int, heads: Int, kvHeads: Int? = nil, headDim: Int? = nil, dFF: Int? = nil,
                vocab: Int, sequenceLength: Int, tiedEmbeddings: Bool = false, mlp: MLP = .standard,
                norm: Norm = .layerNorm, biases: Bool = false, positional: Positional = .rotary) {
        self.dModel = dModel; self.layers = layers; self.heads = heads; self.kvHeads = kvHeads; self.headDim = headDim
        self.dFF = dFF ?? (dModel <= Int.max / 4 ? 4 * dModel : Int.max)
        self.vocab = vocab; self.sequenceLength = sequenceLength; self.tiedEmbeddings = tiedEmbeddings
        self.mlp = mlp; self.norm = norm; self.biases = biases; self.positional = positional
    }

    /// GPT-2 small (Radford et al. 2019): 124,439,808 parameters.
    public static let gpt2Small = TransformerShape(dModel: 768, layers: 12, heads: 12, dFF: 3072, vocab: 50257,
                                                   sequenceLength: 1024, tiedEmbeddings: true, mlp: .standard,
                                                   norm: .layerNorm, biases: true, positional: .learned)
    /// Llama 2 7B (Touvron et al. 2023): 6,738,415,616 parameters.
    public static let llama2_7B = TransformerShape(dModel: 4096, layers: 32, heads: 32, dFF: 11008, vocab: 32000,
                                                   sequenceLength: 4096, tiedEmbeddings: false, mlp: .gated,
                                                   norm: .rmsNorm, biases: false, positional: .rotary)
    /// Chinchilla (Hoffmann et al. 2022, Table 4): 80 layers, 64 heads of 128, d_model 8192; "70B".
    public static let chinchilla70B = TransformerShape(dModel: 8192, layers: 80, heads: 64, dFF: 32768, vocab: 32000,
                                                       sequenceLength: 2048, tiedEmbeddings: false, mlp: .standard,
                                                       norm: .rmsNorm, biases: false, positional: .relative)

    /// The named presets, by the name every layer accepts ("gpt2_small", "llama2_7b", "chinchilla_70b").
    public static let presets: KeyValuePairs<String, TransformerShape> = [
        "gpt2_small": .gpt2Small, "llama2_7b": .llama2_7B, "chinchilla_70b": .chinchilla70B,
    ]

    /// The preset called `name`.
    /// - Throws: `ScalingKitError` for an unknown name, listing the known ones.
    public static func preset(named name: String) throws -> TransformerShape {
        guard let shape = presets.first(where: { $0.key == name })?.value else {
            throw ScalingKitError.invalid("unknown architecture '\(name)'; known: \(presets.map(\.key).joined(separator: ", "))")
        }
        return shape
    }

    func validate() throws {
        for (name, v) in [("dModel", dModel), ("layers", layers), ("heads", heads), ("dFF", dFF), ("vocab", vocab),
                          ("sequenceLength", sequenceLength), ("kvHeads", kvHeads ?? 1), ("headDim", headDim ?? 1)] {
            guard v > 0 else { throw ScalingKitError.invalid("\(name) must be > 0 (got \(v))") }
        }
        guard headDim != nil || dModel % heads == 0 else {
            throw ScalingKitError.invalid("dModel \(dModel) is not divisible by heads \(heads): give headDim")
        }
        if let kv = kvHeads, heads % kv != 0 {
            throw ScalingKitError.invalid("heads \(heads) is not a multiple of kvHeads \(kv)")
        }
    }

    private var attentionWidth: Int { heads * (headDim ?? dModel / heads) }
    private var kvWidth: Int { (kvHeads ?? heads) * (headDim ?? dModel / heads) }
}

/// Parameters of a `TransformerShape`, by part.
public struct ParameterCount: Sendable, Equatable {
    /// The input token embedding (vocab × d).
    public var tokenEmbedding: Int
    /// Learned positional table (0 for rotary and relative).
    public var positionalEmbedding: Int
    /// The output projection when not tied to the input embedding.
    public var unembedding: Int
    /// Attention, MLP, norms and (Transformer-XL) relative projections of all layers, plus the final norm.
    public var nonEmbedding: Int
    /// Everything (Hoffmann et al.'s N).
    public var total: Int { tokenEmbedding + positionalEmbedding + unembedding + nonEmbedding }
}

/// FLOPs per token of a `TransformerShape` (a multiply-add is 2 FLOPs).
public struct FLOPsPerToken: Sendable, Equatable {
    /// Forward pass: 2 per non-embedding weight, the attention scores and values 2·layers·context·d_attn
    /// (Kaplan et al. 2020, Table 1), and the unembedding 2·d·vocab.
    public var forward: Double
    /// Training: forward plus a backward pass twice as costly (Kaplan et al. 2020, §2.1): 3 × forward.
    public var training: Double
    /// The 6N approximation with N = non-embedding parameters (Kaplan) — what C = 6ND assumes.
    public var sixN: Double
    /// DeepSeek's M (DeepSeek LLM 2024, eq. 2): non-embedding training FLOPs per token,
    /// 6·(non-embedding matmul weights) + 6·layers·context·d_attn; 72·layers·d² + 6·layers·d·context for the
    /// standard block.
    public var deepSeekM: Double
}

extension TransformerShape {
    /// Parameters by part. Per layer: attention Q, O (d × d_attn) and K, V (d × d_kv); the MLP (2 or 3 matrices);
    /// two norms; biases if any; a d × d relative-position projection for `.relative`. Then a final norm.
    public func parameterCount() throws -> ParameterCount {
        try validate()
        // Issue 15: d_model = 2^32 overflowed Int here, a trap that killed the calling process. Bound the count in
        // floating point first; below 2^62 every intermediate of the exact integer count fits.
        let hd = Double(headDim ?? dModel / heads)
        let (dd, ad, kd, fd) = (Double(dModel), Double(heads) * hd, Double(kvHeads ?? heads) * hd, Double(dFF))
        let perLayer = 2 * dd * ad + 2 * dd * kd + 3 * dd * fd + 4 * dd + ad + 2 * kd + 2 * fd + 2 * dd + dd * dd
        let estimate = Double(layers) * perLayer + 2 * Double(vocab) * dd + Double(sequenceLength) * dd + 2 * dd
        guard estimate < 0x1p62 else {
            throw ScalingKitError.invalid("the shape has about \(estimate) parameters, beyond the 2^62 this count handles "
                + "(d_model \(dModel), layers \(layers), vocab \(vocab))")
        }
        let d = dModel, a = attentionWidth, kv = kvWidth
        let normSize = norm == .layerNorm ? 2 * d : d
        var layer = d * a + d * kv * 2 + a * d                       // Q, K, V, O
        layer += (mlp == .gated ? 3 : 2) * d * dFF
        layer += 2 * normSize
        if biases { layer += a + 2 * kv + d + (mlp == .gated ? 2 * dFF : dFF) + d }
        if positional == .relative { layer += d * d }
        return ParameterCount(
            tokenEmbedding: vocab * d, positionalEmbedding: positional == .learned ? sequenceLength * d : 0,
            unembedding: tiedEmbeddings ? 0 : vocab * d, nonEmbedding: layers * layer + normSize)
    }

    /// FLOPs per token at the shape's sequence length.
    public func flopsPerToken() throws -> FLOPsPerToken {
        let p = try parameterCount()
        let d = Double(dModel), a = Double(attentionWidth), kv = Double(kvWidth), f = Double(dFF)
        let matmulWeights = Double(layers) * (2 * d * a + 2 * d * kv + (mlp == .gated ? 3 : 2) * d * f)
        let attention = 2 * Double(layers) * Double(sequenceLength) * a
        let forward = 2 * matmulWeights + attention + 2 * d * Double(vocab)
        return FLOPsPerToken(forward: forward, training: 3 * forward, sixN: 6 * Double(p.nonEmbedding),
                             deepSeekM: 6 * matmulWeights + 3 * attention)
    }
}

extension TransformerShape {
    /// Shapes of this family — vocabulary, context, MLP kind, norms, biases, positions and head size kept — whose
    /// total parameter count is nearest `target`: widths in multiples of `widthStep`, heads = width / head size,
    /// d_ff at the template's ratio to d_model (rounded to a multiple of 64), depths 1…512, aspect ratio
    /// d_model/layers within `aspectRatios` (Kaplan et al. 2020, Fig. 5: the loss changes by a few percent at most
    /// between aspect ratios of about 20 and 200 at fixed N). Sorted by |ln(N/target)|.
    /// - Throws: `ScalingKitError` for a target that is not finite and > 0, a bad template or options.
    public func nearestShapes(toParameters target: Double, count: Int = 5, widthStep: Int = 128,
                              aspectRatios: ClosedRange<Double> = 32...256) throws -> [(shape: TransformerShape, parameters: Int)] {
        try validate()
        guard target.isFinite, target > 0 else { throw ScalingKitError.invalid("target parameters must be finite and > 0 (got \(target))") }
        guard count >= 1, count <= 1000 else { throw ScalingKitError.invalid("count must be in 1...1000 (got \(count))") }
        guard widthStep >= 1, aspectRatios.lowerBound > 0, aspectRatios.upperBound.isFinite else {
            throw ScalingKitError.invalid("widthStep must be >= 1 and the aspect ratios finite and > 0")
        }
        let head = headDim ?? dModel / heads
        let ratio = Double(dFF) / Double(dModel)
        let kvShare = Double(kvHeads ?? heads) / Double(heads)
        var found: [(shape: TransformerShape, parameters: Int, distance: Double)] = []
        var width = widthStep
        while width <= 131_072 {
            defer { width += widthStep }
            guard width % head == 0 else { continue }
            let h = width / head
            let kv = max(1, Int((Double(h) * kvShare).rounded()))
            guard h % kv == 0 else { continue }
            var shape = self
            shape.dModel = width; shape.heads = h; shape.kvHeads = kvHeads == nil ? nil : kv
            shape.headDim = headDim == nil ? nil : head
            shape.dFF = max(64, Int((ratio * Double(width) / 64).rounded()) * 64)
            for layers in 1...512 {
                let aspect = Double(width) / Double(layers)
                guard aspectRatios.contains(aspect) else { continue }
                shape.layers = layers
                let n = try shape.parameterCount().total
                found.append((shape, n, abs(log(Double(n) / target))))
            }
        }
        guard !found.isEmpty else { throw ScalingKitError.invalid("no shape satisfies the width step and aspect ratios") }
        return found.sorted { $0.distance < $1.distance }.prefix(count).map { ($0.shape, $0.parameters) }
    }
}
