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
        #expect(o.note()!.hasPrefix("1 run(s) lie up to ") && o.note()!.hasSuffix("compare the fit without them (weight 0)"))
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
        #expect(fit.message.hasSuffix("they are the 4 highest-loss run(s): compare the fit that excludes the 4 highest-loss runs"))
        #expect(fit.diagnostics.dataNote(inputNames: ["N", "D"]) == fit.diagnostics.outlying.note())
        var options = LawFitOptions()
        options.excludeHighestLoss = 3
        let law = try ScalingLaw.named("chinchilla").fit(data: ["N": d.N, "D": d.D], observed: d.loss, options: options)
        #expect(law.excludedIndices == [0, 1, 3])
        #expect(law.diagnostics.outlying.rows == [2] && law.diagnostics.outlying.highestObserved)
        #expect(law.message.contains("(rows 2; ") && law.message.hasSuffix(
            "they are the 1 highest-loss run(s) left: compare the fit that excludes the 4 highest-loss runs"))
    }
}
