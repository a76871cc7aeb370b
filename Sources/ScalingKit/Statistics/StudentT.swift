#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Student's t distribution: the CDF through the regularised incomplete beta function, and its quantile by
/// bisection on the CDF. Needed for confidence intervals of regression slopes fitted to a handful of points
/// (an IsoFLOP sweep has 5–10 budgets), where the normal quantile would be too narrow.
enum StudentT {
    /// P(T ≤ t) for ν > 0 degrees of freedom: 1 − ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0 (Abramowitz & Stegun 26.7.1 with
    /// 26.5.27), mirrored for t < 0.
    static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        let x = nu / (nu + t * t)
        let tail = 0.5 * IncompleteBeta.regularized(x, a: 0.5 * nu, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The t with P(T ≤ t) = p, for 0 < p < 1, to about 1e-12 relative.
    static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(p > 0 && p < 1 && nu > 0)
        if p == 0.5 { return 0 }
        if p < 0.5 { return -quantile(1 - p, degreesOfFreedom: nu) }
        var lo = 0.0, hi = 1.0
        while cdf(hi, degreesOfFreedom: nu) < p { hi *= 2; if hi > 1e12 { return hi } }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if cdf(mid, degreesOfFreedom: nu) < p { lo = mid } else { hi = mid }
            if hi - lo <= 1e-13 * hi { break }
        }
        return 0.5 * (lo + hi)
    }
}

/// The regularised incomplete beta function I_x(a, b), by the continued fraction of Abramowitz & Stegun 26.5.8
/// evaluated with the modified Lentz method (Press et al., *Numerical Recipes*, 3rd ed., §6.4 and §5.2).
enum IncompleteBeta {
    static func regularized(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        // The fraction converges fast for x < (a + 1)/(a + b + 2); otherwise use I_x(a, b) = 1 − I_{1−x}(b, a).
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * continuedFraction(1 - x, a: b, b: a) / b
    }

    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...300 {
            let m = Double(m)
            // Even step: d_{2m} = m(b − m)x / ((a + 2m − 1)(a + 2m)).
            var coefficient = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + coefficient * d; if abs(d) < tiny { d = tiny }
            c = 1 + coefficient / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            // Odd step: d_{2m+1} = −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)).
            coefficient = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + coefficient * d; if abs(d) < tiny { d = tiny }
            c = 1 + coefficient / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }
}
