#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hoffmann et al. (2022) Approach 2, IsoFLOP profiles (§3.2): for each compute budget, fit a parabola to the final
/// loss against log N (and, separately, against log D), take its vertex as that budget's optimum, then fit
/// N_opt ∝ C^a and D_opt ∝ C^b through the optima.
///
/// Known bias: the vertex of a parabola in log N is not the minimum of an asymmetric loss surface, and wide or
/// off-centre sampling moves it (Open-Athena, "Problems with Chinchilla Approach 2", arXiv 2603.22339: on Llama 3 it
/// gives ~58 % more optimal tokens than the full-surface fit). Report it next to an Approach-3 fit where both can be
/// computed. Budgets whose profile has no interior minimum — a parabola opening downward, or a vertex outside the
/// sampled range — say nothing about the optimum; they are excluded by default and listed with the reason.
public enum IsoFLOP {
    /// How profiles are fitted and which budgets are kept.
    public struct Options: Sendable, Equatable {
        /// Budgets with fewer runs are excluded (a parabola needs 3).
        public var minimumRunsPerBudget: Int = 3
        /// Exclude budgets whose vertex is not inside the sampled range of log N (or log D). When false, such
        /// budgets are kept (their optimum is an extrapolation) but still reported with the reason.
        public var requireInteriorMinimum: Bool = true
        /// Confidence level of the exponents' intervals.
        public var confidence: Double = 0.95

        /// The defaults above.
        public init() {}
    }

    /// One budget's profile.
    public struct Budget: Sendable, Equatable {
        /// The budget C in FLOPs.
        public var compute: Double
        /// Runs at this budget.
        public var runs: Int
        /// Vertex of the parabola in log10 N (nil without a minimum: curvature ≤ 0 or too few runs).
        public var optimalParameters: Double?
        /// Vertex of the parabola in log10 D.
        public var optimalTokens: Double?
        /// The parabola's loss at the N vertex.
        public var minimumLoss: Double?
        /// Second-order coefficients of the parabolas in log10 N and log10 D (> 0 for a minimum).
        public var curvatureN: Double
        /// Curvature in log10 D.
        public var curvatureD: Double
        /// Whether the budget entered the exponent fits.
        public var used: Bool
        /// Why it did not, or what is odd about it.
        public var note: String?

        /// N at the vertex in parameters (10^optimalParameters), the unit every caller reports.
        public var vertexParameters: Double? { optimalParameters.map { pow(10, $0) } }
        /// D at the vertex in tokens (10^optimalTokens).
        public var vertexTokens: Double? { optimalTokens.map { pow(10, $0) } }
    }

    /// The per-budget profiles and the power laws through their minima (Hoffmann et al. 2022, Approach 2).
    public struct Result: Sendable, Equatable {
        /// Every budget, kept or excluded (with the reason).
        public var budgets: [Budget]
        /// N_opt = k·C^a.
        public var parameters: PowerLawFit
        /// D_opt = k·C^b.
        public var tokens: PowerLawFit
        /// The options the analysis ran with.
        public var options: Options
        /// One line: exponents, budgets used, and the excluded budgets with reasons.
        public var message: String

        /// Budgets that entered the exponent fits.
        public var budgetsUsed: Int { budgets.filter(\.used).count }

        /// The plan at a budget from the two fitted relations.
        public func optimum(compute: Double) -> (parameters: Double, tokens: Double) {
            (parameters.evaluate(compute), tokens.evaluate(compute))
        }
    }

    /// Runs Approach 2 on runs labelled by their compute budget (runs of one budget share the same `budget` value,
    /// to within rounding, 1e-6 relative; it is the nominal budget, not necessarily 6ND).
    /// - Throws: `ScalingKitError` for empty, mismatched or non-positive input, bad options, budgets closer than
    ///   5 % (one budget measured per run), or fewer than 2 budgets with an interior minimum.
    public static func fit(N: [Double], D: [Double], loss: [Double], budget: [Double],
                           options: Options = Options()) throws -> Result {
        try InputValidation.positiveColumns([("N", N), ("D", D), ("loss", loss), ("budget", budget)])
        guard options.minimumRunsPerBudget >= 3 else {
            throw ScalingKitError.invalid("minimumRunsPerBudget must be >= 3 (a parabola has 3 coefficients); got \(options.minimumRunsPerBudget)")
        }
        guard options.confidence > 0, options.confidence < 1 else {
            throw ScalingKitError.invalid("confidence must be in (0, 1) (got \(options.confidence))")
        }
        var budgets: [Budget] = []
        for (c, rows) in try budgetGroups(budget) {
            budgets.append(profile(compute: c, logN: rows.map { log10(N[$0]) }, logD: rows.map { log10(D[$0]) },
                                   loss: rows.map { loss[$0] }, options: options))
        }
        let used = budgets.filter(\.used)
        guard used.count >= 2 else {
            let reasons = budgets.map { "\(shortNumber($0.compute)): \($0.note ?? "used")" }.joined(separator: "; ")
            throw ScalingKitError.invalid(
                "\(used.count) of \(budgets.count) budgets have an interior minimum; the exponents need 2 or more (\(reasons))")
        }
        let compute = used.map(\.compute)
        let parameters = try PowerLawFit(x: compute, y: used.map { $0.vertexParameters! }, confidence: options.confidence)
        let tokens = try PowerLawFit(x: compute, y: used.map { $0.vertexTokens! }, confidence: options.confidence)
        var message = "N_opt ∝ C^\(rounded(parameters.exponent)), D_opt ∝ C^\(rounded(tokens.exponent)) from \(used.count) of \(budgets.count) budgets"
        let excluded = budgets.filter { !$0.used }
        if !excluded.isEmpty {
            message += "; excluded " + excluded.map { "\(shortNumber($0.compute)) (\($0.note!))" }.joined(separator: ", ")
        }
        return Result(budgets: budgets, parameters: parameters, tokens: tokens, options: options, message: message)
    }

    /// The runs of each budget, in increasing compute. Values within 1e-6 of each other (relative) are one budget,
    /// at their median: a budget computed per run as 6·N·D differs from run to run by rounding (~1e-16, or ~1e-7
    /// stored as float32). Grouped by exact value, the Llama 3 extract's 10 budgets so computed became 26, several
    /// with too few runs for a parabola, and a moved from 0.4632 to 0.4704 without a word.
    ///
    /// Budgets closer than 5 % are refused: an IsoFLOP design spaces its budgets by 1.5× or more (Hoffmann et al.
    /// 2022 Fig. 3: 6e18 to 3e21 in 9 steps; Llama 3: 6e18, 1e19, 3e19, ...), so values that close are one budget
    /// measured per run (from tokens actually seen, say), and no tolerance can tell where one budget ends.
    static func budgetGroups(_ budget: [Double]) throws -> [(compute: Double, rows: [Int])] {
        let order = budget.indices.sorted { budget[$0] < budget[$1] }
        var groups: [[Int]] = []
        for i in order {
            if let last = groups.last?.last, budget[i] - budget[last] <= 1e-6 * budget[i] {
                groups[groups.count - 1].append(i)
            } else {
                groups.append([i])
            }
        }
        let result = groups.map { rows in (compute: budget[rows[rows.count / 2]], rows: rows) }
        for (a, b) in zip(result, result.dropFirst()) where b.compute < 1.05 * a.compute {
            throw ScalingKitError.invalid(
                "budgets \(FitSearch.format(a.compute)) and \(FitSearch.format(b.compute)) differ by "
                + "\(FitSearch.format(100 * (b.compute / a.compute - 1))) %: the runs of one IsoFLOP budget must share "
                + "one value (its nominal budget, not each run's own 6·N·D); round the budgets or pass the nominal ones")
        }
        return result
    }

    /// One budget: parabolas in log10 N and log10 D, their vertices, and whether they are interior minima.
    static func profile(compute: Double, logN: [Double], logD: [Double], loss: [Double], options: Options) -> Budget {
        var b = Budget(compute: compute, runs: loss.count, optimalParameters: nil, optimalTokens: nil, minimumLoss: nil,
                       curvatureN: .nan, curvatureD: .nan, used: false, note: nil)
        guard loss.count >= options.minimumRunsPerBudget else {
            b.note = "\(loss.count) run(s), fewer than \(options.minimumRunsPerBudget)"
            b.curvatureN = 0; b.curvatureD = 0
            return b
        }
        guard let pN = Parabola(x: logN, y: loss), let pD = Parabola(x: logD, y: loss) else {
            b.note = "the runs do not determine a parabola (fewer than 3 distinct sizes)"
            b.curvatureN = 0; b.curvatureD = 0
            return b
        }
        b.curvatureN = pN.c2; b.curvatureD = pD.c2
        guard pN.c2 > 0, pD.c2 > 0 else {
            b.note = "the profile opens downward (no minimum)"
            return b
        }
        let vN = pN.vertex, vD = pD.vertex
        b.optimalParameters = vN; b.optimalTokens = vD
        b.minimumLoss = pN.value(at: vN)
        let insideN = vN >= logN.min()! && vN <= logN.max()!
        let insideD = vD >= logD.min()! && vD <= logD.max()!
        if insideN && insideD {
            b.used = true
        } else {
            b.note = "the minimum lies outside the sampled " + (insideN ? "D" : "N") + " range (an extrapolated vertex)"
            b.used = !options.requireInteriorMinimum
        }
        return b
    }

    private static func rounded(_ x: Double) -> String {
        let r = (x * 10_000).rounded() / 10_000
        return "\(r)"
    }

    /// x as "1.23e4" for messages; a value that is not finite and > 0 as Swift prints it (found by the Python
    /// fuzz campaign: D/N = 1e300/1e-300 is +inf, and Int(floor(log10(inf))) traps).
    static func shortNumber(_ x: Double) -> String {
        guard x.isFinite, x > 0 else { return "\(x)" }
        let e = Int(floor(log10(x)))
        let m = (x / pow(10, Double(e)) * 100).rounded() / 100
        return "\(m)e\(e)"
    }
}

/// y = c0 + c1·(x − x̄) + c2·(x − x̄)² by least squares (centred for conditioning).
struct Parabola {
    let center: Double, c0: Double, c1: Double, c2: Double

    init?(x: [Double], y: [Double]) {
        guard Set(x).count >= 3 else { return nil }
        let n = Double(x.count)
        center = x.reduce(0, +) / n
        var s = [Double](repeating: 0, count: 5), t = [0.0, 0.0, 0.0]
        for (xi, yi) in zip(x, y) {
            let u = xi - center
            var p = 1.0
            for k in 0..<5 { s[k] += p; if k < 3 { t[k] += p * yi }; p *= u }
        }
        var a = [s[0], s[1], s[2], s[1], s[2], s[3], s[2], s[3], s[4]]
        let ok = a.withUnsafeMutableBufferPointer { ap in t.withUnsafeMutableBufferPointer { Cholesky.solve(ap, $0, n: 3) } }
        guard ok, t.allSatisfy(\.isFinite) else { return nil }
        c0 = t[0]; c1 = t[1]; c2 = t[2]
    }

    /// The x of the extremum.
    var vertex: Double { center - c1 / (2 * c2) }

    func value(at x: Double) -> Double { let u = x - center; return c0 + c1 * u + c2 * u * u }
}
