/// Numbers in human units for the status page: durations (`234 µs`, `12.3 ms`, `1.20 s`,
/// `3.5 min`) and byte sizes (`512 B`, `1.50 KiB`, `12.0 MiB`). Display only: JSON and
/// `/metrics` keep the exact numbers, and the page puts the exact number in each value's title.
enum DisplayUnits {
    /// How a stat's numbers are shown, from its `unit:` (and kind: a pmf without a unit times
    /// code, in seconds).
    enum Unit: Equatable {
        case seconds, bytes
        case other(String)

        init?(_ name: String?) {
            switch name {
            case nil, "": return nil
            case "seconds", "second", "s": self = .seconds
            case "bytes", "byte": self = .bytes
            case let name?: self = .other(name)
            }
        }
    }

    /// `value` in `unit`, three significant digits (whole numbers from 100 up).
    static func format(_ value: Double, _ unit: Unit) -> String {
        guard value.isFinite else { return HTMLWriter.displayDouble(value) }
        switch unit {
        case .seconds: return duration(value)
        case .bytes: return bytes(value)
        case .other(let name): return HTMLWriter.displayDouble(value) + " " + name
        }
    }

    /// Seconds as `0 s`, `850 ns`, `234 µs`, `12.3 ms`, `1.20 s`, `3.50 min`, `2.00 h`, `3.00 d`.
    static func duration(_ seconds: Double) -> String {
        let magnitude = Swift.abs(seconds)
        if magnitude == 0 { return "0 s" }
        let scaled: (Double, String)
        switch magnitude {
        case ..<1e-6: scaled = (seconds * 1e9, "ns")
        case ..<1e-3: scaled = (seconds * 1e6, "µs")
        case ..<1: scaled = (seconds * 1e3, "ms")
        case ..<60: scaled = (seconds, "s")
        case ..<3600: scaled = (seconds / 60, "min")
        case ..<86_400: scaled = (seconds / 3600, "h")
        default: scaled = (seconds / 86_400, "d")
        }
        return threeDigits(scaled.0) + " " + scaled.1
    }

    /// Bytes as `512 B`, `1.50 KiB`, `12.0 MiB`, `3.00 GiB` (powers of 1024).
    static func bytes(_ count: Double) -> String {
        var scaled = count
        var index = 0
        let names = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        while Swift.abs(scaled) >= 1024, index < names.count - 1 {
            scaled /= 1024
            index += 1
        }
        return (index == 0 ? HTMLWriter.displayDouble(scaled) : threeDigits(scaled)) + " " + names[index]
    }

    /// Three significant digits, trailing zeros kept (`1.20`, `12.3`, `234`); at least the
    /// whole part (`1234` stays `1234`).
    static func threeDigits(_ value: Double) -> String {
        let magnitude = Swift.abs(value)
        let decimals = magnitude >= 99.95 ? 0 : magnitude >= 9.995 ? 1 : 2
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (magnitude * scale).rounded()
        guard rounded < 9e15 else { return HTMLWriter.displayDouble(value) }
        let whole = UInt64(rounded)
        let factor = UInt64(scale)
        var text = String(whole / factor)
        if decimals > 0 {
            var fraction = String(whole % factor)
            fraction = String(repeating: "0", count: decimals - fraction.count) + fraction
            text += "." + fraction
        }
        return value < 0 && rounded > 0 ? "-" + text : text
    }

    /// A window's length in words: `5 minutes`, `30 seconds`, `1 minute 30 seconds`, `250 ms`.
    static func window(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if seconds < 1 { return String(attoseconds / 1_000_000_000_000_000) + " ms" }
        func plural(_ n: Int64, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        let hours = seconds / 3600
        let minutes = seconds / 60 % 60
        let rest = seconds % 60
        var parts: [String] = []
        if hours > 0 { parts.append(plural(hours, "hour")) }
        if minutes > 0 { parts.append(plural(minutes, "minute")) }
        if rest > 0 || parts.isEmpty { parts.append(plural(rest, "second")) }
        return parts.joined(separator: " ")
    }
}
