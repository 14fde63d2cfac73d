import Foundation

/// Writes generated files only when their bytes change, so an unchanged stats.yaml leaves the
/// file's modification time alone and nothing downstream recompiles.
enum OutputWriter {
    /// Writes `bytes` to `path` unless the file already holds exactly them; returns whether it wrote.
    ///
    /// The new content goes to a temporary file in the same directory that is then renamed over
    /// the old one, so a reader never sees a half-written file.
    static func writeIfChanged(_ bytes: [UInt8], to path: String) throws -> Bool {
        let new = Data(bytes)
        if let existing = FileManager.default.contents(atPath: path), existing == new {
            return false
        }
        let url = URL(fileURLWithPath: path)
        try new.write(to: url, options: .atomic)
        return true
    }
}
