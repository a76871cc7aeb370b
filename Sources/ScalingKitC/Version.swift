import CScalingKit
import ScalingKit

@c @implementation
public func sk_version_number() -> UInt32 {
    UInt32(ScalingKitVersion.major * 10000 + ScalingKitVersion.minor * 100 + ScalingKitVersion.patch)
}

private let versionString: StaticString = "0.2.0"

@c @implementation
public func sk_version_string() -> UnsafePointer<CChar>? {
    UnsafeRawPointer(versionString.utf8Start).assumingMemoryBound(to: CChar.self)
}
