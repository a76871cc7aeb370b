#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One training run's loss curve under its learning-rate schedule: what schedule-aware laws are fitted to.
///
/// The schedule is given per optimiser step from step 0, warmup included, because the laws sum it. Time in the
/// multi-power law starts at the end of warmup: `t = step − warmupSteps`, `η_t = learningRates[warmupSteps + t]`
/// (so `η_0` is the rate right after warmup, the peak), and the warmup contributes its area
/// `S_W = Σ_{s < warmupSteps} η_s` (Luo et al. 2025, §3).
public struct LossCurve: Sendable, Equatable {
    /// The learning rate of every optimiser step, from step 0.
    public var learningRates: [Double]
    /// Steps of warmup at the start of `learningRates` (0 for none).
    public var warmupSteps: Int
    /// Steps at which the loss was measured, each in `warmupSteps ..< learningRates.count`.
    public var steps: [Int]
    /// The measured loss at those steps (> 0).
    public var loss: [Double]

    /// A run: its learning rate at every step, its warm-up length, and the loss observed at `steps`.
    public init(learningRates: [Double], warmupSteps: Int, steps: [Int], loss: [Double]) {
        self.learningRates = learningRates
        self.warmupSteps = warmupSteps
        self.steps = steps
        self.loss = loss
    }

    /// Checks the schedule and the query steps (the loss is checked by the fit, which needs it).
    func validateSchedule(_ label: String, steps query: [Int]) throws {
        guard !learningRates.isEmpty else { throw ScalingKitError.length("\(label): the learning-rate schedule is empty") }
        guard warmupSteps >= 0, warmupSteps < learningRates.count else {
            throw ScalingKitError.invalid(
                "\(label): warmupSteps must be in 0..<\(learningRates.count) (the schedule's length); got \(warmupSteps)")
        }
        for (s, eta) in learningRates.enumerated() {
            guard eta.isFinite, eta >= 0 else {
                throw ScalingKitError.invalid("\(label): learning rate at step \(s) must be finite and >= 0 (got \(eta))")
            }
            // The multi-power law raises post-warmup rates to −γ.
            guard s < warmupSteps || eta > 0 else {
                // Found as a user: a linear warmup from 0 (the usual one) with the default warmupSteps = 0.
                let hint = s < learningRates.count - 1 && learningRates[s + 1] > 0
                    ? " (a warmup that starts from 0? pass its length as warmup steps, or start it at the first step's rate)" : ""
                throw ScalingKitError.invalid(
                    "\(label): learning rate at step \(s) is 0 after warmup; the multi-power law needs rates > 0 there\(hint)")
            }
        }
        guard !query.isEmpty else { throw ScalingKitError.length("\(label): no steps") }
        for (i, s) in query.enumerated() {
            guard s >= warmupSteps, s < learningRates.count else {
                // Found as a user: a logged run exports the learning rate only where it logged the loss, one rate
                // per step of `query` instead of one per optimizer step.
                let perLogged = learningRates.count == query.count && (query.max() ?? 0) >= learningRates.count
                let hint = perLogged
                    ? ": the schedule has one rate per logged step (\(learningRates.count) of them), but it needs one per "
                      + "optimizer step from step 0 (\((query.max() ?? 0) + 1) here): a log keeps the rate only where it "
                      + "logged the loss; rebuild the schedule, or interpolate the logged rates at every step"
                    : ""
                throw ScalingKitError.invalid(
                    "\(label): step[\(i)] = \(s) is outside \(warmupSteps)..<\(learningRates.count) (after warmup, within the schedule)\(hint)")
            }
        }
        if warmupSteps == 0, query.contains(0) {
            throw ScalingKitError.invalid(
                "\(label): step 0 with no warmup has zero learning-rate area, where the law's power term is infinite")
        }
    }
}
