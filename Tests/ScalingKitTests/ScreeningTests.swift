import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import ScalingKit

/// Screening must never report a worse optimum than running every start: checked on both real data sets with
/// Hoffmann's full grid, and on a synthetic catalogue fit.
@Suite("Start screening")
struct ScreeningTests {
    @Test(arguments: ["epoch", "gemstones"])
    func screenedChinchillaMatchesExhaustive(name: String) throws {
        let d = name == "epoch" ? try TestData.chinchilla() : try TestData.gemstones()
        var options = ChinchillaFitOptions()
        options.excludeHighestLoss = name == "epoch" ? 5 : 0
        let screened = try ChinchillaLaw.fit(N: d.N, D: d.D, loss: d.loss, options: options)
        options.screening = .exhaustive
        let exhaustive = try ChinchillaLaw.fit(N: d.N, D: d.D, loss: d.loss, options: options)
        // The same optimum: objectives equal to the solver's own relative tolerance, parameters to 1e-6.
        #expect(screened.objective <= exhaustive.objective * (1 + 1e-13),
                "screened \(screened.objective) vs exhaustive \(exhaustive.objective)")
        for (s, e) in zip(screened.law.parameterValues, exhaustive.law.parameterValues) {
            #expect(abs(s - e) <= 1e-6 * abs(e))
        }
        #expect(screened.converged && exhaustive.converged)
        #expect(exhaustive.startsRefined == 4500)
        #expect(screened.startsRefined == 64 && screened.startsAtOptimum >= 4)
        // The screen costs one evaluation per start plus the refined starts: far fewer than refining all.
        #expect(screened.evaluations * 10 < exhaustive.evaluations,
                "\(screened.evaluations) vs \(exhaustive.evaluations) evaluations")
        #expect(screened.message.contains("screened 4500 starts"))
    }

    /// A law whose grid is smaller than `refine` runs every start; a small `refine` on a larger grid refines more
    /// batches until `confirmations` starts agree.
    @Test func batchesUntilConfirmed() throws {
        let law = try ScalingLaw.named("kaplan_n")
        var stream = RandomStream(seed: 3)
        let N = (0..<30).map { _ in 1e7 * pow(10, 3 * stream.nextUniform()) }
        let loss = N.map { pow(8.8e13 / $0, 0.076) * (1 + 0.002 * (stream.nextUniform() - 0.5)) }
        var options = LawFitOptions()
        options.search = .startGrid   // the law's own 16-point grid, which this test is about
        let all = try law.fit(data: ["N": N], observed: loss, options: options)
        #expect(all.startsRefined == all.starts)
        options.screening = StartScreening(refine: 1, confirmations: 1)
        let one = try law.fit(data: ["N": N], observed: loss, options: options)
        #expect(one.startsRefined >= 1 && one.startsRefined < one.starts)
        #expect(one.objective <= all.objective * (1 + 1e-9))
        options.screening = StartScreening(refine: 2, confirmations: 3)
        #expect(throws: ScalingKitError.self) { try law.fit(data: ["N": N], observed: loss, options: options) }
    }
}
