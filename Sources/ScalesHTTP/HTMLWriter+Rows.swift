// The status page's tree: one list item per stat or container (expanded, or collapsed into a
// link to its own page), with each stat's heading and kind.

import Scales

extension HTMLWriter {
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

    /// A keyed pmf's or meter's entries, sorted by key, each open with its fields.
    mutating func keyed<Value>(_ dict: [String: Value], fields: (inout Self, Value) -> Void) {
        if dict.isEmpty {
            out += "<ul><li class=\"empty\">empty</li></ul>"
            return
        }
        out += "<ul>"
        for (key, value) in dict.sorted(by: { $0.key < $1.key }) {
            out += "<li><details open><summary>"
            self.key(key, doc: nil)
            out += "</summary>"
            fields(&self, value)
            out += "</details></li>"
        }
        out += "</ul>"
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
            keyed(dict) { $0.pmfFields($1, unit: unit ?? .seconds) }
            out += "</details></li>"
        case .meterDict(let dict):
            out += "<li><details open><summary>"
            statHeading(stat)
            out += "</summary>"
            out += Self.meterLegend
            keyed(dict) { $0.meterFields($1) }
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
}
