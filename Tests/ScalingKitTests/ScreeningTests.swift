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

    /// Noise-free data (the check a new user runs first) fit exactly from many starts. Their objectives are
    /// rounding residues, 2·10⁻³¹ to 10⁻³⁰ here, and a relative tolerance on them confirmed only the lowest: the
    /// formula's fit reported "only 1 start reached this optimum: not confirmed" and success false. Exact fits
    /// agree with each other, since no objective is below 0.
    @Test func exactFitsConfirmEachOther() throws {
        var N: [Double] = [], D: [Double] = []
        for n in [1e7, 3e7, 1e8, 3e8, 1e9, 3e9] { for d in [1e8, 3e8, 1e9, 3e9, 1e10, 3e10] { N.append(n); D.append(d) } }
        let loss = zip(N, D).map { 1.7 + 400 * pow($0, -0.34) + 410 * pow($1, -0.28) }
        let fit = try ScalingLaw(formula: "E + A*N^-alpha + B*D^-beta", inputs: ["N", "D"])
            .fit(data: ["N": N, "D": D], observed: loss)
        #expect(fit.converged, "\(fit.message)")
        #expect(fit.startsAtOptimum >= 60, "\(fit.message)")
        for (v, t) in zip(fit.values, [1.7, 400, 0.34, 410, 0.28]) { #expect(abs(v - t) <= 1e-9 * t) }
        let line = try ScalingLaw(formula: "a + b*log(C)", inputs: ["C"])
            .fit(data: ["C": N], observed: N.map { 7.5 - 0.05 * log($0) })
        #expect(line.converged && line.startsAtOptimum >= 2, "\(line.message)")
    }
}
