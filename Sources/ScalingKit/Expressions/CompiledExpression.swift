#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A formula compiled once for fast, repeated evaluation of its value and its exact gradient with respect to its
/// parameters (reverse-mode automatic differentiation over a flat tape; no finite differences).
///
/// Compilation (1) merges identical sub-expressions, (2) rewrites `x^p` with `x` free of parameters into
/// `exp(p·log x)`, and (3) marks every node that does not depend on a parameter (`log N`, `D/N`, constants) so
/// that `bind(_:)` computes it once per data point. The per-evaluation tape then holds only parameter-dependent
/// work, which is what makes a law written as a string about as fast as a hand-coded one.
public struct CompiledExpression: Sendable {
    /// The formula as written.
    public let formula: String
    /// Names of the data columns the formula reads, in binding order.
    public let inputs: [String]
    /// Names of the parameters, in the order of parameter vectors.
    public let parameters: [String]
    /// Inferred parameters that differ from an offered data column only in case, with that column ('n' → 'N').
    public let columnLookalikes: [String: String]

    let nodes: [Node]
    let root: Int
    /// Nodes computed per data point at bind time (not constants), in node order.
    let hoisted: [Int]
    /// Parameter-dependent nodes, in evaluation order (the tape).
    let tape: [Int]

    enum Op: UInt8, Sendable, Hashable {
        case constant, input, parameter, add, sub, mul, div, pow, neg, exp, log, sqrt, min, max, lse2
    }

    struct Node: Sendable, Hashable {
        var op: Op
        var a: Int32 = -1      // operand, input index or parameter index
        var b: Int32 = -1
        var constant: Double = 0
        var dependsOnParameters = false
    }

    /// Compiles `formula`.
    ///
    /// - Parameters:
    ///   - inputs: names that refer to data columns (for example `["N", "D"]`). Only those the formula uses become
    ///     its `inputs`, so a caller may offer every column of a table.
    ///   - parameters: the parameter names in order; `nil` means every other name, in order of first appearance.
    /// - Throws: `ScalingKitError` for a syntax error (with position), a name that is neither an input nor a
    ///   parameter, a declared parameter the formula does not use, or a formula without parameters.
    public init(_ formula: String, inputs: [String], parameters: [String]? = nil) throws {
        let ast = try FormulaParser.parse(formula)
        let names = ast.identifiers
        guard Set(inputs).count == inputs.count else {
            throw ScalingKitError.invalid("an input name is listed twice in \(inputs)")
        }
        let used = Set(names.map(\.name))
        let offered = inputs
        let inputs = inputs.filter { used.contains($0) }
        var inputIndex: [String: Int] = [:]
        for (i, name) in inputs.enumerated() { inputIndex[name] = i }
        let params: [String]
        if let parameters {
            var seen = Set<String>()
            for p in parameters {
                guard seen.insert(p).inserted else { throw ScalingKitError.invalid("parameter '\(p)' is listed twice") }
                guard inputIndex[p] == nil else {
                    throw ScalingKitError.invalid("'\(p)' is both an input and a parameter")
                }
                guard names.contains(where: { $0.name == p }) else {
                    throw ScalingKitError.invalid("parameter '\(p)' does not appear in the formula '\(formula)'")
                }
            }
            for (name, position) in names where inputIndex[name] == nil && !seen.contains(name) {
                throw ScalingKitError.invalid(
                    "formula: at position \(position): unknown name '\(name)'; inputs are \(inputs.joined(separator: ", ")), "
                    + "parameters are \(parameters.joined(separator: ", "))")
            }
            params = parameters
        } else {
            params = names.map(\.name).filter { inputIndex[$0] == nil }
        }
        guard !params.isEmpty else { throw ScalingKitError.invalid("formula '\(formula)' has no parameters to fit") }
        self.formula = formula
        self.inputs = inputs
        self.parameters = params
        // A parameter that differs from an offered column only in case ('n' beside a column 'N') is most likely a
        // typo for the column. It cannot be refused here: 'c' beside a compute column 'C' is a fine constant. A
        // typo leaves its term without data, so the fit comes out not identified, and this is its explanation.
        var lookalikes: [String: String] = [:]
        if parameters == nil {
            for p in params {
                if let column = offered.first(where: { $0 != p && $0.lowercased() == p.lowercased() }) { lookalikes[p] = column }
            }
        }
        self.columnLookalikes = lookalikes

        var builder = TapeBuilder(inputIndex: inputIndex,
                                  parameterIndex: Dictionary(uniqueKeysWithValues: params.enumerated().map { ($1, $0) }))
        let root = try builder.lower(ast)
        let nodes = builder.nodes
        self.root = root
        self.nodes = nodes
        // Hoist only what the tape (or the root) actually reads.
        var needed = [Bool](repeating: false, count: nodes.count)
        needed[root] = true
        for k in stride(from: nodes.count - 1, through: 0, by: -1) where needed[k] && nodes[k].dependsOnParameters {
            if nodes[k].op.isOperation {
                if nodes[k].a >= 0 { needed[Int(nodes[k].a)] = true }
                if nodes[k].b >= 0 { needed[Int(nodes[k].b)] = true }
            }
        }
        hoisted = nodes.indices.filter { needed[$0] && !nodes[$0].dependsOnParameters && nodes[$0].op != .constant }
        tape = nodes.indices.filter { needed[$0] && nodes[$0].dependsOnParameters && nodes[$0].op != .parameter }
    }

    /// The number of scratch slots an evaluation needs (one per node).
    var slotCount: Int { nodes.count }
}

extension CompiledExpression.Op {
    /// Whether a and b are node indices (as opposed to input/parameter indices).
    var isOperation: Bool { self != .constant && self != .input && self != .parameter }
}

/// Lowers a syntax tree into deduplicated nodes in topological order.
private struct TapeBuilder {
    typealias Node = CompiledExpression.Node
    let inputIndex: [String: Int]
    let parameterIndex: [String: Int]
    var nodes: [Node] = []
    var index: [Node: Int] = [:]

    init(inputIndex: [String: Int], parameterIndex: [String: Int]) {
        self.inputIndex = inputIndex
        self.parameterIndex = parameterIndex
    }

    mutating func add(_ op: CompiledExpression.Op, _ a: Int = -1, _ b: Int = -1, constant: Double = 0) -> Int {
        var n = Node(op: op, a: Int32(a), b: Int32(b), constant: constant)
        if op.isOperation {
            n.dependsOnParameters = (a >= 0 && nodes[a].dependsOnParameters) || (b >= 0 && nodes[b].dependsOnParameters)
        } else {
            n.dependsOnParameters = op == .parameter
        }
        if let k = index[n] { return k }
        nodes.append(n)
        index[n] = nodes.count - 1
        return nodes.count - 1
    }

    mutating func lower(_ e: ExpressionNode) throws -> Int {
        switch e {
        case let .number(v):
            return add(.constant, constant: v)
        case let .identifier(name, _):
            if let i = inputIndex[name] { return add(.input, i) }
            return add(.parameter, parameterIndex[name]!)
        case let .negate(a):
            return add(.neg, try lower(a))
        case let .binary(op, l, r):
            let a = try lower(l), b = try lower(r)
            switch op {
            case .add: return add(.add, a, b)
            case .subtract: return add(.sub, a, b)
            case .multiply: return add(.mul, a, b)
            case .divide: return add(.div, a, b)
            case .power:
                // x^p with x free of parameters and p not: exp(p · log x), log x hoisted (x > 0 in every law here).
                if !nodes[a].dependsOnParameters && nodes[b].dependsOnParameters {
                    return add(.exp, add(.mul, b, add(.log, a)))
                }
                return add(.pow, a, b)
            }
        case let .call(f, args, _):
            let xs = try args.map { try lower($0) }
            switch f {
            case .exp: return add(.exp, xs[0])
            case .log: return add(.log, xs[0])
            case .sqrt: return add(.sqrt, xs[0])
            case .min: return add(.min, xs[0], xs[1])
            case .max: return add(.max, xs[0], xs[1])
            case .logsumexp: return xs.dropFirst().reduce(xs[0]) { add(.lse2, $0, $1) }
            }
        }
    }
}
