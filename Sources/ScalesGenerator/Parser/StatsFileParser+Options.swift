import Yams

/// The per-kind keys of a stat (`monotonic`, `value`, `type`, `window`, `unit`, `label`, `of`, …):
/// each checked against what its kind takes and read into ``StatOptions``.
extension StatsFileParser {
    mutating func parseOption(_ key: Located<String>, _ value: Node, kind: StatKind, into options: inout StatOptions) {
        let allKeys = Set(StatKind.allCases.flatMap(\.optionKeys))
        guard kind.optionKeys.contains(key.value) else {
            if allKeys.contains(key.value) {
                let owners = StatKind.allCases.filter { $0.optionKeys.contains(key.value) }.map(\.rawValue)
                let accepted =
                    kind.optionKeys.isEmpty
                    ? "`\(kind.rawValue)` takes only `kind` and `doc`"
                    : "`\(kind.rawValue)` takes "
                        + "\(Suggestions.list(Self.commonStatKeys + kind.optionKeys, conjunction: "and"))"
                log.error(
                    "`\(key.value)` does not apply to `\(kind.rawValue)` stats, only to \(Suggestions.list(owners)); "
                        + "\(accepted)",
                    at: key.location)
            } else {
                unknownKey(
                    key, expected: Self.commonStatKeys + kind.optionKeys,
                    in: "\(Self.article(kind.rawValue)) `\(kind.rawValue)` stat")
            }
            return
        }
        switch key.value {
        case "monotonic":
            options.monotonic = expectBool(value, key: "monotonic") ?? false
        case "value":
            options.initial = parseInitialValue(value, kind: kind)
        case "type":
            guard let text = expectText(value, key: "type") else { return }
            if let type = GaugeType(rawValue: text.value) {
                options.gaugeType = type
            } else {
                let names = GaugeType.allCases.map(\.rawValue)
                log.error(
                    "a gauge's `type` must be \(Suggestions.list(names)), not "
                        + "`\(text.value)`\(Suggestions.didYouMean(text.value, in: names))",
                    at: text.location)
            }
        case "autoDelete":
            options.autoDelete = expectBool(value, key: "autoDelete") ?? false
        case "maxKeys":
            options.maxKeys = expectPositiveInt(value, key: "maxKeys")
        case "precision":
            guard checkNoAnchor(value) else { return }
            if let scalar = value.scalar, scalar.style == .plain, let schema = Int(scalar.string),
                (0...8).contains(schema)
            {
                options.precision = schema
            } else {
                log.error(
                    "`precision` is the pmf's native-histogram schema, a whole number from 0 (2 buckets per power of "
                        + "two, within 19%) to 8 (256, within 0.14%); 6 (within 0.55%) is the default; found "
                        + "\(describe(value))",
                    at: location(value))
            }
        case "window":
            options.windowMilliseconds = parseWindow(value)
        case "unit":
            guard let text = expectText(value, key: "unit") else { return }
            if kind == .meter || kind == .meterDict {
                options.unit = text.value  // the rates' display unit, as in scales
            } else if Self.isBaseUnit(text.value) {
                options.unit = text.value
            } else {
                log.error(
                    "`unit` is a base unit in lower case, such as `seconds` or `bytes` (Prometheus names carry it: "
                        + "`latency_seconds`); found `\(text.value)`\(Self.baseUnitHint(text.value))",
                    at: text.location)
            }
        case "label":
            guard let text = expectText(value, key: "label") else { return }
            if Self.isLabelName(text.value) {
                options.label = text.value
            } else {
                log.error(
                    "`label` is the Prometheus label name of the keys, such as `path` or `status`: letters, digits and "
                        + "`_`, not starting with a digit or `__`, and not `le` or `quantile`; found `\(text.value)`",
                    at: text.location)
            }
        case "of":
            options.of = parseAggregationSource(value)
        default:
            break
        }
    }

    /// A base unit: lower-case letters and `_`, such as `seconds`, `bytes`, `celsius`.
    static func isBaseUnit(_ text: String) -> Bool {
        guard baseUnitHint(text).isEmpty, let first = text.utf8.first, first >= 0x61, first <= 0x7A else {
            return false
        }
        return text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }
    }

    /// A hint for units that are not base units.
    static func baseUnitHint(_ text: String) -> String {
        switch text.lowercased() {
        case "ms", "milliseconds", "us", "µs", "microseconds", "ns", "nanoseconds", "s", "sec", "secs", "second",
            "minutes", "m":
            return "; record seconds and say `unit: seconds`"
        case "kb", "mb", "gb", "kib", "mib", "gib", "b", "byte":
            return "; record bytes and say `unit: bytes`"
        default:
            return ""
        }
    }

    /// A Prometheus label name a user may choose.
    static func isLabelName(_ text: String) -> Bool {
        guard let first = text.utf8.first, !(first >= 0x30 && first <= 0x39), !text.hasPrefix("__"),
            text != "le", text != "quantile"
        else { return false }
        return text.utf8.allSatisfy {
            ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F
        }
    }

    mutating func parseInitialValue(_ node: Node, kind: StatKind) -> Located<InitialValue>? {
        guard checkNoAnchor(node) else { return nil }
        guard let scalar = node.scalar, !isNull(node) else {
            log.error("`value` must be a single \(kind.rawValue) value; found \(describe(node))", at: location(node))
            return nil
        }
        let text = scalar.string
        let at = location(node)
        switch kind {
        case .string:
            return Located(.string(text), at: at)
        case .bool:
            if scalar.style == .plain, let value = Self.boolValue(text) { return Located(.bool(value), at: at) }
            log.error("`value` of a bool must be `true` or `false`, not `\(text)`", at: at)
        case .int:
            if scalar.style == .plain, let value = Int(text.replacingUnderscores()) {
                return Located(.int(value), at: at)
            }
            log.error(
                "`value` of an int must be a whole number that fits in 64 bits, such as `0` or `-5`; found "
                    + "`\(text)`", at: at)
        case .double:
            if scalar.style == .plain, let value = Double(text.replacingUnderscores()), value.isFinite {
                return Located(.double(value), at: at)
            }
            log.error("`value` of a double must be a finite number, such as `0.5`; found `\(text)`", at: at)
        default:
            break
        }
        return nil
    }

    /// `window: 300` (seconds), or `"5m"`, `"30s"`, `"500ms"`, `"1h"`.
    mutating func parseWindow(_ node: Node) -> Int? {
        guard let text = expectText(node, key: "window") else { return nil }
        let raw = text.value.trimmingSpaces()
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        var number = Substring(raw)
        var factor = 1000.0
        for (suffix, scale) in units where raw.hasSuffix(suffix) {
            let candidate = raw.dropLast(suffix.count)
            if Double(candidate.trimmingSpaces()) != nil {
                number = Substring(candidate.trimmingSpaces())
                factor = scale
                break
            }
        }
        guard let value = Double(number), value.isFinite, value > 0 else {
            log.error(
                "`window` must be a positive duration: seconds as a number (`300`) or a string such as `\"5m\"`, "
                    + "`\"30s\"`, `\"500ms\"`, `\"1h\"`; found `\(text.value)`",
                at: text.location)
            return nil
        }
        let milliseconds = value * factor
        guard milliseconds >= 1, milliseconds <= 7 * 24 * 3_600_000, milliseconds == milliseconds.rounded() else {
            log.error(
                "`window` must be a whole number of milliseconds between 1ms and 7 days; found `\(text.value)`",
                at: text.location)
            return nil
        }
        return Int(milliseconds)
    }

    mutating func parseAggregationSource(_ node: Node) -> Located<AggregationSource>? {
        guard let text = expectText(node, key: "of") else { return nil }
        let parts = text.value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            log.error(
                "`of` must name a child collection's stat as `Type.stat`, such as `ThreadStats.finished`; found "
                    + "`\(text.value)`",
                at: text.location)
            return nil
        }
        return Located(AggregationSource(collection: String(parts[0]), stat: String(parts[1])), at: text.location)
    }

    mutating func parseDoc(_ node: Node) -> String? {
        guard checkNoAnchor(node) else { return nil }
        if isNull(node) { return nil }
        guard let scalar = node.scalar else {
            log.error("`doc` must be text; found \(describe(node))", at: location(node))
            return nil
        }
        let trimmed = scalar.string.trimmingSpaces()
        return trimmed.isEmpty ? nil : trimmed
    }
}
