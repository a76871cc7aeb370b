/// How a multi-start fit chooses which starts to run to convergence.
///
/// Why: on scaling-law objectives the starts that reach the global optimum are, almost always, among those with the
/// lowest objective *at the start*. Measured on Hoffmann's 4,500-point grid: on the Epoch Chinchilla data (240
/// runs) and on Gemstones (220 runs) the 5 starts with the lowest initial objective all reach the global optimum,
/// and 27 and 25 of the best 45 do; running every start to convergence costs ≈ 690,000 evaluations, screening
/// ≈ 15,000. So the default evaluates the objective at every start (one evaluation each), then runs the local
/// optimiser from the best `refine` starts in that order, in batches of `refine`, until `confirmations` of the
/// refined starts agree on the best optimum (within a relative 10⁻⁹). If they never agree, every start ends up
/// refined: the search degrades to the exhaustive one, never to a worse answer than its own evidence supports.
///
/// The screen is a heuristic: a data set whose global basin is reachable only from starts that look bad at the
/// start would defeat it. `refine = 0` runs every start (the exhaustive search Hoffmann et al. and Besiroglu et
/// al. ran); the tests check that both agree on every bundled data set.
public struct StartScreening: Sendable, Equatable, Hashable {
    /// Starts refined per batch, best initial objective first; 0 = refine every start (no screening).
    public var refine: Int
    /// Refined starts that must reach the best optimum before the search stops.
    public var confirmations: Int

    /// Screening that refines starts `refine` at a time, best initial objective first, until `confirmations` agree.
    public init(refine: Int = 64, confirmations: Int = 4) {
        self.refine = refine
        self.confirmations = confirmations
    }

    /// Every start run to convergence.
    public static let exhaustive = StartScreening(refine: 0)

    func validate() throws {
        guard refine >= 0, refine <= 10_000_000 else {
            throw ScalingKitError.invalid("screening.refine must be in 0...10,000,000 (got \(refine))")
        }
        guard confirmations >= 1, confirmations <= refine || refine == 0 else {
            throw ScalingKitError.invalid(
                "screening.confirmations must be in 1...refine (got \(confirmations) with refine \(refine))")
        }
    }
}
