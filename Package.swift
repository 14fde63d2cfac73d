// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-scales",
    platforms: [.macOS(.v15)],
    products: [
        // The runtime: registry, stat kinds, snapshots, JSON, file dump. No package dependencies.
        .library(name: "Scales", targets: ["Scales"]),
        // Pushes the registry's tree to Graphite (carbon plaintext protocol) in the background.
        .library(name: "ScalesGraphite", targets: ["ScalesGraphite"]),
    ],
    dependencies: [
        // ScalesGraphite: non-blocking TCP with connect/write timeouts and DNS off the caller's task.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // ScalesGraphite: the two log lines (first failure, recovery) through the app's logging backend.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // ScalesGraphite: the periodic pusher runs as a lifecycle Service with graceful shutdown.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(name: "Scales"),
        .target(
            name: "ScalesGraphite",
            dependencies: [
                "Scales",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "ScalesExample",
            dependencies: ["Scales", "ScalesGraphite"],
            path: "Examples/StatusServer"
        ),
        .testTarget(name: "ScalesTests", dependencies: ["Scales"]),
        .testTarget(
            name: "ScalesGraphiteTests",
            dependencies: [
                "Scales", "ScalesGraphite",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
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
