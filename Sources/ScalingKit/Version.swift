/// ScalingKit's version; the C header's `SK_VERSION_*` macros must agree (a test checks).
public enum ScalingKitVersion {
    public static let major = 0
    public static let minor = 4
    public static let patch = 11
    public static var string: String { "\(major).\(minor).\(patch)" }
}
