import Testing
@testable import ScalingKit
#if canImport(Glibc)
import Glibc
#endif

/// Gaussian draws for the simulations (Box–Muller).
struct Gaussian {
    var rng: RandomStream
    init(seed: UInt64) { rng = RandomStream(seed: seed) }
    mutating func next() -> Double {
        let u1 = max(rng.nextUniform(), 1e-300), u2 = rng.nextUniform()
        let r: Double = (-2 * log(u1)).squareRoot()
        return r * cos(2 * Double.pi * u2)
    }
}

/// Linear regression y = xᵀw* + ε with x ~ N(0, S), S = diag(1/i), ε ~ N(0, 1), at w = w* + δ. Per-example gradients
/// of ½(xᵀw − y)² are g = x(xᵀδ − ε), so G = Sδ and (Isserlis) tr Σ = (δᵀSδ + σ²)·tr S + |Sδ|²: the batch-size
/// research notes, §6 case A.
struct LinearRegressionTruth {
    let d = 8
    let lambda: [Double]
    let delta: [Double]

    init() {
        lambda = (1...8).map { 1 / Double($0) }
        let raw = [0.3, -0.5, 0.8, 0.1, -0.2, 0.6, -0.4, 0.35]
        let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
        delta = raw.map { 0.6 * $0 / norm }
    }

    var gradientSquared: Double { zip(lambda, delta).reduce(0) { $0 + $1.0 * $1.0 * $1.1 * $1.1 } }
    var traceCovariance: Double {
        let quad = zip(lambda, delta).reduce(0) { $0 + $1.0 * $1.1 * $1.1 }
        return (quad + 1) * lambda.reduce(0, +) + gradientSquared
    }
    var simpleNoiseScale: Double { traceCovariance / gradientSquared }

    /// One per-example gradient into `g`.
    func sample(_ z: inout Gaussian, into g: inout [Double]) {
        var dot = 0.0
        for i in 0..<d { g[i] = lambda[i].squareRoot() * z.next(); dot += g[i] * delta[i] }
        let residual = dot - z.next()
        for i in 0..<d { g[i] *= residual }
    }
}

@Suite("Batch size: gradient noise scale")
struct GradientNoiseScaleTests {
    /// The streamed estimate converges to the closed-form B_simple within 1 % in the per-example, data-parallel and
    /// accumulation constructions (B_big = 64; 8 ranks of 8; 4 micro-batches of 16; per-example B_small = 1), after
    /// 60,000 measurements (standard error 0.3–0.5 %).
    @Test(arguments: [(1, "per-example"), (8, "data-parallel"), (16, "accumulation")])
    func convergesToTheClosedForm(small: Int, label: String) throws {
        let truth = LinearRegressionTruth()
        var z = Gaussian(seed: 11)
        var options = GradientNoiseScaleOptions()
        options.smoothing = .cumulative
        var gns = try GradientNoiseScale(options: options)
        var g = [Double](repeating: 0, count: 8), part = [Double](repeating: 0, count: 8), big = [Double](repeating: 0, count: 8)
        for _ in 0..<60_000 {
            for i in 0..<8 { big[i] = 0 }
            var smallSum = 0.0
            for _ in 0..<(64 / small) {
                for i in 0..<8 { part[i] = 0 }
                for _ in 0..<small {
                    truth.sample(&z, into: &g)
                    for i in 0..<8 { part[i] += g[i] / Double(small); big[i] += g[i] / 64 }
                }
                smallSum += part.reduce(0) { $0 + $1 * $1 }
            }
            try gns.update(smallSquaredNorm: smallSum / Double(64 / small), bigSquaredNorm: big.reduce(0) { $0 + $1 * $1 },
                           smallBatch: Double(small), bigBatch: 64, learningRate: 0.1)
        }
        let r = try gns.read()
        let estimate = try #require(r.simpleNoiseScale)
        #expect(abs(estimate / truth.simpleNoiseScale - 1) < 0.01, "\(label): \(estimate) vs \(truth.simpleNoiseScale)")
        #expect(abs(r.traceCovariance / truth.traceCovariance - 1) < 0.01)
        // The interval is honest: it covers the truth, and it is a few percent wide at most.
        #expect(r.interval!.contains(truth.simpleNoiseScale), "\(r)")
        #expect(r.standardError! / estimate < 0.01 && r.effectiveMeasurements == 60_000 && !r.temperatureChanged)
    }

    /// Disjoint shards drawn without replacement from a finite data set bias the estimate (the notes' case B:
    /// +34 % at N = 512, B_small = 8, B_big = 64); the finite-data correction removes it. Enumerable: the truth is the
    /// data set's own mean gradient and population covariance.
    @Test func finiteDataCorrectionRemovesTheShardBias() throws {
        let truthModel = LinearRegressionTruth()
        var z = Gaussian(seed: 5)
        let N = 256
        var data = [[Double]](repeating: [Double](repeating: 0, count: 8), count: N)
        for k in 0..<N { truthModel.sample(&z, into: &data[k]) }
        var mean = [Double](repeating: 0, count: 8)
        for x in data { for i in 0..<8 { mean[i] += x[i] / Double(N) } }
        let g2 = mean.reduce(0) { $0 + $1 * $1 }
        var tr = 0.0
        for x in data { for i in 0..<8 { tr += (x[i] - mean[i]) * (x[i] - mean[i]) / Double(N) } }
        let truth = tr / g2

        var plainOptions = GradientNoiseScaleOptions(), correctedOptions = GradientNoiseScaleOptions()
        plainOptions.smoothing = .cumulative
        correctedOptions.smoothing = .cumulative
        correctedOptions.datasetSize = Double(N)
        var plain = try GradientNoiseScale(options: plainOptions), corrected = try GradientNoiseScale(options: correctedOptions)
        var order = Array(0..<N), rng = RandomStream(seed: 9)
        for _ in 0..<40_000 {
            for i in 0..<64 { order.swapAt(i, i + Int(rng.next() % UInt64(N - i))) }   // 64 draws without replacement
            var big = [Double](repeating: 0, count: 8), smallSum = 0.0
            for shard in 0..<8 {
                var part = [Double](repeating: 0, count: 8)
                for j in 0..<8 { let x = data[order[shard * 8 + j]]; for i in 0..<8 { part[i] += x[i] / 8; big[i] += x[i] / 64 } }
                smallSum += part.reduce(0) { $0 + $1 * $1 }
            }
            let bigNorm = big.reduce(0) { $0 + $1 * $1 }
            try plain.update(smallSquaredNorm: smallSum / 8, bigSquaredNorm: bigNorm, smallBatch: 8, bigBatch: 64)
            try corrected.update(smallSquaredNorm: smallSum / 8, bigSquaredNorm: bigNorm, smallBatch: 8, bigBatch: 64)
        }
        let biased = try #require(try plain.read().simpleNoiseScale), fixed = try #require(try corrected.read().simpleNoiseScale)
        #expect(biased / truth - 1 > 0.1, "uncorrected \(biased) vs \(truth)")                 // the shard bias is real
        #expect(abs(fixed / truth - 1) < 0.02, "corrected \(fixed) vs \(truth)")
    }

    @Test func smoothingAndBookkeeping() throws {
        // EMA with bias correction against a hand computation; window = mean of the last n; negative |G|² kept.
        let inputs: [(Double, Double)] = [(2.0, 1.0), (1.5, 1.4), (3.0, 0.5), (1.0, 0.99)]
        let parts = try inputs.map { try NoiseComponents(smallSquaredNorm: $0.0, bigSquaredNorm: $0.1, smallBatch: 4, bigBatch: 16) }
        #expect(parts[1].gradientSquared == (16 * 1.4 - 4 * 1.5) / 12 && parts[1].traceCovariance == (1.5 - 1.4) / (0.25 - 1.0 / 16))
        var ema = GradientNoiseScaleOptions()
        ema.smoothing = .ema(beta: 0.9)
        var e = try GradientNoiseScale(options: ema)
        var num = 0.0, den = 0.0, w = 0.0
        for (p, x) in zip(parts, inputs) {
            try e.update(smallSquaredNorm: x.0, bigSquaredNorm: x.1, smallBatch: 4, bigBatch: 16)
            num = 0.9 * num + 0.1 * p.traceCovariance; den = 0.9 * den + 0.1 * p.gradientSquared; w = 0.9 * w + 0.1
        }
        let r = try e.read()
        #expect(abs(r.traceCovariance - num / w) < 1e-14 && abs(r.gradientSquared - den / w) < 1e-14)
        var win = GradientNoiseScaleOptions()
        win.smoothing = .window(count: 2)
        var wgns = try GradientNoiseScale(options: win)
        for x in inputs { try wgns.update(smallSquaredNorm: x.0, bigSquaredNorm: x.1, smallBatch: 4, bigBatch: 16) }
        #expect(abs(try wgns.read().gradientSquared - (parts[2].gradientSquared + parts[3].gradientSquared) / 2) < 1e-14)
        // A negative |G|² sample (a huge big-batch norm) is kept, and the read-out is guarded.
        var cum = GradientNoiseScaleOptions()
        cum.smoothing = .cumulative
        var c = try GradientNoiseScale(options: cum)
        try c.update(smallSquaredNorm: 1.0, bigSquaredNorm: 0.1, smallBatch: 4, bigBatch: 16)
        #expect(try c.read().gradientSquared < 0 && (try c.read().simpleNoiseScale) == nil)

        // Errors leave the state intact; reading before updating throws.
        var fresh = try GradientNoiseScale()
        #expect(throws: ScalingKitError.self) { try fresh.read() }
        #expect(throws: ScalingKitError.self) { try fresh.update(smallSquaredNorm: .nan, bigSquaredNorm: 1, smallBatch: 4, bigBatch: 16) }
        #expect(throws: ScalingKitError.self) { try fresh.update(smallSquaredNorm: 1, bigSquaredNorm: 1, smallBatch: 16, bigBatch: 16) }
        #expect(throws: ScalingKitError.self) { try fresh.update(smallSquaredNorm: 1, bigSquaredNorm: 1, smallBatch: 0, bigBatch: 16) }
        #expect(fresh.measurements == 0)
        try fresh.update(smallSquaredNorm: 2, bigSquaredNorm: 1, smallBatch: 4, bigBatch: 16, learningRate: 0.1)
        try fresh.update(smallSquaredNorm: 2, bigSquaredNorm: 1, smallBatch: 4, bigBatch: 32, learningRate: 0.1)
        #expect(try fresh.read().temperatureChanged && fresh.measurements == 2)
        fresh.reset()
        #expect(fresh.measurements == 0)

        // Groups: the total sums the groups' components; the consecutive construction is flagged.
        var grouped = GradientNoiseScaleOptions()
        grouped.groups = 2
        grouped.smoothing = .cumulative
        grouped.construction = .consecutive
        var gg = try GradientNoiseScale(options: grouped)
        let small = [2.0, 1.5], bigs = [1.0, 1.4]
        try small.withUnsafeBufferPointer { s in
            try bigs.withUnsafeBufferPointer { b in try gg.update(smallSquaredNorms: s, bigSquaredNorms: b, smallBatch: 4, bigBatch: 16) }
        }
        let total = try gg.read(), first = try gg.read(group: 0)
        #expect(abs(total.gradientSquared - parts[0].gradientSquared - parts[1].gradientSquared) < 1e-14)
        #expect(first.gradientSquared == parts[0].gradientSquared && total.biased)
        #expect(throws: ScalingKitError.self) { try gg.read(group: 2) }
        #expect(throws: ScalingKitError.self) { try gg.update(smallSquaredNorm: 1, bigSquaredNorm: 1, smallBatch: 4, bigBatch: 16) }
        var bad = GradientNoiseScaleOptions()
        bad.smoothing = .ema(beta: 1)
        #expect(throws: ScalingKitError.self) { try GradientNoiseScale(options: bad) }
    }
}

@Suite("Batch size: trade-off, definitions, laws, schedules")
struct BatchTradeoffTests {
    /// The notes' case C: S_min = 1000, B_crit = 2000, 5 % lognormal noise, B = 32 … 65536, 3 replicates. Over 300
    /// synthetic sweeps the 95 % interval on B_crit covers the truth at about the nominal rate.
    @Test func recoversBCritWithHonestIntervals() throws {
        var z = Gaussian(seed: 3)
        let grid = (0..<12).map { 32 * pow(2, Double($0)) }
        var covered = 0, estimates: [Double] = []
        for _ in 0..<300 {
            var B: [Double] = [], S: [Double] = []
            for b in grid { for _ in 0..<3 { B.append(b); S.append(1000 * (1 + 2000 / b) * exp(0.05 * z.next())) } }
            let f = try BatchTradeoff.fit(batch: B, steps: S)
            estimates.append(f.criticalBatch)
            if f.criticalBatchInterval!.contains(2000) { covered += 1 }
            #expect(f.identified)
        }
        let rate = Double(covered) / 300
        #expect(rate > 0.91 && rate < 0.99, "coverage \(rate)")
        let median = estimates.sorted()[150]
        #expect(abs(median / 2000 - 1) < 0.02, "median \(median)")

        // Exact data: exact recovery; E_min = S_min·B_crit.
        let exact = try BatchTradeoff.fit(batch: grid, steps: grid.map { 1000 * (1 + 2000 / $0) })
        #expect(abs(exact.criticalBatch / 2000 - 1) < 1e-8 && abs(exact.minimumExamples / 2e6 - 1) < 1e-8)
        // A grid far below B_crit does not identify it, and says so.
        let low = try BatchTradeoff.fit(batch: [8, 16, 32, 64], steps: [8, 16, 32, 64].map { 1000 * (1 + 2000 / $0) })
        #expect(!low.identified && low.message.contains("does not straddle"))
        #expect(throws: ScalingKitError.self) { try BatchTradeoff.fit(batch: [32, 64], steps: [10, 5]) }
        #expect(throws: ScalingKitError.self) { try BatchTradeoff.fit(batch: [32, 64, -1], steps: [10, 5, 3]) }
    }

    /// Found as a user: examples (B·S) passed as steps, and steps that never fall, each gave a "B_crit" at the
    /// search's bound (0.032 for a grid from 32) with a confident interval.
    @Test func boundsAndRisingStepsAreNotEstimates() throws {
        let grid: [Double] = [32, 64, 128, 256, 512, 1024, 2048, 4096]
        let steps = grid.map { 1000 * (1 + 500 / $0) }
        do {
            _ = try BatchTradeoff.fit(batch: grid, steps: zip(grid, steps).map { $0 * $1 }, targetLoss: 3.2)
            Issue.record("examples passed as steps were fitted")
        } catch let e as ScalingKitError {
            #expect(e.message.contains("target loss 3.2: the steps rise with the batch size"), "\(e.message)")
            #expect(e.message.contains("were examples or tokens (batch × steps) passed as steps?"))
        }
        let flat = try BatchTradeoff.fit(batch: grid, steps: grid.map { _ in 1000 })
        #expect(!flat.identified && flat.criticalBatchInterval == nil && flat.minimumStepsInterval == nil)
        #expect(flat.message.contains("B_crit lies below the batch grid's reach") && flat.message.contains("not an estimate"))
        let linear = try BatchTradeoff.fit(batch: grid, steps: grid.map { 1e6 / $0 })
        #expect(!linear.identified && linear.criticalBatchInterval == nil && linear.message.contains("above the batch grid's reach"))
        // The honest fit of the same sweep is untouched.
        let fit = try BatchTradeoff.fit(batch: grid, steps: steps)
        #expect(fit.identified && abs(fit.criticalBatch / 500 - 1) < 1e-6 && fit.criticalBatchInterval != nil)
    }

    /// Several targets: Kaplan's B_crit(L) = B*/L^(1/α_B) recovered from its own curve (case C2's generator).
    @Test func kaplanLawAcrossTargets() throws {
        var B: [Double] = [], S: [Double] = [], L: [Double] = []
        for loss in [3.3, 3.6, 3.9, 4.2, 4.4] {
            let bc = 2e8 / pow(loss, 1 / 0.21)
            for b in (0..<11).map({ 8192 * pow(2, Double($0)) }) { B.append(b); S.append(5000 * (1 + bc / b)); L.append(loss) }
        }
        let r = try BatchTradeoff.fit(batch: B, steps: S, targetLoss: L)
        #expect(r.fits.count == 5)
        let law = try #require(r.law)
        #expect(abs(law.alphaB - 0.21) < 1e-6 && abs(law.criticalBatchAtUnitLoss / 2e8 - 1) < 1e-5)
        #expect(abs(try BatchLaw.kaplan.batchTokens(at: 3.8) / 2e8 * pow(3.8, 1 / 0.21) - 1) < 1e-12)
    }

    /// A target whose grid does not straddle its B_crit (here L = 2, B_crit = 7.4e6 on a grid up to 8.4e6, with 3 %
    /// noise) has a B_crit the law must not go through: it went in all the same before 0.4.5.
    @Test func kaplanLawSkipsUnidentifiedTargets() throws {
        var B: [Double] = [], S: [Double] = [], L: [Double] = []
        var rng = SplitMix64(seed: 3)
        for loss in [2.0, 3.3, 3.9, 4.4] {
            let bc = 2e8 / pow(loss, 1 / 0.21)
            for b in (0..<11).map({ 8192 * pow(2, Double($0)) }) {
                B.append(b); S.append(5000 * (1 + bc / b) * exp(0.03 * rng.normal())); L.append(loss)
            }
        }
        let r = try BatchTradeoff.fit(batch: B, steps: S, targetLoss: L)
        #expect(r.fits.map(\.identified) == [false, true, true, true])
        let law = try #require(r.law)
        let identified = r.fits.filter(\.identified)
        let through = try PowerLawFit(x: identified.map { $0.targetLoss! }, y: identified.map(\.criticalBatch))
        #expect(law.fit.points == 3 && law.fit == through)
        // One identified target is no law.
        let two = B.indices.filter { L[$0] == 2.0 || L[$0] == 3.3 }
        let one = try BatchTradeoff.fit(batch: two.map { B[$0] }, steps: two.map { S[$0] }, targetLoss: two.map { L[$0] })
        #expect(one.fits.count == 2 && one.law == nil)
    }

    @Test func definitionsAndConversions() throws {
        // The notes' §1.4: Zhang's CBS for B_crit = 2000 is 438.4 at B_ref = 32 and 707.2 at B_ref = 256.
        #expect(abs(try CriticalBatch.zhang(referenceBatch: 32, criticalBatch: 2000) - 438.4) < 1e-9)
        #expect(abs(try CriticalBatch.zhang(referenceBatch: 256, criticalBatch: 2000) - 707.2) < 1e-9)
        #expect(try CriticalBatch.mcCandlish(minimumExamples: 2e6, minimumSteps: 1000) == 2000)
        #expect(try CriticalBatch.overheadBatch(theta: 0.1, criticalBatch: 2000) == 200)
        let cost = try CriticalBatch.relativeCost(batch: 2000, criticalBatch: 2000)
        #expect(cost.steps == 2 && cost.examples == 2)
        let k = try CriticalBatch.kaplanMinimum(steps: 3000, compute: 6e21, batch: 1000, criticalBatch: 2000)
        #expect(k.minimumSteps == 1000 && k.minimumCompute == 4e21)
        let e = try CriticalBatch.statisticalEfficiency(batch: 1024, initialBatch: 128, noiseScale: 768)
        #expect(abs(e.efficiency - 0.5) < 1e-15 && abs(e.gain - 4) < 1e-12)
        #expect(throws: ScalingKitError.self) { try CriticalBatch.zhang(referenceBatch: 0, criticalBatch: 2000) }
        #expect(abs(try BatchLaw.stepLaw.batchTokens(at: 1.4e12) / 5.0e6 - 1) < 1e-3)
        #expect(abs(try BatchLaw.deepSeek.batchTokens(at: 1e21) / 2.16e6 - 1) < 1e-3)
    }

    @Test func scheduleFollowsTheCriticalBatch() throws {
        let law: (Double) throws -> Double = { 0.58 * pow($0, 0.571) }
        let s = try BatchSchedule.following(criticalBatch: law, totalTokens: 1e12, minimumBatch: 65_536, maximumBatch: 8_388_608)
        // At 1e12 tokens B_crit = 4.12M: the last batch is the largest 65,536·2^k below it, 2,097,152.
        #expect(s.tokens.first == 0 && s.batch.first == 65_536 && s.batch.last == 2_097_152)
        for (t, b) in zip(s.tokens.dropFirst(), s.batch.dropFirst()) {
            let cbs = try law(t)
            #expect(b <= cbs && b.truncatingRemainder(dividingBy: 65_536) == 0)
        }
        #expect(zip(s.batch, s.batch.dropFirst()).allSatisfy { $0 < $1 } && zip(s.tokens, s.tokens.dropFirst()).allSatisfy { $0 < $1 })
        #expect(throws: ScalingKitError.self) {
            try BatchSchedule.following(criticalBatch: law, totalTokens: 1e12, minimumBatch: 8, maximumBatch: 4)
        }
    }
}
