/// Runs a local optimiser from many starting points in parallel and picks the winner, deterministically.
///
/// Shared by every fit. Which starts run is decided by `StartScreening`. Winner: the lowest objective among
/// converged starts (as Besiroglu et al. 2024 keep only `result.success`), ties to the lowest start index; if none
/// converged, or one that did not converge ended lower (the converged one then stalled), the lowest overall. The winner is then polished by one fresh run of the local solver (new history),
/// so the answer does not depend on the path that found it. Batches have a fixed size, so the result is the same
/// for any thread count.
struct MultiStart {
    struct Outcome {
        var best: OptimizationResult
        var reason: TerminationReason
        var message: String
        var iterations: Int
        var evaluations: Int
        var starts: Int
        /// Starts run to convergence (all of them without screening).
        var startsRefined: Int
        var startsConverged: Int
        var startsAtOptimum: Int
    }

    /// A local solver run from a start; each worker thread makes its own (with its own workspace).
    typealias Solver = ([Double]) -> OptimizationResult
    /// The objective's value at a point (for screening); each worker thread makes its own.
    typealias Evaluator = ([Double]) -> Double

    /// Relative distance from the best objective within which a start counts as having reached the optimum.
    static let optimumTolerance = 1e-9

    static func run<F: DifferentiableObjective & Sendable>(
        _ objective: F, starts: [[Double]], lower: [Double]? = nil, upper: [Double]? = nil,
        optimizer: LBFGSOptions, screening: StartScreening, threads: Int
    ) throws -> Outcome {
        let dimension = objective.dimension
        return try run(starts: starts, screening: screening, threads: threads,
                       makeEvaluator: { evaluator(objective, lower: lower, upper: upper) }) {
            let solver = LBFGS(dimension: dimension, options: optimizer)
            return { solver.minimize(objective, from: $0, lower: lower, upper: upper) }
        }
    }

    /// The objective at a start projected into the bounds (where the solver would begin), with its own buffers.
    static func evaluator<F: DifferentiableObjective>(_ objective: F, lower: [Double]?, upper: [Double]?) -> Evaluator {
        let n = objective.dimension
        var x = [Double](repeating: 0, count: n), g = x
        return { start in
            for i in 0..<n { x[i] = min(max(start[i], lower?[i] ?? -.infinity), upper?[i] ?? .infinity) }
            return x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { objective.evaluate(xp, gradient: $0) } }
        }
    }

    static func run(starts: [[Double]], screening: StartScreening, threads: Int,
                    makeEvaluator: @escaping () -> Evaluator, makeSolver: @escaping () -> Solver) throws -> Outcome {
        var evaluations = 0
        // The order in which starts are refined: as given, or by their initial objective (non-finite last).
        var order = Array(starts.indices)
        let screened = screening.refine > 0 && starts.count > screening.refine
        if screened {
            let initial = ParallelMap.map(count: starts.count, threads: threads, makeState: makeEvaluator) { f, i in
                f(starts[i])
            }
            evaluations += starts.count
            let key = initial.map { $0.isFinite ? $0 : .infinity }
            order.sort { key[$0] != key[$1] ? key[$0] < key[$1] : $0 < $1 }
        }
        let batch = screened ? screening.refine : starts.count

        var results: [OptimizationResult?] = Array(repeating: nil, count: starts.count)
        var refined = 0
        var bestConverged: Int?, bestAny: Int?
        var convergedCount = 0
        repeat {
            let chunk = Array(order[refined..<min(refined + batch, order.count)])
            let batchResults = ParallelMap.map(count: chunk.count, threads: threads, makeState: makeSolver) { solve, k in
                solve(starts[chunk[k]])
            }
            for (k, i) in chunk.enumerated() {
                let r = batchResults[k]
                results[i] = r
                evaluations += r.evaluations
                guard r.value.isFinite else { continue }
                func better(_ j: Int?) -> Bool {
                    guard let j, let other = results[j] else { return true }
                    return r.value < other.value || (r.value == other.value && i < j)
                }
                if r.converged {
                    convergedCount += 1
                    if better(bestConverged) { bestConverged = i }
                }
                if better(bestAny) { bestAny = i }
            }
            refined += chunk.count
            // Screening stops once the winner is confirmed; not while a start that did not converge lies below it.
            if let w = winner(bestConverged, bestAny, results), w == bestConverged ?? bestAny, let best = results[w],
               reachedOptimum(results, best.value, exact: best.reason == .objectiveNegligible) >= screening.confirmations {
                break
            }
        } while screened && refined < order.count

        guard let winner = winner(bestConverged, bestAny, results), let first = results[winner] else {
            throw ScalingKitError.invalid(
                "the objective is not finite at any of the \(starts.count) starting points (check the law's domain, "
                + "bounds and starting grid against the data)")
        }
        // Polish: the reported point is converged if the polish, or the start that found it, met a convergence test.
        let polished = makeSolver()(first.x)
        evaluations += polished.evaluations
        let final = polished.value <= first.value ? polished : first
        let reason = polished.converged ? polished.reason : first.reason
        // The polish of an exact fit stops at once on its gradient test, so exactness is the winning start's.
        let atOptimum = reachedOptimum(results, final.value, winner: winner,
                                       exact: first.reason == .objectiveNegligible || final.reason == .objectiveNegligible)
        var message = reason.message
        if bestConverged == nil {
            message = "no start converged; polishing the lowest: \(reason.message)"
        } else if winner != bestConverged, let c = bestConverged, let stalled = results[c] {
            // A start still descending when it ran out of iterations went below the best "converged" one: that one
            // had stalled, not reached a minimum (found on the multi-power law's flat valley, where it claimed
            // success 0.01 of loss away on a new schedule).
            message = "the lowest start (objective \(IsoFLOP.shortNumber(first.value))) had not converged but ended below "
                + "the best converged one (\(IsoFLOP.shortNumber(stalled.value))), which had stalled; polished the lowest: "
                + reason.message
        }
        if screened {
            message += "; screened \(starts.count) starts by their objective, refined the best \(refined): "
                + "\(convergedCount) converged, \(atOptimum) reached the optimum"
        } else {
            message += "; best of \(starts.count) starts, \(convergedCount) converged, \(atOptimum) reached the optimum"
        }
        return Outcome(best: final, reason: reason, message: message, iterations: first.iterations + polished.iterations,
                       evaluations: evaluations, starts: starts.count, startsRefined: refined,
                       startsConverged: convergedCount, startsAtOptimum: atOptimum)
    }

    /// The start to polish: the lowest converged one (as Besiroglu et al. 2024 keep only `result.success`), unless
    /// one that did not converge ended lower by more than `optimumTolerance`. A start still descending when its
    /// iterations ran out is evidence that the converged one stalled in a flat valley, not that it is the minimum;
    /// the polish, a fresh run with a full budget, then decides whether the lower point converges.
    private static func winner(_ bestConverged: Int?, _ bestAny: Int?, _ results: [OptimizationResult?]) -> Int? {
        // An exact fit is at the global minimum (every objective is a sum of losses >= 0); below it is only rounding.
        guard let c = bestConverged, let a = bestAny, let converged = results[c], let lowest = results[a],
              converged.reason != .objectiveNegligible else {
            return bestConverged ?? bestAny
        }
        return lowest.value < converged.value - optimumTolerance * abs(converged.value) ? a : c
    }

    /// The winning start (its polish reached `best`, though the start itself may have ended above it), plus the other
    /// refined starts that ended within `optimumTolerance` (relative) of `best`, or, when `best` is an exact fit,
    /// at an exact fit themselves: every fit objective is a sum of losses ≥ 0, so two exact fits are both at the
    /// global minimum, though their rounding residues (10⁻³⁰ against 10⁻²⁸) differ by far more than any relative
    /// tolerance. Without this a law fitted to noise-free data (a closed-form check) was "not confirmed".
    private static func reachedOptimum(_ results: [OptimizationResult?], _ best: Double, winner: Int? = nil,
                                       exact: Bool) -> Int {
        // Two-sided: a start that ended further below `best` did not reach it; it went past it.
        let tolerance = optimumTolerance * abs(best)
        return results.indices.reduce(0) { count, i in
            guard let r = results[i] else { return count }
            return count + (i == winner || abs(r.value - best) <= tolerance || (exact && r.reason == .objectiveNegligible) ? 1 : 0)
        }
    }
}
