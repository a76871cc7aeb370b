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

    /// Two loss series at the same runs in one table: a Chinchilla-law loss and its exponential (Open-Athena's Llama 3
    /// extract holds raw and exp losses so). Huber with δ = 10⁻³ is least absolute deviations here, so any level
    /// between the two clusters is optimal and the optimiser stops at a start of the grid, "converged".
    private static func mixedSeries() -> (N: [Double], D: [Double], loss: [Double]) {
        var N: [Double] = [], D: [Double] = [], L: [Double] = []
        for n in [1e8, 3e8, 1e9, 3e9] {
            for ratio in [5.0, 20, 80] {
                let l = 0.6 + 40 / pow(n, 0.28) + 160 / pow(ratio * n, 0.32)
                N += [n, n]; D += [ratio * n, ratio * n]; L += [l, exp(l)]
            }
        }
        return (N, D, L)
    }

    @Test("two series mixed in one table: no better than a constant, so not converged (Chinchilla and formula)")
    func mixedSeriesAreNoBetterThanAConstant() throws {
        let (N, D, L) = Self.mixedSeries()
        let fit = try ChinchillaLaw.fit(N: N, D: D, loss: L)
        #expect(!fit.converged)
        #expect(fit.message.hasPrefix("no better than a constant"))
        #expect(abs(fit.explained) < 0.01, "explained \(fit.explained)")
        let law = try ScalingLaw(formula: "E + A*N^-alpha + B*D^-beta", inputs: ["N", "D"]).fit(data: ["N": N, "D": D], observed: L)
        #expect(!law.converged)
        #expect(law.message.hasPrefix("no better than a constant"))
        // Either series alone is an ordinary fit.
        let alone = try ChinchillaLaw.fit(N: stride(from: 0, to: N.count, by: 2).map { N[$0] },
                                          D: stride(from: 0, to: D.count, by: 2).map { D[$0] },
                                          loss: stride(from: 0, to: L.count, by: 2).map { L[$0] })
        #expect(alone.converged && alone.explained > 0.99)
        #expect(!alone.message.contains("constant"))
    }

    @Test("the constant baseline: closed forms for squared, Huber and least absolute deviations")
    func constantBaseline() {
        let y = [0.3, 1.0, 1.2, 2.0, 5.5]
        let mean = y.reduce(0, +) / Double(y.count)
        let squared = y.map { 0.5 * ($0 - mean) * ($0 - mean) }.reduce(0, +)
        #expect(abs(ConstantBaseline.objective(y, weights: nil, loss: FitLoss(.squared)) - squared) < 1e-12)
        #expect(abs(ConstantBaseline.objective(y, weights: nil, loss: FitLoss(.huber(delta: 100))) - squared) < 1e-12)
        // δ below every gap: δ·Σ|y − median| − nδ²/2 (every residual in the linear piece but the median's own, 0).
        let delta = 1e-3, median = 1.2
        let lad = y.map { $0 == median ? 0 : delta * (abs($0 - median) - delta / 2) }.reduce(0, +)
        #expect(abs(ConstantBaseline.objective(y, weights: nil, loss: FitLoss(.huber(delta: delta))) - lad) < 1e-12)
        // Weights: a weight of 2 is the run counted twice.
        let twice = ConstantBaseline.objective(y + [5.5], weights: nil, loss: FitLoss(.squared))
        #expect(abs(ConstantBaseline.objective(y, weights: [1, 1, 1, 1, 2], loss: FitLoss(.squared)) - twice) < 1e-12)
        #expect(ConstantBaseline.objective([2, 2, 2], weights: nil, loss: FitLoss(.squared)) == 0)
        let squaredFit = ConstantBaseline(fitted: 0.25 * squared, observations: y, weights: nil, loss: FitLoss(.squared))
        #expect(abs(squaredFit.explained - 0.75) < 1e-12 && squaredFit.caveat == nil)      // R² = 1 − SSR/SST
        let flat = ConstantBaseline(fitted: 0.95 * squared, observations: y, weights: nil, loss: FitLoss(.squared))
        #expect(flat.caveat?.hasPrefix("no better than a constant") == true)
        let equal = ConstantBaseline(fitted: 0, observations: [2, 2, 2], weights: nil, loss: FitLoss(.squared))
        #expect(equal.explained.isNaN && equal.caveat == nil)
    }

    @Test("a healthy fit stays converged (the identifiability test has margin)")
    func healthyFitStaysConverged() throws {
        let data = try TestData.chinchilla()
        let fit = try ChinchillaLaw.fit(N: data.N, D: data.D, loss: data.loss)
        #expect(fit.converged)
        #expect(!fit.message.contains("not identified"))
        #expect(!fit.message.contains("no better than a constant"))
        #expect(fit.explained > 0.9 && fit.explained < 1, "explained \(fit.explained)")
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
