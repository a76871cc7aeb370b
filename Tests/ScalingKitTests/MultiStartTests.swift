import Testing
@testable import ScalingKit

/// Which start wins a multi-start run and who counts as confirming it, on scripted solver outcomes (each start's x
/// names the outcome the solver returns from it, so the polish is scripted too).
@Suite("Multi-start winner and confirmations")
struct MultiStartTests {
    typealias R = OptimizationResult

    static func run(_ script: [Double: R], starts: [Double]) throws -> MultiStart.Outcome {
        try MultiStart.run(starts: starts.map { [$0] }, screening: StartScreening(refine: 0, confirmations: 2),
                           threads: 1, makeEvaluator: { { _ in 0 } }) {
            { x in script[x[0]] ?? R(x: x, value: .infinity, gradientNorm: 0, iterations: 0, evaluations: 1,
                                     reason: .nonFiniteStart) }
        }
    }

    static func result(_ x: Double, _ value: Double, _ reason: TerminationReason) -> R {
        R(x: [x], value: value, gradientNorm: 0, iterations: 10, evaluations: 10, reason: reason)
    }

    /// A start that ran out of iterations below the best converged one: the converged one had stalled. The lower
    /// one is polished and wins; the stalled one and a start near it no longer count as having reached the optimum.
    /// (Before, the converged start won and the lower one was counted as confirming it.)
    @Test func aLowerStartThatDidNotConvergeIsPolishedAndWins() throws {
        let outcome = try Self.run([
            0: Self.result(0, 1.0, .precisionLimit),           // stalled, "converged"
            1: Self.result(1.5, 0.5, .maxIterations),          // still descending
            1.5: Self.result(1.5, 0.4, .gradientTolerance),    // its polish: converges lower
            2: Self.result(2, 1.0 + 1e-12, .maxIterations),    // beside the stalled one
        ], starts: [0, 1, 2])
        #expect(outcome.best.value == 0.4 && outcome.best.x == [1.5] && outcome.reason == .gradientTolerance)
        #expect(outcome.startsAtOptimum == 1 && outcome.startsConverged == 1)
        #expect(outcome.message.hasPrefix("the lowest start (objective 5.0e-1) had not converged but ended below the best converged one (1.0e0)"),
                "\(outcome.message)")
    }

    /// The same, but the lower start's polish does not converge either: the point reported is the lowest, and it is
    /// not converged (so no fit built on it says success).
    @Test func aLowerStartWhosePolishFailsIsReportedUnconverged() throws {
        let outcome = try Self.run([
            0: Self.result(0, 1.0, .precisionLimit),
            1: Self.result(1.5, 0.5, .maxIterations),
            1.5: Self.result(1.5, 0.45, .maxIterations),
        ], starts: [0, 1])
        #expect(outcome.best.value == 0.45 && !outcome.reason.isConverged)
    }

    /// An exact fit is the global minimum: a start ending lower by rounding (10⁻³² against 10⁻³¹) is not "lower".
    @Test func anExactFitIsNotDisplacedByRounding() throws {
        let outcome = try Self.run([
            0: Self.result(0, 1e-31, .objectiveNegligible),
            1: Self.result(1, 1e-32, .maxIterations),
            2: Self.result(2, 3e-31, .objectiveNegligible),
        ], starts: [0, 1, 2])
        #expect(outcome.best.x == [0] && outcome.reason == .objectiveNegligible && outcome.startsAtOptimum == 2)
    }

    /// Converged starts within the tolerance of each other confirm the lowest, from above or below.
    @Test func confirmationsCountWithinTheToleranceOnBothSides() throws {
        let outcome = try Self.run([
            0: Self.result(0, 1.0, .gradientTolerance),
            1: Self.result(1, 1.0 + 1e-10, .gradientTolerance),
            2: Self.result(2, 1.0 + 1e-6, .gradientTolerance),
        ], starts: [0, 1, 2])
        #expect(outcome.best.x == [0] && outcome.startsAtOptimum == 2 && outcome.startsConverged == 3)
    }
}
