#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A compiled expression bound to data: the parameter-free nodes are computed once per point here, so each
/// evaluation runs only the parameter-dependent tape.
///
/// Evaluation is thread-safe: scratch space lives on the caller's stack, nothing is shared or allocated on the heap.
public struct BoundExpression: Sendable {
    /// The compiled formula this binding evaluates.
    public let expression: CompiledExpression
    /// Number of data points.
    public let count: Int
    /// Hoisted node values, point-major: `hoistedValues[i * hoisted.count + h]`.
    let hoistedValues: [Double]
    /// The same data laid out for block-wise evaluation (`BatchedTape`).
    let batched: BatchedTape

    /// Binds `columns` (one array per input of the expression, in `expression.inputs` order).
    /// - Throws: `ScalingKitError` if the column count or lengths disagree, a column is empty, or a value is not
    ///   finite.
    public init(_ expression: CompiledExpression, columns: [[Double]]) throws {
        guard columns.count == expression.inputs.count else {
            throw ScalingKitError.length(
                "the formula reads \(expression.inputs.count) input(s) (\(expression.inputs.joined(separator: ", "))) "
                + "but \(columns.count) column(s) were given")
        }
        let n = columns.first?.count ?? 0
        for (name, c) in zip(expression.inputs, columns) {
            guard c.count == n else {
                throw ScalingKitError.length("length mismatch: '\(expression.inputs[0])' has \(n) values but '\(name)' has \(c.count)")
            }
            if let i = c.firstIndex(where: { !$0.isFinite }) {
                throw ScalingKitError.invalid("'\(name)'[\(i)] is not finite (\(c[i]))")
            }
        }
        guard n > 0 || expression.inputs.isEmpty else { throw ScalingKitError.length("no data points") }
        let count = expression.inputs.isEmpty ? 1 : n
        self.expression = expression
        self.count = count
        let h = expression.hoisted.count
        var values = [Double](repeating: 0, count: count * h)
        var slots = [Double](repeating: 0, count: expression.slotCount)
        for (k, node) in expression.nodes.enumerated() where node.op == .constant { slots[k] = node.constant }
        for i in 0..<count {
            // Parameter-free nodes in topological order (constants already set).
            for k in expression.nodes.indices where !expression.nodes[k].dependsOnParameters {
                let node = expression.nodes[k]
                switch node.op {
                case .constant: continue
                case .input: slots[k] = columns[Int(node.a)][i]
                default: slots[k] = Self.forward(node, slots)
                }
            }
            for (j, k) in expression.hoisted.enumerated() {
                let v = slots[k]
                guard !v.isNaN else {
                    throw Self.unusablePoint(expression, columns: columns, at: i)
                }
                values[i * h + j] = v
            }
        }
        hoistedValues = values
        batched = BatchedTape(expression, hoistedValues: values, count: count)
    }

    /// The first point at which a parameter-free part of the formula is ±∞ (a log or a power of zero, an overflow),
    /// nil if none. Binding allows such points, since a prediction there is what the law says; a fit refuses them
    /// (`ScalingLaw.fit`).
    func firstInfinitePoint() -> Int? {
        let h = expression.hoisted.count
        guard h > 0, let k = hoistedValues.firstIndex(where: { $0.isInfinite }) else { return nil }
        return k / h
    }

    /// The error for a point where a parameter-free part of the formula is NaN, or (`infinite`) ±∞ in a fit. It
    /// shows the inputs there and counts the zero and negative values of each input, because the
    /// usual cause is a column that is not what the formula assumes: a checkpoint logged at step 0 (D = 0), or a
    /// negative count (an integer product that overflowed, as pandas' int64 does at 6·N·D past 9.2e18).
    static func unusablePoint(_ expression: CompiledExpression, columns: [[Double]], at i: Int,
                              infinite: Bool = false) -> ScalingKitError {
        let values = zip(expression.inputs, columns).map { "\($0) = \(FitSearch.format($1[i]))" }
        var counts: [String] = []
        var negative = false, zero = false
        for (name, column) in zip(expression.inputs, columns) {
            let below = column.count(where: { $0 < 0 }), zeros = column.count(where: { $0 == 0 })
            negative = negative || below > 0
            zero = zero || zeros > 0
            if below > 0 { counts.append("'\(name)' is negative at \(below) of \(column.count) points") }
            if zeros > 0 { counts.append("'\(name)' is zero at \(zeros) of \(column.count) points") }
        }
        var guesses: [String] = []
        if zero { guesses.append("a checkpoint logged at step 0?") }
        if negative { guesses.append("a count that overflowed, such as 6*N*D computed in 64-bit integers?") }
        let cause = counts.isEmpty
            ? (infinite ? "for example the log of zero or an overflow" : "for example the log of a non-positive input")
            : counts.joined(separator: ", ") + (guesses.isEmpty ? "" : " (\(guesses.joined(separator: " ")))")
        let at = values.isEmpty ? "" : " (\(values.joined(separator: ", ")))"
        if infinite {
            return .invalid("formula '\(expression.formula)' is infinite at data point \(i)\(at): a parameter-free part is "
                            + "±∞ (a log or a power of zero, or an overflow), where neither the law nor its gradient is "
                            + "finite for most parameter values, so a fit cannot use that point: leave it out; \(cause)")
        }
        return .invalid("formula '\(expression.formula)' is undefined at data point \(i)\(at): a parameter-free part "
                        + "is NaN; \(cause)")
    }

    /// Σᵢ φᵢ(vᵢ) and its gradient with respect to every parameter, evaluated block by block (see `BatchedTape`);
    /// `pointwise(i0, values, seeds)` gets the formula's values on the block starting at point i0, writes
    /// ∂φᵢ/∂vᵢ into `seeds` and returns the block's Σ φᵢ.
    @inline(__always)
    func sum(parameters: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>,
             _ pointwise: (Int, UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double) -> Double {
        batched.evaluate(expression, parameters: parameters, gradient: gradient, pointwise: pointwise)
    }

    @inline(__always)
    static func forward(_ n: CompiledExpression.Node, _ v: UnsafeMutableBufferPointer<Double>) -> Double {
        let a = n.a >= 0 ? v[Int(n.a)] : 0, b = n.b >= 0 ? v[Int(n.b)] : 0
        switch n.op {
        case .add: return a + b
        case .sub: return a - b
        case .mul: return a * b
        case .div: return a / b
        case .pow: return pow(a, b)
        case .neg: return -a
        case .exp: return exp(a)
        case .log: return log(a)
        case .sqrt: return a.squareRoot()
        case .min: return Swift.min(a, b)
        case .max: return Swift.max(a, b)
        case .lse2:
            let m = Swift.max(a, b)
            return m.isInfinite ? m : m + log(exp(a - m) + exp(b - m))
        case .constant, .input, .parameter: return .nan
        }
    }

    static func forward(_ n: CompiledExpression.Node, _ v: [Double]) -> Double {
        var copy = v
        return copy.withUnsafeMutableBufferPointer { forward(n, $0) }
    }

    /// Evaluates every point: calls `body(i, value, gradient)` where `gradient` (valid only during the call) holds
    /// ∂value/∂parameter for each parameter when `withGradient` is true.
    @inline(__always)
    public func forEachPoint(
        parameters: UnsafeBufferPointer<Double>, withGradient: Bool,
        _ body: (Int, Double, UnsafeBufferPointer<Double>) -> Void
    ) {
        let e = expression
        let p = e.parameters.count, h = e.hoisted.count
        precondition(parameters.count == p)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * e.slotCount + p) { scratch in
            let v = UnsafeMutableBufferPointer(rebasing: scratch[0..<e.slotCount])
            let adj = UnsafeMutableBufferPointer(rebasing: scratch[e.slotCount..<(2 * e.slotCount)])
            let grad = UnsafeMutableBufferPointer(rebasing: scratch[(2 * e.slotCount)...])
            for (k, node) in e.nodes.enumerated() {
                switch node.op {
                case .constant: v[k] = node.constant
                case .parameter: v[k] = parameters[Int(node.a)]
                default: v[k] = 0
                }
            }
            hoistedValues.withUnsafeBufferPointer { hv in
                e.nodes.withUnsafeBufferPointer { nodes in
                    e.tape.withUnsafeBufferPointer { tape in
                        e.hoisted.withUnsafeBufferPointer { hoisted in
                            for i in 0..<count {
                                for j in 0..<h { v[hoisted[j]] = hv[i * h + j] }
                                for k in tape { v[k] = Self.forward(nodes[k], v) }
                                let value = v[e.root]
                                if withGradient {
                                    Self.backward(nodes, tape, root: e.root, v, adj, grad)
                                }
                                body(i, value, UnsafeBufferPointer(grad))
                            }
                        }
                    }
                }
            }
        }
    }

    /// Reverse sweep: adjoints of the tape nodes, accumulated into the parameter gradient.
    @inline(__always)
    static func backward(_ nodes: UnsafeBufferPointer<CompiledExpression.Node>, _ tape: UnsafeBufferPointer<Int>,
                         root: Int, _ v: UnsafeMutableBufferPointer<Double>,
                         _ adj: UnsafeMutableBufferPointer<Double>, _ grad: UnsafeMutableBufferPointer<Double>) {
        for k in tape { adj[k] = 0 }
        for j in 0..<grad.count { grad[j] = 0 }
        adj[root] = 1
        @inline(__always) func push(_ operand: Int32, _ d: Double) {
            let o = Int(operand)
            let node = nodes[o]
            guard node.dependsOnParameters else { return }
            if node.op == .parameter { grad[Int(node.a)] += d } else { adj[o] += d }
        }
        if nodes[root].op == .parameter { grad[Int(nodes[root].a)] = 1; return }
        for t in stride(from: tape.count - 1, through: 0, by: -1) {
            let k = tape[t]
            let g = adj[k]
            if g == 0 { continue }
            let n = nodes[k]
            let a = n.a >= 0 ? v[Int(n.a)] : 0, b = n.b >= 0 ? v[Int(n.b)] : 0
            switch n.op {
            case .add: push(n.a, g); push(n.b, g)
            case .sub: push(n.a, g); push(n.b, -g)
            case .mul: push(n.a, g * b); push(n.b, g * a)
            case .div: push(n.a, g / b); push(n.b, -g * v[k] / b)
            case .pow:
                // d(a^b)/da = b·a^(b−1); d(a^b)/db = a^b·log a (only needed when b depends on parameters).
                push(n.a, g * b * pow(a, b - 1))
                if nodes[Int(n.b)].dependsOnParameters { push(n.b, g * v[k] * log(a)) }
            case .neg: push(n.a, -g)
            case .exp: push(n.a, g * v[k])
            case .log: push(n.a, g / a)
            case .sqrt: push(n.a, g * 0.5 / v[k])
            case .min: if a <= b { push(n.a, g) } else { push(n.b, g) }
            case .max: if a >= b { push(n.a, g) } else { push(n.b, g) }
            case .lse2: push(n.a, g * exp(a - v[k])); push(n.b, g * exp(b - v[k]))
            case .constant, .input, .parameter: break
            }
        }
    }
}
