#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hyperparameter scaling laws fitted from your own sweep (the approach of Step Law, Li et al. 2025, and DeepSeek
/// LLM, Bi et al. 2024): locate the optimal learning rate (and batch size) of every (N, D) cell, then fit
/// η_opt = k·N^a·D^b and B_opt = k'·D^b' through the optima.
public enum HyperparameterSweep {
    /// The runs of one (N, D, batch): the loss against ln η fitted by a parabola (Step Law shows the loss is convex
    /// in ln η near the optimum), its vertex η*, and a delta-method interval on it.
    public struct Cell: Sendable, Equatable {
        public var parameters: Double
        public var tokens: Double
        public var batch: Double
        public var runs: Int
        public var learningRates: Int
        /// nil when there is no interior minimum (then `note` says why).
        public var optimalLearningRate: Double?
        public var lower: Double?
        public var upper: Double?
        public var optimalLoss: Double?
        public var note: String
    }

    /// A power law in N and D fitted by least squares on logs: y = k·N^a·D^b. An exponent is nil when its variable
    /// does not vary across the optima (it is then not identified).
    public struct Law: Sendable, Equatable {
        public var coefficient: Double
        public var exponentN: Double?
        public var exponentD: Double?
        public var standardErrorN: Double?
        public var standardErrorD: Double?
        public var points: Int
        let fit: LeastSquares

        /// The law's value and a confidence interval for it at (N, D) (Student-t on the log-space regression; nil
        /// bounds without residual degrees of freedom).
        public func predict(parameters: Double, tokens: Double, confidence: Double = 0.95) -> (value: Double, lower: Double?, upper: Double?) {
            var row = [1.0]
            if exponentN != nil { row.append(log(parameters)) }
            if exponentD != nil { row.append(log(tokens)) }
            let mean = zip(row, fit.coefficients).reduce(0.0) { $0 + $1.0 * $1.1 }
            guard let v = fit.variance(of: row), fit.residualDegreesOfFreedom > 0 else { return (exp(mean), nil, nil) }
            let t = StudentT.quantile(0.5 + 0.5 * confidence, degreesOfFreedom: Double(fit.residualDegreesOfFreedom))
            return (exp(mean), exp(mean - t * v.squareRoot()), exp(mean + t * v.squareRoot()))
        }
    }

    public struct Result: Sendable, Equatable {
        public var cells: [Cell]
        /// η_opt(N, D) through the cells' optima (per (N, D), the batch whose optimum has the lowest loss).
        public var learningRate: Law
        /// B_opt(N, D) through the cells' optimal batches, where a (N, D) has 3 or more batches with an optimum and
        /// the parabola of their optimal losses in ln B has an interior minimum; nil with fewer than 2 such cells.
        public var batch: Law?
        public var message: String
    }

    /// Fits the sweep. Runs are rows (N, D, learning rate, batch, final loss).
    /// - Throws: `ScalingKitError` for empty or mismatched arrays, values that are not finite and > 0 (the loss
    ///   finite), or a sweep where no cell has 3 learning rates with an interior minimum ("no optimum can be
    ///   located").
    public static func fit(N: [Double], D: [Double], learningRate: [Double], batch: [Double], loss: [Double],
                           confidence: Double = 0.95) throws -> Result {
        let n = N.count
        guard n > 0 else { throw ScalingKitError.length("the sweep has no runs") }
        for (name, v) in [("D", D), ("learning rate", learningRate), ("batch", batch), ("loss", loss)] where v.count != n {
            throw ScalingKitError.length("\(n) values of N but \(v.count) of \(name)")
        }
        for (name, v) in [("N", N), ("D", D), ("learning rate", learningRate), ("batch", batch)] {
            if let i = v.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                throw ScalingKitError.invalid("\(name)[\(i)] must be finite and > 0 (got \(v[i]))")
            }
        }
        if let i = loss.firstIndex(where: { !$0.isFinite }) { throw ScalingKitError.invalid("loss[\(i)] is not finite") }
        guard confidence > 0, confidence < 1 else { throw ScalingKitError.invalid("confidence must be in (0, 1)") }

        var groups: [[Double]: [Int]] = [:]
        for i in 0..<n { groups[[N[i], D[i], batch[i]], default: []].append(i) }
        let cells = groups.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { key in
            cell(key, groups[key]!, learningRate: learningRate, loss: loss, confidence: confidence)
        }
        // Per (N, D): the batch whose optimum has the lowest loss gives η_opt; 3+ batches locate B_opt.
        var byND: [[Double]: [Cell]] = [:]
        for c in cells where c.optimalLearningRate != nil { byND[[c.parameters, c.tokens], default: []].append(c) }
        guard !byND.isEmpty else {
            throw ScalingKitError.invalid(
                "no optimum can be located: every (N, D, batch) cell needs 3 or more learning rates whose losses have an interior minimum (\(cells.count) cells: \(cells.first?.note ?? ""))")
        }
        var lrPoints: [(N: Double, D: Double, y: Double)] = [], batchPoints: [(N: Double, D: Double, y: Double)] = []
        for (key, group) in byND.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            let best = group.min { $0.optimalLoss! < $1.optimalLoss! }!
            lrPoints.append((key[0], key[1], best.optimalLearningRate!))
            if group.count >= 3, let p = Parabola(x: group.map { log($0.batch) }, y: group.map { $0.optimalLoss! }), p.c2 > 0 {
                let lo = group.map { log($0.batch) }.min()!, hi = group.map { log($0.batch) }.max()!
                if p.vertex >= lo, p.vertex <= hi { batchPoints.append((key[0], key[1], exp(p.vertex))) }
            }
        }
        let lrLaw = try law(lrPoints, "learning rate")
        let batchLaw = batchPoints.count >= 2 ? try? law(batchPoints, "batch") : nil
        let located = cells.filter { $0.optimalLearningRate != nil }.count
        let message = "\(located) of \(cells.count) cells locate an optimal learning rate; \(lrPoints.count) (N, D) optima fit η_opt"
            + (batchLaw == nil ? "; batch not fitted (needs 3+ batches per (N, D) with an interior optimum in 2+ (N, D))"
                               : "; \(batchPoints.count) fit B_opt")
        return Result(cells: cells, learningRate: lrLaw, batch: batchLaw, message: message)
    }

    static func cell(_ key: [Double], _ rows: [Int], learningRate: [Double], loss: [Double], confidence: Double) -> Cell {
        let x = rows.map { log(learningRate[$0]) }, y = rows.map { loss[$0] }
        var c = Cell(parameters: key[0], tokens: key[1], batch: key[2], runs: rows.count, learningRates: Set(x).count,
                     optimalLearningRate: nil, lower: nil, upper: nil, optimalLoss: nil, note: "")
        guard c.learningRates >= 3 else {
            c.note = "\(c.learningRates) learning rate(s): a parabola needs 3, so no optimum can be located"
            return c
        }
        let center = x.reduce(0, +) / Double(x.count)
        guard let fit = LeastSquares(rows: x.map { [1, $0 - center, ($0 - center) * ($0 - center)] }, y: y) else {
            c.note = "the learning rates do not determine a parabola"
            return c
        }
        let (c1, c2) = (fit.coefficients[1], fit.coefficients[2])
        guard c2 > 0 else { c.note = "the loss is not convex in ln η here (no minimum)"; return c }
        let u = -c1 / (2 * c2)
        guard center + u >= x.min()!, center + u <= x.max()! else {
            c.note = "the optimum lies outside the swept learning rates: widen the sweep"
            return c
        }
        c.optimalLearningRate = exp(center + u)
        c.optimalLoss = fit.coefficients[0] + c1 * u + c2 * u * u
        // Delta method on u = −c1/(2 c2): ∂u/∂c1 = −1/(2 c2), ∂u/∂c2 = c1/(2 c2²).
        if let v = fit.variance(of: [0, -1 / (2 * c2), c1 / (2 * c2 * c2)]), fit.residualDegreesOfFreedom > 0 {
            let t = StudentT.quantile(0.5 + 0.5 * confidence, degreesOfFreedom: Double(fit.residualDegreesOfFreedom))
            c.lower = exp(center + u - t * v.squareRoot())
            c.upper = exp(center + u + t * v.squareRoot())
        }
        c.note = "optimum located"
        return c
    }

    static func law(_ points: [(N: Double, D: Double, y: Double)], _ name: String) throws -> Law {
        let varyN = Set(points.map(\.N)).count > 1, varyD = Set(points.map(\.D)).count > 1
        let rows = points.map { p -> [Double] in
            var r = [1.0]
            if varyN { r.append(log(p.N)) }
            if varyD { r.append(log(p.D)) }
            return r
        }
        guard let fit = LeastSquares(rows: rows, y: points.map { log($0.y) }) else {
            throw ScalingKitError.invalid("the \(name) optima do not determine a power law in N and D (\(points.count) points)")
        }
        var k = 1
        func next() -> (Double, Double?) {
            defer { k += 1 }
            return (fit.coefficients[k], fit.covariance.map { $0[k * rows[0].count + k].squareRoot() })
        }
        let a = varyN ? next() : nil, b = varyD ? next() : nil
        return Law(coefficient: exp(fit.coefficients[0]), exponentN: a?.0, exponentD: b?.0, standardErrorN: a?.1 ?? nil,
                   standardErrorD: b?.1 ?? nil, points: points.count, fit: fit)
    }
}
