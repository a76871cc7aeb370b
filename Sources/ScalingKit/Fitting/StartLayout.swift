#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lays out the starting points of a law fit (in optimiser coordinates of the free parameters) for the chosen
/// `SearchStrategy`, and describes the search as a `FitSearch`.
struct StartLayout {
    let law: ScalingLaw
    let options: LawFitOptions
    /// nil for `.startGrid` (no projection, no derived ranges).
    let structure: LawStructure?
    let free: [Int]
    let isLog: [Bool]
    let template: [Double]
    let lower: [Double]
    let upper: [Double]
    let bound: BoundExpression
    let columns: [[Double]]
    let observed: [Double]

    /// Most starts of the default Latin hypercube (1,024 per searched parameter, at least 1,024).
    static let maxDefaultHypercube = 8192

    private func coordinate(_ v: Double, _ k: Int) -> Double { isLog[k] ? (v > 0 ? log(v) : -.infinity) : v }

    /// A Latin hypercube's range for given starting values of coordinate k: their span; for one value, the finite
    /// bounds, or ±1 around it.
    private func hypercubeRange(_ values: [Double], _ k: Int) -> (Double, Double) {
        let lo = values.min()!, hi = values.max()!
        if lo < hi { return (lo, hi) }
        if lower[k].isFinite && upper[k].isFinite && lower[k] < upper[k] { return (lower[k], upper[k]) }
        return (lo - 1, lo + 1)
    }

    func starts() -> ([[Double]], FitSearch) {
        guard let structure else { return lawGrid() }
        let names = law.parameters
        let isFree = Set(free)
        let eliminated = structure.linear.filter { isFree.contains($0.parameter) }
        let eliminatedSet = Set(eliminated.map(\.parameter))
        let searched = free.indices.filter { !eliminatedSet.contains(free[$0]) }
        let projection = eliminated.isEmpty ? nil : VariableProjection(
            bound: bound, observed: observed, runWeights: options.weights,
            logResiduals: options.loss.space == .log, linear: eliminated, law: law)

        // Each searched coordinate: the caller's values, or a range.
        enum Axis { case values([Double]), range(Double, Double) }
        let axes: [Axis] = searched.map { k in
            let j = free[k]
            if let given = options.startGrid[names[j]] { return .values(given.map { coordinate($0, k) }) }
            var (lo, hi) = StartRanges.range(role: structure.roles[j], scaled: structure.scaled[j],
                                             logarithmic: isLog[k], columns: columns, observed: observed)
            if law.startGiven[j] {
                let grid = law.startGrid[j].map { coordinate($0, k) }
                lo = min(lo, grid.min()!); hi = max(hi, grid.max()!)
            }
            // Inside the bounds; a range the bounds exclude becomes the bounds (or a unit range beside them).
            let (blo, bhi) = (lower[k], upper[k])
            var (a, b) = (max(lo, blo), min(hi, bhi))
            if !(a < b) {
                if blo.isFinite && bhi.isFinite { (a, b) = (blo, bhi) }
                else if blo.isFinite { (a, b) = (blo, blo + 2) }
                else if bhi.isFinite { (a, b) = (bhi - 2, bhi) }
                else { (a, b) = (lo, hi) }
            }
            return .range(a, b)
        }

        var method: FitSearch.Method
        var points: [[Double]]
        var described: [FitSearch.Axis] = []
        func natural(_ x: Double, _ k: Int) -> Double { isLog[k] ? exp(x) : x }
        if options.search == .single {
            method = .single
            points = [searched.map { k in coordinate(law.startGrid[free[k]][0], k) }]
        } else if searched.count <= 2 && options.randomStarts == 0 {
            method = .grid
            var values: [[Double]] = []
            for (m, axis) in axes.enumerated() {
                let k = searched[m]
                switch axis {
                case let .values(v):
                    values.append(v)
                    described.append(.init(parameter: names[free[k]], lower: natural(v.min()!, k), upper: natural(v.max()!, k),
                                           points: v.count, step: .nan, logarithmic: isLog[k]))
                case let .range(lo, hi):
                    let step = isLog[k] ? 5 * options.gridStep : options.gridStep
                    let cap = searched.count == 1 ? 2001 : 201
                    let count = hi > lo ? min(Int(((hi - lo) / step).rounded(.up)) + 1, cap) : 1
                    let actual = count > 1 ? (hi - lo) / Double(count - 1) : 0
                    values.append((0..<count).map { lo + Double($0) * actual })
                    described.append(.init(parameter: names[free[k]], lower: natural(lo, k), upper: natural(hi, k),
                                           points: count, step: count > 1 ? actual : .nan, logarithmic: isLog[k]))
                }
            }
            points = Self.product(values)
        } else {
            method = .latinHypercube
            let count = options.randomStarts > 0 ? options.randomStarts
                : min(Self.maxDefaultHypercube, max(1024, 1024 * searched.count))
            let ranges: [(Double, Double)] = axes.enumerated().map { m, axis in
                let k = searched[m]
                switch axis {
                case let .values(v): return hypercubeRange(v, k)
                case let .range(lo, hi): return (lo, hi)
                }
            }
            points = LatinHypercube.points(count: count, ranges: ranges, seed: options.seed)
            for (m, r) in ranges.enumerated() {
                let k = searched[m]
                described.append(.init(parameter: names[free[k]], lower: natural(r.0, k), upper: natural(r.1, k),
                                       points: count, step: .nan, logarithmic: isLog[k]))
            }
        }

        // Complete every point: searched coordinates in place, eliminated parameters solved for.
        let complete: (Int) -> [Double] = { i in
            var v = template
            for (m, k) in searched.enumerated() { v[free[k]] = natural(points[i][m], k) }
            if let projection {
                var trial = v
                if projection.complete(&trial) { v = trial }
            }
            return free.indices.map { k in coordinate(v[free[k]], k) }
        }
        var starts = points.count > 256
            ? ParallelMap.map(count: points.count, threads: options.threads, makeState: { () }) { _, i in complete(i) }
            : points.indices.map(complete)
        if searched.isEmpty, options.search != .single, let first = starts.first {
            // Nothing to search: the least-squares solution and three perturbations of it, so that independent
            // starts can confirm the optimum.
            for factor in [0.5, 2.0, 0.8] {
                starts.append(first.enumerated().map { k, x in isLog[k] ? x + log(factor) : x * factor })
            }
        }
        let search = FitSearch(strategy: options.search, method: method,
                               projected: names.indices.filter { eliminatedSet.contains($0) }.map { names[$0] },
                               axes: described, starts: starts.count,
                               seed: method == .latinHypercube ? options.seed : 0,
                               roles: Dictionary(uniqueKeysWithValues: zip(names, structure.roles)))
        return (starts, search)
    }

    /// `.startGrid`: the law's own grid (first parameter varying slowest), or a Latin hypercube over its ranges.
    private func lawGrid() -> ([[Double]], FitSearch) {
        let names = law.parameters
        let axes = free.enumerated().map { k, j in law.startGrid[j].map { coordinate($0, k) } }
        let starts: [[Double]]
        if options.randomStarts > 0 {
            let ranges = axes.indices.map { hypercubeRange(axes[$0], $0) }
            starts = LatinHypercube.points(count: options.randomStarts, ranges: ranges, seed: options.seed)
        } else {
            starts = Self.product(axes)
        }
        let described = free.enumerated().map { k, j in
            FitSearch.Axis(parameter: names[j], lower: law.startGrid[j].min()!, upper: law.startGrid[j].max()!,
                           points: options.randomStarts > 0 ? options.randomStarts : law.startGrid[j].count,
                           step: .nan, logarithmic: isLog[k])
        }
        let method: FitSearch.Method = options.randomStarts > 0 ? .latinHypercube : .startGrid
        return (starts, FitSearch(strategy: .startGrid, method: method, projected: [], axes: described,
                                  starts: starts.count, seed: options.randomStarts > 0 ? options.seed : 0))
    }

    /// The Cartesian product of `axes`, first axis varying slowest.
    static func product(_ axes: [[Double]]) -> [[Double]] {
        let count = axes.reduce(1) { $0 * $1.count }
        return (0..<count).map { index in
            var i = index, point = [Double](repeating: 0, count: axes.count)
            for k in stride(from: axes.count - 1, through: 0, by: -1) {
                point[k] = axes[k][i % axes[k].count]
                i /= axes[k].count
            }
            return point
        }
    }
}
