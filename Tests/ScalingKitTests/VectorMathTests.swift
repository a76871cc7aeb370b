import Testing
@testable import ScalingKit
#if canImport(Glibc)
import Glibc
#endif

/// The four-lane exp and log against libm, in ulps of libm's answer, over the ranges the objectives use and the
/// awkward points (range-reduction boundaries, exact powers of two, 1).
@Suite("Vector math")
struct VectorMathTests {
    private func ulps(_ a: Double, _ b: Double) -> Double { abs(a - b) / b.ulp }

    @Test func expMatchesLibm() {
        var stream = RandomStream(seed: 7)
        var worst = 0.0
        var xs: [Double] = [0, -1e-300, -0.5 * M_LN2, 0.5 * M_LN2, -M_LN2, -1, -700, -707.9, 1, 10, 700, 709]
        for _ in 0..<200_000 { xs.append(-708 + 717 * stream.nextUniform()) }
        for _ in 0..<100_000 { xs.append(-1 + 2 * stream.nextUniform()) }
        var i = 0
        while i + 4 <= xs.count {
            let v = VectorMath.exp(SIMD4(xs[i], xs[i + 1], xs[i + 2], xs[i + 3]))
            for lane in 0..<4 { worst = max(worst, ulps(v[lane], Glibc.exp(xs[i + lane]))) }
            i += 4
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
        // Below the clamp the result is e^−708, tiny and finite, never NaN or a negative number.
        let tiny = VectorMath.exp(SIMD4(repeating: -5000))
        #expect(tiny[0] > 0 && tiny[0] < 1e-300)
    }

    @Test func logMatchesLibm() {
        var stream = RandomStream(seed: 11)
        var worst = 0.0
        var xs: [Double] = [1, 2, 3, 0.5, 1.4142135623730951, 1.4142135623730951.nextUp, 1.4142135623730951.nextDown,
                            1.0.nextUp, 1.0.nextDown, 2.2250738585072014e-308, 1.7976931348623157e308, 1e-10]
        for _ in 0..<200_000 { xs.append(1 + 2 * stream.nextUniform()) }
        for _ in 0..<100_000 { xs.append(Glibc.exp(-700 + 1400 * stream.nextUniform())) }
        var i = 0
        while i + 4 <= xs.count {
            let v = VectorMath.log(SIMD4(xs[i], xs[i + 1], xs[i + 2], xs[i + 3]))
            for lane in 0..<4 {
                let ref = Glibc.log(xs[i + lane])
                // log(1) = 0 exactly; elsewhere in ulps of the answer.
                if ref == 0 { #expect(v[lane] == 0) } else { worst = max(worst, ulps(v[lane], ref)) }
            }
            i += 4
        }
        #expect(worst <= 1, "worst error \(worst) ulp")
    }
}
