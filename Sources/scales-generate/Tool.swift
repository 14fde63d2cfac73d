import ArgumentParser
import Foundation
import ScalesGenerator

/// `scales-generate stats.yaml [more.stats.yaml …] --output <dir>`: generates one Swift file per
/// stats file, writing only files whose bytes changed.
@main
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scales-generate",
        abstract: "Generate typed Swift stats collections from stats.yaml files.",
        discussion: """
            Each input gives <name>.generated.swift in the output directory (stats.yaml gives \
            stats.generated.swift). All inputs form one module: a parent or an `of:` may name a \
            collection declared in another input. Problems are printed as file:line:column: error: \
            message, and the exit status is non-zero when there is any error. Files whose content \
            did not change are left untouched, so nothing recompiles needlessly.
            """)

    @Argument(help: "The stats files (stats.yaml, *.stats.yaml).")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "The directory to write the generated Swift files to (created if missing).")
    var output: String

    @Flag(name: .shortAndLong, help: "Print only diagnostics, not the configuration and what was written.")
    var quiet = false

    func run() throws {
        let standardError = StandardError()
        if !quiet {
            standardError.write("scales-generate: inputs: \(inputs.joined(separator: ", "))")
            standardError.write("scales-generate: output directory: \(output)")
        }
        var statsInputs: [StatsInput] = []
        var unreadable = false
        for path in inputs {
            guard let data = FileManager.default.contents(atPath: path) else {
                standardError.write("\(path): error: cannot read the file (does it exist, and is it readable?)")
                unreadable = true
                continue
            }
            statsInputs.append(StatsInput(path: path, contents: [UInt8](data)))
        }
        if unreadable { throw ExitCode.failure }

        let result = StatsGenerator.generate(statsInputs)
        for diagnostic in result.diagnostics {
            standardError.write(diagnostic.description)
        }
        guard result.succeeded else {
            let count = result.diagnostics.filter { $0.severity == .error }.count
            standardError.write("scales-generate: \(count) error\(count == 1 ? "" : "s"); nothing was written")
            throw ExitCode.failure
        }
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        } catch {
            standardError.write("\(output): error: cannot create the output directory: \(error.localizedDescription)")
            throw ExitCode.failure
        }
        for file in result.files {
            let path = (output as NSString).appendingPathComponent(file.fileName)
            do {
                let changed = try OutputWriter.writeIfChanged(Array(file.contents.utf8), to: path)
                if !quiet {
                    standardError.write("scales-generate: \(changed ? "wrote" : "up to date:") \(path)")
                }
            } catch {
                standardError.write("\(path): error: cannot write the generated file: \(error.localizedDescription)")
                throw ExitCode.failure
            }
        }
    }
}

/// Writes lines to standard error, where SwiftPM and editors look for diagnostics.
struct StandardError {
    func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
