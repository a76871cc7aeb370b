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

    /// A sentence for people.
    public var message: String {
        switch self {
        case .gradientTolerance: "converged: relative gradient below tolerance"
        case .functionTolerance: "converged: relative reduction of the objective below tolerance"
        case .objectiveNegligible: "converged: objective negligible (an exact fit to working precision)"
        case .precisionLimit: "converged: stationary to working precision (no further decrease representable)"
        case .maxIterations: "stopped: iteration limit reached before convergence"
        case .lineSearchFailed: "stopped: line search found no decrease (precision limit or non-smooth point)"
        case .nonFiniteStart: "stopped: objective is not finite at the starting point"
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
