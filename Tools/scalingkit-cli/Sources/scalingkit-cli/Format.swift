import ArgumentParser
import ScalingKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// printf-style formatting without Foundation (keeps the static CLI small).
func fmt(_ format: String, _ args: CVarArg...) -> String {
    withVaList(args) { va in
        var buffer = [CChar](repeating: 0, count: 512)
        let n = vsnprintf(&buffer, buffer.count, format, va)
        guard n >= 0 else { return "" }
        let bytes = buffer.prefix(min(Int(n), buffer.count - 1)).map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Writes to standard error.
func printError(_ message: String) {
    let line = message + "\n"
    _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
}

/// A JSON string literal.
func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += fmt("\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// A JSON number (shortest round-trip representation); non-finite values become null.
func jsonNumber(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }

/// Runs a command's body, printing the CSV reader's, the library's and the CLI's own errors as one `error:` line on
/// standard error and exiting with status 1 (argument-parser prints its own usage errors).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as CSVTable.ReadError {
        printError("error: \(e.description)")
        throw ExitCode(1)
    } catch let e as ScalingKitError {
        printError("error: \(e.message)")
        throw ExitCode(1)
    } catch let e as CLIError {
        printError("error: \(e.description)")
        throw ExitCode(1)
    }
}
