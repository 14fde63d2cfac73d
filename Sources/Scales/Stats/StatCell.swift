/// The storage of one stat, as the registry's tree holds it.
///
/// Every kind's handle (``IntStat``, ``IntDictStat``, …) is a `final class` that conforms: the
/// handle *is* the cell, so an update is one call on an object the caller already holds — no
/// lookup by path, no lock shared with any other stat.
package protocol StatCell: AnyObject, Sendable {
    /// The stat's value now. Called by ``Registry/snapshot(at:)`` outside every registry lock
    /// (a gauge runs its closure here).
    func read(_ health: HealthCounters) -> StatValue
}
