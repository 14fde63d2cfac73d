import Foundation
import Testing

/// The generator's output does not depend on the process it runs in: every process has its own
/// hash seed, so an order taken from a Set or Dictionary would show between runs (two renders in
/// one process share the seed and would not).
@Suite struct DeterminismTests {
    static let inputs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appending(path: "../ScalesGeneratorReferenceTests/Resources/Inputs")

    @Test func everyProcessWritesTheSameBytesAndDiagnostics() throws {
        let directory = try TemporaryDirectory()
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.inputs.path).filter {
            $0.hasSuffix(".stats.yaml")
        }.sorted()
        #expect(names.count >= 4)
        var inputs: [String] = []
        for name in names {
            inputs.append(
                try directory.write(name, String(contentsOf: Self.inputs.appending(path: name), encoding: .utf8)))
        }
        // Many mistakes in one file: their order is part of the output too.
        let broken = try directory.write(
            "broken.stats.yaml",
            """
            collections:
              A: { path: /a, stats: { x: itn, y: { kind: pmf, windw: 3 }, z: { kind: sum, of: Nope.q } } }
              B: { path: /a, stats: { byPath: intDict, by_path: intDict, q: { kind: meter, maxKeys: -1 } } }
              C: { parent: D, path: "c-{id}", stats: { n: int } }
              D: { parent: C, path: "d-{id}", stats: { n: int } }
            """)
        var outputs: Set<String> = []
        var diagnostics: Set<String> = []
        for run in 0..<4 {
            let output = directory.url.appending(path: "out\(run)")
            let result = try runTool(inputs + ["--output", output.path])
            #expect(result.status == 0, "\(result.standardError)")
            var text = ""
            for file in try FileManager.default.contentsOfDirectory(atPath: output.path).sorted() {
                text += file + "\n" + (try String(contentsOf: output.appending(path: file), encoding: .utf8))
            }
            outputs.insert(text)
            let failing = try runTool([broken, "--output", directory.url.appending(path: "broken").path])
            #expect(failing.status != 0)
            diagnostics.insert(failing.standardError)
        }
        #expect(outputs.count == 1, "the generated Swift differs between processes")
        #expect(diagnostics.count == 1, "the diagnostics differ between processes: \(diagnostics)")
        #expect(outputs.first?.contains("struct KindsStats") == true)
    }
}
