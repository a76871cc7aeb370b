import Testing
@testable import ScalingKit
#if canImport(Glibc)
import Glibc
#endif

/// The cluster bootstrap (`BootstrapOptions.clusters`): whole clusters of runs are resampled together.
@Suite("Cluster bootstrap")
struct ClusterBootstrapTests {
    static let data = try! TestData.chinchilla()

    static func options(_ clusters: [Int]?) -> BootstrapOptions {
        var o = BootstrapOptions()
        o.replicates = 60
        o.seed = 11
        o.clusters = clusters
        return o
    }

    /// One cluster per run, labelled in order, draws the same runs as the row bootstrap: the same replicates.
    @Test func oneRunPerClusterIsTheRowBootstrap() throws {
        let (fit, d) = (try TestData.epochFit().fit, Self.data)
        let rows = try ChinchillaLaw.bootstrap(N: d.N, D: d.D, loss: d.loss, fit: fit, options: Self.options(nil))
        let clustered = try ChinchillaLaw.bootstrap(N: d.N, D: d.D, loss: d.loss, fit: fit,
                                                    options: Self.options(Array(d.N.indices)))
        #expect(rows.samples == clustered.samples)
    }

    /// Each run given three times, the copies one cluster: the objective is three times the runs' own, so the
    /// replicates are the row bootstrap's of the runs themselves (the same draws), to the optimiser's tolerance.
    /// A row bootstrap of the copies would treat them as 3× the evidence.
    @Test func copiesInOneClusterCountOnce() throws {
        let d = Self.data
        let law = try ScalingLaw.named("chinchilla")
        let single = try law.fit(data: ["N": d.N, "D": d.D], observed: d.loss)
        let rows = try law.bootstrap(data: ["N": d.N, "D": d.D], observed: d.loss, fit: single, options: Self.options(nil))
        let copies = { (c: [Double]) in c.flatMap { [$0, $0, $0] } }
        let tripled = try law.fit(data: ["N": copies(d.N), "D": copies(d.D)], observed: copies(d.loss))
        let labels = d.N.indices.flatMap { [$0, $0, $0] }
        let clustered = try law.bootstrap(data: ["N": copies(d.N), "D": copies(d.D)], observed: copies(d.loss),
                                          fit: tripled, options: Self.options(labels))
        #expect(clustered.samples.count == rows.samples.count)
        let alpha = try #require(law.parameters.firstIndex(of: "alpha"))
        for (a, b) in zip(rows.samples, clustered.samples) { #expect(abs(a[alpha] - b[alpha]) < 1e-4) }
        let naive = try law.bootstrap(data: ["N": copies(d.N), "D": copies(d.D)], observed: copies(d.loss),
                                      fit: tripled, options: Self.options(nil))
        let width = { (b: Bootstrap) in try b.summary("alpha").interval.upper - b.summary("alpha").interval.lower }
        #expect(try width(naive) < 0.75 * width(clustered), "rows of copies look like 3x the runs")
    }

    /// The highest-loss exclusion drops runs, and their labels with them; labels must be one per run given.
    @Test func labelsFollowTheExcludedRunsAndAreChecked() throws {
        let (fit, d) = (try TestData.epochFit().fit, Self.data)     // 5 highest-loss runs excluded
        let models = d.N.map { Int(log10($0) * 4) }                   // runs of similar size in one cluster
        let b = try ChinchillaLaw.bootstrap(N: d.N, D: d.D, loss: d.loss, fit: fit, options: Self.options(models))
        #expect(b.samples.count >= 50)
        #expect(throws: ScalingKitError.self) {
            _ = try ChinchillaLaw.bootstrap(N: d.N, D: d.D, loss: d.loss, fit: fit, options: Self.options(Array(models.dropLast())))
        }
        do {
            _ = try ChinchillaLaw.bootstrap(N: d.N, D: d.D, loss: d.loss, fit: fit,
                                            options: Self.options([Int](repeating: 7, count: d.N.count)))
            Issue.record("a single cluster was accepted")
        } catch let e as ScalingKitError {
            #expect(e.message.contains("at least 2"))
        }
    }
}
