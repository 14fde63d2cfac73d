// Snapshots made by hand, for tests of the formats: a tree written as nested calls.

package import Scales

/// A snapshot of the root whose children are `children`, taken at `timestamp`.
package func handMadeSnapshot(_ children: [SnapshotNode], timestamp: Double = 0) -> Snapshot {
    Snapshot(path: .root, root: container("", children), timestamp: timestamp)
}

/// A container named `name` holding `children`.
package func container(_ name: String, _ children: [SnapshotNode]) -> SnapshotNode {
    .container(SnapshotContainer(name: name, children: children))
}

/// A stat named `name` with `value` and, for a labelled series, its labels.
package func stat(_ name: String, _ value: StatValue, labels: [StatLabel]? = nil) -> SnapshotNode {
    .stat(SnapshotStat(name: name, value: value, labels: labels))
}
