import ScalingKit

/// Renders a Chinchilla fit for people (text) or programs (JSON). The JSON carries the method's provenance —
/// form, loss, δ, optimiser, grid, exclusions, library version — as the (Mis)Fitting checklist asks.
enum FitReport {
    static func text(_ fit: ChinchillaFit, plans: [ComputeOptimalAllocation], data: String, rows: Int) -> String {
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
        lines.append(fmt("method:  Huber delta=%g on log residuals, L-BFGS from %d starts", fit.options.huberDelta, fit.starts))
        lines.append("")
        lines.append(fmt("  E      = %.6f", law.E))
        lines.append(fmt("  A      = %.4f", law.A))
        lines.append(fmt("  B      = %.4f", law.B))
        lines.append(fmt("  alpha  = %.6f", law.alpha))
        lines.append(fmt("  beta   = %.6f", law.beta))
        lines.append(fmt("  objective = %.13e   max|gradient| = %.2e   ", fit.objective, fit.gradientNorm)
                     + (fit.converged ? "converged" : "NOT CONVERGED"))
        lines.append("  \(fit.message)")
        if let first = plans.first {
            lines.append("")
            lines.append(fmt("compute-optimal allocation (C = 6ND; Hoffmann et al. 2022 eq. 4): N_opt ~ C^%.4f, D_opt ~ C^%.4f",
                             first.a, first.b))
            lines.append("  " + ["C (FLOPs)", "N_opt", "D_opt", "D/N"].map { $0.padded(to: 12) }.joined(separator: "  ")
                         + "  loss")
            for p in plans {
                lines.append(fmt("  %-12.4e  %-12.4e  %-12.4e  %-12.2f  %.4f", p.compute, p.parameters, p.tokens,
                                 p.tokensPerParameter, p.loss))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ fit: ChinchillaFit, plans: [ComputeOptimalAllocation], data: String, rows: Int) -> String {
        let law = fit.law
        let params = zip(ChinchillaLaw.parameterNames, law.parameterValues)
            .map { "\(jsonString($0)): \(jsonNumber($1))" }.joined(separator: ", ")
        let planItems = plans.map { p in
            "{\"compute\": \(jsonNumber(p.compute)), \"N\": \(jsonNumber(p.parameters)), \"D\": \(jsonNumber(p.tokens)), "
                + "\"tokens_per_parameter\": \(jsonNumber(p.tokensPerParameter)), \"loss\": \(jsonNumber(p.loss)), "
                + "\"a\": \(jsonNumber(p.a)), \"b\": \(jsonNumber(p.b))}"
        }.joined(separator: ", ")
        let grid = fit.options.grid
        func axis(_ v: [Double]) -> String { "[" + v.map(jsonNumber).joined(separator: ", ") + "]" }
        return """
        {"scalingkit_version": \(jsonString(ScalingKitVersion.string)), "law": "chinchilla", \
        "form": "E + A/N^alpha + B/D^beta", "data": \(jsonString(data)), "rows": \(rows), \
        "points_used": \(fit.pointsUsed), "excluded_rows": [\(fit.excludedIndices.map(String.init).joined(separator: ", "))], \
        "parameters": {\(params)}, "objective": \(jsonNumber(fit.objective)), \
        "gradient_norm": \(jsonNumber(fit.gradientNorm)), "converged": \(fit.converged), \
        "message": \(jsonString(fit.message)), "iterations": \(fit.iterations), "evaluations": \(fit.evaluations), \
        "starts": \(fit.starts), "starts_converged": \(fit.startsConverged), "starts_at_optimum": \(fit.startsAtOptimum), \
        "method": {"loss": "huber on log residuals", "huber_delta": \(jsonNumber(fit.options.huberDelta)), \
        "reduction": "sum", "optimizer": "L-BFGS (strong Wolfe)", \
        "gradient_tolerance": \(jsonNumber(fit.options.optimizer.gradientTolerance)), \
        "function_tolerance": \(jsonNumber(fit.options.optimizer.functionTolerance)), \
        "max_iterations": \(fit.options.optimizer.maxIterations), \
        "grid": {"alpha": \(axis(grid.alpha)), "beta": \(axis(grid.beta)), "e": \(axis(grid.e)), \
        "a": \(axis(grid.a)), "b": \(axis(grid.b))}, "exclude_highest_loss": \(fit.options.excludeHighestLoss)}, \
        "plans": [\(planItems)]}
        """
    }
}

extension FitReport {
    static func text(_ fit: LawFit, data: String, rows: Int) -> String {
        let law = fit.law
        var lines = ["ScalingKit \(ScalingKitVersion.string): \(law.name) fit  \(law.formula)"]
        if !law.citation.isEmpty { lines.append("  (\(law.citation))") }
        lines.append("data:    \(data): \(rows) runs, inputs \(law.inputs.joined(separator: ", "))")
        lines.append("method:  \(fit.options.loss.description), L-BFGS from \(fit.starts) starts")
        lines.append("")
        let width = law.parameters.map(\.count).max() ?? 1
        for (name, value) in zip(law.parameters, fit.values) {
            var line = "  " + name.padded(to: width) + " = " + fmt("%.6g", value)
            if fit.fixedParameters.contains(name) { line += "   (fixed)" }
            if fit.parametersAtBound.contains(name) { line += "   (at bound)" }
            lines.append(line)
        }
        lines.append(fmt("  objective = %.13e   max|gradient| = %.2e   ", fit.objective, fit.gradientNorm)
                     + (fit.converged ? "converged" : "NOT CONVERGED"))
        lines.append("  \(fit.message)")
        return lines.joined(separator: "\n")
    }

    static func json(_ fit: LawFit, data: String, rows: Int) -> String {
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
        "evaluations": \(fit.evaluations), "starts": \(fit.starts), "starts_converged": \(fit.startsConverged), \
        "starts_at_optimum": \(fit.startsAtOptimum), "method": {"loss": \(jsonString(fit.options.loss.description)), \
        "optimizer": "L-BFGS (projected when bounded)", \
        "gradient_tolerance": \(jsonNumber(fit.options.optimizer.gradientTolerance)), \
        "function_tolerance": \(jsonNumber(fit.options.optimizer.functionTolerance))}}
        """
    }
}

private extension String {
    func padded(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
