/// The location of a collection or a stat in a ``Registry``'s tree, such as `/web/latency`.
///
/// A path is a list of segments. Most segments are plain names; a *template* segment such as
/// `{id}` or `thread-{id}` stands for every instance of a templated collection. A path with a
/// template segment is a *pattern*: generated code exposes one for each templated collection
/// (`HandlerStats.path` is `/handler/{id}`), and exporters use it to turn ids into labels or globs.
///
/// Paths are usually written as string literals or come from generated constants:
///
/// ```swift
/// let web: StatPath = "/web"
/// let snapshot = registry.snapshot(at: WebStats.path)
/// let handler = HandlerStats.path.filling(id: "h1")   // /handler/h1
/// ```
///
/// Segments built from run-time data (instance ids, names known only at run time) are kept
/// verbatim: an id containing `/` or `{` stays one literal segment.
public struct StatPath: Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// One step of a path.
    public enum Segment: Hashable, Sendable, CustomStringConvertible {
        /// A literal name, such as `web` or `thread-0`.
        case name(String)
        /// A template such as `thread-{id}`: text before the placeholder, the placeholder's name,
        /// and text after it.
        case template(prefix: String, placeholder: String, suffix: String)

        /// The segment as written in a path: `web`, `thread-{id}`.
        public var description: String {
            switch self {
            case .name(let name): return name
            case .template(let prefix, let placeholder, let suffix): return "\(prefix){\(placeholder)}\(suffix)"
            }
        }

        /// Whether this is a template segment.
        public var isTemplate: Bool {
            if case .template = self { return true }
            return false
        }

        /// The literal segment this template gives for `id`; a literal segment is returned unchanged.
        public func filling(_ id: String) -> Segment {
            switch self {
            case .name: return self
            case .template(let prefix, _, let suffix): return .name(prefix + id + suffix)
            }
        }
    }

    /// The segments, from the root down. The root path has none.
    public let segments: [Segment]

    /// The root of a registry's tree, `/`.
    public static let root = StatPath(segments: [Segment]())

    /// Creates a path from its segments.
    public init(segments: [Segment]) {
        self.segments = segments
    }

    /// Creates a path of literal segments, kept verbatim (no parsing of `/` or `{}`).
    public init(names: [String]) {
        self.segments = names.map(Segment.name)
    }

    /// Parses a path such as `/web/latency` or `/handler/{id}`.
    ///
    /// Leading, trailing and repeated slashes are ignored. A segment containing one `{name}`
    /// becomes a template segment; any other segment is a literal name. Parsing never fails:
    /// a segment whose braces do not form one well-formed placeholder is kept as a literal name.
    public init(_ string: String) {
        self.segments = string.split(separator: "/", omittingEmptySubsequences: true).map {
            Self.parseSegment(Substring($0))
        }
    }

    /// Parses a string literal path; see ``init(_:)``.
    public init(stringLiteral value: String) {
        self.init(value)
    }

    static func parseSegment(_ text: Substring) -> Segment {
        guard let open = text.firstIndex(of: "{"), let close = text[open...].firstIndex(of: "}") else {
            return .name(String(text))
        }
        let placeholder = text[text.index(after: open)..<close]
        let prefix = text[..<open]
        let suffix = text[text.index(after: close)...]
        let wellFormed =
            !placeholder.isEmpty
            && placeholder.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
            && !prefix.contains("{") && !prefix.contains("}")
            && !suffix.contains("{") && !suffix.contains("}")
        guard wellFormed else { return .name(String(text)) }
        return .template(prefix: String(prefix), placeholder: String(placeholder), suffix: String(suffix))
    }

    /// The path as text: `/web/latency`, `/handler/{id}`; the root is `/`.
    public var description: String {
        segments.isEmpty ? "/" : segments.map { "/" + $0.description }.joined()
    }

    /// Whether the path contains a template segment.
    public var isPattern: Bool { segments.contains { $0.isTemplate } }

    /// The last segment's text, or `""` for the root.
    public var name: String { segments.last?.description ?? "" }

    /// The path without its last segment (the root is its own parent).
    public var parent: StatPath { StatPath(segments: Array(segments.dropLast())) }

    /// This path with a literal segment added, kept verbatim.
    public func appending(_ name: String) -> StatPath {
        StatPath(segments: segments + [.name(name)])
    }

    /// This path with another path's segments added.
    public func appending(_ other: StatPath) -> StatPath {
        StatPath(segments: segments + other.segments)
    }

    /// This pattern with every template segment filled with `id`: `/handler/{id}` gives `/handler/h1`.
    public func filling(id: String) -> StatPath {
        StatPath(segments: segments.map { $0.filling(id) })
    }

    /// Whether `self` is `other` or lies below it.
    public func hasPrefix(_ other: StatPath) -> Bool {
        segments.count >= other.segments.count && Array(segments.prefix(other.segments.count)) == other.segments
    }

    /// Orders paths by their text.
    public static func < (lhs: StatPath, rhs: StatPath) -> Bool {
        lhs.description < rhs.description
    }
}
