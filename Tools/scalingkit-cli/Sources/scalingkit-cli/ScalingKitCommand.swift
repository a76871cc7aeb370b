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
        subcommands: [Fit.self, Plan.self, IsoFLOPCommand.self, FitCurves.self, TransferCommand.self, HPSweepCommand.self, CBSCommand.self])
}

/// The CLI's own failure: printed as "error: …" with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
}

struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a scaling law to a CSV of training runs (default: Chinchilla, with its compute-optimal plan).",
        discussion: """
        Method: Hoffmann et al. (2022) Approach 3 as replicated by Besiroglu et al. (2024): Huber loss on log \
        residuals, L-BFGS with exact gradients from a 4,500-point starting grid on all cores. The plan uses \
        C = 6ND (Hoffmann et al. 2022, eq. 4).

        Other laws: --law NAME (one of \(ScalingLaw.catalogueNames.joined(separator: ", "))) or --formula, \
        for example --formula "E + A*N^-alpha + B*D^-beta"; every CSV column the formula names is an input and \
        every other name a parameter.

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

    @Option(help: "A law from the catalogue (default: chinchilla).")
    var law: String?

    @Option(help: "A law written as a formula, for example \"Linf + (x0/N)^alpha\".")
    var formula: String?

    @Option(help: "Column with the measured value for --law/--formula fits.")
    var observed = "loss"

    @Option(name: .customLong("fix"), parsing: .singleValue, help: "Hold a parameter fixed: NAME=VALUE (repeatable).")
    var fixed: [String] = []

    @Option(name: .customLong("bound"), parsing: .singleValue, help: "Bound a parameter: NAME=LOW:HIGH, either side may be empty (repeatable).")
    var bounds: [String] = []

    @Option(name: .customLong("start"), parsing: .singleValue,
            help: "Starting values of a parameter: NAME=V1,V2,... (repeatable; the grid is their product).")
    var starts: [String] = []

    @Option(name: .customLong("log-scale"), parsing: .singleValue,
            help: "Fit a parameter in log space (for scales spanning orders of magnitude; repeatable).")
    var logScaled: [String] = []

    @Option(help: "Loss for --law/--formula fits: huber or squared.")
    var loss = "huber"

    @Option(help: "Local optimiser for --law/--formula fits: lbfgs or lm (Levenberg–Marquardt, with --loss squared).")
    var method = "lbfgs"

    @Option(help: "Residuals for --law/--formula fits: log or linear.")
    var space = "log"

    @Option(help: "Drop this many highest-loss runs before fitting (Besiroglu et al. 2024 drop 5).")
    var excludeHighestLoss = 0

    @Option(help: "Huber delta on log residuals (Hoffmann et al. 2022 use 1e-3).")
    var huberDelta = 1e-3

    @Option(name: .customLong("budget"), parsing: .singleValue,
            help: "Compute budget in FLOPs for the plan; repeat for several (default: 5.76e23, Chinchilla's).")
    var budgets: [Double] = []

    @Option(name: .customLong("target-loss"), parsing: .singleValue,
            help: "Also find the least compute that reaches this loss; repeat for several.")
    var targetLosses: [Double] = []

    @Option(help: "Also list the nearest shapes of this family to each plan's N: gpt2_small, llama2_7b or chinchilla_70b.")
    var shapes: String?

    @Option(help: "With --target-loss: the model minimising training plus inference FLOPs for this many tokens served (Sardana et al. 2024).")
    var inferenceTokens: Double?

    @Option(help: "With --target-loss: time-aware plans (Power Lines) for B_crit = COEF * D_min^EXP tokens, given as COEF,EXP; needs --devices, --device-flops and --device-tokens.")
    var criticalBatch: String?

    @Option(help: "Devices for time-aware plans.")
    var devices: Int?

    @Option(help: "Sustained training FLOP/s of one device, for time-aware plans.")
    var deviceFlops: Double?

    @Option(help: "Tokens one device needs per step to sustain that rate (micro-batch x sequence length).")
    var deviceTokens: Double?

    @Option(help: "With time-aware plans: also the cheapest plan finishing within this many days.")
    var deadlineDays: Double?

    @Option(help: "Worker threads (0 = all cores). The result does not depend on it.")
    var threads = 0

    @Option(help: "Start screening: run the optimiser from the best N starts by initial objective (more, N at a time, until --confirmations agree); 0 = every start.")
    var screen = StartScreening().refine

    @Option(help: "Refined starts that must reach the best optimum before screening stops.")
    var confirmations = StartScreening().confirmations

    @Option(help: "For --law/--formula: start from this many Latin-hypercube points (seeded by --seed) instead of the grid.")
    var randomStarts = 0

    @Option(help: "For --law/--formula: how starts are laid out. auto: linear parameters solved by least squares at each start, the others searched over ranges from the formula and the data (a grid when one or two, else a Latin hypercube); start-grid: exactly the law's starting grid (0.3.0); single: one start (never reported as converged).")
    var search = "auto"

    @Option(name: .customLong("predict"), parsing: .singleValue,
            help: "For --law/--formula: also predict at these inputs, NAME=VALUE,NAME=VALUE (repeatable), with 95% confidence and prediction intervals.")
    var predictAt: [String] = []

    @Option(help: "For --search auto: grid step of each searched parameter (units for exponents; 5x in natural log for log-scaled ones).")
    var gridStep = LawFitOptions().gridStep

    @Option(help: "Bootstrap replicates for confidence intervals (0 = none; Besiroglu et al. 2024 use 4000).")
    var bootstrap = 0

    @Option(help: "Rows that are not independent runs: this column names the run or model each row is a checkpoint of. The fit's intervals (--predict) and outlier influence then use a cluster-robust covariance, and --bootstrap resamples whole clusters instead of rows.")
    var clusterColumn: String?

    @Option(help: "Seed of the bootstrap resampling and of --random-starts.")
    var seed: UInt64 = 0

    @Option(help: "Held-out test: fit on runs with this column below --holdout-threshold, score the others.")
    var holdoutSplit: String?

    @Option(help: "Threshold of --holdout-split.")
    var holdoutThreshold: Double?

    @Flag(help: "Print the result as JSON.")
    var json = false

    @Option(help: "Also draw the runs' loss against compute with the fitted compute-optimal frontier to this file (*.svg or *.png).")
    var plot: String?

    func validate() throws {
        guard excludeHighestLoss >= 0 else { throw ValidationError("--exclude-highest-loss must be >= 0") }
        guard threads >= 0 else { throw ValidationError("--threads must be >= 0") }
        guard huberDelta.isFinite, huberDelta > 0 else { throw ValidationError("--huber-delta must be finite and > 0") }
        for b in budgets where !(b.isFinite && b > 0) {
            throw ValidationError("--budget must be finite and > 0 (got \(b))")
        }
        for t in targetLosses where !t.isFinite {
            throw ValidationError("--target-loss must be finite (got \(t))")
        }
        if law != nil && formula != nil { throw ValidationError("give --law or --formula, not both") }
        guard ["huber", "squared"].contains(loss) else { throw ValidationError("--loss must be huber or squared") }
        guard ["log", "linear"].contains(space) else { throw ValidationError("--space must be log or linear") }
        guard ["lbfgs", "lm"].contains(method) else { throw ValidationError("--method must be lbfgs or lm") }
        guard randomStarts >= 0 else { throw ValidationError("--random-starts must be >= 0") }
        guard ["auto", "start-grid", "single"].contains(search) else {
            throw ValidationError("--search must be auto, start-grid or single")
        }
        guard gridStep.isFinite, gridStep > 0 else { throw ValidationError("--grid-step must be finite and > 0") }
        guard bootstrap == 0 || bootstrap >= 2 else { throw ValidationError("--bootstrap must be 0 or >= 2") }
        guard (holdoutSplit == nil) == (holdoutThreshold == nil) else {
            throw ValidationError("--holdout-split and --holdout-threshold go together")
        }
        if let t = inferenceTokens, !(t.isFinite && t >= 0) { throw ValidationError("--inference-tokens must be finite and >= 0") }
        if (inferenceTokens != nil || criticalBatch != nil) && targetLosses.isEmpty {
            throw ValidationError("--inference-tokens and --critical-batch plan for a --target-loss: give one")
        }
        let machine = [devices != nil, deviceFlops != nil, deviceTokens != nil]
        if criticalBatch != nil, machine.contains(false) {
            throw ValidationError("--critical-batch needs --devices, --device-flops and --device-tokens")
        }
        if criticalBatch == nil, machine.contains(true) || deadlineDays != nil {
            throw ValidationError("--devices, --device-flops, --device-tokens and --deadline-days go with --critical-batch")
        }
        if let d = deadlineDays, !(d.isFinite && d > 0) { throw ValidationError("--deadline-days must be finite and > 0") }
    }

    func run() throws {
        try reportingErrors {
            try runFit()
        }
    }

    private func runFit() throws {
        let table = try CSVTable(path: data)
        if formula != nil || (law != nil && law != "chinchilla") || needsGenericEngine {
            return try runGeneralFit(table)
        }
        let N = try table.column(nColumn), D = try table.column(dColumn), loss = try table.column(lossColumn)
        var options = ChinchillaFitOptions()
        options.excludeHighestLoss = excludeHighestLoss
        options.huberDelta = huberDelta
        options.threads = threads
        options.screening = StartScreening(refine: screen, confirmations: confirmations)
        options.clusters = try clusterColumn.map { try table.labelCodes($0) }
        let fit = try ChinchillaLaw.fit(N: N, D: D, loss: loss, options: options)
        let surface = LossSurface(fit)
        // Chinchilla's budget is planned by default; from runs whose N and D are too small to be counts that plan
        // would be off by 10⁶ or more, so the fit is reported without it (a budget asked for is refused, by name).
        let scaled = budgets.isEmpty && fit.fitted?.countsLookScaled == true
        let plans = try (budgets.isEmpty ? (scaled ? [] : [5.76e23]) : budgets).map { try Planner.computeOptimal(surface, compute: $0) }
        var extras = Extras()
        if scaled, let r = fit.fitted {
            extras.notes.append(fmt("no compute-optimal plan: the runs reach only N = %.3g and D = %.3g, too small to be "
                                    + "counts of parameters and tokens (C = 6ND); fit on raw counts to plan", r.parameters.upperBound,
                                    r.tokens.upperBound))
        }
        try targetPlans(surface, into: &extras)
        noteUnconverged(fit.converged, planned: !plans.isEmpty, into: &extras)
        extras.shapes = try nearestShapes(plans.map { ($0.compute, $0.parameters) })
        if bootstrap > 0 {
            let progress = ProgressLine(total: bootstrap, label: "bootstrap")
            let b = try ChinchillaLaw.bootstrap(N: N, D: D, loss: loss, fit: fit, options: try bootstrapOptions(table, progress))
            progress.finish()
            extras.bootstrap = b
            extras.planIntervals = try plans.map { try b.chinchillaPlan(compute: $0.compute) }
        }
        if let split = holdoutSplit, let threshold = holdoutThreshold {
            // The held-out test uses the catalogue law of the same form (same objective, grid and exclusions).
            let keep = Set(N.indices).subtracting(fit.excludedIndices).sorted()
            let law = try ScalingLaw.named("chinchilla")
            var lawOptions = LawFitOptions()
            lawOptions.loss = FitLoss(.huber(delta: huberDelta))
            lawOptions.threads = threads
            lawOptions.screening = StartScreening(refine: screen, confirmations: confirmations)
            let s = try table.column(split)
            extras.holdout = try law.holdout(data: ["N": keep.map { N[$0] }, "D": keep.map { D[$0] }],
                                             observed: keep.map { loss[$0] }, split: keep.map { s[$0] },
                                             threshold: threshold, options: lawOptions)
        }
        print(json ? FitReport.json(fit, plans: plans, data: data, rows: N.count, extras: extras)
                   : FitReport.text(fit, plans: plans, data: data, rows: N.count, extras: extras))
        if let plot {
            try frontierPlot(LossSurface(fit.law), N: N, D: D, loss: loss, budgets: plans.map(\.compute),
                             excluded: Set(fit.excludedIndices)).write(to: plot)
        }
    }
}

extension Fit {
    /// Options only the generic engine implements. Found by the CLI bad-input matrix: with the default Chinchilla
    /// law they used to be ignored silently; now they send the fit (same law, same columns) to the generic engine.
    var needsGenericEngine: Bool {
        !fixed.isEmpty || !bounds.isEmpty || !starts.isEmpty || !logScaled.isEmpty || loss != "huber" || method != "lbfgs"
            || space != "log" || randomStarts > 0 || search != "auto" || gridStep != LawFitOptions().gridStep
            || !predictAt.isEmpty
    }

    /// --law NAME (other than chinchilla), --formula, or an option only it implements: the generic engine.
    private func runGeneralFit(_ table: CSVTable) throws {
        let scalingLaw: ScalingLaw
        if let formula {
            scalingLaw = try ScalingLaw(formula: formula, inputs: table.header.filter { $0 != observed })
        } else {
            scalingLaw = try ScalingLaw.named(law ?? "chinchilla")
        }
        // --exclude-highest-loss applies to every law (the same rule as the Chinchilla fit's).
        // A catalogue law reads N and D from --n-column/--d-column and the loss from --loss-column unless --observed
        // names another column, so adding --fix (say) to a Chinchilla fit reads the same data.
        let observedColumn = formula == nil && observed == "loss" ? lossColumn : observed
        func source(_ input: String) -> String {
            formula != nil ? input : input == "N" ? nColumn : input == "D" ? dColumn : input
        }
        let y = try table.column(observedColumn)
        var columns: [String: [Double]] = [:]
        for name in scalingLaw.inputs { columns[name] = try table.column(source(name)) }
        var options = LawFitOptions()
        options.excludeHighestLoss = excludeHighestLoss
        options.loss = FitLoss(loss == "huber" ? .huber(delta: huberDelta) : .squared,
                               space: space == "log" ? .log : .linear)
        options.threads = threads
        options.screening = StartScreening(refine: screen, confirmations: confirmations)
        options.logScaled = Set(logScaled)
        options.randomStarts = randomStarts
        options.search = search == "single" ? .single : search == "start-grid" ? .startGrid : .automatic
        options.gridStep = gridStep
        options.method = method == "lm" ? .levenbergMarquardt : .lbfgs
        options.seed = seed
        options.clusters = try clusterColumn.map { try table.labelCodes($0) }
        for item in fixed {
            let (name, value) = try keyValue(item, "--fix")
            guard let v = Double(value) else { throw CLIError(description: "--fix \(item): '\(value)' is not a number") }
            options.fixed[name] = v
        }
        for item in bounds {
            let (name, value) = try keyValue(item, "--bound")
            let sides = value.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard sides.count == 2 else { throw CLIError(description: "--bound \(item): expected NAME=LOW:HIGH") }
            for (side, text) in zip(["low", "high"], sides) where !text.isEmpty {
                guard let v = Double(text) else { throw CLIError(description: "--bound \(item): \(side) '\(text)' is not a number") }
                if side == "low" { options.lowerBounds[name] = v } else { options.upperBounds[name] = v }
            }
        }
        for item in starts {
            let (name, value) = try keyValue(item, "--start")
            options.startGrid[name] = try value.split(separator: ",").map { text in
                guard let v = Double(text) else { throw CLIError(description: "--start \(item): '\(text)' is not a number") }
                return v
            }
        }
        let fit = try scalingLaw.fit(data: columns, observed: y, options: options)
        var extras = Extras()
        extras.excludedRows = fit.excludedIndices
        if let column = clusterColumn, let labels = options.clusters {
            extras.clusters = (column, Set(fit.excludedIndices.isEmpty ? labels
                : labels.indices.filter { !fit.excludedIndices.contains($0) }.map { labels[$0] }).count)
        }
        for item in predictAt {
            var point: [(String, Double)] = []
            for pair in item.split(separator: ",") {
                let (name, value) = try keyValue(String(pair), "--predict")
                guard let v = Double(value) else { throw CLIError(description: "--predict \(item): '\(value)' is not a number") }
                point.append((name, v))
            }
            let inputs = Dictionary(point.map { ($0.0, [$0.1]) }, uniquingKeysWith: { a, _ in a })
            extras.predictions.append((point, try fit.predict(inputs, interval: .confidence),
                                       try fit.predict(inputs, interval: .prediction)))
        }
        if !budgets.isEmpty || !targetLosses.isEmpty {
            let surface = try LossSurface(fit)
            extras.plans = try budgets.map { try Planner.computeOptimal(surface, compute: $0) }
            try targetPlans(surface, into: &extras)
            noteUnconverged(fit.converged, planned: true, into: &extras)
            extras.shapes = try nearestShapes(extras.plans.map { ($0.compute, $0.parameters) })
        }
        if bootstrap > 0 {
            let progress = ProgressLine(total: bootstrap, label: "bootstrap")
            let b = try scalingLaw.bootstrap(data: columns, observed: y, fit: fit, options: try bootstrapOptions(table, progress))
            progress.finish()
            extras.bootstrap = b
            extras.planIntervals = try extras.plans.map { try b.plan(law: fit.law, compute: $0.compute, threads: threads) }
        }
        if let split = holdoutSplit, let threshold = holdoutThreshold {
            // The core leaves the excluded runs out of both sides (the highest-loss runs of the whole table).
            extras.holdout = try scalingLaw.holdout(data: columns, observed: y, split: try table.column(split),
                                                    threshold: threshold, options: options)
        }
        print(json ? FitReport.json(fit, data: data, rows: y.count, extras: extras)
                   : FitReport.text(fit, data: data, rows: y.count, extras: extras))
        if let plot {
            guard let N = columns["N"], let D = columns["D"] else {
                throw CLIError(description: "--plot draws loss against compute 6ND: it needs a law of N and D")
            }
            try frontierPlot(try LossSurface(law: fit.law, values: fit.values), N: N, D: D, loss: y, budgets: budgets,
                             excluded: Set(fit.excludedIndices)).write(to: plot)
        }
    }

    /// Plans read from a fit that did not converge say so (the Python binding warns the same way).
    func noteUnconverged(_ converged: Bool, planned: Bool, into extras: inout Extras) {
        guard !converged, planned || !extras.targets.isEmpty else { return }
        extras.notes.append("the fit did not converge (its message says why): every plan here inherits that doubt")
    }

    /// For each --target-loss: the least compute reaching it, and the inference-aware and time-aware plans asked for.
    func targetPlans(_ surface: LossSurface, into extras: inout Extras) throws {
        extras.targets = try targetLosses.map { ($0, try Planner.minimumCompute(surface, targetLoss: $0)) }
        if let tokens = inferenceTokens {
            extras.inference = try targetLosses.map { try Planner.inferenceAware(surface, loss: $0, inferenceTokens: tokens) }
        }
        guard let text = criticalBatch, let devices, let deviceFlops, let deviceTokens else { return }
        let parts = text.split(separator: ",").map { Double(String($0.filter { $0 != " " })) }
        guard parts.count == 2, let coefficient = parts[0], let exponent = parts[1] else {
            throw CLIError(description: "--critical-batch \(text): expected COEF,EXP (for example 8,0.462)")
        }
        let law = try CriticalBatchLaw(coefficient: coefficient, exponent: exponent)
        let hardware = try TrainingHardware(devices: devices, flopsPerSecond: deviceFlops, tokensPerDevice: deviceTokens)
        for loss in targetLosses {
            let frontier = try Planner.timeAware(surface, loss: loss, criticalBatch: law, hardware: hardware)
            let deadline = try deadlineDays.map {
                try Planner.cheapestPlan(surface, loss: loss, criticalBatch: law, hardware: hardware, within: $0 * 86400)
            }
            extras.timeAware.append((frontier, deadlineDays, deadline ?? nil))
        }
    }

    /// --plot: the runs' loss against C = 6ND and the compute-optimal frontier L*(C) out to the largest budget.
    func frontierPlot(_ surface: LossSurface, N: [Double], D: [Double], loss: [Double], budgets: [Double],
                      excluded: Set<Int> = []) throws -> Chart {
        let C = zip(N, D).map { 6 * $0 * $1 }
        let used = C.indices.filter { !excluded.contains($0) }, dropped = excluded.sorted()
        let lo = C.min()!, hi = max(C.max()!, budgets.max() ?? 0)
        let grid = (0..<60).map { lo * pow(hi / lo, Double($0) / 59) }
        let frontier = try grid.map { try Planner.computeOptimal(surface, compute: $0).loss }
        var p = Chart(title: "loss against compute, with the fitted compute-optimal frontier", xLabel: "training compute C = 6ND (FLOPs)",
                        yLabel: "loss")
        p.series = [.init(label: "runs", x: used.map { C[$0] }, y: used.map { loss[$0] }, line: false, color: Chart.palette[0]),
                    .init(label: "compute-optimal L*(C)", x: grid, y: frontier, line: true, color: Chart.palette[1])]
        if !dropped.isEmpty {
            p.series.append(.init(label: "excluded", x: dropped.map { C[$0] }, y: dropped.map { loss[$0] }, line: false, color: "#999999"))
        }
        p.verticalMarkers = [C.max()!]
        return p
    }

    /// --shapes FAMILY: the 3 nearest shapes of the family to each planned N.
    func nearestShapes(_ plans: [(compute: Double, parameters: Double)]) throws
        -> [(compute: Double, target: Double, found: [(shape: TransformerShape, parameters: Int)])]
    {
        guard let shapes else { return [] }
        let family: TransformerShape
        do { family = try TransformerShape.preset(named: shapes) } catch {
            throw CLIError(description: "--shapes \(shapes): unknown family: \(error)")
        }
        return try plans.map { ($0.compute, $0.parameters, try family.nearestShapes(toParameters: $0.parameters, count: 3)) }
    }

    /// The bootstrap's options, with a progress line on a terminal (`progress.finish()` once it returns).
    func bootstrapOptions(_ table: CSVTable, _ progress: ProgressLine? = nil) throws -> BootstrapOptions {
        var o = BootstrapOptions()
        o.replicates = bootstrap
        o.seed = seed
        o.threads = threads
        o.clusters = try clusterColumn.map { try table.labelCodes($0) }
        if let progress { o.progress = { progress.tick() } }
        return o
    }

    private func keyValue(_ item: String, _ option: String) throws -> (String, String) {
        let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else { throw CLIError(description: "\(option) \(item): expected NAME=VALUE") }
        return (parts[0], parts[1])
    }
}

/// `scalingkit plan`: a fit followed by the plans — `fit` with the budgets given as `--compute`.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a law and plan training runs: N, D and loss for each --compute budget, or the least compute for a --target-loss.",
        discussion: """
        Every option of `scalingkit fit` applies (the law, exclusions, bootstrap intervals). Chinchilla uses the \
        closed form of Hoffmann et al. (2022, eq. 4); other laws of N and D are minimised numerically along C = 6ND.

        Example: scalingkit plan examples/data/chinchilla_epoch.csv --exclude-highest-loss 5 --compute 1e24
        """)

    @OptionGroup var fit: Fit

    @Option(name: .customLong("compute"), parsing: .singleValue, help: "A compute budget in FLOPs; repeat for several.")
    var compute: [Double] = []

    func validate() throws {
        for c in compute where !(c.isFinite && c > 0) { throw ValidationError("--compute must be finite and > 0 (got \(c))") }
        guard !compute.isEmpty || !fit.budgets.isEmpty || !fit.targetLosses.isEmpty else {
            throw ValidationError("give --compute (or --target-loss)")
        }
    }

    func run() throws {
        var f = fit
        f.budgets += compute
        try f.run()
    }
}
