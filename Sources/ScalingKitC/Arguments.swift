import CScalingKit
import ScalingKit

// Validation of raw C arguments. Everything a C caller can get wrong is caught here, before the core runs:
// a Swift trap inside the library would kill the caller's process.

/// SK_MAX_LENGTH as a Swift Int. `size_t` arrives as `Int`, so (size_t)-1 arrives as −1.
let maxLength = 1 << 32

func nonNull<T>(_ p: T?, _ name: String) throws(ScalingKitError) -> T {
    guard let p else { throw ScalingKitError(.nullPointer, "'\(name)' is NULL") }
    return p
}

func checkedLength(_ n: Int, _ name: String, allowZero: Bool = false) throws(ScalingKitError) -> Int {
    guard n >= 0, n <= maxLength else {
        throw ScalingKitError(.invalidLength, "'\(name)' = \(UInt(bitPattern: n)) exceeds SK_MAX_LENGTH (\(maxLength))")
    }
    guard allowZero || n > 0 else { throw ScalingKitError(.invalidLength, "'\(name)' is 0: no data") }
    return n
}

/// Cluster labels from an options struct's `clusters`/`clusters_len`: (NULL, 0) → nil; otherwise `n` labels, the
/// pointer checked.
func optionalLabels(_ p: UnsafePointer<Int64>?, _ n: Int) throws(ScalingKitError) -> [Int]? {
    guard n > 0 || p != nil else { return nil }
    let labels = try nonNull(p, "clusters")
    let count = try checkedLength(n, "clusters_len")
    return (0..<count).map { Int(labels[$0]) }
}

/// Copies `n` doubles from a C array after checking the pointer and the count.
func doubles(_ p: UnsafePointer<Double>?, _ n: Int, _ name: String, lengthName: String = "n")
    throws(ScalingKitError) -> [Double]
{
    let p = try nonNull(p, name)
    let n = try checkedLength(n, lengthName)
    return Array(UnsafeBufferPointer(start: p, count: n))
}

/// An optional grid axis: (NULL, 0) means "use the default".
func optionalAxis(_ p: UnsafePointer<Double>?, _ n: Int, _ name: String) throws(ScalingKitError) -> [Double]? {
    let n = try checkedLength(n, "\(name)_len", allowZero: true)
    switch (p, n) {
    case (nil, 0): return nil
    case (nil, _): throw ScalingKitError(.nullPointer, "'\(name)' is NULL but '\(name)_len' is \(n)")
    case (_, 0): throw ScalingKitError(.invalidLength, "'\(name)' is set but '\(name)_len' is 0")
    case let (p?, n): return Array(UnsafeBufferPointer(start: p, count: n))
    }
}

func checkStructSize(_ size: Int, expected: Int, _ name: String) throws(ScalingKitError) {
    try checkStructSize(size, known: [expected], name)
}

/// `size` must be today's sizeof(T) or that of an earlier minor version (a prefix of today's struct).
func checkStructSize(_ size: Int, known: [Int], _ name: String) throws(ScalingKitError) {
    guard known.contains(size) else {
        let sizes = known.map(String.init).joined(separator: " or ")
        throw ScalingKitError(.structSize,
            "\(name).struct_size is \(UInt(bitPattern: size)), this library expects \(sizes) (sizeof(\(name)) of header \(ScalingKitVersion.string) or earlier); was it set?")
    }
}

/// Reads a versioned input struct of which the caller has `struct_size` bytes (its first field): fields past
/// them, added in later releases of the ABI line, keep their values from `defaults`. Never reads past the caller's
/// struct. `earlierSizes`: the struct's sizes in those earlier releases (none yet among the 0.4 line's input structs).
func readVersioned<T>(_ p: UnsafePointer<T>, _ name: String, defaults: T, earlierSizes: [Int] = [])
    throws(ScalingKitError) -> T
{
    let size = UnsafeRawPointer(p).load(as: Int.self)
    try checkStructSize(size, known: [MemoryLayout<T>.size] + earlierSizes, name)
    var value = defaults
    withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: UnsafeRawBufferPointer(start: p, count: size)) }
    return value
}

/// Writes the first `struct_size` bytes of `value` to a versioned output struct whose caller set `struct_size`
/// (or passed it as `size`), so an older caller's smaller struct is never overrun; struct_size keeps its value.
func writeVersioned<T>(_ value: T, to p: UnsafeMutablePointer<T>, size: Int, _ name: String,
                       earlierSizes: [Int] = [])
    throws(ScalingKitError)
{
    try checkStructSize(size, known: [MemoryLayout<T>.size] + earlierSizes, name)
    var copy = value
    withUnsafeMutableBytes(of: &copy) { bytes in
        bytes.storeBytes(of: size, toByteOffset: 0, as: Int.self)
        UnsafeMutableRawPointer(p).copyMemory(from: bytes.baseAddress!, byteCount: size)
    }
}

/// Copies `values` into the caller's array of `len` elements, which must be exactly `values.count` (the header's
/// getters are called with the count their `_count` function gave); `what` ends the message "len is N but …".
/// NULL is accepted for an empty copy only.
func copyOut<T>(_ values: [T], to p: UnsafeMutablePointer<T>?, _ len: Int, argument: String, _ what: String)
    throws(ScalingKitError)
{
    if values.isEmpty && len == 0 { return }
    let p = try nonNull(p, argument)
    guard len == values.count else { throw ScalingKitError(.invalidLength, "len is \(UInt(bitPattern: len)) but \(what)") }
    for (i, v) in values.enumerated() { p[i] = v }
}

/// Entry `index` of a handle's table of C strings, or nil when there is no handle or no such entry (the contract of
/// the `_name(handle, index)` getters).
func entry(_ strings: [UnsafeMutablePointer<CChar>]?, _ index: Int) -> UnsafePointer<CChar>? {
    guard let strings, strings.indices.contains(index) else { return nil }
    return UnsafePointer(strings[index])
}

/// The whole body of every `sk_*_init`: `defaults()` (the core's defaults, converted) into the caller's struct of
/// `structSize` bytes.
func initVersioned<T>(_ function: StaticString, _ p: UnsafeMutablePointer<T>?, _ structSize: Int, _ name: String,
                      argument: String = "options", earlierSizes: [Int] = [], _ defaults: () -> T) -> Int32 {
    guarded(function) { () throws(ScalingKitError) in
        try writeVersioned(defaults(), to: try nonNull(p, argument), size: structSize, name, earlierSizes: earlierSizes)
    }
}

/// `writeVersioned` for an output struct whose caller set its first field, `struct_size`.
func writeVersioned<T>(_ value: T, to p: UnsafeMutablePointer<T>, _ name: String, earlierSizes: [Int] = [])
    throws(ScalingKitError)
{
    try writeVersioned(value, to: p, size: UnsafeRawPointer(p).load(as: Int.self), name, earlierSizes: earlierSizes)
}

/// Copies `nColumns` columns of `n` doubles each (an array of column pointers, as the header's `const double *const *`),
/// checking that there is one column per expected input.
func columnArrays(_ columns: UnsafePointer<UnsafePointer<Double>?>?, _ nColumns: Int, _ n: Int, names: [String])
    throws(ScalingKitError) -> [[Double]]
{
    // A law of no inputs gets (NULL, 0): let the core say what is wrong with such a law.
    if names.isEmpty && nColumns == 0 { return [] }
    let columns = try nonNull(columns, "columns")
    let count = try checkedLength(nColumns, "n_columns", allowZero: true)
    guard count == names.count else {
        throw ScalingKitError(.invalidLength,
            "n_columns is \(count) but the law reads \(names.count) input(s): \(names.joined(separator: ", "))")
    }
    var out: [[Double]] = []
    for j in 0..<count { out.append(try doubles(columns[j], n, "columns[\(j)] (\(names[j]))")) }
    return out
}

/// A NUL-terminated UTF-8 string from C, at most `limit` bytes.
func cString(_ p: UnsafePointer<CChar>?, _ name: String, limit: Int = 1 << 16) throws(ScalingKitError) -> String {
    let p = try nonNull(p, name)
    var length = 0
    while length <= limit, p[length] != 0 { length += 1 }
    guard length <= limit else { throw ScalingKitError(.invalidLength, "'\(name)' is longer than \(limit) bytes") }
    let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: length)
    guard let s = String(validating: bytes, as: UTF8.self) else {
        throw ScalingKitError(.invalidArgument, "'\(name)' is not valid UTF-8")
    }
    return s
}

/// A size_t option field: non-negative (that is, not (size_t)-1 and friends) and at most SK_MAX_LENGTH.
func optionCount(_ v: Int, _ name: String) throws(ScalingKitError) -> Int {
    guard v >= 0, v <= maxLength else {
        throw ScalingKitError(.invalidArgument, "options.\(name) = \(UInt(bitPattern: v)) is out of range")
    }
    return v
}

/// Runs a throwing core call, passing ScalingKitError through and wrapping anything else as internal.
func core<T>(_ body: () throws -> T) throws(ScalingKitError) -> T {
    do { return try body() } catch let e as ScalingKitError { throw e } catch { throw ScalingKitError(.internal, "\(error)") }
}

/// Per-parameter starting values given as one concatenated array plus a count per parameter (0 = the default):
/// `start_counts_len` is 0 (no overrides) or the number of parameters.
func startGrid(_ values: UnsafePointer<Double>?, _ counts: UnsafePointer<Int>?, _ countsLen: Int, parameters names: [String])
    throws(ScalingKitError) -> [String: [Double]]
{
    let n = try checkedLength(countsLen, "start_counts_len", allowZero: true)
    guard n > 0 else { return [:] }
    guard n == names.count else {
        throw ScalingKitError(.invalidLength, "'start_counts_len' is \(n) but the law has \(names.count) parameters")
    }
    let counts = try nonNull(counts, "start_counts")
    var total = 0
    for j in 0..<n {
        total += try checkedLength(counts[j], "start_counts[\(j)]", allowZero: true)
        guard total <= maxLength else { throw ScalingKitError(.invalidLength, "start_counts add up to more than SK_MAX_LENGTH") }
    }
    guard total > 0 else { return [:] }
    let all = try doubles(values, total, "start_values")
    var grid: [String: [Double]] = [:], offset = 0
    for j in 0..<n where counts[j] > 0 {
        grid[names[j]] = Array(all[offset..<(offset + counts[j])])
        offset += counts[j]
    }
    return grid
}

/// A C `int` option that must be 0 or 1.
func flag(_ value: Int32, _ name: String) throws(ScalingKitError) -> Bool {
    switch value {
    case 0: return false
    case 1: return true
    default: throw ScalingKitError(.invalidArgument, "\(name) is \(value), not 0 or 1")
    }
}

/// The C value of `value` in the same table `enumCase` reads with (for the `_init` functions' defaults).
func enumIndex<T: Equatable>(_ value: T, _ cases: [T]) -> Int32 {
    Int32(cases.firstIndex(of: value) ?? 0)
}

/// An `int` enum argument from C: `cases[value]`, or an error naming the argument and the valid range.
func enumCase<T>(_ value: Int32, _ cases: [T], _ name: String) throws(ScalingKitError) -> T {
    guard value >= 0, Int(value) < cases.count else {
        throw ScalingKitError(.invalidArgument, "\(name) is \(value): not one of 0 ... \(cases.count - 1)")
    }
    return cases[Int(value)]
}

/// Copies `text` into a fixed `char[N]` of the header as NUL-terminated UTF-8, cut at a character boundary when it
/// does not fit (so a reader never meets half a character).
func copyCString(_ text: String, into buffer: UnsafeMutableRawBufferPointer) {
    guard buffer.count > 0 else { return }
    var bytes = Array(text.utf8.prefix(buffer.count - 1))
    if bytes.count < text.utf8.count {
        // Drop continuation bytes (10xxxxxx) and the lead byte they followed.
        while let last = bytes.last, last & 0xC0 == 0x80 { bytes.removeLast() }
        if let last = bytes.last, last & 0x80 != 0 { bytes.removeLast() }
    }
    buffer.initializeMemory(as: UInt8.self, repeating: 0)
    buffer.copyBytes(from: bytes)
}
