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
        // The HTTP status page (HTML, JSON, Prometheus /metrics) and a framework-neutral handler.
        .library(name: "ScalesHTTP", targets: ["ScalesHTTP"]),
    ],
    dependencies: [
        // The metrics API Swift server libraries report through; bridged by ScalesMetrics.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // ScalesHTTP: the status server's sockets and HTTP/1.1 codec.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // ScalesHTTP: StatusServer runs as a Service with graceful shutdown.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // ScalesHTTP: the status server reports bind, stop and connection errors through swift-log.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .target(name: "Scales"),
        .target(name: "ScalesTestKit", dependencies: ["Scales"]),
        .target(
            name: "ScalesMetrics",
            dependencies: ["Scales", .product(name: "CoreMetrics", package: "swift-metrics")]
        ),
        .target(
            name: "ScalesHTTP",
            dependencies: [
                "Scales",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "ScalesExample",
            dependencies: [
                "Scales", "ScalesHTTP",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/StatusServer"
        ),
        .testTarget(name: "ScalesTests", dependencies: ["Scales", "ScalesTestKit"]),
        .testTarget(
            name: "ScalesMetricsTests",
            dependencies: ["ScalesMetrics", "Scales", .product(name: "Metrics", package: "swift-metrics")]
        ),
        .testTarget(
            name: "ScalesHTTPTests",
            dependencies: [
                "Scales", "ScalesHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
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
