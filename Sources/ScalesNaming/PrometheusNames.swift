/// The one rule for the names stats get on `/metrics`, shared by the runtime's writers and the
/// generator (which rejects, at the YAML line, two stats whose names would collide).
///
/// A stat's **base name** is its path's segments, each as a ``namePart(_:)``, joined with `_`
/// (a template segment contributes its literal text; its id becomes a label). Its kind's
/// ``ExportShape`` then says which families it writes from that base: `x`, `x_total`,
/// `x_info`, `x_rate`, `x_seconds_total`, and for a summary the samples `x_sum` and `x_count`.
package enum PrometheusNames {
    /// One path segment as a metric name part: snake case, only `[a-z0-9_]`, no leading,
    /// trailing or repeated `_` (may be empty).
    ///
    /// `byPath` → `by_path`, `HTTPServer` → `http_server`, `thread-{id}` → `thread_id`,
    /// `99percentile` → `99percentile`.
    package static func namePart(_ text: String) -> String {
        // Fast path: already snake case.
        var clean = true
        var previous: UInt8 = 0x5F  // a leading "_" is not clean
        for byte in text.utf8 {
            switch byte {
            case 0x61...0x7A, 0x30...0x39: break
            case 0x5F: if previous == 0x5F { clean = false }
            default: clean = false
            }
            if !clean { break }
            previous = byte
        }
        if clean, previous != 0x5F { return text }

        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 4)
        var lastWasUnderscore = true  // trims leading underscores
        func append(_ byte: UInt8) {
            if byte == 0x5F {
                if lastWasUnderscore { return }
                lastWasUnderscore = true
            } else {
                lastWasUnderscore = false
            }
            out.append(byte)
        }
        func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
        func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        for index in bytes.indices {
            let byte = bytes[index]
            if isUpper(byte) {
                if index > 0 {
                    let before = bytes[index - 1]
                    let next = index + 1 < bytes.count ? bytes[index + 1] : 0
                    if isLower(before) || isDigit(before) || (isUpper(before) && isLower(next)) { append(0x5F) }
                }
                append(byte + 32)
            } else if isLower(byte) || isDigit(byte) {
                append(byte)
            } else {
                append(0x5F)  // anything else, each byte of a non-ASCII character included
            }
        }
        while out.last == 0x5F { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }

    /// `prefix_part`, or whichever is not empty; in one allocation (`prefix + "_" + part` makes
    /// two), none for a small string.
    package static func joined(_ prefix: String, _ part: String) -> String {
        if part.isEmpty { return prefix }
        if prefix.isEmpty { return part }
        let count = prefix.utf8.count + 1 + part.utf8.count
        guard count > 15 else { return prefix + "_" + part }  // a small string: stored inline
        var (prefix, part) = (prefix, part)
        return prefix.withUTF8 { head in
            part.withUTF8 { tail in
                String(unsafeUninitializedCapacity: count) { buffer in
                    _ = buffer.initialize(fromContentsOf: head)
                    buffer[head.count] = 0x5F
                    _ = buffer[(head.count + 1)...].initialize(fromContentsOf: tail)
                    return count
                }
            }
        }
    }

    /// A metric name: `_` in front if it would start with a digit; `scales` if empty.
    package static func metricName(_ name: String) -> String {
        guard let first = name.utf8.first else { return "scales" }
        return first >= 0x30 && first <= 0x39 ? "_" + name : name
    }

    /// A label name: like a name part, never empty, never starting with a digit.
    package static func labelName(_ text: String) -> String {
        let part = namePart(text)
        guard let first = part.utf8.first else { return "label" }
        return first >= 0x30 && first <= 0x39 ? "_" + part : part
    }

    /// `name` with `suffix` appended, unless it already ends with it (`requests_total` stays).
    package static func suffixed(_ name: String, _ suffix: String) -> String {
        name.hasSuffix(suffix) ? name : name + suffix
    }

    /// `name` with the base unit `unit` (`seconds`, `bytes`) appended as a name part, unless it
    /// already ends with it: `latency` → `latency_seconds`; `latency_seconds` stays. A counter's
    /// `_total` comes after the unit (`sent_bytes_total`).
    package static func withUnit(_ name: String, _ unit: String?) -> String {
        guard let unit else { return name }
        let part = namePart(unit)
        guard !part.isEmpty, name != part, !name.hasSuffix("_" + part) else { return name }
        return name + "_" + part
    }

    /// The name a renamed stat gets when its names are taken: `base_2`, `base_3`, …
    package static func renamed(_ base: String, attempt: Int) -> String {
        base + "_" + String(attempt)
    }
}

/// How a family's name is made from a stat's base name.
package enum FamilySuffix: Sendable, Hashable {
    /// `x` (gauges, summaries).
    case none
    /// `x_total` (counters).
    case total
    /// `x_info` (strings as info gauges).
    case info
    /// `x_rate` (a meter's rates).
    case rate
    /// `x_seconds_total` (a stateTime's seconds per state).
    case secondsTotal

    /// The family's name for the base name `base`.
    package func family(_ base: String) -> String {
        switch self {
        case .none: return base
        case .total: return PrometheusNames.suffixed(base, "_total")
        case .info: return PrometheusNames.suffixed(base, "_info")
        case .rate: return base + "_rate"
        case .secondsTotal: return PrometheusNames.suffixed(PrometheusNames.suffixed(base, "_seconds"), "_total")
        }
    }
}

/// What a stat looks like on `/metrics`: which families it writes.
package enum ExportShape: Sendable, Hashable, CaseIterable {
    /// `int`, `double`, `bool`, int and double gauges, `intDict`, `histogram`, `intDictSum`.
    case gauge
    /// Monotonic `int` (and `double`), a `sum` of counters.
    case counter
    /// `string`, `stringDict`, string gauges: `x_info{value="…"} 1`.
    case info
    /// `pmf`, `pmfDict`: `x{quantile="…"}`, `x_sum`, `x_count`.
    case summary
    /// `meter`, `meterDict`: `x_total` and `x_rate{window="…"}`.
    case meter
    /// `stateTime`: `x_seconds_total{state="…"}`.
    case stateTime

    /// The families it writes.
    package var families: [FamilySuffix] {
        switch self {
        case .gauge, .summary: return [.none]
        case .counter: return [.total]
        case .info: return [.info]
        case .meter: return [.total, .rate]
        case .stateTime: return [.secondsTotal]
        }
    }

    /// Every metric name it writes for the base name `base`: its families' names and, for a
    /// summary, `base_sum` and `base_count`.
    package func names(base: String) -> [String] {
        var names = families.map { $0.family(base) }
        if self == .summary { names += [base + "_sum", base + "_count"] }
        return names
    }
}
