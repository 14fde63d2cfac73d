import Scales

/// The status page: a snapshot as one self-contained HTML document.
///
/// Nested and sorted like the tree; values styled by type; collapsed containers as links to
/// their own page (after their expanded siblings, as scales shows them); a filter box that is a
/// plain GET form, so the page needs no JavaScript and loads nothing from elsewhere. Every key,
/// value, doc string and the server name are escaped.
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
    public static func render(
        _ snapshot: Snapshot, serverName: String, statusPath: String = "/status", metricsPath: String? = nil,
        query: String? = nil, error: String? = nil
    ) -> String {
        var page = HTMLWriter(statusPath: statusPath, metricsPath: metricsPath)
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
    var out = ""

    init(statusPath: String, metricsPath: String?) {
        self.statusPath = statusPath
        self.metricsPath = metricsPath
        out.reserveCapacity(16 * 1024)
    }

    static let style = """
        :root{color-scheme:light}
        body{font:14px/1.45 "DejaVu Sans Mono",Menlo,Consolas,monospace;margin:1.2em 2em;color:#111;background:#fff}
        header{border-bottom:1px solid #ddd;margin-bottom:1em;padding-bottom:.6em}
        h1{font-size:1.4em;margin:0}
        h1 .server{color:#555;font-weight:normal;margin-left:.5em}
        nav.crumbs{margin:.3em 0}
        nav.crumbs a{color:#15c;text-decoration:none}
        form.filter{margin:.5em 0}
        form.filter input{font:inherit;width:22em;padding:2px 4px}
        form.filter button{font:inherit}
        p.formats,p.note,footer{color:#555;margin:.3em 0}
        p.error{color:#b00;font-weight:bold}
        a{color:#15c}
        ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:0}
        ul.tree ul{margin-left:1.1em;padding-left:.9em;border-left:1px dotted #ccc}
        li{margin:1px 0}
        details>summary{cursor:pointer}
        .key{font-weight:bold;color:#000}
        .doc{color:#777;font-style:italic;font-weight:normal;margin-left:.6em}
        .kind{color:#999;font-size:.85em;margin-left:.4em}
        .int,.counter{color:#00c}
        .float{color:#70a}
        .str{color:#080}
        .bool{color:#c50}
        .absent,.empty{color:#999;font-style:italic}
        ul.fields{display:flex;flex-wrap:wrap;gap:0 1.4em}
        a.collapsed{font-weight:bold}
        .hint{color:#999;font-size:.85em}
        footer{border-top:1px solid #ddd;margin-top:1.2em;padding-top:.5em;font-size:.9em}
        """

    mutating func document(_ snapshot: Snapshot, serverName: String, query: String?, error: String?) {
        let pathNames = snapshot.path.segments.map(\.description)
        let pathText = "/" + pathNames.joined(separator: "/")
        out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        out += "<title>"
        text(serverName)
        out += pathNames.isEmpty ? " - Status" : " - Status: "
        if !pathNames.isEmpty { text(pathText) }
        out += "</title><style>"
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
        if let query, !query.isEmpty {
            out += " <a href=\"?\">clear</a>"
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
        out += "</p></header>\n<main>"
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
        out += ".</footer></body></html>\n"
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
        if let members = stat.value.members {
            out += "<li><details open><summary>"
            key(stat.name, doc: stat.doc, docLater: true)
            out += "<span class=\"kind\">"
            out += Self.kindName(stat.value)
            out += "</span>"
            doc(stat.doc)
            out += "</summary>"
            structured(members, fields: Self.isRecord(stat.value))
            out += "</details></li>"
        } else {
            out += "<li>"
            key(stat.name, doc: stat.doc, docLater: true)
            out += " "
            scalar(stat.value)
            doc(stat.doc)
            out += "</li>"
        }
    }

    mutating func structured(_ members: [(key: String, value: StatValue)], fields: Bool) {
        if members.isEmpty {
            out += "<ul><li class=\"empty\">empty</li></ul>"
            return
        }
        out += fields ? "<ul class=\"fields\">" : "<ul>"
        for member in members {
            if let inner = member.value.members {
                out += "<li><details open><summary>"
                key(member.key, doc: nil)
                out += "</summary>"
                structured(inner, fields: Self.isRecord(member.value))
                out += "</details></li>"
            } else {
                out += "<li>"
                key(member.key, doc: nil)
                out += " "
                scalar(member.value)
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

    mutating func scalar(_ value: StatValue) {
        switch value {
        case .int(let number):
            out += "<span class=\"int\">"
            out += String(number)
            out += "</span>"
        case .counter(let number):
            out += "<span class=\"counter\" title=\"monotonic\">"
            out += String(number)
            out += "</span>"
        case .double(let number), .doubleCounter(let number):
            let monotonic = if case .doubleCounter = value { true } else { false }
            out += monotonic ? "<span class=\"float counter\" title=\"monotonic, " : "<span class=\"float\" title=\""
            out += PrometheusFormat.formatValue(number)
            out += "\">"
            out += Self.displayDouble(number)
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

    static func kindName(_ value: StatValue) -> String {
        switch value {
        case .intDict: return "intDict"
        case .stringDict: return "stringDict"
        case .stateTime: return "stateTime"
        case .pmf: return "pmf"
        case .pmfDict: return "pmfDict"
        case .meter: return "meter"
        case .meterDict: return "meterDict"
        default: return ""
        }
    }

    /// Whether a value's members are fixed fields (shown side by side) rather than dict keys.
    static func isRecord(_ value: StatValue) -> Bool {
        switch value {
        case .pmf, .meter: return true
        default: return false
        }
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
