import Foundation
import Scales
import ScalesHTTP
import Testing

/// Strings that break naive escaping: HTML, quotes, backslashes, newlines, non-ASCII.
enum Hostile {
    static let script = "<script>document.title='pwned'</script>"
    static let image = "<img src=x onerror=\"document.title='pwned-img'\">"
    static let quotes = "say \"hi\" & 'bye'"
    static let backslash = #"C:\dir\new"#
    static let newline = "line one\nline two"
    static let unicode = "Grüße 萬知堂 🚀"
    static let all = [script, image, quotes, backslash, newline, unicode]
}

struct GaugeFailure: Error {}

/// A clock that never moves: rates, windows and state times read the same at every render.
struct FrozenClock: StatClock {
    func nanoseconds() -> UInt64 { 3_600_000_000_000 }
}

/// A registry holding every stat kind, with hostile dict keys, ids and values; on `clock` (the
/// system's by default), with a gauge that throws unless `failingGauge` is false (each render
/// counts its failure in the registry's health, so pages differ from one render to the next).
func everyKindRegistry(clock: some StatClock = SystemClock(), failingGauge: Bool = true) -> Registry {
    let registry = Registry(clock: clock)
    let web = registry.collection(at: "/web", doc: "Request handling of the public site.")
    web.int("errors", doc: "Requests that failed").value = 3
    web.counter("requests", doc: "Requests answered") += 42
    web.double("load").value = 0.25
    _ = web.string("version", initial: "1.4.2")
    _ = web.bool("healthy", initial: true)
    web.gauge("queue", of: Double.self, doc: "Jobs waiting").bind { 7 }
    if failingGauge { web.gauge("broken", of: Int.self).bind { throw GaugeFailure() } }
    let byPath = web.intDict("byPath", doc: "Requests per path")
    byPath["/"] += 2
    for (index, key) in Hostile.all.enumerated() { byPath[key] += index + 1 }
    let owners = web.stringDict("owners")
    owners["team"] = Hostile.quotes
    owners[Hostile.script] = Hostile.unicode
    let latency = web.pmf("latency", doc: "Seconds per request")
    for value in stride(from: 0.01, through: 1.0, by: 0.01) { latency.record(value) }
    _ = web.pmf("idle")  // an empty window
    let byRoute = web.pmfDict("latencyByRoute")
    byRoute["/a"].record(0.5)
    byRoute[Hostile.quotes].record(0.25)
    web.meter("hits").mark(5)
    web.meterDict("hitsByRoute")[Hostile.backslash].mark(2)
    web.stateTime("mode").state = "busy"
    web.string("banner", initial: Hostile.script)
    web.string("multiline", initial: Hostile.newline)
    // Base units and key labels (stats.yaml's `unit:` and `label:`), a floating-point counter.
    let api = registry.collection(at: "/api")
    api.pmf("latency", unit: "seconds").record(0.125)
    api.pmfDict("latencyByRoute", label: "route", unit: "seconds")["/a"].record(0.25)
    api.intDict("byPath", label: "path")["/index.html"] += 1
    api.counter("sent", unit: "bytes") += 512
    api.doubleCounter("busy", unit: "seconds") += 1.5
    api.meterDict("hitsByStatus", label: "status")["200"].mark()

    for id in ["h1", Hostile.quotes, Hostile.unicode] {
        registry.collection(at: "/handler/{id}", id: id, type: "HandlerStats").int("active") += 1
    }
    let processor = registry.collection(at: "/processor")
    processor.sum("finished", of: "finished", childType: "ThreadStats")
    processor.histogram("state", of: "state", childType: "ThreadStats")
    for id in 0..<3 {
        let thread = processor.child("thread-{id}", id: String(id), type: "ThreadStats", collapsed: true)
        thread.int("finished") += id + 1
        thread.string("state").value = id == 0 ? "busy" : "idle"
    }
    return registry
}

/// Starts a server on a free loopback port for `registry`; stops it when `body` returns.
func withServer<T: Sendable>(
    _ registry: Registry, configure: (inout StatusServer.Configuration) -> Void = { _ in },
    _ body: (StatusServer, Int) async throws -> T
) async throws -> T {
    var configuration = StatusServer.Configuration(port: 0, serverName: "test-server")
    // Generous deadlines unless a test sets its own (the tests of the deadlines do): under
    // ThreadSanitizer, with a dozen servers starting at once, a request's head has taken more
    // than the default 3 s to be read, and the connection was closed before any response.
    configuration.requestHeadTimeout = .seconds(30)
    configuration.requestTimeout = .seconds(60)
    configure(&configuration)
    let server = StatusServer(registry: registry, configuration: configuration)
    let port = try await server.start()
    do {
        let result = try await body(server, port)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A strict reader of Prometheus text format 0.0.4, checking what promtool checks and the
/// cases it misses (duplicate series, families split or out of order).
struct Exposition {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: String
    }

    struct Family {
        var name: String
        var help: String
        var type: String
        var samples: [Sample]
    }

    var families: [Family] = []

    enum Problem: Error, CustomStringConvertible {
        case line(Int, String)
        var description: String {
            switch self {
            case .line(let number, let message): return "line \(number): \(message)"
            }
        }
    }

    init(_ text: String) throws {
        guard text.isEmpty || text.hasSuffix("\n") else { throw Problem.line(0, "no final newline") }
        var seenFamilies: Set<String> = []
        var seenSeries: Set<String> = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        var pendingHelp: (String, String)?
        for (offset, raw) in lines.enumerated() {
            let number = offset + 1
            let line = String(raw)
            if line.contains("\r") { throw Problem.line(number, "carriage return") }
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst(7)
                guard let space = rest.firstIndex(of: " ") else { throw Problem.line(number, "HELP without text") }
                let name = String(rest[..<space])
                let help = try Self.unescapeHelp(String(rest[rest.index(after: space)...]), line: number)
                guard !seenFamilies.contains(name) else { throw Problem.line(number, "second HELP for \(name)") }
                pendingHelp = (name, help)
                continue
            }
            if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ")
                guard parts.count == 2 else { throw Problem.line(number, "bad TYPE line") }
                let name = String(parts[0])
                guard let help = pendingHelp, help.0 == name else { throw Problem.line(number, "TYPE without HELP for \(name)") }
                guard ["counter", "gauge", "summary", "histogram", "untyped"].contains(String(parts[1])) else {
                    throw Problem.line(number, "unknown type \(parts[1])")
                }
                if let last = families.last, last.name >= name {
                    throw Problem.line(number, "family \(name) not in sorted order after \(last.name)")
                }
                seenFamilies.insert(name)
                families.append(Family(name: name, help: help.1, type: String(parts[1]), samples: []))
                pendingHelp = nil
                continue
            }
            if line.hasPrefix("#") { continue }
            guard var family = families.last else { throw Problem.line(number, "sample before any TYPE") }
            let sample = try Self.parseSample(line, line: number)
            try Self.check(Self.isValidName(sample.name), number, "bad metric name \(sample.name)")
            let allowed: [String]
            switch family.type {
            case "summary": allowed = [family.name, family.name + "_sum", family.name + "_count"]
            default: allowed = [family.name]
            }
            try Self.check(allowed.contains(sample.name), number, "sample \(sample.name) outside its family \(family.name)")
            let identity = sample.name + "|" + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            try Self.check(seenSeries.insert(identity).inserted, number, "duplicate series \(identity)")
            try Self.check(Self.isValidValue(sample.value, type: family.type), number, "bad value \(sample.value)")
            family.samples.append(sample)
            families[families.count - 1] = family
        }
    }

    static func check(_ condition: Bool, _ number: Int, _ message: String) throws {
        if !condition { throw Problem.line(number, message) }
    }

    static func isValidName(_ name: String) -> Bool {
        name.range(of: "^[a-zA-Z_:][a-zA-Z0-9_:]*$", options: .regularExpression) != nil
    }

    static func isValidValue(_ value: String, type: String) -> Bool {
        if ["NaN", "+Inf", "-Inf"].contains(value) { return type != "counter" }
        return Double(value) != nil && !value.lowercased().contains("inf") && !value.lowercased().contains("nan")
    }

    static func unescapeHelp(_ text: String, line: Int) throws -> String {
        var out = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            guard character == "\\" else {
                out.append(character)
                continue
            }
            switch iterator.next() {
            case "\\": out.append("\\")
            case "n": out.append("\n")
            default: throw Problem.line(line, "invalid escape in HELP")
            }
        }
        return out
    }

    static func parseSample(_ line: String, line number: Int) throws -> Sample {
        let scalars = Array(line.unicodeScalars)
        var index = 0
        var name = ""
        while index < scalars.count, scalars[index] != "{", scalars[index] != " " {
            name.unicodeScalars.append(scalars[index])
            index += 1
        }
        var labels: [String: String] = [:]
        if index < scalars.count, scalars[index] == "{" {
            index += 1
            while index < scalars.count, scalars[index] != "}" {
                var labelName = ""
                while index < scalars.count, scalars[index] != "=" {
                    labelName.unicodeScalars.append(scalars[index])
                    index += 1
                }
                guard labelName.range(of: "^[a-zA-Z_][a-zA-Z0-9_]*$", options: .regularExpression) != nil else {
                    throw Problem.line(number, "bad label name \(labelName)")
                }
                guard index + 1 < scalars.count, scalars[index + 1] == "\"" else { throw Problem.line(number, "label value not quoted") }
                index += 2
                var value = ""
                while true {
                    guard index < scalars.count else { throw Problem.line(number, "unterminated label value") }
                    let scalar = scalars[index]
                    if scalar == "\"" { break }
                    if scalar == "\n" { throw Problem.line(number, "raw newline in label value") }
                    if scalar == "\\" {
                        guard index + 1 < scalars.count else { throw Problem.line(number, "dangling escape") }
                        switch scalars[index + 1] {
                        case "\\": value += "\\"
                        case "\"": value += "\""
                        case "n": value += "\n"
                        default: throw Problem.line(number, "invalid escape in label value")
                        }
                        index += 2
                        continue
                    }
                    value.unicodeScalars.append(scalar)
                    index += 1
                }
                index += 1
                guard labels[labelName] == nil else { throw Problem.line(number, "label \(labelName) twice") }
                labels[labelName] = value
                if index < scalars.count, scalars[index] == "," { index += 1 }
            }
            index += 1
        }
        guard index < scalars.count, scalars[index] == " " else { throw Problem.line(number, "no value") }
        var value = ""
        value.unicodeScalars.append(contentsOf: scalars[(index + 1)...])
        guard !value.contains(" ") else { throw Problem.line(number, "timestamp or garbage after value") }
        return Sample(name: name, labels: labels, value: value)
    }

    func family(_ name: String) -> Family? { families.first { $0.name == name } }

    /// The value of the sample `name` whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> String? {
        for family in families {
            for sample in family.samples where sample.name == name && labels.allSatisfy({ sample.labels[$0.key] == $0.value }) {
                return sample.value
            }
        }
        return nil
    }
}
