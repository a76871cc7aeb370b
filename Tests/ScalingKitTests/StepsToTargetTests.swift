import Testing
@testable import ScalingKit

/// Steps to a target loss from a logged curve: the monotone fit, its crossing, and what is not a step count.
@Suite("Steps to target")
struct StepsToTargetTests {
    @Test func poolsAdjacentViolators() {
        #expect(StepsToTarget.nonIncreasing([3, 1, 2, 0]) == [3, 1.5, 1.5, 0])
        #expect(StepsToTarget.nonIncreasing([1, 2, 3]) == [2, 2, 2])
        #expect(StepsToTarget.nonIncreasing([5, 4, 4, 1]) == [5, 4, 4, 1])
    }

    @Test func crossingIsInterpolatedOnTheMonotoneFit() throws {
        let steps: [Double] = [0, 10, 20, 30, 40, 50]
        #expect(try StepsToTarget.crossing(steps: Array(steps.prefix(4)), loss: [4, 3, 2, 1], target: 2.5) == .reached(15))
        // A noise dip below the target at step 20 is not where the run got there: pooled with its neighbour
        // (1.9, 2.6 -> 2.25), the curve reaches 2.0 between 40 (2.2) and 50 (1.8).
        #expect(try StepsToTarget.crossing(steps: steps, loss: [4, 3, 1.9, 2.6, 2.2, 1.8], target: 2.0) == .reached(45))
        #expect(try StepsToTarget.crossing(steps: steps, loss: [4, 3, 2.9, 2.8, 2.7, 2.6], target: 2.0) == .notReached)
        #expect(try StepsToTarget.crossing(steps: steps, loss: [1.5, 1.4, 1.3, 1.2, 1.1, 1.0], target: 2.0) == .atFirstStep)
    }

    @Test func refusesWhatIsNotOneCurve() {
        #expect(throws: ScalingKitError.self) { try StepsToTarget.crossing(steps: [], loss: [], target: 2) }
        do {
            _ = try StepsToTarget.crossing(steps: [0, 10, 20], loss: [3, .nan, 2], target: 2.5)
            Issue.record("a NaN loss was accepted")
        } catch { #expect("\(error)".contains("a run that diverged?")) }
        do {
            _ = try StepsToTarget.crossing(steps: [0, 20, 10], loss: [3, 2, 1], target: 2.5)
            Issue.record("decreasing steps were accepted")
        } catch { #expect("\(error)".contains("steps must increase")) }
        #expect(throws: ScalingKitError.self) { try StepsToTarget.crossing(steps: [0, 1], loss: [3, 2], target: .nan) }
    }
}
