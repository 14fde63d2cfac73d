/// A stat's recent history as a small inline SVG line: no script, nothing loaded, allowed by
/// the page's policy like the rest of its markup.
enum Sparkline {
    /// Appends `<svg class="spark">` drawing `line` (oldest first) over the history's span,
    /// scaled between its smallest and largest value; its title gives the span, the first, last,
    /// smallest and largest values.
    static func append(
        _ line: [(time: Double, value: Double)], counter: Bool, interval: Double, points: Int, to out: inout String
    ) {
        guard let last = line.last, let first = line.first else { return }
        var low = first.value
        var high = first.value
        for point in line {
            low = Swift.min(low, point.value)
            high = Swift.max(high, point.value)
        }
        let span = interval * Double(points - 1)
        let start = last.time - span
        // Integer coordinates on a 1000×160 grid shown at 100×16 (10,000 stats × 60 points
        // are 1.2 million numbers: they are written as bytes, without a String each).
        out += "<svg class=\"spark\" width=\"100\" height=\"16\" viewBox=\"0 0 1000 160\" role=\"img\"><title>"
        let suffix = counter ? "/s" : ""
        out += counter ? "rate per second over the last " : "the last "
        out += DisplayUnits.duration(last.time - first.time)
        out += ": "
        out += HTMLWriter.displayDouble(first.value) + suffix
        out += " → "
        out += HTMLWriter.displayDouble(last.value) + suffix
        out += " (min "
        out += HTMLWriter.displayDouble(low) + suffix
        out += ", max "
        out += HTMLWriter.displayDouble(high) + suffix
        out += ", "
        out += String(line.count)
        out += " points)</title><polyline points=\""
        // The points as bytes, appended to the page once: a String append per number would
        // cost more than everything else on a page of 10,000 sparklines.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(line.count * 8)
        var lastXY = (0, 0)
        for (index, point) in line.enumerated() {
            let x = span > 0 ? Int((Swift.min(Swift.max(0, (point.time - start) / span), 1) * 1000).rounded()) : 1000
            let y = high > low ? 15 + Int(((1 - (point.value - low) / (high - low)) * 130).rounded()) : 80
            if index > 0 { bytes.append(UInt8(ascii: " ")) }
            appendCoordinate(x, to: &bytes)
            bytes.append(UInt8(ascii: ","))
            appendCoordinate(y, to: &bytes)
            lastXY = (x, y)
        }
        out += String(decoding: bytes, as: UTF8.self)
        out += "\"/><circle class=\"last\" cx=\""
        out += String(lastXY.0)
        out += "\" cy=\""
        out += String(lastXY.1)
        out += "\" r=\"15\"/></svg>"
    }

    /// A coordinate (0…1000) as decimal digits.
    @inline(__always)
    static func appendCoordinate(_ value: Int, to bytes: inout [UInt8]) {
        let n = Swift.min(Swift.max(value, 0), 1000)
        if n == 1000 {
            bytes.append(0x31)
            for _ in 0..<3 { bytes.append(0x30) }
            return
        }
        if n >= 100 { bytes.append(UInt8(truncatingIfNeeded: 0x30 + n / 100)) }
        if n >= 10 { bytes.append(UInt8(truncatingIfNeeded: 0x30 + n / 10 % 10)) }
        bytes.append(UInt8(truncatingIfNeeded: 0x30 + n % 10))
    }
}
