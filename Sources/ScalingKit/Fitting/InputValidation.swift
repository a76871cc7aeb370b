/// Checks shared by every fit entry point: run them before computing anything.
enum InputValidation {
    /// All columns have the same, non-zero length, and every value is finite and strictly positive.
    static func positiveColumns(_ columns: [(name: String, values: [Double])]) throws {
        guard let first = columns.first else { return }
        guard !first.values.isEmpty else { throw ScalingKitError.length("'\(first.name)' is empty: no runs to fit") }
        for c in columns where c.values.count != first.values.count {
            throw ScalingKitError.length(
                "length mismatch: '\(first.name)' has \(first.values.count) values but '\(c.name)' has \(c.values.count)")
        }
        for c in columns {
            for (i, v) in c.values.enumerated() {
                if !v.isFinite {
                    // A NaN or infinite loss is how training logs record a run that diverged: say what to do.
                    let hint = c.name == "loss" ? ": a run that diverged? A scaling law is of runs that trained; drop its row" : ""
                    throw ScalingKitError.invalid("'\(c.name)'[\(i)] is not finite (\(v))\(hint)")
                }
                if v <= 0 { throw ScalingKitError.invalid("'\(c.name)'[\(i)] must be > 0 (got \(v))") }
            }
        }
    }

    static func positiveFinite(_ value: Double, _ name: String) throws {
        guard value.isFinite, value > 0 else { throw ScalingKitError.invalid("\(name) must be finite and > 0 (got \(value))") }
    }

    static func optimizer(_ o: LBFGSOptions) throws {
        guard (1...1000).contains(o.memory) else { throw ScalingKitError.invalid("L-BFGS memory must be in 1...1000 (got \(o.memory))") }
        guard o.maxIterations >= 1 else { throw ScalingKitError.invalid("max iterations must be >= 1 (got \(o.maxIterations))") }
        guard o.gradientTolerance.isFinite, o.gradientTolerance >= 0 else {
            throw ScalingKitError.invalid("gradient tolerance must be finite and >= 0 (got \(o.gradientTolerance))")
        }
        guard o.functionTolerance.isFinite, o.functionTolerance >= 0 else {
            throw ScalingKitError.invalid("function tolerance must be finite and >= 0 (got \(o.functionTolerance))")
        }
        guard o.maxLineSearchEvaluations >= 2 else {
            throw ScalingKitError.invalid("line-search evaluations must be >= 2 (got \(o.maxLineSearchEvaluations))")
        }
    }
}
