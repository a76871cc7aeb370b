import Foundation
import Testing
@testable import ScalingKit

/// The 25M-parameter loss curves of Luo et al. (2025), Tests/data/mpl_25, with their schedules regenerated.
enum MPLData {
    static let warmup = 2160, peak = 3e-4, floor = 3e-5

    /// The per-step schedule of a run (the research notes' description, checked against the logged `lr`).
    static func schedule(_ name: String) -> [Double] {
        let parts = name.split(separator: "_")
        let kind = String(parts[0])
        let total = ["constant", "cosine", "wsd", "wsdld"].contains(kind) ? Int(parts.last!)! : 24000
        return (0..<total).map { s -> Double in
            if s < warmup { return peak * Double(s + 1) / Double(warmup) }
            switch kind {
            case "cosine": return floor + 0.5 * (peak - floor) * (1 + cos(Double.pi * Double(s - warmup) / Double(total - warmup)))
            case "constant": return peak
            case "wsd": return s < 20000 ? peak : peak * pow(floor / peak, min(Double(s - 20000) / 4000, 1))
            case "wsdld": return s < 20000 ? peak : peak - (peak - floor) * min(Double(s - 20000) / 4000, 1)
            default: return s < 8000 ? peak : Double(Int(parts[1])!) * 1e-5    // wsdcon_k
            }
        }
    }

    static func curve(_ name: String) throws -> LossCurve {
        let url = TestData.repoRoot.appendingPathComponent("Tests/data/mpl_25/\(name).csv")
        let text = try String(contentsOf: url, encoding: .utf8)
        var steps: [Int] = [], lrs: [Double] = [], loss: [Double] = []
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let f = line.split(separator: ",")
            steps.append(Int(f[0])!); lrs.append(Double(f[1])!); loss.append(Double(f[2])!)
        }
        let lr = schedule(name)
        for (s, logged) in zip(steps, lrs) { precondition(abs(lr[s] - logged) < 1e-12, "\(name) step \(s)") }
        return LossCurve(learningRates: lr, warmupSteps: warmup, steps: steps, loss: loss)
    }

    static let names = ["constant_24000", "cosine_24000", "wsd_20000_24000", "wsdld_20000_24000", "wsdcon_3",
                        "wsdcon_9", "wsdcon_18", "constant_72000", "cosine_72000"]
}

@Suite("Multi-power law")
struct MultiPowerLawTests {
    /// Luo et al.'s published 25M parameters (README of their repository, via the data notes), in their order.
    static let published = MultiPowerLaw(L0: 3.04045406, A: 0.52468604, alpha: 0.50786857, B: 363.78751622,
                                         C: 2.06560812, beta: 0.58279013, gamma: 0.64142257)
    static let training = ["cosine_24000", "constant_24000", "wsdcon_9"]
    static let heldOut = ["wsd_20000_24000", "wsdld_20000_24000", "wsdcon_3", "wsdcon_18", "constant_72000", "cosine_72000"]

    /// Their convention: the law's time axis is the whole schedule from step 0, warmup included (warmupSteps = 0),
    /// so the ramp-up enters LD as negative drops.
    static func fromStepZero(_ c: LossCurve) -> LossCurve {
        LossCurve(learningRates: c.learningRates, warmupSteps: 0, steps: c.steps, loss: c.loss)
    }

    /// Mean over curves of the mean relative error |L̂ − L|/L (the paper's PredE) and of |L̂ − L| (MAE).
    static func errors(_ law: MultiPowerLaw, _ names: [String]) throws -> (predE: Double, mae: Double) {
        var predE = 0.0, mae = 0.0
        for name in names {
            let c = fromStepZero(try MPLData.curve(name))
            let p = try law.predict(learningRates: c.learningRates, warmupSteps: 0, steps: c.steps)
            predE += zip(p, c.loss).map { abs($0 - $1) / $1 }.reduce(0, +) / Double(p.count)
            mae += zip(p, c.loss).map { abs($0 - $1) }.reduce(0, +) / Double(p.count)
        }
        return (predE / Double(names.count), mae / Double(names.count))
    }

    /// The published parameters reproduce the published held-out errors (PredE 0.00110, MAE 0.00376) on the six
    /// schedules they were not fitted to. This pins the law's form and the time-axis convention.
    @Test func publishedParametersReproducePublishedErrors() throws {
        let e = try Self.errors(Self.published, Self.heldOut)
        #expect(abs(e.predE - 0.00110) <= 0.05 * 0.00110, "PredE \(e.predE)")
        #expect(abs(e.mae - 0.00376) <= 0.05 * 0.00376, "MAE \(e.mae)")
    }

    /// Refitting from the published point on the three training schedules (every other logged point, to keep the
    /// test short): an objective no worse than theirs (they ran 200 AdamW steps), and held-out errors within 30 %
    /// of theirs. Measured: the full Huber optimum predicts the six other schedules slightly worse (PredE 0.00137
    /// on all points) than their early-stopped parameters (0.00110): the tighter fit leans on the training shapes.
    /// One start, however good, is not a confirmed optimum (as for a law fit; before 0.4.9 it said converged).
    /// The default fit, eight starts, reaches the same optimum: bindings/python/tests/test_multi_power.py (not
    /// here, where the sanitizer runs repeat it at many times the cost).
    @Test func fitOnThreeSchedulesPredictsSixOthers() throws {
        let train = try Self.training.map { name -> LossCurve in
            let c = Self.fromStepZero(try MPLData.curve(name))
            let keep = c.steps.indices.filter { $0 % 2 == 0 }
            return LossCurve(learningRates: c.learningRates, warmupSteps: 0, steps: keep.map { c.steps[$0] },
                             loss: keep.map { c.loss[$0] })
        }
        var options = MultiPowerFitOptions()
        for (name, value) in zip(MultiPowerLaw.parameterNames, Self.published.parameterValues) { options.startGrid[name] = [value] }
        let fit = try MultiPowerLaw.fit(curves: train, options: options)
        #expect(!fit.converged && fit.starts == 1 && fit.pointsUsed == 86 + 86 + 48)
        #expect(fit.diagnostics.message.hasPrefix("one start: the global optimum was not checked"), "\(fit.diagnostics.message)")
        #expect(fit.predictedDecrease <= LawFit.decreaseTolerance, "stationary: \(fit.predictedDecrease)")
        let objective = MultiPowerObjective(
            curves: train.map { MultiPowerObjective.Curve($0, steps: $0.steps, loss: $0.loss) }, huber: Huber(delta: 1e-3))
            .value(at: Self.published.parameterValues)
        #expect(fit.objective <= objective, "fitted \(fit.objective) vs published \(objective)")
        let e = try Self.errors(fit.law, Self.heldOut)
        #expect(e.predE <= 1.3 * 0.00110, "held-out PredE \(e.predE)")
    }

    /// The exact gradient against central differences, on a short schedule with warmup, decay and a step.
    @Test func gradientMatchesFiniteDifferences() throws {
        func rate(_ s: Int) -> Double {
            if s < 50 { return 1e-3 * Double(s + 1) / 50 }
            if s < 300 { return 1e-3 * (1 - 0.8 * Double(s - 50) / 250) }
            return 1e-4
        }
        let lr = (0..<400).map(rate)
        let steps = Array(stride(from: 60, to: 400, by: 20))
        let truth = MultiPowerLaw(L0: 2, A: 0.5, alpha: 0.4, B: 300, C: 2, beta: 0.6, gamma: 0.6)
        let clean = try truth.predict(learningRates: lr, warmupSteps: 50, steps: steps)
        let loss = clean.enumerated().map { $1 * (1 + 0.01 * sin(Double($0))) }
        for warmup in [0, 50] {
            let curve = LossCurve(learningRates: lr, warmupSteps: warmup, steps: steps, loss: loss)
            // δ large enough that no residual sits at the Huber kink inside the stencil.
            let objective = MultiPowerObjective(curves: [MultiPowerObjective.Curve(curve, steps: steps, loss: loss)],
                                                huber: Huber(delta: 10))
            let x = [2.1, 0.45, 0.35, 250, 1.5, 0.7, 0.5]
            var g = [Double](repeating: 0, count: 7)
            let f = objective.value(at: x, gradient: &g)
            for i in 0..<7 {
                let h = 1e-6 * max(abs(x[i]), 1)
                var xp = x, xm = x
                xp[i] += h; xm[i] -= h
                let fd = (objective.value(at: xp) - objective.value(at: xm)) / (2 * h)
                #expect(abs(fd - g[i]) <= 1e-6 * abs(g[i]) + 1e-9 * abs(f) / h * 1e-3, "warmup \(warmup) component \(i): \(g[i]) vs \(fd)")
            }
        }
    }

    /// Synthetic curves from known parameters: the default (data-scaled) grid finds a law that predicts a held-out
    /// schedule to the noise level.
    @Test func recoversASyntheticLaw() throws {
        let truth = MultiPowerLaw(L0: 2.5, A: 0.6, alpha: 0.45, B: 400, C: 2, beta: 0.6, gamma: 0.6)
        func schedule(_ kind: Int) -> [Double] {
            (0..<3000).map { s -> Double in
                if s < 100 { return 3e-4 * Double(s + 1) / 100 }
                switch kind {
                case 0: return 3e-5 + 1.35e-4 * (1 + cos(Double.pi * Double(s - 100) / 2900))
                case 1: return 3e-4
                case 2: return s < 1500 ? 3e-4 : 9e-5
                default: return s < 2500 ? 3e-4 : 3e-4 - 2.7e-4 * Double(s - 2500) / 500
                }
            }
        }
        var stream = RandomStream(seed: 4)
        let steps = Array(stride(from: 150, to: 3000, by: 50))
        func curve(_ kind: Int, warmup: Int = 100) throws -> LossCurve {
            let lr = schedule(kind)
            let clean = try truth.predict(learningRates: lr, warmupSteps: warmup, steps: steps)
            return LossCurve(learningRates: lr, warmupSteps: warmup, steps: steps,
                             loss: clean.map { $0 * (1 + 2e-4 * (stream.nextUniform() - 0.5)) })
        }
        let fit = try MultiPowerLaw.fit(curves: [try curve(0), try curve(1), try curve(2)])
        #expect(fit.converged && fit.starts == 8)
        let test = try curve(3)
        let predicted = try fit.law.predict(learningRates: test.learningRates, warmupSteps: 100, steps: test.steps)
        let worst = zip(predicted, test.loss).map { abs($0 / $1 - 1) }.max()!
        #expect(worst < 1e-3, "worst held-out relative error \(worst)")
        #expect(abs(fit.law.L0 / truth.L0 - 1) < 0.02 && abs(fit.law.alpha / truth.alpha - 1) < 0.05)
        #expect(fit.weaklyDetermined == .none && !fit.diagnostics.message.contains("weakly determined"), "\(fit.weaklyDetermined)")

        // Without the cosine, a constant run and one step down, warmup left out: C and γ enter only through C·η^(−γ)
        // at the one rate after the step (∂L/∂γ = −C·ln η·∂L/∂C at every point). Not identified, and said so.
        let fold = try MultiPowerLaw.fit(curves: [try curve(1), try curve(2)])
        #expect(!fold.converged && fold.weaklyDetermined == .none)
        #expect(fold.diagnostics.message.contains("not identified: the data do not determine C (")
                    || fold.diagnostics.message.contains("not identified: the data do not determine gamma ("),
                "\(fold.diagnostics.message)")
        // With the warmup counted (its rising rates are changes too), they are identified, weakly: the fit says which
        // values the curves do not fix (C = 37 ± 721, γ = 0.28 ± 2.1, correlation −0.999997 with the Python test's
        // noise).
        let counted = try MultiPowerLaw.fit(curves: [try curve(1, warmup: 0), try curve(2, warmup: 0)])
        let weak = counted.weaklyDetermined.parameters
        #expect(weak.map(\.name) == ["C", "gamma"], "\(counted.weaklyDetermined)")
        #expect(weak.allSatisfy { $0.standardError > abs($0.value) && $0.correlation < -0.999 })
        #expect(weak.map(\.partner) == ["gamma", "C"])
        #expect(counted.diagnostics.message.contains("; note: weakly determined: C = ") &&
                !counted.diagnostics.message.contains("not identified"), "\(counted.diagnostics.message)")
    }

    /// Noise-free curves under a cosine and a constant schedule, default options. Found by using it: the best
    /// converged start had stalled in the flat valley where β → 0 and B·β stays put (objective 6.9e-8, B 3084 against
    /// 400, β 0.009 against 0.55) while starts still descending when their iterations ran out were lower; they were
    /// counted as confirming it, success was True and a WSD run was predicted 0.01 of loss away. The lowest start is
    /// now polished instead, and the law comes back exactly.
    /// A noise-free law and, for a run of `total` steps with 100 of warmup, schedules by kind: 0 a cosine to 3e-5, 1 a
    /// constant 3e-4, 2 a WSD decay over the last fifth.
    static let noiseFree = MultiPowerLaw(L0: 2.8, A: 0.6, alpha: 0.45, B: 400, C: 2, beta: 0.55, gamma: 0.6)
    static func schedule(_ kind: Int, total: Int) -> [Double] {
        let decay = total / 5
        return (0..<total).map { s -> Double in
            if s < 100 { return 3e-4 * Double(s + 1) / 100 }
            switch kind {
            case 0: return 3e-5 + 1.35e-4 * (1 + cos(Double.pi * Double(s - 100) / Double(total - 100)))
            case 1: return 3e-4
            default: return s < total - decay ? 3e-4 : 3e-4 * (1 - Double(s - total + decay) / Double(decay)) + 1e-6
            }
        }
    }

    @Test func aStalledStartDoesNotWinOverALowerOneStillDescending() throws {
        let truth = Self.noiseFree
        // A cosine, a constant, and (held out) a WSD decay over the last 800 steps.
        func schedule(_ kind: Int) -> [Double] { Self.schedule(kind, total: 4000) }
        let steps = Array(stride(from: 200, to: 4000, by: 50))
        let curves = try (0..<2).map { k in
            LossCurve(learningRates: schedule(k), warmupSteps: 0, steps: steps,
                      loss: try truth.predict(learningRates: schedule(k), warmupSteps: 0, steps: steps))
        }
        let fit = try MultiPowerLaw.fit(curves: curves)
        #expect(fit.converged, "\(fit.diagnostics.message)")
        for (got, want) in zip(fit.law.parameterValues, truth.parameterValues) {
            #expect(abs(got / want - 1) < 1e-6, "\(fit.law) against \(truth)")
        }
        let wsd = try fit.law.predict(learningRates: schedule(2), warmupSteps: 0, steps: steps)
        let exact = try truth.predict(learningRates: schedule(2), warmupSteps: 0, steps: steps)
        #expect(zip(wsd, exact).map { abs($0 - $1) }.max()! < 1e-9)
    }

    /// Leave-one-curve-out on noise-free curves of a known law (a cosine, a constant and a WSD run): every pair of
    /// curves identifies the law, so each refit recovers it and predicts the curve it did not see to rounding; the
    /// pooled PredE is the mean of the curves'.
    @Test func leavingOneCurveOutPredictsEachFromTheOthers() throws {
        let truth = Self.noiseFree
        func schedule(_ kind: Int) -> [Double] { Self.schedule(kind, total: 2000) }
        // Observed at different spacings, so that the pooled PredE (a mean over curves) differs from a mean over points.
        let steps = [100, 50, 50].map { Array(stride(from: 150, to: 2000, by: $0)) }
        let curves = try (0..<3).map { k in
            LossCurve(learningRates: schedule(k), warmupSteps: 0, steps: steps[k],
                      loss: try truth.predict(learningRates: schedule(k), warmupSteps: 0, steps: steps[k]))
        }
        // Two starts near the truth: from the default grid (even with every start refined) the refit without the
        // cosine reached the exact fit from one start alone, rightly not called converged, and that curve went
        // unpredicted. Here the test is of the validation, not of the search.
        var options = MultiPowerFitOptions()
        for (name, value) in zip(MultiPowerLaw.parameterNames, truth.parameterValues) { options.startGrid[name] = [value] }
        options.startGrid["L0"] = [2.6, 2.7]
        let v = try MultiPowerLaw.leaveOneCurveOut(curves: curves, options: options)
        #expect(v.failed == 0 && v.curves.count == 3)
        for (c, held) in v.curves.enumerated() {
            let others = steps.indices.filter { $0 != c }.map { steps[$0].count }.reduce(0, +)
            #expect(held.predicted && held.failure == nil && held.fitted == others, "curve \(c): \(held.failure ?? "")")
            let worst = zip(held.predictions, curves[c].loss).map { abs($0 / $1 - 1) }.max()!
            #expect(worst < 1e-6, "curve \(c): worst relative error \(worst)")
            #expect(held.errors?.count == steps[c].count)
        }
        let pooled = try #require(v.errors)
        let perCurve = v.curves.compactMap(\.errors)
        #expect(pooled.count == 3 && perCurve.count == 3)
        #expect(pooled.meanRelativeError == perCurve.map(\.meanRelativeError).reduce(0, +) / 3)
        #expect(pooled.maxRelativeError == perCurve.map(\.maxRelativeError).max())
    }

    /// A curve the others cannot identify the law without is reported, not fitted: two constant runs leave no
    /// rate decrease to fit B, C, β, γ from. Fewer than two curves leave nothing to hold out.
    @Test func leavingOneCurveOutSaysWhatCannotBePredicted() throws {
        let lr = (0..<400).map { s in s < 10 ? 1e-3 * Double(s + 1) / 10 : 1e-3 }
        let steps = Array(stride(from: 20, to: 400, by: 20))
        let constant = LossCurve(learningRates: lr, warmupSteps: 10, steps: steps,
                                 loss: steps.map { 3 + 2 / Double($0).squareRoot() })
        let v = try MultiPowerLaw.leaveOneCurveOut(curves: [constant, constant])
        #expect(v.failed == 2 && v.errors == nil)
        for held in v.curves {
            #expect(!held.predicted && held.fitted == 0 && held.predictions.allSatisfy(\.isNaN))
            #expect(held.failure?.contains("learning rate changes after warmup") == true, "\(held.failure ?? "")")
        }
        #expect(throws: ScalingKitError.self) { try MultiPowerLaw.leaveOneCurveOut(curves: [constant]) }
        var bad = constant
        bad.loss[3] = -1
        #expect(throws: ScalingKitError.self) { try MultiPowerLaw.leaveOneCurveOut(curves: [constant, bad]) }
    }

    /// Curves with no trend (a constant loss and noise, under schedules that change): the law can do no better than
    /// one constant, and the fit says so instead of converging on a curve the data do not show.
    @Test func noTrendIsNoBetterThanAConstant() throws {
        var stream = RandomStream(seed: 9)
        let steps = Array(stride(from: 150, to: 3000, by: 50))
        func rate(_ kind: Int, _ s: Int) -> Double {
            if s < 100 { return 3e-4 * Double(s + 1) / 100 }
            if kind == 0 { return 3e-5 + 1.35e-4 * (1 + cos(Double.pi * Double(s - 100) / 2900)) }
            return s < 1500 ? 3e-4 : 9e-5
        }
        var curves: [LossCurve] = []
        for kind in 0..<2 {
            var loss: [Double] = []
            for _ in steps { loss.append(3.0 * (1 + 0.01 * (stream.nextUniform() - 0.5))) }
            curves.append(LossCurve(learningRates: (0..<3000).map { rate(kind, $0) }, warmupSteps: 100, steps: steps,
                                    loss: loss))
        }
        let fit = try MultiPowerLaw.fit(curves: curves)
        let message: String = fit.message
        #expect(!fit.converged)
        #expect(message.hasPrefix("no better than a constant"), "\(message)")
    }

    @Test func rejectsBadInput() {
        let lr = [Double](repeating: 1e-3, count: 100)
        let ok = LossCurve(learningRates: lr, warmupSteps: 10, steps: [20, 30, 40, 50, 60, 70, 80],
                           loss: [3, 2.9, 2.85, 2.8, 2.78, 2.76, 2.75])
        func fails(_ curves: [LossCurve], _ needle: String) {
            #expect(throws: ScalingKitError.self) { try MultiPowerLaw.fit(curves: curves) }
            do { _ = try MultiPowerLaw.fit(curves: curves) } catch { #expect("\(error)".contains(needle), "\(error)") }
        }
        fails([], "no loss curves")
        fails([ok], "learning rate changes")           // a constant schedule: B, C, β, γ not identified
        var bad = ok; bad.steps = [5, 30]
        fails([bad], "outside 10..<100")
        bad = ok; bad.loss[1] = .nan
        fails([bad], "loss[1]")
        bad = ok; bad.learningRates[50] = 0
        fails([bad], "step 50 is 0")
        bad = ok; bad.warmupSteps = 100
        fails([bad], "warmupSteps")
        bad = ok; bad.loss.removeLast()
        fails([bad], "7 steps but 6 losses")
        bad = ok; bad.steps = [20]; bad.loss = [3]
        fails([bad], "1 observations for 7 parameters")
        #expect(throws: ScalingKitError.self) {
            try Self.published.predict(learningRates: lr, warmupSteps: 0, steps: [0])
        }
    }
}
