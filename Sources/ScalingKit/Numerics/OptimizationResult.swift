/// Why an optimiser stopped. Modelled on scipy.optimize's `status` and `message`.
public enum TerminationReason: String, Sendable, Equatable, CaseIterable {
    /// The relative gradient fell below the gradient tolerance.
    case gradientTolerance
    /// The relative decrease of f over one iteration fell below the function tolerance.
    case functionTolerance
    /// No step decreases f any more and f is at most 10⁻¹⁶ of its starting value: an exact fit to working precision,
    /// where relative tests on f or ∇f can no longer be met.
    case objectiveNegligible
    /// No step decreases f any more, and the gradient has shrunk by 10⁸ from the start or the quasi-Newton model
    /// predicts a decrease below 10⁻¹² of f: a stationary point found to the precision of the objective (typical
    /// of near-exact fits, where f is tiny and the relative gradient test cannot pass).
    case precisionLimit
    /// The iteration limit was reached first.
    case maxIterations
    /// No step along the search direction decreased f (usually: at the limit of floating-point precision).
    case lineSearchFailed
    /// The objective was not finite at the starting point.
    case nonFiniteStart

    /// Whether the reason counts as convergence.
    public var isConverged: Bool {
        self == .gradientTolerance || self == .functionTolerance || self == .objectiveNegligible || self == .precisionLimit
    }

    /// A sentence for people: the verdict ("converged" or "stopped") and the test the optimiser stopped on.
    public var message: String { (isConverged ? "converged: " : "stopped: ") + test }

    /// The test the optimiser stopped on, without a verdict.
    var test: String {
        switch self {
        case .gradientTolerance: "relative gradient below tolerance"
        case .functionTolerance: "relative reduction of the objective below tolerance"
        case .objectiveNegligible: "objective negligible (an exact fit to working precision)"
        case .precisionLimit: "stationary to working precision (no further decrease representable)"
        case .maxIterations: "iteration limit reached before convergence"
        case .lineSearchFailed: "line search found no decrease (precision limit or non-smooth point)"
        case .nonFiniteStart: "objective is not finite at the starting point"
        }
    }

    /// `message` with the optimiser's "converged: …" relabelled where the fit's own checks overrule it (a stall, an
    /// unconfirmed or unidentified optimum, no trend): a message that opens "stalled" must not also say "converged".
    static func overruled(_ message: String) -> String {
        allCases.filter(\.isConverged).reduce(message) { text, reason in
            text.replacing(reason.message, with: "the optimiser stopped on its test: " + reason.test)
        }
    }
}

/// The outcome of one local minimisation.
public struct OptimizationResult: Sendable, Equatable {
    /// The final point.
    public var x: [Double]
    /// f(x).
    public var value: Double
    /// ‖∇f(x)‖∞.
    public var gradientNorm: Double
    /// Completed iterations (accepted steps).
    public var iterations: Int
    /// Objective-and-gradient evaluations, line-search trials included.
    public var evaluations: Int
    /// Why the optimizer stopped.
    public var reason: TerminationReason

    /// Whether `reason` is a convergence test (not a limit or a failure).
    public var converged: Bool { reason.isConverged }
}
