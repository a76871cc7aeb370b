#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HyperparameterSweep {
    /// Where in (N, D) a law fitted through a sweep's optima holds.
    ///
    /// The most common sweep keeps tokens per parameter fixed (D = 20·N, the Chinchilla ratio) or trains every size
    /// on one D. Its optima lie on a line in (ln N, ln D), so η_opt = k·N^a·D^b is not determined: only the
    /// combination along the line is (DeepSeek LLM, Bi et al. 2024, fit η_opt against compute for that reason). The
    /// law is then fitted in the one direction the sweep spans, and it predicts on that line only: at another D/N it
    /// would answer for a variable the sweep never moved, which is the silent failure this type exists to prevent.
    public struct Support: Sendable, Equatable {
        /// Every optimum has this N (within 2 %): the law is in D alone (or a constant). Nil when N varies.
        public var parameters: Double?
        /// Every optimum has D = `tokens.coefficient`·N^`tokens.exponent` (within 2 %): exponent 0 is one D for all
        /// sizes, exponent 1 a fixed D/N. Nil when D varies independently of N.
        public var tokens: Line?

        /// D = coefficient·N^exponent.
        public struct Line: Sendable, Equatable {
            /// D at N = 1 (with exponent 1: the tokens per parameter; with exponent 0: the one D).
            public var coefficient: Double
            /// How D moves with N along the optima.
            public var exponent: Double
        }

        /// The whole (N, D) plane: N and D vary independently across the optima.
        public static let plane = Support(parameters: nil, tokens: nil)

        /// Whether the law was fitted on the whole plane.
        public var isPlane: Bool { parameters == nil && tokens == nil }

        /// Spread in ln N or ln D (and deviation from the fitted line in ln D) below which the optima count as one
        /// value or one line: 2 %, above the rounding of token counts to whole steps and batches.
        static let collinear = log(1.02)
        /// How far from the support a prediction may lie: 10 % in N or D.
        static let reach = log(1.1)

        /// The support of optima at `points` (N, D).
        init(_ points: [(N: Double, D: Double)]) {
            let x = points.map { log($0.N) }, y = points.map { log($0.D) }
            func spread(_ v: [Double]) -> Double { v.max()! - v.min()! }
            func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
            // The one value: the optimum's own value nearest the geometric mean (exact when all are equal).
            func central(_ values: [Double]) -> Double {
                let m = mean(values.map { log($0) })
                return values.min { abs(log($0) - m) < abs(log($1) - m) }!
            }
            if spread(x) <= Self.collinear {
                parameters = central(points.map(\.N))
                tokens = spread(y) <= Self.collinear ? Line(coefficient: central(points.map(\.D)), exponent: 0) : nil
                return
            }
            parameters = nil
            if spread(y) <= Self.collinear {
                tokens = Line(coefficient: central(points.map(\.D)), exponent: 0)
                return
            }
            // ln D = c + e·ln N by least squares; the optima are on it when no one is off by more than 2 %.
            let (mx, my) = (mean(x), mean(y))
            let sxx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
            var e = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / sxx
            if abs(e - 1) < 1e-3 { e = 1 }     // a fixed D/N: its ratio, not a slope of rounding noise
            let c = my - e * mx
            let off = zip(x, y).map { abs($0.1 - c - e * $0.0) }.max()!
            tokens = off <= Self.collinear ? Line(coefficient: exp(c), exponent: e) : nil
        }

        /// A support from its constraints (both nil: the plane).
        public init(parameters: Double?, tokens: Line?) {
            self.parameters = parameters
            self.tokens = tokens
        }

        /// The support in words ("D = 20·N", "D = 2.0e9", "N = 1.0e8", "N = 1.0e8, D = 2.0e9"); empty for the plane.
        public var description: String {
            let n = parameters.map { "N = \(IsoFLOP.shortNumber($0))" }
            let d = tokens.map { t -> String in
                if t.exponent == 0 { return "D = \(IsoFLOP.shortNumber(t.coefficient))" }
                if t.exponent == 1 { return "D = \(FitSearch.format(t.coefficient))·N" }
                return "D = \(IsoFLOP.shortNumber(t.coefficient))·N^\(FitSearch.format(t.exponent))"
            }
            return [n, d].compactMap { $0 }.joined(separator: ", ")
        }

        /// Refuses (N, D) off the support (by more than 10 %), naming the law, the support and the point.
        func check(parameters N: Double, tokens D: Double, law name: String) throws {
            var off = false
            if let p = parameters, abs(log(N / p)) > Self.reach { off = true }
            if let t = tokens, abs(log(D) - log(t.coefficient) - t.exponent * log(N)) > Self.reach { off = true }
            guard off else { return }
            throw ScalingKitError.invalid(
                "the \(name) law was fitted along \(description) (every optimum of the sweep has it, so the sweep "
                + "cannot tell how the other variable moves the \(name)): it predicts within 10 % of that only, "
                + "not at N = \(IsoFLOP.shortNumber(N)), D = \(IsoFLOP.shortNumber(D)) (D/N = \(FitSearch.format(D / N))); "
                + "sweep other sizes or ratios, or predict on that line")
        }
    }
}
