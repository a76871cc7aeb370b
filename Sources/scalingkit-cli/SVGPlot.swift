#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small log-log chart written as SVG (no dependencies): scatter and line series, decade ticks, axis labels, a
/// legend. Enough for the CLI's `--plot`; the Python binding draws richer figures with matplotlib.
struct SVGPlot {
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

    func render() throws -> String {
        let points = series.flatMap { s in zip(s.x, s.y).filter { $0.0 > 0 && $0.1.isFinite && (!logY || $0.1 > 0) } }
        guard !points.isEmpty else { throw CLIError(description: "nothing to plot") }
        let (W, H, left, right, top, bottom) = (720.0, 480.0, 80.0, 20.0, 40.0, 60.0)
        func ty(_ v: Double) -> Double { logY ? log10(v) : v }
        var x0 = points.map { log10($0.0) }.min()!, x1 = points.map { log10($0.0) }.max()!
        var y0 = points.map { ty($0.1) }.min()!, y1 = points.map { ty($0.1) }.max()!
        if x1 - x0 < 1e-9 { x0 -= 0.5; x1 += 0.5 }
        if y1 - y0 < 1e-12 { y0 -= 0.5; y1 += 0.5 }
        let padY = 0.05 * (y1 - y0)
        y0 -= padY; y1 += padY
        func px(_ x: Double) -> Double { left + (log10(x) - x0) / (x1 - x0) * (W - left - right) }
        func py(_ y: Double) -> Double { H - bottom - (ty(y) - y0) / (y1 - y0) * (H - top - bottom) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(W))\" height=\"\(Int(H))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += "<text x=\"\(W / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">\(escape(title))</text>\n"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(W - left - right)\" height=\"\(H - top - bottom)\" fill=\"none\" stroke=\"black\"/>\n"
        for d in Int(ceil(x0))...Int(floor(x1)) {
            let x = px(pow(10, Double(d)))
            svg += "<line x1=\"\(x)\" y1=\"\(H - bottom)\" x2=\"\(x)\" y2=\"\(H - bottom + 5)\" stroke=\"black\"/>"
            svg += "<text x=\"\(x)\" y=\"\(H - bottom + 18)\" text-anchor=\"middle\">1e\(d)</text>\n"
        }
        for k in 0...4 {
            let v = y0 + (y1 - y0) * Double(k) / 4, y = H - bottom - Double(k) / 4 * (H - top - bottom)
            let label = logY ? fmt("%.3g", pow(10, v)) : fmt("%.3g", v)
            svg += "<line x1=\"\(left - 5)\" y1=\"\(y)\" x2=\"\(left)\" y2=\"\(y)\" stroke=\"black\"/>"
            svg += "<text x=\"\(left - 8)\" y=\"\(y + 4)\" text-anchor=\"end\">\(label)</text>\n"
        }
        svg += "<text x=\"\(left + (W - left - right) / 2)\" y=\"\(H - 15)\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        svg += "<text x=\"18\" y=\"\(top + (H - top - bottom) / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(top + (H - top - bottom) / 2))\">\(escape(yLabel))</text>\n"
        for m in verticalMarkers where m > 0 {
            svg += "<line x1=\"\(px(m))\" y1=\"\(top)\" x2=\"\(px(m))\" y2=\"\(H - bottom)\" stroke=\"grey\" stroke-dasharray=\"4 3\"/>\n"
        }
        for (k, s) in series.enumerated() {
            let pts = zip(s.x, s.y).filter { $0.0 > 0 && $0.1.isFinite && (!logY || $0.1 > 0) }
            if s.line {
                let path = pts.map { fmt("%.2f,%.2f", px($0.0), py($0.1)) }.joined(separator: " ")
                svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"/>\n"
            } else {
                for (x, y) in pts { svg += fmt("<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\" ", px(x), py(y)) + "fill=\"\(s.color)\"/>" }
                svg += "\n"
            }
            let ly = top + 16 + 16 * Double(k)
            svg += "<rect x=\"\(W - right - 190)\" y=\"\(ly - 9)\" width=\"10\" height=\"10\" fill=\"\(s.color)\"/>"
            svg += "<text x=\"\(W - right - 175)\" y=\"\(ly)\">\(escape(s.label))</text>\n"
        }
        return svg + "</svg>\n"
    }

    private func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Writes the chart to `path` (SVG only; say so for anything else).
    func write(to path: String) throws {
        guard path.hasSuffix(".svg") else {
            throw CLIError(description: "--plot \(path): the CLI writes SVG (name the file *.svg); for PNG use the Python plots or convert the SVG")
        }
        let text = try render()
        guard let f = fopen(path, "wb") else { throw CLIError(description: "cannot write '\(path)': \(String(cString: strerror(errno)))") }
        defer { fclose(f) }
        let bytes = Array(text.utf8)
        guard fwrite(bytes, 1, bytes.count, f) == bytes.count else { throw CLIError(description: "cannot write '\(path)'") }
    }
}
