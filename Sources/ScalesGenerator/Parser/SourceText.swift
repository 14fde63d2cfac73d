/// The text of one stats file, decoded from bytes, with the means to turn offsets into lines and
/// columns.
struct SourceText {
    let file: String
    let text: String

    /// Decodes `bytes` as UTF-8, or reports where they stop being UTF-8 (never traps).
    static func decode(_ bytes: [UInt8], file: String, into log: inout DiagnosticLog) -> SourceText? {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            log.error(
                "\(displayName(file)) is UTF-16 encoded; save it as UTF-8",
                at: SourceLocation(file: file, line: 1, column: 1))
            return nil
        }
        if let offset = firstInvalidUTF8Offset(bytes) {
            let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
            let prefix = String(decoding: bytes[start..<offset], as: UTF8.self)
            let location = SourceText(file: file, text: prefix).endLocation
            let byte = "0x" + String(bytes[offset], radix: 16, uppercase: true)
            log.error(
                "\(displayName(file)) is not valid UTF-8 (byte \(byte) here); save it as UTF-8", at: location)
            return nil
        }
        // libyaml counts a byte order mark as a column of the first line; editors do not.
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        return SourceText(file: file, text: String(decoding: body, as: UTF8.self))
    }

    /// The location just past the end of the text.
    var endLocation: SourceLocation {
        location(ofScalarOffset: text.unicodeScalars.count)
    }

    /// The location of the `offset`-th Unicode scalar (0-based); lines break at `\n`, `\r\n`, `\r`.
    func location(ofScalarOffset offset: Int) -> SourceLocation {
        var line = 1
        var column = 1
        var previousWasCR = false
        for (index, scalar) in text.unicodeScalars.enumerated() {
            if index >= offset { break }
            switch scalar {
            case "\n":
                if !previousWasCR {
                    line += 1
                }
                column = 1
                previousWasCR = false
            case "\r":
                line += 1
                column = 1
                previousWasCR = true
            default:
                column += 1
                previousWasCR = false
            }
        }
        return SourceLocation(file: file, line: line, column: column)
    }

    /// A location inside the text for a 1-based line and column: libyaml reports the end of a
    /// file that does not end in a line break on the line after the last, which an editor does
    /// not have; such places become the end of the last line.
    func clamped(line: Int, column: Int) -> SourceLocation {
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        guard line <= lines.count else { return endLocation }
        let row = max(1, line)
        let width = lines[row - 1].unicodeScalars.count
        return SourceLocation(file: file, line: row, column: min(max(1, column), width + 1))
    }

    /// The location of the `offset`-th Character (Yams reports reader errors as Character offsets).
    func location(ofCharacterOffset offset: Int) -> SourceLocation {
        guard let index = text.index(text.startIndex, offsetBy: offset, limitedBy: text.endIndex) else {
            return endLocation
        }
        let scalars = text.unicodeScalars[..<index].count
        return location(ofScalarOffset: scalars)
    }

    /// The Unicode scalar at a 1-based line and column, if there is one.
    func scalar(at line: Int, column: Int) -> Unicode.Scalar? {
        var currentLine = 1
        var currentColumn = 1
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if currentLine == line && currentColumn == column && scalar != "\n" && scalar != "\r" { return scalar }
            if currentLine > line { return nil }
            switch scalar {
            case "\n":
                if !previousWasCR { currentLine += 1 }
                currentColumn = 1
                previousWasCR = false
            case "\r":
                currentLine += 1
                currentColumn = 1
                previousWasCR = true
            default:
                currentColumn += 1
                previousWasCR = false
            }
        }
        return nil
    }

    /// The byte offset of the first byte that is not part of well-formed UTF-8, or `nil`.
    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                upper = 0x9F
            case 0xF0:
                length = 4
                lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                upper = 0x8F
            default: return index
            }
            guard index + length <= count else { return index }
            let second = bytes[index + 1]
            guard second >= lower && second <= upper else { return index }
            for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 {
                return index
            }
            index += length
        }
        return nil
    }

    /// The last path component, for messages about the file as a whole.
    static func displayName(_ file: String) -> String {
        file.split(separator: "/").last.map(String.init) ?? file
    }
}
