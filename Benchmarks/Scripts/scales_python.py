#!/usr/bin/env python3
"""Measures the original Python scales (pip `scales==1.0.9`) on the operations the Swift
benchmarks measure, so the README can show the ratio honestly.

    python3 -m venv /tmp/scales-venv && /tmp/scales-venv/bin/pip install scales==1.0.9
    /tmp/scales-venv/bin/python Benchmarks/Scripts/scales_python.py

Prints ns/op (median of 5 runs) per operation.
"""
import json
import statistics
import time

from greplin import scales
from greplin.scales import formats
from greplin.scales.meter import MeterStat


def per_op(fn, n):
    runs = []
    for _ in range(5):
        start = time.perf_counter_ns()
        fn(n)
        runs.append((time.perf_counter_ns() - start) / n)
    return statistics.median(runs)


def main():
    stats = scales.collection(
        '/web',
        scales.IntStat('success'),
        scales.DoubleStat('seconds'),
        scales.IntDictStat('byPath'),
        scales.PmfStat('latency'),
        MeterStat('hits'),
    )

    def int_add(n):
        for _ in range(n):
            stats.success += 1

    def double_add(n):
        for _ in range(n):
            stats.seconds += 0.25

    def dict_add(n):
        for _ in range(n):
            stats.byPath['/index.html'] += 1

    def pmf_record(n):
        for i in range(n):
            stats.latency = (i & 1023) / 1000.0

    def pmf_time(n):
        for _ in range(n):
            with stats.latency.time():
                pass

    def meter_mark(n):
        for _ in range(n):
            stats.hits.mark()

    results = {
        'int += 1': per_op(int_add, 200_000),
        'double += x': per_op(double_add, 200_000),
        'intDict[key] += 1': per_op(dict_add, 200_000),
        'pmf.record': per_op(pmf_record, 100_000),
        'pmf.time { }': per_op(pmf_time, 100_000),
        'meter.mark()': per_op(meter_mark, 200_000),
    }

    big = {}
    for c in range(500):
        big['c%d' % c] = {'s%d' % s: c * s for s in range(20)}

    class Sink:
        def write(self, _):
            pass

    def render(n):
        for _ in range(n):
            formats.jsonFormat(Sink(), big)

    results['JSON of 10,000 ints (per render)'] = per_op(render, 10)
    for name, ns in results.items():
        print('%-36s %14.1f ns/op' % (name, ns))
    print(json.dumps(results))


if __name__ == '__main__':
    main()
