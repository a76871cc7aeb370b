import ArgumentParser
import ScalingKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
struct ScalingKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scalingkit",
        abstract: "Fit neural scaling laws and plan compute-optimal training runs.",
        version: ScalingKitVersion.string,
        subcommands: [Fit.self])
}

/// The CLI's own failure: printed as "error: …" with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
}

struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit L(N, D) = E + A/N^alpha + B/D^beta to a CSV of training runs and print the compute-optimal plan.",
        discussion: """
        Method: Hoffmann et al. (2022) Approach 3 as replicated by Besiroglu et al. (2024): Huber loss on log \
        residuals, L-BFGS with exact gradients from a 4,500-point starting grid on all cores. The plan uses \
        C = 6ND (Hoffmann et al. 2022, eq. 4).

        Example (the bundled Chinchilla data, as Besiroglu et al. fitted it):
          scalingkit fit examples/data/chinchilla_epoch.csv --exclude-highest-loss 5 --budget 5.76e23
        """)

    @Argument(help: "CSV file with a header row; one training run per row.")
    var data: String

    @Option(name: .customLong("n-column"), help: "Column with parameter counts N.")
    var nColumn = "N"

    @Option(name: .customLong("d-column"), help: "Column with training tokens D.")
    var dColumn = "D"

    @Option(name: .customLong("loss-column"), help: "Column with final losses.")
    var lossColumn = "loss"

    @Option(help: "Drop this many highest-loss runs before fitting (Besiroglu et al. 2024 drop 5).")
    var excludeHighestLoss = 0

    @Option(help: "Huber delta on log residuals (Hoffmann et al. 2022 use 1e-3).")
    var huberDelta = 1e-3

    @Option(name: .customLong("budget"), parsing: .singleValue,
            help: "Compute budget in FLOPs for the plan; repeat for several (default: 5.76e23, Chinchilla's).")
    var budgets: [Double] = []

    @Option(help: "Worker threads (0 = all cores). The result does not depend on it.")
    var threads = 0

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard excludeHighestLoss >= 0 else { throw ValidationError("--exclude-highest-loss must be >= 0") }
        guard threads >= 0 else { throw ValidationError("--threads must be >= 0") }
        guard huberDelta.isFinite, huberDelta > 0 else { throw ValidationError("--huber-delta must be finite and > 0") }
        for b in budgets where !(b.isFinite && b > 0) {
            throw ValidationError("--budget must be finite and > 0 (got \(b))")
        }
    }

    func run() throws {
        do {
            try runFit()
        } catch let e as CSVTable.ReadError {
            printError("error: \(e.description)")
            throw ExitCode(1)
        } catch let e as ScalingKitError {
            printError("error: \(e.message)")
            throw ExitCode(1)
        }
    }

    private func runFit() throws {
        let table = try CSVTable(path: data)
        let N = try table.column(nColumn), D = try table.column(dColumn), loss = try table.column(lossColumn)
        var options = ChinchillaFitOptions()
        options.excludeHighestLoss = excludeHighestLoss
        options.huberDelta = huberDelta
        options.threads = threads
        let fit = try ChinchillaLaw.fit(N: N, D: D, loss: loss, options: options)
        let plans = try (budgets.isEmpty ? [5.76e23] : budgets).map { try fit.law.computeOptimal(compute: $0) }
        print(json ? FitReport.json(fit, plans: plans, data: data, rows: N.count)
                   : FitReport.text(fit, plans: plans, data: data, rows: N.count))
    }
}
