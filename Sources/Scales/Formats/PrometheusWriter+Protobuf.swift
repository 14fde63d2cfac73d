// Writing a family as a delimited protobuf `MetricFamily` (the messages are in PrometheusProtobuf.swift).

extension PrometheusWriter {
    /// One family as a delimited `MetricFamily`.
    mutating func writeProtobufFamily(_ block: Block, _ sorted: [Int], into out: inout [UInt8]) {
        let head = entries[block.first]
        // A pmf family is a native histogram when every one of its pmfs has buckets.
        let native =
            block.kind == .summary
            && block.range.allSatisfy { position in
                guard case .pmf(let index) = entries[sorted[position]].sample else { return true }
                return pmfs[index].buckets != nil
            }
        let type: PrometheusProtobuf.MetricType
        let scalarTag: UInt8
        switch block.kind {
        case .gauge: (type, scalarTag) = (.gauge, 0x12)
        case .counter: (type, scalarTag) = (.counter, 0x1A)
        case .summary: (type, scalarTag) = (native ? .histogram : .summary, 0x2A)
        }
        var metrics: [ProtoMetric] = []
        metrics.reserveCapacity(block.range.count)
        var previousKey: String?
        for position in block.range {
            let entry = entries[sorted[position]]
            guard !isRepeated(entry, after: &previousKey) else { continue }
            let labels = labelSets[entry.order]
            switch entry.sample {
            case .value(let text):
                // Not in a summary family (the collision rule keeps kinds apart).
                guard block.kind != .summary else { continue }
                let value = Double(text) ?? .nan
                metrics.append(ProtoMetric(labels: labels, value: .scalar(tag: scalarTag, ProtoScalar(value: value))))
            case .hole(let hole):
                guard block.kind != .summary else { continue }
                metrics.append(
                    ProtoMetric(labels: labels, value: .scalar(tag: scalarTag, ProtoScalar(value: 0, hole: hole))))
            case .pmf(let index):
                let pmf = pmfs[index]
                if native, let buckets = pmf.buckets {
                    metrics.append(ProtoMetric(labels: labels, value: .histogram(ProtoNativeHistogram(buckets))))
                } else {
                    metrics.append(ProtoMetric(labels: labels, value: .summary(pmf)))
                }
            }
        }
        var help: [UInt8] = []
        Self.appendHelp(helps[head.help], to: &help, escaping: .raw)
        let family = ProtoFamily(name: head.family, help: help, type: type, metrics: metrics)
        var sink = ProtoBytes()
        swap(&sink.out, &out)
        sink.delimited(family)
        swap(&sink.out, &out)
        holeOffsets.append(contentsOf: sink.holes)
    }
}
