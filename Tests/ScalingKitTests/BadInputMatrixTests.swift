import Testing
@testable import ScalingKit

/// The Swift layer's bad-input matrix (issue 8): one row per case, the call, the error code it must throw and a
/// phrase its message must contain. Every row is a `ScalingKitError` thrown before any work, never a trap or a
/// NaN result. The C, Python and CLI layers have their own tables (bindings/c/tests/bad_input_matrix.c,
/// bindings/python/tests/test_bad_input_matrix.py, Tests/cli/test_cli_bad_input.py).
struct BadInput: Sendable, CustomTestStringConvertible {
    let name: String
    let code: ScalingKitError.Code
    let phrase: String
    let call: @Sendable () throws -> Void

    init(_ name: String, _ code: ScalingKitError.Code, _ phrase: String, _ call: @escaping @Sendable () throws -> Void) {
        self.name = name; self.code = code; self.phrase = phrase; self.call = call
    }

    var testDescription: String { name }
}

private let N = [1e8, 2e8, 4e8, 1e9, 2e9, 4e9]
private let D = N.map { 20 * $0 }
private let L = [3.2, 3.0, 2.9, 2.7, 2.6, 2.5]
private let law = ChinchillaLaw(E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28)
private let surface = LossSurface(law)
private let w64 = try! WidthShape(base: [64, 64], target: [128, 128])
private let proxy = ProxyHyperparameters(learningRate: 1e-3, batchTokens: 524_288, tokens: 1e10)
private let twoPointsEach = (N: [1e8, 1e8, 1e9, 1e9], D: [2e9, 2e9, 2e10, 2e10])

private func gns(_ configure: (inout GradientNoiseScaleOptions) -> Void = { _ in }) throws -> GradientNoiseScale {
    var o = GradientNoiseScaleOptions()
    configure(&o)
    return try GradientNoiseScale(options: o)
}

let badInputMatrix: [BadInput] = [
    // MARK: fitting
    BadInput("Chinchilla fit: no data", .invalidLength, "is empty") { _ = try ChinchillaLaw.fit(N: [], D: [], loss: []) },
    BadInput("Chinchilla fit: mismatched lengths", .invalidLength, "length") { _ = try ChinchillaLaw.fit(N: N, D: Array(D.prefix(3)), loss: L) },
    BadInput("Chinchilla fit: NaN loss", .invalidArgument, "not finite") { _ = try ChinchillaLaw.fit(N: N, D: D, loss: [3.2, .nan, 2.9, 2.7, 2.6, 2.5]) },
    BadInput("Chinchilla fit: negative N", .invalidArgument, "> 0") { _ = try ChinchillaLaw.fit(N: N.map { -$0 }, D: D, loss: L) },
    BadInput("Chinchilla fit: infinite D", .invalidArgument, "not finite") { _ = try ChinchillaLaw.fit(N: N, D: [.infinity] + D.dropFirst(), loss: L) },
    BadInput("Chinchilla fit: Huber delta 0", .invalidArgument, "delta") {
        var o = ChinchillaFitOptions(); o.huberDelta = 0
        _ = try ChinchillaLaw.fit(N: N, D: D, loss: L, options: o)
    },
    BadInput("law: unknown catalogue name", .invalidArgument, "chinchila") { _ = try ScalingLaw.named("chinchila") },
    BadInput("formula: dangling operator", .invalidArgument, "position") { _ = try ScalingLaw(formula: "E + A*N^", inputs: ["N"]) },
    BadInput("formula: 1000 nested parentheses", .invalidArgument, "nested") { _ = try ScalingLaw(formula: String(repeating: "(", count: 1000) + "N", inputs: ["N"]) },
    BadInput("formula: 6,001 characters", .invalidLength, "4096") { _ = try ScalingLaw(formula: String(repeating: "N+", count: 3000) + "N", inputs: ["N"]) },
    BadInput("formula: unknown function", .invalidArgument, "foo") { _ = try ScalingLaw(formula: "foo(N)", inputs: ["N"]) },
    BadInput("formula: empty", .invalidArgument, "empty") { _ = try ScalingLaw(formula: "", inputs: ["N"]) },
    BadInput("law fit: a misspelt name read as a formula of no inputs", .invalidArgument, "reads none of the data's columns") {
        _ = try ScalingLaw(formula: "kaplan-nd", inputs: ["N", "D"]).fit(data: ["N": N, "D": D], observed: L)
    },
    BadInput("law fit: missing column D", .invalidArgument, "D") { _ = try ScalingLaw.named("chinchilla").fit(data: ["N": N], observed: L) },
    BadInput("law fit: more parameters than runs", .invalidLength, "parameters") {
        _ = try ScalingLaw.named("chinchilla").fit(data: ["N": Array(N.prefix(3)), "D": Array(D.prefix(3))], observed: Array(L.prefix(3)))
    },
    BadInput("law fit: zero loss with log residuals", .invalidArgument, "> 0") {
        _ = try ScalingLaw.named("kaplan_n").fit(data: ["N": N], observed: [0] + L.dropFirst())
    },
    BadInput("multi-power fit: no curves", .invalidLength, "curve") { _ = try MultiPowerLaw.fit(curves: []) },
    BadInput("schedule areas: negative rate", .invalidArgument, "rate") { _ = try ScheduleAreas.compute(learningRates: [1e-3, -1e-3]) },
    BadInput("schedule areas: decay 1", .invalidArgument, "1") { _ = try ScheduleAreas.compute(learningRates: [1e-3], decay: 1) },
    BadInput("prediction errors: mismatched", .invalidLength, "predictions for") { _ = try PredictionErrors(scoring: [1, 2], against: [1]) },

    // MARK: planning
    BadInput("plan: budget 0", .invalidArgument, "compute budget") { _ = try Planner.computeOptimal(surface, compute: 0) },
    BadInput("plan: budget NaN", .invalidArgument, "compute budget") { _ = try Planner.computeOptimal(surface, compute: .nan) },
    BadInput("plan: target below E", .invalidArgument, "irreducible") { _ = try Planner.minimumCompute(surface, targetLoss: 1.0) },
    BadInput("plan: negative tokens per parameter", .invalidArgument, "tokens per parameter") {
        _ = try Planner.atTokensPerParameter(surface, compute: 1e22, tokensPerParameter: -20)
    },
    BadInput("plan: ratio beyond the range of doubles", .invalidArgument, "outside the range") {
        _ = try Planner.atTokensPerParameter(surface, compute: 1e-300, tokensPerParameter: 1e300)
    },
    BadInput("plan: a law that is NaN there (fuzz regression)", .invalidArgument, "not finite") {
        let nanLaw = ChinchillaLaw(E: .nan, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28)
        _ = try Planner.atTokensPerParameter(LossSurface(nanLaw), compute: 1e22, tokensPerParameter: 20)
    },
    BadInput("inference-aware: negative demand", .invalidArgument, "inference tokens") {
        _ = try Planner.inferenceAware(surface, loss: 2.2, inferenceTokens: -1)
    },
    BadInput("hardware: 0 devices", .invalidArgument, "device") { _ = try TrainingHardware(devices: 0, flopsPerSecond: 1e14, tokensPerDevice: 4096) },
    BadInput("critical-batch law: NaN coefficient", .invalidArgument, "coefficient") { _ = try CriticalBatchLaw(coefficient: .nan, exponent: 0.46) },
    BadInput("surface: values do not match the law", .invalidArgument, "values") { _ = try LossSurface(law: ScalingLaw.named("chinchilla"), values: [1, 2]) },
    BadInput("surface: a law of other inputs", .unsupported, "N and D") { _ = try LossSurface(law: ScalingLaw.named("compute"), values: [1, 1, 0.05]) },
    BadInput("IsoFLOP: fewer than 3 runs per budget", .invalidArgument, ">= 3") {
        var o = IsoFLOP.Options(); o.minimumRunsPerBudget = 2
        _ = try IsoFLOP.fit(N: N, D: D, loss: L, budget: N.map { _ in 1e19 }, options: o)
    },
    BadInput("envelope: mismatched lengths", .invalidLength, "run labels for") { _ = try Envelope.fit(run: [0, 1], N: N, compute: N, loss: L) },
    BadInput("transformer: heads do not divide the width", .invalidArgument, "heads") {
        _ = try TransformerShape(dModel: 100, layers: 2, heads: 3, vocab: 1000, sequenceLength: 128).parameterCount()
    },

    // MARK: transfer
    BadInput("width shape: shrinking axis", .invalidArgument, "shrinks") { _ = try WidthShape(base: [64, 64], target: [32, 64]) },
    BadInput("width shape: ranks differ", .invalidArgument, "rank") { _ = try WidthShape(base: [64, 64], target: [64]) },
    BadInput("width shape: three scaled axes", .unsupported, "3 width-scaled axes") { _ = try WidthShape(base: [8, 8, 8], target: [16, 16, 16]) },
    BadInput("width shape: size 0", .invalidArgument, "<= 0") { _ = try WidthShape(base: [0, 64], target: [64, 64]) },
    BadInput("depth: alpha 2", .invalidArgument, "alpha") { _ = try DepthScaling(alpha: 2, baseLayers: 4, layers: 8) },
    BadInput("transfer: no groups", .invalidArgument, "no parameter groups") {
        _ = try Transfer.plan(groups: [], proxy: proxy, targetBatchTokens: 1_048_576, targetTokens: 1e11)
    },
    BadInput("transfer: NaN proxy learning rate", .invalidArgument, "learning rate") {
        _ = try Transfer.plan(groups: [ParameterSpec(name: "w", shape: w64)],
                              proxy: ProxyHyperparameters(learningRate: .nan, batchTokens: 524_288, tokens: 1e10),
                              targetBatchTokens: 1_048_576, targetTokens: 1e11)
    },
    BadInput("DeepSeek law: negative compute", .invalidArgument, "compute") { _ = try HyperparameterLaw.deepSeek(compute: -1) },
    BadInput("Adam square-root rule: NaN epsilon (fuzz regression)", .invalidArgument, "epsilon") {
        _ = try BatchRules.adamSquareRoot(AdamHyperparameters(learningRate: 1e-3, epsilon: .nan), kappa: 4)
    },
    BadInput("Adam square-root rule: kappa too large", .invalidArgument, "too large") {
        _ = try BatchRules.adamSquareRoot(AdamHyperparameters(learningRate: 1e-3), kappa: 20)
    },
    BadInput("hyperparameter sweep: no runs", .invalidLength, "no runs") {
        _ = try HyperparameterSweep.fit(N: [], D: [], learningRate: [], batch: [], loss: [])
    },
    BadInput("hyperparameter sweep: one learning rate per cell", .invalidArgument, "no optimum can be located") {
        _ = try HyperparameterSweep.fit(N: N, D: D, learningRate: N.map { _ in 1e-3 }, batch: N.map { _ in 1e6 }, loss: L)
    },
    BadInput("coordinate check: one width", .invalidArgument, "fewer than 2 widths") {
        _ = try CoordinateCheck.analyse(layer: ["a"], width: [64], step: [0], rms: [1])
    },
    BadInput("attention scale: head size 0", .invalidArgument, "head") { _ = try Transfer.attentionScale(headDim: 0, baseHeadDim: 64) },
    BadInput("u-muP scale: rank 4", .unsupported, "rank 4") {
        _ = try Transfer.unitScaledLearningRateScale(type: .weight, shape: [2, 2, 2, 2])
    },

    // MARK: batch size
    BadInput("GNS: EMA beta 1", .invalidArgument, "beta") { _ = try gns { $0.smoothing = .ema(beta: 1) } },
    BadInput("GNS: window 0", .invalidArgument, "window") { _ = try gns { $0.smoothing = .window(count: 0) } },
    BadInput("GNS: window of 2^32 (a 64 GiB ring)", .invalidArgument, "ring buffer") {
        _ = try gns { $0.smoothing = .window(count: 1 << 32) }
    },
    BadInput("GNS: confidence 1", .invalidArgument, "confidence") { _ = try gns { $0.confidence = 1 } },
    BadInput("GNS: small batch not below big", .invalidArgument, "smaller than the big") {
        var g = try gns(); try g.update(smallSquaredNorm: 2, bigSquaredNorm: 1, smallBatch: 64, bigBatch: 64)
    },
    BadInput("GNS: NaN norm", .invalidArgument, "finite") {
        var g = try gns(); try g.update(smallSquaredNorm: .nan, bigSquaredNorm: 1, smallBatch: 32, bigBatch: 64)
    },
    BadInput("GNS: norms that overflow (fuzz regression)", .invalidArgument, "1e150") {
        var g = try gns(); try g.update(smallSquaredNorm: 1e300, bigSquaredNorm: 1e308, smallBatch: 1, bigBatch: 1e10)
    },
    BadInput("GNS: read before any update", .invalidArgument, "no measurements") { _ = try gns().read() },
    BadInput("GNS: group out of range", .invalidArgument, "out of range") {
        var g = try gns(); try g.update(smallSquaredNorm: 2, bigSquaredNorm: 1, smallBatch: 32, bigBatch: 64)
        _ = try g.read(group: 3)
    },
    BadInput("batch trade-off: 2 batch sizes", .invalidArgument, "3") { _ = try BatchTradeoff.fit(batch: [64, 128], steps: [1000, 600]) },
    BadInput("batch trade-off: negative steps", .invalidArgument, "> 0") { _ = try BatchTradeoff.fit(batch: [64, 128, 256], steps: [1000, -600, 400]) },
    BadInput("batch law: loss 0", .invalidArgument, "> 0") { _ = try BatchLaw.kaplan.batchTokens(at: 0) },
    BadInput("batch schedule: min above max", .invalidArgument, "batch") {
        _ = try BatchSchedule.following(coefficient: 8, exponent: 0.46, totalTokens: 1e12, minimumBatch: 1e7, maximumBatch: 1e6)
    },
    BadInput("overhead batch: NaN theta", .invalidArgument, "theta") { _ = try CriticalBatch.overheadBatch(theta: .nan, criticalBatch: 1e6) },
]

@Suite("Bad-input matrix (Swift)")
struct BadInputMatrixTests {
    @Test("each row throws its code and names the problem", arguments: badInputMatrix)
    func rejects(_ row: BadInput) {
        do {
            try row.call()
            Issue.record("\(row.name): no error thrown")
        } catch let e as ScalingKitError {
            #expect(e.code == row.code, "\(row.name): code \(e.code), message: \(e.message)")
            #expect(e.message.contains(row.phrase), "\(row.name): '\(e.message)' does not contain '\(row.phrase)'")
        } catch {
            Issue.record("\(row.name): not a ScalingKitError: \(error)")
        }
    }

    @Test("the matrix covers at least 40 cases")
    func size() { #expect(badInputMatrix.count >= 40) }
}
