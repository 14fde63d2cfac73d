import Foundation

/// Runs blocking work (sockets, child processes, waits) on a thread of its own, so that it does
/// not hold a thread of the cooperative pool.
///
/// Every test of the package runs in one process, whose pool has as many threads as the machine
/// has cores: two here. Two tests blocked in a pool thread at once (a child process, a blocking
/// socket call) would stall every other test's tasks meanwhile, and a timing test among them
/// would see its own task resume seconds late.
package func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.start()
    }
}
