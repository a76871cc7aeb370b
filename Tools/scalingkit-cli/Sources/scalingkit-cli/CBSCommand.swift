import ArgumentParser
import ScalingKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `scalingkit cbs`: critical-batch-size tools.
struct CBSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cbs",
        abstract: "Critical batch size: fit the steps-vs-batch trade-off of a sweep.",
        subcommands: [CBSFit.self])
}

/// `scalingkit cbs fit SWEEP.csv`: S = S_min (1 + B_crit/B) per target loss, and Kaplan's B_crit(L) across targets.
struct CBSFit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit S = S_min (1 + B_crit/B) (McCandlish et al. 2018) to the steps each batch size needed.",
        discussion: """
        Columns: batch and steps, and optionally target_loss (then one fit per target and Kaplan et al.'s \\
        B_crit(L) = B*/L^(1/alpha_B) across them). Also prints Zhang et al.'s 20%-over-linear CBS from \\
        --reference-batch. Example: scalingkit cbs fit sweep.csv --reference-batch 256

        With --target (repeatable), the CSV holds the runs' logged loss curves instead (columns run, batch, step, \\
        loss; one row per logged step): the steps each run needed to reach each target are read from its curve \\
        made non-increasing by least squares, then fitted. Runs that never reach a target are left out and listed. \\
        Example: scalingkit cbs fit curves.csv --target 2.1 --target 2.15
        """)

    @Argument(help: "CSV with one run per row.") var data: String
    @Option(name: .customLong("batch-column")) var batchColumn = "batch"
    @Option(name: .customLong("steps-column")) var stepsColumn = "steps"
    @Option(name: .customLong("target-column")) var targetColumn = "target_loss"
    @Option(name: .customLong("target"), help: "A target loss: the CSV holds loss curves (run, batch, step, loss). Repeatable.")
    var targets: [Double] = []
    @Option(name: .customLong("run-column")) var runColumn = "run"
    @Option(name: .customLong("step-column")) var stepColumn = "step"
    @Option(name: .customLong("loss-column")) var lossColumn = "loss"
    @Option(help: "Confidence of the intervals.") var confidence = 0.95
    @Option(help: "Reference batch for Zhang et al.'s CBS (theta = 0.2).") var referenceBatch: Double?
    @Flag var json = false
    @Option(help: "Also draw steps against batch with the fitted hyperbolas to this file (*.svg or *.png).") var plot: String?

    func run() throws {
        try reportingErrors {
            let t = try CSVTable(path: data)
            var batch: [Double], steps: [Double], targetLosses: [Double]?
            var left: [String] = []
            if targets.isEmpty {
                (batch, steps) = (try t.column(batchColumn), try t.column(stepsColumn))
                targetLosses = t.textColumn(targetColumn) != nil ? try t.column(targetColumn) : nil
            } else {
                // Runs by their label as written, each curve read by the core.
                let entries = try StepsToTarget.table(run: try t.labels(runColumn), batch: try t.column(batchColumn),
                                                      step: try t.column(stepColumn), loss: try t.column(lossColumn),
                                                      targets: targets)
                let reached = entries.filter { $0.steps != nil }
                (batch, steps) = (reached.map(\.batch), reached.map { $0.steps! })
                targetLosses = targets.count > 1 ? reached.map(\.targetLoss) : nil
                for e in entries where e.steps == nil {
                    left.append("note: run \(e.run) at target \(fmt("%g", e.targetLoss)): "
                                + (e.crossing == .notReached ? "not reached within its logged steps (left out)"
                                                             : "reached at or before its first logged step (left out)"))
                }
            }
            var fits: [BatchTradeoffFit]
            var law: (criticalBatchAtUnitLoss: Double, alphaB: Double, fit: PowerLawFit)?
            if let targetLosses {
                let r = try BatchTradeoff.fit(batch: batch, steps: steps, targetLoss: targetLosses, confidence: confidence)
                fits = r.fits
                law = r.law
            } else {
                fits = [try BatchTradeoff.fit(batch: batch, steps: steps, targetLoss: targets.first, confidence: confidence)]
            }
            let zhang = try referenceBatch.map { b in try fits.map { try CriticalBatch.zhang(referenceBatch: b, criticalBatch: $0.criticalBatch) } }
            print(json ? Self.json(fits, law, zhang) : Self.text(fits, law, zhang, referenceBatch))
            if !left.isEmpty && !json { print(left.joined(separator: "\n")) }
            if let plot {
                let targets = targetLosses
                var p = Chart(title: "steps to target against batch size: S = S_min (1 + B_crit / B)", xLabel: "batch size",
                                yLabel: "steps")
                for (k, f) in fits.enumerated() {
                    let rows = batch.indices.filter { targets == nil || targets![$0] == f.targetLoss }
                    let color = Chart.palette[k % Chart.palette.count]
                    let name = f.targetLoss.map { fmt("L = %g", $0) } ?? "runs"
                    let xs = rows.map { batch[$0] }
                    let grid = (0..<60).map { xs.min()! * pow(xs.max()! / xs.min()!, Double($0) / 59) }
                    p.series.append(.init(label: name, x: xs, y: rows.map { steps[$0] }, line: false, color: color))
                    p.series.append(.init(label: fmt("fit, B_crit = %.3g", f.criticalBatch), x: grid, y: try grid.map { try f.steps(batch: $0) }, line: true, color: color))
                    p.verticalMarkers.append(f.criticalBatch)
                }
                try p.write(to: plot)
            }
        }
    }

    static func text(_ fits: [BatchTradeoffFit], _ law: (criticalBatchAtUnitLoss: Double, alphaB: Double, fit: PowerLawFit)?,
                     _ zhang: [Double]?, _ reference: Double?) -> String {
        var lines = ["target        S_min         E_min         B_crit        B_crit interval             points"]
        for (i, f) in fits.enumerated() {
            let target = f.targetLoss.map { fmt("%-12.4g", $0) } ?? "-".padded(to: 12)
            let interval = f.criticalBatchInterval.map { fmt("[%.4g, %.4g]", $0.lower, $0.upper) } ?? "-"
            lines.append(target + fmt("  %-12.4g  %-12.4g  %-12.4g  ", f.minimumSteps, f.minimumExamples, f.criticalBatch)
                         + interval.padded(to: 26) + fmt("  %d", f.points))
            if let z = zhang, let r = reference {
                lines.append(fmt("              Zhang et al.'s CBS from B_ref = %g: %.4g", r, z[i]))
            }
            if !f.identified { lines.append("              " + f.message) }
        }
        if let law {
            lines.append("")
            lines.append(fmt("Kaplan et al.: B_crit(L) = %.4g / L^(1/%.4f)  (B* extrapolates to L = 1: quote B_crit inside the targets' range)",
                             law.criticalBatchAtUnitLoss, law.alphaB))
            if law.fit.points < fits.count {
                lines.append("  through the \(law.fit.points) of \(fits.count) targets whose B_crit is identified")
            }
        } else if fits.count >= 2 {
            lines.append("")
            lines.append("no Kaplan law: fewer than 2 of the \(fits.count) targets have an identified B_crit")
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ fits: [BatchTradeoffFit], _ law: (criticalBatchAtUnitLoss: Double, alphaB: Double, fit: PowerLawFit)?,
                     _ zhang: [Double]?) -> String {
        let items = fits.enumerated().map { i, f in
            var s = "{\"target_loss\": \(jsonNumber(f.targetLoss ?? .nan)), \"min_steps\": \(jsonNumber(f.minimumSteps)), "
                + "\"min_examples\": \(jsonNumber(f.minimumExamples)), \"critical_batch\": \(jsonNumber(f.criticalBatch)), "
                + "\"critical_batch_lower\": \(jsonNumber(f.criticalBatchInterval?.lower ?? .nan)), "
                + "\"critical_batch_upper\": \(jsonNumber(f.criticalBatchInterval?.upper ?? .nan)), "
                + "\"identified\": \(f.identified), \"points\": \(f.points), \"message\": \(jsonString(f.message))"
            if let z = zhang { s += ", \"zhang_cbs\": \(jsonNumber(z[i]))" }
            return s + "}"
        }.joined(separator: ", ")
        var out = "{\"fits\": [\(items)]"
        if let law {
            out += ", \"kaplan\": {\"b_star\": \(jsonNumber(law.criticalBatchAtUnitLoss)), \"alpha_b\": \(jsonNumber(law.alphaB)), "
                + "\"targets\": \(law.fit.points)}"
        }
        return out + "}"
    }
}
