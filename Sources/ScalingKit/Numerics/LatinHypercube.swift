/// Latin hypercube sampling (McKay, Beckman & Conover 1979): `count` points in a box such that each coordinate's
/// range, cut into `count` equal strata, holds exactly one point per stratum — better coverage than independent
/// uniform draws for the same number of starts. Seeded and deterministic.
enum LatinHypercube {
    static func points(count: Int, ranges: [(Double, Double)], seed: UInt64) -> [[Double]] {
        var rng = RandomStream(seed: seed)
        var out = [[Double]](repeating: [Double](repeating: 0, count: ranges.count), count: count)
        for (k, (lo, hi)) in ranges.enumerated() {
            // A random permutation of the strata (Fisher–Yates), one uniform point inside each.
            var strata = Array(0..<count)
            for i in stride(from: count - 1, to: 0, by: -1) { strata.swapAt(i, rng.index(below: i + 1)) }
            for i in 0..<count {
                let u = (Double(strata[i]) + Double(rng.next() >> 11) / Double(1 << 53)) / Double(count)
                out[i][k] = lo + u * (hi - lo)
            }
        }
        return out
    }
}
