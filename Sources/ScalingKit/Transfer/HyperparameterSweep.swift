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
        /// Parameters N of the runs.
        public var parameters: Double
        /// Training tokens D of the runs.
        public var tokens: Double
        /// Batch size of the runs.
        public var batch: Double
        /// The runs' weight decay (0 when the sweep gives none).
        public var weightDecay: Double
        /// Runs in the cell.
        public var runs: Int
        /// Distinct learning rates in the cell.
        public var learningRates: Int
        /// nil when there is no interior minimum (then `note` says why).
        public var optimalLearningRate: Double?
        /// The delta-method interval on η* (from the parabola in ln η, mapped back); nil without an optimum or
        /// without residual degrees of freedom.
        public var interval: ConfidenceInterval?
        /// The parabola's loss at η*.
        public var optimalLoss: Double?
        /// How the cell was read, or why it has no optimum.
        public var note: String
    }

    /// The runs of one (N, D, batch, η) swept over weight decay: the loss against ln τ, τ = B/(η·λ·D), by a parabola.
    public struct TimescaleCell: Sendable, Equatable {
        /// Parameters N of the runs.
        public var parameters: Double
        /// Training tokens D of the runs.
        public var tokens: Double
        /// Batch size of the runs.
        public var batch: Double
        /// Learning rate η of the runs.
        public var learningRate: Double
        /// Runs in the cell.
        public var runs: Int
        /// Distinct weight decays in the cell.
        public var weightDecays: Int
        /// τ* at the parabola's vertex; nil when there is no interior minimum.
        public var optimalTimescale: Double?
        /// The delta-method interval on τ* (from the parabola in ln τ, mapped back); nil as for `Cell.interval`.
        public var interval: ConfidenceInterval?
        /// The parabola's loss at τ*.
        public var optimalLoss: Double?
        /// How the cell was read, or why it has no optimum.
        public var note: String
    }

    /// A power law in N and D fitted by least squares on logs: y = k·N^a·D^b. An exponent is nil when its variable
    /// does not vary independently across the optima (it is then not identified, and `support` says where the law
    /// holds).
    public struct Law: Sendable, Equatable {
        /// Coefficient c of η* = c·N^a·D^b.
        public var coefficient: Double
        /// Exponent a on N; nil when N does not vary across the optima.
        public var exponentN: Double?
        /// Exponent b on D; nil when D does not vary independently of N (one D, or D on a line in N: `support`).
        public var exponentD: Double?
        /// Standard error of a.
        public var standardErrorN: Double?
        /// Standard error of b.
        public var standardErrorD: Double?
        /// Cells (optima) in the regression.
        public var points: Int
        /// Where the optima lie: on the whole (N, D) plane, or on a line (one N, one D, a fixed D/N), along which
        /// alone the law was fitted and predicts.
        public var support: Support = .plane
        /// What the law gives, for messages ("learning rate", "batch").
        var quantity = "learning rate"
        let fit: LeastSquares

        /// The law's value and a confidence interval for it at (N, D) (Student-t on the log-space regression; nil
        /// bounds without residual degrees of freedom).
        /// - Throws: `ScalingKitError` for N or D not finite and > 0, a confidence outside (0, 1), or (N, D) more
        ///   than 10 % off the law's `support` (a sweep at one D/N says nothing about another).
        public func predict(parameters: Double, tokens: Double, confidence: Double = 0.95) throws
            -> (value: Double, interval: ConfidenceInterval?)
        {
            guard parameters.isFinite, parameters > 0, tokens.isFinite, tokens > 0 else {
                throw ScalingKitError.invalid("N and D must be finite and > 0 (got \(parameters), \(tokens))")
            }
            guard confidence > 0, confidence < 1 else {
                throw ScalingKitError.invalid("confidence must be in (0, 1) (got \(confidence))")
            }
            try support.check(parameters: parameters, tokens: tokens, law: quantity)
            var row = [1.0]
            if exponentN != nil { row.append(log(parameters)) }
            if exponentD != nil { row.append(log(tokens)) }
            let mean = zip(row, fit.coefficients).reduce(0.0) { $0 + $1.0 * $1.1 }
            guard let v = fit.variance(of: row), fit.residualDegreesOfFreedom > 0 else { return (exp(mean), nil) }
            let t = StudentT.quantile(0.5 + 0.5 * confidence, degreesOfFreedom: Double(fit.residualDegreesOfFreedom))
            return (exp(mean), ConfidenceInterval(lower: exp(mean - t * v.squareRoot()), upper: exp(mean + t * v.squareRoot()),
                                                  level: confidence))
        }
    }

    /// A sweep's cells and the laws fitted through their optima.
    public struct Result: Sendable, Equatable {
        /// Every cell, with or without an optimum.
        public var cells: [Cell]
        /// η_opt(N, D) through the cells' optima (per (N, D), the batch whose optimum has the lowest loss).
        public var learningRate: Law
        /// B_opt(N, D) through the cells' optimal batches, where a (N, D) has 3 or more batches with an optimum and
        /// the best of their optimal losses is at an interior batch (the vertex found as for learning rates); nil
        /// with fewer than 2 such cells.
        public var batch: Law?
        /// Cells swept over weight decay (empty without weight decays).
        public var timescaleCells: [TimescaleCell]
        /// τ_opt = coefficient·(D/N)^exponent through the best timescale cell of each (N, D); nil without optima at
        /// 2 or more tokens-per-parameter ratios.
        public var timescale: PowerLawFit?
        /// What was fitted and left out, in words.
        public var message: String
        /// The nominal coverage of the cells' intervals.
        public var confidence: Double = 0.95
        /// Cells whose learning-rate optimum was located.
        public var cellsLocated: Int { cells.filter { $0.optimalLearningRate != nil }.count }

        /// η_opt with its interval, and B_opt, at (N, D). B_opt is nil without a batch law or where (N, D) lies off
        /// its support (the batch optima may span less than the learning-rate optima do).
        /// - Throws: `ScalingKitError` as `Law.predict` for the learning-rate law.
        public func predict(parameters: Double, tokens: Double, confidence: Double = 0.95) throws
            -> (learningRate: Double, interval: ConfidenceInterval?, batch: Double?)
        {
            let lr = try learningRate.predict(parameters: parameters, tokens: tokens, confidence: confidence)
            // N, D and the confidence passed the learning-rate law's checks: the batch law can only refuse its support.
            let b = batch.flatMap { try? $0.predict(parameters: parameters, tokens: tokens).value }
            return (lr.value, lr.interval, b)
        }
    }

    /// Fits the sweep. Runs are rows (N, D, learning rate, batch, final loss) and, optionally, the (coupled, PyTorch)
    /// weight decay λ of each run: where λ varies at a fixed (N, D, batch, η), the loss is fitted in ln τ with
    /// τ = B/(η·λ·D) (AdamW's timescale, Wang & Aitchison 2024) and τ_opt = c·(D/N)^m fitted through the optima
    /// (Bergsma et al. 2025, "Power Lines": τ_opt is a power law in tokens per parameter).
    ///
    /// A loss of NaN or +∞ is a run that diverged, as training logs record it: its rate counts as swept and worse
    /// than every finite run, and no parabola goes through it (each cell's note counts them).
    /// - Throws: `ScalingKitError` for empty or mismatched arrays, values that are not finite and > 0 (the loss
    ///   finite, NaN or +∞; weight decay ≥ 0), or a sweep where no cell has 3 learning rates with an interior
    ///   minimum ("no optimum can be located").
    public static func fit(N: [Double], D: [Double], learningRate: [Double], batch: [Double], loss: [Double],
                           weightDecay: [Double]? = nil, confidence: Double = 0.95) throws -> Result {
        let n = N.count
        guard n > 0 else { throw ScalingKitError.length("the sweep has no runs") }
        let lambda = weightDecay ?? [Double](repeating: 0, count: n)
        for (name, v) in [("D", D), ("learning rate", learningRate), ("batch", batch), ("loss", loss), ("weight decay", lambda)]
            where v.count != n {
            throw ScalingKitError.length("\(n) values of N but \(v.count) of \(name)")
        }
        for (name, v) in [("N", N), ("D", D), ("learning rate", learningRate), ("batch", batch)] {
            if let i = v.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                throw ScalingKitError.invalid("\(name)[\(i)] must be finite and > 0 (got \(v[i]))")
            }
        }
        if let i = loss.firstIndex(where: { $0 == -.infinity }) {
            throw ScalingKitError.invalid("loss[\(i)] is -inf (NaN or +inf marks a diverged run; -inf is no loss)")
        }
        if let i = lambda.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
            throw ScalingKitError.invalid("weight decay[\(i)] must be finite and >= 0 (got \(lambda[i]))")
        }
        guard confidence > 0, confidence < 1 else { throw ScalingKitError.invalid("confidence must be in (0, 1)") }

        // Learning-rate cells: runs sharing (N, D, batch, λ).
        var groups: [[Double]: [Int]] = [:]
        for i in 0..<n { groups[[N[i], D[i], batch[i], lambda[i]], default: []].append(i) }
        let cells = groups.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { key -> Cell in
            let rows = groups[key]!
            let v = vertex(rows.map { log(learningRate[$0]) }, rows.map { loss[$0] }, "learning rates", confidence)
            return Cell(parameters: key[0], tokens: key[1], batch: key[2], weightDecay: key[3], runs: rows.count,
                        learningRates: v.distinct, optimalLearningRate: v.x.map(exp), interval: v.interval.map(exponentiated),
                        optimalLoss: v.loss, note: v.note)
        }
        // Per (N, D): the cell whose optimum has the lowest loss gives η_opt; 3+ batches locate B_opt.
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
            // The best optimum per batch, then its vertex in ln B near the best batch (as for learning rates).
            var perBatch: [Double: Double] = [:]
            for c in group { perBatch[c.batch] = min(perBatch[c.batch] ?? .infinity, c.optimalLoss!) }
            let bs = perBatch.keys.sorted()
            if bs.count >= 3, let v = vertex(bs.map { log($0) }, bs.map { perBatch[$0]! }, "batches", confidence).x {
                batchPoints.append((key[0], key[1], exp(v)))
            }
        }
        let lrLaw = try law(lrPoints, "learning rate")
        let batchLaw = batchPoints.count >= 2 ? try? law(batchPoints, "batch") : nil

        // Timescale cells: runs sharing (N, D, batch, η) with 3+ weight decays > 0.
        var tauGroups: [[Double]: [Int]] = [:]
        for i in 0..<n where lambda[i] > 0 { tauGroups[[N[i], D[i], batch[i], learningRate[i]], default: []].append(i) }
        let tauCells = tauGroups.keys.sorted { $0.lexicographicallyPrecedes($1) }.compactMap { key -> TimescaleCell? in
            let rows = tauGroups[key]!
            guard Set(rows.map { lambda[$0] }).count >= 2 else { return nil }
            let tau = rows.map { batch[$0] / (learningRate[$0] * lambda[$0] * D[$0]) }
            let v = vertex(tau.map { log($0) }, rows.map { loss[$0] }, "weight decays", confidence)
            return TimescaleCell(parameters: key[0], tokens: key[1], batch: key[2], learningRate: key[3], runs: rows.count,
                                 weightDecays: v.distinct, optimalTimescale: v.x.map(exp), interval: v.interval.map(exponentiated),
                                 optimalLoss: v.loss, note: v.note)
        }
        var bestTau: [[Double]: TimescaleCell] = [:]
        for c in tauCells where c.optimalTimescale != nil {
            let key = [c.parameters, c.tokens]
            if let b = bestTau[key], b.optimalLoss! <= c.optimalLoss! { continue }
            bestTau[key] = c
        }
        let tauPoints = bestTau.values.sorted { ($0.tokens / $0.parameters) < ($1.tokens / $1.parameters) }
        let timescale = Set(tauPoints.map { $0.tokens / $0.parameters }).count >= 2
            ? try? PowerLawFit(x: tauPoints.map { $0.tokens / $0.parameters }, y: tauPoints.map { $0.optimalTimescale! },
                               confidence: confidence)
            : nil

        let located = cells.filter { $0.optimalLearningRate != nil }.count
        func along(_ law: Law) -> String {
            law.support.isPlane ? "" : " along \(law.support.description) alone (the optima have it: the law predicts there only)"
        }
        var message = "\(located) of \(cells.count) cells locate an optimal learning rate; \(lrPoints.count) (N, D) optima fit η_opt"
            + along(lrLaw)
            + (batchLaw.map { "; \(batchPoints.count) fit B_opt" + along($0) }
               ?? "; batch not fitted (needs 3+ batches per (N, D) with an interior optimum in 2+ (N, D))")
        if !tauCells.isEmpty {
            message += timescale == nil ? "; timescale not fitted (needs optima at 2+ tokens-per-parameter ratios)"
                                        : "; \(tauPoints.count) fit τ_opt(D/N)"
        }
        return Result(cells: cells, learningRate: lrLaw, batch: batchLaw, timescaleCells: tauCells, timescale: timescale,
                      message: message, confidence: confidence)
    }

    /// An interval found in log space, mapped back (exp is monotone, so the coverage is unchanged).
    static func exponentiated(_ i: ConfidenceInterval) -> ConfidenceInterval {
        ConfidenceInterval(lower: exp(i.lower), upper: exp(i.upper), level: i.level)
    }

    /// y = k·N^a·D^b by least squares on logs, in the directions the optima span (see `Support`): a line in
    /// (ln N, ln D) fits k·N^a along it (or k·D^b at one N), one point a constant.
    static func law(_ points: [(N: Double, D: Double, y: Double)], _ name: String) throws -> Law {
        let support = Support(points.map { ($0.N, $0.D) })
        let inN = support.parameters == nil, inD = support.tokens == nil
        let rows = points.map { p -> [Double] in
            var r = [1.0]
            if inN { r.append(log(p.N)) }
            if inD { r.append(log(p.D)) }
            return r
        }
        guard let fit = LeastSquares(rows: rows, y: points.map { log($0.y) }) else {
            throw ScalingKitError.invalid("the \(name) optima do not determine a power law in N and D (\(points.count) points)")
        }
        var k = 1
        func next() -> (Double, Double?) {
            defer { k += 1 }
            return (fit.coefficients[k], fit.standardError(k))
        }
        let a = inN ? next() : nil, b = inD ? next() : nil
        return Law(coefficient: exp(fit.coefficients[0]), exponentN: a?.0, exponentD: b?.0, standardErrorN: a?.1 ?? nil,
                   standardErrorD: b?.1 ?? nil, points: points.count, support: support, quantity: name, fit: fit)
    }
}
