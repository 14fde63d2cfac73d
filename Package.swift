// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-scales",
    platforms: [.macOS(.v15)],
    products: [
        // The runtime: registry, stat kinds, snapshots, JSON, file dump. No package dependencies.
        .library(name: "Scales", targets: ["Scales"]),
        // A manual clock and a fresh-registry helper for users' tests.
        .library(name: "ScalesTestKit", targets: ["ScalesTestKit"]),
        // A swift-metrics backend: metrics from instrumented libraries land in the same tree.
        .library(name: "ScalesMetrics", targets: ["ScalesMetrics"]),
    ],
    dependencies: [
        // The metrics API Swift server libraries report through; bridged by ScalesMetrics.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    ],
    targets: [
        .target(name: "Scales"),
        .target(name: "ScalesTestKit", dependencies: ["Scales"]),
        .target(
            name: "ScalesMetrics",
            dependencies: ["Scales", .product(name: "CoreMetrics", package: "swift-metrics")]
        ),
        .executableTarget(
            name: "ScalesExample",
            dependencies: ["Scales"],
            path: "Examples/StatusServer"
        ),
        .testTarget(name: "ScalesTests", dependencies: ["Scales", "ScalesTestKit"]),
        .testTarget(
            name: "ScalesMetricsTests",
            dependencies: ["ScalesMetrics", "Scales", .product(name: "Metrics", package: "swift-metrics")]
        ),
    ]
)

// One place for the settings every target shares: Swift 6 mode (complete concurrency checking)
// plus the upcoming features the best packages in this field turn on.
for target in package.targets where target.type != .plugin {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
