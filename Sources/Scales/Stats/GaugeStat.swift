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
        let bound = TypedGaugeBinding(read: { try body().statValue }, body: body)
        binding.withLock { $0 = bound }
    }

    /// Removes the closure; the gauge reads as absent.
    public func unbind() {
        binding.withLock { $0 = nil }
    }

    /// Runs the closure now and returns its value, `nil` if the gauge is unbound; an error the
    /// closure throws is thrown on (a snapshot instead leaves the gauge absent and counts the
    /// failure in ``RegistryHealth/gaugeFailures``).
    public func currentValue() throws -> Value? {
        guard let bound = binding.withLock({ $0 }) else { return nil }
        // `bind` is the only writer of `binding`, and binds a `TypedGaugeBinding<Value>`: the
        // downcast cannot fail, and unchecked it costs no dynamic cast.
        return try unsafeDowncast(bound, to: TypedGaugeBinding<Value>.self).body()
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
class GaugeBinding: @unchecked Sendable {
    // @unchecked: not final (``TypedGaugeBinding`` adds the typed closure); every stored
    // property of both classes is an immutable `let` of a `@Sendable` closure.
    let read: @Sendable () throws -> StatValue?

    init(read: @escaping @Sendable () throws -> StatValue?) {
        self.read = read
    }
}

/// The binding of a `GaugeStat<Value>`: also the closure as the user gave it, for
/// ``GaugeStat/currentValue()``.
final class TypedGaugeBinding<Value: StatScalar>: GaugeBinding, @unchecked Sendable {
    let body: @Sendable () throws -> Value

    init(read: @escaping @Sendable () throws -> StatValue?, body: @escaping @Sendable () throws -> Value) {
        self.body = body
        super.init(read: read)
    }
}
