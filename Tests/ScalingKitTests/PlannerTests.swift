import Testing
@testable import ScalingKit
#if canImport(Glibc)
import Glibc
#endif

@Suite("Planner")
struct PlannerTests {
    static let epoch = ChinchillaLaw(E: 1.817218, A: 477.8259, B: 2143.4173, alpha: 0.347310, beta: 0.367172)

    /// The closed form (Hoffmann et al. 2022 eq. 4) against numerical minimisation of the same law written as a
    /// formula: N_opt, D_opt, the loss and the local exponent a agree.
    @Test(arguments: [1e19, 5.76e23, 1e26])
    func closedFormMatchesNumericalMinimisation(compute: Double) throws {
        let closed = try Planner.computeOptimal(LossSurface(Self.epoch), compute: compute)
        let law = try ScalingLaw.named("chinchilla")
        let values = law.parameters.map { ["E": Self.epoch.E, "A": Self.epoch.A, "B": Self.epoch.B,
                                           "alpha": Self.epoch.alpha, "beta": Self.epoch.beta][$0]! }
        let numeric = try Planner.computeOptimal(LossSurface(law: law, values: values), compute: compute)
        #expect(abs(numeric.parameters / closed.parameters - 1) < 1e-6, "\(numeric.parameters) vs \(closed.parameters)")
        #expect(abs(numeric.tokens / closed.tokens - 1) < 1e-6)
        #expect(abs(numeric.loss - closed.loss) < 1e-12)
        #expect(abs(numeric.a - closed.a) < 1e-4 && abs(closed.a - 0.367172 / (0.347310 + 0.367172)) < 1e-12, "a \(numeric.a) vs \(closed.a)")
    }

    /// Plans carry the span of the runs behind their fit. On the Epoch runs (5 highest-loss excluded: D/N
    /// 0.456–341) Chinchilla's plan, D/N 17.9, is inside; a plan at a ratio of 10⁵ is not; a surface built from a
    /// bare law knows no range.
    @Test func plansCarryTheFittedRange() throws {
        let (d, fit) = try TestData.epochFit()
        let kept = Set(d.N.indices).subtracting(fit.excludedIndices)
        let range = try #require(fit.fitted)
        #expect(range.parameters == kept.map { d.N[$0] }.min()!...kept.map { d.N[$0] }.max()!)
        #expect(range.tokens == kept.map { d.D[$0] }.min()!...kept.map { d.D[$0] }.max()!)
        let ratios = kept.map { d.D[$0] / d.N[$0] }
        #expect(range.tokensPerParameter == ratios.min()!...ratios.max()!)
        #expect(range.tokensPerParameter.lowerBound > d.N.indices.map { d.D[$0] / d.N[$0] }.min()!,
                "the excluded runs (D/N < 0.5) are not in the range")
        let plan = try Planner.computeOptimal(LossSurface(fit), compute: 5.76e23)
        #expect(plan.fitted == range && plan.ratioWithinFitted == true, "D/N \(plan.tokensPerParameter)")
        let far = try Planner.atTokensPerParameter(LossSurface(fit), compute: 5.76e23, tokensPerParameter: 1e5)
        #expect(far.ratioWithinFitted == false)
        #expect(try Planner.computeOptimal(LossSurface(fit.law), compute: 5.76e23).ratioWithinFitted == nil)
    }

    /// The inference-aware plan carries the range too: at 10¹³ served tokens its D/N (107) is among the fitted
    /// runs' (0.46–341); at 10¹⁷ it is about 1.2·10⁵, and the loss it reaches there is the law's extrapolation.
    @Test func inferenceAwarePlansSayWhenTheyLeaveTheFittedRatios() throws {
        let (_, fit) = try TestData.epochFit()
        let surface = LossSurface(fit)
        let target = try Planner.computeOptimal(surface, compute: 5.76e23).loss
        let light = try Planner.inferenceAware(surface, loss: target, inferenceTokens: 1e13)
        #expect(light.fitted == fit.fitted && light.ratioWithinFitted == true, "D/N \(light.tokensPerParameter)")
        let heavy = try Planner.inferenceAware(surface, loss: target, inferenceTokens: 1e17)
        #expect(heavy.ratioWithinFitted == false && heavy.tokensPerParameter > fit.fitted!.tokensPerParameter.upperBound)
        #expect(try Planner.inferenceAware(LossSurface(fit.law), loss: target, inferenceTokens: 1e17).ratioWithinFitted == nil)
    }

    /// A sweep like (Mis)Fitting's (N 6e7–1.2e9, D/N 1.4–218) from its Hoffmann-form fit (α 0.20, β 0.64): the plan
    /// at 10²² FLOPs has D/N ≈ 0.4, outside every fitted ratio, and says so; a run with weight 0 is not in the range.
    /// 36 runs of D/N 1.4–218 from a law with β ≫ α (as the Hoffmann form fitted to the (Mis)Fitting sweep), whose
    /// compute-optimal D/N at 1e22 FLOPs falls below every fitted ratio; `noise` is a relative deterministic wiggle.
    static func offRatioSweep(noise: Double = 0) -> (N: [Double], D: [Double], L: [Double]) {
        var N: [Double] = [], D: [Double] = [], L: [Double] = []
        for i in 0..<6 {
            for j in 0..<6 {
                let n = 6e7 * pow(20, Double(i) / 5), r = 1.4 * pow(156, Double(j) / 5)
                N.append(n); D.append(r * n)
                L.append((1.8 + 51.4 * pow(n, -0.2) + 4.675e5 * pow(r * n, -0.636)) * (1 + noise * sin(Double(7 * i + j))))
            }
        }
        return (N, D, L)
    }

    @Test func aPlanOutsideTheFittedRatiosSaysSo() throws {
        var (N, D, L) = Self.offRatioSweep()
        N.append(1e7); D.append(1e7); L.append(1.8 + 51.4 * pow(1e7, -0.2) + 4.675e5 * pow(1e7, -0.636))
        var options = LawFitOptions()
        options.weights = [Double](repeating: 1, count: N.count - 1) + [0]
        let fit = try ScalingLaw.named("chinchilla").fit(data: ["N": N, "D": D], observed: L, options: options)
        let range = try #require(fit.fitted)
        #expect(range.parameters.lowerBound == 6e7 && abs(range.tokensPerParameter.lowerBound - 1.4) < 1e-12)
        let plan = try Planner.computeOptimal(LossSurface(fit), compute: 1e22)
        #expect(plan.tokensPerParameter < 1 && plan.ratioWithinFitted == false, "D/N \(plan.tokensPerParameter)")
        #expect(try Planner.computeOptimal(LossSurface(fit), compute: 1e19).ratioWithinFitted == true)
    }

    /// A fit on counts in millions and billions (ml-scalefit's N/1e6, D/1e9) predicts right in its own units, but a
    /// plan in FLOPs from it would be off by 10⁶–10⁹ with plausible-looking numbers: every planner refuses, by name.
    @Test func aFitOnScaledCountsIsRefusedByThePlanners() throws {
        let d = try TestData.chinchilla()
        var o = ChinchillaFitOptions()
        o.excludeHighestLoss = 5
        o.grid = TestData.reducedGrid
        let scaledN = d.N.map { $0 / 1e6 }, scaledD = d.D.map { $0 / 1e9 }
        let fit = try ChinchillaLaw.fit(N: scaledN, D: scaledD, loss: d.loss, options: o)
        let range = try #require(fit.fitted)
        let raw = try #require(try TestData.epochFit().fit.fitted)
        #expect(range.countsLookScaled && !raw.countsLookScaled)
        #expect(abs(fit.law.loss(parameters: scaledN[100], tokens: scaledD[100]) / d.loss[100] - 1) < 0.05)
        let surface = LossSurface(fit)
        func refused(_ what: String, _ body: () throws -> Void) {
            do {
                try body()
                Issue.record("\(what) planned from scaled counts")
            } catch let e as ScalingKitError {
                #expect(e.message.contains("needs N in parameters and D in tokens") && e.message.contains("N = 1.62e4"),
                        "\(what): \(e.message)")
            } catch { Issue.record("\(what): \(error)") }
        }
        refused("computeOptimal") { _ = try Planner.computeOptimal(surface, compute: 5.76e23) }
        refused("minimumCompute") { _ = try Planner.minimumCompute(surface, targetLoss: 2.0) }
        refused("atTokensPerParameter") { _ = try Planner.atTokensPerParameter(surface, compute: 1e22, tokensPerParameter: 20) }
        refused("inferenceAware") { _ = try Planner.inferenceAware(surface, loss: 2.0, inferenceTokens: 1e12) }
        refused("timeAware") {
            _ = try Planner.timeAware(surface, loss: 2.0, criticalBatch: try CriticalBatchLaw(coefficient: 8, exponent: 0.462),
                                      hardware: try TrainingHardware(devices: 8, flopsPerSecond: 4e14, tokensPerDevice: 32768))
        }
        var b = BootstrapOptions()
        b.replicates = 4
        let boot = try ChinchillaLaw.bootstrap(N: scaledN, D: scaledD, loss: d.loss, fit: fit, options: b)
        refused("bootstrap plan") { _ = try boot.computeOptimal(compute: 5.76e23, law: nil) }
        // The law itself, not fitted to runs, plans as before.
        #expect(try Planner.computeOptimal(LossSurface(fit.law), compute: 5.76e23).parameters > 0)
    }

    /// A bootstrap plan carries the same span and says the same about its D/N as the point plan: its D/N interval
    /// outside the fitted ratios is the spread of the law's form over resamples, not a ratio any run constrained.
    @Test func bootstrapPlansCarryTheFittedRange() throws {
        let (N, D, L) = Self.offRatioSweep(noise: 0.003)
        let law = try ScalingLaw.named("chinchilla")
        let fit = try law.fit(data: ["N": N, "D": D], observed: L)
        var options = BootstrapOptions()
        options.replicates = 20
        options.seed = 3
        let b = try law.bootstrap(data: ["N": N, "D": D], observed: L, fit: fit, options: options)
        #expect(b.fitted == fit.fitted && b.fitted != nil)
        for compute in [1e19, 1e22] {
            let point = try Planner.computeOptimal(LossSurface(fit), compute: compute)
            let boot = try b.computeOptimal(compute: compute, law: nil)
            #expect(boot.fitted == fit.fitted && boot.compute == compute)
            // The point plan of a law fit is numerical, the bootstrap of the catalogue law closed-form: 1e-6 apart at most.
            #expect(abs(boot.tokensPerParameter.estimate / point.tokensPerParameter - 1) < 1e-6)
            #expect(boot.ratioWithinFitted == point.ratioWithinFitted, "at \(compute)")
        }
        #expect(try b.computeOptimal(compute: 1e22, law: nil).ratioWithinFitted == false)
        #expect(try b.computeOptimal(compute: 1e19, law: nil).ratioWithinFitted == true)
        // The Chinchilla fit's own bootstrap carries its span too.
        let chinchilla = try ChinchillaLaw.fit(N: N, D: D, loss: L)
        let cb = try ChinchillaLaw.bootstrap(N: N, D: D, loss: L, fit: chinchilla, options: options)
        #expect(cb.fitted == chinchilla.fitted && cb.fitted != nil)
        #expect(try cb.chinchillaPlan(compute: 1e22).ratioWithinFitted == false)
    }

    /// A law of C as well as N and D (a formula): the planner passes C = 6ND.
    @Test func formulaWithComputeInput() throws {
        let law = try ScalingLaw(formula: "E + A*N^-alpha + B*D^-beta + 0*C", inputs: ["N", "D", "C"])
        let values = law.parameters.map { ["E": 1.8, "A": 400, "B": 2000, "alpha": 0.34, "beta": 0.37][$0]! }
        let plan = try Planner.computeOptimal(LossSurface(law: law, values: values), compute: 1e22)
        let closed = try ChinchillaLaw(E: 1.8, A: 400, B: 2000, alpha: 0.34, beta: 0.37).computeOptimal(compute: 1e22)
        #expect(abs(plan.parameters / closed.parameters - 1) < 1e-6)
    }

    /// The inverse question: the least compute reaching a loss, whose plan has exactly that loss.
    @Test func minimumComputeInvertsTheOptimalLoss() throws {
        let surface = LossSurface(Self.epoch)
        let target = try Planner.computeOptimal(surface, compute: 5.76e23).loss
        let plan = try Planner.minimumCompute(surface, targetLoss: target)
        #expect(abs(plan.compute / 5.76e23 - 1) < 1e-6, "\(plan.compute)")
        #expect(throws: ScalingKitError.self) { try Planner.minimumCompute(surface, targetLoss: Self.epoch.E) }
        #expect(throws: ScalingKitError.self) { try Planner.minimumCompute(surface, targetLoss: .nan) }
    }

    /// A target inside the confidence interval of the fitted floor is refused: on Epoch's runs (the 5 highest-loss
    /// excluded) E = 1.817 with the floor's interval [1.767, 1.869], and a target of 1.82 "needed" 3.7e33 FLOPs
    /// (N = 8e15, 10¹¹ times the largest run) without a word. Above the interval it plans; a bare law (no fit, no
    /// covariance) plans as before.
    @Test func minimumComputeRefusesATargetWithinTheFloorsInterval() throws {
        let d = try TestData.chinchilla()
        var options = ChinchillaFitOptions()
        options.excludeHighestLoss = 5
        let fit = try ChinchillaLaw.fit(N: d.N, D: d.D, loss: d.loss, options: options)
        let surface = LossSurface(fit)
        let floor = try fit.predict(parameters: [1e20], tokens: [1e20], interval: .confidence).interval(at: 0)
        #expect(floor.lower < fit.law.E && fit.law.E < floor.upper)
        // The floor is E; its interval is as wide as Besiroglu et al.'s bootstrap says (SE 0.02566, so 2·1.96·SE =
        // 0.1006): [1.767, 1.869]. The model-based covariance alone gave [1.791, 1.845], half as wide.
        #expect(abs((floor.upper - floor.lower) - 0.1006) < 0.008, "\(floor)")
        do {
            _ = try Planner.minimumCompute(surface, targetLoss: 1.82)
            Issue.record("a target within the floor's interval was planned")
        } catch {
            #expect("\(error)".contains("lies within the 95 % confidence interval of the law's floor"))
        }
        #expect(throws: ScalingKitError.self) { try Planner.inferenceAware(surface, loss: 1.82, inferenceTokens: 1e12) }
        let above = try Planner.minimumCompute(surface, targetLoss: floor.upper + 0.01)
        #expect(above.loss <= floor.upper + 0.01 + 1e-9)
        #expect(try Planner.minimumCompute(LossSurface(fit.law), targetLoss: 1.82).compute > 1e30)
    }

    @Test func refusesLawsWithoutAnOptimum() throws {
        let law = try ScalingLaw.named("chinchilla")
        let values = law.parameters.map { ["E": 1.8, "A": 400, "B": 2000, "alpha": -0.1, "beta": 0.37][$0]! }
        do {
            _ = try Planner.computeOptimal(LossSurface(law: law, values: values), compute: 1e22)
            Issue.record("a law with alpha < 0 was planned")
        } catch { #expect("\(error)".contains("no finite compute-optimal allocation")) }
        #expect(throws: ScalingKitError.self) { try Planner.computeOptimal(LossSurface(Self.epoch), compute: 0) }
        #expect(throws: ScalingKitError.self) { try Planner.computeOptimal(LossSurface(Self.epoch), compute: -1) }
        #expect(throws: ScalingKitError.self) { try LossSurface(law: ScalingLaw.named("kaplan_n"), values: [1, 1]) }
    }
}

@Suite("Inference-aware planning")
struct InferenceAwareTests {
    static let hoffmann = ChinchillaLaw(E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28)
    /// The constants Sardana et al. (2024) use (their App. A): Hoffmann's E, A, B with α = 0.336, β = 0.283.
    static let sardana = ChinchillaLaw(E: 1.69, A: 406.4, B: 410.7, alpha: 0.336, beta: 0.283)

    /// The loss of the training-compute-optimal model of `parameters` parameters ("N-Chinchilla quality").
    static func chinchillaQuality(_ law: ChinchillaLaw, parameters: Double) -> Double {
        let G = pow(law.alpha * law.A / (law.beta * law.B), 1 / (law.alpha + law.beta))
        let a = law.beta / (law.alpha + law.beta)
        let compute = 6 * pow(parameters / G, 1 / a)
        return law.loss(parameters: parameters, tokens: compute / (6 * parameters))
    }

    /// Sardana et al. (2024)'s worked examples, with their constants:
    /// - §2 / Fig. 2: a 30B-Chinchilla-quality model with 10¹³ inference tokens → a 13.6B model on 2.84× the data,
    ///   28 % fewer total FLOPs;
    /// - Fig. 1: 13B quality with 2·10¹² inference tokens → a 7B model, saving 1.7·10²² FLOPs (17 %);
    /// - Fig. 2: 7B quality with 10¹¹ inference tokens → a 6B model on 1.18× the data.
    @Test(arguments: [(30e9, 1e13, 13.6e9, 2.84, 0.28), (13e9, 2e12, 7e9, Double.nan, 0.17), (7e9, 1e11, 6e9, 1.18, Double.nan)])
    func reproducesSardanasWorkedExamples(quality: Double, inference: Double, size: Double, dataRatio: Double,
                                          saving: Double) throws {
        let law = Self.sardana
        let plan = try Planner.inferenceAware(LossSurface(law), loss: Self.chinchillaQuality(law, parameters: quality),
                                              inferenceTokens: inference)
        #expect(abs(plan.trainingOptimal.parameters / quality - 1) < 1e-6)
        // The paper rounds: 13.6B (ours 13.61B), 7B (6.97B), 6B (6.00B); 2.84× (2.845×), 1.18× (1.176×); 28 % (27.98 %),
        // 17 % (17.45 %, 1.69e22 FLOPs).
        #expect(abs(plan.parameters / size - 1) < 0.01, "\(plan.parameters)")
        let ratio = plan.trainingTokens / plan.trainingOptimal.tokens
        if !dataRatio.isNaN { #expect(abs(ratio - dataRatio) < 0.006, "\(ratio)") }
        let saved = plan.savedFLOPs / plan.trainingOptimalTotalFLOPs
        if !saving.isNaN { #expect(abs(saved - saving) < 0.005, "\(saved)") }
        if quality == 13e9 { #expect(abs(plan.savedFLOPs / 1.7e22 - 1) < 0.01, "\(plan.savedFLOPs)") }
    }

    /// The closed-form check: for the Chinchilla law, the tokens reaching loss ℓ at size N are
    /// D = (B / (ℓ − E − A/N^α))^(1/β); a brute-force grid over N of 6ND + 2N·D_inf finds the same optimum.
    @Test func matchesABruteForceReference() throws {
        let law = Self.hoffmann
        let loss = Self.chinchillaQuality(law, parameters: 13e9)
        let plan = try Planner.inferenceAware(LossSurface(law), loss: loss, inferenceTokens: 2e12)
        var bestN = 0.0, bestTotal = Double.infinity
        for i in 0..<20000 {
            let N = pow(10, 9 + Double(i) * 1e-4)
            let rest = loss - law.E - law.A / pow(N, law.alpha)
            guard rest > 0 else { continue }
            let D = pow(law.B / rest, 1 / law.beta)
            let total = 6 * N * D + 2 * N * 2e12
            if total < bestTotal { bestTotal = total; bestN = N }
        }
        #expect(abs(plan.parameters / bestN - 1) < 1e-3, "\(plan.parameters) vs \(bestN)")
        #expect(abs(plan.totalFLOPs / bestTotal - 1) < 1e-6)
        #expect(abs(plan.trainingOptimal.parameters / 13e9 - 1) < 1e-6)
        // With Hoffmann's printed α = 0.34, β = 0.28 instead of Sardana's: 8.03B parameters, 10.1 % saved.
        #expect(plan.parameters < 13e9 && plan.savedFLOPs > 0)
        #expect(abs(plan.savedFLOPs / plan.trainingOptimalTotalFLOPs - 0.101) < 0.002)
    }

    /// No inference: the training-optimal model of that loss. More inference: smaller models, longer training.
    @Test func limitsAndMonotonicity() throws {
        let surface = LossSurface(Self.hoffmann)
        let none = try Planner.inferenceAware(surface, loss: 2.0, inferenceTokens: 0)
        #expect(abs(none.parameters / none.trainingOptimal.parameters - 1) < 1e-4 && none.savedFLOPs >= -1e-9 * none.totalFLOPs)
        let some = try Planner.inferenceAware(surface, loss: 2.0, inferenceTokens: 1e12)
        let lots = try Planner.inferenceAware(surface, loss: 2.0, inferenceTokens: 1e14)
        #expect(lots.parameters < some.parameters && some.parameters < none.parameters)
        #expect(lots.trainingTokens > some.trainingTokens)
        #expect(throws: ScalingKitError.self) { try Planner.inferenceAware(surface, loss: 1.5, inferenceTokens: 1e12) }
        #expect(throws: ScalingKitError.self) { try Planner.inferenceAware(surface, loss: 2.0, inferenceTokens: -1) }
    }
}

@Suite("Over-training")
struct OvertrainingTests {
    /// At the optimal ratio the penalty is zero; away from it, positive, growing with the distance.
    @Test func penaltyIsZeroAtTheOptimumAndGrowsAway() throws {
        let law = PlannerTests.epoch
        let surface = LossSurface(law)
        let best = try Planner.computeOptimal(surface, compute: 1e23)
        let at = try Planner.atTokensPerParameter(surface, compute: 1e23, tokensPerParameter: best.tokensPerParameter)
        #expect(abs(at.loss - best.loss) < 1e-12 && abs(at.parameters / best.parameters - 1) < 1e-12)
        let p80 = try Planner.atTokensPerParameter(surface, compute: 1e23, tokensPerParameter: 80).loss - best.loss
        let p640 = try Planner.atTokensPerParameter(surface, compute: 1e23, tokensPerParameter: 640).loss - best.loss
        #expect(p80 > 0 && p640 > p80)
        #expect(throws: ScalingKitError.self) { try Planner.atTokensPerParameter(surface, compute: 1e23, tokensPerParameter: 0) }
    }
}
