// swift-tools-version:6.1
import PackageDescription

// MARK: - Layout
//
//  ScalingKit        the pure-Swift core (`import ScalingKit`)
//  CScalingKit       header-only target over include/: the C contract, seen by Swift exactly as C sees it
//  ScalingKitC       @c @implementation shims over the core → libscalingkit.so
//  scalingkit-cli    the command-line tool (installed as `scalingkit` by scripts/build.sh)
//
// Linker flags that make the shipped .so self-contained (static Swift stdlib, version script, SONAME) live in
// scripts/build.sh, not here, so the package stays usable as an ordinary dependency.

let linuxMath: [LinkerSetting] = [.linkedLibrary("m", .when(platforms: [.linux]))]

let package = Package(
    name: "ScalingKit",
    products: [
        .library(name: "ScalingKit", targets: ["ScalingKit"]),
        .library(name: "scalingkit", type: .dynamic, targets: ["ScalingKitC"]),
        .executable(name: "scalingkit-cli", targets: ["scalingkit-cli"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
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

        // MARK: CLI
        .executableTarget(
            name: "scalingkit-cli",
            dependencies: [
                "ScalingKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
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
