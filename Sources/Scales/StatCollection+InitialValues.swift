extension StatCollection {
    /// Binds an `int` stat that starts at `initial` when first created (binding it again keeps
    /// its current value); stats.yaml's `value:` key on an int.
    ///
    /// ```swift
    /// let retries = collection.int("retriesLeft", initial: 3)
    /// ```
    public func int(_ name: String, initial: Int, unit: String? = nil, doc: String? = nil) -> IntStat {
        bind(name, doc: doc, unit: unit) { _ in IntStat(initial) }
    }

    /// Binds a `double` stat that starts at `initial` when first created (binding it again keeps
    /// its current value; a non-finite `initial` starts at 0); stats.yaml's `value:` key on a double.
    public func double(_ name: String, initial: Double, unit: String? = nil, doc: String? = nil) -> DoubleStat {
        bind(name, doc: doc, unit: unit) { DoubleStat(initial, health: $0) }
    }
}
