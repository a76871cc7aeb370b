import CScalingKit
import ScalingKit

private func cShape(_ s: TransformerShape) -> sk_transformer_shape {
    sk_transformer_shape(
        struct_size: MemoryLayout<sk_transformer_shape>.size, d_model: s.dModel, layers: s.layers, heads: s.heads,
        kv_heads: s.kvHeads ?? 0, head_dim: s.headDim ?? 0, d_ff: s.dFF, vocab: s.vocab,
        sequence_length: s.sequenceLength, tied_embeddings: s.tiedEmbeddings ? 1 : 0,
        mlp: Int32(s.mlp == .gated ? SK_MLP_GATED.rawValue : SK_MLP_STANDARD.rawValue),
        norm: Int32(s.norm == .rmsNorm ? SK_NORM_RMS.rawValue : SK_NORM_LAYER.rawValue), biases: s.biases ? 1 : 0,
        positional: Int32(s.positional == .learned ? SK_POS_LEARNED.rawValue
                          : (s.positional == .rotary ? SK_POS_ROTARY.rawValue : SK_POS_RELATIVE.rawValue)))
}

@c @implementation
public func sk_transformer_shape_init(_ shape: UnsafeMutablePointer<sk_transformer_shape>?, _ structSize: Int) -> Int32 {
    initVersioned("sk_transformer_shape_init", shape, structSize, "sk_transformer_shape", argument: "shape") {
        var value = sk_transformer_shape()
        value.struct_size = MemoryLayout<sk_transformer_shape>.size
        value.positional = Int32(SK_POS_ROTARY.rawValue)
        return value
    }
}

@c @implementation
public func sk_transformer_shape_preset(_ name: UnsafePointer<CChar>?, _ shape: UnsafeMutablePointer<sk_transformer_shape>?) -> Int32 {
    guarded("sk_transformer_shape_preset") { () throws(ScalingKitError) in
        let name = try cString(name, "name")
        let shape = try nonNull(shape, "shape")
        let preset = try core { try TransformerShape.preset(named: name) }
        try writeVersioned(cShape(preset), to: shape, "sk_transformer_shape")
    }
}

/// Reads a C shape into the core's type, checking what only C can get wrong (sizes beyond Int, enums).
private func readShape(_ p: UnsafePointer<sk_transformer_shape>?) throws(ScalingKitError) -> TransformerShape {
    let c = try readVersioned(try nonNull(p, "shape"), "sk_transformer_shape", defaults: sk_transformer_shape())
    for (name, v) in [("d_model", c.d_model), ("layers", c.layers), ("heads", c.heads), ("kv_heads", c.kv_heads),
                      ("head_dim", c.head_dim), ("d_ff", c.d_ff), ("vocab", c.vocab),
                      ("sequence_length", c.sequence_length)] where v < 0 || v > 1 << 40 {
        throw ScalingKitError(.invalidArgument, "\(name) is \(UInt(bitPattern: v)), beyond any model")
    }
    // In each enum's order: SK_MLP_STANDARD = 0, SK_NORM_LAYER = 0, SK_POS_LEARNED = 0.
    let mlp = try enumCase(c.mlp, [TransformerShape.MLP.standard, .gated], "mlp (an sk_mlp)")
    let norm = try enumCase(c.norm, [TransformerShape.Norm.layerNorm, .rmsNorm], "norm (an sk_norm)")
    let positional = try enumCase(c.positional, [TransformerShape.Positional.learned, .rotary, .relative],
                                  "positional (an sk_positional)")
    return TransformerShape(
        dModel: c.d_model, layers: c.layers, heads: c.heads, kvHeads: c.kv_heads == 0 ? nil : c.kv_heads,
        headDim: c.head_dim == 0 ? nil : c.head_dim, dFF: c.d_ff == 0 ? nil : c.d_ff, vocab: c.vocab,
        sequenceLength: c.sequence_length, tiedEmbeddings: c.tied_embeddings != 0, mlp: mlp, norm: norm,
        biases: c.biases != 0, positional: positional)
}

@c @implementation
public func sk_transformer_count_parameters(_ shape: UnsafePointer<sk_transformer_shape>?,
                                            _ out: UnsafeMutablePointer<sk_transformer_count>?) -> Int32 {
    guarded("sk_transformer_count_parameters") { () throws(ScalingKitError) in
        let shape = try readShape(shape)
        let out = try nonNull(out, "out")
        let size = UnsafeRawPointer(out).load(as: Int.self)
        try checkStructSize(size, expected: MemoryLayout<sk_transformer_count>.size, "sk_transformer_count")
        let p = try core { try shape.parameterCount() }
        let f = try core { try shape.flopsPerToken() }
        let value = sk_transformer_count(
            struct_size: size, total: p.total, non_embedding: p.nonEmbedding, token_embedding: p.tokenEmbedding,
            positional_embedding: p.positionalEmbedding, unembedding: p.unembedding, forward_flops: f.forward,
            training_flops: f.training, six_n_flops: f.sixN, deepseek_m: f.deepSeekM)
        try writeVersioned(value, to: out, size: size, "sk_transformer_count")
    }
}

@c @implementation
public func sk_transformer_nearest(_ family: UnsafePointer<sk_transformer_shape>?, _ target: Double,
                                   _ out: UnsafeMutablePointer<sk_transformer_shape>?, _ params: UnsafeMutablePointer<Int>?,
                                   _ capacity: Int, _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    guarded("sk_transformer_nearest") { () throws(ScalingKitError) in
        let shape = try readShape(family)
        let out = try nonNull(out, "out"), params = try nonNull(params, "params"), count = try nonNull(count, "count")
        let capacity = try checkedLength(capacity, "capacity")
        let size = UnsafeRawPointer(out).load(as: Int.self)
        try checkStructSize(size, expected: MemoryLayout<sk_transformer_shape>.size, "sk_transformer_shape")
        let found = try core { try shape.nearestShapes(toParameters: target, count: min(capacity, 1000)) }
        for (i, f) in found.enumerated() {
            out[i] = cShape(f.shape)
            params[i] = f.parameters
        }
        count.pointee = found.count
    }
}
