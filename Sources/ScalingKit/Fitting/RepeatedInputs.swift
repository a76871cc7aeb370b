/// Runs that share every input of a law (one N and one D) but whose observations disagree by more than replicate
/// seeds do: the signature of a table that mixes what one scaling law should not — several datasets or loss
/// definitions, every rate of a learning-rate sweep, or (for a law of compute alone) every size trained at one
/// budget — fitted as if each row were one more run of one series.
///
/// Why the core looks: 4 of the 6 public sweeps this project ships hold such rows, and each fitted without a word.
/// Open-Athena's Llama 3 extract (raw and exp loss at each of its 133 points, up to 188 % apart), Marin 2026 (three
/// datasets, 9 %), Gadre et al. (three datasets, 6.8 %) and the Misfitting runs (a learning-rate sweep at each
/// (N, D), 10.6 %). A scaling law is of one loss per point: the best run's, or each series fitted on its own.
/// Replicate seeds of one configuration differ by well under the 2 % tolerance.
public struct RepeatedInputs: Sendable, Equatable {
    /// The relative spread, max/min − 1, of the observations at one point above which its runs disagree.
    public static let tolerance = 0.02
    /// Distinct input points held by two or more runs whose observations disagree (0: none).
    public var points: Int
    /// The runs at those points.
    public var runs: Int
    /// The largest spread, max/min − 1, among those points; NaN when there are none.
    public var spread: Double

    /// No repeated points.
    public static let none = RepeatedInputs(points: 0, runs: 0, spread: .nan)

    /// Field by field, NaN equal to NaN.
    public static func == (a: Self, b: Self) -> Bool {
        a.points == b.points && a.runs == b.runs && (a.spread == b.spread || (a.spread.isNaN && b.spread.isNaN))
    }

    init(points: Int, runs: Int, spread: Double) {
        self.points = points
        self.runs = runs
        self.spread = spread
    }

    /// Groups the rows by their inputs (`inputs[k][i]`: input k of row i) and measures the positive observations'
    /// spread within each group of 2 or more. O(n) with hashing.
    init(inputs: [[Double]], observed: [Double]) {
        var groups: [[Double]: (min: Double, max: Double, count: Int)] = [:]
        for i in observed.indices where observed[i] > 0 && observed[i].isFinite {
            let key = inputs.map { $0[i] }
            let y = observed[i]
            if let g = groups[key] {
                groups[key] = (Swift.min(g.min, y), Swift.max(g.max, y), g.count + 1)
            } else {
                groups[key] = (y, y, 1)
            }
        }
        var points = 0, runs = 0, spread = Double.nan
        for g in groups.values where g.count >= 2 {
            let s = g.max / g.min - 1
            guard s > Self.tolerance else { continue }
            points += 1
            runs += g.count
            spread = spread.isNaN ? s : Swift.max(spread, s)
        }
        self.init(points: points, runs: runs, spread: spread)
    }

    /// The sentence a fit's message ends with (after "note: "), naming the inputs ("(N, D)"); nil with no repeated
    /// points.
    public func note(inputNames: [String]) -> String? {
        guard points > 0 else { return nil }
        let at = inputNames.count == 1 ? inputNames[0] : "(" + inputNames.joined(separator: ", ") + ")"
        // The likeliest unseen difference first: a law of N alone through runs of several D (Kaplan's L(N) on a
        // Chinchilla grid: 140 runs at 54 sizes of Epoch's table, 77.5 % apart), of D alone through several N, of
        // compute alone through every size trained at one budget.
        let names = Set(inputNames)
        var unseen = ["dataset", "loss definition", "learning rate"]
        if names.contains("N") && !names.contains("D") { unseen.insert("training tokens", at: 0) }
        if names.contains("D") && !names.contains("N") { unseen.insert("model size", at: 0) }
        if names.contains("C") && !names.contains("N") { unseen.insert("model size at one compute", at: 0) }
        return "\(runs) runs share \(points) \(at) point(s) with observations up to "
            + "\(FitSearch.format(100 * spread)) % apart: runs that differ in what the law does not see ("
            + unseen.dropLast().joined(separator: ", ") + ", or \(unseen.last!))? A scaling law is of one loss per "
            + "point (the best run's, or each series fitted on its own); replicate seeds differ by less than "
            + "\(FitSearch.format(100 * Self.tolerance)) %"
    }
}
