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
    guard size == expected else {
        throw ScalingKitError(.structSize,
            "\(name).struct_size is \(UInt(bitPattern: size)), this library expects \(expected) (sizeof(\(name)) of header \(ScalingKitVersion.string)); was it set?")
    }
}
