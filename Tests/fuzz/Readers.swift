// libFuzzer entry points for the CLI's file readers (CSV and JSON Lines), compiled together with
// Tools/scalingkit-cli/Sources/scalingkit-cli/{CSVTable,JSONLines}.swift by Tests/fuzz/build.sh and called from fuzz.c.
// Any input must give a table or a thrown ReadError naming the problem; a crash, hang or inconsistent table is a bug.

#if canImport(Glibc)
import Glibc
#endif

private func check(_ table: CSVTable) {
    guard !table.header.isEmpty, table.rows.count == table.lineNumbers.count,
          table.rows.allSatisfy({ $0.count == table.header.count }) else {
        fputs("reader invariant broken: \(table.header.count) columns, \(table.rows.count) rows\n", stderr)
        abort()
    }
    for name in table.header {
        do { _ = try table.column(name) } catch let e as CSVTable.ReadError { precondition(!e.description.isEmpty) } catch { abort() }
        do { _ = try table.optionalColumn(name) } catch let e as CSVTable.ReadError { precondition(!e.description.isEmpty) } catch { abort() }
    }
}

private func read(_ data: UnsafePointer<UInt8>?, _ count: Int, jsonLines: Bool) {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    do {
        let table = jsonLines ? try CSVTable(jsonLines: bytes, path: "fuzz.jsonl") : try CSVTable(bytes: bytes, path: "fuzz.csv")
        check(table)
    } catch let e as CSVTable.ReadError {
        if e.description.isEmpty { abort() }
    } catch {
        fputs("unexpected error type: \(error)\n", stderr)
        abort()
    }
}

@_cdecl("skfuzz_csv")
public func skfuzzCSV(_ data: UnsafePointer<UInt8>?, _ count: Int) { read(data, count, jsonLines: false) }

@_cdecl("skfuzz_jsonl")
public func skfuzzJSONL(_ data: UnsafePointer<UInt8>?, _ count: Int) { read(data, count, jsonLines: true) }
