import Synchronization

/// A `gauge`: a value read from a closure each time a snapshot is taken.
///
/// ```swift
/// web.load.bind { Double(queue.count) }
/// web.uptime.bind { try readUptime() }     // a throwing closure is fine
/// ```
///
/// The closure runs at snapshot time, outside every registry lock, never on an update path.
/// Keep it cheap. If it throws or gives a non-finite number, only this gauge's value is absent
/// (``StatValue/absent``; left out of JSON, Prometheus and Graphite) and the failure is counted
/// in ``RegistryHealth/gaugeFailures``. An unbound gauge is absent too.
public final class GaugeStat<Value: StatScalar>: StatCell {
    let closure: Lock<(@Sendable () throws -> Value)?>

    /// Creates a gauge not bound to any registry.
    public init() {
        closure = Lock(nil)
    }

    /// Sets the closure that gives the gauge's value; replaces any earlier one.
    public func bind(_ body: @escaping @Sendable () throws -> Value) {
        closure.withLock { $0 = body }
    }

    /// Removes the closure; the gauge reads as absent.
    public func unbind() {
        closure.withLock { $0 = nil }
    }

    /// Runs the closure now; `nil` if unbound or it throws.
    public func currentValue() -> Value? {
        guard let body = closure.withLock({ $0 }) else { return nil }
        return try? body()
    }

    /// A gauge runs user code: never under the registry's lock.
    package var readsOutsideTreeLock: Bool { true }

    /// Its value is an int or a double: the display says `gauge`.
    package var declaredKind: String? { "gauge" }

    package func read(_ health: HealthCounters) -> StatValue {
        guard let body = closure.withLock({ $0 }) else { return .absent }
        do {
            if let value = try body().statValue { return value }
        } catch {}
        health.gaugeFailed()
        return .absent
    }
}
