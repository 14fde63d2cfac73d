import Foundation
import Scales
import ScalesTestKit
import Testing

@testable import ScalesGenerator

/// The names the generator reserves for each stat (and checks for collisions at build time)
/// are the names `/metrics` writes for it: one rule, in `ScalesNaming`, for both.
@Suite struct ReservedNamesTests {
    static let inputs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appending(path: "../ScalesGeneratorReferenceTests/Resources/Inputs")

    /// Every stat's reserved Prometheus names, by absolute path, from the generator's model.
    static func reserved(_ file: String) throws -> [String: [String]] {
        let data = try Data(contentsOf: inputs.appending(path: file))
        var log = DiagnosticLog()
        let parsed = try #require(StatsGenerator.parse(StatsInput(path: file, contents: [UInt8](data)), into: &log))
        let model = try #require(Validator.validate([parsed]).0)
        var names: [String: [String]] = [:]
        for collection in model.files.flatMap(\.collections) {
            for stat in collection.stats {
                names[stat.fullPath.description] = ExporterNames.prometheus(
                    stat.fullPath, unit: ExporterNames.unit(of: stat), shapes: ExporterNames.shapes(of: stat))
            }
        }
        return names
    }

    /// The metric names of the samples in an exposition.
    static func sampleNames(_ text: String) -> Set<String> {
        Set(
            text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
                String(line.prefix { $0 != "{" && $0 != " " })
            })
    }

    @Test func everyKindWritesExactlyTheNamesTheGeneratorReserves() throws {
        let reserved = try Self.reserved("all-kinds.stats.yaml")
        let (registry, clock) = Registry.forTesting()
        let kinds = KindsStats(registry: registry)
        // Every stat gets a value, so that every family it can write is written.
        kinds.plainInt += 1
        kinds.counter += 1
        kinds.seconds += 1
        kinds.flag = true
        kinds.intGauge.bind { 1 }
        kinds.doubleGauge.bind { 1 }
        kinds.stringGauge.bind { "up" }
        kinds.boolGauge.bind { true }
        kinds.byKey["k"] += 1
        kinds.counts["k"] += 1
        kinds.names["k"] = "v"
        kinds.notes["k"] = "v"
        for pmf in [kinds.timing, kinds.recent, kinds.fast] { pmf.record(0.5) }
        kinds.perRoute["/"].record(0.5)
        kinds.rate.mark()
        kinds.events.mark()
        kinds.perClient["c"].mark()
        kinds.phase = "parsing"
        clock.advance(by: .milliseconds(100))  // time in the state, within the shortest window

        let statPaths = registry.paths().filter { $0.description.hasPrefix("/kinds/") && $0.segments.count == 2 }
        #expect(statPaths.count == 24)
        #expect(Set(statPaths.map(\.description)) == Set(reserved.keys))
        for path in statPaths {
            let text = try #require(registry.renderPrometheus(at: path))
            #expect(Self.sampleNames(text) == Set(reserved[path.description] ?? []), "\(path)")
        }
    }

    /// A sum is a counter or a gauge depending on what it adds up; either way it writes names
    /// it reserved. Template ids become labels, not names.
    @Test func chainedSumsWriteNamesTheyReserved() throws {
        let reserved = try Self.reserved("chained.stats.yaml")
        let registry = Registry()
        let rack = FarmStats(registry: registry).rack(rack: "a")
        rack.state = "up"
        let machine = rack.machine(machine: "1")
        machine.finished += 1
        machine.busySeconds += 1
        machine.errors["io"] += 1
        // The whole tree (a subtree render names instances by their ids, not as labels).
        let text = try #require(registry.renderPrometheus())
        let written = Self.sampleNames(text).filter { !$0.hasPrefix("scales_health_") }
        #expect(written.isSubset(of: Set(reserved.values.flatMap { $0 })), "\(written)")
        for (path, names) in reserved {
            #expect(!written.isDisjoint(with: names), "\(path) writes none of \(names)")
        }
        #expect(
            written.contains("farm_finished_total") && written.contains("farm_rack_finished_total"),
            "sums of counters are counters")
    }

    /// Units go into the reserved names as into the written ones.
    @Test func unitsAreInTheReservedNames() throws {
        let reserved = try Self.reserved("units-and-labels.stats.yaml")
        let registry = Registry()
        let api = ApiStats(registry: registry)
        api.latency.record(1)
        api.latencyByRoute["/"].record(1)
        api.byPath["/"] += 1
        api.owners["a"] = "b"
        api.hitsByStatus["200"].mark()
        api.queueBytes.bind { 1 }
        for (path, names) in reserved {
            let text = try #require(registry.renderPrometheus(at: StatPath(path)))
            #expect(Self.sampleNames(text) == Set(names), "\(path)")
        }
    }
}
