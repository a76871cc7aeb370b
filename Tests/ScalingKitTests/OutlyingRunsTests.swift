import Foundation
import Testing
@testable import ScalingKit

/// Runs far off the law: counted by robust distance, noted in the message, left to the caller to resolve.
@Suite("Outlying runs")
struct OutlyingRunsTests {
    @Test func flagsOnlyRunsBeyondTenRobustStandardDeviations() {
        // 24 residuals spread ±0.01 (robust SD ≈ 0.011) and one at 0.5: only that one is 10+ SDs out.
        var r = (0..<24).map { 0.01 * sin(Double($0) * 1.7) }
        r.append(0.5)
        let observed = r.indices.map { 3.0 + Double($0 % 5) * 0.1 }           // row 24 is not the highest loss
        let o = OutlyingRuns(residuals: r, used: Array(r.indices), observed: observed)
        #expect(o.rows == [24] && o.largest > 40 && !o.highestObserved)
        #expect(o.note()!.hasPrefix("1 run(s) lie up to ") && o.note()!.hasSuffix("weight 0 leaves them out"))
        // A row not used (weight 0, excluded) is neither measured nor flagged.
        #expect(OutlyingRuns(residuals: r, used: Array(0..<24), observed: observed) == .none)
        // Fewer than 8 runs, or an exact fit (no spread), say nothing.
        #expect(OutlyingRuns(residuals: Array(r.suffix(7)), used: Array(0..<7), observed: Array(observed.suffix(7))) == .none)
        #expect(OutlyingRuns(residuals: [Double](repeating: 0, count: 20) + [1], used: Array(0..<21),
                             observed: [Double](repeating: 3, count: 21)) == .none)
        #expect(OutlyingRuns.none.note() == nil)
        // Rounding-level residuals of an exact fit are never outliers, however small their median deviation.
        let rounding = (0..<20).map { 1e-16 * Double($0 % 3) } + [1e-13]
        #expect(OutlyingRuns(residuals: rounding, used: Array(rounding.indices), observed: observed.prefix(21).map { $0 }) == .none)
    }

    /// Hoffmann et al.'s 245 runs: the 4 highest-loss runs (D/N < 0.5) lie 20–45 robust SDs off the default fit and
    /// are said to be; a law fit that already excluded 3 names the rest by the caller's rows, not the kept rows.
    @Test func epochsTableFlagsItsLowRatioRuns() throws {
        let d = try TestData.chinchilla()
        let fit = try ChinchillaLaw.fit(N: d.N, D: d.D, loss: d.loss)
        #expect(fit.diagnostics.outlying.rows == [0, 1, 2, 3] && fit.diagnostics.outlying.highestObserved)
        #expect(fit.diagnostics.outlying.largest > 30)
        #expect(fit.message.contains("they are the 4 highest-loss run(s): the fit that excludes the 4 highest-loss runs leaves them out; "))
        // They matter: the refit without them moves β by 5.1 standard errors of that refit (4.1 of Besiroglu et al.'s
        // bootstrap, 0.0206), and the allocation exponent 0.565 → 0.516 by 2.7 (2.5 of the bootstrap's 0.0195).
        let influence = try #require(fit.diagnostics.outlying.influence)
        let beta = try #require(influence.shifts.first { $0.parameter == "beta" })
        #expect(abs(beta.withRuns - 0.453) < 0.001 && abs(beta.withoutRuns - 0.371) < 0.001 && beta.standardErrors > 4.5
                && beta.standardErrors < 6)
        let a = try #require(influence.allocation)
        #expect(abs(a.withRuns - 0.5646) < 0.001 && abs(a.withoutRuns - 0.5164) < 0.001 && a.standardErrors > 2.2
                && a.standardErrors < 3.2)
        #expect(influence.largest.standardErrors == influence.shifts.map(\.standardErrors).max())
        #expect(fit.message.hasSuffix(": beyond the fit's 95 % intervals; the allocation exponent a 0.5646 → 0.5164 "
                                      + "(\(FitSearch.format(a.standardErrors)) standard errors): beyond its 95 % interval"))
        #expect(fit.diagnostics.dataNote(inputNames: ["N", "D"]) == fit.diagnostics.outlying.note())
        var options = LawFitOptions()
        options.excludeHighestLoss = 3
        let law = try ScalingLaw.named("chinchilla").fit(data: ["N": d.N, "D": d.D], observed: d.loss, options: options)
        #expect(law.excludedIndices == [0, 1, 3])
        #expect(law.diagnostics.outlying.rows == [2] && law.diagnostics.outlying.highestObserved)
        #expect(law.message.contains("(rows 2; ") && law.message.contains(
            "they are the 1 highest-loss run(s) left: the fit that excludes the 4 highest-loss runs leaves them out"))
        // A law fit measures the same refit by weights; no allocation exponent outside ChinchillaLaw.fit.
        let lawInfluence = try #require(law.diagnostics.outlying.influence)
        #expect(lawInfluence.allocation == nil && lawInfluence.largest.standardErrors > 0)
    }

    /// One gross outlier among well-specified runs under Hoffmann's Huber loss (δ = 10⁻³, nearly least absolute
    /// deviations) is flagged by distance but moves nothing: the note says so instead of sending the caller off.
    @Test func anOutlierThatMovesNothingIsSaidToBeImmaterial() throws {
        let truth = ChinchillaLaw(E: 1.7, A: 400, B: 410, alpha: 0.34, beta: 0.28)
        var N: [Double] = [], D: [Double] = [], loss: [Double] = []
        for (i, n) in [1e7, 3e7, 1e8, 3e8, 1e9].enumerated() {
            for (j, d) in [2e8, 1e9, 5e9, 2e10].enumerated() {
                N.append(n); D.append(d)
                loss.append(truth.loss(parameters: n, tokens: d) * exp(0.01 * sin(Double(4 * i + j) * 2.3)))
            }
        }
        loss[14] *= 1.2                                  // 0.18 in log loss: 28 robust SDs
        let fit = try ChinchillaLaw.fit(N: N, D: D, loss: loss)
        #expect(fit.diagnostics.outlying.rows == [14] && !fit.diagnostics.outlying.highestObserved)
        let influence = try #require(fit.diagnostics.outlying.influence)
        #expect(influence.largest.standardErrors < OutlierInfluence.material)
        #expect(fit.message.contains("weight 0 leaves them out; without them ")
                && fit.message.contains(": within the fit's 95 % intervals; the allocation exponent a ")
                && fit.message.hasSuffix(": within its 95 % interval"))
    }
}
