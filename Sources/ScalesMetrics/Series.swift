import CoreMetrics
import Scales
import Synchronization

/// The kinds a swift-metrics label can have; a label keeps its first kind.
enum MetricKind: Sendable {
    case counter, floatingPointCounter, meter, recorder, aggregatingRecorder, timer
}

/// Which series exist per label, so kinds stay consistent and cardinality stays bounded.
final class LabelTable: Sendable {
    enum Admission { case admitted, overflow, conflict }

    struct Entry {
        var kind: MetricKind
        var series: Set<String> = []
    }

    let entries = Lock<[String: Entry]>([:])

    func admit(label: String, series: String, kind: MetricKind, max: Int) -> Admission {
        entries.withLock { entries in
            var entry = entries[label] ?? Entry(kind: kind)
            guard entry.kind == kind else { return .conflict }
            var admission = Admission.admitted
            var name = series
            if !entry.series.contains(series), entry.series.subtracting([overflowSeries]).count >= max {
                admission = .overflow
                name = overflowSeries
            }
            entry.series.insert(name)
            entries[label] = entry
            return admission
        }
    }

    /// Forgets a destroyed series and runs `removeSeries`; when it was the label's last series,
    /// runs `removeLabel` too (a label with no series left may take another kind). Both run
    /// under this table's lock, so a concurrent `admit` of the same label binds after them.
    func release(label: String, series: String, removeSeries: () -> Void, removeLabel: () -> Void) {
        entries.withLock { entries in
            removeSeries()
            guard var entry = entries[label] else { return }
            entry.series.remove(series)
            if entry.series.isEmpty {
                entries[label] = nil
                removeLabel()
            } else {
                entries[label] = entry
            }
        }
    }
}

/// One bound series: its cell and where it lives, so `destroy` can remove it.
struct Series<Cell: AnyObject & Sendable>: Sendable {
    let cell: Cell
    let label: String
    let name: String
    let collection: StatCollection?
    let labels: LabelTable

    func destroy() {
        guard let collection else { return }
        labels.release(
            label: label, series: name,
            removeSeries: { collection.removeStat(named: name, ifIdenticalTo: cell) },
            removeLabel: { collection.remove() })
    }
}

protocol DestroyableSeries {
    func destroy()
}

final class CounterSeries: CounterHandler, DestroyableSeries {
    let series: Series<CounterStat>
    init(_ series: Series<CounterStat>) { self.series = series }
    func increment(by amount: Int64) { series.cell.add(Int(clamping: amount)) }
    func reset() { series.cell.reset() }
    func destroy() { series.destroy() }
}

final class FloatingPointCounterSeries: FloatingPointCounterHandler, DestroyableSeries {
    let series: Series<DoubleCounterStat>
    init(_ series: Series<DoubleCounterStat>) { self.series = series }
    // swift-metrics' own rule: a counter ignores negative and non-finite amounts.
    func increment(by amount: Double) {
        guard amount > 0 else { return }
        series.cell.add(amount)
    }
    func reset() { series.cell.reset() }
    func destroy() { series.destroy() }
}

final class MeterSeries: MeterHandler, DestroyableSeries {
    let series: Series<DoubleStat>
    init(_ series: Series<DoubleStat>) { self.series = series }
    func set(_ value: Int64) { series.cell.value = Double(value) }
    func set(_ value: Double) { series.cell.value = value }
    func increment(by amount: Double) { series.cell.add(amount) }
    func decrement(by amount: Double) { series.cell.add(-amount) }
    func destroy() { series.destroy() }
}

final class LastValueRecorderSeries: RecorderHandler, DestroyableSeries {
    let series: Series<DoubleStat>
    init(_ series: Series<DoubleStat>) { self.series = series }
    func record(_ value: Int64) { series.cell.value = Double(value) }
    func record(_ value: Double) { series.cell.value = value }
    func destroy() { series.destroy() }
}

final class PmfRecorderSeries: RecorderHandler, DestroyableSeries {
    let series: Series<PmfStat>
    init(_ series: Series<PmfStat>) { self.series = series }
    func record(_ value: Int64) { series.cell.record(Double(value)) }
    func record(_ value: Double) { series.cell.record(value) }
    func destroy() { series.destroy() }
}

/// A timer records in seconds unless the caller prefers another unit.
final class TimerSeries: TimerHandler, DestroyableSeries {
    let series: Series<PmfStat>
    /// Nanoseconds per recorded unit, as the bit pattern of a Double.
    let nanosecondsPerUnit = Atomic<UInt64>(Double(1e9).bitPattern)

    init(_ series: Series<PmfStat>) { self.series = series }

    func recordNanoseconds(_ duration: Int64) {
        let divisor = Double(bitPattern: nanosecondsPerUnit.load(ordering: .relaxed))
        series.cell.record(Double(duration) / divisor)
    }

    func preferDisplayUnit(_ unit: TimeUnit) {
        nanosecondsPerUnit.store(Double(unit.scaleFromNanoseconds).bitPattern, ordering: .relaxed)
    }

    func destroy() { series.destroy() }
}
