import Foundation
import ScalingKit

/// The bundled Chinchilla data (examples/data/chinchilla_epoch.csv), located from this file's path.
enum TestData {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func chinchilla() throws -> (N: [Double], D: [Double], loss: [Double]) {
        let url = repoRoot.appendingPathComponent("examples/data/chinchilla_epoch.csv")
        let text = try String(contentsOf: url, encoding: .utf8)
        var N: [Double] = [], D: [Double] = [], L: [Double] = []
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let f = line.split(separator: ",").map { Double($0)! }
            N.append(f[0]); D.append(f[1]); L.append(f[3])
        }
        return (N, D, L)
    }

    /// Gemstones' "hot" runs (Tests/data/gemstones_hot.csv): N, D, loss.
    static func gemstones() throws -> (N: [Double], D: [Double], loss: [Double]) {
        let url = repoRoot.appendingPathComponent("Tests/data/gemstones_hot.csv")
        let text = try String(contentsOf: url, encoding: .utf8)
        var N: [Double] = [], D: [Double] = [], L: [Double] = []
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let f = line.split(separator: ",")
            N.append(Double(f[0])!); D.append(Double(f[1])!); L.append(Double(f[2])!)
        }
        return (N, D, L)
    }

    /// Besiroglu et al. (2024)'s replication on the bundled data: the 5 highest-loss runs dropped, the reduced grid.
    static func epochFit() throws -> (data: (N: [Double], D: [Double], loss: [Double]), fit: ChinchillaFit) {
        let d = try chinchilla()
        var o = ChinchillaFitOptions()
        o.excludeHighestLoss = 5
        o.grid = reducedGrid
        return (d, try ChinchillaLaw.fit(N: d.N, D: d.D, loss: d.loss, options: o))
    }

    /// 243 starts that reach the optimum on the Chinchilla data (checked against scipy in the Python tests).
    static let reducedGrid = StartGrid(alpha: [0, 0.5, 1], beta: [0, 0.5, 1], e: [-1, 0, 1], a: [0, 10, 20],
                                       b: [0, 10, 20])
}
