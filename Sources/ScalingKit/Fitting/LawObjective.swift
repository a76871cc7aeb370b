#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Σᵢ wᵢ ρ(rᵢ) for a law bound to data, as a function of its free parameters (the fixed ones are held in
/// `template`). Gradient: ρ'(rᵢ) · ∂rᵢ/∂prediction · ∂prediction/∂θ, the last from the expression's reverse sweep.
struct LawObjective: DifferentiableObjective, Sendable {
    let bound: BoundExpression
    let observed: [Double]
    let logObserved: [Double]
    var weights: [Double]?
    let loss: FitLoss
    let predictsLog: Bool
    /// Parameter index of each optimisation coordinate.
    let free: [Int]
    /// Full parameter vector with the fixed values in place.
    let template: [Double]
    /// Per free coordinate: whether it is the log of its parameter.
    let logCoordinate: [Bool]

    var dimension: Int { free.count }

    /// Residual of run i for the law's value v, and ∂residual/∂v (log or linear space; value or log-value laws).
    @inline(__always)
    func residual(_ v: Double, _ i: Int, _ space: FitLoss.Space) -> (Double, Double) {
        switch (space, predictsLog) {
        case (.log, false): return (log(v) - logObserved[i], 1 / v)
        case (.log, true): return (v - logObserved[i], 1)
        case (.linear, false): return (v - observed[i], 1)
        case (.linear, true): let ev = exp(v); return (ev - observed[i], ev)
        }
    }

    func evaluate(_ x: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>) -> Double {
        let p = template.count
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * p) { buf in
            let full = UnsafeMutableBufferPointer(rebasing: buf[0..<p])
            let gFull = UnsafeMutableBufferPointer(rebasing: buf[p..<(2 * p)])
            for j in 0..<p { full[j] = template[j]; gFull[j] = 0 }
            for (k, j) in free.enumerated() { full[j] = logCoordinate[k] ? exp(x[k]) : x[k] }
            var f = 0.0
            let space = loss.space
            bound.forEachPoint(parameters: UnsafeBufferPointer(full), withGradient: true) { i, v, dv in
                let (r, dr) = residual(v, i, space)
                let (rho, psi) = loss.evaluate(r)
                let w = weights?[i] ?? 1
                f += w * rho
                let c = w * psi * dr
                for j in 0..<p { gFull[j] += c * dv[j] }
            }
            // Chain rule for log coordinates: ∂f/∂log θ = θ · ∂f/∂θ.
            for (k, j) in free.enumerated() { g[k] = logCoordinate[k] ? gFull[j] * full[j] : gFull[j] }
            return f
        }
    }
}

/// The same objective as residuals for Levenberg–Marquardt (squared loss only): rᵢ' = √wᵢ · rᵢ, so that
/// ½ Σ rᵢ'² equals `evaluate` with `FitLoss(.squared)`; the over-prediction weight enters wᵢ by the sign of rᵢ.
extension LawObjective: LeastSquaresObjective {
    var residualCount: Int { bound.count }

    func evaluate(_ x: UnsafeBufferPointer<Double>, residuals out: UnsafeMutableBufferPointer<Double>,
                  jacobian J: UnsafeMutableBufferPointer<Double>) {
        let p = template.count, m = free.count
        withUnsafeTemporaryAllocation(of: Double.self, capacity: p) { full in
            for j in 0..<p { full[j] = template[j] }
            for (k, j) in free.enumerated() { full[j] = logCoordinate[k] ? exp(x[k]) : x[k] }
            let space = loss.space
            bound.forEachPoint(parameters: UnsafeBufferPointer(full), withGradient: true) { i, v, dv in
                let (r, dr) = residual(v, i, space)
                let w = (weights?[i] ?? 1) * (r > 0 ? loss.overPredictionWeight : 1)
                let s = w.squareRoot()
                out[i] = s * r
                for (k, j) in free.enumerated() {
                    J[i * m + k] = s * dr * dv[j] * (logCoordinate[k] ? full[j] : 1)
                }
            }
        }
    }
}
