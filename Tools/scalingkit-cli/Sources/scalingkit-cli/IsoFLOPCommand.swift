import ArgumentParser
import ScalingKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `scalingkit isoflop`: Hoffmann et al.'s Approach 2 on a CSV of runs labelled by budget, optionally next to the
/// full-surface fit (Approach 3) of the same runs.
struct IsoFLOPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "isoflop",
        abstract: "IsoFLOP profiles (Approach 2): per-budget parabolas, then N_opt ~ C^a and D_opt ~ C^b with intervals.",
        discussion: """
        Budgets whose profile has no interior minimum are excluded and named. Approach 2 is biased against the \
        full-surface fit when the loss surface is asymmetric: --compare-at C also fits L = E + A/N^alpha + B/D^beta \
        (Approach 3) to the same runs and prints both allocations at C (none when that fit did not converge).

        Example: scalingkit isoflop sweep.csv --n-column params --d-column tokens --compare-at 3.8e25
        """)

    @Argument(help: "CSV with one run per row.")
    var data: String

    @Option(name: .customLong("n-column")) var nColumn = "N"
    @Option(name: .customLong("d-column")) var dColumn = "D"
    @Option(name: .customLong("loss-column")) var lossColumn = "loss"
    @Option(name: .customLong("budget-column"), help: "Column with each run's nominal compute budget.")
    var budgetColumn = "budget"

    @Flag(help: "Keep budgets whose vertex lies outside their sampled range (their optimum is extrapolated).")
    var keepExtrapolated = false

    @Option(name: .customLong("compare-at"), parsing: .singleValue,
            help: "Also fit Approach 3 to the same runs and compare both allocations at this budget; repeatable.")
    var compareAt: [Double] = []

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        for c in compareAt where !(c.isFinite && c > 0) { throw ValidationError("--compare-at must be finite and > 0 (got \(c))") }
    }

    func run() throws {
        try reportingErrors {
            try report()
        }
    }

    private func report() throws {
        let table = try CSVTable(path: data)
        let N = try table.column(nColumn), D = try table.column(dColumn), L = try table.column(lossColumn)
        let C = try table.column(budgetColumn)
        var options = IsoFLOP.Options()
        options.requireInteriorMinimum = !keepExtrapolated
        let r = try IsoFLOP.fit(N: N, D: D, loss: L, budget: C, options: options)
        var comparisons: [(compute: Double, a2: (Double, Double), a3: ComputePlan)] = []
        var approach3: ChinchillaFit?
        if !compareAt.isEmpty {
            let fit = try ChinchillaLaw.fit(N: N, D: D, loss: L)
            approach3 = fit
            // An unconverged surface (no trend, unidentified) has no allocation worth setting beside Approach 2's.
            if fit.diagnostics.converged {
                comparisons = try compareAt.map { c in
                    (c, r.optimum(compute: c), try Planner.computeOptimal(LossSurface(fit.law), compute: c))
                }
            }
        }
        print(json ? jsonReport(r, comparisons, approach3) : textReport(r, comparisons, approach3))
    }

    private func interval(_ p: PowerLawFit) -> String {
        guard let lo = p.interval?.lower, let hi = p.interval?.upper else { return "(no interval: 2 budgets)" }
        return fmt("[%.4f, %.4f] at %.0f%%", lo, hi, 100 * p.confidence)
    }

    private func textReport(_ r: IsoFLOP.Result, _ cmp: [(compute: Double, a2: (Double, Double), a3: ComputePlan)],
                            _ fit: ChinchillaFit?) -> String {
        var lines = ["ScalingKit \(ScalingKitVersion.string): IsoFLOP profiles (Hoffmann et al. 2022, Approach 2)",
                     "data:    \(data): \(r.budgets.map(\.runs).reduce(0, +)) runs in \(r.budgets.count) budgets", ""]
        lines.append("  budget (FLOPs)  runs  N*            D*            min loss  used")
        for b in r.budgets {
            let n = b.vertexParameters.map { fmt("%-12.4e", $0) } ?? "-           "
            let d = b.vertexTokens.map { fmt("%-12.4e", $0) } ?? "-           "
            let l = b.minimumLoss.map { fmt("%-8.4f", $0) } ?? "-       "
            lines.append(fmt("  %-14.4e  %-4d  ", b.compute, b.runs) + n + "  " + d + "  " + l + "  "
                         + (b.used ? "yes" : "no: \(b.note ?? "")"))
        }
        lines.append("")
        lines.append(fmt("N_opt = %.4g * C^%.4f   a ", r.parameters.coefficient, r.parameters.exponent) + interval(r.parameters))
        lines.append(fmt("D_opt = %.4g * C^%.4f   b ", r.tokens.coefficient, r.tokens.exponent) + interval(r.tokens))
        lines.append(r.message)
        if let fit {
            lines.append("")
            lines.append(fmt("Approach 3 on the same runs (Huber 1e-3, log residuals): E %.4f, A %.4g, B %.4g, alpha %.4f, beta %.4f",
                             fit.law.E, fit.law.A, fit.law.B, fit.law.alpha, fit.law.beta))
            guard fit.diagnostics.converged else {
                lines.append("  NOT CONVERGED, so no comparison: " + fit.diagnostics.message)
                return lines.joined(separator: "\n")
            }
            lines.append("  C (FLOPs)     N (A2)        N (A3)        D (A2)        D (A3)        D ratio A2/A3")
            for c in cmp {
                lines.append(fmt("  %-12.4e  %-12.4e  %-12.4e  %-12.4e  %-12.4e  %.3f", c.compute, c.a2.0, c.a3.parameters,
                                 c.a2.1, c.a3.tokens, c.a2.1 / c.a3.tokens))
            }
        }
        return lines.joined(separator: "\n")
    }

    private func powerJSON(_ p: PowerLawFit) -> String {
        "{\"exponent\": \(jsonNumber(p.exponent)), \"coefficient\": \(jsonNumber(p.coefficient)), "
            + "\"stderr\": \(p.standardError.map(jsonNumber) ?? "null"), \"lower\": \(p.interval.map { jsonNumber($0.lower) } ?? "null"), "
            + "\"upper\": \(p.interval.map { jsonNumber($0.upper) } ?? "null"), \"confidence\": \(jsonNumber(p.confidence))}"
    }

    private func jsonReport(_ r: IsoFLOP.Result, _ cmp: [(compute: Double, a2: (Double, Double), a3: ComputePlan)],
                            _ fit: ChinchillaFit?) -> String {
        let budgets = r.budgets.map { b in
            "{\"compute\": \(jsonNumber(b.compute)), \"runs\": \(b.runs), \"used\": \(b.used), "
                + "\"N_opt\": \(b.vertexParameters.map(jsonNumber) ?? "null"), "
                + "\"D_opt\": \(b.vertexTokens.map(jsonNumber) ?? "null"), "
                + "\"note\": \(b.note.map(jsonString) ?? "null")}"
        }.joined(separator: ", ")
        var out = "{\"scalingkit_version\": \(jsonString(ScalingKitVersion.string)), \"method\": \"approach 2\", "
            + "\"data\": \(jsonString(data)), \"a\": \(powerJSON(r.parameters)), \"b\": \(powerJSON(r.tokens)), "
            + "\"budgets\": [\(budgets)], \"message\": \(jsonString(r.message))"
        if let fit {
            out += ", \"approach3\": {\"E\": \(jsonNumber(fit.law.E)), \"A\": \(jsonNumber(fit.law.A)), \"B\": \(jsonNumber(fit.law.B)), "
                + "\"alpha\": \(jsonNumber(fit.law.alpha)), \"beta\": \(jsonNumber(fit.law.beta)), "
                + "\"converged\": \(fit.diagnostics.converged), \"message\": \(jsonString(fit.diagnostics.message))}, \"comparisons\": ["
                + cmp.map { c in
                    "{\"compute\": \(jsonNumber(c.compute)), \"N_approach2\": \(jsonNumber(c.a2.0)), \"N_approach3\": \(jsonNumber(c.a3.parameters)), "
                        + "\"D_approach2\": \(jsonNumber(c.a2.1)), \"D_approach3\": \(jsonNumber(c.a3.tokens))}"
                }.joined(separator: ", ") + "]"
        }
        return out + "}"
    }
}
