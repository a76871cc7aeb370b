/// SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators"): a tiny, fast,
/// statistically solid generator whose streams are cheap to derive, which is what reproducible parallel
/// resampling needs — replicate r always draws from stream (seed, r), whatever thread runs it.
public struct RandomStream: Sendable {
    private var state: UInt64

    /// A stream determined by `seed`: equal seeds give equal streams on every platform.
    public init(seed: UInt64) { state = seed }

    /// The independent stream for job `index` of a run seeded with `seed`.
    public init(seed: UInt64, stream index: Int) {
        var mixer = RandomStream(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
        state = mixer.next()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<n without modulo bias worth measuring (Lemire 2019, multiply-high).
    public mutating func index(below n: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
    }
}

extension RandomStream {
    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1p-53 }
}
