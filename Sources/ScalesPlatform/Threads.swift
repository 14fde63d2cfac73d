#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Thread and processor calls: what the keyed stats' grace periods and the striped cells need.
package enum PlatformThread {
    /// Gives the processor to another thread (`sched_yield`).
    package static func yield() {
        _ = sched_yield()
    }

    /// The processors online now (`sysconf(_SC_NPROCESSORS_ONLN)`), at least 1.
    package static var onlineProcessors: Int {
        Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// A number that tells the calling thread from the others: its `pthread_self()` as an
    /// integer (the address of the thread's descriptor on glibc, musl and Darwin).
    @inlinable
    package static func currentThreadID() -> UInt {
        #if canImport(Glibc)
        return UInt(pthread_self())  // glibc's pthread_t is an integer
        #elseif canImport(Musl) || canImport(Darwin)
        return UInt(bitPattern: pthread_self())  // a pointer there
        #else
        return 0
        #endif
    }
}
