import Synchronization

/// An `intDict` stat: an integer per string key, such as requests per path.
///
/// ```swift
/// web.byPath[request.path] += 1
/// web.active[url] -= 1
/// let hits = web.byPath["/"].value
/// ```
///
/// A missing key reads as 0. With `autoDelete`, a key whose value reaches 0 is removed. With
/// `maxKeys`, at most that many keys exist: an update to a new key beyond the bound lands in
/// the key ``overflowKey`` (which does not count toward the bound) and is counted in
/// ``RegistryHealth/overflowedKeys``.
///
/// Each dict has its own lock, shared with no other stat; updating an existing key allocates nothing.
public final class IntDictStat: StatCell {
    /// The key that takes updates to new keys once `maxKeys` is reached: `_overflow`.
    public static let overflowKey = "_overflow"

    let storage: Lock<[String: Int]>
    /// Whether keys whose value reaches 0 are removed.
    public let autoDelete: Bool
    /// The most keys kept (not counting ``overflowKey``), or `nil` for no bound.
    public let maxKeys: Int?
    let health: HealthCounters

    /// Creates a dict not bound to any registry.
    public convenience init(autoDelete: Bool = false, maxKeys: Int? = nil) {
        self.init(autoDelete: autoDelete, maxKeys: maxKeys, health: HealthCounters())
    }

    init(autoDelete: Bool, maxKeys: Int?, health: HealthCounters) {
        storage = Lock([:])
        self.autoDelete = autoDelete
        self.maxKeys = maxKeys.map { Swift.max(0, $0) }
        self.health = health
    }

    /// The entry for `key`, to update with `+=`, `-=` or `.value = `.
    public subscript(key: String) -> Entry {
        Entry(dict: self, key: key)
    }

    /// A copy of all keys and values.
    public var values: [String: Int] {
        storage.withLock { $0 }
    }

    /// Adds `amount` to `key`'s value (see the type's discussion for `autoDelete` and `maxKeys`).
    public func add(_ amount: Int, to key: String) {
        let overflowed = storage.withLock { dict -> Bool in
            if let index = dict.index(forKey: key) {
                // One hash lookup, then an in-place update.
                dict.values[index] &+= amount
                if autoDelete && dict.values[index] == 0 { dict.remove(at: index) }
                return false
            }
            if amount == 0 && autoDelete { return false }
            let target = KeyBound.target(for: key, in: dict, maxKeys: maxKeys)
            let new = (dict[target] ?? 0) &+ amount
            if new == 0 && autoDelete { dict[target] = nil } else { dict[target] = new }
            return target != key
        }
        if overflowed { health.overflowedKey() }
    }

    /// Stores `value` for `key` (see the type's discussion for `autoDelete` and `maxKeys`).
    public func set(_ value: Int, for key: String) {
        let overflowed = storage.withLock { dict -> Bool in
            let target = KeyBound.target(for: key, in: dict, maxKeys: maxKeys)
            if value == 0 && autoDelete { dict[target] = nil } else { dict[target] = value }
            return target != key
        }
        if overflowed { health.overflowedKey() }
    }

    /// Removes `key`.
    public func removeValue(forKey key: String) {
        _ = storage.withLock { $0.removeValue(forKey: key) }
    }

    /// Removes every key.
    public func removeAll() {
        storage.withLock { $0.removeAll() }
    }

    package func read(_ health: HealthCounters) -> StatValue { .intDict(values) }

    /// One key of an ``IntDictStat``: `dict[key] += 1` updates it atomically.
    public struct Entry: Sendable {
        /// The dict this entry belongs to.
        public let dict: IntDictStat
        /// The key.
        public let key: String

        /// The key's value (0 when absent); assigning stores a new value.
        public var value: Int {
            get { dict.storage.withLock { $0[key] ?? 0 } }
            nonmutating set { dict.set(newValue, for: key) }
        }

        /// Adds `rhs` to the entry: `web.byPath[path] += 1`.
        public static func += (lhs: Entry, rhs: Int) {
            lhs.dict.add(rhs, to: lhs.key)
        }

        /// Subtracts `rhs` from the entry.
        public static func -= (lhs: Entry, rhs: Int) {
            lhs.dict.add(0 &- rhs, to: lhs.key)
        }
    }
}

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
