/// Ordinary least squares y = X·β for a few columns, with the coefficients' covariance σ²(XᵀX)⁻¹,
/// σ² = SSR/(n − p) (any regression text, e.g. Draper & Smith 1998, §5.1).
struct LeastSquares: Sendable, Equatable {
    let coefficients: [Double]
    /// Row-major p×p; nil without residual degrees of freedom (n = p).
    let covariance: [Double]?
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
    }

    /// Var(cᵀβ) for a vector c.
    func variance(of c: [Double]) -> Double? {
        guard let covariance else { return nil }
        let p = c.count
        var v = 0.0
        for i in 0..<p { for j in 0..<p { v += c[i] * covariance[i * p + j] * c[j] } }
        return v
    }
}
