/// Renders a chart as an SVG document: one element per mark, text left to the viewer's fonts.
struct SVGCanvas: ChartCanvas {
    private(set) var document: String

    init(width: Double, height: Double) {
        document = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
    }

    mutating func fill(x: Double, y: Double, width: Double, height: Double, color: String) {
        document += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(width)\" height=\"\(height)\" fill=\"\(color)\"/>\n"
    }

    mutating func frame(x: Double, y: Double, width: Double, height: Double) {
        document += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(width)\" height=\"\(height)\" fill=\"none\" stroke=\"black\"/>\n"
    }

    mutating func line(_ points: [(Double, Double)], color: String, width: Double, dashed: Bool) {
        let dash = dashed ? " stroke-dasharray=\"4 3\"" : ""
        if points.count == 2 {
            document += fmt("<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" ", points[0].0, points[0].1, points[1].0, points[1].1)
                + "stroke=\"\(color)\" stroke-width=\"\(width)\"\(dash)/>\n"
        } else if points.count > 2 {
            let path = points.map { fmt("%.2f,%.2f", $0.0, $0.1) }.joined(separator: " ")
            document += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(width)\"\(dash)/>\n"
        }
    }

    mutating func dots(_ points: [(Double, Double)], radius: Double, color: String) {
        for (x, y) in points { document += fmt("<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%g\" ", x, y, radius) + "fill=\"\(color)\"/>" }
        document += "\n"
    }

    mutating func text(_ s: String, x: Double, y: Double, anchor: TextAnchor, size: Double, vertical: Bool) {
        let a = anchor == .start ? "start" : anchor == .middle ? "middle" : "end"
        let rotate = vertical ? fmt(" transform=\"rotate(-90 %g %g)\"", x, y) : ""
        let fontSize = size == 12 ? "" : fmt(" font-size=\"%g\"", size)
        document += fmt("<text x=\"%g\" y=\"%g\"", x, y) + " text-anchor=\"\(a)\"\(fontSize)\(rotate)>\(escape(s))</text>\n"
    }

    var closed: String { document + "</svg>\n" }

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
}
