/// One measurement's unbiased estimates of |G|² and tr(Σ), the two parts of the simple noise scale
/// B_simple = tr(Σ)/|G|² (McCandlish et al. 2018, eq. 2.9).
public struct NoiseComponents: Sendable, Equatable {
    /// |G|², the squared norm of the true gradient. An unbiased estimate can be negative: keep it in averages.
    public var gradientSquared: Double
    /// tr(Σ), the trace of the per-example gradient covariance.
    public var traceCovariance: Double

    /// Components |G|² and tr(Σ) as measured (either may be negative from noise).
    public init(gradientSquared: Double, traceCovariance: Double) {
        self.gradientSquared = gradientSquared
        self.traceCovariance = traceCovariance
    }

    /// From the squared norms of gradients averaged over a small and a big batch (McCandlish et al. 2018, App. A.1,
    /// eq. A.2), using E|G_B|² = |G|² + tr(Σ)/B:
    /// |G|² ≈ (B_big|G_big|² − B_small|G_small|²)/(B_big − B_small),
    /// tr(Σ) ≈ (|G_small|² − |G_big|²)/(1/B_small − 1/B_big).
    /// `smallSquaredNorm` may be the mean over any number of independent small batches (ranks, micro-batches or
    /// examples): the estimates stay unbiased with less variance.
    /// - Throws: `ScalingKitError` for a non-finite norm, a batch ≤ 0, or B_small ≥ B_big.
    public init(smallSquaredNorm small: Double, bigSquaredNorm big: Double, smallBatch bs: Double, bigBatch bb: Double) throws {
        guard small.isFinite, big.isFinite, small >= 0, big >= 0 else {
            throw ScalingKitError.invalid("squared norms must be finite and >= 0 (got small \(small), big \(big))")
        }
        guard bs.isFinite, bb.isFinite, bs > 0, bb > 0 else {
            throw ScalingKitError.invalid("batch sizes must be finite and > 0 (got small \(bs), big \(bb))")
        }
        guard bs < bb else { throw ScalingKitError.invalid("the small batch (\(bs)) must be smaller than the big one (\(bb))") }
        gradientSquared = (bb * big - bs * small) / (bb - bs)
        traceCovariance = (small - big) / (1 / bs - 1 / bb)
    }

    /// Removes the bias of disjoint shards drawn without replacement from a finite data set of `datasetSize`
    /// examples: there E[|G|² estimate] = |G|² − tr(Σ)/(N−1) and E[tr estimate] = tr(Σ)·N/(N−1), so
    /// |G|²_c = ĝ² + t̂r/N and tr_c = t̂r·(N−1)/N (derived in the batch-size research notes, §0.5; checked there on
    /// an enumerable data set).
    public func correctedForFiniteData(datasetSize N: Double) -> NoiseComponents {
        NoiseComponents(gradientSquared: gradientSquared + traceCovariance / N, traceCovariance: traceCovariance * (N - 1) / N)
    }

    /// tr(Σ)/|G|², or nil when |G|² ≤ 0 (no meaningful noise scale yet).
    public var simpleNoiseScale: Double? { gradientSquared > 0 ? traceCovariance / gradientSquared : nil }
}
