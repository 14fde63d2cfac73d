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
    /// What `bind` stored. Not generic, so that the read a snapshot makes (through
    /// ``StatCell``, in code that is not specialized for `Value`) looks up no generic metadata:
    /// the gauge's lock, a copy of the closure, the call.
    let binding: Lock<GaugeBinding?>

    /// Creates a gauge not bound to any registry.
    public init() {
        binding = Lock(nil)
    }

    /// Sets the closure that gives the gauge's value; replaces any earlier one.
    public func bind(_ body: @escaping @Sendable () throws -> Value) {
        let bound = GaugeBinding(read: { try body().statValue })
        binding.withLock { $0 = bound }
    }

    /// Removes the closure; the gauge reads as absent.
    public func unbind() {
        binding.withLock { $0 = nil }
    }

    /// A gauge runs user code: never under the registry's lock.
    package var readsOutsideTreeLock: Bool { true }

    /// Its value is an int or a double: the display says `gauge`.
    package var declaredKind: String? { "gauge" }

    package func read(_ health: HealthCounters) -> StatValue {
        guard let bound = binding.withLock({ $0 }) else { return .absent }
        do {
            if let value = try bound.read() { return value }
        } catch {}
        health.gaugeFailed()
        return .absent
    }
}

/// A gauge's closure giving a ``StatValue`` (`nil` for a non-finite number), made once by
/// ``GaugeStat/bind(_:)``. A class: taking a closure out of the lock's generic `withLock` by
/// value would reabstract it, an allocation per read.
final class GaugeBinding: Sendable {
    let read: @Sendable () throws -> StatValue?

    init(read: @escaping @Sendable () throws -> StatValue?) {
        self.read = read
    }
}
