/// One stats file to generate from: its path (as diagnostics should name it) and its bytes.
package struct StatsInput: Sendable {
    /// The path, as given (diagnostics print it verbatim).
    package let path: String
    /// The file's bytes; decoded as UTF-8 by the generator, which reports anything else.
    package let contents: [UInt8]

    /// Creates an input from bytes.
    package init(path: String, contents: [UInt8]) {
        self.path = path
        self.contents = contents
    }

    /// Creates an input from text.
    package init(path: String, text: String) {
        self.init(path: path, contents: Array(text.utf8))
    }
}

/// One generated Swift file.
package struct GeneratedFile: Sendable, Equatable {
    /// The stats file it was generated from.
    package let inputPath: String
    /// Its file name, from ``StatsGenerator/outputFileName(forInput:)``.
    package let fileName: String
    /// The Swift source.
    package let contents: String
}

/// What one run produced: files (only when there is no error) and every diagnostic.
package struct GenerationResult: Sendable {
    /// One file per input, in input order; empty when any error was found.
    package let files: [GeneratedFile]
    /// Errors and warnings, in input order, then by line and column.
    package let diagnostics: [Diagnostic]

    /// Whether no error was found.
    package var succeeded: Bool { !diagnostics.contains { $0.severity == .error } }
}

/// The generator: stats files in, typed Swift out.
///
/// The pipeline is parse (Yams nodes, walked so every value keeps its line and column),
/// validate (names, paths, parents, aggregations, exporter names; all files of a target
/// together), translate (a structured Swift description) and render (text):
///
/// ```swift
/// let result = StatsGenerator.generate([StatsInput(path: "stats.yaml", text: yaml)])
/// for diagnostic in result.diagnostics { print(diagnostic) }   // stats.yaml:3:7: error: …
/// for file in result.files { try write(file.contents, to: file.fileName) }
/// ```
///
/// It never traps on input: malformed YAML, aliases, non-UTF-8 bytes and empty files all become
/// diagnostics.
package enum StatsGenerator {
    /// Generates Swift for `inputs`, which belong to one module (a parent or `of:` may name a
    /// collection declared in another of them).
    package static func generate(_ inputs: [StatsInput]) -> GenerationResult {
        var log = DiagnosticLog()
        var parsed: [StatsFile] = []
        var outputNames: [String: String] = [:]
        for input in inputs {
            let outputName = outputFileName(forInput: input.path)
            if let other = outputNames[outputName] {
                log.error(
                    "`\(input.path)` and `\(other)` would both generate `\(outputName)`; give stats files distinct "
                        + "names, such as `web.stats.yaml`",
                    at: SourceLocation(file: input.path, line: 1, column: 1))
                continue
            }
            outputNames[outputName] = input.path
            if let file = parse(input, into: &log) { parsed.append(file) }
        }
        let (model, validation) = Validator.validate(parsed)
        for diagnostic in validation { log.append(diagnostic) }
        let order = Dictionary(inputs.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { first, _ in first })
        let diagnostics = log.diagnostics.enumerated().sorted { lhs, rhs in
            let left = (
                order[lhs.element.location.file] ?? 0, lhs.element.location.line, lhs.element.location.column,
                lhs.offset
            )
            let right = (
                order[rhs.element.location.file] ?? 0, rhs.element.location.line, rhs.element.location.column,
                rhs.offset
            )
            return left < right
        }.map(\.element)
        guard let model, !log.hasErrors else {
            return GenerationResult(files: [], diagnostics: diagnostics)
        }
        let files = model.files.map { file in
            GeneratedFile(
                inputPath: file.path, fileName: outputFileName(forInput: file.path),
                contents: SwiftRenderer.render(Translator.translate(file)))
        }
        return GenerationResult(files: files, diagnostics: diagnostics)
    }

    /// Parses one file into its model, or reports why it cannot.
    static func parse(_ input: StatsInput, into log: inout DiagnosticLog) -> StatsFile? {
        guard let source = SourceText.decode(input.contents, file: input.path, into: &log) else { return nil }
        switch YAMLReader.compose(source, byteCount: input.contents.count, into: &log) {
        case .failed:
            return nil
        case .empty:
            log.error(
                "\(SourceText.displayName(input.path)) is empty; declare `collections:`, such as `collections: { "
                    + "WebStats: { path: /web, stats: { errors: int } } }`",
                at: SourceLocation(file: input.path, line: 1, column: 1))
            return nil
        case .document(let root, let parser):
            return withExtendedLifetime(parser) {
                var walker = StatsFileParser(file: input.path)
                let file = walker.parse(root)
                log.append(contentsOf: walker.log)
                if let file, file.collections.isEmpty, !walker.log.hasErrors {
                    log.warning("no collections are declared, so nothing is generated", at: walker.location(root))
                }
                return file
            }
        }
    }

    /// The name of the Swift file generated from a stats file: its name without `.yaml` or
    /// `.yml`, plus `.generated.swift` (`stats.yaml` gives `stats.generated.swift`,
    /// `web.stats.yaml` gives `web.stats.generated.swift`).
    package static func outputFileName(forInput path: String) -> String {
        var name = SourceText.displayName(path)
        for suffix in [".yaml", ".yml"] where name.hasSuffix(suffix) {
            name = String(name.dropLast(suffix.count))
            break
        }
        return name + ".generated.swift"
    }
}
