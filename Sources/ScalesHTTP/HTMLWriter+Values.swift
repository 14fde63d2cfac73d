// A stat's values on the status page: a pmf's and a meter's figures with their legends,
// structured (dict) members, keys and docs, scalars, and links to a path.

import Scales

extension HTMLWriter {
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

    /// An int or a counter: in its unit when it has one (the exact number in the title), and a
    /// counter's title says it is monotonic. (Whole literals, one append each: the page writes
    /// thousands of these.)
    mutating func integer(_ number: Int, unit: DisplayUnits.Unit?, monotonic: Bool) {
        if let unit {
            out += monotonic ? "<span class=\"counter\" title=\"monotonic, " : "<span class=\"int\" title=\""
            out += String(number)
            out += "\">"
            text(DisplayUnits.format(Double(number), unit))
        } else {
            out += monotonic ? "<span class=\"counter\" title=\"monotonic\">" : "<span class=\"int\">"
            out += String(number)
        }
        out += "</span>"
    }

    mutating func scalar(_ value: StatValue, unit: DisplayUnits.Unit?) {
        switch value {
        case .int(let number):
            integer(number, unit: unit, monotonic: false)
        case .counter(let number):
            integer(number, unit: unit, monotonic: true)
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
}
