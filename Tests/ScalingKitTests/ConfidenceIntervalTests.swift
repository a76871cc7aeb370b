import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import ScalingKit

/// One interval type across the library: every result that bounds one number carries a `ConfidenceInterval` whose
/// level is the coverage it was asked for, or nil where the interval is not defined.
@Suite struct ConfidenceIntervalTests {
    @Test func powerLawFitCarriesItsLevelOrNil() throws {
        let x = [1e18, 1e19, 1e20, 1e21], y = x.map { 0.3 * pow($0, 0.5) * (1 + 0.01 * sin($0)) }
        let fit = try PowerLawFit(x: x, y: y, confidence: 0.9)
        let i = try #require(fit.interval)
        #expect(i.level == 0.9 && i.contains(fit.exponent) && i.lower < i.upper)
        #expect(try PowerLawFit(x: [1, 10], y: [2, 20]).interval == nil)   // 2 points: no degrees of freedom
    }

    @Test func noiseScaleReadingCarriesTheOptionsLevel() throws {
        var options = GradientNoiseScaleOptions()
        options.confidence = 0.8
        var gns = try GradientNoiseScale(options: options)
        for k in 0..<200 {
            let wobble = 1 + 0.05 * sin(Double(k))
            try gns.update(smallSquaredNorm: 2.0 * wobble, bigSquaredNorm: 1.1, smallBatch: 8, bigBatch: 64, learningRate: 0.1)
        }
        let r = try gns.read()
        let i = try #require(r.interval)
        let b = try #require(r.simpleNoiseScale)
        #expect(i.level == 0.8 && i.contains(b) && r.valid)
    }

    @Test func batchTradeoffAndPredictionIntervalsShareTheType() throws {
        let B: [Double] = [64, 256, 1024, 4096, 16384]
        let steps = B.enumerated().map { 1000 * (1 + 2000 / $0.element) * (1 + 0.01 * Double($0.offset % 2)) }
        let f = try BatchTradeoff.fit(batch: B, steps: steps, confidence: 0.99)
        let i = try #require(f.criticalBatchInterval as ConfidenceInterval?)
        #expect(i.level == 0.99 && i.contains(f.criticalBatch) && i.ratio > 1)
        let p = PredictionIntervals(kind: .confidence, level: 0.95, estimate: [1, 2], lower: [0.5, 1.5], upper: [1.5, 2.5],
                                    residualScale: 0.1, degreesOfFreedom: 3)
        #expect(p.interval(at: 1) == ConfidenceInterval(lower: 1.5, upper: 2.5, level: 0.95))
    }
}
