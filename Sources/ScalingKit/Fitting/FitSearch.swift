#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a fit of a `ScalingLaw` chooses its starting points.
public enum SearchStrategy: String, Sendable, Equatable, CaseIterable {
    /// The default. Parameters that enter linearly are solved for at every start (variable projection); the others
    /// are searched over ranges derived from their role in the formula and from the data (an explicit starting grid
    /// or the catalogue's grid widens that range): on a fine grid when there are one or two of them, otherwise on a
    /// seeded Latin hypercube. The starts are screened and refined by `StartScreening`.
    case automatic
    /// Exactly the law's starting grid (or the Latin hypercube over it with `randomStarts`), every parameter
    /// searched, nothing solved for: the behaviour of ScalingKit 0.3.0, for reproducing earlier fits.
    case startGrid
    /// One start: the first value of each parameter's starting grid, linear parameters solved for. The global
    /// optimum is not checked, so the fit never reports convergence (at least two starts must agree).
    case single
}

/// The search a fit ran, reported with the result so that a user can say "global within a 0.02 grid on (α, β)".
public struct FitSearch: Sendable, Equatable {
    /// How the starting points were laid out.
    public enum Method: String, Sendable, Equatable {
        /// A regular grid over the searched parameters.
        case grid
        /// A seeded Latin hypercube over the searched parameters.
        case latinHypercube
        /// The law's own starting grid (Cartesian product of its starting values).
        case startGrid
        /// One starting point.
        case single
    }

    /// One searched parameter's range.
    public struct Axis: Sendable, Equatable {
        /// The parameter.
        public var parameter: String
        /// Smallest starting value, in the parameter's units.
        public var lower: Double
        /// Largest starting value, in the parameter's units.
        public var upper: Double
        /// Distinct values on the axis (the start count for a Latin hypercube).
        public var points: Int
        /// Grid step in the search coordinate (the natural log of the parameter when `logarithmic`); NaN when the
        /// values are not evenly spaced (a Latin hypercube or values given by the caller).
        public var step: Double
        /// Whether the axis is laid out in log space.
        public var logarithmic: Bool
    }

    /// The strategy asked for.
    public var strategy: SearchStrategy
    /// How the starts were laid out.
    public var method: Method
    /// Parameters solved for by least squares at every start (variable projection), in the law's order.
    public var projected: [String]
    /// The searched parameters' ranges.
    public var axes: [Axis]
    /// Starting points.
    public var starts: Int
    /// The seed of the Latin hypercube (0 otherwise).
    public var seed: UInt64
    /// Each parameter's role as read from the formula (empty for `.startGrid`, which reads nothing).
    public var roles: [String: LawParameterRole] = [:]

    /// The search in one line, for reports.
    public var description: String {
        var parts: [String] = []
        switch method {
        case .grid: parts.append("grid of \(starts) points")
        case .latinHypercube: parts.append("Latin hypercube of \(starts) points (seed \(seed))")
        case .startGrid: parts.append("the law's starting grid, \(starts) points")
        case .single: parts.append("one start (the global optimum is not checked)")
        }
        if !axes.isEmpty {
            parts.append("on " + axes.map { a in
                let range = "\(a.parameter) in [\(Self.format(a.lower)), \(Self.format(a.upper))]"
                guard a.step.isFinite else { return range + (a.logarithmic ? " (log)" : "") }
                return range + (a.logarithmic ? " step \(Self.format(a.step)) in log" : " step \(Self.format(a.step))")
            }.joined(separator: ", "))
        }
        if !projected.isEmpty {
            parts.append("\(projected.joined(separator: ", ")) solved by least squares at each start (variable projection)")
        }
        return parts.joined(separator: "; ")
    }

    /// `%.4g`, as C prints it (the core does not import Foundation).
    static func format(_ v: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
            _ = withVaList([v]) { vsnprintf(buffer.baseAddress!, 32, "%.4g", $0) }
            return String(cString: buffer.baseAddress!)
        }
    }
}

/// Default starting ranges from a parameter's role and the data (in search coordinates).
enum StartRanges {
    /// Exponents of inputs: scaling-law exponents are almost always in (0, 1); a negative one (a law written
    /// `N^alpha` for a decreasing loss) is allowed down to −1.
    static let exponent = (-1.0, 2.0)

    /// The default range of parameter `j` in search coordinates (`logarithmic`: natural log of the parameter).
    static func range(role: LawParameterRole, scaled: (input: Int, inverse: Bool)?, logarithmic: Bool,
                      columns: [[Double]], observed: [Double]) -> (Double, Double) {
        func magnitudes(_ c: [Double]) -> (Double, Double)? {
            let positive = c.map(abs).filter { $0 > 0 }
            guard let lo = positive.min(), let hi = positive.max() else { return nil }
            return (lo, hi)
        }
        let y = magnitudes(observed) ?? (1, 1)
        switch role {
        case .exponent:
            return exponent
        case .scale:
            // p/x or x/p: p within three decades below the data to six above (Kaplan's N_c ≈ 10¹³ over runs of
            // 10⁷–10⁹ parameters); p·x: the inverse. Joined with 10^±3, because a product with an input is not
            // always a change of units (U·R* in Muennighoff et al.'s repeated-data law: R* ≈ 15 epochs).
            let x = scaled.flatMap { magnitudes(columns[$0.input]) } ?? (1, 1)
            let (lo, hi) = (log(x.0) - 3 * log(10.0), log(x.1) + 6 * log(10.0))
            var range = scaled?.inverse == true ? (-hi, -lo) : (lo, hi)
            range = (min(range.0, -3 * log(10.0)), max(range.1, 3 * log(10.0)))
            return logarithmic ? range : (exp(range.0), exp(range.1))
        case .logCoefficient:
            // a − α·log x ≈ log of a term: from below the smallest observation to the log of a coefficient that
            // cancels x^-2 at the largest input.
            let largest = columns.compactMap { magnitudes($0) }.map { max(abs(log($0.0)), abs(log($0.1))) }.max() ?? 0
            return (log(y.0) - 3, min(log(y.1) + 2 * largest, 60))
        case .additive, .coefficient:
            return logarithmic ? (log(y.0) - 5, log(y.1) + 30) : (-2 * y.1, 2 * y.1)
        case .other:
            return logarithmic ? (-5, 5) : (-2, 2)
        }
    }
}
