/// JSON Lines input (one flat JSON object per line, as W&B exports and the Gemstones data use): read into the same
/// table of text cells as a CSV, so every command takes either. Keys become columns in order of first appearance;
/// a key missing from a line is an empty cell; strings, numbers, true/false and null are accepted, nested objects
/// and arrays are refused (name the line).
extension CSVTable {
    init(jsonLines bytes: [UInt8], path: String) throws {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ReadError(description: "'\(path)' is not valid UTF-8 text")
        }
        var header: [String] = [], index: [String: Int] = [:]
        var records: [(line: Int, cells: [String: String])] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(" \t\r")
            if trimmed.isEmpty { continue }
            var parser = FlatJSONParser(Array(trimmed.unicodeScalars))
            let object: [(String, String)]
            do { object = try parser.object() } catch let e as FlatJSONParser.Failure {
                throw ReadError(description: "\(path):\(n + 1): \(e.message)")
            }
            var cells: [String: String] = [:]
            for (key, value) in object {
                if index[key] == nil { index[key] = header.count; header.append(key) }
                cells[key] = value
            }
            records.append((n + 1, cells))
        }
        guard !records.isEmpty else { throw ReadError(description: "'\(path)' has no JSON objects") }
        // Found by fuzzing: lines of `{}` alone made a table with rows but no columns.
        guard !header.isEmpty else { throw ReadError(description: "'\(path)' has JSON objects but no keys: expected columns") }
        self.path = path
        self.header = header
        rows = records.map { r in header.map { r.cells[$0] ?? "" } }
        lineNumbers = records.map(\.line)
    }
}

extension Substring {
    func trimmingCharacters(_ set: String) -> Substring {
        var s = self
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return s
    }
}

/// A parser for one flat JSON object; values come back as text (numbers as written, null as empty).
struct FlatJSONParser {
    struct Failure: Error { let message: String }
    let s: [Unicode.Scalar]
    var i = 0

    init(_ scalars: [Unicode.Scalar]) { s = scalars }

    mutating func skip() { while i < s.count, [" ", "\t", "\r", "\n"].contains(s[i]) { i += 1 } }

    mutating func expect(_ c: Unicode.Scalar) throws {
        skip()
        guard i < s.count, s[i] == c else { throw Failure(message: "expected '\(c)' at character \(i + 1)") }
        i += 1
    }

    mutating func object() throws -> [(String, String)] {
        try expect("{")
        var out: [(String, String)] = []
        skip()
        if i < s.count, s[i] == "}" { i += 1; return out }
        while true {
            skip()
            let key = try string()
            try expect(":")
            out.append((key, try value(key)))
            skip()
            guard i < s.count else { throw Failure(message: "the object is not closed") }
            if s[i] == "," { i += 1; continue }
            if s[i] == "}" { i += 1; break }
            throw Failure(message: "expected ',' or '}' at character \(i + 1)")
        }
        skip()
        guard i == s.count else { throw Failure(message: "text after the object at character \(i + 1)") }
        return out
    }

    mutating func value(_ key: String) throws -> String {
        skip()
        guard i < s.count else { throw Failure(message: "'\(key)' has no value") }
        switch s[i] {
        case "\"": return try string()
        case "{", "[": throw Failure(message: "'\(key)' holds a nested object or array: flatten it first")
        default:
            var text = ""
            while i < s.count, !([",", "}", " ", "\t"] as [Unicode.Scalar]).contains(s[i]) { text.unicodeScalars.append(s[i]); i += 1 }
            switch text {
            case "null": return ""
            case "true", "false": return text
            default:
                guard Double(text) != nil else { throw Failure(message: "'\(key)': '\(text)' is not a JSON value") }
                return text
            }
        }
    }

    mutating func string() throws -> String {
        guard i < s.count, s[i] == "\"" else { throw Failure(message: "expected a string at character \(i + 1)") }
        i += 1
        var out = ""
        while i < s.count {
            let c = s[i]
            i += 1
            if c == "\"" { return out }
            if c != "\\" { out.unicodeScalars.append(c); continue }
            guard i < s.count else { break }
            let e = s[i]
            i += 1
            switch e {
            case "n": out += "\n"
            case "t": out += "\t"
            case "r": out += "\r"
            case "b": out += "\u{8}"
            case "f": out += "\u{c}"
            case "u":
                func hex4(_ at: Int) -> UInt32? {
                    at + 4 <= s.count ? UInt32(String(String.UnicodeScalarView(s[at..<(at + 4)])), radix: 16) : nil
                }
                guard var v = hex4(i) else { throw Failure(message: "a bad \\u escape at character \(i)") }
                i += 4
                // A UTF-16 surrogate pair (RFC 8259 §7): \uD8xx\uDCxx is one scalar beyond the BMP.
                if (0xD800..<0xDC00).contains(v), i + 6 <= s.count, s[i] == "\\", s[i + 1] == "u",
                   let low = hex4(i + 2), (0xDC00..<0xE000).contains(low) {
                    v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                guard let scalar = Unicode.Scalar(v) else { throw Failure(message: "a bad \\u escape at character \(i - 4)") }
                out.unicodeScalars.append(scalar)
            default: out.unicodeScalars.append(e)
            }
        }
        throw Failure(message: "a string is not closed")
    }
}
