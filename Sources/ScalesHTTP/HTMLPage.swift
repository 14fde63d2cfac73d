import Scales

/// The status page: a snapshot as one self-contained HTML document.
///
/// Nested and sorted like the tree; values styled by type, each stat labelled with its kind
/// (`int`, `counter`, `gauge`, `pmf`, `meter`, `histogram`, `sum`, …); durations and sizes in
/// human units (`234 µs`, `12.3 ms`, `1.50 KiB`) with the exact number in the title; a meter's
/// and a pmf's figures explained; collapsed containers as links to their own page (after their
/// expanded siblings, as scales shows them); a filter box that is a plain GET form, so the page
/// needs no JavaScript and loads nothing from elsewhere. With a ``StatusHistory``, numbers get a
/// sparkline of their recent values (counters: of their rate). Every key, value, doc string and
/// the server name are escaped.
///
/// With `refresh`, the page reloads itself every so many seconds, keeping its scroll position
/// and closed folds (one script, allowed by its hash in ``StatusHandler``'s policy); without
/// JavaScript it still refreshes (a `<noscript>` meta refresh) and shows every number.
///
/// ```swift
/// let html = HTMLPage.render(snapshot, serverName: "api-7", statusPath: "/status")
/// ```
public enum HTMLPage {
    /// Renders a status page.
    ///
    /// - Parameters:
    ///   - snapshot: What to show (a subtree when a path below the root was requested).
    ///   - serverName: Shown in the title and the heading.
    ///   - statusPath: Where the status page is mounted (`/status`); links are built on it.
    ///   - metricsPath: Where Prometheus metrics are served, linked from the page (none if `nil`).
    ///   - query: The filter the snapshot went through, shown in the filter box.
    ///   - error: A message shown instead of the tree (a malformed query).
    ///   - refresh: Reload the page every so many seconds (`nil`: no refresh). A page served
    ///     with it needs the policy ``StatusHandler`` sends with it.
    ///   - history: Draws a sparkline next to each stat it has a history for.
    public static func render(
        _ snapshot: Snapshot, serverName: String, statusPath: String = "/status", metricsPath: String? = nil,
        query: String? = nil, error: String? = nil, refresh: Int? = nil, history: StatusHistory? = nil
    ) -> String {
        var page = HTMLWriter(statusPath: statusPath, metricsPath: metricsPath)
        page.refresh = refresh
        page.history = history?.reading()
        page.document(snapshot, serverName: serverName, query: query, error: error)
        return page.out
    }

    /// Escapes text for use between tags: `&`, `<`, `>`, quotes; newlines become `<br>` and
    /// other control characters their visible Unicode pictures (U+2400…).
    public static func escapeText(_ text: String) -> String {
        var out = ""
        HTMLWriter.appendEscaped(text, to: &out, newlinesAsBreaks: true)
        return out
    }

    /// Escapes text for a double-quoted attribute value.
    public static func escapeAttribute(_ text: String) -> String {
        var out = ""
        HTMLWriter.appendEscaped(text, to: &out, newlinesAsBreaks: false)
        return out
    }
}

struct HTMLWriter {
    let statusPath: String
    let metricsPath: String?
    var refresh: Int?
    var history: StatusHistory.Reading?
    var out = ""

    init(statusPath: String, metricsPath: String?) {
        self.statusPath = statusPath
        self.metricsPath = metricsPath
        out.reserveCapacity(16 * 1024)
    }

    mutating func document(_ snapshot: Snapshot, serverName: String, query: String?, error: String?) {
        let pathNames = snapshot.path.segments.map(\.description)
        let pathText = "/" + pathNames.joined(separator: "/")
        out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        out += "<title>"
        text(serverName)
        out += pathNames.isEmpty ? " - Status" : " - Status: "
        if !pathNames.isEmpty { text(pathText) }
        out += "</title>"
        if let refresh {
            out += "<noscript><meta http-equiv=\"refresh\" content=\""
            out += String(refresh)
            out += "\"></noscript>"
        }
        out += "<style>"
        out += Self.style
        out += "</style></head>\n<body><header><h1>Stats<span class=\"server\">"
        text(serverName)
        out += "</span></h1>\n<nav class=\"crumbs\">Path: <a href=\""
        attribute(statusPath + "/")
        out += "\">/</a>"
        var prefix: [String] = []
        for (index, name) in pathNames.enumerated() {
            prefix.append(name)
            if index > 0 { out += "/" }
            out += "<a href=\""
            attribute(link(to: prefix))
            out += "\">"
            text(name)
            out += "</a>"
        }
        out += "</nav>\n<form class=\"filter\" method=\"get\"><label for=\"query\">Filter</label> "
        out += "<input id=\"query\" type=\"search\" name=\"query\" value=\""
        attribute(query ?? "")
        out += "\" placeholder=\"key or key&gt;=value\"> <button type=\"submit\">Apply</button>"
        if let refresh {
            out += "<input type=\"hidden\" name=\"refresh\" value=\""
            out += String(refresh)
            out += "\">"
        }
        if let query, !query.isEmpty {
            out += refresh.map { " <a href=\"?refresh=\($0)\">clear</a>" } ?? " <a href=\"?\">clear</a>"
        }
        out += "</form>\n<p class=\"formats\">As <a href=\""
        let querySuffix = query.map { $0.isEmpty ? "" : "&query=" + RequestTarget.encodeQueryValue($0) } ?? ""
        attribute("?format=json" + querySuffix)
        out += "\">JSON</a> · <a href=\""
        attribute("?format=prettyjson" + querySuffix)
        out += "\">pretty JSON</a>"
        if let metricsPath {
            out += " · <a href=\""
            attribute(metricsPath)
            out += "\">Prometheus</a>"
        }
        out += "</p>\n"
        refreshLinks(query: querySuffix)
        out += "</header>\n<main>"
        if let error {
            out += "<p class=\"error\">"
            text(error)
            out += "</p>"
        } else {
            if let query, !query.isEmpty {
                out += "<p class=\"note\">Showing what matches <code>"
                text(query)
                out += "</code>.</p>"
            }
            tree(snapshot.root, path: pathNames)
        }
        out += "</main>\n<footer>Snapshot taken "
        text(Self.utcText(snapshot.timestamp))
        out += "."
        historyNote()
        out += "</footer>"
        if let refresh {
            out += "<script data-refresh=\""
            out += String(refresh)
            out += "\">"
            out += PageRefresh.script
            out += "</script>"
        }
        out += "</body></html>\n"
    }

    /// Links that turn the refresh on (at 5 s, 30 s) or off, keeping the filter.
    mutating func refreshLinks(query: String) {
        out += "<p class=\"refresh\">"
        if let refresh {
            out += "Refreshing every "
            out += String(refresh)
            out += " s (scroll position and folds are kept) · <a href=\""
            attribute(query.isEmpty ? "?" : "?" + query.dropFirst())
            out += "\">stop</a>"
        } else {
            out += "Refresh every <a href=\""
            attribute("?refresh=5" + query)
            out += "\">5 s</a> · <a href=\""
            attribute("?refresh=30" + query)
            out += "\">30 s</a>"
        }
        out += "</p>"
    }

    /// What the sparklines show and what did not fit.
    mutating func historyNote() {
        guard let history else { return }
        let minutes = Double(history.points) * history.interval / 60
        out += " Sparklines: the last "
        out += Self.displayDouble(minutes)
        out += " minutes, one point per "
        out += DisplayUnits.window(.milliseconds(Int64((history.interval * 1000).rounded())))
        out += "; counters show their rate per second, other numbers their value."
        if history.untracked > 0 {
            out += " <span class=\"error\">"
            out += String(history.untracked)
            out += " stats have no history: the limit of stats with a history was reached.</span>"
        }
    }

    mutating func tree(_ root: SnapshotNode, path: [String]) {
        switch root {
        case .container(let container):
            if container.children.isEmpty {
                out += "<p class=\"empty\">Nothing here.</p>"
                return
            }
            out += "<ul class=\"tree\">"
            children(of: container, path: path)
            out += "</ul>"
        case .stat(let stat):
            out += "<ul class=\"tree\">"
            statItem(stat, path: path)
            out += "</ul>"
        }
    }

    mutating func children(of container: SnapshotContainer, path: [String]) {
        var links: [SnapshotContainer] = []
        for child in container.children {
            switch child {
            case .container(let inner):
                if inner.collapsed {
                    links.append(inner)
                    continue
                }
                out += "<li><details open><summary>"
                key(inner.name, doc: inner.doc)
                out += "</summary>"
                if inner.children.isEmpty {
                    out += "<ul><li class=\"empty\">empty</li></ul>"
                } else {
                    out += "<ul>"
                    children(of: inner, path: path + [inner.name])
                    out += "</ul>"
                }
                out += "</details></li>"
            case .stat(let stat):
                statItem(stat, path: path + [stat.name])
            }
        }
        for inner in links {
            out += "<li><a class=\"collapsed key\" href=\""
            attribute(link(to: path + [inner.name]))
            out += "\""
            if let doc = inner.doc, !doc.isEmpty {
                out += " title=\""
                attribute(doc)
                out += "\""
            }
            out += ">"
            text(inner.name)
            out += "</a> <span class=\"hint\">collapsed</span></li>"
        }
    }

    mutating func statItem(_ stat: SnapshotStat, path: [String]) {
        let unit = Self.unit(of: stat)
        switch stat.value {
        case .pmf(let pmf):
            out += "<li><details open><summary>"
            statHeading(stat)
            out += "</summary>"
            pmfFields(pmf, unit: unit ?? .seconds)
            pmfLegend(stat.recentWindow)
            out += "</details></li>"
        case .meter(let meter):
            out += "<li><details open><summary>"
            statHeading(stat)
            out += "</summary>"
            meterFields(meter)
            out += Self.meterLegend
            out += "</details></li>"
        case .pmfDict(let dict):
            out += "<li><details open><summary>"
            statHeading(stat)
            out += "</summary>"
            pmfLegend(stat.recentWindow)
            if dict.isEmpty {
                out += "<ul><li class=\"empty\">empty</li></ul>"
            } else {
                out += "<ul>"
                for (key, pmf) in dict.sorted(by: { $0.key < $1.key }) {
                    out += "<li><details open><summary>"
                    self.key(key, doc: nil)
                    out += "</summary>"
                    pmfFields(pmf, unit: unit ?? .seconds)
                    out += "</details></li>"
                }
                out += "</ul>"
            }
            out += "</details></li>"
        case .meterDict(let dict):
            out += "<li><details open><summary>"
            statHeading(stat)
            out += "</summary>"
            out += Self.meterLegend
            if dict.isEmpty {
                out += "<ul><li class=\"empty\">empty</li></ul>"
            } else {
                out += "<ul>"
                for (key, meter) in dict.sorted(by: { $0.key < $1.key }) {
                    out += "<li><details open><summary>"
                    self.key(key, doc: nil)
                    out += "</summary>"
                    meterFields(meter)
                    out += "</details></li>"
                }
                out += "</ul>"
            }
            out += "</details></li>"
        default:
            if let members = stat.value.members {
                out += "<li><details open><summary>"
                statHeading(stat)
                out += "</summary>"
                let memberUnit: DisplayUnits.Unit? = if case .stateTime = stat.value { .seconds } else { unit }
                structured(members, unit: memberUnit)
                out += "</details></li>"
            } else {
                out += "<li>"
                key(stat.name, doc: stat.doc, docLater: true)
                out += " "
                scalar(stat.value, unit: unit)
                sparkline(path)
                kind(stat)
                doc(stat.doc)
                out += "</li>"
            }
        }
    }

    /// A structured stat's summary: its key, kind and doc.
    mutating func statHeading(_ stat: SnapshotStat) {
        key(stat.name, doc: stat.doc, docLater: true)
        kind(stat)
        doc(stat.doc)
    }

    /// The stat's kind, as declared in stats.yaml, with what it means as the title.
    mutating func kind(_ stat: SnapshotStat) {
        let (name, meaning) = Self.kind(of: stat)
        guard !name.isEmpty else { return }
        out += "<span class=\"kind\" title=\""
        out += meaning
        out += "\">"
        out += name
        out += "</span>"
    }

    /// A pmf's figures: count and sum all-time, the window's count, then the window figures.
    mutating func pmfFields(_ pmf: PmfSnapshot, unit: DisplayUnits.Unit) {
        out += "<ul class=\"fields\">"
        field("count", title: "values recorded since the stat was created (all time)")
        out += "<span class=\"int\">"
        out += String(pmf.count)
        out += "</span></li>"
        field("sum", title: "sum of every value recorded (all time)")
        number(pmf.sum, unit: unit)
        out += "</li>"
        field("windowCount", title: "values recorded in the recent window")
        out += "<span class=\"int\">"
        out += String(pmf.windowCount)
        out += "</span></li>"
        for (name, value) in pmf.fields {
            field(name, title: Self.pmfFieldMeaning(name))
            if let value {
                number(value, unit: unit)
            } else {
                out += "<span class=\"absent\" title=\"no values in the recent window\">n/a</span>"
            }
            out += "</li>"
        }
        out += "</ul>"
    }

    mutating func pmfLegend(_ window: Duration?) {
        out += "<p class=\"legend\">count and sum: all time; the other figures: the values of about the last "
        if let window {
            out += DisplayUnits.window(window)
            out += " (the window: 5 slices of "
            out += DisplayUnits.window(window / 5)
            out += ", recent slices weigh more)"
        } else {
            out += "few minutes (the pmf's window)"
        }
        out += "; n/a: nothing recorded in the window.</p>"
    }

    mutating func meterFields(_ meter: MeterSnapshot) {
        out += "<ul class=\"fields\">"
        field("count", title: "events marked since the meter was created (all time)")
        out += "<span class=\"int\">"
        out += String(meter.count)
        out += "</span></li>"
        for (name, value, meaning) in [
            ("m1", meter.m1, "1-minute exponentially weighted moving rate"),
            ("m5", meter.m5, "5-minute exponentially weighted moving rate"),
            ("m15", meter.m15, "15-minute exponentially weighted moving rate"),
            ("mean", meter.meanRate, "mean rate since the meter was created"),
        ] {
            field(name, title: meaning + ", " + meter.unit)
            scalar(.double(value), unit: nil)
            out += "</li>"
        }
        field("unit", title: "the unit of the rates")
        out += "<span class=\"str\">"
        text(meter.unit)
        out += "</span></li></ul>"
    }

    static let meterLegend = """
        <p class="legend">m1, m5, m15: exponentially weighted moving rates over about the last 1, 5 and 15 \
        minutes (recent events weigh more); mean: since creation; count: all time.</p>
        """

    /// Opens a field's `<li>` with its key, whose title says what it is.
    mutating func field(_ name: String, title: String) {
        out += "<li><span class=\"key\" title=\""
        attribute(title)
        out += "\">"
        text(name)
        out += "</span> "
    }

    static func pmfFieldMeaning(_ name: String) -> String {
        switch name {
        case "min": return "smallest value in the recent window"
        case "max": return "largest value in the recent window"
        case "mean": return "mean of the recent window (recent slices weigh more)"
        case "stddev": return "standard deviation of the recent window"
        case "median": return "50th percentile of the recent window"
        default:
            let digits = name.prefix { $0.isNumber }
            let percentile = digits == "999" ? "99.9" : String(digits)
            return percentile + "th percentile of the recent window"
        }
    }

    mutating func structured(_ members: [(key: String, value: StatValue)], unit: DisplayUnits.Unit?) {
        if members.isEmpty {
            out += "<ul><li class=\"empty\">empty</li></ul>"
            return
        }
        out += "<ul>"
        for member in members {
            if let inner = member.value.members {
                out += "<li><details open><summary>"
                key(member.key, doc: nil)
                out += "</summary>"
                structured(inner, unit: unit)
                out += "</details></li>"
            } else {
                out += "<li>"
                key(member.key, doc: nil)
                out += " "
                scalar(member.value, unit: unit)
                out += "</li>"
            }
        }
        out += "</ul>"
    }

    /// A key; its doc (if any) is its title, and is shown next to it unless `docLater`.
    mutating func key(_ name: String, doc: String?, docLater: Bool = false) {
        out += "<span class=\"key\""
        if let doc, !doc.isEmpty {
            out += " title=\""
            attribute(doc)
            out += "\""
        }
        out += ">"
        text(name)
        out += "</span>"
        if !docLater { self.doc(doc) }
    }

    mutating func doc(_ doc: String?) {
        guard let doc, !doc.isEmpty else { return }
        out += "<span class=\"doc\">"
        text(doc)
        out += "</span>"
    }

    mutating func scalar(_ value: StatValue, unit: DisplayUnits.Unit?) {
        switch value {
        case .int(let number):
            if let unit {
                out += "<span class=\"int\" title=\""
                out += String(number)
                out += "\">"
                text(DisplayUnits.format(Double(number), unit))
            } else {
                out += "<span class=\"int\">"
                out += String(number)
            }
            out += "</span>"
        case .counter(let number):
            out += "<span class=\"counter\" title=\"monotonic"
            if let unit {
                out += ", "
                out += String(number)
                out += "\">"
                text(DisplayUnits.format(Double(number), unit))
            } else {
                out += "\">"
                out += String(number)
            }
            out += "</span>"
        case .double(let number), .doubleCounter(let number):
            let monotonic = if case .doubleCounter = value { true } else { false }
            out += monotonic ? "<span class=\"float counter\" title=\"monotonic, " : "<span class=\"float\" title=\""
            out += PrometheusFormat.formatValue(number)
            out += "\">"
            if let unit {
                text(DisplayUnits.format(number, unit))
            } else {
                out += Self.displayDouble(number)
            }
            out += "</span>"
        case .string(let string):
            if string.isEmpty {
                out += "<span class=\"str empty\">\"\"</span>"
            } else {
                out += "<span class=\"str\">"
                text(string)
                out += "</span>"
            }
        case .bool(let flag):
            out += flag ? "<span class=\"bool\">true</span>" : "<span class=\"bool\">false</span>"
        case .absent:
            out += "<span class=\"absent\" title=\"no value: an empty window or a failed gauge\">n/a</span>"
        default:
            out += "<span class=\"absent\">?</span>"
        }
    }

    func link(to names: [String]) -> String {
        var link = statusPath
        for name in names {
            link += "/"
            link += RequestTarget.linkSegment(name)
        }
        return link + "/"
    }

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
        Sparkline.append(line.points, counter: line.counter, interval: history.interval, points: history.points, to: &out)
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
        while scaledDown >= 10 { scaledDown /= 10; exponent += 1 }
        while scaledDown < 1 { scaledDown *= 10; exponent -= 1 }
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
        return "\(year)-\(two(month))-\(two(day)) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) UTC"
    }
}
