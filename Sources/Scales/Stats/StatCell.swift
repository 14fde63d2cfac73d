/// The storage of one stat, as the registry's tree holds it.
///
/// Every kind's handle (``IntStat``, ``IntDictStat``, …) is a `final class` that conforms: the
/// handle *is* the cell, so an update is one call on an object the caller already holds — no
/// lookup by path, no lock shared with any other stat.
package protocol StatCell: AnyObject, Sendable {
    /// The stat's value now.
    ///
    /// ``Registry/snapshot(at:)`` calls it while holding the registry's lock, unless
    /// ``readsOutsideTreeLock`` is set; so it must not touch the registry, and may only take the
    /// cell's own lock.
    func read(_ health: HealthCounters) -> StatValue

    /// Whether ``read(_:)`` must run after the registry's lock is released: a gauge runs user
    /// code, a pmf computes percentiles. Most cells read an atomic or a small dict and say no.
    var readsOutsideTreeLock: Bool { get }

    /// The case ``read(_:)`` always returns, for cells whose value is one number of a fixed
    /// kind (render layouts keep such a stat's output lines and only format the number);
    /// `nil` when the value's shape can change (dicts, strings, gauges, statistics).
    var scalarKind: ScalarKind? { get }

    /// The declared kind, for displays, when the value's case does not tell it (`gauge`);
    /// `nil` otherwise. See ``SnapshotStat/declaredKind``.
    var declaredKind: String? { get }

    /// The recent window of a `pmf` or `pmfDict`, for displays; `nil` for other kinds.
    var recentWindow: Duration? { get }
}

extension StatCell {
    /// Most cells are cheap to read and run no user code.
    package var readsOutsideTreeLock: Bool { false }

    /// Most cells' values change shape.
    package var scalarKind: ScalarKind? { nil }

    /// Most kinds are told by their value's case.
    package var declaredKind: String? { nil }

    /// Most kinds have no window.
    package var recentWindow: Duration? { nil }
}

/// The value cases of one number: see ``StatCell/scalarKind``.
package enum ScalarKind: Sendable {
    case int, counter, double, doubleCounter, bool
}
