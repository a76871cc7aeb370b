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

    /// The observations residuals are taken against: their logs for log residuals, else the values.
    var targets: [Double] { loss.space == .log ? logObserved : observed }

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
            // The per-point part, with every branch on the options taken once per call, not per point.
            let logTarget = loss.space == .log
            let target = targets
            let exponentiate = predictsLog && !logTarget, takeLog = logTarget && !predictsLog
            let opw = loss.overPredictionWeight
            var delta = Double.infinity
            if case let .huber(d) = loss.kind { delta = d }
            let f = target.withUnsafeBufferPointer { y in
                (weights ?? []).withUnsafeBufferPointer { wp in
                    let weighted = weights != nil
                    return bound.sum(parameters: UnsafeBufferPointer(full), gradient: gFull) { start, values, seeds in
                        var s = 0.0
                        for i in 0..<values.count {
                            // Residual and ∂r/∂v (see `residual`): log or linear, value or log-value laws.
                            let v = values[i]
                            var r: Double, dr: Double
                            if takeLog { r = log(v) - y[start + i]; dr = 1 / v }
                            else if exponentiate { let e = exp(v); r = e - y[start + i]; dr = e }
                            else { r = v - y[start + i]; dr = 1 }
                            // Huber (squared when δ = ∞), times the over-prediction and run weights.
                            let a = abs(r)
                            let rho = a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta)
                            let psi = Swift.min(Swift.max(r, -delta), delta)
                            let w = (r > 0 ? opw : 1) * (weighted ? wp[start + i] : 1)
                            s += w * rho
                            seeds[i] = w * psi * dr
                        }
                        return s
                    }
                }
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
