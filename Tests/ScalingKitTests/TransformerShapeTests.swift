import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import ScalingKit

@Suite("Parameter and FLOP accounting")
struct TransformerShapeTests {
    /// Published counts: GPT-2 small 124,439,808 (the released checkpoint); Llama 2 7B 6,738,415,616 (the released
    /// checkpoint); Chinchilla "70B" (Hoffmann et al. 2022, Table 4 shape, two significant figures).
    @Test func publishedParameterCounts() throws {
        #expect(try TransformerShape.gpt2Small.parameterCount().total == 124_439_808)
        #expect(try TransformerShape.llama2_7B.parameterCount().total == 6_738_415_616)
        let chinchilla = try TransformerShape.chinchilla70B.parameterCount().total
        #expect(abs(Double(chinchilla) / 70e9 - 1) < 0.01, "\(chinchilla)")
        // Kaplan's non-embedding count ≈ 12·layers·d² for the standard block.
        let gpt2 = try TransformerShape.gpt2Small.parameterCount()
        #expect(abs(Double(gpt2.nonEmbedding) / (12 * 12 * 768 * 768) - 1) < 0.002)
        #expect(gpt2.tokenEmbedding == 50257 * 768 && gpt2.positionalEmbedding == 1024 * 768 && gpt2.unembedding == 0)
    }

    /// DeepSeek LLM (2024) eq. 2: M = 72·layers·d² + 6·layers·d·context for the standard block; the 6N rule is
    /// below the full training count by the attention and unembedding terms.
    @Test func flopsPerToken() throws {
        let shape = TransformerShape(dModel: 1024, layers: 16, heads: 16, vocab: 32000, sequenceLength: 2048)
        let f = try shape.flopsPerToken()
        let d = 1024.0, layers = 16.0, context = 2048.0
        let m: Double = 72 * layers * d * d + 6 * layers * d * context
        #expect(f.deepSeekM == m)
        #expect(f.training == 3 * f.forward)
        let forward: Double = 2 * 12 * layers * d * d + 2 * layers * context * d + 2 * d * 32000
        #expect(f.forward == forward)
        #expect(f.sixN < f.training)
        // Grouped-query attention shrinks K and V.
        var gqa = TransformerShape.llama2_7B
        gqa.kvHeads = 8
        #expect(try gqa.parameterCount().nonEmbedding < TransformerShape.llama2_7B.parameterCount().nonEmbedding)
    }

    @Test func rejectsBadShapes() {
        #expect(throws: ScalingKitError.self) { try TransformerShape(dModel: 0, layers: 1, heads: 1, vocab: 1, sequenceLength: 1).parameterCount() }
        #expect(throws: ScalingKitError.self) { try TransformerShape(dModel: 100, layers: 1, heads: 3, vocab: 1, sequenceLength: 1).parameterCount() }
        #expect(throws: ScalingKitError.self) { try TransformerShape(dModel: 96, layers: 1, heads: 12, kvHeads: 5, vocab: 1, sequenceLength: 1).parameterCount() }
    }
}

@Suite("Nearest shapes")
struct NearestShapeTests {
    /// From Llama 2 7B's family: the nearest shape to its own count is its own shape (width 4096, 32 layers), and
    /// every candidate keeps the family (gated MLP, RMSNorm, head size 128) and the aspect-ratio window.
    @Test func findsTheTemplateItself() throws {
        let family = TransformerShape.llama2_7B
        let shapes = try family.nearestShapes(toParameters: 6_738_415_616, count: 5)
        #expect(shapes.count == 5)
        let best = shapes[0]
        #expect(best.shape.dModel == 4096 && best.shape.layers == 32, "\(best.shape.dModel)x\(best.shape.layers)")
        for s in shapes {
            #expect(s.shape.mlp == .gated && s.shape.norm == .rmsNorm && s.shape.dModel % 128 == 0)
            let aspect = Double(s.shape.dModel) / Double(s.shape.layers)
            #expect(aspect >= 32 && aspect <= 256)
            #expect(abs(log(Double(s.parameters) / 6_738_415_616)) <= abs(log(Double(shapes.last!.parameters) / 6_738_415_616)))
        }
        #expect(throws: ScalingKitError.self) { try family.nearestShapes(toParameters: 0) }
    }
}
