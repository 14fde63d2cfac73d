import CScalesPlatform

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

    /// The processor the calling thread runs on now (`sched_getcpu()` on Linux: glibc reads it
    /// from the thread's restartable-sequences area or the vDSO, a few nanoseconds), or `nil`
    /// where it cannot be told (Darwin). The thread may move right after: the answer is a hint
    /// for spreading work, never a lock.
    package static func currentProcessor() -> Int? {
        let cpu = c_scales_current_cpu()
        return cpu >= 0 ? Int(cpu) : nil
    }
}
