/// Runs whose residual lies far outside the spread of the others: more than `threshold` robust standard deviations
/// (1.4826 × the median absolute deviation of the residuals, Hampel 1974; Rousseeuw & Croux 1993) from their median.
///
/// Why the core looks: on Hoffmann et al.'s 245 runs as Epoch extracted them (the project's bundled table), 4 runs
/// at D/N below 0.5 lie 13 to 45 robust standard deviations off the fitted law and move its exponents: with them,
/// β = 0.453 and 6.8 tokens per parameter at 5.76e23 FLOPs; without the 5 highest-loss runs, as Besiroglu et al.
/// (2024) fit, β = 0.367 and 17.9. The default fit gave the first without a word. Residuals of well-specified runs
/// stay under 5 (normal or Student-t(3) noise on 48 synthetic runs: at most 4.3), and real sweeps have heavier tails
/// that reach 10–12 without moving the fit (Besiroglu's 240 runs: 10.3; Gadre et al.'s C4 and RefinedWeb series:
/// 11.3, 11.7). Beyond 12: Epoch's 4 runs (a = β/(α+β) 0.565 → 0.516 without them, D/N at 1e23 FLOPs 8.5 → 18.1),
/// 2 of the MassiveText IsoFLOP extract (0.562 → 0.547, D/N 9.2 → 11.5), 3 of the Misfitting sweep's best runs
/// (0.829 → 0.826), 1 of Gadre's RedPajama series. It is a note, not a refusal: whether such a run belongs is the
/// caller's call (`excludeHighestLoss` drops the highest-loss runs, or weights). Whether it matters is measured:
/// the fit is run again without the flagged runs (`influence`, `OutlierInfluence`).
public struct OutlyingRuns: Sendable, Equatable {
    /// Robust standard deviations from the median residual beyond which a run is outlying.
    public static let threshold = 12.0
    /// Fewer residuals than this give no reliable median absolute deviation: nothing is flagged.
    static let minimumRuns = 8
    /// Rows of the fit's data (0-based, ascending) whose residual is outlying; empty when none.
    public var rows: [Int]
    /// The largest distance among them, in robust standard deviations; NaN when there are none.
    public var largest: Double
    /// Whether the outlying rows are exactly the highest observations among the runs used (then
    /// `excludeHighestLoss = rows.count` removes them).
    public var highestObserved: Bool
    /// Highest-loss runs the fit had already excluded (its `excludeHighestLoss`), for the note's advice.
    public var alreadyExcluded = 0
    /// How far a refit without the outlying runs moves the fit; nil with none, or where the refit or the fit's
    /// covariance is unavailable.
    public var influence: OutlierInfluence?

    /// No outlying runs.
    public static let none = OutlyingRuns(rows: [], largest: .nan, highestObserved: false)

    /// Field by field, NaN equal to NaN.
    public static func == (a: Self, b: Self) -> Bool {
        a.rows == b.rows && a.highestObserved == b.highestObserved && a.alreadyExcluded == b.alreadyExcluded
            && a.influence == b.influence
            && (a.largest == b.largest || (a.largest.isNaN && b.largest.isNaN))
    }

    init(rows: [Int], largest: Double, highestObserved: Bool) {
        self.rows = rows
        self.largest = largest
        self.highestObserved = highestObserved
    }

    /// Measures `residuals[i]` (in the fit's residual space) of the rows `used` (weight > 0, not excluded);
    /// `observed` tells whether the outlying rows are the highest. A distance below `floor` never counts: on an
    /// exact fit the residuals are rounding, whose median deviation is rounding too. O(n log n).
    init(residuals: [Double], used: [Int], observed: [Double], floor: Double = 1e-8) {
        let r = used.map { residuals[$0] }
        guard r.count >= Self.minimumRuns, r.allSatisfy(\.isFinite) else { self = .none; return }
        let center = Self.median(r)
        let scale = 1.4826 * Self.median(r.map { abs($0 - center) })
        guard scale > 0, scale.isFinite else { self = .none; return }
        var rows: [Int] = [], largest = Double.nan
        for i in used {
            let z = abs(residuals[i] - center) / scale
            guard z > Self.threshold, abs(residuals[i] - center) > floor else { continue }
            rows.append(i)
            largest = largest.isNaN ? z : Swift.max(largest, z)
        }
        let highest = Set(used.sorted { observed[$0] > observed[$1] }.prefix(rows.count))
        self.init(rows: rows, largest: largest, highestObserved: !rows.isEmpty && highest == Set(rows))
    }

    /// The sentence a fit's message ends with (after "note: "); nil with no outlying runs.
    public func note() -> String? {
        guard !rows.isEmpty else { return nil }
        let shown = rows.prefix(8).map(String.init).joined(separator: ", ") + (rows.count > 8 ? ", ..." : "")
        let action = highestObserved
            ? "they are the \(rows.count) highest-loss run(s)" + (alreadyExcluded > 0 ? " left" : "")
                + ": the fit that excludes the \(alreadyExcluded + rows.count) highest-loss runs leaves them out"
            : "weight 0 leaves them out"
        return "\(rows.count) run(s) lie up to \(FitSearch.format(largest)) robust standard deviations off the law "
            + "(rows \(shown); more than \(FitSearch.format(Self.threshold)) is more than noise): runs the law does not "
            + "describe (far from converged, too few tokens per parameter, broken) pull every parameter; \(action)"
            + (influence.map { "; \($0.clause)" } ?? "")
    }

    static func median(_ x: [Double]) -> Double {
        let s = x.sorted(), n = s.count
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2])
    }
}
