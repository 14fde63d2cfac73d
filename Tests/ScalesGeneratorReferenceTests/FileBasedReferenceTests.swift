import Foundation
import ScalesGenerator
import Testing

/// Runs the generator on every `Resources/Inputs/*.stats.yaml` and compares the result with
/// `Resources/Expected/<name>.generated.swift` byte for byte. On a mismatch the failure shows
/// a `git diff` of expected against actual.
///
/// The expected files are also compiled and exercised by `ScalesGeneratedTests` (its
/// `Generated` folder is a symlink to `Expected`), so they cannot drift into Swift that does
/// not compile. After an intended change of the output, regenerate them with
/// `SCALES_UPDATE_REFERENCES=1 swift test --filter ScalesGeneratorReferenceTests` (a run that
/// rewrites a file fails; `.ci/run` refuses the variable).
@Suite struct FileBasedReferenceTests {
    static let resources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "Resources")

    static var inputs: [String] {
        let names =
            (try? FileManager.default.contentsOfDirectory(atPath: resources.appending(path: "Inputs").path)) ?? []
        return names.filter { $0.hasSuffix(".stats.yaml") }.sorted()
    }

    @Test func everyInputHasAnExpectedOutput() {
        #expect(Self.inputs.count >= 4)
        let expected =
            (try? FileManager.default.contentsOfDirectory(atPath: Self.resources.appending(path: "Expected").path))
            ?? []
        #expect(Set(expected) == Set(Self.inputs.map(StatsGenerator.outputFileName(forInput:))))
    }

    @Test(arguments: inputs)
    func generatedSwiftMatchesTheReference(input: String) throws {
        let inputURL = Self.resources.appending(path: "Inputs").appending(path: input)
        let data = try Data(contentsOf: inputURL)
        let result = StatsGenerator.generate([StatsInput(path: input, contents: [UInt8](data))])
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description))")
        let file = try #require(result.files.first)
        let expectedURL = Self.resources.appending(path: "Expected").appending(path: file.fileName)
        if ProcessInfo.processInfo.environment["SCALES_UPDATE_REFERENCES"] == "1" {
            let old = try? String(contentsOf: expectedURL, encoding: .utf8)
            try Data(file.contents.utf8).write(to: expectedURL)
            // Rewriting is not checking: a run that rewrote a file fails, so it cannot pass by accident.
            if old != file.contents {
                Issue.record(
                    "\(file.fileName) rewritten from the generator's output; review the diff and run again without SCALES_UPDATE_REFERENCES"
                )
            }
            return
        }
        let expected = (try? String(contentsOf: expectedURL, encoding: .utf8)) ?? ""
        if expected != file.contents {
            Issue.record(
                "\(file.fileName) differs from the reference:\n\(diff(expected: expectedURL, actual: file.contents))")
        }
    }

    /// `git diff --no-index` of the reference against the actual output (or a note when git
    /// is missing).
    func diff(expected: URL, actual: String) -> String {
        let directory = FileManager.default.temporaryDirectory.appending(path: "scales-reference-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let actualURL = directory.appending(path: expected.lastPathComponent)
        try? Data(actual.utf8).write(to: actualURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "diff", "--no-index", "--no-color", "-U5", expected.path, actualURL.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            return "(git is not available to show the diff: \(error))"
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self)
    }
}
