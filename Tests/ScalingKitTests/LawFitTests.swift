import Testing
@testable import ScalingKit
#if canImport(Glibc)
import Glibc
#endif

@Suite("Generic law fit")
struct LawFitTests {
    /// The formula-string law of the Chinchilla LSE form reaches the built-in law's optimum on the Epoch data.
    @Test func formulaLawMatchesBuiltInChinchilla() throws {
        let (d, builtIn) = try TestData.epochFit()
        let kept = Set(0..<d.N.count).subtracting(builtIn.excludedIndices).sorted()
        let g = TestData.reducedGrid
        let law = try ScalingLaw(formula: "logsumexp(a - alpha*log(N), b - beta*log(D), e)", inputs: ["N", "D"],
                                 startGrid: ["a": g.a, "alpha": g.alpha, "b": g.b, "beta": g.beta, "e": g.e],
                                 predictsLog: true)
        let fit = try law.fit(data: ["N": kept.map { d.N[$0] }, "D": kept.map { d.D[$0] }],
                              observed: kept.map { d.loss[$0] })
        #expect(fit.converged)
        #expect(abs(fit.objective - builtIn.objective) <= 1e-12)
        #expect(abs(fit["alpha"]! - builtIn.law.alpha) < 1e-5 && abs(fit["beta"]! - builtIn.law.beta) < 1e-5)
        #expect(abs(exp(fit["e"]!) / builtIn.law.E - 1) < 1e-5)
    }

    /// Loss against compute typed as a formula with no hints, over the Epoch runs (most off the compute frontier,
    /// so 226 of 245 residuals sit in the Huber loss's linear part): the optimum is the catalogue `compute` law's,
    /// and it is reported converged. It was "stalled" (relative gradient 1.19e-5 against 1e-5) when the Hessian's
    /// central differences, taken across Huber kinks, came out indefinite and no Newton decrement was available.
    @Test func lossVersusComputeFormulaConvergesOverOffFrontierRuns() throws {
        let d = try TestData.chinchilla()
        let C = zip(d.N, d.D).map { 6 * $0 * $1 }
        let typed = try ScalingLaw(formula: "E + A*C^-gamma", inputs: ["C"]).fit(data: ["C": C], observed: d.loss)
        let named = try ScalingLaw.named("compute").fit(data: ["C": C], observed: d.loss)
        #expect(named.converged, "\(named.message)")
        #expect(typed.converged, "\(typed.message)")
        #expect(typed.predictedDecrease <= LawFit.decreaseTolerance, "Newton decrement \(typed.predictedDecrease)")
        #expect(abs(typed["E"]! / named["Linf"]! - 1) < 1e-6)
        #expect(abs(typed["gamma"]! / named["alpha"]! - 1) < 1e-6)
    }

    /// The plain (non-LSE) Chinchilla formula recovers known parameters from noisy synthetic data.
    @Test func recoversKnownParametersWithNoise() throws {
        var rng = SplitMix64(seed: 7)
        var N: [Double] = [], D: [Double] = [], L: [Double] = []
        for i in 0..<80 {
            let n = pow(10, 7 + 3 * Double(i % 10) / 9), t = pow(10, 9 + 3 * Double(i / 10) / 7)
            let clean = 1.7 + 400 * pow(n, -0.34) + 2000 * pow(t, -0.37)
            N.append(n); D.append(t); L.append(clean * exp(0.002 * rng.normal()))
        }
        let law = try ScalingLaw(formula: "E + A*N^-alpha + B*D^-beta", inputs: ["N", "D"],
                                 lowerBounds: ["E": 0, "A": 0, "B": 0, "alpha": 0, "beta": 0],
                                 startGrid: ["E": [1, 2], "A": [100, 1000], "alpha": [0.2, 0.5],
                                             "B": [100, 1000], "beta": [0.2, 0.5]])
        let fit = try law.fit(data: ["N": N, "D": D], observed: L)
        #expect(fit.converged)
        #expect(abs(fit["alpha"]! - 0.34) < 0.03 && abs(fit["beta"]! - 0.37) < 0.03)
        #expect(abs(fit["E"]! - 1.7) < 0.05)
        #expect(fit.parametersAtBound.isEmpty)
    }

    /// A lowercase 'n' typed for the column 'N' becomes a parameter; the fit is then not identified, and its message
    /// names the lookalike column as the likely cause (it used to say only which parameters were not determined).
    @Test func aParameterThatLooksLikeAColumnIsNamedWhenTheFitFails() throws {
        let N = (0..<30).map { pow(10, 7 + Double($0 % 6) / 2) }, D = (0..<30).map { pow(10, 9 + Double($0 / 6) / 2) }
        let L = zip(N, D).map { 1.7 + 400 * pow($0, -0.34) + 2000 * pow($1, -0.37) }
        let law = try ScalingLaw(formula: "E + A/n^alpha + B/D^beta", inputs: ["N", "D"])
        let fit = try law.fit(data: ["D": D], observed: L)
        #expect(!fit.converged)
        #expect(fit.message.contains("'n' is fitted as a parameter, but the data have the column 'N'"), "\(fit.message)")
    }

    @Test func boundsFixedParametersAndReportAtBound() throws {
        let N = (0..<20).map { pow(10, 7 + Double($0) / 5) }
        let L = N.map { 2.0 + 50 * pow($0, -0.25) }
        let law = try ScalingLaw(formula: "Linf + (x0/N)^alpha", inputs: ["N"],
                                 startGrid: ["Linf": [1], "x0": [1e6], "alpha": [0.3]])
        var o = LawFitOptions()
        o.upperBounds = ["Linf": 1.5]          // the truth (2.0) is outside: the fit must sit on the bound
        o.loss = FitLoss(.squared)
        let fit = try law.fit(data: ["N": N], observed: L, options: o)
        #expect(fit.parametersAtBound == ["Linf"] && fit["Linf"] == 1.5)
        var p = LawFitOptions()
        p.fixed = ["Linf": 2.0]
        p.loss = FitLoss(.squared)
        let pinned = try law.fit(data: ["N": N], observed: L, options: p)
        #expect(pinned.fixedParameters == ["Linf"] && pinned["Linf"] == 2.0)
        #expect(abs(pinned["alpha"]! - 0.25) < 1e-6 && pinned.objective < 1e-20)
    }

    @Test func rejectsBadInput() throws {
        let law = try ScalingLaw(formula: "E + A*N^-alpha", inputs: ["N"])
        let N = [1e7, 1e8, 1e9, 1e10], L = [4.0, 3.0, 2.5, 2.2]
        func expectError(_ code: ScalingKitError.Code, _ needle: String, _ body: () throws -> Void) {
            do { try body(); Issue.record("no error for \(needle)") } catch let e as ScalingKitError {
                #expect(e.code == code && e.message.contains(needle), "\(e.message)")
            } catch { Issue.record("\(error)") }
        }
        expectError(.invalidArgument, "no data for input 'N'") { _ = try law.fit(data: ["X": N], observed: L) }
        expectError(.invalidLength, "length mismatch") { _ = try law.fit(data: ["N": N], observed: [1, 2]) }
        expectError(.invalidLength, "empty") { _ = try law.fit(data: ["N": []], observed: []) }
        expectError(.invalidArgument, "must be > 0 for log") { _ = try law.fit(data: ["N": N], observed: [1, 2, -3, 4]) }
        expectError(.invalidLength, "not identified") { _ = try law.fit(data: ["N": [1e7, 1e8]], observed: [3, 2]) }
        var o = LawFitOptions()
        o.lowerBounds = ["alpha": 2]; o.upperBounds = ["alpha": 1]
        expectError(.invalidArgument, "bounds of 'alpha'") { _ = try law.fit(data: ["N": N], observed: L, options: o) }
        o = LawFitOptions(); o.fixed = ["gamma": 1]
        expectError(.invalidArgument, "not a parameter") { _ = try law.fit(data: ["N": N], observed: L, options: o) }
        o = LawFitOptions(); o.fixed = ["E": 1, "A": 1, "alpha": 1]
        expectError(.invalidArgument, "every parameter is fixed") { _ = try law.fit(data: ["N": N], observed: L, options: o) }
        o = LawFitOptions(); o.weights = [1, 1, -1, 1]
        expectError(.invalidArgument, "'weights'[2]") { _ = try law.fit(data: ["N": N], observed: L, options: o) }
        o = LawFitOptions(); o.loss = FitLoss(.huber(delta: 0))
        expectError(.invalidArgument, "huber delta") { _ = try law.fit(data: ["N": N], observed: L, options: o) }
        // A law undefined everywhere on its grid is an error, not a silent NaN.
        let bad = try ScalingLaw(formula: "log(-1 - A*A) * N", inputs: ["N"])
        expectError(.invalidArgument, "not finite at any") { _ = try bad.fit(data: ["N": N], observed: L) }
    }
}

/// A small deterministic generator for tests (Steele et al. 2014, SplitMix64), with Box–Muller normals.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func normal() -> Double {
        let u = max(uniform(), 1e-300), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

@Suite("Bootstrap")
struct BootstrapTests {
    @Test func deterministicForAnyThreadCount() throws {
        let N = (0..<30).map { pow(10, 6 + 4 * Double($0) / 29) }
        var rng = SplitMix64(seed: 3)
        let y = N.map { 1.5 + pow(1e8 / $0, 0.3) * exp(0.01 * rng.normal()) }
        let law = try ScalingLaw.named("power_law")
        let fit = try law.fit(data: ["x": N], observed: y)
        var o = BootstrapOptions()
        o.replicates = 64; o.seed = 9; o.threads = 1
        let one = try law.bootstrap(data: ["x": N], observed: y, fit: fit, options: o)
        o.threads = 3
        let three = try law.bootstrap(data: ["x": N], observed: y, fit: fit, options: o)
        #expect(one.samples == three.samples)
        let alpha = try one.summary("alpha")
        #expect(alpha.interval.lower < 0.3 && 0.3 < alpha.interval.upper && alpha.standardError > 0)
        let derived = try one.summary { $0[2] * 2 }
        #expect(abs(derived.estimate - 2 * fit["alpha"]!) < 1e-15)
    }

    @Test func rejectsBadOptions() throws {
        let N = [1e7, 1e8, 1e9, 1e10, 1e11], y = [4.0, 3.2, 2.7, 2.4, 2.2]
        let law = try ScalingLaw.named("power_law")
        let fit = try law.fit(data: ["x": N], observed: y)
        for mutate in [{ (o: inout BootstrapOptions) in o.replicates = 1 }, { $0.confidence = 1 }, { $0.threads = -1 }] {
            var o = BootstrapOptions()
            mutate(&o)
            #expect(throws: ScalingKitError.self) { try law.bootstrap(data: ["x": N], observed: y, fit: fit, options: o) }
        }
        let other = try ScalingLaw.named("kaplan_n")
        #expect(throws: ScalingKitError.self) { try other.bootstrap(data: ["N": N], observed: y, fit: fit) }
    }
}

@Suite("Validation")
struct ValidationTests {
    @Test func holdoutAndLeaveOneOutOnExactData() throws {
        let N = (0..<20).map { pow(10, 6 + 4 * Double($0) / 19) }
        let y = N.map { pow(8.8e13 / $0, 0.076) }
        let law = try ScalingLaw.named("kaplan_n")
        let h = try law.holdout(data: ["N": N], observed: y, split: N, threshold: 1e9)
        #expect(h.testIndices.count == N.filter { $0 >= 1e9 }.count && h.errors.maxRelativeError < 1e-6)
        let loo = try law.leaveOneOut(data: ["N": N], observed: y, fit: try law.fit(data: ["N": N], observed: y))
        #expect(loo.failed == 0 && loo.errors.count == 20 && loo.errors.maxRelativeError < 1e-6)
    }

    @Test func errorsAreExact() {
        let e = PredictionErrors(predicted: [1.1, 1.8], observed: [1.0, 2.0])
        #expect(abs(e.rmse - (0.5 * (0.01 + 0.04)).squareRoot()) < 1e-15)
        #expect(abs(e.maxRelativeError - 0.1) < 1e-15 && abs(e.meanRelativeError - 0.1) < 1e-15)
    }

    /// `excludeHighestLoss` cleans the whole table before the split; it used to apply to the training side alone,
    /// dropping good small runs and scoring the broken large ones (Epoch's 5 highest-loss runs have N ≥ 2·10⁹).
    @Test func holdoutLeavesExcludedRunsOutOfBothSides() throws {
        let d = try TestData.chinchilla()
        var options = LawFitOptions()
        options.excludeHighestLoss = 5
        let law = try ScalingLaw.named("chinchilla")
        let h = try law.holdout(data: ["N": d.N, "D": d.D], observed: d.loss, split: d.N, threshold: 2e9, options: options)
        #expect(h.fit.excludedIndices == [0, 1, 2, 3, 4] && h.fit.options.excludeHighestLoss == 5)
        #expect(Set(h.trainIndices + h.testIndices) == Set(5..<d.N.count))
        #expect(h.testIndices.count == d.N.indices.filter { $0 >= 5 && d.N[$0] >= 2e9 }.count)
        #expect(h.errors.rmse < 0.03)
        // The same as fitting the cleaned table.
        let keep = Array(5..<d.N.count)
        let clean = try law.holdout(data: ["N": keep.map { d.N[$0] }, "D": keep.map { d.D[$0] }],
                                    observed: keep.map { d.loss[$0] }, split: keep.map { d.N[$0] }, threshold: 2e9)
        #expect(abs(clean.errors.rmse - h.errors.rmse) <= 1e-9 * h.errors.rmse)
    }

    @Test func holdoutRejectsEmptySides() throws {
        let law = try ScalingLaw.named("kaplan_n")
        let N = [1e7, 1e8, 1e9], y = [3.0, 2.8, 2.6]
        #expect(throws: ScalingKitError.self) { try law.holdout(data: ["N": N], observed: y, split: N, threshold: 1e12) }
        #expect(throws: ScalingKitError.self) { try law.holdout(data: ["N": N], observed: y, split: N, threshold: 1) }
        #expect(throws: ScalingKitError.self) { try law.holdout(data: ["N": N], observed: y, split: [1, .nan, 3], threshold: 2) }
    }

    /// The ranking rule, case by case: lower RMSE first, exact ties to fewer parameters then to the earlier
    /// entry, non-finite RMSE last in input order.
    @Test func rankingRule() throws {
        #expect(try LawComparison.rank(rmse: [0.3, 0.1, 0.2], parameterCounts: [2, 2, 2]) == [1, 2, 0])
        #expect(try LawComparison.rank(rmse: [0.1, 0.1, 0.1], parameterCounts: [5, 3, 3]) == [1, 2, 0])
        #expect(try LawComparison.rank(rmse: [.nan, 0.2, .infinity, 0.1], parameterCounts: [1, 1, 1, 1]) == [3, 1, 0, 2])
        #expect(throws: ScalingKitError.self) { try LawComparison.rank(rmse: [], parameterCounts: []) }
        #expect(throws: ScalingKitError.self) { try LawComparison.rank(rmse: [0.1], parameterCounts: [1, 2]) }
        #expect(throws: ScalingKitError.self) { try LawComparison.rank(rmse: [0.1], parameterCounts: [-1]) }
    }

    /// Data from a law with an irreducible loss: that law extrapolates best and ranks first; the pure power law
    /// (no floor) fits the small runs well but misses the large ones.
    @Test func compareRanksTheTrueLawFirst() throws {
        let N = (0..<24).map { pow(10, 6 + 4 * Double($0) / 23) }
        let y = N.enumerated().map { i, n in (1.7 + 400 * pow(n, -0.34)) * (1 + 0.002 * sin(Double(i) * 1.7)) }
        let floor = try ScalingLaw(formula: "E + A*N^-alpha", inputs: ["N"])
        let pure = try ScalingLaw.named("kaplan_n")
        let ranked = try LawComparison.compare([pure, floor], data: ["N": N], observed: y, split: N, threshold: 1e9)
        #expect(ranked.map(\.law.formula) == [floor.formula, pure.formula])
        #expect(ranked[0].holdout.errors.rmse < ranked[1].holdout.errors.rmse / 3)
        #expect(throws: ScalingKitError.self) {
            try LawComparison.compare([], data: ["N": N], observed: y, split: N, threshold: 1e9)
        }
        do {
            _ = try LawComparison.compare([floor], data: ["N": N], observed: y, split: N, threshold: 1e12)
            Issue.record("a threshold above every run must throw")
        } catch let e as ScalingKitError {
            #expect(e.message.contains("law '") && e.message.contains("nothing to score"))
        }
    }
}

@Suite("Schedule areas")
struct ScheduleAreaTests {
    @Test func closedForms() throws {
        let (s1, s2) = try ScheduleAreas.compute(learningRates: [Double](repeating: 2e-4, count: 50))
        #expect(abs(s1[49] - 50 * 2e-4) < 1e-15 && s2.allSatisfy { $0 == 0 })
        let lr = [Double](repeating: 1, count: 5) + [Double](repeating: 0.25, count: 20)
        let (_, a2) = try ScheduleAreas.compute(learningRates: lr, decay: 0.5)
        for t in 5..<25 {
            let want = 0.75 * (1 - pow(0.5, Double(t - 5 + 1))) / 0.5
            #expect(abs(a2[t] - want) < 1e-12)
        }
        #expect(throws: ScalingKitError.self) { try ScheduleAreas.compute(learningRates: []) }
        #expect(throws: ScalingKitError.self) { try ScheduleAreas.compute(learningRates: [1], decay: 1) }
        #expect(throws: ScalingKitError.self) { try ScheduleAreas.compute(learningRates: [.nan]) }
    }
}

@Suite("Latin hypercube starts")
struct LatinHypercubeTests {
    @Test func oneStartPerStratumAndSeeded() {
        let pts = LatinHypercube.points(count: 40, ranges: [(0, 1), (-5, 5)], seed: 4)
        for (k, (lo, hi)) in [(0.0, 1.0), (-5.0, 5.0)].enumerated() {
            let strata = Set(pts.map { Int((($0[k] - lo) / (hi - lo)) * 40) })
            #expect(strata.count == 40)
        }
        #expect(LatinHypercube.points(count: 40, ranges: [(0, 1), (-5, 5)], seed: 4) == pts)
        #expect(LatinHypercube.points(count: 40, ranges: [(0, 1), (-5, 5)], seed: 5) != pts)
    }

    @Test func randomStartsReachTheGridOptimum() throws {
        let N = (0..<25).map { pow(10, 5 + 6 * Double($0) / 24) }
        let y = N.map { 1.5 + pow(1e8 / $0, 0.3) }
        let law = try ScalingLaw.named("power_law")
        var o = LawFitOptions()
        o.randomStarts = 64; o.seed = 1
        let fit = try law.fit(data: ["x": N], observed: y, options: o)
        #expect(fit.starts == 64 && fit.converged && abs(fit["alpha"]! - 0.3) < 1e-6)
    }
}
