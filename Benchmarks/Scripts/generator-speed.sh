#!/usr/bin/env bash
# How fast is code generation, and how fast does the generated code type-check?
#
# Writes a stats.yaml of 200 collections x 20 stats (every kind, templated collections,
# children with sum/histogram/intDictSum aggregations), then measures
#   1. scales-generate (release build) on it, best and median of several runs;
#   2. `swiftc -typecheck` of the generated Swift against the built Scales module.
#
# Usage: Benchmarks/Scripts/generator-speed.sh [runs]   (default 5)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${1:-5}"
work="$(mktemp -d "${TMPDIR:-/tmp}/scales-generator-speed.XXXXXX")"
trap 'rm -rf "$work"' EXIT

python3 - "$work/stats.yaml" <<'PY'
import sys
kinds = ["int", "{ kind: int, monotonic: true }", "double", "string", "bool", "{ kind: gauge, type: double }",
         "{ kind: intDict, autoDelete: true, maxKeys: 100 }", "stringDict", "pmf", "{ kind: pmf, window: 60 }",
         "{ kind: pmfDict, maxKeys: 20 }", "meter", "{ kind: meterDict, unit: requests per second }", "stateTime",
         "{ kind: int, doc: A documented counter }", "{ kind: string, value: idle }", "int", "double", "intDict", "meter"]
lines = ["version: 1", "collections:"]
for i in range(200):
    name = f"Collection{i}Stats"
    if i % 8 == 7:
        # A child of the collection before it, aggregated there.
        lines += [f"  {name}:", f"    parent: Collection{i - 1}Stats", "    path: child-{id}", "    collapsed: true", "    stats:"]
        for j in range(20):
            lines.append(f"      s{j}: {kinds[j]}")
        continue
    path = f"/c{i}/{{id}}" if i % 8 == 3 else f"/c{i}"
    lines += [f"  {name}:", f"    path: {path}", f"    doc: Collection number {i}.", "    stats:"]
    count = 20
    if i % 8 == 6:
        child = f"Collection{i + 1}Stats"
        lines += [f"      total: {{ kind: sum, of: {child}.s0 }}",
                  f"      states: {{ kind: histogram, of: {child}.s15 }}",
                  f"      perKey: {{ kind: intDictSum, of: {child}.s18 }}"]
        count = 17
    for j in range(count):
        lines.append(f"      s{j}: {kinds[j]}")
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY

cd "$repo"
echo "building scales-generate (release) and Scales (debug)..." >&2
swift build -c release --product scales-generate >/dev/null
swift build --target Scales >/dev/null
tool="$(swift build -c release --show-bin-path)/scales-generate"
modules="$(swift build --show-bin-path)/Modules"

# measure LABEL COMMAND...: best and median wall-clock time of $runs runs, and the CPU time
# (user + system) of the fastest run, which a loaded machine disturbs less.
measure() {
    python3 - "$runs" "$@" <<'PY'
import resource, statistics, subprocess, sys, time
runs, label, command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
samples = []
for _ in range(runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    samples.append((wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)))
walls = sorted(wall for wall, _ in samples)
cpu = min(cpu for _, cpu in samples)
print(f"{label}: wall best {walls[0]:.3f} s, median {statistics.median(walls):.3f} s; CPU {cpu:.3f} s ({runs} runs)")
PY
}

yaml_lines="$(wc -l <"$work/stats.yaml")"
"$tool" -q "$work/stats.yaml" --output "$work/out"
swift_lines="$(wc -l <"$work/out/stats.generated.swift")"
echo "input: 200 collections x 20 stats, $yaml_lines lines of YAML -> $swift_lines lines of Swift"
rm -rf "$work/out"
measure "scales-generate (output up to date)" "$tool" -q "$work/stats.yaml" --output "$work/out"
measure "swiftc -typecheck of the generated file" \
    swiftc -typecheck -swift-version 6 -I "$modules" "$work/out/stats.generated.swift"
