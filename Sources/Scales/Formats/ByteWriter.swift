/// Appends bytes to memory reserved beforehand: no growth or uniqueness checks per append.
///
/// The render layouts (``JSONLayout``, ``PrometheusLayout``) size their output before writing
/// it: the template, plus at most ``maxScalarBytes`` per number or bool, plus whatever was
/// rendered ahead into a side buffer.
struct ByteWriter: TextOutputStream {
    /// The longest text of one scalar: an `Int` takes 20 bytes, a `Double` 24
    /// (`-2.2250738585072014e-308`), JSON's `x.0` of an integral double 22.
    static let maxScalarBytes = 32

    let base: UnsafeMutablePointer<UInt8>
    var count = 0

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    mutating func append(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append($0) }
    }

    /// A number's digits (`Double.write(to:)` hands them over here; never more than a scalar's
    /// worth, whatever the caller passes).
    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { append(UnsafeBufferPointer(rebasing: $0.prefix(Self.maxScalarBytes))) }
    }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        append(UnsafeBufferPointer(rebasing: buffer.prefix(Self.maxScalarBytes)))
    }

    /// The decimal digits of `value`, with a leading `-` when negative: the one integer formatter
    /// of the formats (``JSONWriter`` writes its integers through it too).
    mutating func appendInteger(_ value: Int) {
        var magnitude = value.magnitude
        var digits = 0
        var rest = magnitude
        repeat {
            digits += 1
            rest /= 10
        } while rest > 0
        if value < 0 { append(UInt8(ascii: "-")) }
        var position = count + digits
        repeat {
            position -= 1
            base[position] = UInt8(truncatingIfNeeded: 48 &+ magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        count += digits
    }
}
