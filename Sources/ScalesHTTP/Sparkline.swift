/// A stat's recent history as a small inline SVG line: no script, nothing loaded, allowed by
/// the page's policy like the rest of its markup.
enum Sparkline {
    static let width = 100.0
    static let height = 16.0

    /// Appends `<svg class="spark">` drawing `line` (oldest first) over the history's span,
    /// scaled between its smallest and largest value; its title gives the span, the first, last,
    /// smallest and largest values.
    static func append(
        _ line: [(time: Double, value: Double)], counter: Bool, interval: Double, points: Int, to out: inout String
    ) {
        guard let last = line.last, let first = line.first else { return }
        var low = first.value, high = first.value
        for point in line {
            low = Swift.min(low, point.value)
            high = Swift.max(high, point.value)
        }
        let span = interval * Double(points - 1)
        let start = last.time - span
        let margin = 1.5
        out += "<svg class=\"spark\" width=\"100\" height=\"16\" viewBox=\"0 0 100 16\" role=\"img\"><title>"
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
        var lastXY = (0.0, 0.0)
        for (index, point) in line.enumerated() {
            let x = span > 0 ? Swift.max(0, (point.time - start) / span) * width : width
            let y = high > low ? margin + (1 - (point.value - low) / (high - low)) * (height - 2 * margin) : height / 2
            if index > 0 { out += " " }
            out += coordinate(x)
            out += ","
            out += coordinate(y)
            lastXY = (x, y)
        }
        out += "\"/><circle class=\"last\" cx=\""
        out += coordinate(lastXY.0)
        out += "\" cy=\""
        out += coordinate(lastXY.1)
        out += "\" r=\"1.5\"/></svg>"
    }

    /// One decimal: enough for a 100×16 drawing.
    static func coordinate(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? String(tenths / 10) : String(tenths / 10) + "." + String(tenths % 10)
    }
}
