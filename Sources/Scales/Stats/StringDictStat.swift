/// A `stringDict` stat: a string per key.
///
/// ```swift
/// worker.lastError["db"] = "timeout"
/// worker.lastError["db"] = nil          // removes the key
/// ```
///
/// With `maxKeys`, new keys beyond the bound land in ``IntDictStat/overflowKey`` and are counted.
public final class StringDictStat: StatCell {
    let storage: Lock<[String: String]>
    /// The most keys kept (not counting the overflow key), or `nil` for no bound.
    public let maxKeys: Int?
    let health: HealthCounters

    /// Creates a dict not bound to any registry.
    public convenience init(maxKeys: Int? = nil) {
        self.init(maxKeys: maxKeys, health: HealthCounters())
    }

    init(maxKeys: Int?, health: HealthCounters) {
        storage = Lock([:])
        self.maxKeys = maxKeys.map { Swift.max(0, $0) }
        self.health = health
    }

    /// The value for `key`; assigning `nil` removes it.
    public subscript(key: String) -> String? {
        get { storage.withLock { $0[key] } }
        set {
            let overflowed = storage.withLock { dict -> Bool in
                guard let newValue else {
                    dict[key] = nil
                    return false
                }
                let target = KeyBound.target(for: key, in: dict, maxKeys: maxKeys)
                dict[target] = newValue
                return target != key
            }
            if overflowed { health.overflowedKey() }
        }
    }

    /// A copy of all keys and values.
    public var values: [String: String] {
        storage.withLock { $0 }
    }

    package func read(_ health: HealthCounters) -> StatValue { .stringDict(values) }
}
