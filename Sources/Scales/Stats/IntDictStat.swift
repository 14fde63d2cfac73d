import ScalesNaming
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
/// An update of an existing key takes no lock and allocates nothing: the dict keeps a
/// read-mostly index of its keys, each key's value an atomic cell, and only inserting or
/// removing a key takes the dict's own lock (shared with no other stat). Without `autoDelete`
/// a key's cell is striped as an ``IntStat`` is (see <doc:Contention>): one word until two
/// threads are seen updating the key at once, then a stripe per CPU, so threads hammering one
/// key (`requests["GET"] += 1`) do not share a cache line. With `autoDelete` a key's cell stays
/// one word, since an update must see the key's new value to remove it at 0. For a hot loop
/// over one key, hold a ``Handle`` (`let get = dict.handle("GET")`, then `get += 1`): one
/// atomic operation, without hashing the key.
public final class IntDictStat: StatCell {
    /// The key that takes updates to new keys once `maxKeys` is reached: `_overflow`.
    public static let overflowKey = overflowName

    /// The live keys' cells: the record of which keys exist (under the lock).
    let storage: Lock<[String: KeyCell]>
    /// The published ``KeyIndex`` (retained bits of an `Unmanaged`), read without a lock.
    private let published: Atomic<UInt>
    /// ``ReadSection/words``, kept here so that an update does not check the global's lazy
    /// initialization. (nonisolated(unsafe): a pointer never freed, only used through atomics.)
    nonisolated(unsafe) private let readSlots = ReadSection.words
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
        published = Atomic(UInt(bitPattern: Unmanaged.passRetained(KeyIndex(capacity: 8)).toOpaque()))
        self.autoDelete = autoDelete
        self.maxKeys = maxKeys.map { Swift.max(0, $0) }
        self.health = health
    }

    deinit {
        if let pointer = UnsafeRawPointer(bitPattern: published.load(ordering: .relaxed)) {
            Unmanaged<KeyIndex>.fromOpaque(pointer).release()
        }
    }

    /// The entry for `key`, to update with `+=`, `-=` or `.value = `.
    @inlinable
    public subscript(key: String) -> Entry {
        Entry(dict: self, key: key)
    }

    /// A handle on `key` for hot loops: `handle += 1` is one atomic operation once the key
    /// exists. It does not create the key; see ``Handle`` for removed and overflowed keys.
    public func handle(_ key: String) -> Handle {
        Handle(dict: self, key: key)
    }

    /// A copy of all keys and values.
    public var values: [String: Int] {
        storage.withLock { cells in cells.mapValues { $0.value.load() } }
    }

    /// Adds `amount` to `key`'s value (see the type's discussion for `autoDelete` and `maxKeys`).
    @usableFromInline
    func add(_ amount: Int, to key: String) {
        let hash = KeyIndex.hash(key)
        if autoDelete {
            if let new = withIndexedCell(key, hash: hash, { $0.addIfNotRemoved(amount) }) ?? nil {
                if new == 0 { removeIfZero(key) }
                return
            }
        } else if withIndexedCell(key, hash: hash, { $0.value.add(amount) }) != nil {
            return
        }
        addLocked(amount, to: key, hash: hash)
    }

    /// Runs `body` on `key`'s cell in the published index, without a lock (its live cell
    /// without `autoDelete`, see ``KeyCell``); `nil` if the index has no such cell.
    @inline(__always)
    func withIndexedCell<Result>(_ key: String, hash: Int, _ body: (KeyCell) -> Result) -> Result? {
        let section = ReadSection.enter(readSlots)
        defer { ReadSection.exit(section) }
        guard let pointer = UnsafeRawPointer(bitPattern: published.load(ordering: .sequentiallyConsistent)) else {
            return nil
        }
        let liveOnly = !autoDelete
        return Unmanaged<KeyIndex>.fromOpaque(pointer)._withUnsafeGuaranteedRef {
            $0.withCell(key, hash: hash, liveOnly: liveOnly, body)
        }
    }

    /// The update of a key the index has no live cell for (new, removed, or holding
    /// `Int.min` in an `autoDelete` dict), under the lock.
    private func addLocked(_ amount: Int, to key: String, hash: Int) {
        let overflowed = storage.withLock { cells -> Bool in
            if cells[key] != nil {
                addLive(amount, to: key, in: &cells)
                return false
            }
            if amount == 0 && autoDelete { return false }
            let target = KeyBound.target(for: key, in: cells, maxKeys: maxKeys)
            if cells[target] != nil {
                addLive(amount, to: target, in: &cells)
            } else {
                insert(target, hash: target == key ? hash : KeyIndex.hash(target), value: amount, in: &cells)
            }
            return target != key
        }
        if overflowed { health.overflowedKey() }
    }

    /// Adds `amount` to the live `key` (under the lock), removing it at 0 with `autoDelete`.
    private func addLive(_ amount: Int, to key: String, in cells: inout [String: KeyCell]) {
        guard let cell = cells[key] else { return }
        if autoDelete {
            let new = cell.value.base.wrappingAdd(amount, ordering: .relaxed).newValue
            if new == 0 { killIfZero(key, in: &cells) }
        } else {
            cell.value.add(amount)
        }
    }

    /// Removes `key` if its value is 0 (an update brought it there without the lock).
    private func removeIfZero(_ key: String) {
        storage.withLock { killIfZero(key, in: &$0) }
    }

    /// Removes `key` of an `autoDelete` dict (under the lock) if its value is still 0: a
    /// lock-free update may have moved it since, and must not be lost.
    private func killIfZero(_ key: String, in cells: inout [String: KeyCell]) {
        guard let cell = cells[key],
            cell.value.base.compareExchange(expected: 0, desired: KeyCell.removed, ordering: .relaxed).exchanged
        else { return }
        cells[key] = nil
    }

    /// Removes `key` (under the lock): with `autoDelete` its cell holds ``KeyCell/removed``
    /// from now on (until the key comes back in it); without, its cell is no longer live and
    /// never will be again (see ``KeyCell``).
    private func kill(_ key: String, in cells: inout [String: KeyCell]) {
        guard let cell = cells.removeValue(forKey: key) else { return }
        Self.kill(cell, autoDelete: autoDelete)
    }

    private static func kill(_ cell: KeyCell, autoDelete: Bool) {
        if autoDelete {
            cell.value.base.store(KeyCell.removed, ordering: .relaxed)
        } else {
            cell.live.store(false, ordering: .releasing)
        }
    }

    /// Makes `key` live with `value` (under the lock): with `autoDelete`, revives its removed
    /// cell if the index still has it; else adds a cell, growing the index (without removed
    /// cells) when it is half full.
    private func insert(_ key: String, hash: Int, value: Int, in cells: inout [String: KeyCell]) {
        if value == 0 && autoDelete { return }
        guard let pointer = UnsafeRawPointer(bitPattern: published.load(ordering: .relaxed)) else { return }
        let index = Unmanaged<KeyIndex>.fromOpaque(pointer).takeUnretainedValue()
        // Under the lock nobody else changes the index, so the cell found stays valid here.
        if autoDelete, let cell = index.withCell(key, hash: hash, liveOnly: false, { $0 }) {
            cell.value.base.store(value, ordering: .relaxed)
            cells[key] = cell
            return
        }
        let cell = KeyCell(key: key, hash: hash, value: value)
        cells[key] = cell
        if index.hasRoom {
            index.insert(cell)
            return
        }
        let larger = KeyIndex(capacity: KeyIndex.capacity(for: cells.count))
        for live in cells.values { larger.insert(live) }
        published.store(UInt(bitPattern: Unmanaged.passRetained(larger).toOpaque()), ordering: .sequentiallyConsistent)
        ReadSection.synchronize()
        Unmanaged<KeyIndex>.fromOpaque(pointer).release()
    }

    /// The index's slots and the slots filled (live and removed cells), for tests of its bound.
    package var indexSlots: (capacity: Int, used: Int) {
        storage.withLock { _ in
            guard let pointer = UnsafeRawPointer(bitPattern: published.load(ordering: .relaxed)) else { return (0, 0) }
            let index = Unmanaged<KeyIndex>.fromOpaque(pointer).takeUnretainedValue()
            return (index.mask + 1, index.used)
        }
    }

    /// Stripes of `key`'s cell: 0 until two threads are seen updating the key at once (and
    /// always with `autoDelete`); `nil` if the key does not exist.
    package func stripeCount(of key: String) -> Int? {
        storage.withLock { $0[key]?.value.stripeCount }
    }

    /// Gives `key`'s cell its stripes now, as two threads updating it at once would (for
    /// tests; not with `autoDelete`).
    package func spreadOverStripes(_ key: String) {
        storage.withLock { cells in
            if !autoDelete { cells[key]?.value.spread() }
        }
    }

    /// Stores `value` for `key` (see the type's discussion for `autoDelete` and `maxKeys`).
    public func set(_ value: Int, for key: String) {
        let overflowed = storage.withLock { cells -> Bool in
            let target = KeyBound.target(for: key, in: cells, maxKeys: maxKeys)
            if value == 0 && autoDelete {
                kill(target, in: &cells)
            } else if let cell = cells[target] {
                if autoDelete { cell.value.base.store(value, ordering: .relaxed) } else { cell.value.store(value) }
            } else {
                insert(target, hash: KeyIndex.hash(target), value: value, in: &cells)
            }
            return target != key
        }
        if overflowed { health.overflowedKey() }
    }

    /// The value of `key`, 0 when absent.
    func value(of key: String) -> Int {
        let value = withIndexedCell(key, hash: KeyIndex.hash(key)) { $0.value.load() }
        guard let value else { return 0 }
        if !autoDelete || value != KeyCell.removed { return value }
        return storage.withLock { $0[key]?.value.load() ?? 0 }
    }

    /// Removes `key`.
    public func removeValue(forKey key: String) {
        storage.withLock { kill(key, in: &$0) }
    }

    /// Removes every key.
    public func removeAll() {
        storage.withLock { cells in
            for cell in cells.values { Self.kill(cell, autoDelete: autoDelete) }
            cells.removeAll()
        }
    }

    package func read(_ health: HealthCounters) -> StatValue { .intDict(values) }

    /// One key of an ``IntDictStat``: `dict[key] += 1` updates it atomically.
    public struct Entry: Sendable {
        /// The dict this entry belongs to.
        public let dict: IntDictStat
        /// The key.
        public let key: String

        @usableFromInline
        init(dict: IntDictStat, key: String) {
            self.dict = dict
            self.key = key
        }

        /// The key's value (0 when absent); assigning stores a new value.
        public var value: Int {
            get { dict.value(of: key) }
            nonmutating set { dict.set(newValue, for: key) }
        }

        /// Adds `rhs` to the entry: `web.byPath[path] += 1`.
        @inlinable
        public static func += (lhs: Entry, rhs: Int) {
            lhs.dict.add(rhs, to: lhs.key)
        }

        /// Subtracts `rhs` from the entry.
        @inlinable
        public static func -= (lhs: Entry, rhs: Int) {
            lhs.dict.add(0 &- rhs, to: lhs.key)
        }
    }

    /// A key of an ``IntDictStat`` held for hot loops: `handle += 1` is one atomic operation on
    /// the key's cell, with no hash and no lookup.
    ///
    /// A handle means exactly what `dict[key]` means at the moment of each update; it never
    /// loses a count:
    /// - Made for a key that does not exist yet, it updates through the dict (creating the key,
    ///   or landing in ``IntDictStat/overflowKey`` and counted, as `dict[key] += 1` would) until
    ///   the key exists, then holds the key's cell.
    /// - Once its key is removed (by `autoDelete` at 0, ``IntDictStat/removeValue(forKey:)`` or
    ///   ``IntDictStat/removeAll()``), its cell refuses updates and the handle re-resolves
    ///   through the dict: the key comes back (or overflows) as `dict[key] += 1` would make it.
    ///   If the dict then has a new cell for the key (always, once a key of a dict without
    ///   `autoDelete` was removed: such a key comes back in a new cell), the handle keeps going
    ///   through the dict's index (still exact, no longer a single atomic): make a new handle.
    /// - It does not keep the key alive: `autoDelete` and removals work as without it.
    public final class Handle: Sendable {
        /// The dict this handle belongs to.
        public let dict: IntDictStat
        /// The key.
        public let key: String
        /// The key's cell once resolved (retained bits of an `Unmanaged`, set once, released
        /// in `deinit`), so an update touches no reference count.
        private let cell = Atomic<UInt>(0)

        init(dict: IntDictStat, key: String) {
            self.dict = dict
            self.key = key
            resolve()
        }

        deinit {
            if let pointer = UnsafeRawPointer(bitPattern: cell.load(ordering: .acquiring)) {
                Unmanaged<KeyCell>.fromOpaque(pointer).release()
            }
        }

        /// Holds the key's cell once the key is live.
        private func resolve() {
            guard cell.load(ordering: .relaxed) == 0, let live = dict.storage.withLock({ $0[key] }) else { return }
            let bits = UInt(bitPattern: Unmanaged.passRetained(live).toOpaque())
            if !cell.compareExchange(expected: 0, desired: bits, ordering: .acquiringAndReleasing).exchanged {
                Unmanaged.passUnretained(live).release()  // another thread resolved first
            }
        }

        /// Adds `amount`: one atomic operation while the key lives (see the type's discussion).
        public func add(_ amount: Int) {
            if let pointer = UnsafeRawPointer(bitPattern: cell.load(ordering: .acquiring)) {
                let held = Unmanaged<KeyCell>.fromOpaque(pointer)
                if dict.autoDelete {
                    if let new = held._withUnsafeGuaranteedRef({ $0.addIfNotRemoved(amount) }) {
                        if new == 0 { dict.removeIfZero(key) }
                        return
                    }
                } else if held._withUnsafeGuaranteedRef({ $0.addIfLive(amount) }) {
                    return
                }
            }
            dict.add(amount, to: key)
            resolve()
        }

        /// The key's value now (0 when absent).
        public var value: Int { dict.value(of: key) }

        /// Adds `rhs`: `handle += 1`.
        public static func += (lhs: Handle, rhs: Int) {
            lhs.add(rhs)
        }

        /// Subtracts `rhs`.
        public static func -= (lhs: Handle, rhs: Int) {
            lhs.add(0 &- rhs)
        }
    }
}
