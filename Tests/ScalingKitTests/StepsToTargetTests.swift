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

    /// A sweep as one table: runs by first appearance, one entry per (run, target), the misses kept and said.
    @Test func tableReadsEveryRunAtEveryTarget() throws {
        let run = [7, 7, 7, 3, 3, 3], batch: [Double] = [64, 64, 64, 256, 256, 256]
        let step: [Double] = [0, 10, 20, 0, 10, 20], loss: [Double] = [4, 3, 2, 4, 3.5, 3.2]
        let entries = try StepsToTarget.table(run: run, batch: batch, step: step, loss: loss, targets: [2.5, 5])
        #expect(entries.map(\.run) == [7, 7, 3, 3] && entries.map(\.targetLoss) == [2.5, 5, 2.5, 5])
        #expect(entries.map(\.crossing) == [.reached(15), .atFirstStep, .notReached, .atFirstStep])
        #expect(entries[0].steps == 15 && entries[2].steps == nil && entries[2].batch == 256)
        do {
            _ = try StepsToTarget.table(run: run, batch: [64, 64, 65, 256, 256, 256], step: step, loss: loss, targets: [2.5])
            Issue.record("two batch sizes in one run were accepted")
        } catch { #expect("\(error)".contains("run 7 has batch sizes 64 and 65")) }
        do {
            _ = try StepsToTarget.table(run: run, batch: batch, step: step, loss: [4, 3, 2, 4, .infinity, 3], targets: [2.5])
            Issue.record("an infinite loss was accepted")
        } catch { #expect("\(error)".hasPrefix("run 3: loss[1] is inf: a run that diverged?")) }
        #expect(throws: ScalingKitError.self) { try StepsToTarget.table(run: run, batch: batch, step: step, loss: loss, targets: []) }
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
