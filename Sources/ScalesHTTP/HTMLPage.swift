public import Scales

/// The status page: a snapshot as one self-contained HTML document.
///
/// Nested and sorted like the tree; values styled by type, each stat labelled with its kind
/// (`int`, `counter`, `gauge`, `pmf`, `meter`, `histogram`, `sum`, …); durations and sizes in
/// human units (`234 µs`, `12.3 ms`, `1.50 KiB`) with the exact number in the title; a meter's
/// and a pmf's figures explained; collapsed containers as links to their own page (after their
/// expanded siblings, as scales shows them); a filter box that is a plain GET form, so the page
/// needs no JavaScript and loads nothing from elsewhere. With a ``StatusHistory``, numbers get a
/// sparkline of their recent values (counters: of their rate). Every key, value, doc string and
/// the server name are escaped.
///
/// With `refresh`, the page reloads itself every so many seconds, keeping its scroll position
/// and closed folds (one script, allowed by its hash in ``StatusHandler``'s policy); without
/// JavaScript it still refreshes (a `<noscript>` meta refresh) and shows every number.
///
/// ```swift
/// let html = HTMLPage.render(snapshot, serverName: "api-7", statusPath: "/status")
/// ```
public enum HTMLPage {
    /// Renders a status page.
    ///
    /// - Parameters:
    ///   - snapshot: What to show (a subtree when a path below the root was requested).
    ///   - serverName: Shown in the title and the heading.
    ///   - statusPath: Where the status page is mounted (`/status`); links are built on it.
    ///   - metricsPath: Where Prometheus metrics are served, linked from the page (none if `nil`).
    ///   - query: The filter the snapshot went through, shown in the filter box.
    ///   - error: A message shown instead of the tree (a malformed query).
    ///   - refresh: Reload the page every so many seconds (`nil`: no refresh). A page served
    ///     with it needs the policy ``StatusHandler`` sends with it.
    ///   - history: Draws a sparkline next to each stat it has a history for.
    public static func render(
        _ snapshot: Snapshot, serverName: String, statusPath: String = "/status", metricsPath: String? = nil,
        query: String? = nil, error: String? = nil, refresh: Int? = nil, history: StatusHistory? = nil
    ) -> String {
        var page = HTMLWriter(statusPath: statusPath, metricsPath: metricsPath)
        page.refresh = refresh
        page.history = history?.reading()
        page.document(snapshot, serverName: serverName, query: query, error: error)
        return page.out
    }

    /// Escapes text for use between tags: `&`, `<`, `>`, quotes; newlines become `<br>` and
    /// other control characters their visible Unicode pictures (U+2400…).
    package static func escapeText(_ text: String) -> String {
        var out = ""
        HTMLWriter.appendEscaped(text, to: &out, newlinesAsBreaks: true)
        return out
    }

    /// Escapes text for a double-quoted attribute value.
    package static func escapeAttribute(_ text: String) -> String {
        var out = ""
        HTMLWriter.appendEscaped(text, to: &out, newlinesAsBreaks: false)
        return out
    }
}

struct HTMLWriter {
    let statusPath: String
    let metricsPath: String?
    var refresh: Int?
    var history: StatusHistory.Reading?
    var out = ""

    init(statusPath: String, metricsPath: String?) {
        self.statusPath = statusPath
        self.metricsPath = metricsPath
        out.reserveCapacity(16 * 1024)
    }

    mutating func document(_ snapshot: Snapshot, serverName: String, query: String?, error: String?) {
        let pathNames = snapshot.path.segments.map(\.description)
        let pathText = "/" + pathNames.joined(separator: "/")
        out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        out += "<title>"
        text(serverName)
        out += pathNames.isEmpty ? " - Status" : " - Status: "
        if !pathNames.isEmpty { text(pathText) }
        out += "</title>"
        if let refresh {
            out += "<noscript><meta http-equiv=\"refresh\" content=\""
            out += String(refresh)
            out += "\"></noscript>"
        }
        out += "<style>"
        out += Self.style
        out += "</style></head>\n<body><header><h1>Stats<span class=\"server\">"
        text(serverName)
        out += "</span></h1>\n<nav class=\"crumbs\">Path: <a href=\""
        attribute(statusPath + "/")
        out += "\">/</a>"
        var prefix: [String] = []
        for (index, name) in pathNames.enumerated() {
            prefix.append(name)
            if index > 0 { out += "/" }
            out += "<a href=\""
            attribute(link(to: prefix))
            out += "\">"
            text(name)
            out += "</a>"
        }
        out += "</nav>\n<form class=\"filter\" method=\"get\"><label for=\"query\">Filter</label> "
        out += "<input id=\"query\" type=\"search\" name=\"query\" value=\""
        attribute(query ?? "")
        out += "\" placeholder=\"key or key&gt;=value\"> <button type=\"submit\">Apply</button>"
        if let refresh {
            out += "<input type=\"hidden\" name=\"refresh\" value=\""
            out += String(refresh)
            out += "\">"
        }
        if let query, !query.isEmpty {
            out += refresh.map { " <a href=\"?refresh=\($0)\">clear</a>" } ?? " <a href=\"?\">clear</a>"
        }
        out += "</form>\n<p class=\"formats\">As <a href=\""
        let querySuffix = query.map { $0.isEmpty ? "" : "&query=" + RequestTarget.encodeQueryValue($0) } ?? ""
        attribute("?format=json" + querySuffix)
        out += "\">JSON</a> · <a href=\""
        attribute("?format=prettyjson" + querySuffix)
        out += "\">pretty JSON</a>"
        if let metricsPath {
            out += " · <a href=\""
            attribute(metricsPath)
            out += "\">Prometheus</a>"
        }
        out += "</p>\n"
        refreshLinks(query: querySuffix)
        out += "</header>\n<main>"
        if let error {
            out += "<p class=\"error\">"
            text(error)
            out += "</p>"
        } else {
            if let query, !query.isEmpty {
                out += "<p class=\"note\">Showing what matches <code>"
                text(query)
                out += "</code>.</p>"
            }
            tree(snapshot.root, path: pathNames)
        }
        out += "</main>\n<footer>Snapshot taken "
        text(Self.utcText(snapshot.timestamp))
        out += "."
        historyNote()
        out += "</footer>"
        if let refresh {
            out += "<script data-refresh=\""
            out += String(refresh)
            out += "\">"
            out += PageRefresh.script
            out += "</script>"
        }
        out += "</body></html>\n"
    }

    /// Links that turn the refresh on (at 5 s, 30 s) or off, keeping the filter.
    mutating func refreshLinks(query: String) {
        out += "<p class=\"refresh\">"
        if let refresh {
            out += "Refreshing every "
            out += String(refresh)
            out += " s (scroll position and folds are kept) · <a href=\""
            attribute(query.isEmpty ? "?" : "?" + query.dropFirst())
            out += "\">stop</a>"
        } else {
            out += "Refresh every <a href=\""
            attribute("?refresh=5" + query)
            out += "\">5 s</a> · <a href=\""
            attribute("?refresh=30" + query)
            out += "\">30 s</a>"
        }
        out += "</p>"
    }

    /// What the sparklines show and what did not fit.
    mutating func historyNote() {
        guard let history else { return }
        let minutes = Double(history.points) * history.interval / 60
        out += " Sparklines: the last "
        out += Self.displayDouble(minutes)
        out += " minutes, one point per "
        out += DisplayUnits.window(.milliseconds(Int64((history.interval * 1000).rounded())))
        out += "; counters show their rate per second, other numbers their value."
        if history.untracked > 0 {
            out += " <span class=\"error\">"
            out += String(history.untracked)
            out += " stats have no history: the limit of stats with a history was reached.</span>"
        }
    }
}
