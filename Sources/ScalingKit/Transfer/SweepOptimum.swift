#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HyperparameterSweep {
    /// Where the loss of a one-dimensional sweep (in ln η, or ln τ) is least: the vertex of a parabola fitted near
    /// the best run, with a delta-method interval (u = −c1/(2 c2): ∂u/∂c1 = −1/(2 c2), ∂u/∂c2 = c1/(2 c2²)) and the
    /// parabola's value there.
    ///
    /// Why near the best run and not through every run: the loss is a parabola in ln η only near its minimum (a
    /// Taylor expansion), and real sweeps are lopsided — the loss climbs faster above the optimum than below it, and
    /// the largest rates diverge. One parabola through all runs is dragged toward the gentle side. Simulated on
    /// 7 rates a factor 2 apart (300 random grid offsets): on the bowl 2 + 0.05x² + 0.2·max(0, x)³ it put the
    /// optimum at 0.54× the truth (mean ln error −0.62), and with the runs at 2.7× and above diverged (loss 7) at
    /// 0.34× (−1.07), each with a confident interval that excluded the truth. Here the parabola goes through the
    /// best rate and its two neighbours on each side; where its vertex lands more than half a grid step from the
    /// best run (the window is still lopsided), through the best and one neighbour on each side (successive
    /// parabolic interpolation; Brent 1973, ch. 5), whose vertex stays within that bracket. Same simulation: −0.30
    /// and −0.001. The price is noise: on a true parabola with loss noise 0.01 the ln error's RMS grows from 0.03
    /// to 0.11, and a three-rate vertex has no interval.
    ///
    /// A non-finite loss (NaN, +∞) is a diverged run: its value is swept and worse than any finite one, so it can
    /// bracket the best run (which is then not at the sweep's end), but no parabola goes through it, nor through a
    /// value where any replicate diverged. A best run next to a diverged value locates nothing: the optimum lies
    /// between them, closer than the sweep resolves.
    static func vertex(_ x: [Double], _ y: [Double], _ what: String, _ confidence: Double)
        -> (x: Double?, interval: ConfidenceInterval?, loss: Double?, distinct: Int, note: String)
    {
        let levels = Array(Set(x)).sorted()
        let distinct = levels.count
        guard distinct >= 3 else {
            return (nil, nil, nil, distinct, "\(distinct) \(what): a parabola needs 3, so no optimum can be located")
        }
        // The mean loss at each swept value (replicates, seeds), +∞ where any run diverged; the best of them.
        let means = levels.map { v -> Double in
            let at = zip(x, y).filter { $0.0 == v }.map(\.1)
            return at.allSatisfy(\.isFinite) ? at.reduce(0, +) / Double(at.count) : .infinity
        }
        let divergedValues = means.filter { !$0.isFinite }.count
        let diverged = divergedValues == 0 ? "" : "; \(divergedValues) of the \(distinct) \(what) diverged"
        let finite = y.filter(\.isFinite)
        guard divergedValues < distinct else {
            return (nil, nil, nil, distinct, "every run diverged at all \(distinct) \(what)")
        }
        // Found by the robustness tests: losses equal to working precision left a curvature of rounding noise
        // (~1e-17) that "located" an optimum. The loss must move across the sweep by more than that.
        let level = max(finite.map { abs($0) }.max()!, .leastNormalMagnitude)
        guard finite.max()! - finite.min()! > 1e-12 * level else {
            return (nil, nil, nil, distinct, "the loss does not vary with the \(what) here (no minimum)")
        }
        let best = means.indices.min { means[$0] < means[$1] }!
        guard best > 0, best < distinct - 1 else {
            return (nil, nil, nil, distinct,
                    "the best run has the \(best == 0 ? "smallest" : "largest") of the swept \(what): the optimum lies outside the sweep, widen it")
        }
        // The stretch of values around the best where no run diverged: the parabolas stay inside it.
        var finiteLo = best, finiteHi = best
        while finiteLo > 0 && means[finiteLo - 1].isFinite { finiteLo -= 1 }
        while finiteHi < distinct - 1 && means[finiteHi + 1].isFinite { finiteHi += 1 }
        guard finiteLo < best, finiteHi > best else {
            let side = finiteHi == best ? "above" : "below"
            return (nil, nil, nil, distinct,
                    "the best run is next to a diverged value \(side) it: the optimum lies between them, closer than the sweep resolves; sweep finer there\(diverged)")
        }
        /// The parabola through the runs at levels[lo...hi], centred for conditioning.
        func parabola(_ lo: Int, _ hi: Int) -> (center: Double, fit: LeastSquares)? {
            let inside = x.indices.filter { x[$0] >= levels[lo] && x[$0] <= levels[hi] }
            let center = inside.map { x[$0] }.reduce(0, +) / Double(inside.count)
            return LeastSquares(rows: inside.map { [1, x[$0] - center, (x[$0] - center) * (x[$0] - center)] },
                                y: inside.map { y[$0] }).map { (center, $0) }
        }
        let wideLo = max(finiteLo, min(best - 2, finiteHi - 4)), wideHi = min(finiteHi, wideLo + 4)
        let halfStep = (below: (levels[best] - levels[best - 1]) / 2, above: (levels[best + 1] - levels[best]) / 2)
        var found = parabola(wideLo, wideHi), narrowed = false
        if let (center, fit) = found, wideHi - wideLo > 2 {
            let (c1, c2) = (fit.coefficients[1], fit.coefficients[2])
            let u = center - c1 / (2 * c2)
            if !(c2 > 0 && u >= levels[best] - halfStep.below && u <= levels[best] + halfStep.above) {
                narrowed = true
                found = parabola(best - 1, best + 1)
            }
        }
        guard let (center, fit) = found else {
            return (nil, nil, nil, distinct, "the \(what) do not determine a parabola")
        }
        let (c1, c2) = (fit.coefficients[1], fit.coefficients[2])
        guard c2 > 0 else { return (nil, nil, nil, distinct, "the loss is not convex in the \(what) here (no minimum)") }
        let u = -c1 / (2 * c2)
        var interval: ConfidenceInterval?
        if let v = fit.variance(of: [0, -1 / (2 * c2), c1 / (2 * c2 * c2)]), fit.residualDegreesOfFreedom > 0 {
            let t = StudentT.quantile(0.5 + 0.5 * confidence, degreesOfFreedom: Double(fit.residualDegreesOfFreedom))
            interval = ConfidenceInterval(lower: center + u - t * v.squareRoot(), upper: center + u + t * v.squareRoot(),
                                          level: confidence)
        }
        let wide = wideHi - wideLo + 1
        let note = (narrowed
            ? "optimum located (parabola through the best of the \(what) and one on each side: the \(wide) around it were lopsided"
            : wide == distinct ? "optimum located (parabola through all \(distinct) \(what)"
            : "optimum located (parabola through the best of the \(what) and its neighbours, \(wide) of \(distinct)")
            + diverged + ")"
        return (center + u, interval, fit.coefficients[0] + c1 * u + c2 * u * u, distinct, note)
    }
}
