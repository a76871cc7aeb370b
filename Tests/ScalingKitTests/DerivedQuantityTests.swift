import Foundation
import Testing
@testable import ScalingKit

/// Issue 15, item 1: every quantity a binding needs is computed by the core and returned, so that C and Python
/// convert instead of computing (and cannot disagree).
@Suite("Derived quantities come from the core")
struct DerivedQuantityTests {
    @Test func powerLawEvaluationChecksItsInput() throws {
        #expect(try PowerLawFit.evaluate(coefficient: 0.1, exponent: 0.5, at: 1e22) == 0.1 * 1e11)
        #expect(throws: ScalingKitError.self) { try PowerLawFit.evaluate(coefficient: 0.1, exponent: 0.5, at: -1) }
        #expect(throws: ScalingKitError.self) { try PowerLawFit.evaluate(coefficient: .nan, exponent: 0.5, at: 1) }
        #expect(throws: ScalingKitError.self) { try PowerLawFit.evaluate(coefficient: 1e300, exponent: 2, at: 1e300) }
    }

    @Test func tradeoffStepsAndKaplansLaw() throws {
        // McCandlish et al. (2018, eq. 2.11) at B = B_crit: twice S_min.
        #expect(try CriticalBatch.steps(minimumSteps: 5000, criticalBatch: 2000, batch: 2000) == 10000)
        #expect(throws: ScalingKitError.self) { try CriticalBatch.steps(minimumSteps: 5000, criticalBatch: 2000, batch: 0) }
        // Kaplan et al. (2020, eq. 1.4) with their published B* = 2e8 tokens, alpha_B = 0.21: the preset agrees.
        let fitted = try CriticalBatch.kaplan(criticalBatchAtUnitLoss: 2e8, alphaB: 0.21, loss: 3)
        #expect(abs(fitted / (try BatchLaw.kaplan.batchTokens(at: 3)) - 1) < 1e-12)
        #expect(throws: ScalingKitError.self) { try CriticalBatch.kaplan(criticalBatchAtUnitLoss: 2e8, alphaB: 0, loss: 3) }
    }

    @Test func isoFLOPVerticesInParametersAndCounts() throws {
        // Three budgets of exact parabolas in log10 N around N* = 10^(8 + k/2).
        var N = [Double](), D = [Double](), L = [Double](), C = [Double]()
        for k in 0..<3 {
            let c = 1e19 * pow(10, Double(k)), star = 8 + Double(k) / 2
            for j in -2...2 {
                let logN = star + 0.25 * Double(j), n = pow(10, logN)
                N.append(n); D.append(c / (6 * n)); C.append(c); L.append(2 + 0.1 * pow(logN - star, 2))
            }
        }
        let r = try IsoFLOP.fit(N: N, D: D, loss: L, budget: C)
        #expect(r.budgetsUsed == 3)
        for (k, b) in r.budgets.enumerated() {
            let v = try #require(b.vertexParameters)
            #expect(abs(log10(v) - (8 + Double(k) / 2)) < 1e-9)
            #expect(abs(try #require(b.vertexTokens) - pow(10, try #require(b.optimalTokens))) < 1e-6 * v)
        }
    }

    @Test func sweepPredictionRefusesBadSizes() throws {
        let law = HyperparameterSweep.Law(coefficient: 1, exponentN: -0.5, exponentD: nil, standardErrorN: nil,
                                          standardErrorD: nil, points: 2,
                                          fit: try #require(LeastSquares(rows: [[1, 0], [1, 1], [1, 2]], y: [0, -0.5, -1.1])))
        #expect(throws: ScalingKitError.self) { try law.predict(parameters: -1, tokens: 1e9) }
        #expect(throws: ScalingKitError.self) { try law.predict(parameters: 1e9, tokens: .infinity) }
        #expect(throws: ScalingKitError.self) { try law.predict(parameters: 1e9, tokens: 1e9, confidence: 1) }
    }

    @Test func presetsByName() throws {
        #expect(try TransformerShape.preset(named: "llama2_7b") == .llama2_7B)
        #expect(TransformerShape.presets.map(\.key) == ["gpt2_small", "llama2_7b", "chinchilla_70b"])
        do {
            _ = try TransformerShape.preset(named: "gpt5")
            Issue.record("an unknown preset was accepted")
        } catch let e as ScalingKitError {
            #expect(e.message.contains("unknown architecture 'gpt5'") && e.message.contains("chinchilla_70b"))
        }
    }

    @Test func bootstrapPlanMethodIsChosenByTheCore() throws {
        // Five replicates of a Chinchilla parameter vector: the catalogue law plans in closed form (no failures),
        // a law of other parameters cannot be planned by the closed form and says so.
        let p = [1.69, 406.4, 410.7, 0.34, 0.28]
        let b = Bootstrap(parameterNames: ["E", "A", "B", "alpha", "beta"], estimates: p,
                          samples: Array(repeating: p, count: 5), failed: 0, stalled: 0, options: BootstrapOptions(),
                          fitted: nil)
        let closed = try b.computeOptimal(compute: 5.76e23, law: nil)
        let viaLaw = try b.computeOptimal(compute: 5.76e23, law: try ScalingLaw.named("chinchilla"))
        #expect(closed.failed == 0 && closed.parameters.estimate == viaLaw.parameters.estimate)
        #expect(closed.fitted == nil && closed.ratioWithinFitted == nil && closed.compute == 5.76e23)
        let direct = try ChinchillaLaw(E: p[0], A: p[1], B: p[2], alpha: p[3], beta: p[4]).computeOptimal(compute: 5.76e23)
        #expect(abs(closed.parameters.estimate / direct.parameters - 1) < 1e-12)
    }

    /// The highest-loss exclusion (Besiroglu et al. 2024 §2) is one core rule for every law: a law fit with it
    /// equals the fit on the rows it keeps, reports the rows, and its bootstrap and leave-one-out skip them.
    @Test func highestLossExclusionForAnyLaw() throws {
        let (N, D, L) = try TestData.chinchilla()
        let law = try ScalingLaw(formula: "E + A*N^-alpha + B*D^-beta", inputs: ["N", "D"])
        var options = LawFitOptions()
        options.excludeHighestLoss = 5
        let fit = try law.fit(data: ["N": N, "D": D], observed: L, options: options)
        let rows = highestLossRows(L, count: 5)
        #expect(fit.excludedIndices == rows && fit.pointsUsed == L.count - 5)
        let keep = L.indices.filter { !rows.contains($0) }
        let manual = try law.fit(data: ["N": keep.map { N[$0] }, "D": keep.map { D[$0] }], observed: keep.map { L[$0] })
        #expect(fit.values == manual.values && fit.objective == manual.objective)
        #expect(fit.options.excludeHighestLoss == 5)

        var boot = BootstrapOptions()
        boot.replicates = 8
        let b = try law.bootstrap(data: ["N": N, "D": D], observed: L, fit: fit, options: boot)
        #expect(b.samples.count + b.failed == 8)

        options.excludeHighestLoss = L.count
        #expect(throws: ScalingKitError.self) { try law.fit(data: ["N": N, "D": D], observed: L, options: options) }
    }
}
