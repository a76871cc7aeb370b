/// The one error type the core throws.
///
/// Every public entry point validates its input before it computes and throws this error instead of trapping:
/// ScalingKit runs inside other people's training processes, and a Swift trap would kill the host.
/// The C layer maps `code` one-to-one onto the `SK_ERR_*` status codes of `scalingkit.h`.
public struct ScalingKitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of problem; stable across releases (the raw values are the C status codes).
    public enum Code: Int32, Sendable {
        /// A required pointer was NULL (raised only by the C layer).
        case nullPointer = -1
        /// A value is out of its domain: NaN, ±Inf, a non-positive size, an unknown option.
        case invalidArgument = -2
        /// A length is empty, mismatched, or too large.
        case invalidLength = -3
        /// An options or result struct carried a `struct_size` this library does not know.
        case structSize = -4
        /// The operation does not apply to this object (for example a Chinchilla plan from another law).
        case unsupported = -5
        /// Memory could not be allocated.
        case outOfMemory = -6
        /// A bug in ScalingKit: please report it.
        case `internal` = -100
    }

    /// The category, mirrored by the C ABI's status codes.
    public let code: Code
    /// What went wrong, naming the argument or value.
    public let message: String

    /// An error of category `code` with a readable `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }

    static func invalid(_ message: String) -> ScalingKitError { .init(.invalidArgument, message) }
    static func length(_ message: String) -> ScalingKitError { .init(.invalidLength, message) }
}
