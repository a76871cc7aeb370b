#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The value of a bound formula at every point and the gradient of a weighted sum of per-point functions of it,
/// evaluated node by node over blocks of points instead of point by point.
///
/// Why: the per-point interpreter (`BoundExpression.forEachPoint`) dispatches on every node at every point and
/// recomputes parameter-only sub-expressions (`-alpha`, `aN/aD`) at each of them; it cost 4.6× the hand-written
/// Chinchilla objective (issue 14). Here the dispatch happens once per node and block, each node's loop runs over
/// contiguous rows the compiler vectorises, parameter-only nodes are computed once per evaluation, and one reverse
/// sweep seeded with the per-point weights ∂f/∂vᵢ (reverse-mode differentiation of the whole sum; Griewank &
/// Walther 2008, *Evaluating Derivatives*, §3.2) gives the gradient without a per-point gradient vector.
struct BatchedTape: Sendable {
    /// What a node is, for the batched sweep.
    enum Kind: UInt8, Sendable {
        /// A number, a parameter, or a node of parameters only: one scalar per evaluation.
        case scalar
        /// A node of inputs only: a precomputed row.
        case fixedRow
        /// A node of inputs and parameters: a row computed per evaluation.
        case row
        /// Not needed by the root.
        case unused
    }

    /// Points per block: 64 keeps a formula's rows (values and adjoints) in a few tens of kilobytes of stack.
    static let block = 64

    let kinds: [Kind]
    /// Row nodes in evaluation order.
    let rows: [Int]
    /// Scalar operation nodes (parameters only) in evaluation order.
    let scalarOps: [Int]
    /// Scalar nodes read by a row node: filled into a row per block.
    let broadcast: [Int]
    /// For fixed-row nodes: index into `fixedValues` (node-major, `count` values each); -1 otherwise.
    let fixedIndex: [Int]
    let fixedValues: [Double]
    let count: Int

    init(_ e: CompiledExpression, hoistedValues: [Double], count: Int) {
        let nodes = e.nodes
        var needed = [Bool](repeating: false, count: nodes.count)
        needed[e.root] = true
        for k in stride(from: nodes.count - 1, through: 0, by: -1) where needed[k] && nodes[k].op.isOperation {
            if nodes[k].a >= 0 { needed[Int(nodes[k].a)] = true }
            if nodes[k].b >= 0 { needed[Int(nodes[k].b)] = true }
        }
        var onInputs = [Bool](repeating: false, count: nodes.count)
        for (k, n) in nodes.enumerated() {
            switch n.op {
            case .input: onInputs[k] = true
            case .constant, .parameter: onInputs[k] = false
            default: onInputs[k] = (n.a >= 0 && onInputs[Int(n.a)]) || (n.b >= 0 && onInputs[Int(n.b)])
            }
        }
        // Fixed rows: the hoisted nodes (they depend on inputs, or are parameter-free operations).
        let h = e.hoisted.count
        var fixedIndex = [Int](repeating: -1, count: nodes.count)
        var fixed = [Double](repeating: 0, count: h * count)
        for (j, k) in e.hoisted.enumerated() {
            fixedIndex[k] = j
            for i in 0..<count { fixed[j * count + i] = hoistedValues[i * h + j] }
        }
        var kinds = [Kind](repeating: .unused, count: nodes.count)
        for k in nodes.indices where needed[k] {
            if fixedIndex[k] >= 0 && onInputs[k] { kinds[k] = .fixedRow }
            else if nodes[k].dependsOnParameters && onInputs[k] { kinds[k] = .row }
            else {
                // Numbers, parameters and operations on them alone, including hoisted ones such as log(6) in Gadre's
                // 6^(eta/2): one scalar, computed in `scalarOps` from its operands.
                kinds[k] = .scalar
                fixedIndex[k] = -1
            }
        }
        self.kinds = kinds
        rows = nodes.indices.filter { kinds[$0] == .row }
        scalarOps = nodes.indices.filter { kinds[$0] == .scalar && nodes[$0].op.isOperation }
        var reads = Set<Int>()
        for k in rows {
            for o in [nodes[k].a, nodes[k].b] where o >= 0 && kinds[Int(o)] == .scalar { reads.insert(Int(o)) }
        }
        if kinds[e.root] == .scalar { reads.insert(e.root) }
        broadcast = reads.sorted()
        self.fixedIndex = fixedIndex
        fixedValues = fixed
        self.count = count
    }

    /// Σᵢ φᵢ(vᵢ) and its gradient with respect to every parameter, where v is the formula at each point and
    /// `pointwise(i0, values, seeds)` receives the values of a block starting at point `i0`, writes ∂φᵢ/∂vᵢ into
    /// `seeds` and returns Σ φᵢ over the block. `gradient` must have one slot per parameter.
    @inline(__always)
    func evaluate(_ e: CompiledExpression, parameters: UnsafeBufferPointer<Double>,
                  gradient: UnsafeMutableBufferPointer<Double>,
                  pointwise: (Int, UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double) -> Double {
        let nodeCount = e.nodes.count, B = Self.block
        // Scalars (values and adjoints) per node, then value and adjoint rows per node, then one seed row.
        let size = 2 * nodeCount + 2 * nodeCount * B + B
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: size) { buffer in
            let scalar = UnsafeMutableBufferPointer(rebasing: buffer[0..<nodeCount])
            let scalarAdjoint = UnsafeMutableBufferPointer(rebasing: buffer[nodeCount..<(2 * nodeCount)])
            let rowBase = buffer.baseAddress! + 2 * nodeCount
            let adjointBase = rowBase + nodeCount * B
            let seeds = UnsafeMutableBufferPointer(start: adjointBase + nodeCount * B, count: B)
            return e.nodes.withUnsafeBufferPointer { nodes in
                fixedValues.withUnsafeBufferPointer { fixed in
                    run(nodes, root: e.root, parameters, gradient, scalar, scalarAdjoint, rowBase, adjointBase, seeds,
                        fixed, pointwise)
                }
            }
        }
    }

    @inline(__always)
    private func run(_ nodes: UnsafeBufferPointer<CompiledExpression.Node>, root: Int,
                     _ parameters: UnsafeBufferPointer<Double>, _ gradient: UnsafeMutableBufferPointer<Double>,
                     _ scalar: UnsafeMutableBufferPointer<Double>, _ scalarAdjoint: UnsafeMutableBufferPointer<Double>,
                     _ rowBase: UnsafeMutablePointer<Double>, _ adjointBase: UnsafeMutablePointer<Double>,
                     _ seeds: UnsafeMutableBufferPointer<Double>, _ fixed: UnsafeBufferPointer<Double>,
                     _ pointwise: (Int, UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double) -> Double {
        let B = Self.block
        for j in 0..<gradient.count { gradient[j] = 0 }
        // Scalars: constants, parameters, then parameter-only operations in order.
        for (k, n) in nodes.enumerated() {
            scalarAdjoint[k] = 0
            switch n.op {
            case .constant: scalar[k] = n.constant
            case .parameter: scalar[k] = parameters[Int(n.a)]
            default: scalar[k] = 0
            }
        }
        for k in scalarOps { scalar[k] = BoundExpression.forward(nodes[k], scalar) }

        var total = 0.0
        var start = 0
        while start < count {
            let m = min(B, count - start)
            // The row of node k for this block (fixed rows point into the precomputed values).
            @inline(__always) func row(_ k: Int) -> UnsafeMutablePointer<Double> {
                let f = fixedIndex[k]
                return f >= 0 ? UnsafeMutablePointer(mutating: fixed.baseAddress! + f * count + start) : rowBase + k * B
            }
            for k in broadcast { let r = rowBase + k * B; let s = scalar[k]; for i in 0..<m { r[i] = s } }
            for k in rows { Self.forward(nodes[k], out: rowBase + k * B, row(Int(nodes[k].a)),
                                         nodes[k].b >= 0 ? row(Int(nodes[k].b)) : rowBase, m) }
            let values = UnsafeBufferPointer(start: row(root), count: m)
            total += pointwise(start, values, UnsafeMutableBufferPointer(rebasing: seeds[0..<m]))

            // Reverse sweep over the block's rows, seeded with ∂φ/∂v.
            for k in rows { let a = adjointBase + k * B; for i in 0..<m { a[i] = 0 } }
            switch kinds[root] {
            case .row: let a = adjointBase + root * B; for i in 0..<m { a[i] = seeds[i] }
            case .scalar: var s = 0.0; for i in 0..<m { s += seeds[i] }; scalarAdjoint[root] += s
            case .fixedRow, .unused: break
            }
            for t in stride(from: rows.count - 1, through: 0, by: -1) {
                let k = rows[t]
                backward(nodes, k, m, value: rowBase + k * B, adjoint: adjointBase + k * B, row: row,
                         rowAdjoint: { adjointBase + $0 * B }, scalarAdjoint: scalarAdjoint)
            }
            start += m
        }
        // Parameter-only nodes, in reverse, then the parameters themselves.
        for t in stride(from: scalarOps.count - 1, through: 0, by: -1) {
            let k = scalarOps[t], g = scalarAdjoint[k]
            guard g != 0 else { continue }
            let n = nodes[k]
            let a = n.a >= 0 ? scalar[Int(n.a)] : 0, b = n.b >= 0 ? scalar[Int(n.b)] : 0, v = scalar[k]
            let (da, db) = Self.partials(n.op, a, b, v, bDepends: n.b >= 0 && nodes[Int(n.b)].dependsOnParameters)
            if n.a >= 0 { scalarAdjoint[Int(n.a)] += g * da }
            if n.b >= 0 { scalarAdjoint[Int(n.b)] += g * db }
        }
        for (k, n) in nodes.enumerated() where n.op == .parameter { gradient[Int(n.a)] += scalarAdjoint[k] }
        return total
    }

    /// ∂v/∂a and ∂v/∂b of one operation at scalar operands (v its value).
    @inline(__always)
    static func partials(_ op: CompiledExpression.Op, _ a: Double, _ b: Double, _ v: Double, bDepends: Bool) -> (Double, Double) {
        switch op {
        case .add: return (1, 1)
        case .sub: return (1, -1)
        case .mul: return (b, a)
        case .div: return (1 / b, -v / b)
        case .pow: return (b * pow(a, b - 1), bDepends ? v * log(a) : 0)
        case .neg: return (-1, 0)
        case .exp: return (v, 0)
        case .log: return (1 / a, 0)
        case .sqrt: return (0.5 / v, 0)
        case .min: return a <= b ? (1, 0) : (0, 1)
        case .max: return a >= b ? (1, 0) : (0, 1)
        case .lse2: return (exp(a - v), exp(b - v))
        case .constant, .input, .parameter: return (0, 0)
        }
    }

    /// out[i] = op(a[i], b[i]) over a block: one dispatch, one tight loop.
    @inline(__always)
    static func forward(_ n: CompiledExpression.Node, out: UnsafeMutablePointer<Double>, _ a: UnsafeMutablePointer<Double>,
                        _ b: UnsafeMutablePointer<Double>, _ m: Int) {
        switch n.op {
        case .add: for i in 0..<m { out[i] = a[i] + b[i] }
        case .sub: for i in 0..<m { out[i] = a[i] - b[i] }
        case .mul: for i in 0..<m { out[i] = a[i] * b[i] }
        case .div: for i in 0..<m { out[i] = a[i] / b[i] }
        case .pow: for i in 0..<m { out[i] = pow(a[i], b[i]) }
        case .neg: for i in 0..<m { out[i] = -a[i] }
        case .exp: for i in 0..<m { out[i] = exp(a[i]) }
        case .log: for i in 0..<m { out[i] = log(a[i]) }
        case .sqrt: for i in 0..<m { out[i] = a[i].squareRoot() }
        case .min: for i in 0..<m { out[i] = Swift.min(a[i], b[i]) }
        case .max: for i in 0..<m { out[i] = Swift.max(a[i], b[i]) }
        case .lse2:
            for i in 0..<m {
                let x = a[i], y = b[i], t = Swift.max(x, y)
                out[i] = t.isInfinite ? t : t + log(exp(x - t) + exp(y - t))
            }
        case .constant, .input, .parameter: break
        }
    }

    /// Pushes the adjoint row of row node k to its operands: rows accumulate element-wise, scalars the block's sum,
    /// fixed rows nothing.
    @inline(__always)
    private func backward(_ nodes: UnsafeBufferPointer<CompiledExpression.Node>, _ k: Int, _ m: Int,
                          value v: UnsafeMutablePointer<Double>, adjoint g: UnsafeMutablePointer<Double>,
                          row: (Int) -> UnsafeMutablePointer<Double>, rowAdjoint: (Int) -> UnsafeMutablePointer<Double>,
                          scalarAdjoint: UnsafeMutableBufferPointer<Double>) {
        let n = nodes[k]
        let ia = Int(n.a), ib = Int(n.b)
        let a = row(ia), b = ib >= 0 ? row(ib) : a
        @inline(__always) func push(_ o: Int, _ d: (Int) -> Double) {
            switch kinds[o] {
            case .row: let t = rowAdjoint(o); for i in 0..<m { t[i] += d(i) }
            case .scalar:
                guard nodes[o].dependsOnParameters else { return }
                var s = 0.0
                for i in 0..<m { s += d(i) }
                scalarAdjoint[o] += s
            case .fixedRow, .unused: return
            }
        }
        switch n.op {
        case .add: push(ia) { g[$0] }; push(ib) { g[$0] }
        case .sub: push(ia) { g[$0] }; push(ib) { -g[$0] }
        case .mul: push(ia) { g[$0] * b[$0] }; push(ib) { g[$0] * a[$0] }
        case .div: push(ia) { g[$0] / b[$0] }; push(ib) { -g[$0] * v[$0] / b[$0] }
        case .pow:
            push(ia) { g[$0] * b[$0] * pow(a[$0], b[$0] - 1) }
            if nodes[ib].dependsOnParameters { push(ib) { g[$0] * v[$0] * log(a[$0]) } }
        case .neg: push(ia) { -g[$0] }
        case .exp: push(ia) { g[$0] * v[$0] }
        case .log: push(ia) { g[$0] / a[$0] }
        case .sqrt: push(ia) { g[$0] * 0.5 / v[$0] }
        case .min: push(ia) { a[$0] <= b[$0] ? g[$0] : 0 }; push(ib) { a[$0] <= b[$0] ? 0 : g[$0] }
        case .max: push(ia) { a[$0] >= b[$0] ? g[$0] : 0 }; push(ib) { a[$0] >= b[$0] ? 0 : g[$0] }
        case .lse2: push(ia) { g[$0] * exp(a[$0] - v[$0]) }; push(ib) { g[$0] * exp(b[$0] - v[$0]) }
        case .constant, .input, .parameter: break
        }
    }
}
