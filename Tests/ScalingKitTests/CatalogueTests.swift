import Testing
@testable import ScalingKit
#if canImport(Glibc)
import Glibc
#endif

/// Every catalogue law recovers known parameters from synthetic data generated here with multiplicative noise
/// (σ = 10⁻³ in log space), using only the law's default bounds and starting grid.
@Suite("Law catalogue")
struct CatalogueTests {
    struct Case: Sendable, CustomStringConvertible {
        let law: String
        let truth: [String: Double]
        let inputs: @Sendable (Int) -> [String: Double]   // run index → input values
        let runs: Int
        var description: String { law }
    }

    static func logGrid(_ i: Int, _ n: Int, _ lo: Double, _ hi: Double) -> Double {
        pow(10, lo + (hi - lo) * Double(i % n) / Double(n - 1))
    }

    static let cases: [Case] = [
        Case(law: "chinchilla", truth: ["E": 1.7, "A": 400, "alpha": 0.34, "B": 2000, "beta": 0.37],
             inputs: { ["N": logGrid($0, 8, 7, 10), "D": logGrid($0 / 8, 8, 9, 12)] }, runs: 64),
        Case(law: "kaplan_n", truth: ["Nc": 8.8e13, "alphaN": 0.076],
             inputs: { ["N": logGrid($0, 20, 6, 10)] }, runs: 20),
        Case(law: "kaplan_d", truth: ["Dc": 5.4e13, "alphaD": 0.095],
             inputs: { ["D": logGrid($0, 20, 8, 12)] }, runs: 20),
        Case(law: "kaplan_nd", truth: ["Nc": 8.8e13, "alphaN": 0.076, "alphaD": 0.103, "Dc": 5.4e13],
             inputs: { ["N": logGrid($0, 8, 6, 10), "D": logGrid($0 / 8, 8, 7, 11)] }, runs: 64),
        Case(law: "power_law", truth: ["Linf": 1.5, "x0": 1e8, "alpha": 0.3],
             inputs: { ["x": logGrid($0, 25, 5, 11)] }, runs: 25),
        Case(law: "compute", truth: ["Linf": 1.7, "C0": 1e16, "alpha": 0.1],
             inputs: { ["C": logGrid($0, 25, 17, 23)] }, runs: 25),
        Case(law: "lr_annealing", truth: ["L0": 2.5, "A": 0.5, "alpha": 0.5, "C": 2],
             inputs: { ["S1": 0.5 + 6.5 * Double($0 % 8) / 7, "S2": 0.05 * Double($0 / 8) / 7] }, runs: 64),
        Case(law: "gadre_overtraining", truth: ["a": 166.21, "eta": -0.2729, "b": 366.69, "E": 1.8366],
             inputs: { ["N": logGrid($0, 6, 7, 9.5), "M": [5, 10, 20, 40, 80, 160, 320, 640][$0 / 6]] }, runs: 48),
        Case(law: "downstream_error", truth: ["eps": 0.85, "k": 5, "gamma": 1.2],
             inputs: { ["L": 2 + 3 * Double($0) / 29] }, runs: 30),
        Case(law: "finetune_rectified", truth: ["B": 300, "Dl": 1000, "beta": 0.5, "E": 1.2],
             inputs: { ["D": logGrid($0, 30, 2, 9)] }, runs: 30),
        Case(law: "parallel_scaling", truth: ["A": 1e9, "k": 0.4, "alpha": 0.15, "E": 1.5],
             inputs: { ["N": logGrid($0, 10, 8, 10), "P": [1, 2, 4, 8][$0 / 10]] }, runs: 40),
        Case(law: "broken_power_law", truth: ["a": 1, "b": 50, "c0": 0.2, "d1": 1e8, "c1": 0.3, "f1": 0.5],
             inputs: { ["x": logGrid($0, 40, 4, 12)] }, runs: 40),
    ]

    @Test func catalogueIsComplete() {
        #expect(Set(Self.cases.map(\.law)) == Set(ScalingLaw.catalogueNames))
        #expect(throws: ScalingKitError.self) { try ScalingLaw.named("chinchila") }
    }

    @Test(arguments: cases)
    func recoversKnownParameters(_ c: Case) throws {
        let law = try ScalingLaw.named(c.law)
        #expect(!law.citation.isEmpty)
        var rng = SplitMix64(seed: 11)
        var data: [String: [Double]] = [:]
        for i in 0..<c.runs { for (k, v) in c.inputs(i) { data[k, default: []].append(v) } }
        let truth = law.parameters.map { c.truth[$0]! }
        let clean = try law.evaluate(parameters: truth, columns: try law.columns(from: data))
        let observed = clean.map { $0 * exp(1e-3 * rng.normal()) }
        let fit = try law.fit(data: data, observed: observed)
        #expect(fit.converged, "\(c.law): \(fit.message)")
        for (j, p) in law.parameters.enumerated() {
            let (got, want) = (fit.values[j], truth[j])
            // Coefficients fitted in log space trade off against exponents: compare them in log space.
            let ok = law.logScaled.contains(p) ? abs(log(got / want)) < 0.25 : abs(got - want) <= 0.05 * abs(want) + 0.01
            #expect(ok, "\(c.law).\(p): fitted \(got), true \(want)")
        }
        // Predictions between and beyond the runs agree with the truth.
        let predicted = try fit.predict(data)
        for i in 0..<c.runs { #expect(abs(predicted[i] / clean[i] - 1) < 5e-3, "\(c.law) run \(i)") }
    }
}

/// The exact gradient of every catalogue law against central differences, at its true parameters over its data.
@Suite("Law catalogue gradients")
struct CatalogueGradientTests {
    @Test(arguments: CatalogueTests.cases)
    func gradientMatchesFiniteDifferences(_ c: CatalogueTests.Case) throws {
        let law = try ScalingLaw.named(c.law)
        var data: [String: [Double]] = [:]
        for i in 0..<c.runs { for (k, v) in c.inputs(i) { data[k, default: []].append(v) } }
        let bound = try BoundExpression(law.expression, columns: try law.columns(from: data))
        let p = law.parameters.map { c.truth[$0]! }
        func eval(_ q: [Double]) -> ([Double], [[Double]]) {
            var vs: [Double] = [], gs: [[Double]] = []
            q.withUnsafeBufferPointer { qp in
                bound.forEachPoint(parameters: qp, withGradient: true) { _, v, g in vs.append(v); gs.append(Array(g)) }
            }
            return (vs, gs)
        }
        let (values, grads) = eval(p)
        for j in 0..<p.count {
            let h = 1e-6 * max(abs(p[j]), 1e-3)
            var up = p, down = p
            up[j] += h; down[j] -= h
            let (fu, _) = eval(up), (fd, _) = eval(down)
            for i in 0..<values.count {
                let numeric = (fu[i] - fd[i]) / (2 * h), analytic = grads[i][j]
                // 1e-6 relative, with a floor for round-off in (f(x+h) − f(x−h)) / 2h.
                let tolerance = 1e-6 * abs(analytic) + 1e-9 * abs(values[i]) / h * 1e-6
                #expect(abs(numeric - analytic) <= tolerance, "\(c.law) ∂/∂\(law.parameters[j]) at run \(i): \(analytic) vs \(numeric)")
            }
        }
    }
}
