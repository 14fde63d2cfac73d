// Over 400 lines: one suite, the mutation fuzzer and the table of its mutations, which read best together.

import Foundation
import ScalesTestSupport
import Testing

@testable import ScalesGenerator

/// The generator never emits Swift that does not compile: seeded mutants of the reference inputs
/// either fail with diagnostics at a real `stats.yaml:LINE:COLUMN`, or generate Swift that
/// `swiftc -typecheck` accepts against the built `Scales` module.
///
/// Reproduce a failure with the seed it prints: `SCALES_FUZZ_SEED=<seed> swift test --filter
/// MutationFuzzTests`; `SCALES_FUZZ_COUNT` raises the number of mutants for a longer run.
@Suite(.serialized) struct MutationFuzzTests {
    static let seed = UInt64(ProcessInfo.processInfo.environment["SCALES_FUZZ_SEED"] ?? "") ?? 0x5CA1E5
    static let mutantCount = Int(ProcessInfo.processInfo.environment["SCALES_FUZZ_COUNT"] ?? "") ?? 300
    /// How many generating mutants are type-checked (all of them, up to this many).
    static let typeCheckCap = Int(ProcessInfo.processInfo.environment["SCALES_FUZZ_TYPECHECK"] ?? "") ?? 30

    @Test func mutantsFailWithLocatedDiagnosticsOrGenerateSwiftThatTypeChecks() async throws {
        let references = try FuzzSupport.referenceInputs()
        try #require(references.count >= 4, "the reference inputs were not found")
        var plainWords: [String: Set<String>] = [:]
        for reference in references {
            // Renaming keeps a reference valid, so mutants start from valid inputs.
            let result = StatsGenerator.generate([
                StatsInput(path: "stats.yaml", text: reference.renamed(tag: "F0").text)
            ])
            #expect(
                result.diagnostics.isEmpty && result.files.count == 1,
                "\(reference.name): \(result.diagnostics.map(\.description))")
            plainWords[reference.name] = TypeChecker.words(result.files.first?.contents ?? "")
        }
        var random = SplitMix64(seed: Self.seed)
        var generating: [(mutant: FuzzSupport.Mutant, novelty: Int)] = []
        var seen: Set<String> = []
        var failing = 0
        for index in 0..<Self.mutantCount {
            let reference = references[Int(random.next() % UInt64(references.count))]
            // Each mutant gets type names of its own, so many can be type-checked in one module.
            let tag = "F\(index)"
            let renamed = reference.renamed(tag: tag)
            var text = renamed.text
            var applied: [String] = []
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let (mutated, what) = Mutator.mutate(text, names: renamed.names, random: &random)
                text = mutated
                applied.append(what)
            }
            let result = StatsGenerator.generate([StatsInput(path: "stats.yaml", text: text)])
            let context =
                "mutant \(index) of \(reference.name) (seed \(Self.seed); \(applied.joined(separator: ", "))):\n\(text)"
            for problem in FuzzSupport.malformedDiagnostics(result.diagnostics, in: text) {
                Issue.record("\(problem)\n\(context)")
            }
            if result.succeeded {
                #expect(result.files.count == 1, "\(context)")
                guard let file = result.files.first, seen.insert(file.contents).inserted else { continue }
                // Words the unmutated input's Swift does not have: new names in new places,
                // where a clash is likeliest. The most novel mutants are type-checked first.
                let words = Set(
                    TypeChecker.words(file.contents).map { $0.hasSuffix(tag) ? $0.dropLast(tag.count) + "F0" : $0 })
                let novelty = words.subtracting(plainWords[reference.name] ?? []).count
                generating.append(
                    (FuzzSupport.Mutant(name: "m\(index)", yaml: text, swift: file.contents, context: context), novelty)
                )
            } else {
                failing += 1
                #expect(result.files.isEmpty, "files generated despite errors: \(context)")
                #expect(result.diagnostics.contains { $0.severity == .error }, "\(context)")
            }
        }
        // Both outcomes must be common, or the mutations are too weak (or too destructive).
        #expect(failing >= Self.mutantCount / 10, "only \(failing) of \(Self.mutantCount) mutants failed")
        #expect(generating.count >= 10, "only \(generating.count) mutants generated Swift")

        let checker = try TypeChecker.locate()
        // `swiftc` runs for seconds: the checks wait for it on a thread of their own, not in the
        // cooperative pool that every other test's tasks share.
        // A known-bad file must fail and the known-good references must pass, so the check
        // below cannot pass vacuously.
        let control = try await blocking {
            checker.check([
                FuzzSupport.Mutant(
                    name: "control", yaml: "", swift: "import Scales\nlet broken: StatPath = 42\n", context: "control")
            ])
        }
        #expect(!control.isEmpty, "swiftc accepted a file that does not compile; the type check proves nothing")
        let good = try references.map { reference in
            let result = StatsGenerator.generate([StatsInput(path: reference.name, text: reference.text)])
            let swift = try #require(result.files.first, "\(reference.name) generates nothing").contents
            return FuzzSupport.Mutant(name: "reference", yaml: reference.text, swift: swift, context: reference.name)
        }
        for failure in try await blocking({ checker.check(good) }) {
            Issue.record("a reference output does not type-check: \(failure)")
        }

        let sample = generating.enumerated()
            .sorted { ($0.element.novelty, -$0.offset) > ($1.element.novelty, -$1.offset) }
            .prefix(Self.typeCheckCap).map(\.element.mutant)
        for failure in try await blocking({ checker.check(sample) }) {
            Issue.record("generated Swift does not type-check: \(failure)")
        }
    }

    @Test func theMutatorIsDeterministic() {
        let text = "collections:\n  A:\n    path: /a\n    stats:\n      x: int\n      y: { kind: sum, of: B.z }\n"
        var first = SplitMix64(seed: 7)
        var second = SplitMix64(seed: 7)
        for _ in 0..<50 {
            #expect(
                Mutator.mutate(text, names: ["A", "B"], random: &first).0
                    == Mutator.mutate(text, names: ["A", "B"], random: &second).0)
        }
    }
}

// MARK: - Mutations

/// A small, fast, seeded generator (SplitMix64), so every run mutates the same way.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Mutator {
    static let kinds = StatKind.allCases.map(\.rawValue)
    static let keys = [
        "kind", "doc", "of", "monotonic", "value", "type", "autoDelete", "maxKeys", "window", "unit", "label",
        "path", "parent", "collapsed", "factory", "stats", "collections", "version", "access",
    ]
    /// Names that mean something to Swift or to generated code.
    static let swiftNames = [
        "path", "Paths", "collection", "remove", "init", "self", "Self", "Type", "any", "some", "async", "actor",
        "get", "set", "description", "id", "registry", "current", "child", "String", "Int", "Double", "Bool",
        "Registry", "StatPath", "StatCollection", "DoubleCounterStat", "CounterStat", "IntStat", "SumStat",
        "Sendable", "Never", "Optional", "Void", "Error", "Duration", "Scales", "ScalesNaming", "Swift", "_x",
        "x1", "ThreadStats", "WebStats", "seconds", "milliseconds", "consume", "copy", "each", "borrowing",
    ]
    static let punctuation = [
        "{", "}", "[", "]", ":", ",", "-", "\"", "'", "#", "&a", "*a", "|", ">", "? x", "!!str", "%",
    ]
    static let scalars = [
        "0", "-1", "1", "1.5", "-0.0", "1e308", "5e-324", "99999999999999999999", "9223372036854775807",
        "-9223372036854775808", "0x10", "1_000", "5m", "30s", "500ms", "1h", "0ms", "true", "false", "null", "~",
        "\"\"",
        "''", "seconds", "bytes", "per second", "\"a \\\" b \\\\ c\"", "\"é\\u202E\"", "'line\\nbreak'", "public",
        "package", "internal", "\"1\"",
    ]
    static let paths = [
        "/web", "/a/{id}", "t-{id}", "\"{id}\"", "x-{id}-y", "/a/./b", "a//b", "/a/", "{registry}", "a-{path}",
        "a-{self}", "a-{Self}", "w-{collection}", "t-{ThreadStats}", "t-{String}", "t-{x}", "/a/{id}/b", "/a.b/c-d",
        "/", "thread-{id}", "q-{_}", "r-{init}", "/processor/x",
    ]

    /// Applies one random mutation; returns the text and what was done.
    static func mutate(_ text: String, names: [String], random: inout SplitMix64) -> (String, String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
        func lineIndex() -> Int { Int(random.next() % UInt64(max(1, lines.count))) }
        guard !lines.isEmpty else { return (text, "none") }
        // Names of the file's own types, where a parameter, method or stat could hide them.
        let own = names.flatMap { ["t-{\($0)}", "\"/a/{\($0)}\"", $0.prefix(1).lowercased() + $0.dropFirst()] }
        let pools: [[String]] = [
            kinds, keys, swiftNames, punctuation, scalars, paths, names, names.map { "\($0).x" }, own,
        ]
        let what: String
        switch random.next() % 15 {
        case 0:
            let index = lineIndex()
            lines.remove(at: index)
            what = "deleted line \(index + 1)"
        case 1:
            let index = lineIndex()
            let target = random.next() % 2 == 0 ? index + 1 : lineIndex()
            lines.insert(lines[index], at: min(target, lines.count))
            what = "duplicated line \(index + 1)"
        case 2:
            let a = lineIndex()
            let b = lineIndex()
            lines.swapAt(a, b)
            what = "swapped lines \(a + 1) and \(b + 1)"
        case 3, 4:
            // Another kind: where a kind is, put another one.
            let candidates = lines.indices.filter { index in
                tokens(lines[index]).contains { kinds.contains(String(lines[index][$0])) }
            }
            guard let index = candidates.isEmpty ? nil : pick(candidates) else {
                return mutate(text, names: names, random: &random)
            }
            let ranges = tokens(lines[index]).filter { kinds.contains(String(lines[index][$0])) }
            let kind = pick(kinds)
            lines[index].replaceSubrange(pick(ranges), with: kind)
            what = "kind on line \(index + 1) became \(kind)"
        case 5:
            // Drop or change an `of:`.
            let candidates = lines.indices.filter { lines[$0].contains("of:") }
            guard let index = candidates.isEmpty ? nil : pick(candidates) else {
                return mutate(text, names: names, random: &random)
            }
            let line = lines[index]
            guard let range = line.range(of: "of:") else { return (text, "none") }
            let valueStart = range.upperBound
            let valueEnd = line[valueStart...].firstIndex { $0 == "," || $0 == "}" } ?? line.endIndex
            switch random.next() % 3 {
            case 0:
                // Remove `of: value` (and a comma before it in a flow mapping).
                var start = range.lowerBound
                let before = line[..<start].trimmingCharacters(in: .whitespaces)
                if before.hasSuffix(",") {
                    start = line[..<start].lastIndex(of: ",") ?? start
                } else if before.isEmpty {
                    lines[index] = ""
                    what = "dropped the of: on line \(index + 1)"
                    break
                }
                lines[index] = String(line[..<start]) + String(line[valueEnd...])
                what = "dropped the of: on line \(index + 1)"
            case 1:
                let value =
                    " \(pick(names)).\(pick(["x", "total", "state", "finished", "requests", "count", "errors", "byPath", "bytes"]))"
                lines[index] = String(line[..<valueStart]) + value + String(line[valueEnd...])
                what = "of: on line \(index + 1) became\(value)"
            default:
                let value = " " + pick(pools.flatMap { $0 })
                lines[index] = String(line[..<valueStart]) + value + String(line[valueEnd...])
                what = "of: on line \(index + 1) became\(value)"
            }
        case 6:
            let index = lineIndex()
            let delta = Int(random.next() % 9) - 4
            if delta > 0 {
                lines[index] = String(repeating: " ", count: delta) + lines[index]
            } else {
                let leading = lines[index].prefix { $0 == " " }.count
                lines[index] = String(lines[index].dropFirst(min(leading, -delta)))
            }
            what = "indented line \(index + 1) by \(delta)"
        case 7:
            // A new stat line from pieces of the pool.
            let index = lineIndex()
            let indent = String(repeating: " ", count: Int(random.next() % 4) * 2 + 4)
            let line =
                random.next() % 2 == 0
                ? "\(indent)\(pick(pools[2] + names + ["total", "x", "n"])): \(pick(kinds))"
                : "\(indent)\(pick(["total", "x", "n", "state"])): { kind: \(pick(kinds)), \(pick(keys)): \(pick(pools.flatMap { $0 })) }"
            lines.insert(line, at: index)
            what = "inserted `\(line)` at line \(index + 1)"
        case 8:
            // A collection-level key with a value that names something.
            let index = lineIndex()
            let key = pick(["factory", "path", "parent", "maxKeys", "collapsed", "doc"])
            let value = pick(pick([names, own, swiftNames, paths, scalars]))
            let line = "\(String(repeating: " ", count: pick([2, 4, 6])))\(key): \(value)"
            lines.insert(line, at: index)
            what = "inserted `\(line)` at line \(index + 1)"
        case 9:
            // Rename a collection everywhere (so parents and `of:` still find it), to a name
            // that may mean something to Swift or to generated code.
            guard !names.isEmpty else { return mutate(text, names: names, random: &random) }
            let name = pick(names)
            let replacement = pick([name.prefix(1).lowercased() + name.dropFirst(), pick(swiftNames), pick(names)])
            lines = FuzzSupport.Reference.replacingWord(name, with: replacement, in: lines.joined(separator: "\n"))
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            what = "renamed \(name) to \(replacement)"
        case 10:
            // Give a child a factory or a placeholder named like a type or a Swift name.
            let children = lines.indices.filter { lines[$0].contains("parent:") }
            guard let index = children.isEmpty ? nil : pick(children) else {
                return mutate(text, names: names, random: &random)
            }
            let value = pick(pick([names, swiftNames, own]))
            let line = lines[index]
            if line.contains("{") {
                // A flow mapping: add the key in front of `parent:`.
                let key = random.next() % 2 == 0 ? "factory: \(value), " : "path: \"t-{\(value)}\", "
                lines[index] = line.replacingOccurrences(of: "parent:", with: key + "parent:")
            } else {
                let indent = String(line.prefix { $0 == " " })
                lines.insert(
                    indent + (random.next() % 2 == 0 ? "factory: \(value)" : "path: \"t-{\(value)}\""), at: index + 1)
            }
            what = "child on line \(index + 1) got \(value)"
        default:
            // Replace one token with a value from a pool.
            let candidates = lines.indices.filter { !tokens(lines[$0]).isEmpty }
            guard let index = candidates.isEmpty ? nil : pick(candidates) else {
                return mutate(text, names: names, random: &random)
            }
            let range = pick(tokens(lines[index]))
            let replacement = pick(pick(pools))
            lines[index].replaceSubrange(range, with: replacement)
            what = "token on line \(index + 1) became `\(replacement)`"
        }
        return (lines.joined(separator: "\n"), what)
    }

    /// The ranges of names, numbers and paths in `line`.
    static func tokens(_ line: String) -> [Range<String.Index>] {
        var ranges: [Range<String.Index>] = []
        var start: String.Index?
        func isTokenCharacter(_ character: Character) -> Bool {
            character.isLetter || character.isNumber || "_./{}-".contains(character)
        }
        var index = line.startIndex
        while index < line.endIndex {
            if isTokenCharacter(line[index]) {
                if start == nil { start = index }
            } else if let open = start {
                ranges.append(open..<index)
                start = nil
            }
            index = line.index(after: index)
        }
        if let open = start { ranges.append(open..<line.endIndex) }
        return ranges
    }
}

// MARK: - Checks

enum FuzzSupport {
    struct Reference {
        let name: String
        let text: String
        /// The collection names declared in it.
        let names: [String]

        /// The text with every collection name given `tag` as a suffix (a whole-word rename, so
        /// `parent:` and `of:` follow), which keeps type names of different mutants apart.
        func renamed(tag: String) -> Reference {
            var text = self.text
            for name in names { text = Self.replacingWord(name, with: name + tag, in: text) }
            return Reference(name: self.name, text: text, names: names.map { $0 + tag })
        }

        static func replacingWord(_ word: String, with replacement: String, in text: String) -> String {
            func isWordCharacter(_ character: Character?) -> Bool {
                guard let character else { return false }
                return character.isLetter || character.isNumber || character == "_"
            }
            var result = ""
            var index = text.startIndex
            while index < text.endIndex {
                if text[index...].hasPrefix(word) {
                    let end = text.index(index, offsetBy: word.count)
                    let before = index == text.startIndex ? nil : text[text.index(before: index)]
                    let after = end == text.endIndex ? nil : text[end]
                    if !isWordCharacter(before), !isWordCharacter(after) {
                        result += replacement
                        index = end
                        continue
                    }
                }
                result.append(text[index])
                index = text.index(after: index)
            }
            return result
        }
    }

    struct Mutant {
        let name: String
        let yaml: String
        let swift: String
        let context: String
    }

    static func referenceInputs() throws -> [Reference] {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "ScalesGeneratorReferenceTests/Resources/Inputs")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasSuffix(".stats.yaml")
        }.sorted()
        return try names.map { name in
            let text = try String(contentsOf: directory.appending(path: name), encoding: .utf8)
            var log = DiagnosticLog()
            let file = StatsGenerator.parse(StatsInput(path: name, text: text), into: &log)
            return Reference(name: name, text: text, names: file?.collections.map(\.name.value) ?? [])
        }
    }

    /// Every diagnostic must be `stats.yaml:LINE:COLUMN: severity: message` (notes likewise), at a
    /// line of the file and a column of that line (or just past its end).
    static func malformedDiagnostics(_ diagnostics: [Diagnostic], in text: String) -> [String] {
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        var problems: [String] = []
        for diagnostic in diagnostics {
            for (index, line) in diagnostic.description.split(separator: "\n", omittingEmptySubsequences: false)
                .enumerated()
            {
                let parts = line.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)
                let severities = index == 0 ? ["error", "warning"] : ["note"]
                guard parts.count == 5, parts[0] == "stats.yaml", let row = Int(parts[1]), let column = Int(parts[2]),
                    parts[3].hasPrefix(" "), severities.contains(String(parts[3].dropFirst())),
                    parts[4].hasPrefix(" "), parts[4].count > 1
                else {
                    problems.append("malformed diagnostic line `\(line)`")
                    continue
                }
                guard row >= 1, row <= lines.count, column >= 1, column <= lines[row - 1].unicodeScalars.count + 1
                else {
                    problems.append("diagnostic outside the file (\(lines.count) lines): `\(line)`")
                    continue
                }
            }
        }
        return problems
    }
}

/// Runs `swiftc -typecheck` on generated files against the `Scales` module the tests were built
/// with.
struct TypeChecker {
    let swiftc: [String]
    let moduleDirectory: URL

    /// The module maps of the package's C targets that Scales' modules import (found beside the
    /// `Modules` folder, as SwiftPM passes them to the compiler): a client of the built
    /// `Scales.swiftmodule` needs them to load it.
    var cModuleMaps: [String] {
        ["CScalesPlatform"].map {
            moduleDirectory.deletingLastPathComponent().appending(path: "\($0).build/module.modulemap").path
        }
        .filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// Finds the built `Scales.swiftmodule` (with `ScalesNaming` next to it) and `swiftc`; throws
    /// (failing the test) when either is missing, so the check can never be skipped silently.
    static func locate() throws -> TypeChecker {
        var candidates: [URL] = []
        for start in [
            Bundle.main.executableURL, URL(fileURLWithPath: CommandLine.arguments[0]), Bundle.main.bundleURL,
        ].compactMap({ $0 }) {
            var directory = start.deletingLastPathComponent()
            for _ in 0..<3 {
                candidates.append(directory.appending(path: "Modules"))
                candidates.append(directory)
                directory = directory.deletingLastPathComponent()
            }
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(packageRoot.appending(path: ".build/debug/Modules"))
        candidates.append(packageRoot.appending(path: ".build/debug"))
        let manager = FileManager.default
        guard
            let directory = candidates.first(where: { directory in
                ["Scales", "ScalesNaming"].allSatisfy {
                    manager.fileExists(atPath: directory.appending(path: "\($0).swiftmodule").path)
                }
            })
        else {
            throw LocateError(
                message:
                    "the built Scales.swiftmodule (with ScalesNaming.swiftmodule) was not found; looked in \(candidates.map(\.path))"
            )
        }
        let swiftc = ProcessInfo.processInfo.environment["SCALES_SWIFTC"].map { [$0] } ?? ["/usr/bin/env", "swiftc"]
        return TypeChecker(swiftc: swiftc, moduleDirectory: directory)
    }

    struct LocateError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Type-checks `mutants`, as few at a time as type names and imports allow, and returns one
    /// message per mutant that does not type-check (or per batch swiftc could not run).
    func check(_ mutants: [FuzzSupport.Mutant]) -> [String] {
        // Files of one module see each other's types: a file may join a batch only if no type it
        // declares is a word of another file there (a clash, or a shadowed `Scales` type) and
        // the other way round; and all must import Scales at one access level. Batch greedily.
        var batches: [(types: Set<String>, words: Set<String>, header: String, mutants: [FuzzSupport.Mutant])] = []
        for mutant in mutants {
            let types = Self.declaredTypes(mutant.swift)
            let words = Self.words(mutant.swift)
            let header = mutant.swift.split(separator: "\n").filter { $0.contains("import Scales") }.joined(
                separator: "\n")
            if let index = batches.firstIndex(where: {
                $0.header == header && $0.words.isDisjoint(with: types) && $0.types.isDisjoint(with: words)
            }) {
                batches[index].types.formUnion(types)
                batches[index].words.formUnion(words)
                batches[index].mutants.append(mutant)
            } else {
                batches.append((types, words, header, [mutant]))
            }
        }
        var failures: [String] = []
        for (number, batch) in batches.enumerated() {
            failures += run(batch.mutants, number: number)
        }
        return failures
    }

    private func run(_ mutants: [FuzzSupport.Mutant], number: Int) -> [String] {
        let directory = FileManager.default.temporaryDirectory.appending(path: "scales-fuzz-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (index, mutant) in mutants.enumerated() {
                let url = directory.appending(path: "\(mutant.name)-\(index).swift")
                try Data(mutant.swift.utf8).write(to: url)
                paths.append(url.path)
            }
        } catch {
            return ["cannot write the files to type-check: \(error)"]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: swiftc[0])
        process.arguments =
            Array(swiftc.dropFirst()) + [
                "-typecheck", "-swift-version", "6", "-module-name", "FuzzBatch\(number)", "-package-name",
                "FuzzPackage",
                "-enable-upcoming-feature", "ExistentialAny", "-enable-upcoming-feature", "MemberImportVisibility",
                "-warnings-as-errors", "-I", moduleDirectory.path,
            ] + cModuleMaps.flatMap { ["-Xcc", "-fmodule-map-file=\($0)"] } + paths
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            return ["cannot run \(swiftc.joined(separator: " ")): \(error)"]
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus != 0 else { return [] }
        let text = String(decoding: data, as: UTF8.self)
        var failures: [String] = []
        for (path, mutant) in zip(paths, mutants) {
            let lines = text.split(separator: "\n").filter { $0.hasPrefix(path + ":") }
            guard !lines.isEmpty else { continue }
            failures.append(
                "\(lines.prefix(5).joined(separator: "\n"))\nfrom \(mutant.context)\n--- generated:\n\(mutant.swift)")
        }
        if failures.isEmpty {
            failures.append(
                "swiftc failed (status \(process.terminationStatus)) on \(mutants.map(\.context)):\n\(text)")
        }
        return failures
    }

    /// The identifiers (and any other words) in a file.
    static func words(_ swift: String) -> Set<String> {
        Set(swift.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init))
    }

    /// The top-level types a generated file declares.
    static func declaredTypes(_ swift: String) -> Set<String> {
        var types: Set<String> = []
        for line in swift.split(separator: "\n") {
            let words = line.split(separator: " ")
            if let index = words.firstIndex(of: "struct"), index + 1 < words.count, !line.hasPrefix(" ") {
                types.insert(String(words[index + 1].prefix { $0 != ":" && $0 != "{" && $0 != "<" }))
            }
        }
        return types
    }
}
