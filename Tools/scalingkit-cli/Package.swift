// swift-tools-version:6.1
import PackageDescription

// The command-line tool, in a package of its own so that its one dependency (swift-argument-parser) never reaches
// a package that only does `import ScalingKit`: the root package has no dependencies at all.
// Built and installed as `scalingkit` by scripts/build.sh; the core comes from the repository root by path.

let package = Package(
    name: "scalingkit-cli",
    products: [
        .executable(name: "scalingkit-cli", targets: ["scalingkit-cli"]),
    ],
    dependencies: [
        .package(name: "ScalingKit", path: "../.."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .executableTarget(
            name: "scalingkit-cli",
            dependencies: [
                .product(name: "ScalingKit", package: "ScalingKit"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ]
)
