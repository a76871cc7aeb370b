/// A Cartesian grid of starting points for a multi-start Chinchilla fit, in the LSE coordinates.
///
/// The objective has many local minima (only ~7.6 % of Hoffmann's 4 500 starts reach the global optimum on the
/// Epoch data), so the grid is part of the method and is reported with the result.
public struct StartGrid: Sendable, Equatable, Hashable {
    /// Starting values of α.
    public var alpha: [Double]
    /// Starting values of β.
    public var beta: [Double]
    /// e = log E.
    public var e: [Double]
    /// a = log A.
    public var a: [Double]
    /// b = log B.
    public var b: [Double]

    /// A grid of every combination of the given values.
    public init(alpha: [Double], beta: [Double], e: [Double], a: [Double], b: [Double]) {
        self.alpha = alpha; self.beta = beta; self.e = e; self.a = a; self.b = b
    }

    /// Hoffmann et al. (2022) §D.2, as run by Besiroglu et al. (2024): α, β ∈ {0, 0.5, …, 2},
    /// e ∈ {−1, −0.5, …, 1}, a, b ∈ {0, 5, …, 25} — 5·5·5·6·6 = 4 500 starts.
    public static let hoffmann2022 = StartGrid(
        alpha: [0, 0.5, 1, 1.5, 2], beta: [0, 0.5, 1, 1.5, 2], e: [-1, -0.5, 0, 0.5, 1],
        a: [0, 5, 10, 15, 20, 25], b: [0, 5, 10, 15, 20, 25])

    /// Number of starting points.
    public var count: Int { alpha.count * beta.count * e.count * a.count * b.count }

    /// The `index`-th start as `(a, b, e, α, β)`; `b` varies fastest, then `a`, `e`, `β`, `α`.
    public func point(_ index: Int) -> [Double] {
        var i = index
        let ib = i % b.count; i /= b.count
        let ia = i % a.count; i /= a.count
        let ie = i % e.count; i /= e.count
        let iBeta = i % beta.count; i /= beta.count
        return [a[ia], b[ib], e[ie], alpha[i], beta[iBeta]]
    }

    func validate() throws {
        for (name, axis) in [("alpha", alpha), ("beta", beta), ("e", e), ("a", a), ("b", b)] {
            guard !axis.isEmpty else { throw ScalingKitError.length("start grid axis '\(name)' is empty") }
            guard axis.count <= 10_000 else {
                throw ScalingKitError.length("start grid axis '\(name)' has \(axis.count) values (at most 10000)")
            }
            if let bad = axis.firstIndex(where: { !$0.isFinite }) {
                throw ScalingKitError.invalid("start grid axis '\(name)' has a non-finite value at index \(bad)")
            }
        }
        let total = alpha.count.multipliedReportingOverflow(by: beta.count).partialValue
            .multipliedReportingOverflow(by: e.count).partialValue
        guard total <= 10_000_000 / max(1, a.count * b.count) else {
            throw ScalingKitError.length("start grid has more than 10,000,000 points")
        }
    }
}
