import ScalesNaming

/// How a path segment (a collection or stat name, an instance id, a dict key) becomes one
/// component of a Graphite metric name: the pusher's rule, which the generator also applies to
/// reject, at build time, two stats whose Graphite names would collide.
///
/// Surrounding whitespace is trimmed; spaces, dots and every other whitespace character become
/// `-`; slashes, `;` (carbon's tag marker) and other control characters become `_`; an empty
/// segment becomes `_` (carbon would merge `a..b` into `a.b`). Non-ASCII letters are kept
/// (carbon stores `été` as `été.wsp`).
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
            .filter { !$0.unicodeScalars.allSatisfy(GraphiteNames.isSeparator) }
            .map { sanitize(String($0)) }
        return parts.isEmpty ? "" : parts.joined(separator: ".") + "."
    }
}
