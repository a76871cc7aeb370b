#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small log-log chart for the CLI's `--plot` (no dependencies): scatter and line series, decade ticks, axis
/// labels, a legend. It lays itself out once onto a `ChartCanvas`, so SVG and PNG show the same picture; the
/// Python binding draws richer figures with matplotlib.
struct Chart {
    struct Series {
        var label: String
        var x: [Double]
        var y: [Double]
        var line: Bool
        var color: String
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var logY = true
    var series: [Series] = []
    var verticalMarkers: [Double] = []

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
    static let width = 720.0, height = 480.0

    private func plottable(_ s: Series) -> [(Double, Double)] {
        zip(s.x, s.y).filter { $0.0 > 0 && $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) }
    }

    /// Draws the chart; throws when no series has a point that can be shown on the axes.
    func draw<C: ChartCanvas>(on canvas: inout C) throws {
        let plotted = series.map(plottable)
        let points = plotted.flatMap { $0 }
        guard !points.isEmpty else { throw CLIError(description: "nothing to plot") }
        let (W, H, left, right, top, bottom) = (Chart.width, Chart.height, 96.0, 20.0, 40.0, 60.0)
        func ty(_ v: Double) -> Double { logY ? log10(v) : v }
        var x0 = points.map { log10($0.0) }.min()!, x1 = points.map { log10($0.0) }.max()!
        var y0 = points.map { ty($0.1) }.min()!, y1 = points.map { ty($0.1) }.max()!
        if x1 - x0 < 1e-9 { x0 -= 0.5; x1 += 0.5 }
        if y1 - y0 < 1e-12 { y0 -= 0.5; y1 += 0.5 }
        let padY = 0.05 * (y1 - y0)
        y0 -= padY; y1 += padY
        func px(_ x: Double) -> Double { left + (log10(x) - x0) / (x1 - x0) * (W - left - right) }
        func py(_ y: Double) -> Double { H - bottom - (ty(y) - y0) / (y1 - y0) * (H - top - bottom) }

        canvas.fill(x: 0, y: 0, width: W, height: H, color: "#ffffff")
        canvas.text(title, x: W / 2, y: 22, anchor: .middle, size: 14)
        canvas.frame(x: left, y: top, width: W - left - right, height: H - top - bottom)
        for d in Int(ceil(x0))...Int(floor(x1)) {
            let x = px(pow(10, Double(d)))
            canvas.line([(x, H - bottom), (x, H - bottom + 5)], color: "#000000", width: 1, dashed: false)
            canvas.text("1e\(d)", x: x, y: H - bottom + 18, anchor: .middle, size: 12)
        }
        for k in 0...4 {
            let v = y0 + (y1 - y0) * Double(k) / 4, y = H - bottom - Double(k) / 4 * (H - top - bottom)
            canvas.line([(left - 5, y), (left, y)], color: "#000000", width: 1, dashed: false)
            canvas.text(logY ? fmt("%.3g", pow(10, v)) : fmt("%.3g", v), x: left - 8, y: y + 4, anchor: .end, size: 12)
        }
        canvas.text(xLabel, x: left + (W - left - right) / 2, y: H - 15, anchor: .middle, size: 12)
        canvas.text(yLabel, x: 16, y: top + (H - top - bottom) / 2, anchor: .middle, size: 12, vertical: true)
        for m in verticalMarkers where m > 0 && m.isFinite {
            canvas.line([(px(m), top), (px(m), H - bottom)], color: "#808080", width: 1, dashed: true)
        }
        for (k, s) in series.enumerated() {
            let pts = plotted[k].map { (px($0.0), py($0.1)) }
            if s.line {
                canvas.line(pts, color: s.color, width: 2, dashed: false)
            } else {
                canvas.dots(pts, radius: 2.5, color: s.color)
            }
            let ly = top + 16 + 16 * Double(k)
            canvas.fill(x: W - right - 190, y: ly - 9, width: 10, height: 10, color: s.color)
            canvas.text(s.label, x: W - right - 175, y: ly, anchor: .start, size: 12)
        }
    }

    /// Writes the chart to `path`, as SVG or PNG by its extension.
    func write(to path: String) throws {
        let bytes: [UInt8]
        if path.hasSuffix(".svg") {
            var canvas = SVGCanvas(width: Chart.width, height: Chart.height)
            try draw(on: &canvas)
            bytes = Array(canvas.closed.utf8)
        } else if path.hasSuffix(".png") {
            var canvas = RasterCanvas(width: Int(Chart.width), height: Int(Chart.height))
            try draw(on: &canvas)
            bytes = PNG.encode(width: canvas.width, height: canvas.height, rgb: canvas.pixels)
        } else {
            throw CLIError(description: "--plot \(path): name the file *.svg or *.png")
        }
        guard let f = fopen(path, "wb") else { throw CLIError(description: "cannot write '\(path)': \(String(cString: strerror(errno)))") }
        defer { fclose(f) }
        guard fwrite(bytes, 1, bytes.count, f) == bytes.count else { throw CLIError(description: "cannot write '\(path)'") }
    }
}

enum TextAnchor { case start, middle, end }

/// The drawing operations a chart needs; coordinates in pixels from the top left, colours as "#rrggbb", text
/// positioned by its baseline like SVG's.
protocol ChartCanvas {
    mutating func fill(x: Double, y: Double, width: Double, height: Double, color: String)
    mutating func frame(x: Double, y: Double, width: Double, height: Double)
    mutating func line(_ points: [(Double, Double)], color: String, width: Double, dashed: Bool)
    mutating func dots(_ points: [(Double, Double)], radius: Double, color: String)
    mutating func text(_ s: String, x: Double, y: Double, anchor: TextAnchor, size: Double, vertical: Bool)
}

extension ChartCanvas {
    mutating func text(_ s: String, x: Double, y: Double, anchor: TextAnchor, size: Double) {
        text(s, x: x, y: y, anchor: anchor, size: size, vertical: false)
    }
}
