/// How a stat's value is read: its cell, or an aggregation over the entries it reads (each a
/// cell or a lower aggregation, evaluated when read, like the one above it). Snapshots read
/// through it after the lock, render layouts keep one per stat, and aggregations take their
/// inputs as readers.
enum StatReader: Sendable {
    case cell(any StatCell)
    indirect case derived(AggregationPlan, [StatReader])

    func read(_ health: HealthCounters) -> StatValue {
        switch self {
        case .cell(let cell): return cell.read(health)
        case .derived(let plan, let inputs): return plan.evaluate(inputs.map { $0.read(health) }, health: health)
        }
    }

    /// The kind of the one number a cell's value always is (see ``StatCell/scalarKind``);
    /// `nil` for an aggregation.
    var scalarKind: ScalarKind? {
        if case .cell(let cell) = self { return cell.scalarKind }
        return nil
    }

    /// Whether reading runs user code or heavy work (see ``StatCell/readsOutsideTreeLock``).
    var readsOutsideTreeLock: Bool {
        switch self {
        case .cell(let cell): return cell.readsOutsideTreeLock
        case .derived(_, let inputs): return inputs.contains { $0.readsOutsideTreeLock }
        }
    }
}
