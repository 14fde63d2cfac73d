#!/usr/bin/env python3
"""Turns a package-benchmark JMH export into the results table of Benchmarks/README.md:
ns/op (median), ratio to the relaxed-atomic floor of the same run, allocations.

    python3 Benchmarks/Scripts/ratios.py /tmp/scales-bench/Current_run.jmh.json
"""
import json
import sys

FLOOR = "floor: Atomic<Int> relaxed add"
UNIT_NS = {"ns": 1, "μs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}


def main(path):
    with open(path) as f:
        runs = json.load(f)
    rows = []
    for run in runs:
        name = run["benchmark"].split(".", 3)[-1].replace("_", " ")
        wall = run["secondaryMetrics"]["Time (wall clock)"]
        p50 = wall["scorePercentiles"]["50.0"] * UNIT_NS.get(wall["scoreUnit"], 1)
        mallocs = run["secondaryMetrics"].get("Malloc (total)", {}).get("scorePercentiles", {}).get("50.0", 0)
        scaled = "10,000" not in name and "10000" not in name
        # Update benchmarks do 1,000,000 operations per iteration (the gauge read 1,000).
        per_iteration = 1e3 if "gauge read" in name else 1e6
        per_op = p50 / per_iteration if scaled else p50
        rows.append((name, per_op, mallocs / per_iteration if scaled else mallocs, scaled))
    rows.sort(key=lambda r: (not r[0].startswith("floor"), r[0]))
    floor = next((r[1] for r in rows if r[0] == FLOOR), None)
    renders = {r[0]: r[1] for r in rows if not r[3]}
    print("| benchmark | median | ratio to floor | allocations per op |")
    print("|---|---:|---:|---:|")
    for name, per_op, allocs, scaled in rows:
        if scaled:
            ratio = "%.2fx" % (per_op / floor) if floor else "-"
            print("| %s | %.2f ns | %s | %g |" % (name, per_op, ratio, allocs))
    print()
    print("| render | median | ratio to swift-prometheus emit of 10,000 counters | allocations |")
    print("|---|---:|---:|---:|")
    base = next((v for k, v in renders.items() if k.startswith("swift-prometheus")), None)
    for name, per_op, allocs, scaled in rows:
        if not scaled:
            ratio = "%.2f" % (per_op / base) if base else "-"
            print("| %s | %.2f ms | %s | %d |" % (name, per_op / 1e6, ratio, allocs))


if __name__ == "__main__":
    main(sys.argv[1])
