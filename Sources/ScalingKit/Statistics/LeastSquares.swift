/// Ordinary least squares y = X·β for a few columns, with two estimates of the coefficients' covariance: the
/// textbook σ²(XᵀX)⁻¹, σ² = SSR/(n − p) (e.g. Draper & Smith 1998, §5.1), and White's (1980) heteroskedasticity-
/// consistent (XᵀX)⁻¹ (Σ eᵢ² xᵢxᵢᵀ) (XᵀX)⁻¹ · n/(n − p) (HC1, MacKinnon & White 1985). Variances take the larger
/// (Angrist & Pischke 2009, §8.1), as `FitCovariance` does for nonlinear fits: optima located at different model
/// sizes scatter unequally.
struct LeastSquares: Sendable, Equatable {
    let coefficients: [Double]
    /// Row-major p×p, textbook; nil without residual degrees of freedom (n = p).
    let covariance: [Double]?
    /// Row-major p×p, HC1; nil without residual degrees of freedom.
    let robustCovariance: [Double]?
    let residualDegreesOfFreedom: Int
    let sumOfSquares: Double

    /// `rows[i]` is row i of X. Nil when XᵀX is singular (the columns do not determine β).
    init?(rows: [[Double]], y: [Double]) {
        guard let p = rows.first?.count, rows.count >= p, rows.count == y.count else { return nil }
        var xtx = [Double](repeating: 0, count: p * p), xty = [Double](repeating: 0, count: p)
        for (r, yi) in zip(rows, y) {
            for i in 0..<p {
                xty[i] += r[i] * yi
                for j in 0..<p { xtx[i * p + j] += r[i] * r[j] }
            }
        }
        // (XᵀX)⁻¹ column by column, then β = (XᵀX)⁻¹Xᵀy.
        var inverse = [Double](repeating: 0, count: p * p)
        for j in 0..<p {
            var a = xtx, e = [Double](repeating: 0, count: p)
            e[j] = 1
            let ok = a.withUnsafeMutableBufferPointer { ap in e.withUnsafeMutableBufferPointer { Cholesky.solve(ap, $0, n: p) } }
            guard ok, e.allSatisfy(\.isFinite) else { return nil }
            for i in 0..<p { inverse[i * p + j] = e[i] }
        }
        let beta = (0..<p).map { i in (0..<p).reduce(0.0) { $0 + inverse[i * p + $1] * xty[$1] } }
        var ssr = 0.0
        for (r, yi) in zip(rows, y) {
            let fitted = zip(r, beta).reduce(0.0) { $0 + $1.0 * $1.1 }
            ssr += (yi - fitted) * (yi - fitted)
        }
        coefficients = beta
        sumOfSquares = ssr
        residualDegreesOfFreedom = rows.count - p
        covariance = residualDegreesOfFreedom > 0 ? inverse.map { $0 * ssr / Double(rows.count - p) } : nil
        guard residualDegreesOfFreedom > 0 else { robustCovariance = nil; return }
        var meat = [Double](repeating: 0, count: p * p)
        for (r, yi) in zip(rows, y) {
            let e = yi - zip(r, beta).reduce(0.0) { $0 + $1.0 * $1.1 }
            for i in 0..<p { for j in 0..<p { meat[i * p + j] += e * e * r[i] * r[j] } }
        }
        var robust = [Double](repeating: 0, count: p * p)
        let scale = Double(rows.count) / Double(residualDegreesOfFreedom)
        for i in 0..<p {
            for j in 0..<p {
                var v = 0.0
                for k in 0..<p { for l in 0..<p { v += inverse[i * p + k] * meat[k * p + l] * inverse[l * p + j] } }
                robust[i * p + j] = v * scale
            }
        }
        robustCovariance = robust
    }

    /// Var(cᵀβ) for a vector c: the larger of the textbook and the HC1 forms.
    func variance(of c: [Double]) -> Double? {
        guard let covariance else { return nil }
        let p = c.count
        func form(_ m: [Double]) -> Double {
            var v = 0.0
            for i in 0..<p { for j in 0..<p { v += c[i] * m[i * p + j] * c[j] } }
            return v
        }
        return max(form(covariance), robustCovariance.map(form) ?? 0)
    }

    /// The standard error of coefficient k (from `variance(of:)`).
    func standardError(_ k: Int) -> Double? {
        var c = [Double](repeating: 0, count: coefficients.count)
        c[k] = 1
        return variance(of: c)?.squareRoot()
    }
}
