import Foundation
import Scales
import ScalesHTTP
import ScalesTestSupport
import Testing

/// The framework-neutral handler, called directly as a Hummingbird or Vapor route would.
@Suite struct StatusHandlerTests {
    let handler = StatusHandler(registry: everyKindRegistry(), serverName: "neutral")

    func get(_ target: String, method: String = "GET") -> StatusResponse {
        handler.handle(StatusRequest(method: method, target: target))
    }

    func json(_ response: StatusResponse) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(response.body.utf8), options: [.fragmentsAllowed])
    }

    @Test func statusPageIsHTMLWithSafetyHeaders() {
        let response = get("/status/")
        #expect(response.status == 200)
        #expect(response.header("content-type") == "text/html; charset=utf-8")
        #expect(response.header("Content-Security-Policy")?.hasPrefix("default-src 'none'") == true)
        #expect(response.header("X-Content-Type-Options") == "nosniff")
        #expect(response.body.contains("<title>neutral - Status</title>"))
        #expect(get("/status").status == 200)
    }

    @Test func jsonAndPrettyJSONInScalesShape() throws {
        let compact = get("/status/web?format=json")
        #expect(compact.status == 200)
        #expect(compact.header("Content-Type") == "application/json")
        let tree = try #require(try json(compact) as? [String: Any])
        #expect(tree["errors"] as? Int == 3)
        let latency = try #require(tree["latency"] as? [String: Any])
        // scales' field names (the runtime may add more, such as sum).
        #expect(
            Set(latency.keys).isSuperset(of: [
                "count", "min", "max", "mean", "stddev", "median", "75percentile", "95percentile", "98percentile",
                "99percentile", "999percentile",
            ]))
        #expect(tree["broken"] is NSNull)
        let pretty = get("/status/web?format=prettyjson")
        #expect(pretty.body.contains("\n  \"errors\": 3,"))
        // Same content (a subtree whose values do not move with time).
        #expect(
            (try json(get("/status/handler?format=prettyjson")) as? NSDictionary)
                == (try json(get("/status/handler?format=json")) as? NSDictionary))
        #expect(compact.body.hasSuffix("}\n"))
        #expect(!compact.body.dropLast().contains("\n"))
    }

    @Test func pathsReachIntoDictsAndPmfFields() throws {
        #expect(try json(get("/status/web/byPath/%2F?format=json")) as? Int == 2)
        let median = try json(get("/status/web/latency/median?format=json")) as? Double
        #expect(median != nil)
        #expect(try json(get("/status/web/latencyByRoute/%2Fa/count?format=json")) as? Int == 1)
        #expect(get("/status/web/latency/nope").status == 404)
    }

    @Test func percentEncodedSegmentsReachHostileIDs() throws {
        let encoded = Hostile.quotes.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let response = get("/status/handler/\(encoded)?format=json")
        #expect(response.status == 200)
        #expect(try json(response) as? NSDictionary == ["active": 1] as NSDictionary)
    }

    @Test func unknownPathIs404WithTheMessage() {
        let response = get("/status/no/such/thing")
        #expect(response.status == 404)
        #expect(response.body == "No stats found with path /no/such/thing\n")
        #expect(get("/elsewhere").status == 404)
        #expect(get("/elsewhere").body.contains("/status/"))
    }

    @Test func queryFiltersEveryFormat() throws {
        let response = get("/status/?format=json&query=errors%3E0")
        #expect(try json(response) as? NSDictionary == ["web": ["errors": 3]] as NSDictionary)
        let plus = get("/status/?format=json&query=state+%3D+busy")
        #expect(try json(plus) as? NSDictionary == ["processor": ["thread-0": ["state": "busy"]]] as NSDictionary)
        let html = get("/status/?query=errors%3E0")
        #expect(html.body.contains("Showing what matches <code>errors&gt;0</code>"))
        #expect(!html.body.contains(">requests<"))
    }

    @Test func badRequestsGet400WithAMessage() {
        let unknown = get("/status/?format=xml")
        #expect(unknown.status == 400)
        #expect(unknown.body.contains("unknown format \"xml\""))
        let malformed = get("/status/?format=json&query=a%3E1%3E2")
        #expect(malformed.status == 400)
        #expect(malformed.body.contains("more than one operator"))
        let malformedHTML = get("/status/?query=%3E1")
        #expect(malformedHTML.status == 400)
        #expect(malformedHTML.header("Content-Type") == "text/html; charset=utf-8")
        #expect(malformedHTML.body.contains("malformed query"))
        let percent = get("/status/%zz")
        #expect(percent.status == 400)
        #expect(percent.body.contains("percent-encoding"))
        let truncated = get("/status/?query=%4")
        #expect(truncated.status == 400)
        let utf8 = get("/status/%FF%FE")
        #expect(utf8.status == 400)
        #expect(utf8.body.contains("UTF-8"))
        let raw = get("/status/caf\u{E9}")
        #expect(raw.status == 400)
        #expect(raw.body.contains("ASCII"))
    }

    @Test func onlyGetAndHeadAreAllowed() {
        for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get"] {
            let response = get("/status/", method: method)
            #expect(response.status == 405, "\(method)")
            #expect(response.header("Allow") == "GET, HEAD")
        }
        #expect(get("/status/", method: "HEAD").status == 200)
    }

    @Test func overlongTargetsGet414() {
        let response = get("/status/?query=" + String(repeating: "a", count: 9000))
        #expect(response.status == 414)
        #expect(response.body.contains("limit is 8192"))
    }

    @Test func metricsIsPrometheusText() throws {
        let response = get("/metrics")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        let exposition = try Exposition(response.body)
        #expect(exposition.value("web_requests_total") == "42")
    }

    @Test func rootRedirectsToTheStatusPage() {
        let response = get("/")
        #expect(response.status == 302)
        #expect(response.header("Location") == "/status/")
    }

    @Test func mountPointsAreConfigurable() {
        let mounted = StatusHandler(
            registry: everyKindRegistry(), statusPath: "/admin/stats/", metricsPath: "/admin/prom")
        #expect(mounted.handle(StatusRequest(target: "/admin/stats/web?format=json")).status == 200)
        #expect(mounted.handle(StatusRequest(target: "/admin/prom")).status == 200)
        #expect(mounted.handle(StatusRequest(target: "/status/")).status == 404)
        let html = mounted.handle(StatusRequest(target: "/admin/stats/")).body
        #expect(html.contains(#"href="/admin/stats/processor/thread-0/""#))
    }

    @Test func absoluteFormTargetsAreAccepted() {
        #expect(get("http://127.0.0.1:8765/status/web?format=json").status == 200)
    }
}
