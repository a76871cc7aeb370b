import CScalingKit
import ScalingKit

/// The objects behind the header's opaque handles (`sk_fit *`, `sk_law *`, ...): Swift classes handed to C retained
/// by the call that creates them (`retainedPointer`), borrowed by every call that reads one (`borrow`: NULL is an
/// error naming the argument) and released once by their `_free` (`release`: NULL is a no-op).
protocol CHandle: AnyObject {
    /// The argument's name in the "'…' is NULL" error.
    static var argumentName: String { get }
}

extension CHandle {
    func retainedPointer() -> OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    static func borrow(_ p: OpaquePointer?) throws(ScalingKitError) -> Self { try borrow(p, argumentName) }

    static func borrow(_ p: OpaquePointer?, _ name: String) throws(ScalingKitError) -> Self {
        guard let p else { throw ScalingKitError(.nullPointer, "'\(name)' is NULL") }
        return Unmanaged<Self>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
    }

    static func release(_ p: OpaquePointer?) {
        guard let p else { return }
        Unmanaged<Self>.fromOpaque(UnsafeRawPointer(p)).release()
    }
}
