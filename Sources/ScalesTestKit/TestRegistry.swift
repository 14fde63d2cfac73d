public import Scales

extension Registry {
    /// A fresh, empty registry driven by a manual clock, for a test.
    ///
    /// ```swift
    /// let (registry, clock) = Registry.forTesting()
    /// let web = WebStats(registry: registry)
    /// web.latency.record(0.2)
    /// clock.advance(by: .seconds(600))
    /// #expect(registry.value(at: "/web/latency") == ...)
    /// ```
    public static func forTesting(clock: ManualClock = ManualClock()) -> (registry: Registry, clock: ManualClock) {
        (Registry(clock: clock), clock)
    }

    /// The value of the stat at `path` now, or `nil` when no stat is there.
    public func value(at path: StatPath) -> StatValue? {
        guard case .stat(let stat) = snapshot(at: path)?.root else { return nil }
        return stat.value
    }

    /// The doc of the stat or collection at `path`, or `nil` when it has none or nothing is there.
    public func doc(at path: StatPath) -> String? {
        switch snapshot(at: path)?.root {
        case .stat(let stat)?: return stat.doc
        case .container(let container)?: return container.doc
        case nil: return nil
        }
    }

    /// The figures of the `pmf` at `path` now, or `nil` when no pmf is there.
    public func pmfFigures(at path: StatPath) -> PmfSnapshot? {
        guard case .pmf(let figures) = value(at: path) else { return nil }
        return figures
    }

    /// The figures of the `meter` at `path` now, or `nil` when no meter is there.
    public func meterFigures(at path: StatPath) -> MeterSnapshot? {
        guard case .meter(let figures) = value(at: path) else { return nil }
        return figures
    }
}
