/// Four-lane `exp` and `log` for the fitting objectives' inner loops.
///
/// Why: the Chinchilla objective spends most of its time in `exp` and `log` (three and one per run), and libm's
/// scalar calls keep the loop from vectorising. These kernels are branch-free, use only operations every x86-64 and
/// arm64 target has (no `roundpd`, no 64-bit integer ↔ double conversions), and are within 2 ulps (exp) and 1 ulp (log) of glibc over 3·10⁵ random arguments each —
/// checked against libm in the tests.
///
/// Method (Cody & Waite 1980, *Software Manual for the Elementary Functions*, ch. 6–7; the polynomials are Taylor
/// series, truncated where the remainder falls below 2⁻⁵⁶ on the reduced interval):
/// - `exp(x) = 2ⁿ · exp(r)`, `n = round(x / ln 2)`, `r = x − n·ln 2` with ln 2 split in two parts so that `r` is
///   exact; `|r| ≤ ln2/2`, degree 13.
/// - `log(x) = k·ln 2 + log(1 + f)`, `x = 2ᵏ(1 + f)`, `√½ ≤ 1 + f < √2`; with `s = f/(2 + f)`,
///   `log(1 + f) = f − ½f² + s(½f² + R(s²))` (fdlibm's e_log.c arrangement), `R` to s²².
enum VectorMath {
    typealias Vector = SIMD4<Double>
    typealias Bits = SIMD4<UInt64>

    private static let ln2Hi = 6.93147180369123816490e-01   // fdlibm's split: ln2Hi has 32 trailing zero bits
    private static let ln2Lo = 1.90821492927058770002e-10
    private static let log2e = 1.44269504088896338700e+00
    /// 1.5·2⁵²: adding it rounds a double of magnitude < 2⁵¹ to an integer held in the low mantissa bits.
    private static let roundingShifter = 6755399441055744.0

    /// e^x for finite x ≤ 709. Arguments below −708 return e^−708 ≈ 3.3·10⁻³⁰⁸ (the fits only add such terms to
    /// numbers ≥ 1, where they vanish either way).
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        let xc = x.replacing(with: -708, where: x .< -708)
        let shifted = xc * log2e + roundingShifter
        let n = shifted - roundingShifter
        let r = (xc - n * ln2Hi) - n * ln2Lo
        // Taylor series of e^r to r¹³ (remainder < 4·10⁻¹⁸ relative for |r| ≤ ln2/2), by Estrin's scheme (Knuth,
        // TAOCP vol. 2, §4.6.4): pairs c₂ₖ + c₂ₖ₊₁r combined with r², r⁴, r⁸. Depth 8 instead of Horner's 26, which
        // is what bounds this loop on two-lane hardware.
        let r2 = r * r, r4 = r2 * r2, r8 = r4 * r4
        let p01 = 1 + r, p23 = 0.5 + r * (1.0 / 6), p45 = 1.0 / 24 + r * (1.0 / 120)
        let p67 = 1.0 / 720 + r * (1.0 / 5040), p89 = 1.0 / 40320 + r * (1.0 / 362880)
        let p1011 = 1.0 / 3628800 + r * (1.0 / 39916800), p1213 = 1.0 / 479001600 + r * (1.0 / 6227020800)
        let p03 = p01 + r2 * p23, p47 = p45 + r2 * p67, p811 = p89 + r2 * p1011
        let p07 = p03 + r4 * p47, p813 = p811 + r4 * p1213
        let p = p07 + r8 * p813
        // 2ⁿ: the integer n sits in the low bits of `shifted`; (n + 1023) shifted into the exponent field.
        let scaleBits = (unsafeBitCast(shifted, to: Bits.self) &+ 1023) &<< 52
        return p * unsafeBitCast(scaleBits, to: Vector.self)
    }

    /// The natural logarithm of positive, finite, normal x (the callers pass sums of exponentials ≥ 1).
    @inline(__always)
    static func log(_ x: Vector) -> Vector {
        let bits = unsafeBitCast(x, to: Bits.self)
        // Mantissa in [1, 2), then into [√½, √2) so that |s| ≤ 0.1716.
        var m = unsafeBitCast((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000, to: Vector.self)
        // The biased exponent as a double, exactly: OR it under 2⁵² and subtract 2⁵² (no int→double conversion).
        var k = unsafeBitCast((bits &>> 52) | 0x4330_0000_0000_0000, to: Vector.self) - (4503599627370496.0 + 1023)
        let high = m .> 1.4142135623730951
        m = m.replacing(with: m * 0.5, where: high)
        k = k.replacing(with: k + 1, where: high)
        let f = m - 1
        let s = f / (2 + f)
        let z = s * s
        // R(z) = 2z/3 + 2z²/5 + … + 2z¹¹/23 (the series of 2·atanh(s)/s − 2; z¹² term < 2⁻⁶⁰ relative), as an even
        // and an odd part in w = z² so that two short Horner chains run side by side.
        let w = z * z
        var even = Vector(repeating: 2.0 / 23)      // R/z's terms in z⁰, z², …, z¹⁰, as a polynomial in w
        even = even * w + 2.0 / 19
        even = even * w + 2.0 / 15
        even = even * w + 2.0 / 11
        even = even * w + 2.0 / 7
        even = even * w + 2.0 / 3
        var odd = Vector(repeating: 2.0 / 21)       // R/z's terms in z¹, z³, …, z⁹, divided by z
        odd = odd * w + 2.0 / 17
        odd = odd * w + 2.0 / 13
        odd = odd * w + 2.0 / 9
        odd = odd * w + 2.0 / 5
        let q = even + z * odd
        let rr = q * z
        let halfSquare = 0.5 * f * f
        let log1pf = f - (halfSquare - s * (halfSquare + rr))
        return k * ln2Hi + (log1pf + k * ln2Lo)
    }

    // Lane-wise max/min/abs, written out because the standard library's `pointwiseMax`/`pointwiseMin` are not
    // inlined into callers (a call per use, measured 4× slower in the Chinchilla loop).
    @inline(__always)
    static func max(_ a: Vector, _ b: Vector) -> Vector { a.replacing(with: b, where: b .> a) }

    @inline(__always)
    static func min(_ a: Vector, _ b: Vector) -> Vector { a.replacing(with: b, where: b .< a) }

    @inline(__always)
    static func abs(_ a: Vector) -> Vector {
        unsafeBitCast(unsafeBitCast(a, to: Bits.self) & 0x7FFF_FFFF_FFFF_FFFF, to: Vector.self)
    }
}
