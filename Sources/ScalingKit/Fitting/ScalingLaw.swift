#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scaling law: a compiled formula over named inputs with named parameters, plus the defaults that make it
/// fittable out of the box (bounds, a starting grid) and where it comes from.
public struct ScalingLaw: Sendable {
    /// Catalogue name (for example "chinchilla") or "custom".
    public var name: String
    /// The compiled formula.
    public let expression: CompiledExpression
    /// Lower and upper bound per parameter (±infinity for none), in `parameters` order.
    public var lowerBounds: [Double]
    /// Upper bound per parameter (+infinity for none), in `parameters` order.
    public var upperBounds: [Double]
    /// Starting values per parameter; the starting grid is their Cartesian product.
    public var startGrid: [[Double]]
    /// Whether the formula gives log L rather than L (the log-sum-exp forms); then residuals in log space are
    /// `value − log L` and in linear space `exp(value) − L`.
    public var predictsLog: Bool
    /// One line: where the law is from.
    public var citation: String
    /// Parameters the optimiser moves in log space (they must stay > 0): coefficients such as A and B, which span
    /// many orders of magnitude. Bounds, grids and results stay in natural units. For Chinchilla this is exactly
    /// Hoffmann's (a, b, e) = (log A, log B, log E) parameterisation.
    public var logScaled: Set<String>
    /// Per parameter: whether `startGrid` was given (by the catalogue or the caller) rather than defaulted to [1].
    /// A default start carries no information, so the automatic search derives that parameter's range from its
    /// role and the data instead.
    var startGiven: [Bool]

    /// The formula text.
    public var formula: String { expression.formula }
    /// Input (data column) names, in order of first use.
    public var inputs: [String] { expression.inputs }
    /// Parameter names, in order of first use.
    public var parameters: [String] { expression.parameters }

    /// A law from a formula string. Every parameter starts unbounded with the single start 1.0 unless given.
    public init(formula: String, inputs: [String], parameters: [String]? = nil, name: String = "custom",
                lowerBounds: [String: Double] = [:], upperBounds: [String: Double] = [:],
                startGrid: [String: [Double]] = [:], logScaled: Set<String> = [], predictsLog: Bool = false,
                citation: String = "") throws {
        let e = try CompiledExpression(formula, inputs: inputs, parameters: parameters)
        for key in Array(lowerBounds.keys) + Array(upperBounds.keys) + Array(startGrid.keys) + Array(logScaled)
        where !e.parameters.contains(key) {
            throw ScalingKitError.invalid("'\(key)' is not a parameter of '\(formula)' (parameters: \(e.parameters.joined(separator: ", ")))")
        }
        self.name = name
        self.expression = e
        self.lowerBounds = e.parameters.map { lowerBounds[$0] ?? -.infinity }
        self.upperBounds = e.parameters.map { upperBounds[$0] ?? .infinity }
        self.startGrid = e.parameters.map { startGrid[$0] ?? [1.0] }
        self.startGiven = e.parameters.map { startGrid[$0] != nil }
        self.predictsLog = predictsLog
        self.citation = citation
        self.logScaled = logScaled
        try validateBoundsAndGrid()
    }

    func validateBoundsAndGrid() throws {
        for (j, p) in parameters.enumerated() {
            let lo = lowerBounds[j], hi = upperBounds[j]
            guard !lo.isNaN, !hi.isNaN, lo <= hi, lo < .infinity, hi > -.infinity else {
                throw ScalingKitError.invalid("bounds of '\(p)' are invalid: low \(lo) > high \(hi) or NaN")
            }
            guard !startGrid[j].isEmpty else { throw ScalingKitError.length("starting grid of '\(p)' is empty") }
            if let bad = startGrid[j].first(where: { !$0.isFinite }) {
                throw ScalingKitError.invalid("starting grid of '\(p)' has a non-finite value (\(bad))")
            }
            if logScaled.contains(p) {
                guard startGrid[j].allSatisfy({ $0 > 0 }), hi > 0 else {
                    throw ScalingKitError.invalid("'\(p)' is fitted in log space: its starting values and upper bound must be > 0")
                }
            }
        }
        let total = startGrid.reduce(1.0) { $0 * Double($1.count) }
        guard total <= 10_000_000 else { throw ScalingKitError.length("starting grid has \(Int(total)) points; at most 10,000,000") }
    }

    /// The law's value at each data point for the given parameters.
    public func evaluate(parameters values: [Double], columns: [[Double]]) throws -> [Double] {
        guard values.count == parameters.count else {
            throw ScalingKitError.length("\(values.count) parameter values for \(parameters.count) parameters")
        }
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw ScalingKitError.invalid("parameter '\(parameters[i])' is not finite")
        }
        let bound = try BoundExpression(expression, columns: columns)
        var out = [Double](repeating: 0, count: bound.count)
        values.withUnsafeBufferPointer { p in
            bound.forEachPoint(parameters: p, withGradient: false) { i, v, _ in out[i] = v }
        }
        return predictsLog ? out.map { exp($0) } : out
    }
}
