import Foundation
import Testing
@testable import ScalingKit

/// Issue 8, part 6: fits on pathological but legal data return a result with `converged == false` and the reason, or
/// a clear error — never a trap, a hang or a NaN passed off as an answer.
@Suite("Numerical robustness on pathological data")
struct RobustnessTests {
    /// Throws or returns; if it returns, the value must pass `check`.
    private func resultOrError<T>(_ body: () throws -> T, _ check: (T) -> Void) {
        do { check(try body()) } catch let e as ScalingKitError {
            #expect(!e.message.isEmpty)
        } catch {
            Issue.record("not a ScalingKitError: \(error)")
        }
    }

    private func small(_ grid: Bool = true) -> ChinchillaFitOptions {
        var o = ChinchillaFitOptions()
        if grid { o.grid = StartGrid(alpha: [0.3, 0.6], beta: [0.3, 0.6], e: [0.5], a: [5], b: [5]) }
        return o
    }

    @Test("every run at one N: Chinchilla reports A, E or alpha as not identified")
    func chinchillaOneSize() throws {
        let D = [1e9, 2e9, 4e9, 8e9, 1.6e10, 3.2e10]
        let L = D.map { 1.69 + 406.4 / pow(1e9, 0.34) + 410.7 / pow($0, 0.28) }
        let fit = try ChinchillaLaw.fit(N: D.map { _ in 1e9 }, D: D, loss: L)
        #expect(!fit.converged)
        #expect(fit.message.hasPrefix("not identified"))
        #expect(["alpha", "E", "A"].contains { fit.message.contains($0) })
        #expect([fit.law.E, fit.law.A, fit.law.B, fit.law.alpha, fit.law.beta].allSatisfy { $0.isFinite })
    }

    @Test("every run at one N: a generic law fit reports the same")
    func lawOneSize() throws {
        let D = [1e9, 2e9, 4e9, 8e9, 1.6e10, 3.2e10]
        let L = D.map { pow(8.8e13 / 1e9, 0.076) + pow(5.4e13 / $0, 0.095) }
        let fit = try ScalingLaw.named("kaplan_nd").fit(data: ["N": D.map { _ in 1e9 }, "D": D], observed: L)
        #expect(!fit.converged)
        #expect(fit.message.contains("not identified"))
        #expect(fit.values.allSatisfy { $0.isFinite })
    }

    @Test("a healthy fit stays converged (the identifiability test has margin)")
    func healthyFitStaysConverged() throws {
        let data = try TestData.chinchilla()
        let fit = try ChinchillaLaw.fit(N: data.N, D: data.D, loss: data.loss)
        #expect(fit.converged)
        #expect(!fit.message.contains("not identified"))
    }

    @Test("all losses equal: no NaN, and the flat law is reported")
    func equalLosses() {
        let N = [1e8, 3e8, 1e9, 3e9, 1e10, 3e10]
        resultOrError({ try ChinchillaLaw.fit(N: N, D: N.map { 20 * $0 }, loss: N.map { _ in 2.5 }, options: small()) }) { fit in
            #expect([fit.law.E, fit.law.A, fit.law.B, fit.law.alpha, fit.law.beta].allSatisfy { !$0.isNaN })
            #expect(!fit.converged || abs(fit.law.E - 2.5) < 1e-3)
        }
        resultOrError({ try ScalingLaw.named("kaplan_n").fit(data: ["N": N], observed: N.map { _ in 2.5 }) }) { fit in
            #expect(fit.values.allSatisfy { !$0.isNaN })
        }
    }

    @Test("sizes near the top of the double range: a result without NaN, or an error")
    func nearOverflow() {
        let N = [1e290, 1e295, 1e300, 1e303, 1e305, 1e307]
        let L = N.map { 1.7 + 400 / pow($0, 0.03) }
        resultOrError({ try ChinchillaLaw.fit(N: N, D: N, loss: L, options: small()) }) { fit in
            #expect([fit.law.E, fit.law.A, fit.law.B, fit.law.alpha, fit.law.beta].allSatisfy { !$0.isNaN })
        }
        resultOrError({ try ScalingLaw.named("power_law").fit(data: ["x": N], observed: L) }) { fit in
            #expect(fit.values.allSatisfy { !$0.isNaN })
        }
        resultOrError({ try Planner.computeOptimal(LossSurface(ChinchillaLaw(E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28)),
                                                   compute: 1.7e308) }) { plan in
            #expect(plan.parameters.isFinite && plan.tokens.isFinite && plan.loss.isFinite)
        }
    }

    @Test("subnormal and tiny values: a result without NaN, or an error")
    func nearUnderflow() {
        // Subnormals parsed at run time: as literals the compiler warns that they lose precision, which is the point.
        let N = ["5e-324", "1e-320", "1e-310", "1e-300", "1e-200", "1e-100"].map { Double($0)! }
        resultOrError({ try ChinchillaLaw.fit(N: N, D: N, loss: N.map { _ in 1e-300 }, options: small()) }) { fit in
            #expect([fit.law.E, fit.law.A, fit.law.B, fit.law.alpha, fit.law.beta].allSatisfy { !$0.isNaN })
        }
    }

    @Test("a million runs fit in one call, finite")
    func millionPoints() throws {
        var rng = RandomStream(seed: 7)
        let n = 1_000_000
        var N = [Double](), D = [Double](), L = [Double]()
        N.reserveCapacity(n); D.reserveCapacity(n); L.reserveCapacity(n)
        for _ in 0..<n {
            let u = Double(rng.next() >> 11) / 9007199254740992, v = Double(rng.next() >> 11) / 9007199254740992
            let size = pow(10, 7 + 3 * u), tokens = size * pow(10, 0.5 + 2 * v)
            N.append(size); D.append(tokens)
            L.append(1.69 + 406.4 / pow(size, 0.34) + 410.7 / pow(tokens, 0.28))
        }
        var o = small()
        o.optimizer.maxIterations = 200
        let fit = try ChinchillaLaw.fit(N: N, D: D, loss: L, options: o)
        #expect(fit.pointsUsed == n)
        #expect(abs(fit.law.alpha - 0.34) < 1e-3 && abs(fit.law.beta - 0.28) < 1e-3)
    }

    @Test("one budget, equal losses: IsoFLOP excludes the budget with a note or errors, no NaN")
    func isoflopFlat() {
        let N = [1e8, 2e8, 4e8, 8e8, 1.6e9]
        resultOrError({ try IsoFLOP.fit(N: N, D: N.map { 1e19 / (6 * $0) }, loss: N.map { _ in 3 }, budget: N.map { _ in 1e19 }) }) { r in
            #expect(r.budgets.allSatisfy { $0.used == false && $0.note != nil })
        }
    }

    @Test("steps equal at every batch: the trade-off is not identified, no NaN")
    func tradeoffFlat() {
        resultOrError({ try BatchTradeoff.fit(batch: [64, 256, 1024, 4096], steps: [1000, 1000, 1000, 1000]) }) { fit in
            #expect(!fit.identified)
            #expect(!fit.criticalBatch.isNaN && !fit.minimumSteps.isNaN)
        }
    }

    @Test("a sweep whose losses are all equal locates no optimum, and says so")
    func sweepFlat() {
        let lr = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
        resultOrError({ try HyperparameterSweep.fit(N: lr.map { _ in 1e8 }, D: lr.map { _ in 2e9 }, learningRate: lr,
                                                     batch: lr.map { _ in 256 }, loss: lr.map { _ in 3 }) }) { r in
            #expect(r.cells.allSatisfy { $0.optimalLearningRate == nil && !$0.note.isEmpty })
        }
    }

    @Test("a constant learning rate leaves the decay terms unidentified: a clear error")
    func multiPowerConstantSchedule() {
        let lr = [Double](repeating: 1e-3, count: 200)
        let steps = Array(stride(from: 10, through: 200, by: 10))
        let curve = LossCurve(learningRates: lr, warmupSteps: 0, steps: steps, loss: steps.map { 3 + 2 / Double($0).squareRoot() })
        resultOrError({ try MultiPowerLaw.fit(curves: [curve]) }) { fit in
            #expect(!fit.converged)
            #expect(fit.law.parameterValues.allSatisfy { !$0.isNaN })
        }
    }
}
