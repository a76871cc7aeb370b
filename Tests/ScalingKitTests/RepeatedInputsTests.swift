import Foundation
import Testing
@testable import ScalingKit

/// Runs that share every input but disagree: counted, noted in the message, and left to the caller to resolve.
@Suite("Repeated inputs: mixed tables")
struct RepeatedInputsTests {
    @Test func countsOnlyPointsWhoseRunsDisagree() {
        // (1, 10) twice within 1 % (seeds), (2, 10) three times up to 5 %, (3, 10) once, (4, 10) twice at 3 %.
        let N: [Double] = [1, 1, 2, 2, 2, 3, 4, 4], D = [Double](repeating: 10, count: 8)
        let L: [Double] = [3.0, 3.03, 2.5, 2.55, 2.625, 2.2, 2.0, 2.06]
        let r = RepeatedInputs(inputs: [N, D], observed: L)
        #expect(r.points == 2 && r.runs == 5 && abs(r.spread - 0.05) < 1e-12)
        #expect(r.note(inputNames: ["N", "D"])!.hasPrefix("5 runs share 2 (N, D) point(s) with observations up to 5 % apart"))
        #expect(RepeatedInputs(inputs: [N], observed: L).note(inputNames: ["N"])!.contains(" N point(s)"))
        // The unseen difference a law's inputs suggest comes first: tokens for a law of N alone, and so on.
        let one = RepeatedInputs(inputs: [N], observed: L)
        #expect(one.note(inputNames: ["N"])!.contains("does not see (training tokens, dataset, loss definition, or learning rate)"))
        #expect(one.note(inputNames: ["D"])!.contains("does not see (model size, dataset,"))
        #expect(one.note(inputNames: ["C"])!.contains("does not see (model size at one compute, dataset,"))
        #expect(r.note(inputNames: ["N", "D"])!.contains("does not see (dataset, loss definition, or learning rate)"))
        let distinct = RepeatedInputs(inputs: [N, N.indices.map(Double.init)], observed: L)
        #expect(distinct == .none && distinct.note(inputNames: ["N", "D"]) == nil)
    }

    /// Epoch's 245 runs are one per (N, D); the same table with a second series 5 % higher is flagged, in the
    /// diagnostics and at the end of the message, and is still fitted (the verdict on convergence is the fit's own).
    @Test func chinchillaAndLawFitsNoteAMixedTable() throws {
        let d = try TestData.chinchilla()
        var options = ChinchillaFitOptions()
        options.grid = TestData.reducedGrid
        let clean = try ChinchillaLaw.fit(N: d.N, D: d.D, loss: d.loss, options: options)
        #expect(clean.diagnostics.repeated == .none && !clean.message.contains("runs share"))
        let mixed = try ChinchillaLaw.fit(N: d.N + d.N, D: d.D + d.D, loss: d.loss + d.loss.map { 1.05 * $0 }, options: options)
        #expect(mixed.diagnostics.repeated.points == 245 && mixed.diagnostics.repeated.runs == 490)
        #expect(mixed.message.contains("replicate seeds differ by less than 2 %"))   // then the outlying runs' note
        let law = try ScalingLaw.named("chinchilla").fit(data: ["N": d.N + d.N, "D": d.D + d.D],
                                                         observed: d.loss + d.loss.map { 1.05 * $0 })
        #expect(law.diagnostics.repeated == mixed.diagnostics.repeated && law.message.contains("note: 490 runs share 245 (N, D)"))
    }
}
