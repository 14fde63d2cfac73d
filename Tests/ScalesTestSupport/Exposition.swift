import Foundation

/// A strict reader of Prometheus text format 0.0.4, checking what promtool checks and the
/// cases it misses (duplicate series, families split or out of order).
package struct Exposition {
    package struct Sample: Equatable {
        package var name: String
        package var labels: [String: String]
        package var value: String
    }

    package struct Family {
        package var name: String
        package var help: String
        package var type: String
        package var samples: [Sample]
    }

    package var families: [Family] = []

    package enum Problem: Error, CustomStringConvertible {
        case line(Int, String)
        package var description: String {
            switch self {
            case .line(let number, let message): return "line \(number): \(message)"
            }
        }
    }

    package init(_ text: String) throws {
        guard text.isEmpty || text.hasSuffix("\n") else { throw Problem.line(0, "no final newline") }
        var seenFamilies: Set<String> = []
        var seenSeries: Set<String> = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        var pendingHelp: (String, String)?
        for (offset, raw) in lines.enumerated() {
            let number = offset + 1
            let line = String(raw)
            if line.contains("\r") { throw Problem.line(number, "carriage return") }
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst(7)
                guard let space = rest.firstIndex(of: " ") else { throw Problem.line(number, "HELP without text") }
                let name = String(rest[..<space])
                let help = try Self.unescapeHelp(String(rest[rest.index(after: space)...]), line: number)
                guard !seenFamilies.contains(name) else { throw Problem.line(number, "second HELP for \(name)") }
                pendingHelp = (name, help)
                continue
            }
            if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ")
                guard parts.count == 2 else { throw Problem.line(number, "bad TYPE line") }
                let name = String(parts[0])
                guard let help = pendingHelp, help.0 == name else {
                    throw Problem.line(number, "TYPE without HELP for \(name)")
                }
                guard ["counter", "gauge", "summary", "histogram", "untyped"].contains(String(parts[1])) else {
                    throw Problem.line(number, "unknown type \(parts[1])")
                }
                if let last = families.last, last.name >= name {
                    throw Problem.line(number, "family \(name) not in sorted order after \(last.name)")
                }
                seenFamilies.insert(name)
                families.append(Family(name: name, help: help.1, type: String(parts[1]), samples: []))
                pendingHelp = nil
                continue
            }
            if line.hasPrefix("#") { continue }
            guard var family = families.last else { throw Problem.line(number, "sample before any TYPE") }
            let sample = try Self.parseSample(line, line: number)
            try Self.check(Self.isValidName(sample.name), number, "bad metric name \(sample.name)")
            let allowed: [String]
            switch family.type {
            case "summary": allowed = [family.name, family.name + "_sum", family.name + "_count"]
            default: allowed = [family.name]
            }
            try Self.check(
                allowed.contains(sample.name), number, "sample \(sample.name) outside its family \(family.name)")
            let identity =
                sample.name + "|"
                + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            try Self.check(seenSeries.insert(identity).inserted, number, "duplicate series \(identity)")
            try Self.check(Self.isValidValue(sample.value, type: family.type), number, "bad value \(sample.value)")
            family.samples.append(sample)
            families[families.count - 1] = family
        }
    }

    static func check(_ condition: Bool, _ number: Int, _ message: String) throws {
        if !condition { throw Problem.line(number, message) }
    }

    static func isValidName(_ name: String) -> Bool {
        name.range(of: "^[a-zA-Z_:][a-zA-Z0-9_:]*$", options: .regularExpression) != nil
    }

    static func isValidValue(_ value: String, type: String) -> Bool {
        if ["NaN", "+Inf", "-Inf"].contains(value) { return type != "counter" }
        return Double(value) != nil && !value.lowercased().contains("inf") && !value.lowercased().contains("nan")
    }

    static func unescapeHelp(_ text: String, line: Int) throws -> String {
        var out = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            guard character == "\\" else {
                out.append(character)
                continue
            }
            switch iterator.next() {
            case "\\": out.append("\\")
            case "n": out.append("\n")
            default: throw Problem.line(line, "invalid escape in HELP")
            }
        }
        return out
    }

    package static func parseSample(_ line: String, line number: Int) throws -> Sample {
        let scalars = Array(line.unicodeScalars)
        var index = 0
        var name = ""
        while index < scalars.count, scalars[index] != "{", scalars[index] != " " {
            name.unicodeScalars.append(scalars[index])
            index += 1
        }
        var labels: [String: String] = [:]
        if index < scalars.count, scalars[index] == "{" {
            index += 1
            while index < scalars.count, scalars[index] != "}" {
                var labelName = ""
                while index < scalars.count, scalars[index] != "=" {
                    labelName.unicodeScalars.append(scalars[index])
                    index += 1
                }
                guard labelName.range(of: "^[a-zA-Z_][a-zA-Z0-9_]*$", options: .regularExpression) != nil else {
                    throw Problem.line(number, "bad label name \(labelName)")
                }
                guard index + 1 < scalars.count, scalars[index + 1] == "\"" else {
                    throw Problem.line(number, "label value not quoted")
                }
                index += 2
                var value = ""
                while true {
                    guard index < scalars.count else { throw Problem.line(number, "unterminated label value") }
                    let scalar = scalars[index]
                    if scalar == "\"" { break }
                    if scalar == "\n" { throw Problem.line(number, "raw newline in label value") }
                    if scalar == "\\" {
                        guard index + 1 < scalars.count else { throw Problem.line(number, "dangling escape") }
                        switch scalars[index + 1] {
                        case "\\": value += "\\"
                        case "\"": value += "\""
                        case "n": value += "\n"
                        default: throw Problem.line(number, "invalid escape in label value")
                        }
                        index += 2
                        continue
                    }
                    value.unicodeScalars.append(scalar)
                    index += 1
                }
                index += 1
                guard labels[labelName] == nil else { throw Problem.line(number, "label \(labelName) twice") }
                labels[labelName] = value
                if index < scalars.count, scalars[index] == "," { index += 1 }
            }
            index += 1
        }
        guard index < scalars.count, scalars[index] == " " else { throw Problem.line(number, "no value") }
        var value = ""
        value.unicodeScalars.append(contentsOf: scalars[(index + 1)...])
        guard !value.contains(" ") else { throw Problem.line(number, "timestamp or garbage after value") }
        return Sample(name: name, labels: labels, value: value)
    }

    package func family(_ name: String) -> Family? { families.first { $0.name == name } }

    /// The value of the sample `name` whose labels include `labels`.
    package func value(_ name: String, _ labels: [String: String] = [:]) -> String? {
        for family in families {
            for sample in family.samples
            where sample.name == name && labels.allSatisfy({ sample.labels[$0.key] == $0.value }) {
                return sample.value
            }
        }
        return nil
    }
}
