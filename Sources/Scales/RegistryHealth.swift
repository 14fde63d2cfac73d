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
    /// Binds that found a different kind of stat, or a collection, already at that name; the
    /// new handle works but is not in the tree.
    public var bindConflicts: Int
}

/// The atomic counters behind ``RegistryHealth``; only failure paths touch them.
@usableFromInline
package final class HealthCounters: Sendable {
    let gaugeFailures = Atomic<Int>(0)
    let dropped = Atomic<Int>(0)
    let overflowed = Atomic<Int>(0)
    let conflicts = Atomic<Int>(0)

    package init() {}

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
            bindConflicts: conflicts.load(ordering: .relaxed))
    }
}

extension Registry {
    /// Counts a bind that found another kind at a name (for bridges that detect it themselves).
    package func countBindConflict() {
        healthCounters.bindConflict()
    }

    /// Counts an update sent to an overflow key (for bridges that bound cardinality themselves).
    package func countOverflowedKey() {
        healthCounters.overflowedKey()
    }
}
