import Foundation
import Scales
import ScalesTestSupport
import Testing

@testable import ScalesHTTP

/// The status page's auto-refresh and sparklines in headless Chromium, driven over its DevTools
/// protocol by `Scripts/peers/chromium-cdp.py`. Skipped with a message when chromium or
/// python3 is missing; failed instead under `SCALES_REQUIRE_PEERS=1`.
@Suite(.serialized) struct StatusPageBrowserTests {
    @Test func chromiumRefreshKeepsScrollAndFoldsWithoutErrorsAndWorksWithoutJavaScript() async throws {
        _ = try Peers.require("chromium", for: "check the status page's auto-refresh in a real browser")
        let python = try Peers.require("python3", for: "drive chromium over its DevTools protocol")
        let registry = everyKindRegistry(failingGauge: false)
        let filler = registry.collection(at: "/zfiller")  // a page taller than two screens
        for index in 0..<60 { filler.int("n\(index)").value = index }
        let history = StatusHistory(interval: .seconds(1))
        let artifacts = Peers.repositoryRoot.appendingPathComponent("artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let screenshot = artifacts.appendingPathComponent("status-page-refresh.png")
        let script = Peers.repositoryRoot.appendingPathComponent("Scripts/peers/chromium-cdp.py").path
        let result = try await withServer(registry, configure: { $0.history = history }) { _, port in
            // Sparklines need two samples; the server's sampler takes one a second.
            let deadline = Date().addingTimeInterval(20)
            while (history.reading().line("/web/errors")?.points.count ?? 0) < 3, Date() < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
            let url = "http://127.0.0.1:\(port)/status/?refresh=1"
            return try await blocking {
                try Peers.run(python, [script, "refresh", url, "hitsByRoute", "400", screenshot.path], timeout: 150)
            }
        }
        #expect(result.status == 0, "chromium-cdp.py: \(result.stdout) \(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        let report = try #require(object as? [String: Any])
        let before = try #require(report["before"] as? [String: Any])
        let after = try #require(report["after"] as? [String: Any])
        #expect(report["loaded"] as? Bool == true)
        #expect(before["closed"] as? [String] == ["hitsByRoute"], "\(before)")
        #expect((before["scrollY"] as? Double).map { abs($0 - 400) <= 1 } == true, "\(before)")
        // It reloaded by itself: a new document with a new snapshot…
        #expect(report["reloaded"] as? Bool == true)
        #expect(after["marked"] as? Bool == false, "still the first document: \(after)")
        #expect(after["footer"] as? String != before["footer"] as? String, "\(before) \(after)")
        // …with the fold still closed, the others open, and the scroll position kept.
        #expect(after["closed"] as? [String] == ["hitsByRoute"], "\(after)")
        #expect(after["folds"] as? Int == before["folds"] as? Int)
        #expect((after["scrollY"] as? Double).map { abs($0 - 400) <= 1 } == true, "\(after)")
        #expect((after["sparks"] as? Int ?? 0) > 60, "sparklines: \(after)")
        // No console error, no exception, no CSP violation.
        let messages = report["messages"] as? [String] ?? []
        let problems = messages.filter {
            ($0.contains("error") || $0.contains("exception") || $0.contains("Content Security Policy")
                || $0.contains("Refused"))
                && !$0.contains("favicon.ico")  // the browser's own request, answered 404
        }
        #expect(problems.isEmpty, "\(messages)")
        // JavaScript off: every number is there, and the page still refreshes.
        let dom = try #require(report["noScriptDOM"] as? String)
        #expect(dom.contains(#"<span class="counter" title="monotonic">42</span>"#))
        #expect(dom.contains(">99percentile</span>"))
        #expect(dom.contains(#"<span class="int">59</span>"#))
        #expect(report["noScriptReloaded"] as? Bool == true)
        let png = try Data(contentsOf: screenshot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")
        #expect(png.count > 20_000, "screenshot suspiciously small: \(png.count) bytes")
        print("chromium: refreshed page screenshot \(screenshot.path) (\(png.count) bytes)")
    }
}
