public import Scales

/// Which stats a Graphite pusher sends, as scales decides it.
///
/// - Nothing is sent unless a rule allows it.
/// - `allow(_:)` and `forbid(_:)` append a rule; the **newest** rule that
///   matches a value decides.
/// - `prune(_:)` stops the walk at a container (or stat, or dict key): nothing below it
///   is looked at, whatever the allow rules say.
///
/// A rule is one of:
/// - a shell-style glob (``GraphiteGlob``) on the path **without its leading slash**, where `*`
///   also crosses slashes, as in scales (`fnmatch`). Rules see every value's own path: a `pmf`'s
///   figures are `web/latency/median`, `web/latency/count`…, a dict's entries are
///   `web/byPath/<key>` with the key as it is (not sanitized);
/// - a typed `StatPath` (`WebStats.path`, `HandlerStats.path`), matched segment by segment: it
///   covers the stat or collection it names **and everything below it**, and a template segment
///   such as `{id}` or `thread-{id}` matches any one segment of that shape;
/// - a predicate on (path, value); for prune rules, on the path alone.
///
/// ```swift
/// var rules = GraphiteRules()
/// rules.allow("*")                    // everything…
/// rules.forbid("web/byPath/*")        // …except the per-path counts…
/// rules.allow(HandlerStats.path)      // (typed: /handler/{id} and below)
/// rules.prune("processor/thread-*")   // …and never walk into thread collections
/// ```
public struct GraphiteRules: Sendable {
    /// What a rule matches against.
    enum Matcher: Sendable {
        case glob(GraphiteGlob)
        case path(StatPath)
        case predicate(@Sendable (String, Double) -> Bool)
    }

    enum PruneMatcher: Sendable {
        case glob(GraphiteGlob)
        case path(StatPath)
        case predicate(@Sendable (String) -> Bool)
    }

    private(set) var rules: [(allows: Bool, matcher: Matcher)] = []
    private(set) var pruneRules: [PruneMatcher] = []

    /// Creates an empty rule list, which sends nothing.
    public init() {}

    /// Whether no allow/forbid rule was added (then nothing is sent).
    public var isEmpty: Bool { rules.isEmpty }

    // MARK: Adding rules

    /// Sends values whose path matches the glob (see ``GraphiteGlob``), unless a newer rule
    /// forbids them.
    public mutating func allow(_ pattern: String) { rules.append((true, .glob(GraphiteGlob(pattern)))) }

    /// Sends the stat or collection at `path` and everything below it (a template segment
    /// matches any id), unless a newer rule forbids it.
    public mutating func allow(_ path: StatPath) { rules.append((true, .path(path))) }

    /// Sends values for which `predicate(path, value)` is true; `path` has no leading slash.
    public mutating func allow(where predicate: @escaping @Sendable (_ path: String, _ value: Double) -> Bool) {
        rules.append((true, .predicate(predicate)))
    }

    /// Does not send values whose path matches the glob, unless a newer rule allows them.
    public mutating func forbid(_ pattern: String) { rules.append((false, .glob(GraphiteGlob(pattern)))) }

    /// Does not send the stat or collection at `path` nor anything below it, unless a newer
    /// rule allows it.
    public mutating func forbid(_ path: StatPath) { rules.append((false, .path(path))) }

    /// Does not send values for which `predicate(path, value)` is true.
    public mutating func forbid(where predicate: @escaping @Sendable (_ path: String, _ value: Double) -> Bool) {
        rules.append((false, .predicate(predicate)))
    }

    /// Stops the walk at every node whose path matches the glob: it and everything below it are
    /// skipped, whatever the allow rules say.
    public mutating func prune(_ pattern: String) { pruneRules.append(.glob(GraphiteGlob(pattern))) }

    /// Stops the walk at `path` (a template segment matches any id).
    public mutating func prune(_ path: StatPath) { pruneRules.append(.path(path)) }

    /// Stops the walk at every node for which `predicate(path)` is true.
    public mutating func prune(where predicate: @escaping @Sendable (_ path: String) -> Bool) {
        pruneRules.append(.predicate(predicate))
    }

    // MARK: Deciding

    /// Whether the value at `path` (segments from the root, names as they are) is sent.
    ///
    /// - Parameters:
    ///   - segments: The value's path from the root, unsanitized.
    ///   - joined: The same path joined with `/`, without a leading slash.
    ///   - value: The number that would be sent.
    func allows(segments: [String], joined: String, value: Double) -> Bool {
        for rule in rules.reversed() {
            let matched: Bool
            switch rule.matcher {
            case .glob(let glob):
                matched = glob.matches(scalars: joined.unicodeScalars)
            case .path(let path):
                matched = Self.covers(path, segments)
            case .predicate(let predicate):
                matched = predicate(joined, value)
            }
            if matched { return rule.allows }
        }
        return false
    }

    /// Whether the walk stops at `segments` (a container, stat or dict key).
    func prunes(segments: [String], joined: String) -> Bool {
        if pruneRules.isEmpty { return false }
        for rule in pruneRules.reversed() {
            switch rule {
            case .glob(let glob):
                if glob.matches(scalars: joined.unicodeScalars) { return true }
            case .path(let path):
                if Self.covers(path, segments) { return true }
            case .predicate(let predicate):
                if predicate(joined) { return true }
            }
        }
        return false
    }

    /// Whether `path` names `segments` or one of its ancestors; a template segment matches any
    /// segment with the template's prefix and suffix.
    static func covers(_ path: StatPath, _ segments: [String]) -> Bool {
        guard path.segments.count <= segments.count else { return false }
        for (pattern, name) in zip(path.segments, segments) {
            switch pattern {
            case .name(let literal):
                if literal != name { return false }
            case .template(let prefix, _, let suffix):
                guard name.utf8.count >= prefix.utf8.count + suffix.utf8.count,
                    name.hasPrefix(prefix), name.hasSuffix(suffix)
                else { return false }
            }
        }
        return true
    }
}
