@testable import ScalesGenerator

/// The diagnostics for one stats file, as `swift build` would print them.
func diagnostics(_ yaml: String, file: String = "stats.yaml") -> [String] {
    StatsGenerator.generate([StatsInput(path: file, text: yaml)]).diagnostics.map(\.description)
}

/// The diagnostics for raw bytes.
func diagnostics(bytes: [UInt8], file: String = "stats.yaml") -> [String] {
    StatsGenerator.generate([StatsInput(path: file, contents: bytes)]).diagnostics.map(\.description)
}

/// The generated Swift for one valid file (empty when it has errors).
func generated(_ yaml: String, file: String = "stats.yaml") -> String {
    StatsGenerator.generate([StatsInput(path: file, text: yaml)]).files.first?.contents ?? ""
}
