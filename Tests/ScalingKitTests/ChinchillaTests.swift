import Testing
@testable import ScalingKit
#if canImport(Glibc)
import Glibc
#endif

@Suite("Chinchilla objective")
struct ChinchillaObjectiveTests {
    /// The analytic gradient against central differences at a few points of the bundled data.
    @Test(arguments: [[6.0, 7.5, 0.6, 0.34, 0.37], [3.0, 12.0, -0.5, 0.8, 0.2], [20.0, 1.0, 1.0, 1.5, 1.9]])
    func gradientMatchesFiniteDifferences(x: [Double]) throws {
        let d = try TestData.chinchilla()
        // δ large enough that the kink of the Huber loss does not sit inside the difference stencil.
        let obj = ChinchillaObjective(logN: d.N.map(log), logD: d.D.map(log), logL: d.loss.map(log),
                                      huber: Huber(delta: 10))
        var g = [Double](repeating: 0, count: 5), scratch = g
        let f = x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { obj.evaluate(xp, gradient: $0) } }
        for i in 0..<5 {
            let h = 1e-6
            var xp = x, xm = x
            xp[i] += h; xm[i] -= h
            let fp = xp.withUnsafeBufferPointer { p in scratch.withUnsafeMutableBufferPointer { obj.evaluate(p, gradient: $0) } }
            let fm = xm.withUnsafeBufferPointer { p in scratch.withUnsafeMutableBufferPointer { obj.evaluate(p, gradient: $0) } }
            let fd = (fp - fm) / (2 * h)
            // Central differences carry truncation O(h²) and round-off O(|f|·ε/h) errors.
            let tolerance = 1e-6 * abs(g[i]) + 1e-8 * max(1, abs(f))
            #expect(abs(fd - g[i]) <= tolerance, "component \(i): analytic \(g[i]) vs fd \(fd)")
        }
    }
}

@Suite("Chinchilla law")
struct ChinchillaLawTests {
    @Test func computeOptimalClosedForm() throws {
        let law = ChinchillaLaw.hoffmann2022
        let plan = try law.computeOptimal(compute: 5.76e23)
        let s = law.alpha + law.beta
        #expect(abs(plan.a - law.beta / s) < 1e-15 && abs(plan.b - law.alpha / s) < 1e-15)
        #expect(abs(6 * plan.parameters * plan.tokens / 5.76e23 - 1) < 1e-12)
        let G = pow(law.alpha * law.A / (law.beta * law.B), 1 / s)
        #expect(abs(plan.parameters / (G * pow(5.76e23 / 6, plan.a)) - 1) < 1e-12)
        // It is the minimum along the iso-FLOP line.
        for scale in [0.9, 1.1] {
            let n = plan.parameters * scale
            #expect(law.loss(parameters: n, tokens: 5.76e23 / (6 * n)) > plan.loss)
        }
    }

    @Test(arguments: [0.0, -1.0, Double.nan, Double.infinity])
    func rejectsBadBudget(_ c: Double) {
        #expect(throws: ScalingKitError.self) { try ChinchillaLaw.hoffmann2022.computeOptimal(compute: c) }
    }

    @Test func rejectsDegenerateLaw() {
        let law = ChinchillaLaw(E: 1, A: 0, B: 1, alpha: 0.3, beta: 0.3)
        #expect(throws: ScalingKitError.self) { try law.computeOptimal(compute: 1e20) }
    }
}

@Suite("Chinchilla fit")
struct ChinchillaFitTests {
    /// Besiroglu et al. (2024), Epoch's "replicate exactly" optimum on 240 runs.
    static let epoch = (objective: 1.0182740346e-3, E: 1.817236, A: 477.842, B: 2143.864, alpha: 0.3473127,
                        beta: 0.3671826)

    func rel(_ x: Double, _ y: Double) -> Double { abs(x - y) / abs(y) }

    @Test func reachesPublishedOptimum() throws {
        let (d, fit) = try TestData.epochFit()
        #expect(fit.converged)
        #expect(fit.pointsUsed == 240 && fit.excludedIndices == [0, 1, 2, 3, 4])
        #expect(fit.objective <= Self.epoch.objective + 1e-12)
        #expect(rel(fit.law.E, Self.epoch.E) < 1e-4)
        #expect(rel(fit.law.alpha, Self.epoch.alpha) < 1e-4)
        #expect(rel(fit.law.beta, Self.epoch.beta) < 1e-4)
        #expect(rel(fit.law.A, Self.epoch.A) < 1e-3)
        #expect(rel(fit.law.B, Self.epoch.B) < 1e-3)
    }

    @Test func bitIdenticalForAnyThreadCount() throws {
        let d = try TestData.chinchilla()
        var o = ChinchillaFitOptions()
        o.excludeHighestLoss = 5
        o.grid = StartGrid(alpha: [0, 1], beta: [0.5, 1], e: [0, 1], a: [0, 10], b: [5, 20])
        o.threads = 1
        let one = try ChinchillaLaw.fit(N: d.N, D: d.D, loss: d.loss, options: o)
        o.threads = 3
        let three = try ChinchillaLaw.fit(N: d.N, D: d.D, loss: d.loss, options: o)
        #expect(one.law == three.law)
        #expect(one.objective == three.objective && one.gradientNorm == three.gradientNorm)
        #expect(one.evaluations == three.evaluations && one.iterations == three.iterations)
        #expect(one.message == three.message && one.startsConverged == three.startsConverged)
    }

    @Test func exclusionBreaksTiesByRowOrder() throws {
        let N = [1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9, 6.4e9], D = N.map { $0 * 20 }
        let loss = [3.0, 3.0, 2.9, 2.8, 2.7, 2.6, 2.5]
        var o = ChinchillaFitOptions()
        o.excludeHighestLoss = 1
        o.grid = StartGrid(alpha: [0.5], beta: [0.5], e: [0.5], a: [5], b: [5])
        #expect(try ChinchillaLaw.fit(N: N, D: D, loss: loss, options: o).excludedIndices == [0])
    }

    static let good = (N: [1e7, 3e7, 1e8, 3e8, 1e9, 3e9], D: [1e9, 3e9, 1e10, 3e10, 1e11, 3e11],
                       L: [4.0, 3.6, 3.2, 2.9, 2.6, 2.4])

    static let badInputs: [(String, [Double], [Double], [Double], ScalingKitError.Code)] = [
        ("empty", [], [], [], .invalidLength),
        ("mismatch", good.N, Array(good.D.prefix(3)), good.L, .invalidLength),
        ("nan", good.N, good.D, [.nan] + good.L.dropFirst(), .invalidArgument),
        ("inf", [.infinity] + good.N.dropFirst(), good.D, good.L, .invalidArgument),
        ("zero", good.N, [0] + good.D.dropFirst(), good.L, .invalidArgument),
        ("negative", good.N, good.D, [-1] + good.L.dropFirst(), .invalidArgument),
        ("too few", Array(good.N.prefix(4)), Array(good.D.prefix(4)), Array(good.L.prefix(4)), .invalidLength),
    ]

    @Test(arguments: badInputs.indices)
    func rejectsBadData(_ i: Int) {
        let (name, N, D, L, code) = Self.badInputs[i]
        do {
            _ = try ChinchillaLaw.fit(N: N, D: D, loss: L)
            Issue.record("\(name): no error")
        } catch let e as ScalingKitError {
            #expect(e.code == code, "\(name): \(e.message)")
        } catch { Issue.record("\(name): \(error)") }
    }

    @Test func rejectsBadOptions() {
        func expectInvalid(_ mutate: (inout ChinchillaFitOptions) -> Void) {
            var o = ChinchillaFitOptions()
            mutate(&o)
            #expect(throws: ScalingKitError.self) {
                try ChinchillaLaw.fit(N: Self.good.N, D: Self.good.D, loss: Self.good.L, options: o)
            }
        }
        expectInvalid { $0.huberDelta = 0 }
        expectInvalid { $0.huberDelta = .nan }
        expectInvalid { $0.excludeHighestLoss = -1 }
        expectInvalid { $0.excludeHighestLoss = 2 }
        expectInvalid { $0.threads = -1 }
        expectInvalid { $0.optimizer.maxIterations = 0 }
        expectInvalid { $0.optimizer.memory = 0 }
        expectInvalid { $0.optimizer.gradientTolerance = -1 }
        expectInvalid { $0.optimizer.functionTolerance = .infinity }
        expectInvalid { $0.grid.alpha = [] }
        expectInvalid { $0.grid.b = [1, .nan] }
    }

}
