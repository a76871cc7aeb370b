#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a parameter does in its formula, read from the syntax tree. It decides the parameter's default starting
/// range (so that a law typed as a formula needs no hints and the parameters' units do not matter) and whether
/// the fit can solve for it exactly (variable projection).
public enum LawParameterRole: String, Sendable, Equatable, CaseIterable {
    /// A term on its own (`E` in `E + A*N^-alpha`): enters linearly.
    case additive
    /// A factor of exactly one term (`A` in `A*N^-alpha`): enters linearly.
    case coefficient
    /// Multiplies or divides an input inside a power, `exp` or `log` (`n0` in `(n0/N)^a`, `Nc` in Kaplan's laws).
    case scale
    /// An exponent (`alpha` in `N^-alpha`), or a rate multiplying `log` of an input inside `exp`.
    case exponent
    /// An additive constant inside `exp` or `logsumexp` (`a` in Hoffmann's `logsumexp(a - alpha*log(N), ...)`).
    case logCoefficient
    /// None of the above; starts from a generic range.
    case other
}

/// The separable structure of a law: which parameters enter linearly, once the others are fixed.
///
/// A law is read as a sum of top-level terms. A parameter is *linear* when it occurs once in the formula, as a
/// factor (not a divisor) of one term (`A` in `A*N^-alpha`, `E` on its own). A parameter is *scale-linear* when it
/// occurs once, as the scale of an input inside a power that makes up a term, `(p/x)^q`, `(x/p)^q` or `(p*x)^q`
/// with `q` free of `p` and of the data: the term is then `c·φ` with `c = p^(±q)`, so `c` is linear and
/// `p = c^(±1/q)`. Both can be eliminated by solving a linear least-squares problem at each value of the other
/// parameters (variable projection: Golub & Pereyra 1973; Kaufman 1975). At most one parameter per term is
/// eliminated; the others in the same term stay in the outer search.
struct LawStructure: Sendable {
    /// How an eliminated parameter enters its term.
    enum Kind: Sendable {
        /// term = parameter · φ.
        case coefficient
        /// term = parameter^(sign · degree) · φ, with `degree` an expression in the other parameters.
        case scale(degree: ExpressionNode, sign: Double)
    }

    /// An eliminable parameter.
    struct Linear: Sendable {
        /// Index into the law's parameters.
        let parameter: Int
        let kind: Kind
    }

    /// Eliminable parameters, one per term at most, in term order.
    let linear: [Linear]
    /// The role of every parameter, in the law's parameter order.
    let roles: [LawParameterRole]
    /// For `.scale` parameters: the input they scale and whether the parameter has the input's magnitude
    /// (`p/x`, `x/p`: false) or its inverse's (`p*x`: true).
    let scaled: [Int: (input: Int, inverse: Bool)]

    /// Reads the structure of `expression`. `predictsLog` laws (log-sum-exp forms) have no linear parameters: the
    /// data are compared with exp(formula).
    init(_ expression: CompiledExpression, predictsLog: Bool) {
        let parameters = expression.parameters, inputs = expression.inputs
        let parameterIndex = Dictionary(uniqueKeysWithValues: parameters.enumerated().map { ($1, $0) })
        let inputIndex = Dictionary(uniqueKeysWithValues: inputs.enumerated().map { ($1, $0) })
        let ast = (try? FormulaParser.parse(expression.formula)) ?? .number(0)
        var occurrences: [String: Int] = [:]
        Self.count(ast, &occurrences)

        func hasParameter(_ n: ExpressionNode) -> Bool { Self.names(n).contains { parameterIndex[$0] != nil } }
        func hasInput(_ n: ExpressionNode) -> Bool { Self.names(n).contains { inputIndex[$0] != nil } }
        func singleParameter(_ n: ExpressionNode) -> Int? {
            if case let .identifier(name, _) = n, let j = parameterIndex[name], occurrences[name] == 1 { return j }
            return nil
        }

        var roles = [LawParameterRole?](repeating: nil, count: parameters.count)
        var linear: [Linear] = []
        var scaled: [Int: (input: Int, inverse: Bool)] = [:]
        if !predictsLog {
            for term in Self.terms(ast) {
                let factors = Self.factors(term.node)
                if let j = factors.lazy.compactMap({ $0.numerator ? singleParameter($0.node) : nil }).first {
                    linear.append(Linear(parameter: j, kind: .coefficient))
                    roles[j] = factors.count == 1 ? .additive : .coefficient
                    continue
                }
                // (p/x)^q, (x/p)^q, (p*x)^q as a numerator factor, every other factor free of parameters.
                let powers = factors.filter { f in
                    if case .binary(.power, _, _) = f.node, f.numerator { return hasParameter(f.node) }
                    return false
                }
                guard powers.count == 1, factors.allSatisfy({ !hasParameter($0.node) || ($0.numerator && $0.node == powers[0].node) }),
                      case let .binary(.power, base, degree) = powers[0].node, !hasInput(degree)
                else { continue }
                let baseFactors = Self.factors(base)
                let candidates = baseFactors.compactMap { f in singleParameter(f.node).map { (f, $0) } }
                guard candidates.count == 1,
                      baseFactors.allSatisfy({ !hasParameter($0.node) || singleParameter($0.node) != nil }),
                      let input = baseFactors.first(where: { hasInput($0.node) })
                else { continue }
                let (f, j) = candidates[0]
                linear.append(Linear(parameter: j, kind: .scale(degree: degree, sign: f.numerator ? 1 : -1)))
                roles[j] = .scale
                if let name = Self.names(input.node).first(where: { inputIndex[$0] != nil }), let i = inputIndex[name] {
                    // p/x and x/p: p has x's magnitude; p·x: 1/x's.
                    scaled[j] = (i, f.numerator == input.numerator)
                }
            }
        }
        // Roles of the rest, by context.
        func assign(_ name: String, _ role: LawParameterRole) {
            if let j = parameterIndex[name], roles[j] == nil { roles[j] = role }
        }
        enum Context { case top, powerBase, exponent, expArgument, logArgument }
        func walk(_ n: ExpressionNode, _ context: Context) {
            switch n {
            case .number: return
            case let .identifier(name, _):
                switch context {
                case .exponent: assign(name, .exponent)
                case .expArgument: assign(name, .logCoefficient)
                default: assign(name, .other)
                }
            case let .negate(a): walk(a, context)
            case let .binary(op, a, b):
                switch op {
                case .add, .subtract: walk(a, context); walk(b, context)
                case .power: walk(a, .powerBase); walk(b, .exponent)
                case .multiply, .divide:
                    let fs = Self.factors(n)
                    let inputFactor = fs.first { hasInput($0.node) && !hasParameter($0.node) }
                    let logOfInput = fs.contains { f in
                        if case let .call(.log, args, _) = f.node { return hasInput(args[0]) && !hasParameter(args[0]) }
                        return false
                    }
                    for f in fs {
                        guard case let .identifier(name, _) = f.node, let j = parameterIndex[name] else {
                            walk(f.node, context); continue
                        }
                        if context == .exponent || (context == .expArgument && logOfInput) {
                            assign(name, .exponent)
                        } else if let inputFactor, context != .top {
                            assign(name, .scale)
                            if scaled[j] == nil, let input = Self.names(inputFactor.node).first(where: { inputIndex[$0] != nil }) {
                                scaled[j] = (inputIndex[input]!, f.numerator == inputFactor.numerator)
                            }
                        } else {
                            assign(name, .other)
                        }
                    }
                }
            case let .call(function, args, _):
                let inner: Context
                switch function {
                case .exp, .logsumexp: inner = .expArgument
                case .log, .sqrt: inner = .logArgument
                case .min, .max: inner = context
                }
                for a in args { walk(a, inner) }
            }
        }
        walk(ast, .top)
        self.linear = linear
        self.roles = roles.map { $0 ?? .other }
        self.scaled = scaled
    }

    /// Top-level terms of a sum, with their signs.
    static func terms(_ n: ExpressionNode, sign: Double = 1) -> [(sign: Double, node: ExpressionNode)] {
        switch n {
        case let .binary(.add, a, b): return terms(a, sign: sign) + terms(b, sign: sign)
        case let .binary(.subtract, a, b): return terms(a, sign: sign) + terms(b, sign: -sign)
        case let .negate(a): return terms(a, sign: -sign)
        default: return [(sign, n)]
        }
    }

    /// Factors of a product or quotient: numerator factors and divisors.
    static func factors(_ n: ExpressionNode, numerator: Bool = true) -> [(node: ExpressionNode, numerator: Bool)] {
        switch n {
        case let .binary(.multiply, a, b): return factors(a, numerator: numerator) + factors(b, numerator: numerator)
        case let .binary(.divide, a, b): return factors(a, numerator: numerator) + factors(b, numerator: !numerator)
        case let .negate(a): return factors(a, numerator: numerator)
        default: return [(n, numerator)]
        }
    }

    static func count(_ n: ExpressionNode, _ into: inout [String: Int]) {
        switch n {
        case .number: break
        case let .identifier(name, _): into[name, default: 0] += 1
        case let .negate(a): count(a, &into)
        case let .binary(_, a, b): count(a, &into); count(b, &into)
        case let .call(_, args, _): for a in args { count(a, &into) }
        }
    }

    static func names(_ n: ExpressionNode) -> [String] { n.identifiers.map(\.name) }

    /// Value of a parameter-only expression (the degree of a scale term) at `values` (in the law's order).
    static func evaluate(_ n: ExpressionNode, _ values: UnsafeBufferPointer<Double>, _ index: [String: Int]) -> Double {
        switch n {
        case let .number(v): return v
        case let .identifier(name, _): return index[name].map { values[$0] } ?? .nan
        case let .negate(a): return -evaluate(a, values, index)
        case let .binary(op, a, b):
            let x = evaluate(a, values, index), y = evaluate(b, values, index)
            switch op {
            case .add: return x + y
            case .subtract: return x - y
            case .multiply: return x * y
            case .divide: return x / y
            case .power: return pow(x, y)
            }
        case let .call(f, args, _):
            let xs = args.map { evaluate($0, values, index) }
            switch f {
            case .exp: return exp(xs[0])
            case .log: return log(xs[0])
            case .sqrt: return xs[0].squareRoot()
            case .min: return Swift.min(xs[0], xs[1])
            case .max: return Swift.max(xs[0], xs[1])
            case .logsumexp:
                let m = xs.max() ?? -.infinity
                return m.isFinite ? m + log(xs.reduce(0) { $0 + exp($1 - m) }) : m
            }
        }
    }
}
