/// Picks the status page's format (HTML or JSON) from the `Accept` header when the request
/// gives no `?format=` (an explicit `?format=` always wins).
///
/// `text/html` selects HTML and `application/json` JSON; `text/*`, `application/*` and `*/*`
/// match them less specifically. As for `/metrics` (``MetricsNegotiation``), each format takes
/// the `q` of the most specific range that matches it, the highest `q` above 0 wins, a tie goes
/// to the range listed first, and a tie within one range (`*/*`) to HTML. No `Accept`, or one
/// that accepts neither, gets HTML. So a browser (`text/html,…,*/*;q=0.8`) gets the page and
/// `curl -H 'Accept: application/json'` gets JSON; such responses carry `Vary: Accept`.
enum StatusPageNegotiation {
    /// The format `accept` (the `Accept` header's values, `nil` when absent) asks for.
    static func format(accept: String?) -> StatusHandler.Format {
        guard let accept, accept.contains(where: { !$0.isWhitespace }) else { return .html }
        let offered: [(format: StatusHandler.Format, type: String, subtype: String)] = [
            (.html, "text", "html"), (.json, "application", "json"),
        ]
        var best: [StatusHandler.Format: (q: Double, specificity: Int, position: Int)] = [:]
        for (position, range) in accept.split(separator: ",").enumerated() {
            guard let parsed = MetricsNegotiation.MediaRange(range) else { continue }
            for (format, type, subtype) in offered {
                guard let specificity = parsed.specificity(type: type, subtype: subtype) else { continue }
                if let current = best[format], current.specificity >= specificity { continue }
                best[format] = (parsed.q, specificity, position)
            }
        }
        guard let json = best[.json], json.q > 0 else { return .html }
        guard let html = best[.html], html.q > 0 else { return .json }
        return json.q > html.q || (json.q == html.q && json.position < html.position) ? .json : .html
    }
}
