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
    ],
    targets: [
        .target(name: "Scales"),
        .target(name: "ScalesTestKit", dependencies: ["Scales"]),
        .executableTarget(
            name: "ScalesExample",
            dependencies: ["Scales"],
            path: "Examples/StatusServer"
        ),
        .testTarget(name: "ScalesTests", dependencies: ["Scales", "ScalesTestKit"]),
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
