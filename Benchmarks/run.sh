#!/usr/bin/env bash
# Runs every benchmark once and prints the results table (ratios to the floor of the same run).
#   bash Benchmarks/run.sh            # from the repository root
set -euo pipefail
cd "$(dirname "$0")"
out=$(mktemp -d)
swift package --allow-writing-to-directory "$out" benchmark --format jmh --path "$out" "$@" >&2
python3 Scripts/ratios.py "$out"/*.jmh.json
