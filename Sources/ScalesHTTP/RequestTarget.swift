/// A request target taken apart: decoded path segments and query parameters.
///
/// Strict on purpose: the target must be printable ASCII, every `%` must start a two-digit hex
/// escape, and the decoded bytes of each part must be valid UTF-8. In the query `+` is a space
/// (HTML forms send it so); in the path it is a plus.
struct RequestTarget: Sendable {
    /// Why a target was refused; `description` is the message sent back with the 400.
    enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case notASCII
        case badPercentEncoding(String)
        case invalidUTF8(String)

        var description: String {
            switch self {
            case .notASCII:
                return "bad request target: only printable ASCII is allowed; percent-encode other bytes"
            case .badPercentEncoding(let part):
                return "bad percent-encoding in \"\(part)\": % must be followed by two hex digits"
            case .invalidUTF8(let part):
                return "\"\(part)\" does not decode to valid UTF-8"
            }
        }
    }

    /// The path as sent, without the query (still percent-encoded).
    let rawPath: String
    /// The path's segments, decoded, each without one leading `!` (see ``linkSegment(_:)``);
    /// empty segments (`//`, a trailing `/`) are left out.
    let segments: [String]
    /// The query's parameters, decoded, in order.
    let parameters: [(name: String, value: String)]

    init(_ target: String) throws(ParseError) {
        guard target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw .notASCII }
        // Byte-wise (the target is ASCII, so UTF-8 indices are character indices): no
        // grapheme breaking on the request path.
        var rest = Substring(target)
        if let hash = rest.utf8.firstIndex(of: UInt8(ascii: "#")) { rest = rest[..<hash] }
        // Absolute form (`http://host:port/path?q`), as proxies send it.
        if let first = rest.utf8.first, first | 0x20 == UInt8(ascii: "h") {
            let lowered = rest.prefix(8).lowercased()
            if lowered.hasPrefix("http://") || lowered.hasPrefix("https://"),
                let colon = rest.utf8.firstIndex(of: UInt8(ascii: ":"))
            {
                let afterScheme = rest[rest.utf8.index(colon, offsetBy: 3)...]
                if let slash = afterScheme.utf8.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }
                ) {
                    rest = afterScheme[slash...]
                } else {
                    rest = "/"
                }
            }
        }
        let path: Substring
        let query: Substring?
        if let mark = rest.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = rest[..<mark]
            query = rest[rest.utf8.index(after: mark)...]
        } else {
            path = rest
            query = nil
        }
        rawPath = String(path)
        var segments: [String] = []
        for piece in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            let segment = try Self.decode(Substring(piece), plusIsSpace: false)
            segments.append(segment.hasPrefix("!") ? String(segment.dropFirst()) : segment)
        }
        self.segments = segments
        var parameters: [(name: String, value: String)] = []
        if let query {
            for pairBytes in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
                let pair = Substring(pairBytes)
                if let equals = pair.utf8.firstIndex(of: UInt8(ascii: "=")) {
                    parameters.append(
                        (
                            try Self.decode(pair[..<equals], plusIsSpace: true),
                            try Self.decode(pair[pair.utf8.index(after: equals)...], plusIsSpace: true)
                        ))
                } else {
                    parameters.append((try Self.decode(pair, plusIsSpace: true), ""))
                }
            }
        }
        self.parameters = parameters
    }

    /// The last value of parameter `name`, if present.
    func parameter(_ name: String) -> String? {
        parameters.last { $0.name == name }?.value
    }

    static func decode(_ text: Substring, plusIsSpace: Bool) throws(ParseError) -> String {
        if !text.utf8.contains(where: { $0 == 0x25 || ($0 == 0x2B && plusIsSpace) }) { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case 0x25:  // %
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw .badPercentEncoding(String(text.prefix(200)))
                }
                bytes.append(high << 4 | low)
            case 0x2B where plusIsSpace:
                bytes.append(0x20)
            default:
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw .invalidUTF8(String(text.prefix(200)))
        }
        return decoded
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    /// One name as a path segment of a link the status page shows: percent-encoded, and with a
    /// `!` in front when the name is empty, `.`, `..` or starts with `!` — names a browser would
    /// drop or resolve away (it treats `.`, `..` and even `%2E%2E` as dot segments). Parsing
    /// removes one leading `!` from every segment, so every name, `a/b` included, is one
    /// segment that a link reaches.
    static func linkSegment(_ name: String) -> String {
        let escaped = name.isEmpty || name == "." || name == ".." || name.hasPrefix("!")
        return encodeSegment(escaped ? "!" + name : name)
    }

    /// Percent-encodes one path segment: everything but unreserved characters.
    static func encodeSegment(_ segment: String) -> String {
        var out = ""
        out.reserveCapacity(segment.utf8.count)
        let hex: [Character] = Array("0123456789ABCDEF")
        for byte in segment.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out.append("%")
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }

    /// Percent-encodes a query parameter value (space as `%20`).
    static func encodeQueryValue(_ value: String) -> String {
        encodeSegment(value)
    }
}
