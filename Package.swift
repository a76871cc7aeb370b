// swift-tools-version:6.1
import PackageDescription

// MARK: - Layout
//
//  ScalingKit        the pure-Swift core (`import ScalingKit`)
//  CScalingKit       header-only target over include/: the C contract, seen by Swift exactly as C sees it
//  ScalingKitC       @c @implementation shims over the core → libscalingkit.so
//
// No dependencies: a package that does `import ScalingKit` pulls in nothing else. The command-line tool lives in
// its own package, Tools/scalingkit-cli (it needs swift-argument-parser). Build consumers with `-c release`: the
// fits are 10-100x slower unoptimised (a 245-run Chinchilla fit: 0.34 s release, 34 s debug).
//
// Linker flags that make the shipped .so self-contained (static Swift stdlib, version script, SONAME) live in
// scripts/build.sh, not here, so the package stays usable as an ordinary dependency.

let linuxMath: [LinkerSetting] = [.linkedLibrary("m", .when(platforms: [.linux]))]

let package = Package(
    name: "ScalingKit",
    products: [
        .library(name: "ScalingKit", targets: ["ScalingKit"]),
        .library(name: "scalingkit", type: .dynamic, targets: ["ScalingKitC"]),
    ],
    targets: [
        // MARK: Core
        .target(
            name: "ScalingKit",
            linkerSettings: linuxMath
        ),

        // MARK: C ABI
        .target(
            name: "CScalingKit",
            path: "include",
            publicHeadersPath: "."
        ),
        .target(
            name: "ScalingKitC",
            dependencies: ["ScalingKit", "CScalingKit"],
            linkerSettings: linuxMath
        ),

        // MARK: Tests
        .testTarget(
            name: "ScalingKitTests",
            dependencies: ["ScalingKit"]
        ),
        .testTarget(
            name: "ScalingKitCTests",
            dependencies: ["ScalingKitC", "CScalingKit"]
        ),
    ]
)
