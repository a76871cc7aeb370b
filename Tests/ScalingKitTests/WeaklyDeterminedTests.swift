import Testing
@testable import ScalingKit

/// The weakly-determined measure against the closed form of least squares, y = a + b·x: cov = s²(XᵀX)⁻¹ with
/// s² = Σr²/(n − 2) (Seber & Wild 2003, §2.1.2).
@Suite("Weakly determined parameters")
struct WeaklyDeterminedTests {
    static let x = (0..<8).map { 100 + Double($0) }
    static let residuals = [0.3, -0.1, 0.2, -0.4, 0.1, 0.25, -0.3, -0.05]
    static let jacobian: [Double] = x.flatMap { [1.0, $0] }

    /// Far from x = 0 the intercept is fixed only together with the slope: with a = 0.1 its standard error exceeds
    /// it, the slope's does not, and the partner is the slope with their closed-form correlation.
    @Test func matchesLeastSquaresClosedForm() {
        let n = Double(Self.x.count)
        let mean = Self.x.reduce(0, +) / n
        let sxx = Self.x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        let s2 = Self.residuals.map { $0 * $0 }.reduce(0, +) / (n - 2)
        let seA = (s2 * (1 / n + mean * mean / sxx)).squareRoot(), seB = (s2 / sxx).squareRoot()
        let correlation = -mean / (sxx / n + mean * mean).squareRoot()
        let weak = WeaklyDetermined(values: [0.1, 5], residuals: Self.residuals, jacobian: Self.jacobian, free: [0, 1],
                                    names: ["a", "b"], huber: Huber(delta: 10))
        #expect(seB < 5 && seA > 0.1)
        let a = try! #require(weak.parameters.count == 1 ? weak.parameters[0] : nil)
        #expect(a.name == "a" && a.value == 0.1 && a.partner == "b")
        #expect(abs(a.standardError / seA - 1) < 1e-9, "\(a.standardError) against \(seA)")
        #expect(abs(a.correlation - correlation) < 1e-9, "\(a.correlation) against \(correlation)")
        #expect(weak.note()?.hasPrefix("weakly determined: a = 0.1 ± ") == true, "\(weak.note() ?? "")")
        // A large intercept is determined; held parameters are not measured.
        #expect(WeaklyDetermined(values: [50, 5], residuals: Self.residuals, jacobian: Self.jacobian, free: [0, 1],
                                 names: ["a", "b"], huber: Huber(delta: 10)) == .none)
        let held = WeaklyDetermined(values: [0.1, 5], residuals: Self.residuals, jacobian: Self.jacobian, free: [1],
                                    names: ["a", "b"], huber: Huber(delta: 10))
        #expect(held == .none && held.note() == nil)
    }

    /// Residuals beyond δ count through Huber's ψ and the share in the quadratic region (Huber 1981, §7.6):
    /// [Σψ²/(n − p)] / (m/n)² times the least-squares (XᵀX)⁻¹.
    @Test func huberResidualsScaleTheCovariance() {
        let delta = 0.2, n = Double(Self.x.count)
        let psi = Self.residuals.map { min(max($0, -delta), delta) }
        let share = Double(Self.residuals.filter { abs($0) <= delta }.count) / n
        let mean = Self.x.reduce(0, +) / n
        let sxx = Self.x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        let scale = psi.map { $0 * $0 }.reduce(0, +) / (n - 2) / (share * share)
        let seA = (scale * (1 / n + mean * mean / sxx)).squareRoot()
        let weak = WeaklyDetermined(values: [0.1, 5], residuals: Self.residuals, jacobian: Self.jacobian, free: [0, 1],
                                    names: ["a", "b"], huber: Huber(delta: delta))
        #expect(weak.parameters.count == 1 && abs(weak.parameters[0].standardError / seA - 1) < 1e-9)
    }

    /// Nothing to say where the Jacobian is singular (the identification check's case), or with no more residuals
    /// than parameters.
    @Test func singularOrTooFewIsNone() {
        let collinear: [Double] = Self.x.flatMap { [$0, 2 * $0] }
        #expect(WeaklyDetermined(values: [0.1, 5], residuals: Self.residuals, jacobian: collinear, free: [0, 1],
                                 names: ["a", "b"], huber: Huber(delta: 10)) == .none)
        #expect(WeaklyDetermined(values: [0.1, 5], residuals: [0.1, 0.2], jacobian: [1, 100, 1, 101], free: [0, 1],
                                 names: ["a", "b"], huber: Huber(delta: 10)) == .none)
    }
}
