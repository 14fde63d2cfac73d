// The status page's text helpers: escaping, numbers in their display units, a stat's unit and
// kind, sparklines, and how doubles and timestamps are written.

import Scales

extension HTMLWriter {
    mutating func text(_ string: String) {
        Self.appendEscaped(string, to: &out, newlinesAsBreaks: true)
    }

    mutating func attribute(_ string: String) {
        Self.appendEscaped(string, to: &out, newlinesAsBreaks: false)
    }

    static func appendEscaped(_ string: String, to out: inout String, newlinesAsBreaks: Bool) {
        for scalar in string.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n": out += newlinesAsBreaks ? "<br>" : "&#10;"
            case "\t": out += newlinesAsBreaks ? "\t" : "&#9;"
            default:
                if scalar.value < 0x20 {
                    out.unicodeScalars.append(Unicode.Scalar(0x2400 + scalar.value) ?? "?")
                } else if scalar.value == 0x7F {
                    out += "\u{2421}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
    }

    /// A number in `unit` (its exact value in the title), or as a plain double.
    mutating func number(_ value: Double, unit: DisplayUnits.Unit) {
        scalar(.double(value), unit: unit)
    }

    /// How a stat's numbers are shown: its `unit:`; a pmf without one records seconds.
    static func unit(of stat: SnapshotStat) -> DisplayUnits.Unit? {
        if let unit = DisplayUnits.Unit(stat.unit) { return unit }
        switch stat.value {
        case .pmf, .pmfDict, .stateTime: return .seconds
        default: return nil
        }
    }

    /// The stat's kind as stats.yaml names it, and what it means (for the title).
    static func kind(of stat: SnapshotStat) -> (name: String, meaning: String) {
        switch stat.declaredKind {
        case "gauge": return ("gauge", "read from a closure when the page was made")
        case "sum": return ("sum", "derived: the sum of one stat over the children of this collection")
        case "histogram": return ("histogram", "derived: how many children hold each value of one stat")
        case "intDictSum": return ("intDictSum", "derived: the per-key sum of one intDict over the children")
        default: break
        }
        switch stat.value {
        case .int: return ("int", "an integer that goes up and down")
        case .counter: return ("counter", "monotonic: only ever increases; its sparkline shows the rate per second")
        case .double: return ("double", "a floating-point number")
        case .doubleCounter:
            return ("counter", "monotonic double: only ever increases; its sparkline shows the rate per second")
        case .string: return ("string", "a text")
        case .bool: return ("bool", "a flag")
        case .absent: return ("", "")
        case .intDict: return ("intDict", "an integer per key")
        case .stringDict: return ("stringDict", "a text per key")
        case .stateTime: return ("stateTime", "time spent in each state since the stat was created")
        case .pmf: return ("pmf", "sample statistics: all-time count and sum, recent-window percentiles")
        case .pmfDict: return ("pmfDict", "a pmf per key")
        case .meter: return ("meter", "a count of events and their rates")
        case .meterDict: return ("meterDict", "a meter per key")
        }
    }

    /// A sparkline of the stat at `path` from the history, if it has two points or more.
    mutating func sparkline(_ path: [String]) {
        guard let history, let line = history.line(StatusHistory.key(path)), line.points.count >= 2 else { return }
        Sparkline.append(
            line.points, counter: line.counter, interval: history.interval, points: history.points, to: &out)
    }

    /// A double for people: six significant digits without exponent between 1e-4 and 1e15;
    /// the exact value is in the element's title.
    static func displayDouble(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "∞" : "-∞" }
        let magnitude = Swift.abs(value)
        if magnitude == 0 { return "0" }
        if magnitude >= 1e15 || magnitude < 1e-4 { return value.description }
        var exponent = 0
        var scaledDown = magnitude
        while scaledDown >= 10 {
            scaledDown /= 10
            exponent += 1
        }
        while scaledDown < 1 {
            scaledDown *= 10
            exponent -= 1
        }
        let decimals = Swift.max(0, 5 - exponent)
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (magnitude * Double(scale)).rounded()
        guard scaled < 9e15 else { return value.description }
        let whole = UInt64(scaled)
        var result = String(whole / scale)
        let fraction = whole % scale
        if decimals > 0, fraction > 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: decimals - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            result += "." + digits
        }
        return value < 0 ? "-" + result : result
    }

    /// `2026-05-01 12:00:03 UTC` from seconds since 1970.
    static func utcText(_ timestamp: Double) -> String {
        guard timestamp.isFinite, Swift.abs(timestamp) < 1e12 else { return "at an unknown time" }
        let seconds = Int(timestamp.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int) -> String { n < 10 ? "0" + String(n) : String(n) }
        return
            "\(year)-\(two(month))-\(two(day)) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) UTC"
    }
}
