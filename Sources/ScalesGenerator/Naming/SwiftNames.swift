/// Rules for the names stats.yaml puts into Swift code.
///
/// Names are used verbatim (never renamed behind the user's back): a name that would not compile,
/// or would shadow something generated code relies on, is an error that says what to write instead.
enum SwiftNames {
    /// Swift's reserved words: as a name they would need backticks everywhere.
    static let keywords: Set<String> = [
        // Declarations
        "associatedtype", "borrowing", "class", "consuming", "deinit", "enum", "extension", "fileprivate", "func",
        "import", "init", "inout", "internal", "let", "nonisolated", "open", "operator", "private",
        "precedencegroup", "protocol", "public", "rethrows", "static", "struct", "subscript", "typealias", "var",
        // Statements
        "break", "case", "catch", "continue", "default", "defer", "do", "else", "fallthrough", "for", "guard", "if",
        "in", "repeat", "return", "throw", "switch", "where", "while",
        // Expressions and types
        "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws", "true", "try", "Type",
        "Protocol", "_",
    ]

    /// Words that are keywords where a type is written (`any P`, `some P`, `each T`): a type of
    /// that name cannot be extended or returned.
    static let typeKeywords: Set<String> = ["any", "some", "each"]

    /// Types that generated code names; a collection or stat with one of these names would
    /// shadow it inside the generated struct.
    static let reservedTypeNames: Set<String> = [
        "Scales", "Swift", "Registry", "StatPath", "StatCollection", "IntStat", "CounterStat", "DoubleStat",
        "DoubleCounterStat",
        "StringStat", "BoolStat", "GaugeStat", "IntDictStat", "StringDictStat", "PmfStat", "PmfDictStat",
        "MeterStat", "MeterDictStat", "StateTimeStat", "StateTime", "Stat", "ValueStat", "SumStat", "DoubleSumStat",
        "HistogramStat", "IntDictSumStat",
        "String", "Bool", "Int", "Double", "Duration", "Sendable", "Paths",
    ]

    /// Members every generated struct has; a stat cannot take these names.
    static let reservedMemberNames: Set<String> = ["collection", "remove", "Paths"]

    /// Whether `name` is an ASCII identifier: a letter or `_`, then letters, digits or `_`.
    ///
    /// Stricter than Swift (which allows many Unicode letters) because names also become
    /// Prometheus metric names and Graphite path segments, which are ASCII.
    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isLetter(first) || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { isLetter($0) || isDigit($0) || $0 == "_" }
    }

    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar)
    }

    /// An identifier made from `name` by replacing what is not allowed, for suggestions.
    static func suggestedIdentifier(from name: String, upperFirst: Bool) -> String {
        var words: [String] = []
        var current = ""
        for scalar in name.unicodeScalars {
            if isLetter(scalar) || isDigit(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        guard !words.isEmpty else { return upperFirst ? "MyStats" : "value" }
        var result = ""
        for (index, word) in words.enumerated() {
            result += index == 0 && !upperFirst ? lowerFirst(word) : Self.upperFirst(word)
        }
        if let first = result.unicodeScalars.first, isDigit(first) { result = (upperFirst ? "Stats" : "n") + result }
        if keywords.contains(result) { result += upperFirst ? "Stats" : "Count" }
        return result
    }

    /// `name` with its first character lowercased (`WebStats` gives `webStats`), for suggestions.
    static func lowerFirst(_ name: String) -> String {
        guard let first = name.first else { return name }
        return first.lowercased() + name.dropFirst()
    }

    /// `name` with its first character uppercased (`web` gives `Web`), for suggestions.
    static func upperFirst(_ name: String) -> String {
        guard let first = name.first else { return name }
        return first.uppercased() + name.dropFirst()
    }

    /// The factory method's default name for a child type: `ThreadStats` gives `thread`,
    /// `HTTPWorkerStats` gives `httpWorker`, `Worker` gives `worker`.
    static func factoryName(forType type: String) -> String {
        var base = type
        if base.hasSuffix("Stats"), base.count > "Stats".count { base = String(base.dropLast("Stats".count)) }
        let scalars = Array(base.unicodeScalars)
        var upperRun = 0
        while upperRun < scalars.count, ("A"..."Z").contains(scalars[upperRun]) { upperRun += 1 }
        // Lowercase a leading acronym except the capital that starts the next word.
        let lowerCount: Int
        if upperRun <= 1 {
            lowerCount = upperRun
        } else if upperRun == scalars.count {
            lowerCount = upperRun
        } else {
            lowerCount = upperRun - 1
        }
        var result = ""
        for (index, scalar) in scalars.enumerated() {
            if index < lowerCount {
                result += String(scalar).lowercased()
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
