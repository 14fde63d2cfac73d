// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-scales",
    platforms: [.macOS(.v15)],
    products: [
        // The runtime: registry, stat kinds, snapshots, JSON, file dump. No package dependencies.
        .library(name: "Scales", targets: ["Scales"]),
        // The generator CLI: stats.yaml in, typed Swift out (also usable by hand).
        .executable(name: "scales-generate", targets: ["scales-generate"]),
        // The build-tool plugin: one line in a target's `plugins:` runs scales-generate on its stats.yaml.
        .plugin(name: "ScalesPlugin", targets: ["ScalesPlugin"]),
        // A manual clock and a fresh-registry helper for users' tests.
        .library(name: "ScalesTestKit", targets: ["ScalesTestKit"]),
        // A swift-metrics backend: metrics from instrumented libraries land in the same tree.
        .library(name: "ScalesMetrics", targets: ["ScalesMetrics"]),
        // Pushes the registry's tree to Graphite (carbon plaintext protocol) in the background.
        .library(name: "ScalesGraphite", targets: ["ScalesGraphite"]),
        // The HTTP status page (HTML, JSON, Prometheus /metrics) and a framework-neutral handler.
        .library(name: "ScalesHTTP", targets: ["ScalesHTTP"]),
    ],
    dependencies: [
        // The metrics API Swift server libraries report through; bridged by ScalesMetrics.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // Reads stats.yaml with line and column for every node (bundles libyaml: users install nothing).
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Parses scales-generate's command line (the CLI only; not linked into user code).
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The exporters' networking: non-blocking TCP with timeouts, DNS off the caller's task;
        // the status server's sockets and HTTP/1.1 codec.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // The exporters' few log lines (Graphite's first failure and recovery) go to the app's backend.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The exporters and the status server run as lifecycle Services with graceful shutdown.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // `swift package generate-documentation --target <T>` builds the DocC catalogs (docs only).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // The naming rule of the exported names (Prometheus, Graphite), shared by the runtime, the
        // Graphite pusher and the generator; depends on nothing.
        .target(name: "ScalesNaming"),
        // The platform shim: the only target that imports Glibc, Musl or Darwin (clocks, math,
        // the pthread mutex, files, process figures); depends on nothing. `.ci/run` checks it.
        .target(name: "CScalesPlatform"),
        .target(name: "ScalesPlatform", dependencies: ["CScalesPlatform"]),
        .target(name: "Scales", dependencies: ["ScalesNaming", "ScalesPlatform"]),
        .target(name: "ScalesTestKit", dependencies: ["Scales"]),
        .target(
            name: "ScalesMetrics",
            dependencies: ["Scales", .product(name: "CoreMetrics", package: "swift-metrics")]
        ),
        .target(
            name: "ScalesGraphite",
            dependencies: [
                "Scales", "ScalesNaming", "ScalesPlatform",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The system's zlib (no package): gzip for the status page's responses.
        .systemLibrary(name: "CScalesZlib", path: "Sources/CScalesZlib"),
        .target(
            name: "ScalesHTTP",
            dependencies: [
                "Scales", "CScalesZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // All generator logic (parse, validate, translate, render); no plugin or CLI dependency.
        .target(
            name: "ScalesGenerator",
            dependencies: ["ScalesNaming", .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "scales-generate",
            dependencies: [
                "ScalesGenerator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .plugin(
            name: "ScalesPlugin",
            capability: .buildTool(),
            dependencies: ["scales-generate"]
        ),
        .executableTarget(
            name: "ScalesExample",
            dependencies: [
                "Scales", "ScalesGraphite", "ScalesHTTP", "ScalesPlatform",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/StatusServer",
            plugins: [.plugin(name: "ScalesPlugin")]
        ),
        // The fixtures, the strict Prometheus text reader and the helper that keeps blocking work
        // off the cooperative pool, shared by test targets (SwiftPM shares no source between
        // them); not a product.
        .target(name: "ScalesTestSupport", dependencies: ["Scales"], path: "Tests/ScalesTestSupport"),
        .testTarget(
            name: "ScalesTests", dependencies: ["Scales", "ScalesTestKit", "ScalesPlatform", "ScalesTestSupport"]
        ),
        .testTarget(
            name: "ScalesMetricsTests",
            dependencies: ["ScalesMetrics", "Scales", .product(name: "Metrics", package: "swift-metrics")]
        ),
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
        .testTarget(
            name: "ScalesHTTPTests",
            dependencies: [
                "Scales", "ScalesHTTP", "ScalesMetrics", "ScalesTestSupport",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Scales is a dependency so its module is built for the mutation fuzz test's `swiftc -typecheck`.
        .testTarget(
            name: "ScalesGeneratorTests",
            dependencies: ["ScalesGenerator", "ScalesNaming", "Scales", "ScalesTestSupport"]
        ),
        .testTarget(
            name: "ScalesGeneratorReferenceTests",
            dependencies: ["ScalesGenerator"],
            // Inputs and expected outputs are read from the source tree; never compiled here.
            exclude: ["Resources"]
        ),
        // Compiles the reference outputs (Generated/ is a symlink to them) and runs them.
        .testTarget(name: "ScalesGeneratedTests", dependencies: ["Scales", "ScalesTestKit", "ScalesGenerator"]),
        // Runs the built scales-generate binary: arguments, exit codes, write-if-changed.
        .testTarget(name: "ScalesGenerateCLITests", dependencies: ["scales-generate"]),
    ]
)

// One place for the settings every target shares: Swift 6 mode (complete concurrency checking)
// plus the upcoming features the best packages in this field turn on.
for target in package.targets where target.type != .plugin && target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
