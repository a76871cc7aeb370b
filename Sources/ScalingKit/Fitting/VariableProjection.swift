#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Solves for a law's linear parameters exactly, given the others (variable projection; Golub & Pereyra 1973).
///
/// At fixed nonlinear parameters θ a separable law is `f = φ₀ + Σₖ cₖ φₖ`, so the best coefficients are a small
/// weighted least-squares problem: minimise Σᵢ wᵢ (yᵢ − φ₀ᵢ − Σₖ cₖ φₖᵢ)² subject to the coefficients' bounds
/// (non-negative least squares where a bound says ≥ 0; Lawson & Hanson 1974, ch. 23). The basis is read off one
/// evaluation with the exact gradient: φₖ = ∂f/∂cₖ for a coefficient, and for a scale term `(p/x)^q` evaluated at
/// p = 1, φₖ = (∂f/∂p)/(±q). With log residuals the weights are 1/yᵢ², since log(f/y) ≈ (f − y)/y: the
/// projected problem is then the first-order model of the fit's own objective, used to place starts; the full
/// objective (Huber, log space) is minimised from them.
struct VariableProjection: Sendable {
    let bound: BoundExpression
    let observed: [Double]
    /// Inner least-squares weight per run.
    let weights: [Double]
    /// Eliminated parameters, in order.
    let linear: [LawStructure.Linear]
    /// Bounds on each eliminated coefficient cₖ (for a scale parameter, on c = p^(±q): > 0).
    let lower: [Double]
    let upper: [Double]
    let parameterIndex: [String: Int]

    init(bound: BoundExpression, observed: [Double], runWeights: [Double]?, logResiduals: Bool,
         linear: [LawStructure.Linear], law: ScalingLaw) {
        self.bound = bound
        self.observed = observed
        weights = observed.indices.map { i in
            let w = runWeights?[i] ?? 1
            return logResiduals ? w / (observed[i] * observed[i]) : w
        }
        self.linear = linear
        let tiny = 1e-300
        lower = linear.map { l in
            switch l.kind {
            case .coefficient:
                let lo = law.lowerBounds[l.parameter]
                return law.logScaled.contains(law.parameters[l.parameter]) ? max(lo, tiny) : lo
            case .scale: return tiny
            }
        }
        upper = linear.map { l in
            switch l.kind {
            case .coefficient: return law.upperBounds[l.parameter]
            case .scale: return .infinity
            }
        }
        parameterIndex = Dictionary(uniqueKeysWithValues: law.parameters.enumerated().map { ($1, $0) })
    }

    /// Replaces the eliminated parameters of `values` (the full parameter vector, nonlinear ones set) by their
    /// least-squares values. Returns false, leaving `values` unusable, where the law or its basis is not finite.
    func complete(_ values: inout [Double]) -> Bool {
        let k = linear.count
        guard k > 0 else { return true }
        var degree = [Double](repeating: 1, count: k)
        for (m, l) in linear.enumerated() {
            switch l.kind {
            case .coefficient: values[l.parameter] = 0
            case let .scale(expression, sign):
                values[l.parameter] = 1
                let q = values.withUnsafeBufferPointer { LawStructure.evaluate(expression, $0, parameterIndex) }
                guard q.isFinite, q != 0 else { return false }
                degree[m] = sign * q
            }
        }
        var gram = [Double](repeating: 0, count: k * k), rhs = [Double](repeating: 0, count: k)
        var phi = [Double](repeating: 0, count: k)
        var finite = true
        values.withUnsafeBufferPointer { p in
            bound.forEachPoint(parameters: p, withGradient: true) { i, v, dv in
                guard finite else { return }
                var base = v
                for (m, l) in linear.enumerated() {
                    switch l.kind {
                    case .coefficient: phi[m] = dv[l.parameter]
                    case .scale: phi[m] = dv[l.parameter] / degree[m]; base -= phi[m]
                    }
                }
                let z = observed[i] - base, w = weights[i]
                guard z.isFinite, phi.allSatisfy(\.isFinite) else { finite = false; return }
                for a in 0..<k {
                    rhs[a] += w * phi[a] * z
                    for b in 0...a { gram[a * k + b] += w * phi[a] * phi[b] }
                }
            }
        }
        guard finite else { return false }
        for a in 0..<k { for b in 0..<a { gram[b * k + a] = gram[a * k + b] } }
        guard let c = BoundedLeastSquares.solve(gram: gram, rhs: rhs, lower: lower, upper: upper) else { return false }
        for (m, l) in linear.enumerated() {
            switch l.kind {
            case .coefficient: values[l.parameter] = c[m]
            case .scale:
                // c = p^degree, p > 0.
                let p = exp(log(max(c[m], 1e-300)) / degree[m])
                guard p.isFinite, p > 0 else { return false }
                values[l.parameter] = p
            }
        }
        return true
    }
}

/// min cᵀGc − 2bᵀc subject to lower ≤ c ≤ upper, for a handful of unknowns, exactly: the optimum of this convex
/// quadratic programme is the unconstrained minimiser over some set of free variables with the others at a bound
/// (the active-set characterisation; Lawson & Hanson 1974, ch. 23), so every such set is tried and the best feasible
/// candidate kept. Columns are scaled to unit diagonal first, so bases of very different magnitude (1 and N^-α)
/// do not spoil the factorisation.
enum BoundedLeastSquares {
    /// Most active-set patterns tried; beyond, the unconstrained solution is clipped to the box.
    static let maxPatterns = 4096

    static func solve(gram: [Double], rhs: [Double], lower: [Double], upper: [Double]) -> [Double]? {
        let k = rhs.count
        var scale = [Double](repeating: 1, count: k)
        for a in 0..<k {
            let d = gram[a * k + a]
            guard d.isFinite else { return nil }
            scale[a] = d > 0 ? 1 / d.squareRoot() : 0
        }
        // Scaled problem: c = s·u, G' = S G S, b' = S b.
        var g = [Double](repeating: 0, count: k * k), b = [Double](repeating: 0, count: k)
        for a in 0..<k {
            b[a] = rhs[a] * scale[a]
            for c in 0..<k { g[a * k + c] = gram[a * k + c] * scale[a] * scale[c] }
        }
        let lo = (0..<k).map { scale[$0] > 0 ? lower[$0] / scale[$0] : lower[$0] }
        let hi = (0..<k).map { scale[$0] > 0 ? upper[$0] / scale[$0] : upper[$0] }
        // A zero basis (its coefficient does not change the fit): hold it at the feasible value nearest 0.
        let dead = (0..<k).map { scale[$0] == 0 }
        func feasibleZero(_ a: Int) -> Double { min(max(0, lower[a]), upper[a]) }

        // States per variable: 0 free, 1 at lower, 2 at upper.
        var choices: [[Int]] = []
        for a in 0..<k {
            if dead[a] { choices.append([1]); continue }
            var s = [0]
            if lo[a].isFinite { s.append(1) }
            if hi[a].isFinite { s.append(2) }
            choices.append(s)
        }
        let patterns = choices.reduce(1) { $0 * $1.count }
        func objective(_ u: [Double]) -> Double {
            var f = 0.0
            for a in 0..<k where !dead[a] {
                var s = 0.0
                for c in 0..<k where !dead[c] { s += g[a * k + c] * u[c] }
                f += u[a] * s - 2 * b[a] * u[a]
            }
            return f
        }
        func unscale(_ u: [Double]) -> [Double] {
            (0..<k).map { dead[$0] ? feasibleZero($0) : u[$0] * scale[$0] }
        }
        var best: [Double]?, bestValue = Double.infinity
        var state = [Int](repeating: 0, count: k), u = [Double](repeating: 0, count: k)
        func tryPattern() {
            let free = (0..<k).filter { !dead[$0] && state[$0] == 0 }
            for a in 0..<k where dead[a] || state[a] != 0 { u[a] = dead[a] ? 0 : (state[a] == 1 ? lo[a] : hi[a]) }
            if !free.isEmpty {
                let m = free.count
                var h = [Double](repeating: 0, count: m * m), r = [Double](repeating: 0, count: m)
                for (x, a) in free.enumerated() {
                    var s = b[a]
                    for c in 0..<k where !free.contains(c) && !dead[c] { s -= g[a * k + c] * u[c] }
                    r[x] = s
                    for (y, c) in free.enumerated() { h[x * m + y] = g[a * k + c] }
                }
                // Relative jitter: nearly collinear bases (α → 0 makes N^-α ≈ 1, E's basis) stay solvable.
                for x in 0..<m { h[x * m + x] *= 1 + 1e-12 }
                let ok = h.withUnsafeMutableBufferPointer { hp in
                    r.withUnsafeMutableBufferPointer { Cholesky.solve(hp, $0, n: m) }
                }
                guard ok else { return }
                for (x, a) in free.enumerated() {
                    guard r[x] >= lo[a] - 1e-12 * max(1, abs(lo[a])), r[x] <= hi[a] + 1e-12 * max(1, abs(hi[a])) else { return }
                    u[a] = min(max(r[x], lo[a]), hi[a])
                }
            }
            let f = objective(u)
            if f < bestValue { bestValue = f; best = u }
        }
        if patterns <= maxPatterns {
            var index = 0
            while index < patterns {
                var i = index
                for a in 0..<k { state[a] = choices[a][i % choices[a].count]; i /= choices[a].count }
                tryPattern()
                index += 1
            }
        } else {
            for a in 0..<k { state[a] = dead[a] ? 1 : 0 }
            tryPattern()
            if best == nil { return nil }
        }
        return best.map(unscale)
    }
}
