/// An interval estimate of one quantity at a stated coverage: the one interval type of the library.
///
/// Every result that bounds a single number carries one: the bootstrap's percentile intervals, the Student-t
/// intervals of the log-log regressions (IsoFLOP and envelope exponents, hyperparameter laws), the delta-method
/// intervals of a parabola's vertex, the noise scale's interval and the batch trade-off's. Where the interval is not
/// defined (no residual degrees of freedom, too few measurements) the result holds `nil`, never NaN ends.
/// Intervals around a law's predictions at many inputs come as `PredictionIntervals` (one `ConfidenceInterval`
/// per input through `PredictionIntervals.interval(at:)`), which adds the interval's kind.
public struct ConfidenceInterval: Sendable, Equatable {
    /// Lower end.
    public var lower: Double
    /// Upper end.
    public var upper: Double
    /// Nominal coverage, in (0, 1) (e.g. 0.95).
    public var level: Double

    /// An interval from `lower` to `upper` (lower ≤ upper) at nominal coverage `level`.
    public init(lower: Double, upper: Double, level: Double) {
        self.lower = lower
        self.upper = upper
        self.level = level
    }

    /// Whether `x` lies in the closed interval.
    public func contains(_ x: Double) -> Bool { lower <= x && x <= upper }

    /// upper / lower: the interval's width as a factor, the natural measure for a positive quantity read on a log
    /// scale (a noise scale, a critical batch, an optimal learning rate).
    public var ratio: Double { upper / lower }
}
