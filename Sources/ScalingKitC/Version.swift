import CScalingKit
import ScalingKit

@c @implementation
public func sk_version_number() -> UInt32 {
    UInt32(ScalingKitVersion.major * 10000 + ScalingKitVersion.minor * 100 + ScalingKitVersion.patch)
}

/// The header's SK_VERSION_STRING, copied once into a buffer that lives as long as the library (the core's
/// version must agree with it: a test checks).
private let versionString = ImmortalCString(SK_VERSION_STRING)

@c @implementation
public func sk_version_string() -> UnsafePointer<CChar>? {
    versionString.pointer
}
