#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `y = coefficient · x^exponent`, fitted by ordinary least squares on log10 y against log10 x, with the exponent's
/// standard error and a Student-t confidence interval (k − 2 degrees of freedom for k points).
///
/// The form of every scaling relation fitted through a handful of optima: N_opt ∝ C^a and D_opt ∝ C^b from IsoFLOP
/// minima (Hoffmann et al. 2022, Approach 2) or from the lower envelope (Approach 1).
public struct PowerLawFit: Sendable, Equatable {
    /// Exponent a of y = k·x^a.
    public var exponent: Double
    /// Coefficient k of y = k·x^a.
    public var coefficient: Double
    /// Standard error of the exponent; nil with only 2 points (no residual degrees of freedom).
    public var standardError: Double?
    /// The exponent's Student-t interval at `confidence`; nil with only 2 points.
    public var interval: ConfidenceInterval?
    /// Confidence level of the interval.
    public var confidence: Double
    /// R² of the log-log regression.
    public var rSquared: Double
    /// Points in the regression.
    public var points: Int

    /// coefficient · x^exponent.
    public func evaluate(_ x: Double) -> Double { coefficient * pow(x, exponent) }

    /// The same fit with its standard error and interval for points that come in `clusters` runs of dependent
    /// points rather than as independent ones: the variance of the exponent is multiplied by the design effect
    /// points/clusters (Kish 1965, *Survey Sampling*, §5.4, with the within-cluster correlation at its upper bound
    /// of 1) and the t quantile takes clusters − 2 degrees of freedom. Neither is defined below 3 clusters.
    ///
    /// Why: the lower envelope (Approach 1) evaluates a handful of runs at ~1,500 compute values, so a run that is
    /// best over a stretch of compute contributes hundreds of points that repeat one observation. Counting them as
    /// independent gave intervals ~10× too narrow (8 % coverage in simulation; 92 % with this correction).
    public func clustered(_ clusters: Int) -> PowerLawFit {
        var copy = self
        guard clusters >= 3, clusters <= points, let se = standardError else {
            copy.standardError = nil
            copy.interval = nil
            return copy
        }
        let inflated = se * (Double(points) / Double(clusters)).squareRoot()
        let t = StudentT.quantile(0.5 + 0.5 * confidence, degreesOfFreedom: Double(clusters - 2))
        copy.standardError = inflated
        copy.interval = ConfidenceInterval(lower: exponent - t * inflated, upper: exponent + t * inflated, level: confidence)
        return copy
    }

    /// y = coefficient · x^exponent for a relation given by its two numbers (a fit read back from C or Python),
    /// checked: x finite and > 0, both numbers finite.
    /// - Throws: `ScalingKitError` naming the bad value, or a result that overflows.
    public static func evaluate(coefficient: Double, exponent: Double, at x: Double) throws -> Double {
        guard coefficient.isFinite, exponent.isFinite else {
            throw ScalingKitError.invalid("the power law's coefficient and exponent must be finite (got \(coefficient), \(exponent))")
        }
        guard x.isFinite, x > 0 else { throw ScalingKitError.invalid("x must be finite and > 0 (got \(x))") }
        let y = coefficient * pow(x, exponent)
        guard y.isFinite else { throw ScalingKitError.invalid("\(coefficient) * \(x)^\(exponent) overflows a double") }
        return y
    }

    /// Fits the relation to positive, finite (x, y) pairs (at least 2 with distinct x).
    /// - Throws: `ScalingKitError` for fewer than 2 points, non-positive or non-finite values, equal x everywhere,
    ///   or a confidence outside (0, 1).
    public init(x: [Double], y: [Double], confidence: Double = 0.95) throws {
        guard x.count == y.count else { throw ScalingKitError.length("\(x.count) x values but \(y.count) y values") }
        guard x.count >= 2 else { throw ScalingKitError.length("\(x.count) point(s): a power law needs at least 2") }
        for (name, v) in [("x", x), ("y", y)] {
            if let i = v.firstIndex(where: { !$0.isFinite || $0 <= 0 }) {
                throw ScalingKitError.invalid("\(name)[\(i)] must be finite and > 0 (got \(v[i]))")
            }
        }
        guard confidence > 0, confidence < 1 else {
            throw ScalingKitError.invalid("confidence must be in (0, 1) (got \(confidence))")
        }
        let lx = x.map { log10($0) }, ly = y.map { log10($0) }
        let n = Double(lx.count)
        let mx = lx.reduce(0, +) / n, my = ly.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for (u, v) in zip(lx, ly) { sxx += (u - mx) * (u - mx); sxy += (u - mx) * (v - my); syy += (v - my) * (v - my) }
        guard sxx > 0 else { throw ScalingKitError.invalid("every x is the same: the exponent is not identified") }
        let slope = sxy / sxx
        let intercept = my - slope * mx
        var ssr = 0.0
        for (u, v) in zip(lx, ly) { let r = v - intercept - slope * u; ssr += r * r }
        exponent = slope
        coefficient = pow(10, intercept)
        self.confidence = confidence
        rSquared = syy > 0 ? 1 - ssr / syy : 1
        points = lx.count
        if lx.count >= 3 {
            // Var(slope) = σ²/Sxx with σ² = SSR/(k − 2) (any regression text, e.g. Draper & Smith 1998, §1.4).
            let se = (ssr / (n - 2) / sxx).squareRoot()
            let t = StudentT.quantile(0.5 + 0.5 * confidence, degreesOfFreedom: n - 2)
            standardError = se
            interval = ConfidenceInterval(lower: slope - t * se, upper: slope + t * se, level: confidence)
        }
    }
}
