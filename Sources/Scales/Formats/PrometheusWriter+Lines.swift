// The byte-level line helpers of the Prometheus text formats: a sample line, HELP text and its
// escaping, and appending a string's UTF-8.

extension PrometheusWriter {
    /// `name{labels,extra} value\n`; `key` is the rendered labels (`{…}` or empty).
    static func appendLine(_ name: String, _ key: String, _ extra: String?, _ value: String, to out: inout [UInt8]) {
        out.appendUTF8(name)
        if let extra {
            if key.isEmpty {
                out.append(0x7B)
            } else {
                out.appendUTF8(key)
                out[out.count - 1] = 0x2C  // the key's `}`
            }
            out.appendUTF8(extra)
            out.append(0x7D)
        } else if !key.isEmpty {
            out.appendUTF8(key)
        }
        out.append(0x20)
        out.appendUTF8(value)
        out.append(0x0A)
    }

    /// How HELP text is written: escaped for text 0.0.4, escaped with `"` too for OpenMetrics,
    /// or as it is (protobuf).
    enum HelpEscaping {
        case text, openMetrics, raw
    }

    static func appendHelp(_ help: Help, to out: inout [UInt8], escaping: HelpEscaping = .text) {
        if let doc = help.doc, !doc.isEmpty {
            appendEscapedHelp(doc, to: &out, escaping)
        } else {
            out.append(contentsOf: "scales ".utf8)
            help.kind.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(0x20)
            appendEscapedHelp(help.pattern, to: &out, escaping)
            if let statName = help.statName {
                out.append(0x2F)
                appendEscapedHelp(statName, to: &out, escaping)
            }
        }
        help.note?.withUTF8Buffer { out.append(contentsOf: $0) }
        if let unit = help.unit {
            out.append(contentsOf: " (in ".utf8)
            appendEscapedHelp(unit, to: &out, escaping)
            out.append(0x29)
        }
    }

    static func appendEscapedHelp(_ text: String, to out: inout [UInt8], _ escaping: HelpEscaping = .text) {
        var text = text
        text.withUTF8 { bytes in
            // Most help text needs no escaping: one copy.
            let plain =
                escaping == .raw
                || !bytes.contains { byte in
                    byte < 0x20 || byte == 0x5C || byte == 0x7F || (byte == 0x22 && escaping == .openMetrics)
                }
            if plain {
                out.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case 0x5C:
                    out.append(0x5C)
                    out.append(0x5C)
                case 0x0A:
                    out.append(0x5C)
                    out.append(0x6E)
                case 0x22 where escaping == .openMetrics:
                    out.append(0x5C)
                    out.append(0x22)
                case 0..<0x20, 0x7F: out.append(0x20)
                default: out.append(byte)
                }
            }
        }
    }
}

extension [UInt8] {
    /// Appends `text`'s UTF-8 in one copy (`append(contentsOf: text.utf8)` goes byte by byte
    /// for small strings).
    mutating func appendUTF8(_ text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }
}
