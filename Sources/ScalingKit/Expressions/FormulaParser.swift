/// Parses formula strings into `ExpressionNode` trees.
///
/// Grammar (precedence low → high; `^` is right-associative and binds tighter than unary minus, so `-x^2` is
/// `-(x^2)` and `N^-alpha` is `N^(-alpha)`, as in mathematics and in Python's `**`):
///
///     expr    := term (('+' | '-') term)*
///     term    := unary (('*' | '/') unary)*
///     unary   := ('-' | '+') unary | power
///     power   := primary (('^' | '**') unary)?
///     primary := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
///
/// `log10`, `log2`, `ln` and `pow` are rewritten in `log` and `^` as they are read (`Parser.Sugar`).
///
/// Hostile input is bounded: at most `maxLength` characters and `maxDepth` nested sub-expressions, checked before
/// recursion can exhaust the stack. Errors name the position and what was expected.
public enum FormulaParser {
    /// Longest formula accepted, in Unicode scalars.
    public static let maxLength = 4096
    /// Deepest nesting accepted (parentheses, calls and unary minus), so that recursion cannot exhaust the stack.
    public static let maxDepth = 64

    /// Parses `text` into a syntax tree.
    /// - Throws: `ScalingKitError` naming the position and what was expected, for malformed, over-long or over-deep text.
    public static func parse(_ text: String) throws -> ExpressionNode {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty, scalars.contains(where: { !$0.properties.isWhitespace }) else {
            throw ScalingKitError.invalid("formula is empty")
        }
        guard scalars.count <= maxLength else {
            throw ScalingKitError.length("formula has \(scalars.count) characters; at most \(maxLength) are allowed")
        }
        var parser = Parser(tokens: try Lexer.tokens(scalars), text: text)
        let node = try parser.expression(depth: 0)
        if let t = parser.peek, t.kind != .end {
            throw parser.error(at: t, expected: "an operator or the end of the formula")
        }
        return node
    }
}

// MARK: - Tokens

struct Token: Equatable {
    enum Kind: Equatable {
        case number(Double)
        case name(String)
        case symbol(String)   // + - * / ^ ** ( ) ,
        case end
    }
    let kind: Kind
    let position: Int
    /// The token as written, for messages.
    let text: String
}

enum Lexer {
    static func tokens(_ s: [Unicode.Scalar]) throws -> [Token] {
        var out: [Token] = []
        var i = 0
        func isIdentStart(_ c: Unicode.Scalar) -> Bool { c == "_" || (c.isASCII && c.properties.isAlphabetic) }
        func isIdent(_ c: Unicode.Scalar) -> Bool { isIdentStart(c) || ("0"..."9").contains(c) }
        func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
        while i < s.count {
            let c = s[i]
            if c.properties.isWhitespace { i += 1; continue }
            let start = i
            if isDigit(c) || (c == "." && i + 1 < s.count && isDigit(s[i + 1])) {
                while i < s.count, isDigit(s[i]) || s[i] == "." { i += 1 }
                if i < s.count, s[i] == "e" || s[i] == "E" {
                    var j = i + 1
                    if j < s.count, s[j] == "+" || s[j] == "-" { j += 1 }
                    if j < s.count, isDigit(s[j]) {
                        i = j
                        while i < s.count, isDigit(s[i]) { i += 1 }
                    }
                }
                let lexeme = String(String.UnicodeScalarView(s[start..<i]))
                guard let v = Double(lexeme), v.isFinite else {
                    throw ScalingKitError.invalid("formula: at position \(start): '\(lexeme)' is not a valid number")
                }
                out.append(Token(kind: .number(v), position: start, text: lexeme))
            } else if isIdentStart(c) {
                while i < s.count, isIdent(s[i]) { i += 1 }
                let name = String(String.UnicodeScalarView(s[start..<i]))
                out.append(Token(kind: .name(name), position: start, text: name))
            } else if c == "*", i + 1 < s.count, s[i + 1] == "*" {
                out.append(Token(kind: .symbol("^"), position: start, text: "**"))
                i += 2
            } else if "+-*/^(),".unicodeScalars.contains(c) {
                out.append(Token(kind: .symbol(String(c)), position: start, text: String(c)))
                i += 1
            } else {
                // The two mistakes users make most: an equation instead of its right-hand side, and Greek names.
                let hint = c == "=" || c == "~" ? ": give the right-hand side alone, as in 'E + A*N^-alpha'"
                    : c.value > 127 ? ": names are ASCII letters, digits and '_' (alpha, not α)" : ""
                throw ScalingKitError.invalid(
                    "formula: at position \(start): unexpected character '\(c.escaped(asASCII: true))'\(hint)")
            }
        }
        out.append(Token(kind: .end, position: s.count, text: "end of formula"))
        return out
    }
}

// MARK: - Recursive descent

private struct Parser {
    let tokens: [Token]
    let text: String
    var index = 0

    init(tokens: [Token], text: String) {
        self.tokens = tokens
        self.text = text
    }

    var peek: Token? { index < tokens.count ? tokens[index] : nil }

    func error(at t: Token, expected: String) -> ScalingKitError {
        ScalingKitError.invalid("formula: at position \(t.position): expected \(expected), found '\(t.text)'")
    }

    mutating func next() -> Token {
        defer { index += 1 }
        return tokens[index]
    }

    func isSymbol(_ s: String) -> Bool {
        if case .symbol(s) = tokens[index].kind { return true }
        return false
    }

    mutating func expect(_ s: String, _ what: String) throws {
        guard isSymbol(s) else { throw error(at: tokens[index], expected: what) }
        index += 1
    }

    func checkDepth(_ depth: Int) throws {
        if depth > FormulaParser.maxDepth {
            throw ScalingKitError.invalid(
                "formula: at position \(tokens[index].position): nested more than \(FormulaParser.maxDepth) levels deep")
        }
    }

    mutating func expression(depth: Int) throws -> ExpressionNode {
        try leftAssociative(depth, [("+", .add), ("-", .subtract)]) { try $0.term(depth: $1) }
    }

    mutating func term(depth: Int) throws -> ExpressionNode {
        try leftAssociative(depth, [("*", .multiply), ("/", .divide)]) { try $0.unary(depth: $1) }
    }

    /// One precedence level of left-associative binary operators over `operand` (the next level down).
    private mutating func leftAssociative(
        _ depth: Int, _ operators: [(String, ExpressionNode.BinaryOperator)],
        _ operand: (inout Parser, Int) throws -> ExpressionNode
    ) throws -> ExpressionNode {
        try checkDepth(depth)
        var lhs = try operand(&self, depth + 1)
        while let op = operators.first(where: { isSymbol($0.0) })?.1 {
            index += 1
            lhs = .binary(op, lhs, try operand(&self, depth + 1))
        }
        return lhs
    }

    mutating func unary(depth: Int) throws -> ExpressionNode {
        try checkDepth(depth)
        if isSymbol("-") { index += 1; return .negate(try unary(depth: depth + 1)) }
        if isSymbol("+") { index += 1; return try unary(depth: depth + 1) }
        return try power(depth: depth + 1)
    }

    mutating func power(depth: Int) throws -> ExpressionNode {
        try checkDepth(depth)
        let base = try primary(depth: depth + 1)
        if isSymbol("^") {
            index += 1
            return .binary(.power, base, try unary(depth: depth + 1))
        }
        return base
    }

    mutating func primary(depth: Int) throws -> ExpressionNode {
        try checkDepth(depth)
        let t = next()
        switch t.kind {
        case let .number(v):
            return .number(v)
        case let .name(name):
            guard isSymbol("(") else { return .identifier(name, position: t.position) }
            if let sugar = Sugar(rawValue: name) {
                return try Self.desugar(sugar, arguments(of: name, at: t, arity: sugar.arity, depth: depth), position: t.position)
            }
            guard let f = ExpressionNode.Function(rawValue: name) else {
                throw ScalingKitError.invalid("formula: at position \(t.position): unknown function '\(name)'; "
                    + "functions are \(Parser.functionNames)")
            }
            return .call(f, try arguments(of: name, at: t, arity: f.arity, depth: depth), position: t.position)
        case .symbol("("):
            let inner = try expression(depth: depth + 1)
            try expect(")", "')'")
            return inner
        default:
            throw error(at: t, expected: "a number, a name, a function call or '('")
        }
    }

    /// Spellings users type from NumPy and papers, written in terms of the core functions at parse time, so that
    /// every later stage (compilation, structure analysis, gradients) sees only those: `log10(x)` = log x / ln 10,
    /// `log2(x)` = log x / ln 2, `ln(x)` = log x, `pow(x, p)` = x^p.
    enum Sugar: String, CaseIterable {
        case log10, log2, ln, pow

        var arity: ClosedRange<Int> { self == .pow ? 2...2 : 1...1 }
    }

    /// Every function name a formula may call, for error messages.
    static var functionNames: String {
        (ExpressionNode.Function.allCases.map(\.rawValue) + Sugar.allCases.map(\.rawValue)).joined(separator: ", ")
    }

    /// The arguments of a call of `name` (whose token is `t`), from its '(' to its ')', checked against `arity`.
    private mutating func arguments(of name: String, at t: Token, arity: ClosedRange<Int>, depth: Int) throws -> [ExpressionNode] {
        index += 1
        var args = [try expression(depth: depth + 1)]
        while isSymbol(",") {
            index += 1
            args.append(try expression(depth: depth + 1))
        }
        try expect(")", "',' or ')' to close the arguments of \(name)")
        guard arity.contains(args.count) else {
            let want = arity.count == 1 ? "\(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)"
            throw ScalingKitError.invalid(
                "formula: at position \(t.position): \(name) takes \(want) argument(s), got \(args.count)")
        }
        return args
    }

    /// The sugar's meaning in the core functions.
    private static func desugar(_ sugar: Sugar, _ args: [ExpressionNode], position: Int) -> ExpressionNode {
        let log = ExpressionNode.call(.log, [args[0]], position: position)
        switch sugar {
        case .ln: return log
        case .log10: return .binary(.divide, log, .number(2.302585092994046))
        case .log2: return .binary(.divide, log, .number(0.6931471805599453))
        case .pow: return .binary(.power, args[0], args[1])
        }
    }
}
