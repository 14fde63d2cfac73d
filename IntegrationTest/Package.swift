// swift-tools-version: 6.1
import PackageDescription

// A user's package: one target with a stats.yaml and the plugin applied in one line.
//
// A user names the dependency by URL; here it is this checkout, reached through a link named
// `swift-scales` that run.sh creates next to a copy of this package, so the package identity
// is `swift-scales` wherever the repository is checked out.
let package = Package(
    name: "ScalesIntegrationTest",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../swift-scales")
    ],
    targets: [
        .executableTarget(
            name: "IntegrationApp",
            dependencies: [.product(name: "Scales", package: "swift-scales")],
            plugins: [.plugin(name: "ScalesPlugin", package: "swift-scales")]
        )
    ]
)
