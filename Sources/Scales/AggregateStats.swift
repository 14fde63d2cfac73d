// The read-only handles of the aggregations a ``StatCollection`` declares (`sum`, `histogram`,
// `intDictSum`); the aggregations themselves live in the tree (`Aggregation` in RegistryTree.swift).

/// A read-only handle on a `sum` of int stats (or of int sums one level down): the total over
/// the children, derived when read.
public struct SumStat: Sendable {
    /// The registry the sum lives in.
    public let registry: Registry
    /// Its path.
    public let path: StatPath

    /// The total now: the children's values and what removed children counted. 0 when the sum
    /// is no longer in the tree or no child's stat is a number (counted in
    /// ``RegistryHealth/bindConflicts``). A total that came out floating-point (a child's stat
    /// is a double; declare it with ``StatCollection/doubleSum(_:of:childType:doc:)``) is rounded
    /// toward zero and clamped to `Int`'s range.
    public var value: Int {
        switch aggregateValue(registry, path) {
        case .int(let total)?, .counter(let total)?: return total
        case .double(let total)?, .doubleCounter(let total)?:
            guard !total.isNaN else { return 0 }
            if total >= 0x1p63 { return .max }
            if total < -0x1p63 { return .min }
            return Int(total.rounded(.towardZero))
        default: return 0
        }
    }
}

/// A read-only handle on a `sum` of double stats (or of double sums one level down): the total
/// over the children, derived when read.
public struct DoubleSumStat: Sendable {
    /// The registry the sum lives in.
    public let registry: Registry
    /// Its path.
    public let path: StatPath

    /// The total now: the children's values and what removed children counted. 0 when the sum
    /// is no longer in the tree or no child's stat is a number (counted in
    /// ``RegistryHealth/bindConflicts``).
    public var value: Double {
        switch aggregateValue(registry, path) {
        case .double(let total)?, .doubleCounter(let total)?: return total
        case .int(let total)?, .counter(let total)?: return Double(total)
        default: return 0
        }
    }
}

/// A read-only handle on a `histogram`: how many children hold each value of a stat, derived
/// when read.
public struct HistogramStat: Sendable {
    /// The registry the histogram lives in.
    public let registry: Registry
    /// Its path.
    public let path: StatPath

    /// The count of children per value now (a bool as `"true"`/`"false"`, an int in decimal);
    /// values no child holds are absent. Empty when the histogram is no longer in the tree.
    public var value: [String: Int] {
        guard case .intDict(let counts)? = aggregateValue(registry, path) else { return [:] }
        return counts
    }
}

/// A read-only handle on an `intDictSum`: per-key totals of an intDict over the children,
/// derived when read.
public struct IntDictSumStat: Sendable {
    /// The registry the sum lives in.
    public let registry: Registry
    /// Its path.
    public let path: StatPath

    /// The per-key totals now, with what removed children counted. Empty when the sum is no
    /// longer in the tree or no child's stat is an intDict (counted in
    /// ``RegistryHealth/bindConflicts``).
    public var value: [String: Int] {
        guard case .intDict(let totals)? = aggregateValue(registry, path) else { return [:] }
        return totals
    }
}

/// The value of the aggregate at `path`, derived now; `nil` when nothing is there.
private func aggregateValue(_ registry: Registry, _ path: StatPath) -> StatValue? {
    guard case .stat(let stat) = registry.snapshot(at: path)?.root else { return nil }
    return stat.value
}
