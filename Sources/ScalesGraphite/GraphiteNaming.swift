import ScalesNaming

/// How a path segment (a collection or stat name, an instance id, a dict key) becomes one
/// component of a Graphite metric name. (The rule lives in one place, shared with the
/// generator, which rejects two stats whose Graphite names would collide.)
///
/// scales' rules first: surrounding whitespace is trimmed, spaces and dots become `-`, slashes
/// become `_`. Then, so that no key can break carbon's line format (`name value timestamp\n`,
/// split on any whitespace) or its file layout:
/// - every other whitespace character (tab, newline, carriage return, no-break space, U+2028…,
///   and the separators U+001C–U+001F that Python's `split()` also splits on) becomes `-`;
/// - other control characters, and `;` (which carbon reads as the start of tags), become `_`;
/// - an empty segment becomes `_` (carbon would silently merge `a..b` into `a.b`).
///
/// Non-ASCII letters are kept as they are (carbon stores `été` as `été.wsp`).
///
/// ```swift
/// GraphiteNaming.sanitize("GET /index.html")    // "GET-_index-html"
/// GraphiteNaming.sanitize(" line\nbreak ")      // "line-break"
/// ```
public enum GraphiteNaming {
    /// A sanitized segment longer than this many UTF-8 bytes is not sent (file systems allow
    /// 255 bytes per file name, and carbon adds `.wsp`); it is counted in `skippedNames`.
    public static let maxSegmentBytes = 200
    /// A metric name longer than this many UTF-8 bytes is not sent (carbon closes the connection
    /// on a line over 16 KiB); it is counted in `skippedNames`.
    public static let maxNameBytes = 4_000

    /// The Graphite component for `segment`.
    public static func sanitize(_ segment: String) -> String {
        GraphiteNames.sanitize(segment)
    }

    /// Sanitizes a prefix: each dot-separated part as a segment, empty parts dropped; the result
    /// is empty or ends with a dot.
    public static func sanitizePrefix(_ prefix: String) -> String {
        let parts = prefix.split(separator: ".", omittingEmptySubsequences: true)
            .filter { !$0.unicodeScalars.allSatisfy(isSeparator) }
            .map { sanitize(String($0)) }
        return parts.isEmpty ? "" : parts.joined(separator: ".") + "."
    }

    static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        GraphiteNames.isSeparator(scalar)
    }

    /// Appends the sanitized form of `segment` to `bytes`.
    static func append(_ segment: String, to bytes: inout [UInt8]) {
        GraphiteNames.append(segment, to: &bytes)
    }
}
