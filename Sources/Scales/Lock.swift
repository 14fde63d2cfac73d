import ScalesPlatform

/// A value guarded by a pthread mutex.
///
/// Why not `Synchronization.Mutex`: on Linux it is built on raw futex calls inside the
/// (uninstrumented) standard library, so ThreadSanitizer cannot see the ordering it provides and
/// reports every access inside `withLock` as a race (checked with Swift 6.3.1: two threads
/// incrementing a value under `Mutex.withLock` give "Swift access race" warnings). TSan
/// intercepts pthread mutexes, so with this lock `swift test --sanitize=thread` reports real
/// races only. Atomics (`Synchronization.Atomic`) are instrumented and stay as they are.
///
/// Like `Mutex`, the value must only be touched inside ``withLock(_:)``.
package final class Lock<Value>: @unchecked Sendable {
    // @unchecked: `value` is only read or written between pthread_mutex_lock and unlock.
    private let mutex = PlatformMutex()
    private var value: Value

    /// Creates a lock around `value`.
    package init(_ value: Value) {
        self.value = value
    }

    deinit {
        mutex.destroy()
    }

    /// Runs `body` with exclusive access to the value.
    @inlinable
    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock()
        defer { unlock() }
        return try body(&valueStorage)
    }

    @usableFromInline
    package var valueStorage: Value {
        _read { yield value }
        _modify { yield &value }
    }

    @usableFromInline
    package func lock() {
        mutex.lock()
    }

    @usableFromInline
    package func unlock() {
        mutex.unlock()
    }
}
