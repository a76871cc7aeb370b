/// Several laws fitted on the same runs and ranked by how well they predict held-out runs.
///
/// Held-out error is the criterion (Hoffmann et al. 2022 and Besiroglu et al. 2024 compare fits by their
/// extrapolation, not by their in-sample objective, which always favours the law with more parameters). One
/// ranking rule for every layer, so that Swift, C, Python and the CLI order the same laws the same way.
public struct LawComparison: Sendable {
    /// The law, as given.
    public var law: ScalingLaw
    /// Its fit below the threshold and the errors on the runs at or above it.
    public var holdout: HoldoutValidation

    /// Indices into `rmse`, best first: lower held-out RMSE first; an exact tie goes to the law with fewer
    /// parameters (parsimony), then to the earlier entry; entries whose RMSE is NaN or infinite (predictions that
    /// overflowed) come last, in input order. Never reorders equal entries, so the result is deterministic.
    /// - Throws: `ScalingKitError` if the arrays differ in length or are empty, or a count is negative.
    public static func rank(rmse: [Double], parameterCounts: [Int]) throws(ScalingKitError) -> [Int] {
        guard !rmse.isEmpty else { throw ScalingKitError.length("nothing to rank: no laws") }
        guard parameterCounts.count == rmse.count else {
            throw ScalingKitError.length("\(parameterCounts.count) parameter counts for \(rmse.count) laws")
        }
        if let i = parameterCounts.firstIndex(where: { $0 < 0 }) {
            throw ScalingKitError.invalid("parameter count [\(i)] is negative (\(parameterCounts[i]))")
        }
        return rmse.indices.sorted { a, b in
            let fa = rmse[a].isFinite, fb = rmse[b].isFinite
            if fa != fb { return fa }
            if fa && rmse[a] != rmse[b] { return rmse[a] < rmse[b] }
            if fa && parameterCounts[a] != parameterCounts[b] { return parameterCounts[a] < parameterCounts[b] }
            return a < b
        }
    }

    /// Fits every law on the runs with `split[i] < threshold`, scores it on the others (`holdout`) and returns
    /// them best first (`rank`). `data` holds every column any of the laws needs; `options` applies to each law,
    /// so per-parameter settings (fixed values, bounds, starts) must suit all of them.
    /// - Throws: `ScalingKitError` for an empty list, or for anything `holdout` rejects (naming the law).
    public static func compare(_ laws: [ScalingLaw], data: [String: [Double]], observed: [Double],
                               split: [Double], threshold: Double,
                               options: LawFitOptions = LawFitOptions()) throws -> [LawComparison] {
        guard !laws.isEmpty else { throw ScalingKitError.length("nothing to compare: no laws") }
        var entries: [LawComparison] = []
        for law in laws {
            do {
                let h = try law.holdout(data: data, observed: observed, split: split, threshold: threshold,
                                        options: options)
                entries.append(LawComparison(law: law, holdout: h))
            } catch let e as ScalingKitError {
                throw ScalingKitError(e.code, "law '\(law.name)': \(e.message)")
            }
        }
        let order = try rank(rmse: entries.map(\.holdout.errors.rmse),
                             parameterCounts: entries.map { $0.law.parameters.count })
        return order.map { entries[$0] }
    }
}
