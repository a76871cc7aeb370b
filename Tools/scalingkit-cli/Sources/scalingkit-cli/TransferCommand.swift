import ArgumentParser
import ScalingKit

extension CSVTable {
    /// The text cells of column `name`, or nil if the table has no such column.
    func textColumn(_ name: String) -> [String]? { try? labels(name) }
}

/// `scalingkit transfer`: per-group hyperparameters for a target model from a tuned proxy.
struct TransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Transfer tuned hyperparameters from a proxy to a target: μP width, CompleteP depth, batch and weight-decay rules per parameter group.",
        discussion: """
        The CSV has one parameter group per row: name, base and target shapes as 64x256 (PyTorch layout, \\
        fan_out x fan_in), and optionally delta (a second proxy width), role (inferred, input, hidden, readout, \\
        bias, norm) and block (1 inside a residual block). Without --lr only the multipliers are printed.

        Example: scalingkit transfer groups.csv --lr 6e-3 --weight-decay 0.1 --proxy-batch 2.5e5 \\
          --proxy-tokens 2e9 --target-batch 1e6 --target-tokens 2e10 --depth-alpha 1 --base-layers 4 \\
          --layers 16 --batch-rule sqrt
        """)

    @Argument(help: "CSV of parameter groups.")
    var groups: String

    @Option(help: "standard, mup (Table 8, as mup 1.0.0) or mup_table3.") var parametrization = "mup"
    @Option(help: "adam (any Adam-like) or sgd.") var optimizer = "adam"
    @Option(help: "Weight decay: inverse_lr (mup), sqrt_width (Fan et al. 2025), fixed or independent (u-μP).") var wdRule = "inverse_lr"
    @Option(help: "Batch rule: none, sqrt (Adam) or linear (SGD).") var batchRule = "none"
    @Option(help: "Depth rule alpha: 1 CompleteP, 0.5 Depth-μP (with --base-layers and --layers).") var depthAlpha: Double?
    @Option var baseLayers: Int?
    @Option var layers: Int?
    @Flag(help: "Weight decay holds AdamW's timescale B/(lr wd D) of the proxy.") var holdTimescale = false
    @Option(help: "Learning rates x (target tokens / proxy tokens)^-exponent.") var horizonExponent = 0.0
    @Option(help: "The proxy's learning rate (absolute values need it).") var lr: Double?
    @Option var weightDecay = 0.0
    @Option var initStd = 0.02
    @Option var beta1 = 0.9
    @Option var beta2 = 0.95
    @Option var epsilon = 1e-8
    @Option(help: "The proxy's tokens per step.") var proxyBatch: Double?
    @Option(help: "The proxy's training tokens.") var proxyTokens: Double?
    @Option(help: "The target's tokens per step (default: the proxy's).") var targetBatch: Double?
    @Option(help: "The target's training tokens (default: the proxy's).") var targetTokens: Double?
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        try reportingErrors {
            try runTransfer()
        }
    }

    private func choice<T>(_ option: String, _ value: String, _ table: [String: T]) throws -> T {
        guard let v = table[value.lowercased()] else {
            throw CLIError(description: "--\(option) \(value): use one of \(table.keys.sorted().joined(separator: ", "))")
        }
        return v
    }

    private func specs() throws -> [ParameterSpec] {
        let table = try CSVTable(path: groups)
        func required(_ name: String) throws -> [String] {
            guard let c = table.textColumn(name) else {
                throw CSVTable.ReadError(description: "'\(groups)' has no column '\(name)'; columns are: \(table.columnList)")
            }
            return c
        }
        let names = try required("name"), base = try required("base"), target = try required("target")
        let delta = table.textColumn("delta"), role = table.textColumn("role"), block = table.textColumn("block")
        func shape(_ text: String, _ row: Int) throws -> [Int] {
            let parts = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0.filter { $0 != " " }) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
                throw CSVTable.ReadError(description: "\(groups):\(table.lineNumbers[row]): '\(text)' is not a shape like 64x256")
            }
            return parts.map { $0! }
        }
        return try names.indices.map { i in
            let d = delta.flatMap { $0[i].isEmpty ? nil : $0[i] }
            let s = try WidthShape(base: try shape(base[i], i), delta: try d.map { try shape($0, i) }, target: try shape(target[i], i))
            let r = role.map { $0[i].isEmpty ? "inferred" : $0[i] } ?? "inferred"
            guard let parsed = ParameterRole(rawValue: r.lowercased()) else {
                throw CSVTable.ReadError(description: "\(groups):\(table.lineNumbers[i]): unknown role '\(r)'; use one of \(ParameterRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return ParameterSpec(name: names[i], shape: s, role: parsed, inResidualBlock: block.map { ["1", "true", "yes"].contains($0[i].lowercased()) } ?? false)
        }
    }

    private func runTransfer() throws {
        var o = TransferOptions()
        o.parametrization = try choice("parametrization", parametrization, ["standard": .standard, "sp": .standard, "mup": .muP, "mup_table3": .muPTable3])
        o.optimizer = try choice("optimizer", optimizer, ["adam": .adam, "adamw": .adam, "sgd": .sgd])
        o.weightDecayRule = try choice("wd-rule", wdRule, ["inverse_lr": .inverseLearningRate, "sqrt_width": .sqrtWidth, "fixed": .fixed, "independent": .independent])
        o.batchRule = try choice("batch-rule", batchRule, ["none": .none, "sqrt": .squareRoot, "linear": .linear])
        if let alpha = depthAlpha {
            guard let baseLayers, let layers else { throw CLIError(description: "--depth-alpha needs --base-layers and --layers") }
            o.depth = try DepthScaling(alpha: alpha, baseLayers: baseLayers, layers: layers)
        }
        o.holdTimescale = holdTimescale
        o.horizonExponent = horizonExponent
        let specs = try specs()
        var result: TransferResult?
        var rules: [ParameterRule]
        if let lr {
            guard let proxyBatch, let proxyTokens else { throw CLIError(description: "--lr needs --proxy-batch and --proxy-tokens") }
            let proxy = ProxyHyperparameters(learningRate: lr, weightDecay: weightDecay, initStd: initStd, beta1: beta1,
                                             beta2: beta2, epsilon: epsilon, batchTokens: proxyBatch, tokens: proxyTokens)
            let r = try Transfer.plan(groups: specs, proxy: proxy, targetBatchTokens: targetBatch ?? proxyBatch,
                                      targetTokens: targetTokens ?? proxyTokens, options: o)
            result = r
            rules = r.groups.map(\.rule)
        } else {
            rules = try specs.map { try Transfer.rule(for: $0, parametrization: o.parametrization, optimizer: o.optimizer,
                                                      weightDecay: o.weightDecayRule, depth: o.depth) }
        }
        print(json ? Self.json(rules, result) : Self.text(rules, result))
    }

    static func json(_ rules: [ParameterRule], _ result: TransferResult?) -> String {
        let groups = rules.enumerated().map { i, r in
            var item = "{\"name\": \(jsonString(r.name)), \"role\": \(jsonString(r.role.rawValue)), \"scaled_axes\": \(r.scaledAxes), "
                + "\"width_mult\": \(jsonNumber(r.widthMultiplier)), \"init_std_mult\": \(jsonNumber(r.initStdMultiplier)), "
                + "\"forward_mult\": \(jsonNumber(r.forwardMultiplier)), \"lr_mult\": \(jsonNumber(r.learningRateMultiplier)), "
                + "\"wd_mult\": \(jsonNumber(r.weightDecayMultiplier)), \"eps_mult\": \(jsonNumber(r.epsilonMultiplier))"
            if let g = result?.groups[i] {
                item += ", \"learning_rate\": \(jsonNumber(g.learningRate)), \"weight_decay\": \(jsonNumber(g.weightDecay)), "
                    + "\"init_std\": \(jsonNumber(g.initStd)), \"epsilon\": \(jsonNumber(g.epsilon))"
            }
            return item + "}"
        }.joined(separator: ", ")
        var out = "{\"library_version\": \(jsonString(ScalingKitVersion.string)), \"groups\": [\(groups)]"
        if let r = result {
            out += ", \"residual_mult\": \(jsonNumber(r.residualMultiplier)), \"beta1\": \(jsonNumber(r.beta1)), "
                + "\"beta2\": \(jsonNumber(r.beta2)), \"lr_scale\": \(jsonNumber(r.learningRateScale)), "
                + "\"notes\": [\(r.notes.descriptions.map(jsonString).joined(separator: ", "))]"
        }
        return out + "}"
    }

    static func text(_ rules: [ParameterRule], _ result: TransferResult?) -> String {
        let width = max(4, rules.map(\.name.count).max() ?? 4)
        var lines = ["name".padded(to: width) + "  role      ninf  lr x        wd x        init x      fwd x" + (result == nil ? "" : "       lr          wd          init std    eps")]
        for (i, r) in rules.enumerated() {
            var line = r.name.padded(to: width) + "  " + r.role.rawValue.padded(to: 8)
                + fmt("  %-4d  %-10.4g  %-10.4g  %-10.4g  %-10.4g", r.scaledAxes, r.learningRateMultiplier, r.weightDecayMultiplier,
                      r.initStdMultiplier, r.forwardMultiplier)
            if let g = result?.groups[i] {
                line += fmt("  %-10.4g  %-10.4g  %-10.4g  %.4g", g.learningRate, g.weightDecay, g.initStd, g.epsilon)
            }
            lines.append(line)
        }
        if let r = result {
            lines.append("")
            lines.append(fmt("residual branches x %.4g; Adam betas (%.6g, %.6g); batch and horizon rules scale every learning rate by %.4g",
                             r.residualMultiplier, r.beta1, r.beta2, r.learningRateScale))
            lines += r.notes.descriptions.map { "note: " + $0 }
        }
        return lines.joined(separator: "\n")
    }
}

/// `scalingkit hp-sweep`: learning-rate (and batch) scaling laws fitted from a sweep.
struct HPSweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hp-sweep",
        abstract: "Fit lr_opt = k N^a D^b (and the optimal batch) from a hyperparameter sweep; predict for a target.",
        discussion: "Columns: N, D, learning_rate, batch (tokens), loss (empty, nan or inf for a run that diverged), and optionally weight_decay (then tau_opt(D/N) too). Example: scalingkit hp-sweep sweep.csv --predict-n 7e9 --predict-d 1.4e12")

    @Argument var data: String
    @Option(name: .customLong("predict-n")) var predictN: Double?
    @Option(name: .customLong("predict-d")) var predictD: Double?
    @Flag var json = false

    func run() throws {
        try reportingErrors {
            let t = try CSVTable(path: data)
            let wd = t.textColumn("weight_decay") == nil ? nil : try t.column("weight_decay")
            let r = try HyperparameterSweep.fit(N: try t.column("N"), D: try t.column("D"), learningRate: try t.column("learning_rate"),
                                                batch: try t.column("batch"),
                                                // An empty loss (as pandas writes NaN), nan or inf: a diverged run.
                                                loss: try t.optionalColumn("loss").map { $0 ?? .nan }, weightDecay: wd)
            let prediction = try predictN.map { n -> (Double, Double?, Double?, Double?) in
                guard let d = predictD else { throw CLIError(description: "--predict-n needs --predict-d") }
                let p = try r.predict(parameters: n, tokens: d)
                return (p.learningRate, p.interval?.lower, p.interval?.upper, p.batch)
            }
            let l = r.learningRate
            /// A law's JSON object; "support" is where it holds (null: the whole (N, D) plane).
            func lawJSON(_ law: HyperparameterSweep.Law) -> String {
                "{\"coefficient\": \(jsonNumber(law.coefficient)), \"exponent_N\": \(jsonNumber(law.exponentN ?? .nan)), "
                    + "\"exponent_D\": \(jsonNumber(law.exponentD ?? .nan)), "
                    + "\"support\": \(law.support.isPlane ? "null" : jsonString(law.support.description))}"
            }
            /// "k * N^a * D^b", the terms the law has, and the line it was fitted along.
            func lawText(_ law: HyperparameterSweep.Law, _ unit: String = "") -> String {
                fmt("%.4g", law.coefficient) + (law.exponentN.map { fmt(" * N^%.4f", $0) } ?? "")
                    + (law.exponentD.map { fmt(" * D^%.4f", $0) } ?? "") + unit
                    + (law.support.isPlane ? "" : "   (along \(law.support.description) only)")
            }
            if json {
                var out = "{\"message\": \(jsonString(r.message)), \"learning_rate\": \(lawJSON(l))"
                if let b = r.batch { out += ", \"batch\": \(lawJSON(b))" }
                if let tau = r.timescale {
                    out += ", \"timescale\": {\"coefficient\": \(jsonNumber(tau.coefficient)), \"exponent\": \(jsonNumber(tau.exponent))}"
                }
                if let p = prediction {
                    out += ", \"prediction\": {\"N\": \(jsonNumber(predictN!)), \"D\": \(jsonNumber(predictD!)), \"learning_rate\": \(jsonNumber(p.0)), "
                        + "\"lower\": \(jsonNumber(p.1 ?? .nan)), \"upper\": \(jsonNumber(p.2 ?? .nan)), \"batch\": \(jsonNumber(p.3 ?? .nan))}"
                }
                out += ", \"cells\": [" + r.cells.map { c in
                    "{\"N\": \(jsonNumber(c.parameters)), \"D\": \(jsonNumber(c.tokens)), \"batch\": \(jsonNumber(c.batch)), "
                        + "\"weight_decay\": \(jsonNumber(c.weightDecay)), \"runs\": \(c.runs), "
                        + "\"optimal_lr\": \(jsonNumber(c.optimalLearningRate ?? .nan)), \"note\": \(jsonString(c.note))}"
                }.joined(separator: ", ") + "]"
                print(out + "}")
            } else {
                print(r.message)
                // The cells that located no optimum, each with its reason (a sweep that stops short, a flat cell).
                for c in r.cells where c.optimalLearningRate == nil {
                    print(fmt("  no optimum at N = %.4g, D = %.4g, batch %.4g: ", c.parameters, c.tokens, c.batch) + c.note)
                }
                print("lr_opt = " + lawText(l))
                if let tau = r.timescale { print(fmt("tau_opt = %.4g * (D/N)^%.4f (AdamW timescale B/(lr wd D))", tau.coefficient, tau.exponent)) }
                if let b = r.batch { print("batch_opt = " + lawText(b, " tokens")) }
                if let p = prediction {
                    print(fmt("at N = %.4g, D = %.4g: lr %.4g in [%.4g, %.4g], ", predictN!, predictD!, p.0, p.1 ?? .nan, p.2 ?? .nan)
                          + (p.3.map { fmt("batch %.4g tokens", $0) } ?? "no batch law here"))
                }
            }
        }
    }
}
