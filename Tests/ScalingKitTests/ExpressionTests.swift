import Testing
@testable import ScalingKit
#if canImport(Glibc)
import Glibc
#endif

@Suite("Formula parser")
struct FormulaParserTests {
    @Test func precedenceAndAssociativity() throws {
        // -x^2 is -(x^2); N^-alpha is N^(-alpha); ^ is right-associative; * before +.
        #expect(try FormulaParser.parse("-x^2") == .negate(.binary(.power, .identifier("x", position: 1), .number(2))))
        #expect(try FormulaParser.parse("N^-alpha")
                == .binary(.power, .identifier("N", position: 0), .negate(.identifier("alpha", position: 3))))
        #expect(try FormulaParser.parse("2^3^2") == .binary(.power, .number(2), .binary(.power, .number(3), .number(2))))
        #expect(try FormulaParser.parse("1+2*3") == .binary(.add, .number(1), .binary(.multiply, .number(2), .number(3))))
        #expect(try FormulaParser.parse("a**2") == .binary(.power, .identifier("a", position: 0), .number(2)))
        #expect(try FormulaParser.parse(" 1.5e-3 ") == .number(1.5e-3))
        #expect(try FormulaParser.parse(".5") == .number(0.5))
    }

    static let errors: [(String, String)] = [
        ("", "empty"),
        ("   ", "empty"),
        ("E + ", "at position 4: expected a number, a name, a function call or '(', found 'end of formula'"),
        ("(a + b", "at position 6: expected ')'"),
        ("a b", "at position 2: expected an operator or the end of the formula, found 'b'"),
        ("1 +* 2", "at position 3: expected a number"),
        ("foo(1)", "at position 0: unknown function 'foo'"),
        ("sin(N)", "functions are exp, log, sqrt, min, max, logsumexp, log10, log2, ln, pow"),
        ("pow(a)", "pow takes 2 argument(s), got 1"),
        ("log10(a, b)", "log10 takes 1 argument(s), got 2"),
        ("ln(a", "expected ',' or ')' to close the arguments of ln"),
        ("min(a)", "min takes 2 argument(s), got 1"),
        ("exp(a, b)", "exp takes 1 argument(s), got 2"),
        ("log(a", "expected ',' or ')' to close the arguments of log"),
        ("a $ b", "at position 2: unexpected character '$'"),
        ("1e999", "is not a valid number"),
        ("1.2.3", "is not a valid number"),
        ("a + é", "unexpected character"),
        ("E + A*N^-α", "names are ASCII letters, digits and '_' (alpha, not α)"),
        ("L = E + A*N^-alpha", "at position 2: unexpected character '=': give the right-hand side alone"),
        ("loss ~ E + A*N^-alpha", "unexpected character '~': give the right-hand side alone"),
    ]

    @Test(arguments: errors.indices)
    func errorsNamePositionAndExpectation(_ i: Int) {
        let (text, needle) = Self.errors[i]
        do {
            _ = try FormulaParser.parse(text)
            Issue.record("'\(text)' parsed")
        } catch let e as ScalingKitError {
            #expect(e.code == .invalidArgument)
            #expect(e.message.contains(needle), "'\(text)': \(e.message)")
        } catch { Issue.record("\(error)") }
    }

    /// NumPy's and papers' spellings are written in the core functions at parse time, so a formula copied from a
    /// notebook (`a + b*log10(C)`, `pow(N, -alpha)`) fits as typed and every later stage sees one vocabulary.
    @Test func commonSpellingsAreSugar() throws {
        #expect(try FormulaParser.parse("pow(N, -alpha)")
                == .binary(.power, .identifier("N", position: 4), .negate(.identifier("alpha", position: 8))))
        #expect(try FormulaParser.parse("ln(C)") == .call(.log, [.identifier("C", position: 3)], position: 0))
        let law = try ScalingLaw(formula: "k + log10(x) + log2(x) + ln(x) + pow(x, 3)", inputs: ["x"])
        let v = try law.evaluate(parameters: [0], columns: [[8, 100]])
        #expect(abs(v[0] - (log10(8.0) + 3 + log(8.0) + 512)) < 1e-12)
        #expect(abs(v[1] - (2 + log2(100.0) + log(100.0) + 1e6)) < 1e-6)
        // A loss-vs-compute line typed in base 10 fits to its slope in base 10: b₁₀ = b_e · ln 10.
        let C = [1e18, 3e18, 1e19, 3e19, 1e20, 3e20, 1e21]
        let loss = C.map { 7.5 - 0.12 * log10($0) }
        let fit10 = try ScalingLaw(formula: "a + b*log10(C)", inputs: ["C"]).fit(data: ["C": C], observed: loss)
        let fitE = try ScalingLaw(formula: "a + b*log(C)", inputs: ["C"]).fit(data: ["C": C], observed: loss)
        #expect(fit10.converged && fitE.converged)
        #expect(abs(fit10.values[1] + 0.12) < 1e-6, "\(fit10.values)")
        #expect(abs(fit10.values[1] - fitE.values[1] * log(10.0)) < 1e-6)
    }

    @Test func hostileInputIsBounded() {
        let deep = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        #expect(throws: ScalingKitError.self) { try FormulaParser.parse(deep) }   // too long
        let nested = String(repeating: "(", count: 200) + "1" + String(repeating: ")", count: 200)
        do { _ = try FormulaParser.parse(nested); Issue.record("parsed") } catch let e as ScalingKitError {
            #expect(e.message.contains("nested more than 64 levels"))
        } catch { Issue.record("\(error)") }
        let minuses = String(repeating: "-", count: 1000) + "x"
        #expect(throws: ScalingKitError.self) { try FormulaParser.parse(minuses) }
        #expect(throws: ScalingKitError.self) { try FormulaParser.parse(String(repeating: "x+", count: 3000) + "x") }
    }
}

@Suite("Compiled expressions")
struct CompiledExpressionTests {
    @Test func infersParametersInOrderAndChecksNames() throws {
        let e = try CompiledExpression("E + A*N^-alpha + B*D^-beta", inputs: ["N", "D"])
        #expect(e.parameters == ["E", "A", "alpha", "B", "beta"])
        #expect(throws: ScalingKitError.self) {
            try CompiledExpression("E + A*N^-alpha + B*X^-beta", inputs: ["N", "D"], parameters: ["E", "A", "alpha", "B", "beta"])
        }
        do {
            _ = try CompiledExpression("E + A*Q", inputs: ["N"], parameters: ["E", "A"])
        } catch let e as ScalingKitError {
            #expect(e.message.contains("at position 6: unknown name 'Q'"), "\(e.message)")
        }
        // A parameter that differs from an offered column only in case is recorded (the likely typo a fit that
        // comes out not identified names), not refused: 'c' beside a compute column 'C' is a fine constant.
        let typo = try CompiledExpression("E + A/n^alpha + B/D^beta + c", inputs: ["N", "D", "C"])
        #expect(typo.parameters == ["E", "A", "n", "alpha", "B", "beta", "c"] && typo.inputs == ["D"])
        #expect(typo.columnLookalikes == ["n": "N", "c": "C"])
        #expect(try CompiledExpression("E + A/n^alpha", inputs: ["N"], parameters: ["E", "A", "n", "alpha"]).columnLookalikes.isEmpty)
        #expect(throws: ScalingKitError.self) { try CompiledExpression("N + 1", inputs: ["N"]) }       // no parameters
        #expect(throws: ScalingKitError.self) { try CompiledExpression("a*N", inputs: ["N"], parameters: ["a", "b"]) }
        #expect(throws: ScalingKitError.self) { try CompiledExpression("a*N", inputs: ["N", "N"]) }
    }

    @Test func hoistsParameterFreeWork() throws {
        let e = try CompiledExpression("E + A*N^-alpha + B*D^-beta", inputs: ["N", "D"])
        // log N and log D are computed once per point at bind time; the tape holds no log.
        #expect(e.hoisted.count == 2)
        #expect(!e.tape.contains { e.nodes[$0].op == .log || e.nodes[$0].op == .pow })
        // Shared sub-expressions are merged.
        let s = try CompiledExpression("exp(a*N) + exp(a*N)", inputs: ["N"])
        #expect(s.nodes.filter { $0.op == .exp }.count == 1)
    }

    /// A column that makes the formula undefined is named with its values, and a negative count is suspected of
    /// having overflowed (6·N·D in int64 is negative past 9.2e18, which a pandas user meets at 5e8 × 1e10 × 6).
    @Test func undefinedPointNamesTheInputs() throws {
        let e = try CompiledExpression("E + A*C^-alpha", inputs: ["C"])
        #expect {
            _ = try BoundExpression(e, columns: [[3e18, -1.03e18, -2e18, 0]])
        } throws: { error in
            let m = "\(error)"
            return m.contains("data point 1 (C = -1.03e+18)") && m.contains("'C' is negative at 2 of 4 points")
                && m.contains("'C' is zero at 1 of 4 points") && m.contains("overflowed")
        }
        // Zeros alone are not an overflow.
        let l = try CompiledExpression("a*log(D/N)", inputs: ["N", "D"])
        #expect {
            _ = try BoundExpression(l, columns: [[2.0, 0], [5.0, 0]])
        } throws: { error in
            let m = "\(error)"
            return m.contains("(N = 0, D = 0)") && m.contains("'D' is zero at 1 of 2 points") && !m.contains("overflowed")
        }
    }

    /// A checkpoint logged at step 0 (D = 0) makes D^-β infinite: the fit is refused, naming the point, where it
    /// used to wander to β < 0 (0^+β = 0 is finite) and report a stall with sign-flipped parameters.
    @Test func fitRefusesAPointWhereTheLawIsInfinite() throws {
        let D = [0, 1e9, 2e9, 4e9, 8e9, 1.6e10, 3.2e10]
        let loss = D.map { 2 + 50 * pow(Swift.max($0, 1), -0.2) }
        let law = try ScalingLaw(formula: "E + A*D^-alpha", inputs: ["D"])
        #expect {
            _ = try law.fit(data: ["D": D], observed: loss)
        } throws: { error in
            let m = "\(error)"
            return m.contains("infinite at data point 0 (D = 0)") && m.contains("leave it out")
                && m.contains("'D' is zero at 1 of 7 points") && m.contains("step 0")
        }
        // Without that point the same law fits, and predicting at D = 0 still says what the law says (+∞).
        let fit = try law.fit(data: ["D": Array(D.dropFirst())], observed: Array(loss.dropFirst()))
        #expect(fit.converged)
        #expect(try law.evaluate(parameters: fit.values, columns: [[0]])[0] == .infinity)
        // Where the value is finite the gradient is not: the rectified fine-tuning law's D^β is 0 at D = 0 for
        // β > 0, but ∂/∂β = D^β·ln D is 0·(−∞). A zero-shot run (D = 0) made the fit stall ("a Newton step would
        // lower the objective by a relative inf"); it is refused the same way, and the law fits without it.
        let rectified = try ScalingLaw.named("finetune_rectified")
        let Dft = [0, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200.0]
        let Lft = Dft.map { 300 / (1000 + pow($0, 0.7)) + 1.5 }
        #expect {
            _ = try rectified.fit(data: ["D": Dft], observed: Lft)
        } throws: { "\($0)".contains("infinite at data point 0 (D = 0): a parameter-free part is ±∞") }
        let fitted = try rectified.fit(data: ["D": Array(Dft.dropFirst())], observed: Array(Lft.dropFirst()))
        #expect(fitted.converged && abs(fitted["beta"]! - 0.7) < 1e-6)
    }

    @Test func valueMatchesTheFormula() throws {
        let e = try CompiledExpression("E + A*N^-alpha + B*D^-beta", inputs: ["N", "D"])
        let N = [1e8, 3e9], D = [2e9, 5e11]
        let bound = try BoundExpression(e, columns: [N, D])
        let p = [1.7, 400.0, 0.34, 410.0, 0.28]
        var values: [Double] = []
        p.withUnsafeBufferPointer { pp in bound.forEachPoint(parameters: pp, withGradient: false) { _, v, _ in values.append(v) } }
        for i in 0..<2 {
            let want = 1.7 + 400 * pow(N[i], -0.34) + 410 * pow(D[i], -0.28)
            #expect(abs(values[i] - want) <= 1e-13 * want)
        }
    }

    /// Every operation's gradient against central differences.
    static let formulas: [(String, [Double])] = [
        ("E + A*N^-alpha + B*D^-beta", [1.7, 400, 0.34, 410, 0.28]),
        ("(A/N)^alpha + c", [3e3, 0.3, 1.1]),
        ("logsumexp(a - alpha*log(N), b - beta*log(D), e)", [6, 0.34, 7.5, 0.37, 0.6]),
        ("exp(-k*N/1e9) * sqrt(c + D/1e10) / (1 + q)", [0.7, 2.5, 0.3]),
        ("min(a*N/1e9, b) + max(c, D/1e11) - a^2", [1.3, 2.0, 0.5]),
        ("L0 + A*N^(-alpha) - C*log(D)", [2, 5, 0.2, 0.01]),
        ("x^y", [1.7, 2.3]),
    ]

    @Test(arguments: formulas.indices)
    func gradientMatchesFiniteDifferences(_ i: Int) throws {
        let (formula, p) = Self.formulas[i]
        let e = try CompiledExpression(formula, inputs: ["N", "D"].filter { formula.contains($0) })
        let cols = e.inputs.map { $0 == "N" ? [3e7, 2e9, 7e10] : [5e9, 8e10, 1.4e12] }
        let bound = try BoundExpression(e, columns: cols.isEmpty ? [] : cols)
        func eval(_ q: [Double]) -> ([Double], [[Double]]) {
            var vs: [Double] = [], gs: [[Double]] = []
            q.withUnsafeBufferPointer { qp in
                bound.forEachPoint(parameters: qp, withGradient: true) { _, v, g in vs.append(v); gs.append(Array(g)) }
            }
            return (vs, gs)
        }
        let (_, grads) = eval(p)
        for j in 0..<p.count {
            let h = 1e-6 * max(1, abs(p[j]))
            var up = p, down = p
            up[j] += h; down[j] -= h
            let (fu, _) = eval(up), (fd, _) = eval(down)
            for point in 0..<grads.count {
                let numeric = (fu[point] - fd[point]) / (2 * h)
                let analytic = grads[point][j]
                #expect(abs(numeric - analytic) <= 1e-6 * max(abs(analytic), 1e-8 * max(1, abs(fu[point]))),
                        "\(formula) ∂/∂\(e.parameters[j]) at point \(point): \(analytic) vs \(numeric)")
            }
        }
    }

    @Test func bindRejectsBadColumns() throws {
        let e = try CompiledExpression("a*N + b*D", inputs: ["N", "D"])
        #expect(throws: ScalingKitError.self) { try BoundExpression(e, columns: [[1, 2]]) }
        #expect(throws: ScalingKitError.self) { try BoundExpression(e, columns: [[1, 2], [1]]) }
        #expect(throws: ScalingKitError.self) { try BoundExpression(e, columns: [[1, .nan], [1, 2]]) }
        #expect(throws: ScalingKitError.self) { try BoundExpression(e, columns: [[], []]) }
        let l = try CompiledExpression("a*log(N)", inputs: ["N"])
        #expect(throws: ScalingKitError.self) { try BoundExpression(l, columns: [[-1, 2]]) }
    }
}
