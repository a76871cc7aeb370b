import ArgumentParser
import ScalingKit

/// `scalingkit fit-curves`: the multi-power law (Luo et al. 2025) fitted to whole loss curves.
struct FitCurves: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-curves",
        abstract: "Fit the multi-power law to loss curves under their learning-rate schedules; predict others.",
        discussion: """
        L(t) = L0 + A*(S1(t) + S_W)^-alpha - B*sum_{k<=t} (lr_{k-1} - lr_k)*(1 - (C*lr_k^-gamma*S_k(t) + 1)^-beta) \
        (Luo et al. 2025, eq. 5-6), fitted by Huber(1e-3) on log residuals with L-BFGS and exact gradients.

        Each CSV is one run with columns step, lr, loss: one row per optimiser step from step 0 (the schedule \
        is summed over every step), with loss left empty where it was not measured.

        --leave-one-out also predicts each run from the law refitted to the others (Luo et al.'s test of the \
        law; one more fit per run): the honest measure of its error on a schedule it has not seen.

        Example: scalingkit fit-curves cosine.csv constant.csv wsd.csv --leave-one-out
        """)

    @Argument(help: "CSV files of the runs to fit (columns step, lr, loss).")
    var runs: [String]

    @Option(name: .customLong("predict"), parsing: .singleValue,
            help: "A run (same format) to predict from the fit and score where it has losses; repeatable.")
    var predict: [String] = []

    @Flag(name: .customLong("leave-one-out"),
          help: "Also predict each run from the law refitted to the other runs, and score it (2 or more runs).")
    var leaveOneOut = false

    @Option(help: "Steps of warmup; the law's time starts there (0: the whole schedule, Luo et al.'s convention).")
    var warmupSteps = 0

    @Option(help: "Huber delta on log residuals.")
    var huberDelta = 1e-3

    @Option(help: "Refine the best N starts by initial objective (more until 2 agree); 0 = every start.")
    var screen = MultiPowerFitOptions().screening.refine

    @Option(help: "Worker threads (0 = all cores). The result does not depend on it.")
    var threads = 0

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        try reportingErrors { try fitCurves() }
    }

    private func fitCurves() throws {
        guard threads >= 0, screen >= 0 else { throw ValidationError("--threads and --screen must be >= 0") }
        let curves = try runs.map { try Self.read($0, warmupSteps: warmupSteps, requireLoss: true) }
        var options = MultiPowerFitOptions()
        options.huberDelta = huberDelta
        options.threads = threads
        options.screening.refine = screen
        if screen > 0 { options.screening.confirmations = min(options.screening.confirmations, screen) }
        let fit = try MultiPowerLaw.fit(curves: curves, options: options)
        var scores: [(String, PredictionErrors?)] = []
        for path in predict {
            let c = try Self.read(path, warmupSteps: warmupSteps, requireLoss: false)
            let predicted = try fit.law.predict(learningRates: c.learningRates, warmupSteps: c.warmupSteps, steps: c.steps)
            scores.append((path, c.loss.isEmpty ? nil : try PredictionErrors(scoring: predicted, against: c.loss)))
        }
        let validation = leaveOneOut ? try MultiPowerLaw.leaveOneCurveOut(curves: curves, options: options) : nil
        print(json ? jsonReport(fit, scores, validation) : textReport(fit, scores, validation))
    }

    /// Reads one run: steps 0, 1, 2, … in order, a rate on every row, the loss where present.
    static func read(_ path: String, warmupSteps: Int, requireLoss: Bool) throws -> LossCurve {
        let table = try CSVTable(path: path)
        let step = try table.column("step"), lr = try table.column("lr"), loss = try table.optionalColumn("loss")
        for (i, s) in step.enumerated() where s != Double(i) {
            throw CLIError(description: "\(path):\(table.lineNumbers[i]): step is \(s), expected \(i) (one row per step from 0)")
        }
        let observed = loss.indices.filter { loss[$0] != nil && $0 >= max(warmupSteps, 1) }
        if requireLoss && observed.isEmpty {
            throw CLIError(description: "'\(path)' has no loss after warmup to fit")
        }
        return LossCurve(learningRates: lr, warmupSteps: warmupSteps, steps: observed, loss: observed.map { loss[$0]! })
    }

    private func textReport(_ fit: MultiPowerFit, _ scores: [(String, PredictionErrors?)],
                            _ validation: CurveValidation?) -> String {
        var lines = ["ScalingKit \(ScalingKitVersion.string): multi-power law fit  (\(MultiPowerLaw.citation))",
                     "data:    \(runs.joined(separator: ", ")): \(fit.pointsUsed) measured losses; warmup steps \(warmupSteps)",
                     fmt("method:  Huber delta=%g on log residuals, L-BFGS from %d of %d starts", huberDelta, fit.startsRefined, fit.starts),
                     ""]
        for (name, value) in zip(MultiPowerLaw.parameterNames, fit.law.parameterValues) {
            lines.append("  " + name + String(repeating: " ", count: max(0, 6 - name.count)) + fmt(" = %.8g", value))
        }
        lines.append(fmt("  objective = %.13e   max|gradient| = %.3g   ", fit.objective, fit.gradientNorm)
                     + FitReport.explained(fit.explained) + (fit.converged ? "converged" : "NOT converged"))
        lines.append("  \(fit.message)")
        for (path, errors) in scores {
            if let e = errors {
                lines.append("predicted \(path): " + fmt("RMSE %.5f, max relative error %.5f, mean relative error %.5f (%d losses)",
                                                             e.rmse, e.maxRelativeError, e.meanRelativeError, e.count))
            } else {
                lines.append("predicted \(path): no measured loss to score")
            }
        }
        if let validation {
            lines.append("")
            lines.append("leave one run out (each predicted by the law refitted to the other runs):")
            for (path, held) in zip(runs, validation.curves) {
                if let e = held.errors {
                    lines.append("  \(path): " + fmt("RMSE %.5f, max relative error %.5f, mean relative error %.5f (%d losses)",
                                                     e.rmse, e.maxRelativeError, e.meanRelativeError, e.count))
                } else {
                    lines.append("  \(path): not predicted: \(held.failure ?? "")")
                }
            }
            if let e = validation.errors {
                lines.append(fmt("  over the %d runs predicted: PredE (mean over runs of the mean relative error) %.5f, ",
                                 e.count, e.meanRelativeError)
                             + fmt("max relative error %.5f, RMSE %.5f", e.maxRelativeError, e.rmse))
            } else {
                lines.append("  no run was predicted")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A PredictionErrors as a JSON object, or null.
    private func errorsJSON(_ e: PredictionErrors?) -> String {
        guard let e else { return "null" }
        return "{\"count\": \(e.count), \"rmse\": \(jsonNumber(e.rmse)), "
            + "\"max_relative_error\": \(jsonNumber(e.maxRelativeError)), \"mean_relative_error\": \(jsonNumber(e.meanRelativeError))}"
    }

    private func jsonReport(_ fit: MultiPowerFit, _ scores: [(String, PredictionErrors?)],
                            _ validation: CurveValidation?) -> String {
        let params = zip(MultiPowerLaw.parameterNames, fit.law.parameterValues)
            .map { "\(jsonString($0)): \(jsonNumber($1))" }.joined(separator: ", ")
        let predictions = scores.map { path, e in "{\"data\": \(jsonString(path)), \"errors\": \(errorsJSON(e))}" }
            .joined(separator: ", ")
        var heldOut = "null"
        if let validation {
            let curves = zip(runs, validation.curves).map { path, held in
                "{\"data\": \(jsonString(path)), \"predicted\": \(held.predicted), \"fitted\": \(held.fitted), "
                    + "\"errors\": \(errorsJSON(held.errors)), \"failure\": \(held.failure.map(jsonString) ?? "null")}"
            }.joined(separator: ", ")
            heldOut = "{\"curves\": [\(curves)], \"errors\": \(errorsJSON(validation.errors)), \"failed\": \(validation.failed)}"
        }
        let weak = fit.weaklyDetermined.parameters.map { q in
            "{\"name\": \(jsonString(q.name)), \"value\": \(jsonNumber(q.value)), "
                + "\"standard_error\": \(jsonNumber(q.standardError)), \"partner\": \(q.partner.map(jsonString) ?? "null"), "
                + "\"correlation\": \(jsonNumber(q.correlation))}"
        }.joined(separator: ", ")
        return """
        {"scalingkit_version": \(jsonString(ScalingKitVersion.string)), "law": "multi_power", \
        "citation": \(jsonString(MultiPowerLaw.citation)), "data": [\(runs.map(jsonString).joined(separator: ", "))], \
        "warmup_steps": \(warmupSteps), "points_used": \(fit.pointsUsed), "parameters": {\(params)}, \
        "objective": \(jsonNumber(fit.objective)), "gradient_norm": \(jsonNumber(fit.gradientNorm)), \
        "converged": \(fit.converged), "message": \(jsonString(fit.message)), "iterations": \(fit.iterations), \
        "explained": \(jsonNumber(fit.explained)), \
        "evaluations": \(fit.evaluations), "starts": \(fit.starts), "starts_refined": \(fit.startsRefined), \
        "at_bound": [\(fit.parametersAtBound.map(jsonString).joined(separator: ", "))], "weakly_determined": [\(weak)], \
        "method": {"loss": "huber on log residuals", "huber_delta": \(jsonNumber(huberDelta)), "screen": \(screen)}, \
        "predictions": [\(predictions)], "leave_one_out": \(heldOut)}
        """
    }
}
