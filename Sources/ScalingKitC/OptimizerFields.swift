import CScalingKit
import ScalingKit

/// The optimiser and start-screening fields that sk_chinchilla_options, sk_law_fit_options and sk_mpl_options share
/// (same names, same meaning): converted here once, in both directions.
protocol COptimizerFields {
    var max_iterations: Int { get set }
    var gradient_tolerance: Double { get set }
    var function_tolerance: Double { get set }
    var threads: Int { get set }
    var screen_refine: Int { get set }
    var screen_confirmations: Int { get set }
}

extension sk_chinchilla_options: COptimizerFields {}
extension sk_law_fit_options: COptimizerFields {}
extension sk_mpl_options: COptimizerFields {}

extension COptimizerFields {
    /// Writes the core's defaults (for the `_init` functions).
    mutating func setDefaults(optimizer: LBFGSOptions, threads: Int, screening: StartScreening) {
        max_iterations = optimizer.maxIterations
        gradient_tolerance = optimizer.gradientTolerance
        function_tolerance = optimizer.functionTolerance
        self.threads = threads
        screen_refine = screening.refine
        screen_confirmations = screening.confirmations
    }

    /// Reads the fields into the core's options, checking the counts only C can get wrong (size_t beyond Int).
    func apply(to optimizer: inout LBFGSOptions, threads: inout Int, screening: inout StartScreening)
        throws(ScalingKitError)
    {
        optimizer.maxIterations = try optionCount(max_iterations, "max_iterations")
        optimizer.gradientTolerance = gradient_tolerance
        optimizer.functionTolerance = function_tolerance
        threads = try optionCount(self.threads, "threads")
        screening = StartScreening(refine: try optionCount(screen_refine, "screen_refine"),
                                   confirmations: try optionCount(screen_confirmations, "screen_confirmations"))
    }
}
