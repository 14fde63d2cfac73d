import Synchronization

/// Counts of the problems a registry absorbed instead of crashing or throwing.
///
/// ```swift
/// let health = registry.health
/// if health.gaugeFailures > 0 { ... }
/// ```
public struct RegistryHealth: Sendable, Equatable {
    /// Gauge reads that failed (the closure threw or gave a non-finite number); each made only
    /// that gauge's value absent from its snapshot.
    public var gaugeFailures: Int
    /// Update values that were dropped: non-finite numbers, negative amounts for counters.
    public var droppedValues: Int
    /// Updates that went to an overflow key (``IntDictStat/overflowKey``) because a dict or a
    /// templated collection reached its `maxKeys`.
    public var overflowedKeys: Int
    /// Binds that found a different kind of stat, or a collection, already at that name (the
    /// new handle works but is not in the tree), and aggregations whose `of` names a stat they
    /// cannot aggregate (counted once per aggregation; such a child is left out of the value).
    public var bindConflicts: Int
    /// Exported names that two different stats would share (`byPath` and `by_path` both become
    /// `by_path` on `/metrics`): each colliding name is counted once, and the later stat in path
    /// order is exported under the name with `_2` (`_3`, …) appended instead of being merged or
    /// left out. See ``PrometheusFormat``.
    public var nameCollisions: Int

    /// Creates a health record (registries make them; tests compare against them).
    public init(
        gaugeFailures: Int = 0, droppedValues: Int = 0, overflowedKeys: Int = 0, bindConflicts: Int = 0,
        nameCollisions: Int = 0
    ) {
        self.gaugeFailures = gaugeFailures
        self.droppedValues = droppedValues
        self.overflowedKeys = overflowedKeys
        self.bindConflicts = bindConflicts
        self.nameCollisions = nameCollisions
    }

    /// Where every registry shows these counters in its own tree, so that they reach the status
    /// page, JSON, Graphite and `/metrics`: `bindConflicts`, `droppedValues`, `nameCollisions`,
    /// `overflowedKeys` and `readFailures` (``gaugeFailures``), all counters
    /// (`scales_health_dropped_values_total` and so on on `/metrics`).
    public static let path: StatPath = "/scales/health"
}

/// The atomic counters behind ``RegistryHealth``; only failure paths touch them.
@usableFromInline
package final class HealthCounters: Sendable {
    let gaugeFailures = Atomic<Int>(0)
    let dropped = Atomic<Int>(0)
    let overflowed = Atomic<Int>(0)
    let conflicts = Atomic<Int>(0)
    let collisions = Atomic<Int>(0)
    /// The exported names already counted in ``collisions`` (bounded: past
    /// ``maxRememberedCollisions`` names, every report counts).
    private let collidedNames = Lock<Set<String>>([])
    static let maxRememberedCollisions = 4096

    package init() {}

    /// Counts each of `names` (exported names two stats would share) the first time it is seen.
    package func nameCollisions(_ names: some Sequence<String>) {
        var fresh = 0
        collidedNames.withLock { seen in
            for name in names {
                if seen.count >= Self.maxRememberedCollisions {
                    fresh += 1
                } else if seen.insert(name).inserted {
                    fresh += 1
                }
            }
        }
        if fresh > 0 { collisions.wrappingAdd(fresh, ordering: .relaxed) }
    }

    @usableFromInline
    package func droppedValue() {
        dropped.wrappingAdd(1, ordering: .relaxed)
    }

    package func gaugeFailed() {
        gaugeFailures.wrappingAdd(1, ordering: .relaxed)
    }

    package func overflowedKey() {
        overflowed.wrappingAdd(1, ordering: .relaxed)
    }

    package func bindConflict() {
        conflicts.wrappingAdd(1, ordering: .relaxed)
    }

    var snapshot: RegistryHealth {
        RegistryHealth(
            gaugeFailures: gaugeFailures.load(ordering: .relaxed),
            droppedValues: dropped.load(ordering: .relaxed),
            overflowedKeys: overflowed.load(ordering: .relaxed),
            bindConflicts: conflicts.load(ordering: .relaxed),
            nameCollisions: collisions.load(ordering: .relaxed))
    }

    /// The cells that show these counters in the tree (see ``RegistryHealth/path``), with docs.
    var cells: [(name: String, cell: HealthCounterCell, doc: String)] {
        [
            (
                "bindConflicts", HealthCounterCell(self, .bindConflicts),
                "Binds that found another kind at a name, and aggregations over stats they cannot aggregate"
            ),
            (
                "droppedValues", HealthCounterCell(self, .droppedValues),
                "Update values dropped: non-finite numbers, negative amounts for counters"
            ),
            // Not `gaugeFailures`: promtool's lint refuses a type word in a metric name.
            (
                "readFailures", HealthCounterCell(self, .gaugeFailures),
                "Gauge reads that failed or gave a non-finite number"
            ),
            (
                "nameCollisions", HealthCounterCell(self, .nameCollisions),
                "Exported names two stats would share (the later one is exported with _2 appended)"
            ),
            (
                "overflowedKeys", HealthCounterCell(self, .overflowedKeys),
                "Updates sent to an overflow key because of maxKeys"
            ),
        ]
    }

    func value(_ field: HealthCounterCell.Field) -> Int {
        switch field {
        case .bindConflicts: return conflicts.load(ordering: .relaxed)
        case .droppedValues: return dropped.load(ordering: .relaxed)
        case .gaugeFailures: return gaugeFailures.load(ordering: .relaxed)
        case .nameCollisions: return collisions.load(ordering: .relaxed)
        case .overflowedKeys: return overflowed.load(ordering: .relaxed)
        }
    }
}

/// One of a registry's health counters as a stat in its tree: a counter that reads the atomic
/// the failure paths increment.
final class HealthCounterCell: StatCell {
    enum Field: Sendable { case bindConflicts, droppedValues, gaugeFailures, nameCollisions, overflowedKeys }

    let counters: HealthCounters
    let field: Field

    init(_ counters: HealthCounters, _ field: Field) {
        self.counters = counters
        self.field = field
    }

    func read(_ health: HealthCounters) -> StatValue { .counter(counters.value(field)) }
    var scalarKind: ScalarKind? { .counter }
}

extension Registry {
    /// Counts a bind that found another kind at a name (for bridges that detect it themselves).
    package func countBindConflict() {
        healthCounters.bindConflict()
    }

    /// Counts exported names two stats would share (each name once), for exporters that
    /// resolve such collisions themselves (the Graphite pusher).
    package func countNameCollisions(_ names: [String]) {
        healthCounters.nameCollisions(names)
    }

    /// Counts an update sent to an overflow key (for bridges that bound cardinality themselves).
    package func countOverflowedKey() {
        healthCounters.overflowedKey()
    }
}
