#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Renders a chart into an 8-bit RGB pixel buffer for PNG output. Marks are anti-aliased by coverage (a pixel's
/// distance to the ideal shape); text uses the embedded DejaVu Sans glyphs (`Glyphs`), one size, printable ASCII
/// (anything else is drawn as "?").
struct RasterCanvas: ChartCanvas {
    let width: Int, height: Int
    private(set) var pixels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 255, count: width * height * 3)
    }

    private static func rgb(_ hex: String) -> (Double, Double, Double) {
        let digits = Array(hex.utf8.dropFirst())
        func byte(_ i: Int) -> Double {
            func nibble(_ c: UInt8) -> Int { c <= 57 ? Int(c) - 48 : (Int(c) | 32) - 87 }
            return digits.count == 6 ? Double(nibble(digits[i]) * 16 + nibble(digits[i + 1])) : 0
        }
        return (byte(0), byte(2), byte(4))
    }

    /// Blends `color` over pixel (x, y) with opacity `alpha` in [0, 1]; ignores pixels off the canvas.
    private mutating func blend(_ x: Int, _ y: Int, _ color: (Double, Double, Double), _ alpha: Double) {
        guard x >= 0, y >= 0, x < width, y < height, alpha > 0 else { return }
        let a = min(alpha, 1), i = (y * width + x) * 3
        pixels[i] = UInt8((Double(pixels[i]) * (1 - a) + color.0 * a).rounded())
        pixels[i + 1] = UInt8((Double(pixels[i + 1]) * (1 - a) + color.1 * a).rounded())
        pixels[i + 2] = UInt8((Double(pixels[i + 2]) * (1 - a) + color.2 * a).rounded())
    }

    mutating func fill(x: Double, y: Double, width w: Double, height h: Double, color: String) {
        let c = RasterCanvas.rgb(color)
        for py in Int(y.rounded())..<Int((y + h).rounded()) {
            for px in Int(x.rounded())..<Int((x + w).rounded()) { blend(px, py, c, 1) }
        }
    }

    mutating func frame(x: Double, y: Double, width w: Double, height h: Double) {
        line([(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)], color: "#000000", width: 1, dashed: false)
    }

    /// One segment of stroke width `w`: coverage falls from 1 to 0 over the pixel at the stroke's edge.
    private mutating func segment(_ a: (Double, Double), _ b: (Double, Double), _ c: (Double, Double, Double), _ w: Double) {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1), len2 = dx * dx + dy * dy
        let r = w / 2 + 0.5
        for py in Int(floor(min(a.1, b.1) - r))...Int(ceil(max(a.1, b.1) + r)) {
            for px in Int(floor(min(a.0, b.0) - r))...Int(ceil(max(a.0, b.0) + r)) {
                // Pixel centres sit at +0.5, matching SVG's coordinate system.
                let (qx, qy) = (Double(px) + 0.5, Double(py) + 0.5)
                let t = len2 > 0 ? max(0, min(1, ((qx - a.0) * dx + (qy - a.1) * dy) / len2)) : 0
                let d = hypot(qx - a.0 - t * dx, qy - a.1 - t * dy)
                blend(px, py, c, w / 2 + 0.5 - d)
            }
        }
    }

    mutating func line(_ points: [(Double, Double)], color: String, width w: Double, dashed: Bool) {
        let c = RasterCanvas.rgb(color)
        // Hairlines (frame, ticks, markers) are snapped to pixel centres so they stay one crisp pixel wide.
        let points = w == 1 ? points.map { (floor($0.0) + 0.5, floor($0.1) + 0.5) } : points
        for (a, b) in zip(points, points.dropFirst()) {
            guard dashed else { segment(a, b, c, w); continue }
            let length = hypot(b.0 - a.0, b.1 - a.1)
            var s = 0.0
            while s < length {   // 4 on, 3 off, as the SVG's stroke-dasharray
                let e = min(s + 4, length)
                segment((a.0 + (b.0 - a.0) * s / length, a.1 + (b.1 - a.1) * s / length),
                        (a.0 + (b.0 - a.0) * e / length, a.1 + (b.1 - a.1) * e / length), c, w)
                s += 7
            }
        }
    }

    mutating func dots(_ points: [(Double, Double)], radius: Double, color: String) {
        let c = RasterCanvas.rgb(color)
        for (x, y) in points {
            for py in Int(floor(y - radius - 1))...Int(ceil(y + radius + 1)) {
                for px in Int(floor(x - radius - 1))...Int(ceil(x + radius + 1)) {
                    blend(px, py, c, radius + 0.5 - hypot(Double(px) + 0.5 - x, Double(py) + 0.5 - y))
                }
            }
        }
    }

    mutating func text(_ s: String, x: Double, y: Double, anchor: TextAnchor, size: Double, vertical: Bool) {
        let glyphs = s.unicodeScalars.map { Glyphs.table[(32...126).contains($0.value) ? Int($0.value) - 32 : 31] }
        let advance = glyphs.reduce(0) { $0 + $1.advance }
        // u runs along the text, v down from the top of the glyph cell; a vertical label reads bottom to top.
        var u = -(anchor == .start ? 0 : anchor == .middle ? advance / 2 : advance)
        let (ox, oy) = (Int(x.rounded()), Int(y.rounded()))
        for g in glyphs {
            g.bits.withUTF8Buffer { bits in
                for v in 0..<Glyphs.height {
                    for k in 0..<g.width {
                        let h = bits[v * g.width + k], level = Int(h <= 57 ? h - 48 : h - 87)
                        guard level > 0 else { continue }
                        let (gu, gv) = (u + k, v - Glyphs.ascent)
                        if vertical { blend(ox + gv, oy - gu, (0, 0, 0), Double(level) / 15) }
                        else { blend(ox + gu, oy + gv, (0, 0, 0), Double(level) / 15) }
                    }
                }
            }
            u += g.advance
        }
    }
}
