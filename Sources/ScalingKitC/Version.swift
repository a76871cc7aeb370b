import CScalingKit
import ScalingKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@c @implementation
public func sk_version_number() -> UInt32 {
    UInt32(ScalingKitVersion.major * 10000 + ScalingKitVersion.minor * 100 + ScalingKitVersion.patch)
}

/// The header's SK_VERSION_STRING, copied once into a buffer that lives as long as the library (the core's
/// version must agree with it: a test checks).
nonisolated(unsafe) private let versionString: UnsafeMutablePointer<CChar> = strdup(SK_VERSION_STRING)

@c @implementation
public func sk_version_string() -> UnsafePointer<CChar>? {
    UnsafePointer(versionString)
}
