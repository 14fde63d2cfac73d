/// Binding the statistics kinds: `pmf`, `pmfDict`, `meter`, `meterDict` and `stateTime`.
///
/// Each time-dependent stat uses the clock of the collection's ``Registry``
/// (``Registry/clock``), so a test registry with a manual clock controls them all.
extension StatCollection {
    /// Binds a `pmf` stat: sample statistics over a recent window.
    ///
    /// ```swift
    /// let latency = web.pmf("latency", window: .seconds(60))
    /// try latency.time { try handle(request) }
    /// ```
    ///
    /// - Parameters:
    ///   - name: The stat's name in the collection.
    ///   - window: How far back the window figures look (default 5 minutes; see
    ///     ``PmfStat/window``). Binding again returns the existing cell with its window.
    ///   - precision: The bucket grid's Prometheus schema, `0...8`: `2^precision` buckets per
    ///     power of two, each value reported within `2^(1/2^(precision+1)) - 1` of itself
    ///     (default 6: 64 buckets, 0.55%; 8: 0.14%; 0: 41%). Out-of-range values are clamped
    ///     to `0...8`. A page of counters per octave of values takes `28 × 2^precision` bytes
    ///     (see ``PmfStat/precision``). Binding again returns the existing cell with its
    ///     precision.
    ///   - unit: The base unit of the values, such as `seconds`, carried into the exported
    ///     name (`web_latency_seconds`).
    ///   - doc: Documentation, shown as Prometheus HELP.
    public func pmf(
        _ name: String, window: Duration? = nil, precision: Int? = nil, unit: String? = nil, doc: String? = nil
    ) -> PmfStat {
        let clock = registry.clock
        return bind(name, doc: doc, unit: unit) {
            PmfStat(window: window, precision: precision, clock: clock, health: $0)
        }
    }

    /// Binds a `pmfDict` stat: a pmf per key.
    ///
    /// ```swift
    /// let byPath = web.pmfDict("latencyByPath", maxKeys: 100)
    /// byPath[request.path].record(seconds)
    /// ```
    ///
    /// - Parameters:
    ///   - name: The stat's name in the collection.
    ///   - maxKeys: The most keys kept; further keys share ``IntDictStat/overflowKey``.
    ///   - window: Every key's window (default 5 minutes).
    ///   - precision: Every key's grid schema, `0...8` (default 6), clamped, as for
    ///     ``pmf(_:window:precision:unit:doc:)``.
    ///   - label: The keys' label name on `/metrics` (`key` by default).
    ///   - unit: The base unit of the values, as for ``pmf(_:window:precision:unit:doc:)``.
    ///   - doc: Documentation, shown as Prometheus HELP.
    public func pmfDict(
        _ name: String, maxKeys: Int? = nil, window: Duration? = nil, precision: Int? = nil, label: String? = nil,
        unit: String? = nil, doc: String? = nil
    ) -> PmfDictStat {
        let clock = registry.clock
        return bind(name, doc: doc, unit: unit, keyLabel: label) {
            PmfDictStat(maxKeys: maxKeys, window: window, precision: precision, clock: clock, health: $0)
        }
    }

    /// Binds a `meter` stat: event count and 1/5/15-minute rates.
    ///
    /// ```swift
    /// let hits = web.meter("hits")
    /// hits.mark()
    /// ```
    ///
    /// - Parameters:
    ///   - name: The stat's name in the collection.
    ///   - unit: The unit shown with the rates (default `per second`).
    ///   - doc: Documentation, shown as Prometheus HELP.
    public func meter(_ name: String, unit: String? = nil, doc: String? = nil) -> MeterStat {
        let clock = registry.clock
        return bind(name, doc: doc) { MeterStat(unit: unit, clock: clock, health: $0) }
    }

    /// Binds a `meterDict` stat: a meter per key.
    ///
    /// ```swift
    /// let byStatus = web.meterDict("hitsByStatus", maxKeys: 10)
    /// byStatus["2xx"].mark()
    /// ```
    ///
    /// - Parameters:
    ///   - name: The stat's name in the collection.
    ///   - maxKeys: The most keys kept; further keys share ``IntDictStat/overflowKey``.
    ///   - unit: The unit shown with every key's rates (default `per second`).
    ///   - label: The keys' label name on `/metrics` (`key` by default).
    ///   - doc: Documentation, shown as Prometheus HELP.
    public func meterDict(
        _ name: String, maxKeys: Int? = nil, unit: String? = nil, label: String? = nil, doc: String? = nil
    ) -> MeterDictStat {
        let clock = registry.clock
        return bind(name, doc: doc, keyLabel: label) {
            MeterDictStat(maxKeys: maxKeys, unit: unit, clock: clock, health: $0)
        }
    }

    /// Binds a `stateTime` stat: seconds spent in each state.
    ///
    /// ```swift
    /// let busy = web.stateTime("busy")
    /// busy.state = "parsing"
    /// ```
    ///
    /// - Parameters:
    ///   - name: The stat's name in the collection.
    ///   - doc: Documentation, shown as Prometheus HELP.
    public func stateTime(_ name: String, doc: String? = nil) -> StateTimeStat {
        let clock = registry.clock
        return bind(name, doc: doc) { _ in StateTimeStat(clock: clock) }
    }
}
