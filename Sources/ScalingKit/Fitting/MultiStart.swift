/// Runs a local optimiser from many starting points in parallel and picks the winner, deterministically.
///
/// Shared by every fit. Winner: the lowest objective among converged starts (as Besiroglu et al. 2024 keep only
/// `result.success`), ties to the lowest start index; if none converged, the lowest overall. The winner is then
/// polished by one fresh run of the local solver (new history), so the answer does not depend on the path that
/// found it.
struct MultiStart {
    struct Outcome {
        var best: OptimizationResult
        var reason: TerminationReason
        var message: String
        var iterations: Int
        var evaluations: Int
        var starts: Int
        var startsConverged: Int
        var startsAtOptimum: Int
    }

    /// A local solver run from a start; each worker thread makes its own (with its own workspace).
    typealias Solver = ([Double]) -> OptimizationResult

    static func run<F: DifferentiableObjective & Sendable>(
        _ objective: F, starts: [[Double]], lower: [Double]? = nil, upper: [Double]? = nil,
        optimizer: LBFGSOptions, threads: Int
    ) throws -> Outcome {
        let dimension = objective.dimension
        return try run(starts: starts, threads: threads) {
            let solver = LBFGS(dimension: dimension, options: optimizer)
            return { solver.minimize(objective, from: $0, lower: lower, upper: upper) }
        }
    }

    static func run(starts: [[Double]], threads: Int, makeSolver: @escaping () -> Solver) throws -> Outcome {
        let results = ParallelMap.map(count: starts.count, threads: threads, makeState: makeSolver) { solve, i in
            solve(starts[i])
        }
        var bestConverged: Int?, bestAny: Int?
        var evaluations = 0, convergedCount = 0
        for i in results.indices {
            let r = results[i]
            evaluations += r.evaluations
            guard r.value.isFinite else { continue }
            if r.converged {
                convergedCount += 1
                if bestConverged.map({ r.value < results[$0].value }) ?? true { bestConverged = i }
            }
            if bestAny.map({ r.value < results[$0].value }) ?? true { bestAny = i }
        }
        guard let winner = bestConverged ?? bestAny else {
            throw ScalingKitError.invalid(
                "the objective is not finite at any of the \(starts.count) starting points (check the law's domain, "
                + "bounds and starting grid against the data)")
        }
        // Polish: the reported point is converged if the polish, or the start that found it, met a convergence test.
        let first = results[winner]
        let polished = makeSolver()(first.x)
        evaluations += polished.evaluations
        let final = polished.value <= first.value ? polished : first
        let reason = polished.converged ? polished.reason : first.reason
        let threshold = final.value + 1e-9 * abs(final.value)
        let atOptimum = results.reduce(0) { $0 + ($1.value <= threshold ? 1 : 0) }
        var message = bestConverged == nil ? "no start converged; polishing the lowest: \(reason.message)" : reason.message
        message += "; best of \(starts.count) starts, \(convergedCount) converged, \(atOptimum) reached the optimum"
        return Outcome(best: final, reason: reason, message: message, iterations: first.iterations + polished.iterations,
                       evaluations: evaluations, starts: starts.count, startsConverged: convergedCount,
                       startsAtOptimum: atOptimum)
    }
}
