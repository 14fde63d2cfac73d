import Foundation
import PackagePlugin

/// Runs `scales-generate` on a target's `stats.yaml` and `*.stats.yaml` files before it compiles.
///
/// Apply it with one line: `plugins: [.plugin(name: "ScalesPlugin", package: "swift-scales")]`.
/// All logic lives in the generator; this only finds the files and declares the command's
/// inputs and outputs, so SwiftPM re-runs it exactly when a stats file (or the tool) changed.
@main
struct ScalesPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        guard let module = target as? SourceModuleTarget else { return [] }
        return try commands(
            inputs: module.sourceFiles.map(\.url), targetName: target.name,
            tool: try context.tool(named: "scales-generate").url, workDirectory: context.pluginWorkDirectoryURL)
    }
}

/// The command for a target's stats files; shared by SwiftPM and Xcode targets.
func commands(inputs sourceFiles: [URL], targetName: String, tool: URL, workDirectory: URL) throws -> [Command] {
    let inputs = sourceFiles.filter { isStatsFile($0.lastPathComponent) }.sorted { $0.path < $1.path }
    guard !inputs.isEmpty else { throw ScalesPluginError.noStatsFile(targetName: targetName) }
    let outputDirectory = workDirectory.appending(path: "GeneratedSources")
    // One output per input, named as scales-generate names it, so SwiftPM knows them up front.
    let outputs = inputs.map { outputDirectory.appending(path: generatedName(for: $0.lastPathComponent)) }
    let names = outputs.map(\.lastPathComponent)
    if Set(names).count != names.count {
        throw ScalesPluginError.clashingNames(targetName: targetName, files: inputs.map(\.path))
    }
    return [
        .buildCommand(
            displayName: "Generating Swift from \(inputs.map(\.lastPathComponent).joined(separator: ", ")) for "
                + "\(targetName)",
            executable: tool,
            arguments: inputs.map(\.path) + ["--output", outputDirectory.path, "--quiet"],
            inputFiles: inputs,
            outputFiles: outputs)
    ]
}

func isStatsFile(_ name: String) -> Bool {
    ["stats.yaml", "stats.yml"].contains(name) || name.hasSuffix(".stats.yaml") || name.hasSuffix(".stats.yml")
}

/// `stats.yaml` gives `stats.generated.swift` (the rule of `StatsGenerator.outputFileName`).
func generatedName(for name: String) -> String {
    var stem = name
    for suffix in [".yaml", ".yml"] where stem.hasSuffix(suffix) {
        stem = String(stem.dropLast(suffix.count))
        break
    }
    return stem + ".generated.swift"
}

enum ScalesPluginError: Error, CustomStringConvertible {
    case noStatsFile(targetName: String)
    case clashingNames(targetName: String, files: [String])

    var description: String {
        switch self {
        case .noStatsFile(let target):
            return "ScalesPlugin: target '\(target)' has no stats file; add 'stats.yaml' (or files named "
                + "'*.stats.yaml') to the target's source directory, or remove the plugin from the target"
        case .clashingNames(let target, let files):
            return "ScalesPlugin: target '\(target)' has stats files with the same name in different folders "
                + "(\(files.joined(separator: ", "))); rename them, such as 'web.stats.yaml' and 'jobs.stats.yaml'"
        }
    }
}

#if canImport(XcodeProjectPlugin)
import XcodeProjectPlugin

extension ScalesPlugin: XcodeBuildToolPlugin {
    func createBuildCommands(context: XcodePluginContext, target: XcodeTarget) throws -> [Command] {
        try commands(
            inputs: target.inputFiles.map(\.url), targetName: target.displayName,
            tool: try context.tool(named: "scales-generate").url, workDirectory: context.pluginWorkDirectoryURL)
    }
}
#endif
