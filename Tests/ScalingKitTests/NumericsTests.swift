import Testing
@testable import ScalingKit
#if canImport(Glibc)
import Glibc
#endif

@Suite("Huber loss")
struct HuberTests {
    @Test func closedForm() {
        let h = Huber(delta: 0.5)
        #expect(h.value(0.2) == 0.5 * 0.2 * 0.2)
        #expect(h.value(-2) == 0.5 * (2 - 0.25))     // δ(|r| − δ/2)
        #expect(h.derivative(0.2) == 0.2)
        #expect(h.derivative(3) == 0.5 && h.derivative(-3) == -0.5)
        // Continuous value and slope at the kink.
        #expect(abs(h.value(0.5 + 1e-12) - h.value(0.5)) < 1e-12)
    }
}

/// Rosenbrock's function, the classic hard valley (minimum 0 at (1, 1)).
struct Rosenbrock: DifferentiableObjective {
    var dimension: Int { 2 }
    func evaluate(_ x: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>) -> Double {
        let a = 1 - x[0], b = x[1] - x[0] * x[0]
        g[0] = -2 * a - 400 * x[0] * b
        g[1] = 200 * b
        return a * a + 100 * b * b
    }
}

/// A convex quadratic with condition number 10⁶ in 6 dimensions.
struct IllConditioned: DifferentiableObjective {
    var dimension: Int { 6 }
    func evaluate(_ x: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>) -> Double {
        var f = 0.0
        for i in 0..<6 {
            let c = pow10(Double(i) * 1.2), d = x[i] - Double(i)
            f += 0.5 * c * d * d
            g[i] = c * d
        }
        return f
    }
    private func pow10(_ e: Double) -> Double { (0..<Int(e * 10)).reduce(1.0) { r, _ in r * 1.2589254117941673 } }
}

struct NaNAtStart: DifferentiableObjective {
    var dimension: Int { 1 }
    func evaluate(_ x: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>) -> Double {
        g[0] = .nan
        return .nan
    }
}

@Suite("L-BFGS")
struct LBFGSTests {
    @Test func rosenbrock() {
        let r = LBFGS(dimension: 2).minimize(Rosenbrock(), from: [-1.2, 1])
        #expect(r.converged)
        #expect(abs(r.x[0] - 1) < 1e-6 && abs(r.x[1] - 1) < 1e-6)
        #expect(r.value < 1e-12)
    }

    @Test func illConditionedQuadratic() {
        let r = LBFGS(dimension: 6).minimize(IllConditioned(), from: [5, -3, 2, 8, 0, 1])
        #expect(r.converged)
        for i in 0..<6 { #expect(abs(r.x[i] - Double(i)) < 1e-5) }
    }

    @Test func reusableWorkspaceGivesIdenticalResults() {
        let opt = LBFGS(dimension: 2)
        let first = opt.minimize(Rosenbrock(), from: [-1.2, 1])
        _ = opt.minimize(Rosenbrock(), from: [3, 3])
        #expect(opt.minimize(Rosenbrock(), from: [-1.2, 1]) == first)
    }

    @Test func nonFiniteStartIsReportedNotTrapped() {
        let r = LBFGS(dimension: 1).minimize(NaNAtStart(), from: [0])
        #expect(r.reason == .nonFiniteStart && !r.converged)
    }
}

/// Rosenbrock as least squares: r₁ = 10(x₂ − x₁²), r₂ = 1 − x₁.
struct RosenbrockResiduals: LeastSquaresObjective {
    var dimension: Int { 2 }
    var residualCount: Int { 2 }
    func evaluate(_ x: UnsafeBufferPointer<Double>, residuals r: UnsafeMutableBufferPointer<Double>,
                  jacobian J: UnsafeMutableBufferPointer<Double>) {
        r[0] = 10 * (x[1] - x[0] * x[0]); r[1] = 1 - x[0]
        J[0] = -20 * x[0]; J[1] = 10; J[2] = -1; J[3] = 0
    }
}

@Suite("Levenberg–Marquardt")
struct LevenbergMarquardtTests {
    @Test func rosenbrock() {
        let r = LevenbergMarquardt(dimension: 2, residualCount: 2).minimize(RosenbrockResiduals(), from: [-1.2, 1])
        #expect(r.converged && abs(r.x[0] - 1) < 1e-8 && abs(r.x[1] - 1) < 1e-8, "\(r)")
    }

    @Test func boundsAreRespected() {
        let r = LevenbergMarquardt(dimension: 2, residualCount: 2)
            .minimize(RosenbrockResiduals(), from: [-1.2, 1], lower: [-2, -2], upper: [0.5, 2])
        #expect(r.x[0] <= 0.5 && abs(r.x[0] - 0.5) < 1e-6, "\(r.x)")
    }

    @Test func lawFitMatchesLBFGS() throws {
        let N = (0..<20).map { pow(10, 6 + 4 * Double($0) / 19) }
        var rng = SplitMix64(seed: 2)
        let y = N.map { (2.0 + 40 * pow($0, -0.3)) * (1 + 0.01 * rng.normal()) }
        let law = try ScalingLaw(formula: "E + A*N^-alpha", inputs: ["N"],
                                 startGrid: ["E": [1, 3], "A": [10, 100], "alpha": [0.2, 0.5]], logScaled: ["A"])
        var o = LawFitOptions()
        o.loss = FitLoss(.squared, space: .linear)
        let lbfgs = try law.fit(data: ["N": N], observed: y, options: o)
        o.method = .levenbergMarquardt
        let lm = try law.fit(data: ["N": N], observed: y, options: o)
        #expect(lm.converged && abs(lm.objective - lbfgs.objective) <= 1e-10 * lbfgs.objective)
        #expect(abs(lm["alpha"]! - lbfgs["alpha"]!) < 1e-5)
        o.loss = FitLoss(.huber(delta: 1e-3))
        #expect(throws: ScalingKitError.self) { try law.fit(data: ["N": N], observed: y, options: o) }
    }
}
