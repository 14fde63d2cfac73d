/// A scales-style filter over a ``Snapshot``: `key` keeps the branches that contain `key`;
/// `key<op>value` keeps only those whose value compares true.
///
/// This is what the status page's `?query=` does:
///
/// ```swift
/// let query = try SnapshotQuery("errors>0")
/// let filtered = query.apply(to: registry.snapshot()!)
/// print(JSONFormat.render(filtered))          // {"web":{"errors":3}}
/// ```
///
/// Semantics, as in scales' `runQuery`:
/// - Every container, stat, dict key and `pmf`/`meter` field whose name equals the key is a
///   candidate. Without an operator a candidate is kept whole (a container with everything in
///   it). With an operator a candidate is kept when its value compares true; a candidate is
///   never searched further, matched or not.
/// - Everything else is searched: a container (collapsed ones included) or a structured value
///   is kept, reduced to what matched inside it, when something inside it matched.
/// - Operators: `>=`, `>`, `<`, `<=`, `=`, `==` (same as `=`), `!=`. The key and the value are
///   trimmed of white space. One operator at most: `a>1>2` is a ``ParseError``.
///
/// Where this differs from scales, on purpose:
/// - The value is converted to the candidate's type: an `int` compares numerically (a value
///   like `2.5` compares as a double), a `double` numerically, a `string` as text, a `bool`
///   against `true`/`false`/`1`/`0` (any case). A value that does not convert never matches;
///   scales compared a zero or empty stat against the raw text, and read `false` as true.
/// - A structured candidate (dict, `pmf`, `meter`, container) never matches an operator.
/// - A `pmf` or `meter` is kept whole when one of its fields matches (a partial pmf is not a
///   pmf); a dict is reduced to its matching keys.
/// - Containers in the result are expanded (not collapsed): the result shows what matched.
/// - `<=` and `==` work (scales' operator pattern split them into two operators).
public struct SnapshotQuery: Sendable, Hashable, CustomStringConvertible {
    /// A comparison operator.
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        /// `=` or `==`.
        case equal = "="
        /// `!=`.
        case notEqual = "!="
        /// `<`.
        case less = "<"
        /// `<=`.
        case lessOrEqual = "<="
        /// `>`.
        case greater = ">"
        /// `>=`.
        case greaterOrEqual = ">="

        func holds<T: Comparable>(_ lhs: T, _ rhs: T) -> Bool {
            switch self {
            case .equal: return lhs == rhs
            case .notEqual: return lhs != rhs
            case .less: return lhs < rhs
            case .lessOrEqual: return lhs <= rhs
            case .greater: return lhs > rhs
            case .greaterOrEqual: return lhs >= rhs
            }
        }
    }

    /// Why a query text is not a query.
    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Nothing before the operator (or an empty query).
        case emptyKey(query: String)
        /// More than one operator, such as `a>1<2`.
        case moreThanOneOperator(query: String)

        /// A message for people.
        public var description: String {
            switch self {
            case .emptyKey(let query):
                return
                    "malformed query \"\(query)\": no key; write key or key<op>value with op one of >= > < <= = == !="
            case .moreThanOneOperator(let query):
                return
                    "malformed query \"\(query)\": more than one operator; write key or key<op>value with op one of >= > < <= = == !="
            }
        }
    }

    /// The name to look for.
    public let key: String
    /// The comparison and the value text, when the query has an operator.
    public let condition: (comparison: Comparison, value: String)?

    /// Parses `key` or `key<op>value`.
    ///
    /// - Parameter text: The query, such as `errors`, `state=idle` or `99percentile>=0.5`.
    /// - Throws: ``ParseError`` when the key is empty or there is more than one operator.
    public init(_ text: String) throws(ParseError) {
        let characters = Array(text.unicodeScalars)
        var found: (start: Int, end: Int, comparison: Comparison)?
        var index = 0
        while index < characters.count {
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            var match: (length: Int, comparison: Comparison)?
            switch (characters[index], next) {
            case (">", "="): match = (2, .greaterOrEqual)
            case ("<", "="): match = (2, .lessOrEqual)
            case ("=", "="): match = (2, .equal)
            case ("!", "="): match = (2, .notEqual)
            case (">", _): match = (1, .greater)
            case ("<", _): match = (1, .less)
            case ("=", _): match = (1, .equal)
            default: break
            }
            if let match {
                if found != nil { throw .moreThanOneOperator(query: text) }
                found = (index, index + match.length, match.comparison)
                index += match.length
            } else {
                index += 1
            }
        }
        func trimmed(_ slice: ArraySlice<Unicode.Scalar>) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: slice)
            let string = String(view)
            return String(string.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
        }
        if let found {
            key = trimmed(characters[..<found.start])
            condition = (found.comparison, trimmed(characters[found.end...]))
        } else {
            key = trimmed(characters[...])
            condition = nil
        }
        if key.isEmpty { throw .emptyKey(query: text) }
    }

    /// The query as text: `key` or `key<op>value`.
    public var description: String {
        guard let condition else { return key }
        return key + condition.comparison.rawValue + condition.value
    }

    /// Equal when the key, the operator and the value are (`=` and `==` are the same operator).
    public static func == (lhs: SnapshotQuery, rhs: SnapshotQuery) -> Bool {
        lhs.key == rhs.key && lhs.condition?.comparison == rhs.condition?.comparison
            && lhs.condition?.value == rhs.condition?.value
    }

    /// Hashes the key, the operator and the value.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(key)
        hasher.combine(condition?.comparison)
        hasher.combine(condition?.value)
    }

    // MARK: Filtering

    /// The part of `snapshot` that matches, with the same path and timestamp.
    ///
    /// The root itself is not a candidate (as in scales, a query looks at what is *inside* the
    /// requested node), except when the root is a scalar stat: then it is kept if it matches.
    /// When nothing matches, the root is an empty container of the same name.
    public func apply(to snapshot: Snapshot) -> Snapshot {
        let root: SnapshotNode
        switch snapshot.root {
        case .container(let container):
            root = .container(
                SnapshotContainer(
                    name: container.name, collapsed: false, instance: container.instance, doc: container.doc,
                    addsToExportedNames: container.addsToExportedNames, children: filter(container.children)))
        case .stat(let stat):
            if stat.value.isScalar, stat.name == key, matches(stat.value) {
                root = .stat(stat)
            } else if !stat.value.isScalar, let value = filter(stat.value) {
                var filtered = stat  // keeps unit and the display fields
                filtered.value = value
                root = .stat(filtered)
            } else {
                root = .container(SnapshotContainer(name: stat.name, children: []))
            }
        }
        return Snapshot(path: snapshot.path, root: root, timestamp: snapshot.timestamp)
    }

    /// Whether `value` (a candidate whose name is the key) satisfies the condition.
    public func matches(_ value: StatValue) -> Bool {
        guard let (comparison, text) = condition else { return true }
        switch value {
        case .int(let number), .counter(let number):
            if let other = Int(text) { return comparison.holds(number, other) }
            if let other = Double(text) { return comparison.holds(Double(number), other) }
            return false
        case .double(let number):
            guard let other = Double(text) else { return false }
            return comparison.holds(number, other)
        case .string(let string):
            return comparison.holds(string, text)
        case .bool(let flag):
            guard let other = Self.parseBool(text) else { return false }
            return comparison.holds(flag ? 1 : 0, other ? 1 : 0)
        default:
            return false
        }
    }

    static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: return nil
        }
    }

    func filter(_ children: [SnapshotNode]) -> [SnapshotNode] {
        var kept: [SnapshotNode] = []
        for child in children {
            switch child {
            case .container(let container):
                if container.name == key {
                    guard condition == nil else { continue }
                    kept.append(.container(container.expanded))
                    continue
                }
                let inner = filter(container.children)
                if inner.isEmpty { continue }
                kept.append(
                    .container(
                        SnapshotContainer(
                            name: container.name, collapsed: false, instance: container.instance,
                            doc: container.doc, addsToExportedNames: container.addsToExportedNames, children: inner)))
            case .stat(let stat):
                if stat.name == key {
                    if matches(stat.value) { kept.append(child) }
                    continue
                }
                if let value = filter(stat.value) {
                    var filtered = stat  // keeps unit and the display fields
                    filtered.value = value
                    kept.append(.stat(filtered))
                }
            }
        }
        return kept
    }

    /// What matches inside a structured value, or `nil` when nothing does (or it is a scalar).
    func filter(_ value: StatValue) -> StatValue? {
        switch value {
        case .int, .counter, .double, .doubleCounter, .string, .bool, .absent:
            return nil
        case .intDict(let dict):
            let kept = dict.filter { keeps(key: $0.key, value: .int($0.value)) }
            return kept.isEmpty ? nil : .intDict(kept)
        case .stringDict(let dict):
            let kept = dict.filter { keeps(key: $0.key, value: .string($0.value)) }
            return kept.isEmpty ? nil : .stringDict(kept)
        case .stateTime(let dict):
            let kept = dict.filter { keeps(key: $0.key, value: .double($0.value)) }
            return kept.isEmpty ? nil : .stateTime(kept)
        case .pmfDict(let dict):
            let kept = dict.filter { keeps(key: $0.key, value: .pmf($0.value)) }
            return kept.isEmpty ? nil : .pmfDict(kept)
        case .meterDict(let dict):
            let kept = dict.filter { keeps(key: $0.key, value: .meter($0.value)) }
            return kept.isEmpty ? nil : .meterDict(kept)
        case .pmf, .meter:
            let members = value.members ?? []
            return members.contains { keeps(key: $0.key, value: $0.value) } ? value : nil
        }
    }

    func keeps(key: String, value: StatValue) -> Bool {
        if key == self.key { return matches(value) }
        return filter(value) != nil
    }
}

extension SnapshotContainer {
    /// This container and everything in it, with its own `collapsed` flag cleared.
    var expanded: SnapshotContainer {
        SnapshotContainer(
            name: name, collapsed: false, instance: instance, doc: doc, addsToExportedNames: addsToExportedNames,
            children: children)
    }
}
