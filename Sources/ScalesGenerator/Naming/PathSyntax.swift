/// A collection path as stats.yaml writes it: `/web`, `/handler/{id}`, or relative `thread-{id}`.
struct PathPattern: Equatable, Sendable, CustomStringConvertible {
    /// One segment: the same two cases as the runtime's `StatPath.Segment`, on purpose (the
    /// generated code writes `description` as a `StatPath` literal, which parses back to the same
    /// segments). Not that type itself: it is public API of Scales, which the generator does not
    /// link (scales-generate is a host tool built without the runtime), and a public type cannot
    /// live in the package-only ScalesNaming. The rules differ too: this parse rejects what
    /// stats.yaml must not contain (empty or `..` segments, a second placeholder, a keyword),
    /// where `StatPath`'s never fails on run-time text.
    enum Segment: Equatable, Sendable, CustomStringConvertible {
        case name(String)
        case template(prefix: String, placeholder: String, suffix: String)

        var description: String {
            switch self {
            case .name(let name): return name
            case .template(let prefix, let placeholder, let suffix): return "\(prefix){\(placeholder)}\(suffix)"
            }
        }

        var placeholder: String? {
            if case .template(_, let placeholder, _) = self { return placeholder }
            return nil
        }

        /// The segment with its placeholder's name erased, so `{id}` and `{name}` compare equal.
        var shape: String {
            switch self {
            case .name(let name): return name
            case .template(let prefix, _, let suffix): return "\(prefix){}\(suffix)"
            }
        }
    }

    var segments: [Segment]

    /// `/a/b`, always absolute.
    var description: String { segments.map { "/" + $0.description }.joined() }

    /// The relative form `a/b`.
    var relativeDescription: String { segments.map(\.description).joined(separator: "/") }

    var templateSegment: Segment? { segments.first { $0.placeholder != nil } }

    func appending(_ other: PathPattern) -> PathPattern {
        PathPattern(segments: segments + other.segments)
    }

    func appending(name: String) -> PathPattern {
        PathPattern(segments: segments + [.name(name)])
    }

    /// The path with placeholder names erased, for detecting two declarations at one place.
    var shape: String { segments.map { "/" + $0.shape }.joined() }

    /// Whether `self` starts with all of `other`'s segments (by shape).
    func hasPrefix(_ other: PathPattern) -> Bool {
        segments.count >= other.segments.count
            && zip(segments, other.segments).allSatisfy { $0.shape == $1.shape }
    }

    /// Parses `text`; `relative` says whether it must be relative (a child's) or absolute.
    /// Returns a message saying what is wrong and what would be right.
    static func parse(_ text: String, relative: Bool) -> Result<PathPattern, PathSyntaxError> {
        if text.isEmpty {
            return .failure(
                PathSyntaxError(
                    relative
                        ? "path is empty; write one such as `thread-{id}`"
                        : "path is empty; write one such as `/web`"))
        }
        var body = Substring(text)
        if relative {
            if body.hasPrefix("/") {
                let suggestion = String(body.drop { $0 == "/" })
                return .failure(
                    PathSyntaxError(
                        "a child collection's path is relative to its parent; write "
                            + "`\(suggestion.isEmpty ? "child-{id}" : suggestion)` without the leading `/`"))
            }
        } else {
            guard body.hasPrefix("/") else {
                return .failure(
                    PathSyntaxError(
                        "path `\(text)` is relative, but the collection has no `parent:`; write `/\(text)`, or add "
                            + "`parent:` naming the collection it belongs to"))
            }
            body = body.dropFirst()
            if body.isEmpty {
                return .failure(
                    PathSyntaxError(
                        "a collection cannot be bound at the root `/`; use a path such as `/web`"))
            }
        }
        if body.hasSuffix("/") {
            return .failure(PathSyntaxError("path `\(text)` ends with `/`; remove the trailing `/`"))
        }
        var segments: [Segment] = []
        for piece in body.split(separator: "/", omittingEmptySubsequences: false) {
            switch parseSegment(piece, in: text) {
            case .success(let segment): segments.append(segment)
            case .failure(let error): return .failure(error)
            }
        }
        if segments.filter({ $0.placeholder != nil }).count > 1 {
            return .failure(
                PathSyntaxError(
                    "path `\(text)` has more than one placeholder; a collection's own path takes one (`/handler/{id}`), "
                        + "and deeper levels are child collections with `parent:`"))
        }
        return .success(PathPattern(segments: segments))
    }

    private static func parseSegment(_ piece: Substring, in text: String) -> Result<Segment, PathSyntaxError> {
        if piece.isEmpty {
            return .failure(PathSyntaxError("path `\(text)` has an empty segment (`//`); remove the extra `/`"))
        }
        if piece == "." || piece == ".." {
            return .failure(
                PathSyntaxError(
                    "path `\(text)` contains `\(piece)`; paths name each segment, without `.` or `..`"))
        }
        for scalar in piece.unicodeScalars where !isPathCharacter(scalar) && scalar != "{" && scalar != "}" {
            let shown = scalar == " " ? "a space" : "`\(scalar)`"
            return .failure(
                PathSyntaxError(
                    "path `\(text)` contains \(shown); path segments use ASCII letters, digits, `_`, `-` and `.`, plus one "
                        + "`{placeholder}`"))
        }
        let opens = piece.filter { $0 == "{" }.count
        let closes = piece.filter { $0 == "}" }.count
        if opens == 0 && closes == 0 { return .success(.name(String(piece))) }
        guard opens == 1, closes == 1, let open = piece.firstIndex(of: "{"), let close = piece.firstIndex(of: "}"),
            open < close
        else {
            return .failure(
                PathSyntaxError(
                    "segment `\(piece)` of path `\(text)` has unbalanced braces; a placeholder is written `{id}`"))
        }
        let placeholder = String(piece[piece.index(after: open)..<close])
        if placeholder.isEmpty {
            return .failure(PathSyntaxError("placeholder `{}` in path `\(text)` needs a name, such as `{id}`"))
        }
        guard SwiftNames.isIdentifier(placeholder), !SwiftNames.keywords.contains(placeholder) else {
            return .failure(
                PathSyntaxError(
                    "placeholder `{\(placeholder)}` in path `\(text)` must be a Swift identifier that is not a keyword (it "
                        + "becomes the initializer's label), such as `{id}`"))
        }
        if placeholder == "registry" || placeholder == "collection" {
            return .failure(
                PathSyntaxError(
                    "placeholder `{\(placeholder)}` in path `\(text)` would clash with the generated `\(placeholder)` "
                        + "parameter or property; use another name, such as `{id}`"))
        }
        return .success(
            .template(
                prefix: String(piece[..<open]), placeholder: placeholder,
                suffix: String(piece[piece.index(after: close)...])))
    }

    static func isPathCharacter(_ scalar: Unicode.Scalar) -> Bool {
        SwiftNames.isLetter(scalar) || SwiftNames.isDigit(scalar) || scalar == "_" || scalar == "-" || scalar == "."
    }
}

struct PathSyntaxError: Error, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
}
