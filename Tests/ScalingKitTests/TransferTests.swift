import Foundation
import Testing
@testable import ScalingKit

/// A CSV of Tests/data/transfer as dictionaries (header → field).
private func vectors(_ file: String) throws -> [[String: String]] {
    let url = TestData.repoRoot.appendingPathComponent("Tests/data/transfer/\(file)")
    let lines = try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline)
    let header = lines[0].split(separator: ",").map(String.init)
    return lines.dropFirst().map { line in
        Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
    }
}

private func shape(_ text: String?) -> [Int] { text!.split(separator: "x").map { Int($0)! } }

private func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 * max(abs(a), abs(b)) }

@Suite("Transfer: width (μP)")
struct TransferWidthTests {
    /// Every parameter of mup 1.0.0's own optimizers on four model families (Tests/data/transfer/mup_vectors.csv,
    /// made by gen_transfer_vectors.py): shape classification, MuAdam and MuSGD learning-rate and weight-decay
    /// multipliers, MuReadout's forward multiplier and the init std ratio, all to 1e-12.
    @Test func matchesMupOnEveryParameter() throws {
        let rows = try vectors("mup_vectors.csv")
        #expect(rows.count == 225)
        for r in rows {
            let s = try WidthShape(base: shape(r["base"]), delta: shape(r["delta"]), target: shape(r["target"]))
            let readout = r["module"]!.hasSuffix("Readout") && r["name"]!.hasSuffix("weight")
            let spec = ParameterSpec(name: r["name"]!, shape: s, role: readout ? .readout : .inferred)
            let adam = try Transfer.rule(for: spec, optimizer: .adam)
            let sgd = try Transfer.rule(for: spec, optimizer: .sgd)
            let label = "\(r["family"]!) \(r["width"]!) \(r["name"]!)"
            #expect(adam.scaledAxes == Int(r["ninf"]!)!, "\(label)")
            for (got, key) in [(adam.widthMultiplier, "width_mult"), (adam.fanInMultiplier, "fanin_mult"),
                               (adam.fanOutMultiplier, "fanout_mult"), (adam.learningRateMultiplier, "adam_lr"),
                               (adam.weightDecayMultiplier, "adam_wd"), (sgd.learningRateMultiplier, "sgd_lr"),
                               (sgd.weightDecayMultiplier, "sgd_wd"), (adam.forwardMultiplier, "forward_mult")] {
                #expect(close(got, Double(r[key]!)!), "\(label) \(key): \(got) vs \(r[key]!)")
            }
            let mupInit = Double(r["init_std_ratio"]!)!
            if r["family"] == "transformer_tied" && ["embed.weight", "readout.bias"].contains(r["name"]!) {
                // mup issue #55: set_base_shapes rescales a MuSharedReadout's parameters — the shared embedding and its
                // bias (which MuSharedReadout sizes by the width: its Linear is built as (in = vocab, out = width)) —
                // by √m; Table 8 keeps them constant.
                #expect(close(mupInit, adam.initStdMultiplier * adam.widthMultiplier.squareRoot()), "\(label)")
            } else {
                #expect(close(adam.initStdMultiplier, mupInit), "\(label) init: \(adam.initStdMultiplier) vs \(mupInit)")
            }
        }
    }

    /// Identity: a target equal to its base has every multiplier 1 (mup: all axes finite).
    @Test func baseEqualToTargetIsTheIdentity() throws {
        let s = try WidthShape(base: [256, 256], target: [256, 256])
        let r = try Transfer.rule(for: ParameterSpec(name: "w", shape: s, role: .hidden), optimizer: .adam)
        #expect(r.scaledAxes == 0 && r.learningRateMultiplier == 1 && r.initStdMultiplier == 1 && r.weightDecayMultiplier == 1)
    }

    /// Table 3 and Table 8 are the same dynamics (TP5 abc-symmetry, θ = m): the readout's effective weight
    /// multiplier × init std agrees, and Adam's learning rate on the effective weight W_eff = A·w agrees.
    @Test func table3AndTable8AgreeByAbcSymmetry() throws {
        let s = try WidthShape(base: [10, 64], target: [10, 1024])
        let p = ParameterSpec(name: "readout", shape: s, role: .readout)
        let t8 = try Transfer.rule(for: p, parametrization: .muP)
        let t3 = try Transfer.rule(for: p, parametrization: .muPTable3)
        #expect(close(t8.forwardMultiplier * t8.initStdMultiplier, t3.forwardMultiplier * t3.initStdMultiplier))
        #expect(close(t8.forwardMultiplier * t8.learningRateMultiplier, t3.forwardMultiplier * t3.learningRateMultiplier))
        let sgd8 = try Transfer.rule(for: p, parametrization: .muP, optimizer: .sgd)
        let sgd3 = try Transfer.rule(for: p, parametrization: .muPTable3, optimizer: .sgd)
        // SGD's update on W_eff scales with A²·C.
        #expect(close(sgd8.forwardMultiplier * sgd8.forwardMultiplier * sgd8.learningRateMultiplier,
                      sgd3.forwardMultiplier * sgd3.forwardMultiplier * sgd3.learningRateMultiplier))
    }

    @Test func weightDecayRules() throws {
        let hidden = ParameterSpec(name: "h", shape: try WidthShape(base: [64, 64], target: [1024, 1024]))
        #expect(try Transfer.rule(for: hidden, weightDecay: .inverseLearningRate).weightDecayMultiplier == 16)
        #expect(try Transfer.rule(for: hidden, weightDecay: .sqrtWidth).weightDecayMultiplier == 4)
        #expect(try Transfer.rule(for: hidden, weightDecay: .fixed).weightDecayMultiplier == 1)
        #expect(try Transfer.rule(for: hidden, parametrization: .standard).learningRateMultiplier == 1)
    }

    @Test func rejectsBadShapes() {
        #expect(throws: ScalingKitError.self) { try WidthShape(base: [64, 64], target: [32, 64]) }        // shrinks
        #expect(throws: ScalingKitError.self) { try WidthShape(base: [0, 64], target: [128, 64]) }        // size 0
        #expect(throws: ScalingKitError.self) { try WidthShape(base: [64], target: [128, 64]) }           // rank
        #expect(throws: ScalingKitError.self) { try WidthShape(base: [8, 8, 8], target: [16, 16, 16]) }   // 3 axes
        #expect(throws: ScalingKitError.self) { try DepthScaling(alpha: 2, baseLayers: 4, layers: 16) }
        #expect(throws: ScalingKitError.self) { try DepthScaling(alpha: 1, baseLayers: 0, layers: 16) }
    }
}

@Suite("Transfer: depth (CompleteP)")
struct TransferDepthTests {
    /// CompleteP's Table 1 as the authors' code applies it (Dey et al. 2025): width ×16, depth ×4.
    @Test(arguments: [1.0, 0.5])
    func completePRules(alpha: Double) throws {
        let depth = try DepthScaling(alpha: alpha, baseLayers: 4, layers: 16)
        #expect(close(depth.residualMultiplier, pow(4, -alpha)))
        let hidden = ParameterSpec(name: "c_fc", shape: try WidthShape(base: [256, 64], target: [4096, 1024]), inResidualBlock: true)
        let r = try Transfer.rule(for: hidden, depth: depth)
        #expect(close(r.learningRateMultiplier, pow(4, alpha - 1) / 16))
        #expect(close(r.weightDecayMultiplier, 16 / pow(4, alpha - 1)))     // η·λ kept
        #expect(close(r.epsilonMultiplier, pow(16, -1) * pow(4, -alpha)))
        let norm = ParameterSpec(name: "ln", shape: try WidthShape(base: [64], target: [1024]), role: .norm, inResidualBlock: true)
        #expect(close(try Transfer.rule(for: norm, depth: depth).learningRateMultiplier, pow(4, alpha - 1)))
        let embedding = ParameterSpec(name: "wte", shape: try WidthShape(base: [100, 64], target: [100, 1024]))
        #expect(try Transfer.rule(for: embedding, depth: depth).learningRateMultiplier == 1)
        if alpha == 1 {
            #expect(throws: ScalingKitError.self) { try Transfer.rule(for: hidden, optimizer: .sgd, depth: depth) }
        } else {
            #expect(close(try Transfer.rule(for: hidden, optimizer: .sgd, depth: depth).learningRateMultiplier, 1))
        }
    }
}

@Suite("Transfer: u-μP")
struct TransferUnitScaledTests {
    /// Every parameter of unit-scaling 0.3.5's TransformerDecoder (widths 64–1024, depths 2 and 8): Adam and SGD
    /// learning-rate scales and the independent weight decay of scaled_parameters(lr = 1e-2, weight_decay = 0.1).
    @Test func matchesUnitScalingOnEveryParameter() throws {
        let rows = try vectors("umup_vectors.csv")
        #expect(rows.count == 162)
        for r in rows {
            let type = try #require(UnitScaledType(rawValue: r["mup_type"]!))
            let depth = Int(r["mup_scaling_depth"]!)!
            let adam = try Transfer.unitScaledLearningRateScale(type: type, shape: shape(r["shape"]), depth: depth)
            let sgd = try Transfer.unitScaledLearningRateScale(type: type, shape: shape(r["shape"]), depth: depth, optimizer: .sgd)
            #expect(close(adam, Double(r["adam_lr_scale"]!)!), "\(r["name"]!) adam")
            #expect(close(sgd, Double(r["sgd_lr_scale"]!)!), "\(r["name"]!) sgd")
            let wd = try Transfer.independentWeightDecay(0.1, groupLearningRate: 1e-2 * adam)
            #expect(close(wd, Double(r["group_weight_decay"]!)!), "\(r["name"]!) wd \(wd)")
        }
    }
}

@Suite("Transfer: batch rules and hyperparameter laws")
struct TransferRulesTests {
    /// The papers' worked examples: DeepSeek at C = 1e21 gives B ≈ 2.16M tokens and η ≈ 7.4e-4 (Bi et al. 2024);
    /// Step Law at N = 7e9, D = 1.4e12 gives η = 9.166e-4 and B ≈ 5.0M tokens (from its printed constants).
    @Test func presetsReproduceTheWorkedExamples() throws {
        let d = try HyperparameterLaw.deepSeek(compute: 1e21)
        #expect(abs(d.learningRate / 7.394e-4 - 1) < 1e-4 && abs(d.batchTokens / 2.16e6 - 1) < 1e-3)
        let s = try HyperparameterLaw.stepLaw(parameters: 7e9, tokens: 1.4e12)
        #expect(abs(s.learningRate / 9.166e-4 - 1) < 1e-4 && abs(s.batchTokens / 5.0e6 - 1) < 1e-3)
        #expect(throws: ScalingKitError.self) { try HyperparameterLaw.deepSeek(compute: 0) }
        #expect(throws: ScalingKitError.self) { try HyperparameterLaw.stepLaw(parameters: -1, tokens: 1e12) }
    }

    @Test func batchRules() throws {
        #expect(try BatchRules.sgdLinear(learningRate: 0.1, kappa: 8) == 0.8)       // Goyal: 0.1·B/256 at B = 2048
        let h = try BatchRules.adamSquareRoot(AdamHyperparameters(learningRate: 1e-3, beta1: 0.9, beta2: 0.99, epsilon: 1e-8), kappa: 4)
        #expect(close(h.learningRate, 2e-3) && close(h.beta1, 0.6) && close(h.beta2, 0.96) && close(h.epsilon, 5e-9))
        #expect(throws: ScalingKitError.self) { try BatchRules.adamSquareRoot(AdamHyperparameters(learningRate: 1e-3), kappa: 20) }
        #expect(close(try BatchRules.emaMomentum(0.999, kappa: 2), 0.999 * 0.999))
        // The surge curve peaks at B = B_noise with η_max and is symmetric in log B; SGD's saturates at η_max.
        #expect(close(try BatchRules.adamOptimalLearningRate(batch: 512, noiseScale: 512, peak: 1e-3), 1e-3))
        #expect(close(try BatchRules.adamOptimalLearningRate(batch: 128, noiseScale: 512, peak: 1e-3),
                      try BatchRules.adamOptimalLearningRate(batch: 2048, noiseScale: 512, peak: 1e-3)))
        #expect(close(try BatchRules.sgdOptimalLearningRate(batch: 512, noiseScale: 512, peak: 1e-3), 5e-4))
        let tau = try BatchRules.adamWTimescale(batch: 1e6, learningRate: 1e-3, weightDecay: 0.1, tokens: 1e11)
        #expect(close(tau, 0.1))
        #expect(close(try BatchRules.weightDecay(forTimescale: tau, batch: 1e6, learningRate: 1e-3, tokens: 1e11), 0.1))
        #expect(throws: ScalingKitError.self) { try BatchRules.sgdLinear(learningRate: 0.1, kappa: 0) }
    }

    /// One call: a GPT-style proxy (width 256, 4 layers) to width 2048, 16 layers, 4× the batch and 10× the tokens.
    @Test func transferInOneCall() throws {
        func spec(_ name: String, _ base: [Int], _ target: [Int], _ role: ParameterRole = .inferred, block: Bool = false) throws -> ParameterSpec {
            ParameterSpec(name: name, shape: try WidthShape(base: base, target: target), role: role, inResidualBlock: block)
        }
        let groups = [try spec("wte", [50304, 256], [50304, 2048], .input), try spec("c_fc", [1024, 256], [8192, 2048], block: true),
                      try spec("ln_1", [256], [2048], .norm, block: true), try spec("lm_head", [50304, 256], [50304, 2048], .readout)]
        let proxy = ProxyHyperparameters(learningRate: 6e-3, weightDecay: 0.1, initStd: 0.02, beta1: 0.9, beta2: 0.95,
                                         epsilon: 1e-8, batchTokens: 2.5e5, tokens: 2e9)
        var options = TransferOptions()
        options.depth = try DepthScaling(alpha: 1, baseLayers: 4, layers: 16)
        options.batchRule = .squareRoot
        let r = try Transfer.plan(groups: groups, proxy: proxy, targetBatchTokens: 1e6, targetTokens: 2e10, options: options)
        #expect(close(r.residualMultiplier, 0.25) && close(r.learningRateScale, 2) && close(r.beta1, 0.6) && close(r.beta2, 0.8))
        #expect(close(r.groups[0].learningRate, 1.2e-2) && close(r.groups[0].initStd, 0.02))            // embedding: μP ×1
        #expect(close(r.groups[1].learningRate, 6e-3 / 8 * 2) && close(r.groups[1].initStd, 0.02 / 8.0.squareRoot()))
        #expect(close(r.groups[1].weightDecay, 0.8) && close(r.groups[1].epsilon, 1e-8 / 8 / 4 / 2))
        #expect(close(r.groups[2].learningRate, 1.2e-2) && close(r.groups[3].forwardMultiplier, 1.0 / 8))
        // Holding AdamW's timescale: B/(η λ D) equal for proxy and target, group by group.
        options.holdTimescale = true
        let held = try Transfer.plan(groups: groups, proxy: proxy, targetBatchTokens: 1e6, targetTokens: 2e10, options: options)
        let tauProxy = try BatchRules.adamWTimescale(batch: 2.5e5, learningRate: 6e-3, weightDecay: 0.1, tokens: 2e9)
        for g in held.groups {
            #expect(close(try BatchRules.adamWTimescale(batch: 1e6, learningRate: g.learningRate, weightDecay: g.weightDecay, tokens: 2e10), tauProxy))
        }
        options.batchRule = .linear
        #expect(throws: ScalingKitError.self) { try Transfer.plan(groups: groups, proxy: proxy, targetBatchTokens: 1e6, targetTokens: 2e10, options: options) }
        #expect(throws: ScalingKitError.self) { try Transfer.plan(groups: [], proxy: proxy, targetBatchTokens: 1e6, targetTokens: 2e10) }
        // What it kept: 10× the tokens without a horizon exponent (the batch had its rule).
        #expect(r.notes == .horizonKept && r.notes.descriptions.count == 1)
    }

    /// μP moves the learning rate with width (CompleteP with depth), not with batch or horizon: a target that
    /// differs by more than 2× in either, without a rule for it, keeps the proxy's rate and says so.
    @Test func notesWhatItKept() throws {
        let groups = [ParameterSpec(name: "h", shape: try WidthShape(base: [64, 64], target: [1024, 1024]))]
        let proxy = ProxyHyperparameters(learningRate: 3e-3, batchTokens: 5e5, tokens: 1e9)
        let both = try Transfer.plan(groups: groups, proxy: proxy, targetBatchTokens: 4e6, targetTokens: 1e11)
        #expect(both.notes == [.batchKept, .horizonKept] && both.notes.descriptions.count == 2)
        #expect(both.notes.descriptions[0].contains("no batch rule") && both.notes.descriptions[1].contains("no horizon exponent"))
        // Within 2× either way: nothing to say; under half the tokens is as material as twice.
        #expect(try Transfer.plan(groups: groups, proxy: proxy, targetBatchTokens: 1e6, targetTokens: 2e9).notes.isEmpty)
        #expect(try Transfer.plan(groups: groups, proxy: proxy, targetBatchTokens: 5e5, targetTokens: 4e8).notes == .horizonKept)
        var options = TransferOptions()
        options.batchRule = .squareRoot
        options.horizonExponent = 0.3
        #expect(try Transfer.plan(groups: groups, proxy: proxy, targetBatchTokens: 4e6, targetTokens: 1e11, options: options).notes.isEmpty)
        #expect(TransferNotes.each.map(\.rawValue) == [1, 2])
    }
}

@Suite("Transfer: hyperparameter laws from a sweep")
struct HyperparameterSweepTests {
    /// A synthetic sweep whose optima follow Step Law (η* = 1.79·N^−0.713·D^0.307, B* = 0.58·D^0.571): the loss is
    /// a bowl in (ln η, ln B) around them. 3 sizes × 3 horizons × 5 batches × 7 learning rates.
    static func sweep(noise: Double, seed: UInt64 = 1) -> (N: [Double], D: [Double], lr: [Double], B: [Double], loss: [Double]) {
        var rng = RandomStream(seed: seed)
        var out: ([Double], [Double], [Double], [Double], [Double]) = ([], [], [], [], [])
        for N in [1e8, 3e8, 1e9] {
            for tpp in [20.0, 80.0, 320.0] {
                let D = tpp * N
                let truth = try! HyperparameterLaw.stepLaw(parameters: N, tokens: D)
                for j in -2...2 {
                    let B = truth.batchTokens * pow(2, Double(j) + 0.3)
                    for i in -3...3 {
                        let lr = truth.learningRate * pow(2, Double(i) + 0.2)
                        let dx = log(lr / truth.learningRate), dy = log(B / truth.batchTokens)
                        // Box–Muller for the noise.
                        let u1 = max(rng.nextUniform(), 1e-300), u2 = rng.nextUniform()
                        let gaussian: Double = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
                        let bowl: Double = 0.05 * dx * dx + 0.03 * dy * dy
                        let loss = 2 + bowl + noise * gaussian
                        out.0.append(N); out.1.append(D); out.2.append(lr); out.3.append(B); out.4.append(loss)
                    }
                }
            }
        }
        return out
    }

    @Test func recoversStepLawExactlyWithoutNoise() throws {
        let s = Self.sweep(noise: 0)
        let r = try HyperparameterSweep.fit(N: s.N, D: s.D, learningRate: s.lr, batch: s.B, loss: s.loss)
        #expect(r.cells.count == 45 && r.cells.allSatisfy { $0.optimalLearningRate != nil })
        #expect(abs(r.learningRate.exponentN! + 0.713) < 1e-9 && abs(r.learningRate.exponentD! - 0.307) < 1e-9)
        #expect(abs(r.learningRate.coefficient / 1.79 - 1) < 1e-8)
        let b = try #require(r.batch)
        #expect(abs(b.exponentD! - 0.571) < 1e-9 && abs(b.coefficient / 0.58 - 1) < 1e-8 && abs(b.exponentN ?? 0) < 1e-9)
    }

    @Test func recoversStepLawWithNoiseAndHonestIntervals() throws {
        let s = Self.sweep(noise: 2e-3)
        let r = try HyperparameterSweep.fit(N: s.N, D: s.D, learningRate: s.lr, batch: s.B, loss: s.loss)
        let law = r.learningRate
        #expect(abs(law.exponentN! + 0.713) < 4 * law.standardErrorN! && abs(law.exponentD! - 0.307) < 4 * law.standardErrorD!)
        #expect(abs(law.exponentN! + 0.713) < 0.05 && abs(law.exponentD! - 0.307) < 0.05, "\(law)")
        let p = try law.predict(parameters: 7e9, tokens: 1.4e12)
        let truth = try HyperparameterLaw.stepLaw(parameters: 7e9, tokens: 1.4e12).learningRate
        #expect(p.interval!.lower < p.value && p.value < p.interval!.upper && abs(p.value / truth - 1) < 0.3, "\(p) vs \(truth)")
        let covered = r.cells.filter { c in
            let t = (try? HyperparameterLaw.stepLaw(parameters: c.parameters, tokens: c.tokens).learningRate) ?? 0
            return c.interval!.contains(t)
        }.count
        #expect(covered >= 38, "\(covered) of 45 cell intervals cover the truth")    // 95 % nominal
    }

    @Test func saysWhyNoOptimumCanBeLocated() throws {
        let s = Self.sweep(noise: 0)
        // One learning rate per cell.
        let keep = s.lr.indices.filter { $0 % 7 == 3 }
        #expect {
            try HyperparameterSweep.fit(N: keep.map { s.N[$0] }, D: keep.map { s.D[$0] }, learningRate: keep.map { s.lr[$0] },
                                        batch: keep.map { s.B[$0] }, loss: keep.map { s.loss[$0] })
        } throws: { "\($0)".contains("no optimum can be located") }
        // A sweep that stops short of the optimum: the vertex is outside the swept range.
        let low = s.lr.indices.filter { $0 % 7 < 3 }
        #expect(throws: ScalingKitError.self) {
            try HyperparameterSweep.fit(N: low.map { s.N[$0] }, D: low.map { s.D[$0] }, learningRate: low.map { s.lr[$0] },
                                        batch: low.map { s.B[$0] }, loss: low.map { s.loss[$0] })
        }
        #expect(throws: ScalingKitError.self) { try HyperparameterSweep.fit(N: [], D: [], learningRate: [], batch: [], loss: []) }
        #expect(throws: ScalingKitError.self) { try HyperparameterSweep.fit(N: [1], D: [1, 2], learningRate: [1], batch: [1], loss: [1]) }
        #expect(throws: ScalingKitError.self) { try HyperparameterSweep.fit(N: [1], D: [1], learningRate: [-1], batch: [1], loss: [1]) }
    }
}

@Suite("Transfer: sweeps whose optima lie on a line")
struct SweepSupportTests {
    /// Optima η* = 0.3·N^−0.25·(D/1e9)^−0.05 at the given (N, D), 5 learning rates each, no noise.
    static func sweep(_ cells: [(N: Double, D: Double)]) -> (N: [Double], D: [Double], lr: [Double], B: [Double], loss: [Double]) {
        var out: ([Double], [Double], [Double], [Double], [Double]) = ([], [], [], [], [])
        for (N, D) in cells {
            let best = 0.3 * pow(N, -0.25) * pow(D / 1e9, -0.05)
            for i in -2...2 {
                let lr = best * pow(2, Double(i) + 0.25)
                out.0.append(N); out.1.append(D); out.2.append(lr); out.3.append(5e5)
                out.4.append(2 + 0.05 * log(lr / best) * log(lr / best))
            }
        }
        return out
    }

    static func fit(_ cells: [(N: Double, D: Double)]) throws -> HyperparameterSweep.Result {
        let s = sweep(cells)
        return try HyperparameterSweep.fit(N: s.N, D: s.D, learningRate: s.lr, batch: s.B, loss: s.loss)
    }

    static let sizes = [1.2e7, 3.1e7, 1.05e8, 2.9e8]

    @Test("D = 20·N (the Chinchilla ratio): fitted along the line, predicted on it, refused off it")
    func fixedRatio() throws {
        // Found as a user: this, the commonest sweep, was refused ("do not determine a power law in N and D").
        let r = try Self.fit(Self.sizes.map { ($0, 20 * $0) })
        let law = r.learningRate
        // Along D = 20·N: η* = 0.3·(20/1e9)^−0.05 · N^(−0.25−0.05).
        #expect(abs(law.exponentN! + 0.30) < 1e-9 && law.exponentD == nil, "\(law)")
        #expect(abs(law.coefficient / (0.3 * pow(20 / 1e9, -0.05)) - 1) < 1e-8)
        #expect(law.support.parameters == nil && abs(law.support.tokens!.coefficient / 20 - 1) < 1e-9
                && abs(law.support.tokens!.exponent - 1) < 1e-9)
        #expect(r.message.contains("along D = 20·N alone"), "\(r.message)")
        let p = try r.predict(parameters: 7e9, tokens: 1.4e11)
        #expect(abs(p.learningRate / (0.3 * pow(7e9, -0.25) * pow(140.0, -0.05)) - 1) < 1e-8 && p.batch == nil)
        #expect(throws: ScalingKitError.self) { try law.predict(parameters: 7e9, tokens: 1.4e12) }
        do {
            _ = try r.predict(parameters: 7e9, tokens: 1.4e12)
            Issue.record("a point at D/N = 200 was predicted from a sweep at D/N = 20")
        } catch let e as ScalingKitError {
            #expect(e.message.contains("along D = 20·N") && e.message.contains("D/N = 200"), "\(e.message)")
        }
        // Token counts rounded to whole steps of 1e6 tokens (0.4 % at the smallest size) are the same line.
        let rounded = try Self.fit(Self.sizes.map { ($0, (20 * $0 / 1e6).rounded() * 1e6) })
        #expect(rounded.learningRate.exponentD == nil && abs(rounded.learningRate.exponentN! + 0.30) < 0.01)
    }

    @Test("one D for every size, one N for every horizon, one (N, D), two (N, D), and the plane")
    func otherSupports() throws {
        let oneD = try Self.fit(Self.sizes.map { ($0, 2e9) })
        #expect(oneD.learningRate.support == .init(parameters: nil, tokens: .init(coefficient: 2e9, exponent: 0)))
        #expect(abs(oneD.learningRate.exponentN! + 0.25) < 1e-9)
        #expect(try oneD.predict(parameters: 7e9, tokens: 2.1e9).learningRate > 0)   // within 10 % of D = 2e9
        #expect(throws: ScalingKitError.self) { try oneD.predict(parameters: 7e9, tokens: 1.4e11) }

        let oneN = try Self.fit([2e9, 8e9, 3.2e10].map { (1e8, $0) })
        #expect(oneN.learningRate.support.parameters == 1e8 && oneN.learningRate.support.tokens == nil)
        #expect(abs(oneN.learningRate.exponentD! + 0.05) < 1e-9 && oneN.learningRate.exponentN == nil)
        #expect(throws: ScalingKitError.self) { try oneN.predict(parameters: 1e9, tokens: 2e10) }

        let point = try Self.fit([(1e8, 2e9)])
        #expect(point.learningRate.support.description == "N = 1.0e8, D = 2.0e9")
        #expect(abs(try point.predict(parameters: 1e8, tokens: 2e9).learningRate / (0.3 * pow(1e8, -0.25) * pow(2.0, -0.05)) - 1) < 1e-9)
        #expect(throws: ScalingKitError.self) { try point.predict(parameters: 1e9, tokens: 2e9) }
        // Found by the Python fuzz campaign: the refusal's message printed D/N = +inf through a trapping formatter.
        #expect(throws: ScalingKitError.self) { try point.predict(parameters: 1e-300, tokens: 1e300) }
        #expect(throws: ScalingKitError.self) { try point.predict(parameters: 1e300, tokens: 4.9e-324) }

        // Two optima are always on a line: the law is fitted along it rather than refused.
        let two = try Self.fit([(1e8, 2e9), (1e9, 8e10)])
        #expect(abs(two.learningRate.support.tokens!.exponent - log(40) / log(10)) < 1e-9)

        // Ratios 20, 80 and 320 at two sizes span the plane: both exponents, anywhere.
        let plane = try Self.fit([1e8, 4e8].flatMap { N in [20.0, 80, 320].map { (N, $0 * N) } })
        #expect(plane.learningRate.support.isPlane && plane.learningRate.support.description.isEmpty)
        #expect(abs(plane.learningRate.exponentN! + 0.25) < 1e-9 && abs(plane.learningRate.exponentD! + 0.05) < 1e-9)
        #expect(try plane.predict(parameters: 7e9, tokens: 1.4e12).learningRate > 0)
    }
}

@Suite("Transfer: a sweep cell's optimum on lopsided and diverging sweeps")
struct SweepOptimumTests {
    /// One cell: 7 learning rates a factor 2 apart around a true optimum η* = 1e-3 (offset 0.3 of a step), losses
    /// from `bowl(ln(η/η*))`.
    static func cell(_ bowl: (Double) -> Double) throws -> HyperparameterSweep.Cell {
        let lr = (-3...3).map { 1e-3 * pow(2, Double($0) + 0.3) }
        let r = try HyperparameterSweep.fit(N: lr.map { _ in 1e8 }, D: lr.map { _ in 2e9 }, learningRate: lr,
                                            batch: lr.map { _ in 5e5 }, loss: lr.map { bowl(log($0 / 1e-3)) })
        return r.cells[0]
    }

    @Test("a bowl steeper above the optimum: near the truth, where one parabola through all runs gave 0.60×")
    func lopsided() throws {
        let c = try Self.cell { 2 + 0.05 * $0 * $0 + 0.2 * pow(max(0, $0), 3) }
        let ratio = try #require(c.optimalLearningRate) / 1e-3
        #expect(abs(log(ratio)) < 0.15, "\(ratio) (\(c.note))")
        #expect(c.note.contains("lopsided"))
        // A true parabola is still recovered exactly, with all its runs' evidence on the 5 around the best.
        let exact = try Self.cell { 2 + 0.05 * $0 * $0 }
        #expect(abs(try #require(exact.optimalLearningRate) / 1e-3 - 1) < 1e-9 && exact.interval != nil)
        #expect(exact.note.contains("neighbours, 5 of 7"), "\(exact.note)")
        // The best run second from the bottom: the window of 5 starts at the bottom, and its note still says so
        // (the note had inferred "lopsided" from where the window started).
        let low = try Self.cell { 2 + 0.05 * ($0 + 2 * log(2.0)) * ($0 + 2 * log(2.0)) }
        #expect(abs(try #require(low.optimalLearningRate) / 0.25e-3 - 1) < 1e-9)
        #expect(low.note.contains("neighbours, 5 of 7"), "\(low.note)")
    }

    @Test("the largest rates diverged (loss 7): the optimum of the runs that trained, not 0.46×")
    func diverged() throws {
        let c = try Self.cell { $0 < 1 ? 2 + 0.05 * $0 * $0 : 7 }
        #expect(abs(log(try #require(c.optimalLearningRate) / 1e-3)) < 0.01, "\(c)")
        #expect(try #require(c.optimalLoss) >= 2 - 1e-9, "a vertex below every run's loss: \(c)")
    }

    @Test("diverged runs logged as NaN or +inf: swept, worse than any run, never in a parabola")
    func divergedAsNaN() throws {
        // The two largest rates (4.9× and 9.8× the optimum) diverged, logged as NaN and +inf: the optimum of the
        // runs that trained, as with loss 7.
        let c = try Self.cell { $0 < 1 ? 2 + 0.05 * $0 * $0 : ($0 < 1.6 ? .nan : .infinity) }
        #expect(abs(log(try #require(c.optimalLearningRate) / 1e-3)) < 1e-9, "\(c)")
        #expect(c.note.contains("2 of the 7 learning rates diverged") && c.learningRates == 7, "\(c.note)")
        // The best run's upper neighbour diverged: the optimum lies between them, which the sweep cannot resolve.
        do {
            _ = try Self.cell { $0 < 0.3 ? 2 + 0.05 * ($0 - 0.5) * ($0 - 0.5) : .nan }
            Issue.record("a best run next to a diverged rate located an optimum")
        } catch let e as ScalingKitError {
            #expect(e.message.contains("next to a diverged value above it"), "\(e.message)")
        }
        // Every run diverged; a replicate that diverged makes its rate diverged; -inf is refused.
        #expect(throws: ScalingKitError.self) { try Self.cell { _ in .nan } }
        let lr = (-3...3).map { 1e-3 * pow(2, Double($0) + 0.3) }
        let twice = lr + lr
        var loss = twice.map { 2 + 0.05 * log($0 / 1e-3) * log($0 / 1e-3) }
        loss[7 + 4] = .nan                                  // one seed at the rate above the best diverged
        do {
            _ = try HyperparameterSweep.fit(N: twice.map { _ in 1e8 }, D: twice.map { _ in 2e9 }, learningRate: twice,
                                            batch: twice.map { _ in 5e5 }, loss: loss)
            Issue.record("a rate where one seed diverged went into a parabola")
        } catch let e as ScalingKitError {
            #expect(e.message.contains("next to a diverged value above it"), "\(e.message)")
        }
        loss[7 + 4] = -.infinity
        do {
            _ = try HyperparameterSweep.fit(N: twice.map { _ in 1e8 }, D: twice.map { _ in 2e9 }, learningRate: twice,
                                            batch: twice.map { _ in 5e5 }, loss: loss)
            Issue.record("-inf accepted")
        } catch let e as ScalingKitError { #expect(e.message.contains("loss[11] is -inf")) }
    }

    @Test("the best run at an end of the sweep: no optimum, and the note says to widen it")
    func atTheEdge() throws {
        let c = try? Self.cell { 2 - 0.01 * $0 }
        #expect(c == nil)
        do {
            _ = try Self.cell { 2 - 0.01 * $0 }
        } catch let e as ScalingKitError {
            #expect(e.message.contains("largest of the swept learning rates: the optimum lies outside the sweep, widen it"),
                    "\(e.message)")
        }
    }
}

@Suite("Transfer: coordinate check")
struct CoordinateCheckTests {
    @Test func flagsLayersThatGrowOrVanish() throws {
        var layer: [String] = [], width: [Double] = [], step: [Int] = [], rms: [Double] = []
        for s in 0..<4 {
            for w in [128.0, 256, 512, 1024, 2048] {
                // μP-like: flat; SP-like logits: grow ∝ width^(s/6) by step 3 (½); a vanishing layer: ∝ width^−½.
                for (name, value) in [("embed", 1.0 + 0.01 * Double(s)), ("logits", pow(w, Double(s) / 6)),
                                      ("attn", pow(w, -0.5))] {
                    layer.append(name); width.append(w); step.append(s); rms.append(value)
                }
            }
        }
        let r = try CoordinateCheck.analyse(layer: layer, width: width, step: step, rms: rms)
        #expect(r.map(\.name) == ["embed", "logits", "attn"])
        #expect(r[0].verdict == .stable && abs(r[0].worstSlope) < 1e-12)
        #expect(r[1].verdict == .grows && abs(r[1].worstSlope - 0.5) < 1e-12 && r[1].steps == [0, 1, 2, 3])
        #expect(abs(r[1].slopes[0]) < 1e-12 && r[2].verdict == .vanishes)
        #expect(throws: ScalingKitError.self) { try CoordinateCheck.analyse(layer: ["a"], width: [64], step: [0], rms: [1]) }
        #expect(throws: ScalingKitError.self) { try CoordinateCheck.analyse(layer: ["a", "a"], width: [64, 128], step: [0, 0], rms: [1, 0]) }
        #expect(throws: ScalingKitError.self) { try CoordinateCheck.analyse(layer: [], width: [], step: [], rms: []) }
    }
}

@Suite("Transfer: u-μP residuals, attention, independent weight decay")
struct TransferExtrasTests {
    /// unit-scaling 0.3.5's transformer_residual_scaling_rule at every index of stacks of 2, 4 and 16 layers, for
    /// three residual multipliers and three attention ratios (Tests/data/transfer/umup_residual.csv).
    @Test func residualTausMatchUnitScaling() throws {
        let rows = try vectors("umup_residual.csv")
        #expect(rows.count == 198)
        for r in rows {
            let tau = try Transfer.unitScaledResidualTau(index: Int(r["index"]!)!, layers: Int(r["layers"]!)!,
                                                         residualMultiplier: Double(r["residual_mult"]!)!,
                                                         attentionRatio: Double(r["residual_attn_ratio"]!)!)
            #expect(close(tau, Double(r["tau"]!)!), "\(r)")
        }
        #expect(throws: ScalingKitError.self) { try Transfer.unitScaledResidualTau(index: 2, layers: 2) }
    }

    @Test func attentionScale() throws {
        #expect(close(try Transfer.attentionScale(headDim: 64, baseHeadDim: 64), 1.0 / 8))      // 1/√d at the base
        #expect(close(try Transfer.attentionScale(headDim: 256, baseHeadDim: 64), 8.0 / 256))   // mup's 8/d
        #expect(close(try Transfer.attentionScale(headDim: 256, baseHeadDim: 64, parametrization: .standard), 1.0 / 16))
        #expect(throws: ScalingKitError.self) { try Transfer.attentionScale(headDim: 0, baseHeadDim: 64) }
    }

    /// Independent weight decay keeps η·λ per group at the proxy's through every rule that moves η.
    @Test func independentWeightDecayHoldsTheStepDecay() throws {
        let groups = [ParameterSpec(name: "h", shape: try WidthShape(base: [256, 64], target: [4096, 1024]), inResidualBlock: true),
                      ParameterSpec(name: "e", shape: try WidthShape(base: [100, 64], target: [100, 1024]))]
        var o = TransferOptions()
        o.weightDecayRule = .independent
        o.batchRule = .squareRoot
        o.depth = try DepthScaling(alpha: 0.5, baseLayers: 2, layers: 8)
        o.horizonExponent = 0.2
        let proxy = ProxyHyperparameters(learningRate: 1e-2, weightDecay: 0.1, batchTokens: 1e5, tokens: 1e9)
        let r = try Transfer.plan(groups: groups, proxy: proxy, targetBatchTokens: 4e5, targetTokens: 1e10, options: o)
        for g in r.groups { #expect(close(g.learningRate * g.weightDecay, 1e-2 * 0.1)) }
    }
}

@Suite("Transfer: weight-decay timescale from a sweep")
struct TimescaleSweepTests {
    /// Power Lines' form τ_opt = c·(D/N)^m recovered from sweeps over weight decay at a fixed learning rate (the
    /// loss a parabola in ln τ around τ* = 0.2·TPP^−0.527), next to ordinary learning-rate sweeps.
    @Test func recoversATimescaleLaw() throws {
        var N: [Double] = [], D: [Double] = [], lr: [Double] = [], B: [Double] = [], L: [Double] = [], wd: [Double] = []
        for n in [1e8, 4e8] {
            for tpp in [20.0, 80, 320] {
                let d = tpp * n, batch = 1e6, eta0 = 3e-3
                let tauStar = 0.2 * pow(tpp, -0.527)
                for j in -2...2 {                       // λ sweep at η0
                    let tau = tauStar * pow(2, Double(j) + 0.3)
                    let lambda = batch / (eta0 * tau * d)
                    N.append(n); D.append(d); lr.append(eta0); B.append(batch); wd.append(lambda)
                    L.append(2 + 0.04 * log(tau / tauStar) * log(tau / tauStar))
                }
                for i in -2...2 {                       // η sweep at λ = 0.1
                    let eta = 1e-3 * pow(2, Double(i) + 0.2)
                    N.append(n); D.append(d); lr.append(eta); B.append(batch); wd.append(0.1)
                    L.append(2.1 + 0.05 * log(eta / 1e-3) * log(eta / 1e-3))
                }
            }
        }
        let r = try HyperparameterSweep.fit(N: N, D: D, learningRate: lr, batch: B, loss: L, weightDecay: wd)
        #expect(r.timescaleCells.count == 6 && r.timescaleCells.allSatisfy { $0.optimalTimescale != nil })
        let tau = try #require(r.timescale)
        #expect(abs(tau.exponent + 0.527) < 1e-9 && abs(tau.coefficient / 0.2 - 1) < 1e-8, "\(tau)")
        #expect(r.learningRate.exponentN.map { abs($0) < 1e-9 } ?? false)
        #expect(r.message.contains("fit τ_opt(D/N)"))
        #expect(throws: ScalingKitError.self) {
            try HyperparameterSweep.fit(N: N, D: D, learningRate: lr, batch: B, loss: L, weightDecay: wd.map { -$0 })
        }
    }
}
