/// Parameters that a fit's data leave weakly determined: their standard error at the optimum exceeds their value.
///
/// Why: a multi-power law fit can converge, and predict new schedules well, with parameters that the curves do not
/// pin down one by one: C and γ enter mostly through C·η^(−γ), B with β through B·β. On three of Luo et al.'s 25M
/// curves (every other point) the converged fit has C = 0.354 ± 0.406 (published: 2.07), and its predictions of six
/// unseen schedules come within 1.3× of the published parameters' PredE. A refit without the cosine curve
/// of the test suite's synthetic set stalls at C = 37 ± 721 and γ = 0.28 ± 2.1 (true 2 and 0.6, correlation
/// 0.999997), where the stall's advice, more starts, does not help. The note says which values not to read, and why
/// the fit may still predict. Fits whose data determine every parameter stay far below the threshold (the synthetic
/// set's full fit: relative standard errors ≤ 0.13).
///
/// The covariance is Huber's for a regression M-estimator, [Σψ(rᵢ)²/(n − p)] / [(1/n)Σψ'(rᵢ)]² · (JᵀJ)⁻¹ with J the
/// Jacobian of the residuals over the free parameters (Huber 1981, "Robust Statistics", §7.6, without the small-sample
/// factor K); for squared residuals it is least squares' s²·(JᵀJ)⁻¹ (Seber & Wild 2003, "Nonlinear Regression",
/// §2.1.2). Residuals along a loss curve are autocorrelated, which makes these errors too small, so a parameter
/// flagged here is if anything more loosely determined than said; they are not offered as intervals.
public struct WeaklyDetermined: Sendable, Equatable {
    /// One weakly determined parameter.
    public struct Parameter: Sendable, Equatable {
        /// The parameter's name.
        public var name: String
        /// Its fitted value.
        public var value: Double
        /// Its standard error at the optimum, from Huber's covariance (larger than |value|).
        public var standardError: Double
        /// The free parameter it is most correlated with, where that correlation is at least 0.9 in size.
        public var partner: String?
        /// That correlation; NaN without a partner.
        public var correlation: Double

        /// Field by field, NaN equal to NaN.
        public static func == (a: Self, b: Self) -> Bool {
            a.name == b.name && a.value == b.value && a.standardError == b.standardError && a.partner == b.partner
                && (a.correlation == b.correlation || (a.correlation.isNaN && b.correlation.isNaN))
        }
    }

    /// The weakly determined parameters, in parameter order; empty when the data determine every free one.
    public var parameters: [Parameter]

    /// None weakly determined (or not measured).
    public static let none = WeaklyDetermined(parameters: [])

    /// Measures the free parameters at an optimum `values` from its `residuals` (n) and their Jacobian (row-major n × m,
    /// m = `names.count`) under the fit's Huber loss: `free` lists the columns not held on a bound. `.none` where
    /// JᵀJ over them is singular (then the fit's identification check speaks), no residual lies in the Huber
    /// loss's quadratic region, or there are no more residuals than free parameters.
    init(values: [Double], residuals r: [Double], jacobian J: [Double], free: [Int], names: [String], huber: Huber) {
        let n = r.count, m = names.count, p = free.count
        guard p > 0, n > p, values.count == m, J.count == n * m else { self = .none; return }
        // Columns scaled to unit norm, so that the Cholesky factorisation sees correlations, not units.
        var norms = [Double](repeating: 0, count: p)
        for i in 0..<n { for (a, k) in free.enumerated() { norms[a] += J[i * m + k] * J[i * m + k] } }
        norms = norms.map { $0.squareRoot() }
        guard norms.allSatisfy({ $0 > 0 && $0.isFinite }) else { self = .none; return }
        var gram = [Double](repeating: 0, count: p * p)
        for i in 0..<n {
            for a in 0..<p {
                let ja = J[i * m + free[a]] / norms[a]
                for b in a..<p { gram[a * p + b] += ja * J[i * m + free[b]] / norms[b] }
            }
        }
        for a in 0..<p { for b in 0..<a { gram[a * p + b] = gram[b * p + a] } }
        var sumPsi2 = 0.0, quadratic = 0
        for ri in r {
            let psi = huber.derivative(ri)
            sumPsi2 += psi * psi
            if abs(ri) <= huber.delta { quadratic += 1 }
        }
        guard quadratic > 0, sumPsi2.isFinite else { self = .none; return }
        let share = Double(quadratic) / Double(n)
        let scale = sumPsi2 / Double(n - p) / (share * share)
        // (JᵀJ)⁻¹ column by column; a factorisation that fails means the Gram matrix is singular.
        var inverse = [Double](repeating: 0, count: p * p)
        var work = [Double](repeating: 0, count: p * p), column = [Double](repeating: 0, count: p)
        for j in 0..<p {
            work = gram
            for i in 0..<p { column[i] = i == j ? 1 : 0 }
            let ok = work.withUnsafeMutableBufferPointer { a in
                column.withUnsafeMutableBufferPointer { b in Cholesky.solve(a, b, n: p) }
            }
            guard ok, column.allSatisfy(\.isFinite) else { self = .none; return }
            for i in 0..<p { inverse[i * p + j] = column[i] }
        }
        var found: [Parameter] = []
        for a in 0..<p {
            let value = values[free[a]], se = (scale * inverse[a * p + a]).squareRoot() / norms[a]
            guard se.isFinite, se > abs(value) else { continue }
            var partner: String?, correlation = Double.nan
            for b in 0..<p where b != a {
                let c = inverse[a * p + b] / (inverse[a * p + a] * inverse[b * p + b]).squareRoot()
                if abs(c) >= 0.9, !(abs(c) <= abs(correlation)) { partner = names[free[b]]; correlation = c }
            }
            found.append(Parameter(name: names[free[a]], value: value, standardError: se, partner: partner,
                                   correlation: correlation))
        }
        parameters = found
    }

    private init(parameters: [Parameter]) { self.parameters = parameters }

    /// The note a fit's message ends with (after "note: "), or nil when none is weakly determined.
    public func note() -> String? {
        guard !parameters.isEmpty else { return nil }
        let each = parameters.map { q in
            "\(q.name) = \(FitSearch.format(q.value)) ± \(FitSearch.format(q.standardError))"
                + (q.partner.map { ", correlation \(FitSearch.format(q.correlation)) with \($0)" } ?? "")
        }
        return "weakly determined: \(each.joined(separator: "; ")) (standard errors at the optimum, larger than the "
            + "values): the data fix a combination of parameters, not each value; read predictions, validated on "
            + "held-out curves, rather than these values"
    }
}
