#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// "Train N parameters on D tokens": a plan for one compute budget under C = k·N·D (k = 6 by default).
public struct ComputePlan: Sendable, Equatable {
    /// Compute budget C in FLOPs.
    public var compute: Double
    /// Parameters N.
    public var parameters: Double
    /// Training tokens D.
    public var tokens: Double
    /// D / N.
    public var tokensPerParameter: Double
    /// The law's loss at (parameters, tokens).
    public var loss: Double
    /// d ln N_opt / d ln C and d ln D_opt / d ln C at this budget (a and b; constant for the Chinchilla family,
    /// where a = β/(α+β)).
    public var a: Double
    /// Exponent b of D_opt ∝ C^b, b = α/(α+β).
    public var b: Double
    /// What the fit's runs covered (nil for a law not fitted to runs of N and D): the plan's N against their
    /// largest N, and its D/N against theirs (see `FittedRange`).
    public var fitted: FittedRange? = nil

    /// Whether D/N lies among the fitted runs' ratios; nil where the range is unknown. Outside it, the split of
    /// the budget between N and D is the law's functional form speaking, not the data.
    public var ratioWithinFitted: Bool? { fitted?.covers(tokensPerParameter: tokensPerParameter) }
}

/// A fitted law seen as a loss surface over (N, D), the planner's input.
///
/// The Chinchilla law has a closed-form optimum; any other law — a catalogue law or a formula over inputs named
/// N, D and optionally C — is minimised numerically along the budget's iso-FLOP line.
public struct LossSurface: Sendable {
    /// Indirect (both payloads boxed): valgrind's memcheck flagged the copy and destroy witnesses of the inline
    /// multi-payload layout (a tag among uninitialised spare bytes, a known false-positive pattern); boxed, every
    /// byte it reads is initialised, and the C tests run memcheck-clean without suppressions.
    indirect enum Kind: Sendable {
        case chinchilla(ChinchillaLaw)
        case law(ScalingLaw, [Double])
    }

    let kind: Kind
    /// The runs the law was fitted on, carried into every plan from this surface (`ComputePlan.fitted`).
    public var fitted: FittedRange? = nil
    /// FLOPs per parameter per token: C = k·N·D (6: forward and backward, Kaplan et al. 2020 §2.1).
    public var flopsPerParameterToken: Double = 6
    /// The fit's 95 % confidence interval of the mean law at inputs by name (N, D, C), from its covariance; nil for
    /// a bare law, or where the fit has no covariance. The least-compute planner asks it where the law's floor is.
    var confidence: (@Sendable ([String: [Double]]) -> ConfidenceInterval?)? = nil

    /// The surface of a Chinchilla law (closed-form optimum).
    public init(_ law: ChinchillaLaw) { kind = .chinchilla(law) }

    /// The surface of a Chinchilla fit, carrying the span of its runs into every plan.
    public init(_ fit: ChinchillaFit) {
        self.init(fit.law)
        fitted = fit.fitted
        confidence = { data in
            try? fit.predict(parameters: data["N"] ?? [], tokens: data["D"] ?? [], interval: .confidence).interval(at: 0)
        }
    }

    /// The surface of a law fit over N and D, carrying the span of its runs into every plan.
    /// - Throws: as `init(law:values:)`.
    public init(_ fit: LawFit) throws {
        try self.init(law: fit.law, values: fit.values)
        fitted = fit.fitted
        confidence = { data in try? fit.predict(data, interval: .confidence).interval(at: 0) }
    }

    /// A law over inputs N and D (and optionally C = k·N·D) with its fitted parameter values.
    /// - Throws: `ScalingKitError` when the law has other inputs, lacks N or D, or the values do not match.
    public init(law: ScalingLaw, values: [Double]) throws {
        guard values.count == law.parameters.count, values.allSatisfy(\.isFinite) else {
            throw ScalingKitError.invalid("\(values.count) finite values needed for the parameters \(law.parameters.joined(separator: ", "))")
        }
        let other = law.inputs.filter { !["N", "D", "C"].contains($0) }
        guard other.isEmpty, law.inputs.contains("N"), law.inputs.contains("D") else {
            // Plans read C = 6ND, so the inputs must be parameters and tokens by name; a law of the same quantities
            // under other names (params, tokens) is a rename away, which the error says.
            throw ScalingKitError(.unsupported,
                "planning needs a law of N and D (optionally C = 6ND); '\(law.formula)' reads "
                + law.inputs.joined(separator: ", ")
                + (other.isEmpty ? "" : ": if \(other.joined(separator: " and ")) count parameters or tokens, fit the same "
                   + "formula with that column named N (parameters) or D (tokens)"))
        }
        kind = .law(law, values)
    }

    /// L(N, D) at many points (one call of the compiled law).
    public func losses(parameters N: [Double], tokens D: [Double]) throws -> [Double] {
        switch kind {
        case .chinchilla(let law): return try law.losses(parameters: N, tokens: D)
        case .law(let law, let values):
            let columns = inputs(parameters: N, tokens: D)
            return try law.evaluate(parameters: values, columns: law.inputs.map { columns[$0] ?? [] })
        }
    }

    /// The law's inputs by name at (N, D): N, D and C = k·N·D.
    func inputs(parameters N: [Double], tokens D: [Double]) -> [String: [Double]] {
        ["N": N, "D": D, "C": zip(N, D).map { flopsPerParameterToken * $0 * $1 }]
    }

    /// The loss at `parameters` N and `tokens` D.
    /// - Throws: `ScalingKitError` when the law cannot be evaluated there or is not finite there (found by fuzzing:
    ///   a plan at an extreme ratio used to report a NaN loss as a success).
    public func loss(parameters N: Double, tokens D: Double) throws -> Double {
        let value = try losses(parameters: [N], tokens: [D])[0]
        guard value.isFinite else {
            throw ScalingKitError.invalid("the law is not finite at N = \(N), D = \(D) (got \(value)): outside the range it describes")
        }
        return value
    }
}

/// Compute-optimal planning: Hoffmann et al. (2022) eq. 4 in closed form for the Chinchilla law, numerical
/// minimisation along C = k·N·D for any other law, and the inverse question (the least compute that reaches a loss).
public enum Planner {
    /// The (N, D) minimising the loss at `compute` FLOPs.
    /// - Throws: `ScalingKitError` for a budget ≤ 0 or non-finite, a law whose loss keeps falling towards the
    ///   edge of the feasible range (N or D → 1): no finite optimum (for example an exponent ≤ 0), or a fit whose
    ///   runs' N and D are too small to be counts (`FittedRange.countsLookScaled`).
    public static func computeOptimal(_ surface: LossSurface, compute: Double) throws -> ComputePlan {
        guard compute.isFinite, compute > 0 else {
            throw ScalingKitError.invalid("compute budget must be finite and > 0 (got \(compute))")
        }
        try surface.fitted?.requireRawCounts()
        let k = surface.flopsPerParameterToken
        guard k.isFinite, k > 0 else { throw ScalingKitError.invalid("flopsPerParameterToken must be > 0 (got \(k))") }
        if case .chinchilla(let law) = surface.kind, k == 6 {
            var p = try law.computeOptimal(compute: compute)
            p.fitted = surface.fitted
            return p
        }
        let x = try optimalLogN(surface, compute: compute)
        // Local exponents by central differences in ln C. The step is wide (±5 %) because ln N_opt itself is only
        // resolved to ~1e-6 where the loss is flat along the budget; the optimum is smooth in C, so the difference
        // quotient's truncation error (h²·x‴/6) is far smaller than that.
        let h = 0.05
        let xPlus = try optimalLogN(surface, compute: compute * exp(h))
        let xMinus = try optimalLogN(surface, compute: compute * exp(-h))
        let a = (xPlus - xMinus) / (2 * h)
        let N = exp(x), D = compute / (k * N)
        return ComputePlan(compute: compute, parameters: N, tokens: D, tokensPerParameter: D / N,
                           loss: try surface.loss(parameters: N, tokens: D), a: a, b: 1 - a, fitted: surface.fitted)
    }

    /// ln N_opt at a budget: a scan of 401 points of ln N over [0, ln(C/k)] (so N ≥ 1 and D ≥ 1), then golden-section
    /// search (Kiefer 1953) around the best point to 1e-12 in ln N.
    static func optimalLogN(_ surface: LossSurface, compute: Double) throws -> Double {
        let hi = log(compute / surface.flopsPerParameterToken)
        guard hi > 0 else {
            throw ScalingKitError.invalid("compute \(compute) is below k·N·D = \(surface.flopsPerParameterToken) at N = D = 1")
        }
        let count = 401
        let xs = (0..<count).map { hi * Double($0) / Double(count - 1) }
        let values = try lossesAlongBudget(surface, logN: xs, compute: compute)
        switch try refineMinimum(xs, values, tolerance: 1e-12, { try lossesAlongBudget(surface, logN: [$0], compute: compute)[0] }) {
        case .minimum(let x): return x
        case .none: throw ScalingKitError.invalid("the law is not finite anywhere along the budget \(compute)")
        case .atEdge(let low):
            throw ScalingKitError.invalid(
                "the loss keeps falling towards \(low ? "N → 1" : "D → 1") at compute \(compute): the law has no finite compute-optimal allocation (check that its exponents are > 0)")
        }
    }

    enum ScanMinimum { case minimum(Double), atEdge(low: Bool), none }

    /// The minimiser of f from a scan (`values[i] = f(xs[i])`): golden-section search (Kiefer 1953) on the bracket
    /// around the best finite point, to `tolerance`·max(1, |x|). A best point on the scan's edge is reported, not
    /// refined: the minimum may lie beyond.
    static func refineMinimum(_ xs: [Double], _ values: [Double], tolerance: Double,
                              _ f: (Double) throws -> Double) throws -> ScanMinimum {
        guard let best = values.indices.filter({ values[$0].isFinite }).min(by: { values[$0] < values[$1] }) else {
            return .none
        }
        guard best > 0, best < xs.count - 1 else { return .atEdge(low: best == 0) }
        var a = xs[best - 1], b = xs[best + 1]
        let r = (5.0.squareRoot() - 1) / 2
        var c = b - r * (b - a), d = a + r * (b - a)
        var fc = try f(c), fd = try f(d)
        while b - a > tolerance * max(1, abs(a)) {
            if fc < fd {
                b = d; d = c; fd = fc
                c = b - r * (b - a)
                fc = try f(c)
            } else {
                a = c; c = d; fc = fd
                d = a + r * (b - a)
                fd = try f(d)
            }
        }
        return .minimum(0.5 * (a + b))
    }

    private static func lossesAlongBudget(_ surface: LossSurface, logN: [Double], compute: Double) throws -> [Double] {
        let N = logN.map { exp($0) }
        return try surface.losses(parameters: N, tokens: N.map { compute / (surface.flopsPerParameterToken * $0) })
    }

    /// The compute-optimal loss at a budget (without the local exponents, for the bisection below).
    static func optimalLoss(_ surface: LossSurface, compute: Double) throws -> Double {
        if case .chinchilla(let law) = surface.kind, surface.flopsPerParameterToken == 6 {
            return try law.computeOptimal(compute: compute).loss
        }
        let N = exp(try optimalLogN(surface, compute: compute))
        return try surface.loss(parameters: N, tokens: compute / (surface.flopsPerParameterToken * N))
    }

    /// The least compute whose optimal allocation reaches `targetLoss`, with that allocation: bisection on ln C (to
    /// 1e-14 relative) of the compute-optimal loss, which falls monotonically with C.
    /// - Throws: `ScalingKitError` for a non-finite target, one the law does not reach below 10⁴⁰ FLOPs (at or
    ///   below its irreducible loss), or, for a surface from a fit, one within the 95 % confidence interval of the
    ///   law's loss at 10⁴⁰ FLOPs (its floor): there the compute is decided by the floor's uncertainty.
    public static func minimumCompute(_ surface: LossSurface, targetLoss: Double) throws -> ComputePlan {
        guard targetLoss.isFinite else { throw ScalingKitError.invalid("target loss must be finite (got \(targetLoss))") }
        var lo = log(surface.flopsPerParameterToken) + 1, hi = log(1e40)
        let far = try computeOptimal(surface, compute: exp(hi))
        guard far.loss <= targetLoss else {
            throw ScalingKitError.invalid(
                "the law does not reach loss \(targetLoss) below 1e40 FLOPs (its loss there is \(far.loss)); is the target at or below the irreducible loss?")
        }
        // The law's floor is an estimate too. A target inside its confidence interval may lie below the true floor,
        // and the compute to reach it is set by that uncertainty alone: on Epoch's runs, E = 1.817 and a target of
        // 1.82 "needs" 3.7e33 FLOPs (N = 8e15), 10¹¹ times the largest run.
        if let floor = surface.confidence?(surface.inputs(parameters: [far.parameters], tokens: [far.tokens])),
           floor.upper >= targetLoss {
            throw ScalingKitError.invalid(
                "loss \(FitSearch.format(targetLoss)) lies within the \(FitSearch.format(100 * floor.level)) % confidence "
                + "interval of the law's floor (its loss at 1e40 FLOPs), [\(FitSearch.format(floor.lower)), "
                + "\(FitSearch.format(floor.upper))]: the runs do not say whether any compute reaches it, so no plan is "
                + "given; a target above \(FitSearch.format(floor.upper)) is planned")
        }
        // At tiny budgets the optimum can sit below N = 1 (outside the scan): count that as "not reached".
        func reaches(_ logC: Double) -> Bool {
            ((try? optimalLoss(surface, compute: exp(logC))) ?? .infinity) <= targetLoss
        }
        if reaches(lo) { return try computeOptimal(surface, compute: exp(lo)) }
        while hi - lo > 1e-14 * hi {
            let mid = 0.5 * (lo + hi)
            if reaches(mid) { hi = mid } else { lo = mid }
        }
        return try computeOptimal(surface, compute: exp(hi))
    }
}

extension Planner {
    /// The allocation of `compute` FLOPs at a fixed `tokensPerParameter` M (N = √(C/(k·M)), D = M·N), for the loss
    /// penalty of over- (or under-) training relative to the compute-optimal plan (Gadre et al. 2024 train at
    /// M up to 640; the penalty is `plan.loss − computeOptimal(...).loss`).
    /// - Throws: `ScalingKitError` for a budget or ratio that is not finite and > 0.
    public static func atTokensPerParameter(_ surface: LossSurface, compute: Double,
                                            tokensPerParameter M: Double) throws -> ComputePlan {
        guard compute.isFinite, compute > 0 else { throw ScalingKitError.invalid("compute budget must be finite and > 0 (got \(compute))") }
        guard M.isFinite, M > 0 else { throw ScalingKitError.invalid("tokens per parameter must be finite and > 0 (got \(M))") }
        try surface.fitted?.requireRawCounts()
        let k = surface.flopsPerParameterToken
        let N = (compute / (k * M)).squareRoot(), D = M * N
        guard N.isNormal, D.isNormal else {
            throw ScalingKitError.invalid("compute \(compute) at \(M) tokens per parameter gives N = \(N), D = \(D): outside the range of doubles")
        }
        // At a fixed ratio, N ∝ C^½ and D ∝ C^½.
        return ComputePlan(compute: compute, parameters: N, tokens: D, tokensPerParameter: M,
                           loss: try surface.loss(parameters: N, tokens: D), a: 0.5, b: 0.5, fitted: surface.fitted)
    }
}
