/// The syntax tree of a formula such as `E + A*N^-alpha + B*D^-beta`.
///
/// Produced by `FormulaParser`, consumed by `CompiledExpression`. Positions are 0-based offsets in Unicode scalars
/// into the formula text, kept so that later errors (an unknown name) can point at the culprit.
public indirect enum ExpressionNode: Sendable, Equatable {
    case number(Double)
    case identifier(String, position: Int)
    case negate(ExpressionNode)
    case binary(BinaryOperator, ExpressionNode, ExpressionNode)
    case call(Function, [ExpressionNode], position: Int)

    public enum BinaryOperator: String, Sendable, CaseIterable {
        case add = "+", subtract = "-", multiply = "*", divide = "/", power = "^"
    }

    /// The functions a formula may call.
    public enum Function: String, Sendable, CaseIterable {
        case exp, log, sqrt, min, max, logsumexp

        /// Allowed argument counts.
        var arity: ClosedRange<Int> {
            switch self {
            case .exp, .log, .sqrt: 1...1
            case .min, .max: 2...2
            case .logsumexp: 1...64
            }
        }
    }

    /// Identifiers in order of first appearance (each once).
    public var identifiers: [(name: String, position: Int)] {
        var seen = Set<String>(), out: [(String, Int)] = []
        func walk(_ n: ExpressionNode) {
            switch n {
            case .number: break
            case let .identifier(name, p): if seen.insert(name).inserted { out.append((name, p)) }
            case let .negate(a): walk(a)
            case let .binary(_, a, b): walk(a); walk(b)
            case let .call(_, args, _): args.forEach(walk)
            }
        }
        walk(self)
        return out
    }
}
