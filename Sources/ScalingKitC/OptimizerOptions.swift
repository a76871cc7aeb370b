import CScalingKit
import ScalingKit

/// sk_optimizer_options, nested as `optimizer` in sk_chinchilla_options, sk_law_fit_options and sk_mpl_options:
/// converted here once, in both directions, to the core's `LBFGSOptions`, thread count and `StartScreening`.
extension sk_optimizer_options {
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
