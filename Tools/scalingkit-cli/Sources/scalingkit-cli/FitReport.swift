import ScalingKit

/// Renders a Chinchilla fit for people (text) or programs (JSON). The JSON carries the method's provenance —
/// form, loss, δ, optimiser, grid, exclusions, library version — as the (Mis)Fitting checklist asks.
/// Optional parts of a report: bootstrap intervals and a held-out test.
struct Extras {
    var bootstrap: Bootstrap?
    var planIntervals: [BootstrapPlan] = []
    var holdout: HoldoutValidation?
    /// Plans of a law fit for the requested budgets (the Chinchilla report prints its own).
    var plans: [ComputePlan] = []
    /// The least compute reaching each requested loss.
    var targets: [(loss: Double, plan: ComputePlan)] = []
    /// Rows (0-based) that --exclude-highest-loss removed from a law fit.
    var excludedRows: [Int] = []
    /// The nearest shapes of a family (--shapes) to each plan's N.
    var shapes: [(compute: Double, target: Double, found: [(shape: TransformerShape, parameters: Int)])] = []
    /// Inference-aware plans (--inference-tokens), one per target loss.
    var inference: [InferenceAwarePlan] = []
    /// Time-aware frontiers (--critical-batch), one per target loss, with the plan meeting --deadline-days.
    var timeAware: [(frontier: TimeAwareFrontier, days: Double?, plan: TimedPlan?)] = []
    /// Predictions at --predict points: the inputs, and the 95 % confidence and prediction intervals.
    var predictions: [(inputs: [(String, Double)], confidence: PredictionIntervals, prediction: PredictionIntervals)] = []
    /// With --cluster-column: the column and how many clusters the intervals count (the covariance is then
    /// cluster-robust with clusters − 1 degrees of freedom, which the report says beside the intervals).
    var clusters: (column: String, count: Int)?
    /// Lines saying what the report leaves out and why (a default plan not made).
    var notes: [String] = []

    func textLines() -> [String] {
        var lines: [String] = []
        if !notes.isEmpty { lines += [""] + notes.map { "note: " + $0 } }
        if !predictions.isEmpty {
            lines.append("")
            lines.append("predictions (95% intervals: confidence of the mean law; prediction of a new run's value"
                         + (clusters.map { c in "; cluster-robust over the \(c.count) values of '\(c.column)', "
                             + "t with \(predictions[0].confidence.degreesOfFreedom) degrees of freedom" } ?? "") + "):")
            for p in predictions {
                let at = p.inputs.map { "\($0.0)=" + fmt("%.4g", $0.1) }.joined(separator: " ")
                lines.append("  " + at + fmt("   %.5g   mean [%.5g, %.5g]   new run [%.5g, %.5g]", p.confidence.estimate[0],
                                             p.confidence.lower[0], p.confidence.upper[0], p.prediction.lower[0],
                                             p.prediction.upper[0]))
            }
        }
        if !excludedRows.isEmpty {
            lines.append("excluded the \(excludedRows.count) highest-loss rows (file lines "
                         + excludedRows.map { String($0 + 2) }.joined(separator: ", ") + ")")
        }
        if !plans.isEmpty || !targets.isEmpty {
            lines.append("")
            lines.append(plans.isEmpty ? "least compute reaching a target loss (C = 6ND):"
                                       : "compute-optimal allocation (C = 6ND; numerical minimisation along each budget):")
            lines.append("  C (FLOPs)     N_opt         D_opt         D/N           loss          a (local)")
            for (k, p) in (plans + targets.map(\.plan)).enumerated() {
                lines.append(fmt("  %-12.4e  %-12.4e  %-12.4e  %-12.2f  %-12.4f  %.4f", p.compute, p.parameters, p.tokens,
                                 p.tokensPerParameter, p.loss, p.a))
                if k < plans.count, k < planIntervals.count {
                    lines.append(Extras.intervalLine(planIntervals[k]))
                }
            }
            for t in targets {
                lines.append(fmt("  loss %.4f is first reached at C = %.4e FLOPs", t.loss, t.plan.compute))
            }
            lines += Self.ratioNote(plans + targets.map(\.plan))
        }
        if let b = bootstrap {
            lines.append("")
            lines.append(fmt("bootstrap: %d replicates (%d kept, %d failed, %d stalled), seed %llu; %.0f%% percentile intervals",
                             b.options.replicates, b.samples.count, b.failed, b.stalled, b.options.seed,
                             100 * b.options.confidence)
                         + (b.options.clusters.map { "; whole clusters resampled (\(Set($0).count) labels)" } ?? ""))
            let width = b.parameterNames.map(\.count).max() ?? 1
            for name in b.parameterNames {
                guard let s = try? b.summary(name) else { continue }
                lines.append("  " + name.padded(to: width) + fmt(" = %-12.6g  se %-10.3g  [%.6g, %.6g]", s.estimate,
                                                               s.standardError, s.interval.lower, s.interval.upper))
            }
        }
        for p in inference {
            lines.append("")
            lines.append(fmt("inference-aware plan for loss %.4f with %.3e inference tokens (Sardana et al. 2024):",
                             p.loss, p.inferenceTokens))
            lines.append(fmt("  N = %.4e on D = %.4e tokens: %.4e FLOPs in all, %.4e (%.1f%%) less than the", p.parameters,
                             p.trainingTokens, p.totalFLOPs, p.savedFLOPs, 100 * p.savedFLOPs / p.trainingOptimalTotalFLOPs))
            lines.append(fmt("  training-optimal N = %.4e on D = %.4e", p.trainingOptimal.parameters, p.trainingOptimal.tokens))
            if p.ratioWithinFitted == false, let r = p.fitted?.tokensPerParameter {
                lines.append(fmt("  note: D/N %.3g lies outside the fitted runs' D/N [%.3g, %.3g]:", p.tokensPerParameter,
                                 r.lowerBound, r.upperBound))
                lines.append("        the loss reached there, and so the saving, is the law extrapolating along D")
            }
        }
        for entry in timeAware {
            let f = entry.frontier
            lines.append("")
            lines.append(fmt("time against compute at loss %.4f (%d plans, fastest first; Power Lines / McCandlish et al. 2018):",
                             f.loss, f.points.count))
            lines.append("  N             D             batch         B_crit        steps         devices   compute       days")
            let step = max(1, f.points.count / 8)
            let shown = Array(Swift.stride(from: 0, to: f.points.count - 1, by: step)) + [f.points.count - 1]
            for i in shown { lines.append(Self.timedLine(f.points[i])) }
            if let days = entry.days {
                if let p = entry.plan {
                    lines.append(fmt("  cheapest within %g days:", days))
                    lines.append(Self.timedLine(p))
                } else {
                    lines.append(fmt("  no plan finishes within %g days (the fastest takes %.1f)", days, f.fastest.seconds / 86400))
                }
            }
            let outside = (f.points + (entry.plan.map { [$0] } ?? [])).filter { $0.ratioWithinFitted == false }
            if let first = outside.first, let r = first.fitted?.tokensPerParameter {
                let ratios = outside.map { $0.minimumTokens / $0.parameters }
                lines.append(fmt("  note: %d of these plans read the law at D_min/N %.3g-%.3g, outside the fitted runs' D/N [%.3g, %.3g]:",
                                 outside.count, ratios.min()!, ratios.max()!, r.lowerBound, r.upperBound))
                lines.append("        there the N/D trade-off that places them is the law's functional form, not the data")
            }
        }
        for entry in shapes {
            lines.append("")
            lines.append(fmt("nearest shapes to N = %.4e (C = %.4e):", entry.target, entry.compute))
            for f in entry.found {
                lines.append(fmt("  d_model %-6d layers %-4d heads %-4d d_ff %-6d  N = %.4e", f.shape.dModel, f.shape.layers,
                                 f.shape.heads, f.shape.dFF, Double(f.parameters)))
            }
        }
        if let h = holdout {
            lines.append("")
            lines.append(fmt("held-out test: fitted on %d runs below %g, scored on %d runs: RMSE %.4g, max relative error %.3f%%, mean %.3f%%",
                             h.trainIndices.count, h.threshold, h.testIndices.count, h.errors.rmse,
                             100 * h.errors.maxRelativeError, 100 * h.errors.meanRelativeError))
        }
        return lines
    }

    static func timedLine(_ p: TimedPlan) -> String {
        fmt("  %-12.4e  %-12.4e  %-12.4e  %-12.4e  %-12.4e  %-8.1f  %-12.4e  %.1f", p.parameters, p.tokens, p.batch,
            p.criticalBatch, p.steps, p.devicesUsed, p.compute, p.seconds / 86400)
    }

    static func timedJSON(_ p: TimedPlan) -> String {
        "{\"N\": \(jsonNumber(p.parameters)), \"D_min\": \(jsonNumber(p.minimumTokens)), \"D\": \(jsonNumber(p.tokens)), "
            + "\"batch\": \(jsonNumber(p.batch)), \"critical_batch\": \(jsonNumber(p.criticalBatch)), "
            + "\"steps\": \(jsonNumber(p.steps)), \"devices_used\": \(jsonNumber(p.devicesUsed)), "
            + "\"compute\": \(jsonNumber(p.compute)), \"seconds\": \(jsonNumber(p.seconds)), "
            + "\"ratio_within_fitted\": \(p.ratioWithinFitted.map { "\($0)" } ?? "null")}"
    }

    static func planJSON(_ p: ComputePlan) -> String {
        let fitted = p.fitted.map { "[\(jsonNumber($0.tokensPerParameter.lowerBound)), \(jsonNumber($0.tokensPerParameter.upperBound))]" }
        return "{\"compute\": \(jsonNumber(p.compute)), \"N\": \(jsonNumber(p.parameters)), \"D\": \(jsonNumber(p.tokens)), "
            + "\"tokens_per_parameter\": \(jsonNumber(p.tokensPerParameter)), \"loss\": \(jsonNumber(p.loss)), "
            + "\"a\": \(jsonNumber(p.a)), \"b\": \(jsonNumber(p.b)), "
            + "\"fitted_tokens_per_parameter\": \(fitted ?? "null"), "
            + "\"ratio_within_fitted\": \(p.ratioWithinFitted.map { "\($0)" } ?? "null")}"
    }

    /// The bootstrap intervals printed under a plan's row, with the replicates that had no optimum at its budget.
    static func intervalLine(_ i: BootstrapPlan) -> String {
        fmt("    interval    [%.3e, %.3e]  [%.3e, %.3e]  [%.1f, %.1f]  a in [%.4f, %.4f]",
            i.parameters.interval.lower, i.parameters.interval.upper, i.tokens.interval.lower, i.tokens.interval.upper,
            i.tokensPerParameter.interval.lower, i.tokensPerParameter.interval.upper, i.a.interval.lower, i.a.interval.upper)
            + (i.failed > 0 ? "  (\(i.failed) replicates without an optimum left out)" : "")
    }

    /// A line for the plans whose D/N lies outside the fitted runs' (see `FittedRange`); none when all are inside.
    static func ratioNote(_ plans: [ComputePlan]) -> [String] {
        let outside = plans.filter { $0.ratioWithinFitted == false }
        guard let first = outside.first, let r = first.fitted?.tokensPerParameter else { return [] }
        let more = outside.count > 1 ? " (and \(outside.count - 1) more)" : ""
        return [fmt("  note: D/N %.3g at C = %.3e", first.tokensPerParameter, first.compute) + more
                    + fmt(" lies outside the fitted runs' D/N [%.3g, %.3g]:", r.lowerBound, r.upperBound),
                "        there the N/D split is the law's functional form extrapolating, not the data"]
    }

    func json() -> String {
        predictionsJSON() + otherJSON()
    }

    private func predictionsJSON() -> String {
        guard !predictions.isEmpty else { return "" }
        let items = predictions.map { p in
            let inputs = p.inputs.map { "\(jsonString($0.0)): \(jsonNumber($0.1))" }.joined(separator: ", ")
            return "{\"inputs\": {\(inputs)}, \"estimate\": \(jsonNumber(p.confidence.estimate[0])), "
                + "\"confidence\": [\(jsonNumber(p.confidence.lower[0])), \(jsonNumber(p.confidence.upper[0]))], "
                + "\"prediction\": [\(jsonNumber(p.prediction.lower[0])), \(jsonNumber(p.prediction.upper[0]))]}"
        }
        let clustered = clusters.map { "{\"column\": \(jsonString($0.column)), \"count\": \($0.count)}" } ?? "null"
        return ", \"predictions\": {\"level\": 0.95, \"clusters\": \(clustered), "
            + "\"degrees_of_freedom\": \(predictions[0].confidence.degreesOfFreedom), \"points\": [\(items.joined(separator: ", "))]}"
    }

    private func otherJSON() -> String {
        var parts: [String] = []
        if !notes.isEmpty { parts.append("\"notes\": [" + notes.map(jsonString).joined(separator: ", ") + "]") }
        if !shapes.isEmpty {
            parts.append("\"shapes\": [" + shapes.map { entry in
                "{\"compute\": \(jsonNumber(entry.compute)), \"target\": \(jsonNumber(entry.target)), \"shapes\": ["
                    + entry.found.map { f in
                        "{\"d_model\": \(f.shape.dModel), \"layers\": \(f.shape.layers), \"heads\": \(f.shape.heads), "
                            + "\"d_ff\": \(f.shape.dFF), \"parameters\": \(f.parameters)}"
                    }.joined(separator: ", ") + "]}"
            }.joined(separator: ", ") + "]")
        }
        if !inference.isEmpty {
            parts.append("\"inference_aware\": [" + inference.map { p in
                "{\"target_loss\": \(jsonNumber(p.loss)), \"inference_tokens\": \(jsonNumber(p.inferenceTokens)), "
                    + "\"N\": \(jsonNumber(p.parameters)), \"D\": \(jsonNumber(p.trainingTokens)), "
                    + "\"total_flops\": \(jsonNumber(p.totalFLOPs)), \"saved_flops\": \(jsonNumber(p.savedFLOPs)), "
                    + "\"tokens_per_parameter\": \(jsonNumber(p.tokensPerParameter)), "
                    + "\"ratio_within_fitted\": \(p.ratioWithinFitted.map { "\($0)" } ?? "null"), "
                    + "\"training_optimal\": \(Self.planJSON(p.trainingOptimal))}"
            }.joined(separator: ", ") + "]")
        }
        if !timeAware.isEmpty {
            parts.append("\"time_aware\": [" + timeAware.map { entry in
                var item = "{\"target_loss\": \(jsonNumber(entry.frontier.loss)), \"frontier\": ["
                    + entry.frontier.points.map(Self.timedJSON).joined(separator: ", ") + "]"
                if let days = entry.days {
                    item += ", \"deadline_days\": \(jsonNumber(days)), \"within_deadline\": "
                        + (entry.plan.map(Self.timedJSON) ?? "null")
                }
                return item + "}"
            }.joined(separator: ", ") + "]")
        }
        if !excludedRows.isEmpty { parts.append("\"excluded_rows\": [" + excludedRows.map(String.init).joined(separator: ", ") + "]") }
        if !plans.isEmpty { parts.append("\"plans\": [" + plans.map(Self.planJSON).joined(separator: ", ") + "]") }
        if !targets.isEmpty {
            parts.append("\"targets\": [" + targets.map { "{\"target_loss\": \(jsonNumber($0.loss)), \"plan\": \(Self.planJSON($0.plan))}" }
                .joined(separator: ", ") + "]")
        }
        if let b = bootstrap {
            let params = b.parameterNames.compactMap { name -> String? in
                guard let s = try? b.summary(name) else { return nil }
                return "\(jsonString(name)): \(summaryJSON(s))"
            }.joined(separator: ", ")
            var item = "\"bootstrap\": {\"replicates\": \(b.options.replicates), \"kept\": \(b.samples.count), "
                + "\"clusters\": \(b.options.clusters.map { "\(Set($0).count)" } ?? "null"), "
                + "\"failed\": \(b.failed), \"stalled\": \(b.stalled), \"seed\": \(b.options.seed), "
                + "\"confidence\": \(jsonNumber(b.options.confidence)), \"parameters\": {\(params)}"
            if !planIntervals.isEmpty {
                item += ", \"plans\": [" + planIntervals.map { p in
                    "{\"a\": \(summaryJSON(p.a)), \"N\": \(summaryJSON(p.parameters)), \"D\": \(summaryJSON(p.tokens)), "
                        + "\"tokens_per_parameter\": \(summaryJSON(p.tokensPerParameter)), \"loss\": \(summaryJSON(p.loss)), "
                        + "\"failed\": \(p.failed)}"
                }.joined(separator: ", ") + "]"
            }
            parts.append(item + "}")
        }
        if let h = holdout {
            parts.append("\"holdout\": {\"threshold\": \(jsonNumber(h.threshold)), \"train\": \(h.trainIndices.count), "
                + "\"test\": \(h.testIndices.count), \"rmse\": \(jsonNumber(h.errors.rmse)), "
                + "\"max_relative_error\": \(jsonNumber(h.errors.maxRelativeError)), "
                + "\"mean_relative_error\": \(jsonNumber(h.errors.meanRelativeError))}")
        }
        return parts.isEmpty ? "" : ", " + parts.joined(separator: ", ")
    }

    private func summaryJSON(_ s: Bootstrap.Summary) -> String {
        "{\"estimate\": \(jsonNumber(s.estimate)), \"se\": \(jsonNumber(s.standardError)), "
            + "\"lower\": \(jsonNumber(s.interval.lower)), \"upper\": \(jsonNumber(s.interval.upper))}"
    }
}

enum FitReport {
    /// The notes on the data as JSON fields, named as the Python binding's `FitDiagnostics` names them: runs that
    /// share every input but disagree, runs far off the law and what leaving them out does (null where none).
    static func dataJSON(_ d: FitDiagnostics) -> String {
        let o = d.outlying
        let influence = o.influence.map { i in
            "{\"parameter\": \(jsonString(i.largest.parameter)), \"standard_errors\": \(jsonNumber(i.largest.standardErrors)), "
                + "\"with_runs\": \(jsonNumber(i.largest.withRuns)), \"without_runs\": \(jsonNumber(i.largest.withoutRuns)), "
                + "\"allocation_without\": \(i.allocation.map { jsonNumber($0.withoutRuns) } ?? "null"), "
                + "\"allocation_shift\": \(i.allocation.map { jsonNumber($0.standardErrors) } ?? "null")}"
        } ?? "null"
        return "\"repeated_points\": \(d.repeated.points), \"repeated_runs\": \(d.repeated.runs), "
            + "\"repeat_spread\": \(d.repeated.points == 0 ? "null" : jsonNumber(d.repeated.spread)), "
            + "\"outlier_rows\": [\(o.rows.map(String.init).joined(separator: ", "))], "
            + "\"outlier_score\": \(o.rows.isEmpty ? "null" : jsonNumber(o.largest)), "
            + "\"outliers_highest\": \(o.highestObserved), \"outlier_influence\": \(influence)"
    }

    /// "explained = 0.952   " for the objective line (R¹ against one constant), nothing when every loss is equal.
    static func explained(_ share: Double) -> String {
        share.isNaN ? "" : fmt("explained = %.3f   ", share)
    }

    static func text(_ fit: ChinchillaFit, plans: [ComputePlan], data: String, rows: Int,
                     extras: Extras = Extras()) -> String {
        let law = fit.law
        var lines: [String] = []
        lines.append("ScalingKit \(ScalingKitVersion.string): Chinchilla fit  L(N, D) = E + A/N^alpha + B/D^beta")
        lines.append("  (Hoffmann et al. 2022, Approach 3; as replicated by Besiroglu et al. 2024)")
        var used = "data:    \(data): \(rows) runs, \(fit.pointsUsed) used"
        if !fit.excludedIndices.isEmpty {
            let shown = fit.excludedIndices.prefix(10).map { String($0 + 2) }.joined(separator: ", ")
            used += "; excluded the \(fit.excludedIndices.count) highest-loss (file lines \(shown)\(fit.excludedIndices.count > 10 ? ", ..." : ""))"
        }
        lines.append(used)
        lines.append(fmt("method:  Huber delta=%g on log residuals, L-BFGS from %d of %d starts (screened by initial objective)",
                         fit.options.huberDelta, fit.startsRefined, fit.starts))
        lines.append("")
        lines.append(fmt("  E      = %.6f", law.E))
        lines.append(fmt("  A      = %.4f", law.A))
        lines.append(fmt("  B      = %.4f", law.B))
        lines.append(fmt("  alpha  = %.6f", law.alpha))
        lines.append(fmt("  beta   = %.6f", law.beta))
        lines.append(fmt("  objective = %.13e   max|gradient| = %.2e   ", fit.objective, fit.gradientNorm)
                     + FitReport.explained(fit.explained) + (fit.converged ? "converged" : "NOT CONVERGED"))
        lines.append("  \(fit.message)")
        if let first = plans.first {
            lines.append("")
            lines.append(fmt("compute-optimal allocation (C = 6ND; Hoffmann et al. 2022 eq. 4): N_opt ~ C^%.4f, D_opt ~ C^%.4f",
                             first.a, first.b))
            lines.append("  " + ["C (FLOPs)", "N_opt", "D_opt", "D/N"].map { $0.padded(to: 12) }.joined(separator: "  ")
                         + "  loss")
            for (k, p) in plans.enumerated() {
                lines.append(fmt("  %-12.4e  %-12.4e  %-12.4e  %-12.2f  %.4f", p.compute, p.parameters, p.tokens,
                                 p.tokensPerParameter, p.loss))
                if k < extras.planIntervals.count {
                    lines.append(Extras.intervalLine(extras.planIntervals[k]))
                }
            }
            lines += Extras.ratioNote(plans)
        }
        lines += extras.textLines()
        return lines.joined(separator: "\n")
    }

    static func json(_ fit: ChinchillaFit, plans: [ComputePlan], data: String, rows: Int,
                     extras: Extras = Extras()) -> String {
        let law = fit.law
        let params = zip(ChinchillaLaw.parameterNames, law.parameterValues)
            .map { "\(jsonString($0)): \(jsonNumber($1))" }.joined(separator: ", ")
        let planItems = plans.map(Extras.planJSON).joined(separator: ", ")
        let grid = fit.options.grid
        func axis(_ v: [Double]) -> String { "[" + v.map(jsonNumber).joined(separator: ", ") + "]" }
        return """
        {"scalingkit_version": \(jsonString(ScalingKitVersion.string)), "law": "chinchilla", \
        "form": "E + A/N^alpha + B/D^beta", "data": \(jsonString(data)), "rows": \(rows), \
        "points_used": \(fit.pointsUsed), "excluded_rows": [\(fit.excludedIndices.map(String.init).joined(separator: ", "))], \
        "parameters": {\(params)}, "objective": \(jsonNumber(fit.objective)), \
        "gradient_norm": \(jsonNumber(fit.gradientNorm)), "explained": \(jsonNumber(fit.explained)), "converged": \(fit.converged), \
        \(dataJSON(fit.diagnostics)), \
        "message": \(jsonString(fit.message)), "iterations": \(fit.iterations), "evaluations": \(fit.evaluations), \
        "starts": \(fit.starts), "starts_refined": \(fit.startsRefined), "starts_converged": \(fit.startsConverged), \
        "starts_at_optimum": \(fit.startsAtOptimum), "method": {"loss": "huber on log residuals", "huber_delta": \(jsonNumber(fit.options.huberDelta)), \
        "reduction": "sum", "optimizer": "L-BFGS (strong Wolfe)", \
        "gradient_tolerance": \(jsonNumber(fit.options.optimizer.gradientTolerance)), \
        "function_tolerance": \(jsonNumber(fit.options.optimizer.functionTolerance)), \
        "max_iterations": \(fit.options.optimizer.maxIterations), \
        "screening": {"refine": \(fit.options.screening.refine), "confirmations": \(fit.options.screening.confirmations)}, \
        "grid": {"alpha": \(axis(grid.alpha)), "beta": \(axis(grid.beta)), "e": \(axis(grid.e)), \
        "a": \(axis(grid.a)), "b": \(axis(grid.b))}, "exclude_highest_loss": \(fit.options.excludeHighestLoss)}, \
        "plans": [\(planItems)]\(extras.json())}
        """
    }
}

extension FitReport {
    static func text(_ fit: LawFit, data: String, rows: Int, extras: Extras = Extras()) -> String {
        let law = fit.law
        var lines = ["ScalingKit \(ScalingKitVersion.string): \(law.name) fit  \(law.formula)"]
        if !law.citation.isEmpty { lines.append("  (\(law.citation))") }
        lines.append("data:    \(data): \(rows) runs, inputs \(law.inputs.joined(separator: ", "))")
        let optimizer = fit.options.method == .lbfgs ? "L-BFGS" : "Levenberg-Marquardt"
        lines.append("method:  \(fit.options.loss.description), \(optimizer) from \(fit.startsRefined) of \(fit.starts) starts")
        lines.append("search:  \(fit.search.description)")
        lines.append("")
        let width = law.parameters.map(\.count).max() ?? 1
        for (name, value) in zip(law.parameters, fit.values) {
            var line = "  " + name.padded(to: width) + " = " + fmt("%.6g", value)
            if fit.fixedParameters.contains(name) { line += "   (fixed)" }
            if fit.parametersAtBound.contains(name) { line += "   (at bound)" }
            lines.append(line)
        }
        lines.append(fmt("  objective = %.13e   max|gradient| = %.2e   ", fit.objective, fit.gradientNorm)
                     + FitReport.explained(fit.explained) + (fit.converged ? "converged" : "NOT CONVERGED"))
        lines.append("  \(fit.message)")
        lines += extras.textLines()
        return lines.joined(separator: "\n")
    }

    static func json(_ fit: LawFit, data: String, rows: Int, extras: Extras = Extras()) -> String {
        let law = fit.law
        let params = zip(law.parameters, fit.values).map { "\(jsonString($0)): \(jsonNumber($1))" }.joined(separator: ", ")
        func list(_ xs: [String]) -> String { "[" + xs.map(jsonString).joined(separator: ", ") + "]" }
        return """
        {"scalingkit_version": \(jsonString(ScalingKitVersion.string)), "law": \(jsonString(law.name)), \
        "formula": \(jsonString(law.formula)), "citation": \(jsonString(law.citation)), "data": \(jsonString(data)), \
        "rows": \(rows), "points_used": \(fit.pointsUsed), "inputs": \(list(law.inputs)), "parameters": {\(params)}, \
        "fixed": \(list(fit.fixedParameters)), "at_bound": \(list(fit.parametersAtBound)), \
        "objective": \(jsonNumber(fit.objective)), "gradient_norm": \(jsonNumber(fit.gradientNorm)), \
        "converged": \(fit.converged), "message": \(jsonString(fit.message)), "iterations": \(fit.iterations), \
        "relative_gradient": \(jsonNumber(fit.relativeGradient)), "predicted_decrease": \(jsonNumber(fit.predictedDecrease)), \
        "explained": \(jsonNumber(fit.explained)), \(dataJSON(fit.diagnostics)), \
        "search": \(jsonString(fit.search.description)), \
        "evaluations": \(fit.evaluations), "starts": \(fit.starts), "starts_refined": \(fit.startsRefined), \
        "starts_converged": \(fit.startsConverged), "starts_at_optimum": \(fit.startsAtOptimum), \
        "method": {"loss": \(jsonString(fit.options.loss.description)), \
        "optimizer": \(jsonString(fit.options.method == .lbfgs ? "L-BFGS (projected when bounded)" : "Levenberg-Marquardt")), \
        "screening": {"refine": \(fit.options.screening.refine), "confirmations": \(fit.options.screening.confirmations)}, \
        "gradient_tolerance": \(jsonNumber(fit.options.optimizer.gradientTolerance)), \
        "function_tolerance": \(jsonNumber(fit.options.optimizer.functionTolerance))}\(extras.json())}
        """
    }
}

extension String {
    func padded(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
