/// The one rule for how a path segment (a collection or stat name, an instance id, a dict key)
/// becomes one component of a Graphite metric name, shared by the pusher and the generator.
///
/// scales' rules first: surrounding whitespace is trimmed, spaces and dots become `-`, slashes
/// become `_`. Then, so that no key can break carbon's line format (`name value timestamp\n`,
/// split on any whitespace) or its file layout:
/// - every other whitespace character (tab, newline, carriage return, no-break space, U+2028…,
///   and the separators U+001C–U+001F that Python's `split()` also splits on) becomes `-`;
/// - other control characters, and `;` (which carbon reads as the start of tags), become `_`;
/// - an empty segment becomes `_` (carbon would silently merge `a..b` into `a.b`).
///
/// Non-ASCII letters are kept as they are (carbon stores `été` as `été.wsp`).
package enum GraphiteNames {
    /// The Graphite component for `segment`.
    package static func sanitize(_ segment: String) -> String {
        var bytes: [UInt8] = []
        append(segment, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether Python's `str.split()` (which carbon uses on each line) splits at `scalar`.
    package static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        (0x1C...0x1F).contains(scalar.value) || scalar.properties.isWhitespace
    }

    /// Appends the sanitized form of `segment` to `bytes`.
    package static func append(_ segment: String, to bytes: inout [UInt8]) {
        let start = bytes.count
        // Fast path: plain ASCII names need no trimming and no decoding.
        var plain = true
        for byte in segment.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                bytes.append(byte)
            case UInt8(ascii: "."):
                bytes.append(UInt8(ascii: "-"))
            default:
                plain = false
            }
            if !plain { break }
        }
        if plain {
            if bytes.count == start { bytes.append(UInt8(ascii: "_")) }
            return
        }
        bytes.removeSubrange(start...)
        let scalars = segment.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSeparator($0) }),
            let last = scalars.lastIndex(where: { !isSeparator($0) })
        else {
            bytes.append(UInt8(ascii: "_"))
            return
        }
        for scalar in scalars[first...last] {
            let replacement: UInt8?
            switch scalar {
            case ".": replacement = UInt8(ascii: "-")
            case "/", ";": replacement = UInt8(ascii: "_")
            case _ where isSeparator(scalar): replacement = UInt8(ascii: "-")
            case _ where scalar.properties.generalCategory == .control: replacement = UInt8(ascii: "_")
            default: replacement = nil
            }
            if let replacement {
                bytes.append(replacement)
            } else {
                UTF8.encode(scalar) { bytes.append($0) }
            }
        }
    }
}
