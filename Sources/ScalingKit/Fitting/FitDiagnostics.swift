/// How a multi-start fit found its optimum, and whether to trust it: the fields of scipy's `OptimizeResult` plus
/// the multi-start counts. One value, embedded in every fit result (`ChinchillaFit`, `LawFit`, `MultiPowerFit`),
/// so that the C layer maps it once and every binding reads the same fields.
public struct FitDiagnostics: Sendable, Equatable {
    /// The objective (summed loss over the points used) at the optimum.
    public var objective: Double
    /// ‖projected gradient‖∞ over the free parameters at the optimum, in the optimiser's coordinates.
    public var gradientNorm: Double
    /// Whether the reported optimum met every convergence test of its fit.
    public var converged: Bool
    /// Why the best start's optimiser stopped.
    public var reason: TerminationReason
    /// A sentence describing the outcome, with every caveat.
    public var message: String
    /// Iterations of the best start (including its polish).
    public var iterations: Int
    /// Objective evaluations over all starts.
    public var evaluations: Int
    /// Starting points screened.
    public var starts: Int
    /// Starts run to convergence (fewer than `starts` when screening stopped early).
    public var startsRefined: Int
    /// Refined starts whose local optimiser converged.
    public var startsConverged: Int
    /// Refined starts that reached the best objective (within a relative 10⁻⁹): how often the optimum was found.
    public var startsAtOptimum: Int
    /// Data points the fit used, after exclusions.
    public var pointsUsed: Int
    /// max over free coordinates of |projected ∂f/∂x| · max(|x|, 1) / |f| (Dennis & Schnabel 1983, §7.2); NaN
    /// where the fit does not measure it.
    public var relativeGradient: Double
    /// ½ gᵀH⁻¹g / |f| over the coordinates not held by a bound (the Newton decrement; Boyd & Vandenberghe 2004,
    /// §9.5.1); NaN where the Hessian is not positive definite or the fit does not measure it.
    public var predictedDecrease: Double
    /// The share of the objective one constant for every run would leave that the law removes: Koenker & Machado's
    /// (1999) R¹ = 1 − objective / (the same loss minimised by a constant), the usual R² for squared residuals. A
    /// fit below 0.1 found no trend and is not converged ("no better than a constant"); NaN where every
    /// observation is equal.
    public var explained: Double
    /// Runs that share every input but disagree by more than replicate seeds (mixed datasets, loss definitions or
    /// a learning-rate sweep); `.none` for fits of loss curves. The message ends with a note when there are any.
    public var repeated: RepeatedInputs
    /// Runs whose residual lies more than 12 robust standard deviations off the law (runs it does not describe);
    /// `.none` for fits of loss curves. The message ends with a note when there are any.
    public var outlying: OutlyingRuns

    /// The diagnostics of a multi-start outcome, with the fit's own verdict, message and point count.
    init(_ outcome: MultiStart.Outcome, converged: Bool, message: String, pointsUsed: Int,
         relativeGradient: Double = .nan, predictedDecrease: Double = .nan, explained: Double,
         repeated: RepeatedInputs = .none, outlying: OutlyingRuns = .none) {
        objective = outcome.best.value
        gradientNorm = outcome.best.gradientNorm
        self.converged = converged
        reason = outcome.reason
        self.message = converged ? message : TerminationReason.overruled(message)
        iterations = outcome.iterations
        evaluations = outcome.evaluations
        starts = outcome.starts
        startsRefined = outcome.startsRefined
        startsConverged = outcome.startsConverged
        startsAtOptimum = outcome.startsAtOptimum
        self.pointsUsed = pointsUsed
        self.relativeGradient = relativeGradient
        self.predictedDecrease = predictedDecrease
        self.explained = explained
        self.repeated = repeated
        self.outlying = outlying
    }

    /// The notes on the data a fit's message ends with, joined by "; " (each after "note: " in the message): runs
    /// that share every input but disagree, then outlying runs; nil with neither. `inputNames` names the law's inputs.
    public func dataNote(inputNames: [String]) -> String? {
        let notes = [repeated.note(inputNames: inputNames), outlying.note()].compactMap { $0 }
        return notes.isEmpty ? nil : notes.joined(separator: "; ")
    }

    /// Field by field, with NaN equal to NaN in the measures a fit may not take (so that a fit equals itself).
    public static func == (a: Self, b: Self) -> Bool {
        func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
        return a.objective == b.objective && a.gradientNorm == b.gradientNorm && a.converged == b.converged
            && a.reason == b.reason && a.message == b.message && a.iterations == b.iterations
            && a.evaluations == b.evaluations && a.starts == b.starts && a.startsRefined == b.startsRefined
            && a.startsConverged == b.startsConverged && a.startsAtOptimum == b.startsAtOptimum
            && a.pointsUsed == b.pointsUsed && same(a.relativeGradient, b.relativeGradient)
            && same(a.predictedDecrease, b.predictedDecrease) && same(a.explained, b.explained) && a.repeated == b.repeated
            && a.outlying == b.outlying
    }
}

/// A fit result that carries `FitDiagnostics`; its fields read (and write) through, so `fit.converged` and
/// `fit.diagnostics.converged` are one value.
public protocol DiagnosedFit {
    /// The fit's diagnostics.
    var diagnostics: FitDiagnostics { get set }
}

extension DiagnosedFit {
    /// `diagnostics.objective`.
    public var objective: Double { get { diagnostics.objective } set { diagnostics.objective = newValue } }
    /// `diagnostics.gradientNorm`.
    public var gradientNorm: Double { get { diagnostics.gradientNorm } set { diagnostics.gradientNorm = newValue } }
    /// `diagnostics.converged`.
    public var converged: Bool { get { diagnostics.converged } set { diagnostics.converged = newValue } }
    /// `diagnostics.reason`.
    public var reason: TerminationReason { get { diagnostics.reason } set { diagnostics.reason = newValue } }
    /// `diagnostics.message`.
    public var message: String { get { diagnostics.message } set { diagnostics.message = newValue } }
    /// `diagnostics.iterations`.
    public var iterations: Int { get { diagnostics.iterations } set { diagnostics.iterations = newValue } }
    /// `diagnostics.evaluations`.
    public var evaluations: Int { get { diagnostics.evaluations } set { diagnostics.evaluations = newValue } }
    /// `diagnostics.starts`.
    public var starts: Int { get { diagnostics.starts } set { diagnostics.starts = newValue } }
    /// `diagnostics.startsRefined`.
    public var startsRefined: Int { get { diagnostics.startsRefined } set { diagnostics.startsRefined = newValue } }
    /// `diagnostics.startsConverged`.
    public var startsConverged: Int { get { diagnostics.startsConverged } set { diagnostics.startsConverged = newValue } }
    /// `diagnostics.startsAtOptimum`.
    public var startsAtOptimum: Int { get { diagnostics.startsAtOptimum } set { diagnostics.startsAtOptimum = newValue } }
    /// `diagnostics.pointsUsed`.
    public var pointsUsed: Int { get { diagnostics.pointsUsed } set { diagnostics.pointsUsed = newValue } }
    /// `diagnostics.relativeGradient`.
    public var relativeGradient: Double { get { diagnostics.relativeGradient } set { diagnostics.relativeGradient = newValue } }
    /// `diagnostics.predictedDecrease`.
    public var predictedDecrease: Double { get { diagnostics.predictedDecrease } set { diagnostics.predictedDecrease = newValue } }
    /// `diagnostics.explained`.
    public var explained: Double { get { diagnostics.explained } set { diagnostics.explained = newValue } }
}
