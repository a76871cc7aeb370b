#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which parameters the data cannot determine at a fitted optimum.
///
/// A parameter is locally identified when its column of the residual Jacobian ∂r/∂θ is not a linear combination
/// of the other columns (Rothenberg 1971, "Identification in Parametric Models", Econometrica 39(3), Theorem 1:
/// local identifiability ⇔ a non-singular information matrix JᵀJ). Pathological but legal sweeps break it: every
/// run at one model size leaves A and α of A/N^α free to trade against E, and the optimiser then "converges" to an
/// arbitrary point of a valley. The test: a pivoted Cholesky factorisation of the Gram matrix of the unit-normalised
/// columns; a pivot below `tolerance` means that column is (numerically) a combination of those already taken.
/// Exact collinearity leaves pivots near 1e-16; the strongest correlations of real fits (A with α on the Epoch
/// Chinchilla data: smallest eigenvalue of the normalised Gram matrix 1.0e-4) stay far above, so the default 1e-10
/// separates the two.
enum Identifiability {
    /// Indices of the columns of the row-major `rows × columns` matrix `J` that are not identified (zero, non-finite,
    /// or within `tolerance` of the span of the others), in pivot order.
    static func unidentified(jacobian J: [Double], rows n: Int, columns m: Int, tolerance: Double = 1e-10) -> [Int] {
        guard n > 0, m > 0, J.count == n * m else { return [] }
        var norms = [Double](repeating: 0, count: m)
        for i in 0..<n { for k in 0..<m { norms[k] += J[i * m + k] * J[i * m + k] } }
        var bad: [Int] = [], live: [Int] = []
        for k in 0..<m {
            if norms[k].isFinite && norms[k] > 0 { live.append(k) } else { bad.append(k) }
        }
        let q = live.count
        guard q > 0 else { return bad }
        // Gram matrix of the normalised live columns (unit diagonal).
        var G = [Double](repeating: 0, count: q * q)
        for a in 0..<q {
            for b in a..<q {
                var s = 0.0
                for i in 0..<n { s += J[i * m + live[a]] * J[i * m + live[b]] }
                let v = s / (norms[live[a]] * norms[live[b]]).squareRoot()
                G[a * q + b] = v; G[b * q + a] = v
            }
        }
        // Pivoted Cholesky (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §10.3).
        var order = Array(0..<q)
        for j in 0..<q {
            var best = j
            for t in j..<q where G[order[t] * q + order[t]] > G[order[best] * q + order[best]] { best = t }
            order.swapAt(j, best)
            let pj = order[j], d = G[pj * q + pj]
            guard d.isFinite, d > tolerance else {
                bad += order[j...].map { live[$0] }
                break
            }
            let r = d.squareRoot()
            for t in (j + 1)..<q {
                let pt = order[t]
                G[pt * q + pj] /= r
            }
            for t in (j + 1)..<q {
                let pt = order[t]
                for u in (j + 1)..<q {
                    let pu = order[u]
                    G[pt * q + pu] -= G[pt * q + pj] * G[pu * q + pj]
                }
            }
        }
        return bad
    }

    /// The sentence a fit's message starts with when `names` are not identified.
    /// `lookalikes`: parameters that differ from a data column only in case (`CompiledExpression.columnLookalikes`);
    /// an unidentified one is named first, as the likely cause. `advice`: what would identify them (by default,
    /// more varied inputs or fixed parameters).
    static func message(_ names: [String], lookalikes: [String: String] = [:], advice: String? = nil) -> String {
        let list = names.joined(separator: ", ")
        let typos = names.compactMap { p in lookalikes[p].map { "'\(p)' is fitted as a parameter, but the data have the column '\($0)'" } }
        let hint = typos.isEmpty ? "" : " (\(typos.joined(separator: "; ")): names are case-sensitive; write the column's name)"
        let fix = advice ?? "vary the inputs more, or fix \(names.count == 1 ? "it" : "some")"
        return "not identified: the data do not determine \(list)\(hint) (\(names.count == 1 ? "its" : "their") effect on the "
            + "predictions is a combination of the other parameters'; \(fix)); "
    }
}

extension LawObjective {
    /// Free coordinates that the data leave undetermined at `x`.
    func unidentified(at x: [Double]) -> [Int] {
        let n = residualCount, m = dimension
        guard n > 0, m > 0 else { return [] }
        var r = [Double](repeating: 0, count: n), J = [Double](repeating: 0, count: n * m)
        x.withUnsafeBufferPointer { xb in
            r.withUnsafeMutableBufferPointer { rb in
                J.withUnsafeMutableBufferPointer { jb in evaluate(xb, residuals: rb, jacobian: jb) }
            }
        }
        return Identifiability.unidentified(jacobian: J, rows: n, columns: m)
    }
}
