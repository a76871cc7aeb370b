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
