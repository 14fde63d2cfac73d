// swift-tools-version: 6.1
// The benchmarks live in their own package so users of swift-scales never build their
// dependencies. Run from the repository root: `swift package --package-path Benchmarks benchmark`.
import PackageDescription

let package = Package(
    name: "ScalesBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // The package under test.
        .package(name: "swift-scales", path: ".."),
        // The Swift server convention for benchmarks (ns/op, allocations, percentiles).
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // The alternative users would pick, measured in the same run.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The metrics API, backed by swift-prometheus and by ScalesMetrics in the same run.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // The minimal HTTP server the status page's throughput is compared with.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "ScalesBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Scales", package: "swift-scales"),
                .product(name: "ScalesMetrics", package: "swift-scales"),
                .product(name: "ScalesHTTP", package: "swift-scales"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                "BenchmarkSupport",
            ],
            path: "Benchmarks/ScalesBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Bytes per stat of each kind, measured with the allocator's own counters.
        .executableTarget(
            name: "MemoryFootprint",
            dependencies: [
                "CHeapInUse", .product(name: "Scales", package: "swift-scales"),
                .product(name: "ScalesHTTP", package: "swift-scales"),
            ],
            path: "Tools/MemoryFootprint"
        ),
        .target(name: "CHeapInUse", path: "Tools/CHeapInUse"),
        // What the benchmarks and ContentionCheck share: the two-thread runner.
        .target(name: "BenchmarkSupport", path: "Tools/BenchmarkSupport"),
        // Two threads on one stat, in one quiet process (the 2-thread rows of the benchmarks
        // swing on two cores shared with the runner's own threads).
        .executableTarget(
            name: "ContentionCheck",
            dependencies: ["BenchmarkSupport", .product(name: "Scales", package: "swift-scales")],
            path: "Tools/ContentionCheck"
        ),
        // A fixed-body SwiftNIO server: the baseline of Scripts/http-throughput.sh.
        .executableTarget(
            name: "MinimalNIOServer",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tools/MinimalNIOServer"
        ),
    ]
)
