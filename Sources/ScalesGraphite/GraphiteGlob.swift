/// A shell-style pattern matched the way Python's `fnmatch` matches it, as scales' Graphite
/// rules do.
///
/// - `*` matches any run of characters, **including `/`** (so `web/*` matches
///   `web/latency/median`);
/// - `?` matches one character;
/// - `[abc]`, `[a-z]` match one character of the set, `[!abc]` one character not in it; a `]`
///   right after `[` or `[!` is part of the set; a `[` with no closing `]` is a literal `[`;
/// - everything else matches itself, case-sensitively.
///
/// ```swift
/// let glob = GraphiteGlob("handler/*/requests")
/// glob.matches("handler/h1/requests")        // true
/// glob.matches("handler/a/b/requests")       // true: `*` crosses slashes
/// ```
public struct GraphiteGlob: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    let tokens: [Token]

    enum Token: Sendable, Hashable {
        case literal(Unicode.Scalar)
        case anyOne
        case anyRun
        case set(ranges: [ClosedRange<UInt32>], negated: Bool)

        func matches(_ scalar: Unicode.Scalar) -> Bool {
            switch self {
            case .literal(let literal): return literal == scalar
            case .anyOne, .anyRun: return true
            case .set(let ranges, let negated):
                let found = ranges.contains { $0.contains(scalar.value) }
                return found != negated
            }
        }
    }

    /// Compiles `pattern`. Compiling never fails: malformed brackets are literal text, as in
    /// `fnmatch`.
    public init(_ pattern: String) {
        self.pattern = pattern
        self.tokens = Self.compile(Array(pattern.unicodeScalars))
    }

    /// The pattern as written.
    public var description: String { pattern }

    /// Whether `text` matches the whole pattern.
    public func matches(_ text: String) -> Bool {
        matches(scalars: text.unicodeScalars)
    }

    func matches<Text: Collection>(scalars text: Text) -> Bool where Text.Element == Unicode.Scalar {
        // Iterative matcher with one backtrack point per `*` (the last one seen suffices, since
        // every other token consumes exactly one character).
        var t = text.startIndex
        var p = 0
        var starToken = -1
        var starText = text.startIndex
        while t != text.endIndex {
            if p < tokens.count {
                let token = tokens[p]
                if case .anyRun = token {
                    starToken = p
                    starText = t
                    p += 1
                    continue
                }
                if token.matches(text[t]) {
                    p += 1
                    t = text.index(after: t)
                    continue
                }
            }
            guard starToken >= 0 else { return false }
            p = starToken + 1
            starText = text.index(after: starText)
            t = starText
        }
        while p < tokens.count, case .anyRun = tokens[p] { p += 1 }
        return p == tokens.count
    }

    static func compile(_ scalars: [Unicode.Scalar]) -> [Token] {
        var tokens: [Token] = []
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            i += 1
            switch c {
            case "*":
                if case .anyRun? = tokens.last { continue }
                tokens.append(.anyRun)
            case "?":
                tokens.append(.anyOne)
            case "[":
                // Find the closing bracket as fnmatch.translate does.
                var j = i
                if j < scalars.count, scalars[j] == "!" { j += 1 }
                if j < scalars.count, scalars[j] == "]" { j += 1 }
                while j < scalars.count, scalars[j] != "]" { j += 1 }
                guard j < scalars.count else {
                    tokens.append(.literal("["))
                    continue
                }
                var body = Array(scalars[i..<j])
                i = j + 1
                var negated = false
                if body.first == "!" {
                    negated = true
                    body.removeFirst()
                }
                tokens.append(.set(ranges: parseSet(body), negated: negated))
            default:
                tokens.append(.literal(c))
            }
        }
        return tokens
    }

    /// `a-z` is a range unless the `-` is first or last; a reversed range matches nothing.
    static func parseSet(_ body: [Unicode.Scalar]) -> [ClosedRange<UInt32>] {
        var ranges: [ClosedRange<UInt32>] = []
        var k = 0
        while k < body.count {
            let low = body[k].value
            if k + 2 < body.count, body[k + 1] == "-" {
                let high = body[k + 2].value
                if low <= high { ranges.append(low...high) }
                k += 3
            } else {
                ranges.append(low...low)
                k += 1
            }
        }
        return ranges
    }
}
