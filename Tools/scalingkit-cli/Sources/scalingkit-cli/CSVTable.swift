#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A numeric CSV table read from a file: a header row of column names, then rows of numbers.
///
/// RFC 4180 subset: comma separator, optional double quotes around fields (with "" for a quote), LF or CRLF
/// line ends, blank lines ignored. Every error names the file, line and column.
struct CSVTable {
    var header: [String]
    var rows: [[String]]
    var path: String

    struct ReadError: Error, CustomStringConvertible {
        let description: String
    }

    /// Files larger than this are refused rather than read into memory.
    static let maxBytes = 1 << 30

    init(path: String) throws {
        guard let file = fopen(path, "rb") else {
            throw ReadError(description: "cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        // Refuse an oversized regular file before reading any of it (pipes and the like are checked as they stream).
        if fseek(file, 0, SEEK_END) == 0 {
            let size = ftell(file)
            if size > Self.maxBytes { throw ReadError(description: "'\(path)' is larger than 1 GiB (\(size) bytes)") }
            rewind(file)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if bytes.count > Self.maxBytes { throw ReadError(description: "'\(path)' is larger than 1 GiB") }
            if n < chunk.count {
                if ferror(file) != 0 { throw ReadError(description: "cannot read '\(path)': \(String(cString: strerror(errno)))") }
                break
            }
        }
        if path.hasSuffix(".jsonl") || path.hasSuffix(".ndjson") {
            try self.init(jsonLines: bytes, path: path)
        } else {
            try self.init(bytes: bytes, path: path)
        }
    }

    init(bytes: [UInt8], path: String) throws {
        self.path = path
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ReadError(description: "'\(path)' is not valid UTF-8 text")
        }
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = [], field = "", inQuotes = false, line = 1, recordLine = 1, fieldWasQuoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !fieldWasQuoted) { records.append((recordLine, fields)) }
            fields = []; field = ""; fieldWasQuoted = false
        }
        while let c = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = next }
                    } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty: inQuotes = true; fieldWasQuoted = true
            case ",": fields.append(field); field = ""; fieldWasQuoted = false
            case "\r": break
            case "\n": endRecord(); line += 1; recordLine = line
            default: field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw ReadError(description: "\(path):\(recordLine): unterminated quoted field") }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        guard let first = records.first else { throw ReadError(description: "'\(path)' is empty: expected a header row") }
        header = first.fields.map { $0.trimmingSpaces() }
        rows = []
        for r in records.dropFirst() {
            guard r.fields.count == header.count else {
                throw ReadError(description:
                    "\(path):\(r.line): expected \(header.count) fields like the header, found \(r.fields.count)")
            }
            rows.append(r.fields)
        }
        lineNumbers = records.dropFirst().map(\.line)
        guard !rows.isEmpty else { throw ReadError(description: "'\(path)' has a header but no data rows") }
    }

    var lineNumbers: [Int] = []

    /// The header for error messages: the first 20 names, then how many more (a wide file must not flood stderr).
    var columnList: String {
        let shown = header.prefix(20).joined(separator: ", ")
        return header.count > 20 ? shown + ", ... (\(header.count - 20) more)" : shown
    }

    /// The index of column `name` (exact match, then case-insensitive); an error listing the columns otherwise.
    func columnIndex(_ name: String) throws -> Int {
        guard let index = header.firstIndex(of: name) ?? header.firstIndex(where: { $0.lowercased() == name.lowercased() }) else {
            throw ReadError(description: "'\(path)' has no column '\(name)'; columns are: \(columnList)")
        }
        return index
    }

    /// The numeric values of column `name` (exact match, then case-insensitive).
    func column(_ name: String) throws -> [Double] {
        let index = try columnIndex(name)
        return try rows.enumerated().map { i, row in
            let text = row[index].trimmingSpaces()
            guard let v = Double(text) else {
                throw ReadError(description: "\(path):\(lineNumbers[i]): column '\(header[index])': '\(text)' is not a number")
            }
            return v
        }
    }
}

extension CSVTable {
    /// Column `name` as labels: its text as written, spaces trimmed (a run's or a model's name).
    func labels(_ name: String) throws -> [String] {
        let index = try columnIndex(name)
        return rows.map { $0[index].trimmingSpaces() }
    }

    /// Column `name` as labels (text compared as written, spaces trimmed): equal labels, equal codes, numbered in
    /// order of first appearance (for a cluster column such as a model's name).
    func labelCodes(_ name: String) throws -> [Int] {
        var codes: [String: Int] = [:]
        return try labels(name).map { label in
            if let c = codes[label] { return c }
            codes[label] = codes.count
            return codes.count - 1
        }
    }

    /// Column `name` where empty cells are nil (a value measured only at some rows, such as a logged loss).
    func optionalColumn(_ name: String) throws -> [Double?] {
        let index = try columnIndex(name)
        return try rows.enumerated().map { i, row in
            let text = row[index].trimmingSpaces()
            if text.isEmpty { return nil }
            guard let v = Double(text) else {
                throw ReadError(description: "\(path):\(lineNumbers[i]): column '\(header[index])': '\(text)' is not a number")
            }
            return v
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
