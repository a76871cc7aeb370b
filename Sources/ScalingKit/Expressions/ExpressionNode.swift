/// The syntax tree of a formula such as `E + A*N^-alpha + B*D^-beta`.
///
/// Produced by `FormulaParser`, consumed by `CompiledExpression`. Positions are 0-based offsets in Unicode scalars
/// into the formula text, kept so that later errors (an unknown name) can point at the culprit.
public indirect enum ExpressionNode: Sendable, Equatable {
    /// A numeric literal.
    case number(Double)
    /// An input or parameter name, with its offset in the formula text.
    case identifier(String, position: Int)
    /// Unary minus.
    case negate(ExpressionNode)
    /// A binary operation on two subexpressions.
    case binary(BinaryOperator, ExpressionNode, ExpressionNode)
    /// A call of a built-in function, with the offset of its name in the formula text.
    case call(Function, [ExpressionNode], position: Int)

    /// The binary operators, spelled as in formula text; `^` (also `**`) binds tighter than unary minus on its left and is right-associative.
    public enum BinaryOperator: String, Sendable, CaseIterable {
        /// Addition.
        case add = "+"
        /// Subtraction.
        case subtract = "-"
        /// Multiplication.
        case multiply = "*"
        /// Division.
        case divide = "/"
        /// Exponentiation.
        case power = "^"
    }

    /// The functions a formula may call.
    public enum Function: String, Sendable, CaseIterable {
        /// eˣ.
        case exp
        /// Natural logarithm.
        case log
        /// Square root.
        case sqrt
        /// Smallest argument.
        case min
        /// Largest argument.
        case max
        /// log Σ exp(xᵢ), computed without overflow (Hoffmann et al.'s form of the Chinchilla law).
        case logsumexp

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
