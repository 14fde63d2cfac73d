/// A place in a stats file: the file's path as the user named it, and a 1-based line and column.
///
/// Columns count Unicode scalars, as libyaml does, so a column points at the same character an
/// editor shows.
package struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The file's path, as given to the generator (`stats.yaml`, `/abs/path/web.stats.yaml`).
    package let file: String
    /// The line, starting at 1.
    package let line: Int
    /// The column, starting at 1.
    package let column: Int

    /// Creates a location.
    package init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, the form SwiftPM and editors link.
    package var description: String { "\(file):\(line):\(column)" }

    /// Orders by file, then line, then column.
    package static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// A problem found in a stats file.
///
/// Rendered as `stats.yaml:3:5: error: message`, which SwiftPM, Xcode and editors show at that
/// line; ``notes`` follow on lines of their own.
package struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    /// How bad the problem is.
    package enum Severity: String, Hashable, Sendable {
        /// The build fails.
        case error
        /// The build goes on; something is likely not what the user meant.
        case warning
        /// Extra information attached to another diagnostic.
        case note
    }

    /// A secondary location and message, such as where a duplicate was first declared.
    package struct Note: Hashable, Sendable {
        /// Where the note points.
        package let location: SourceLocation
        /// What it says.
        package let message: String

        /// Creates a note; line breaks in `message` become spaces.
        package init(location: SourceLocation, message: String) {
            self.location = location
            self.message = Diagnostic.oneLine(message)
        }
    }

    /// How bad the problem is.
    package let severity: Severity
    /// What is wrong, and what would be right.
    package let message: String
    /// Where it is.
    package let location: SourceLocation
    /// Further locations that explain it.
    package let notes: [Note]

    /// Creates a diagnostic. Line breaks in `message` (a quoted multi-line value) become spaces,
    /// so that each diagnostic stays one `file:line:column: error: message` line.
    package init(_ severity: Severity, _ message: String, at location: SourceLocation, notes: [Note] = []) {
        self.severity = severity
        self.message = Self.oneLine(message)
        self.location = location
        self.notes = notes
    }

    /// `text` with every kind of line break replaced by a space.
    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isLineBreak) else { return text }
        var result = ""
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = scalar == "\r"
            result.unicodeScalars.append(isLineBreak(scalar) ? " " : scalar)
        }
        return result
    }

    private static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\n", "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}": return true
        default: return false
        }
    }

    /// An error at `location`.
    package static func error(_ message: String, at location: SourceLocation, notes: [Note] = []) -> Diagnostic {
        Diagnostic(.error, message, at: location, notes: notes)
    }

    /// A warning at `location`.
    package static func warning(_ message: String, at location: SourceLocation, notes: [Note] = []) -> Diagnostic {
        Diagnostic(.warning, message, at: location, notes: notes)
    }

    /// `file:line:column: error: message`, then one line per note.
    package var description: String {
        var lines = ["\(location): \(severity.rawValue): \(message)"]
        for note in notes {
            lines.append("\(note.location): note: \(note.message)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Collects diagnostics while a pipeline stage runs, so every problem of a file is reported in one
/// run instead of stopping at the first.
struct DiagnosticLog {
    private(set) var diagnostics: [Diagnostic] = []

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    mutating func error(_ message: String, at location: SourceLocation, notes: [Diagnostic.Note] = []) {
        diagnostics.append(.error(message, at: location, notes: notes))
    }

    mutating func warning(_ message: String, at location: SourceLocation, notes: [Diagnostic.Note] = []) {
        diagnostics.append(.warning(message, at: location, notes: notes))
    }

    mutating func append(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
    }

    mutating func append(contentsOf other: DiagnosticLog) {
        diagnostics.append(contentsOf: other.diagnostics)
    }
}
