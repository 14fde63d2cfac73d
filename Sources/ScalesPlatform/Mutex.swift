// `public import`: the @inlinable lock and unlock below call pthread in their bodies, which the
// compiler allows only from a public import (even for `package` declarations).
#if canImport(Glibc)
public import Glibc
#elseif canImport(Musl)
public import Musl
#elseif canImport(Darwin)
public import Darwin
#endif

/// A pthread mutex on the heap (pthread mutexes must not move), for the package's `Lock`.
///
/// pthread rather than a futex so that ThreadSanitizer, which intercepts pthread calls, sees
/// the ordering it provides. The owner calls ``destroy()`` exactly once, when done.
@usableFromInline
package struct PlatformMutex: @unchecked Sendable {
    // @unchecked: the pointer is only handed to pthread_mutex_* calls, which synchronize.
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>

    /// Allocates and initializes an unlocked mutex.
    package init() {
        mutex = UnsafeMutablePointer.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    /// Blocks until the mutex is this thread's.
    @inlinable @inline(__always)
    package func lock() {
        pthread_mutex_lock(mutex)
    }

    /// Releases the mutex.
    @inlinable @inline(__always)
    package func unlock() {
        pthread_mutex_unlock(mutex)
    }

    /// Destroys and frees the mutex; no call may follow.
    package func destroy() {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }
}
