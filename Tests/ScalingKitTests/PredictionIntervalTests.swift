import Foundation
import Testing
@testable import ScalingKit

/// Issue 14, part 4: confidence intervals of the mean law and prediction intervals of a new run, with coverage
/// checked on synthetic data of known noise.
@Suite("Prediction and confidence intervals")
struct PredictionIntervalTests {
    /// 600 simulated sweeps of L = E + A·N^-α with log-normal run scatter σ = 0.02 (Chinchilla-like sizes); each
    /// is fitted with the default options (Huber δ = 10⁻³ in log space, automatic search), and the nominal 95 %
    /// prediction interval at an interior and at an extrapolated N is checked against a fresh run drawn there.
    @Test func predictionIntervalsCoverNewRuns() throws {
        let law = try ScalingLaw(formula: "E + A*N^-alpha", inputs: ["N"])
        let (E, A, alpha, sigma) = (1.8, 480.0, 0.34, 0.02)
        func mean(_ n: Double) -> Double { E + A * pow(n, -alpha) }
        let N = (0..<40).map { 1e7 * pow(10, 3 * Double($0) / 39) }
        let targets = [3e8, 1e11]
        var rng = SplitMix64(seed: 2024)
        var covered = [0, 0], coveredMean = [0, 0], trials = 0
        // The default search (a 151-point grid on α; E and A solved), refining 8 starts until 2 agree instead of
        // 64 until 4: the same optimum on these one-basin problems, 8x cheaper over 600 fits.
        var options = LawFitOptions()
        options.screening = StartScreening(refine: 8, confirmations: 2)
        for _ in 0..<600 {
            let y = N.map { mean($0) * exp(sigma * rng.normal()) }
            let fit = try law.fit(data: ["N": N], observed: y, options: options)
            guard fit.converged else { continue }
            trials += 1
            let p = try fit.predict(["N": targets], interval: .prediction)
            let c = try fit.predict(["N": targets], interval: .confidence)
            for (k, n) in targets.enumerated() {
                let fresh = mean(n) * exp(sigma * rng.normal())
                if fresh >= p.lower[k] && fresh <= p.upper[k] { covered[k] += 1 }
                if mean(n) >= c.lower[k] && mean(n) <= c.upper[k] { coveredMean[k] += 1 }
                #expect(p.lower[k] < c.lower[k] && c.upper[k] < p.upper[k])
            }
        }
        #expect(trials >= 590)
        for k in 0..<2 {
            let rate = Double(covered[k]) / Double(trials)
            #expect(rate >= 0.93 && rate <= 0.97, "prediction coverage at N = \(targets[k]): \(rate)")
            // The mean law's interval under the Huber (≈ least-absolute-deviations) objective rests on a density
            // estimate at 0 (ψ' smoothed): measured 94.0 % and 95.2 % here (92.3 % and 93.2 % with the model-based
            // covariance alone, before 0.4.8); new runs 96.3 % and 95.7 %.
            let mean = Double(coveredMean[k]) / Double(trials)
            #expect(mean >= 0.90 && mean <= 0.97, "confidence coverage at N = \(targets[k]): \(mean)")
        }
    }

    /// How often the squared-loss fit's 95 % confidence interval at N = 10¹¹ covers the mean law, over `sweeps`
    /// simulated sweeps of 40 runs with log scatter `sigma(N)`; with `modelBased`, from the model-based covariance
    /// alone (the sandwich dropped).
    static func meanCoverage(seed: UInt64, sweeps: Int, modelBased: Bool = false,
                             sigma: (Double) -> Double) throws -> (rate: Double, trials: Int) {
        let law = try ScalingLaw(formula: "E + A*N^-alpha", inputs: ["N"])
        func mean(_ n: Double) -> Double { 1.8 + 480 * pow(n, -0.34) }
        let N = (0..<40).map { 1e7 * pow(10, 3 * Double($0) / 39) }
        var rng = SplitMix64(seed: seed)
        var options = LawFitOptions()
        options.loss = FitLoss(.squared)
        options.screening = StartScreening(refine: 8, confirmations: 2)
        var covered = 0, trials = 0
        for _ in 0..<sweeps {
            let y = N.map { mean($0) * exp(sigma($0) * rng.normal()) }
            var fit = try law.fit(data: ["N": N], observed: y, options: options)
            guard fit.converged else { continue }
            if modelBased { fit.covariance?.sandwich = nil }
            trials += 1
            let c = try fit.predict(["N": [1e11]], interval: .confidence)
            if mean(1e11) >= c.lower[0] && mean(1e11) <= c.upper[0] { covered += 1 }
        }
        return (Double(covered) / Double(trials), trials)
    }

    /// With the squared loss the delta method is the textbook one: the confidence interval of the mean covers at
    /// the nominal rate too.
    @Test func confidenceIntervalsCoverTheMeanUnderLeastSquares() throws {
        let (rate, trials) = try Self.meanCoverage(seed: 77, sweeps: 600) { _ in 0.02 }
        #expect(trials >= 590 && rate >= 0.93 && rate <= 0.97, "coverage \(rate) over \(trials)")
    }

    /// Runs that scatter unequally (σ = 0.005 in log loss below N = 10⁹, 0.04 above; real sweeps' large runs are
    /// fewer seeds and less tuned): the model-based covariance pools one σ and its interval at N = 10¹¹, which the
    /// large runs decide, is too narrow; the sandwich's is not. 400 sweeps; measured 93.5 % with the larger of the
    /// two forms, 86.3 % with the model-based one alone.
    @Test func unequalScatterIsCoveredByTheSandwich() throws {
        let sigma: (Double) -> Double = { $0 < 1e9 ? 0.005 : 0.04 }
        let both = try Self.meanCoverage(seed: 5, sweeps: 400, sigma: sigma)
        let model = try Self.meanCoverage(seed: 5, sweeps: 400, modelBased: true, sigma: sigma)
        #expect(both.trials >= 390 && both.rate >= 0.92 && both.rate <= 0.98, "coverage \(both)")
        #expect(model.rate <= 0.90, "model-based coverage \(model)")
    }

    /// Checkpoints of a few runs: `runs` seeds of one model, each logged at 8 token counts, with a per-run offset
    /// (seed, data order: σ = 0.02 in log loss) beside small per-checkpoint noise (0.003). Coverage of the mean
    /// law's 95 % interval at D = 10¹², with the runs as clusters and counting rows as runs.
    static func checkpointCoverage(runs: Int, sweeps: Int, seed: UInt64) throws -> (clusters: Double, rows: Double) {
        let law = try ScalingLaw(formula: "E + B*D^-beta", inputs: ["D"])
        func mean(_ d: Double) -> Double { 1.9 + 410 * pow(d, -0.28) }
        var D: [Double] = [], run: [Int] = []
        for r in 0..<runs { for k in 0..<8 { D.append(1e8 * pow(2, Double(k))); run.append(r) } }
        var rng = SplitMix64(seed: seed)
        var options = LawFitOptions()
        options.screening = StartScreening(refine: 8, confirmations: 2)
        var clustered = options
        clustered.clusters = run
        var covered = 0, coveredRows = 0, trials = 0
        for _ in 0..<sweeps {
            let offset = (0..<runs).map { _ in 0.02 * rng.normal() }
            let y = D.indices.map { mean(D[$0]) * exp(offset[run[$0]] + 0.003 * rng.normal()) }
            let withClusters = try law.fit(data: ["D": D], observed: y, options: clustered)
            let rows = try law.fit(data: ["D": D], observed: y, options: options)
            guard withClusters.converged, rows.converged else { continue }
            trials += 1
            let c = try withClusters.predict(["D": [2e9]], interval: .confidence)
            let r = try rows.predict(["D": [2e9]], interval: .confidence)
            if mean(2e9) >= c.lower[0] && mean(2e9) <= c.upper[0] { covered += 1 }
            if mean(2e9) >= r.lower[0] && mean(2e9) <= r.upper[0] { coveredRows += 1 }
        }
        return (Double(covered) / Double(trials), Double(coveredRows) / Double(trials))
    }

    /// Measured (300 sweeps each): with the runs as clusters 89 %, 92 % and 96 % for 6, 12 and 24 runs; counting the
    /// checkpoints as runs 65–69 % whatever the number of runs.
    @Test func checkpointsOfFewRunsAreCoveredWithClusters() throws {
        let twelve = try Self.checkpointCoverage(runs: 12, sweeps: 300, seed: 11)
        #expect(twelve.clusters >= 0.88 && twelve.rows <= 0.80, "\(twelve)")
        let many = try Self.checkpointCoverage(runs: 24, sweeps: 300, seed: 11)
        #expect(many.clusters >= 0.92 && many.clusters <= 0.98 && many.rows <= 0.80, "\(many)")
    }

    /// Labels are checked where they enter, and an excluded run's label leaves with it.
    @Test func clusterLabelsAreChecked() throws {
        let law = try ScalingLaw(formula: "E + B*D^-beta", inputs: ["D"])
        let D = (0..<12).map { 1e8 * pow(2, Double($0)) }
        let y = D.map { 1.9 + 410 * pow($0, -0.28) * (1 + 0.01 * sin($0)) }
        var options = LawFitOptions()
        options.clusters = [0, 1]
        #expect(throws: ScalingKitError.self) { try law.fit(data: ["D": D], observed: y, options: options) }
        options.clusters = [Int](repeating: 7, count: 12)
        do {
            _ = try law.fit(data: ["D": D], observed: y, options: options)
            Issue.record("one cluster was accepted")
        } catch { #expect("\(error)".contains("lie in 1 cluster(s)")) }
        options.clusters = (0..<12).map { $0 / 3 }
        options.excludeHighestLoss = 1
        let fit = try law.fit(data: ["D": D], observed: y, options: options)
        #expect(fit.options.clusters?.count == 12 && fit.covariance?.degreesOfFreedom == 3)
        // The fit's bootstrap resamples its clusters unless told otherwise.
        var boot = BootstrapOptions()
        boot.replicates = 50
        let implicit = try law.bootstrap(data: ["D": D], observed: y, fit: fit, options: boot)
        boot.clusters = options.clusters
        let explicit = try law.bootstrap(data: ["D": D], observed: y, fit: fit, options: boot)
        boot.clusters = Array(0..<12)
        let rows = try law.bootstrap(data: ["D": D], observed: y, fit: fit, options: boot)
        #expect(implicit.samples == explicit.samples && implicit.samples != rows.samples)
    }

    @Test func badRequestsAreRefused() throws {
        let law = try ScalingLaw(formula: "E + A*N^-alpha", inputs: ["N"])
        let N = [1e7, 1e8, 1e9, 1e10, 1e11], y = N.map { 1.8 + 480 * pow($0, -0.34) * (1 + 0.001 * log10($0)) }
        let fit = try law.fit(data: ["N": N], observed: y)
        #expect(throws: ScalingKitError.self) { try fit.predict(["N": [1e9]], interval: .prediction, level: 1) }
        #expect(throws: ScalingKitError.self) { try fit.predict(["X": [1e9]], interval: .prediction) }
        #expect(throws: ScalingKitError.self) { try fit.predict(["N": [.nan]], interval: .confidence) }
        // As many parameters as runs: no residual degrees of freedom, no intervals.
        let three = try law.fit(data: ["N": [1e7, 1e8, 1e9]], observed: [4, 3, 2.5])
        #expect(throws: ScalingKitError.self) { try three.predict(["N": [1e9]], interval: .prediction) }
    }
}
