/// The learning-rate schedule areas of the LR-annealing law `L(s) = L0 + A·S1^−α − C·S2` (Tissue et al. 2024,
/// "Scaling Law with Learning Rate Annealing", arXiv:2408.11029): the caller passes the learning rate of every
/// step; the law's inputs at step s are
///
///   S1(s) = Σ_{i≤s} η_i                       the forward area (area under the LR curve), and
///   S2(s) = Σ_{i≤s} m_i,  m_i = λ·m_{i−1} + (η_{i−1} − η_i)   the annealing area with momentum.
///
/// The form of the law is as published; the momentum recursion for S2 and λ ≈ 0.999 follow the team's research
/// notes and are not yet checked against the paper's own equation (see the issue note).
public enum ScheduleAreas {
    /// (S1, S2) at every step of `learningRates` (η_0 is the first step's rate; m_0 = 0).
    /// - Throws: `ScalingKitError` for an empty schedule, a non-finite or negative rate, or λ outside [0, 1).
    public static func compute(learningRates: [Double], decay lambda: Double = 0.999) throws -> (S1: [Double], S2: [Double]) {
        guard !learningRates.isEmpty else { throw ScalingKitError.length("the learning-rate schedule is empty") }
        if let i = learningRates.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw ScalingKitError.invalid("learning rate [\(i)] must be finite and >= 0 (got \(learningRates[i]))")
        }
        guard lambda.isFinite, lambda >= 0, lambda < 1 else {
            throw ScalingKitError.invalid("decay must be in [0, 1) (got \(lambda))")
        }
        var s1 = [Double](repeating: 0, count: learningRates.count), s2 = s1
        var area = 0.0, annealing = 0.0, momentum = 0.0
        for (i, eta) in learningRates.enumerated() {
            area += eta
            if i > 0 { momentum = lambda * momentum + (learningRates[i - 1] - eta) }
            annealing += momentum
            s1[i] = area
            s2[i] = annealing
        }
        return (s1, s2)
    }
}
