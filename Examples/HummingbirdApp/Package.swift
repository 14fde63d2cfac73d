// swift-tools-version: 6.1
// A Hummingbird app whose framework metrics (through swift-metrics) and own stats share one
// swift-scales tree, with the status page mounted as ordinary routes. Its own package, so the
// main package never depends on Hummingbird.
import PackageDescription

let package = Package(
    name: "HummingbirdApp",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-scales", path: "../.."),
        // The web framework of this example only.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // The metrics API Hummingbird's MetricsMiddleware reports through.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "HummingbirdApp",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Scales", package: "swift-scales"),
                .product(name: "ScalesHTTP", package: "swift-scales"),
                .product(name: "ScalesMetrics", package: "swift-scales"),
            ]
        ),
        .executableTarget(name: "hummingbird-app", dependencies: ["HummingbirdApp"]),
        .testTarget(
            name: "HummingbirdAppTests",
            dependencies: ["HummingbirdApp", .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
    ]
)
