#!/usr/bin/env bash
# Every README snippet compiles as written, in a fresh package that depends on this checkout by
# path, as a newcomer's does (run by .ci/run).
#
# Scripts/check-readme-extract.py turns README.md's blocks into that package: the README's
# Package.swift lines as its manifest lines, each ```swift block as the main.swift of its own
# target (errors are reported at README.md's lines), the ```yaml stats block fed through
# ScalesPlugin in every target. Blocks that are not code (sh, output) are skipped by their fence
# language; a block after `<!-- check-readme: skip … -->` is skipped, the comment saying why.
# The few names a snippet takes from its surroundings (request, render, queue, router, token)
# are declared by the extractor, not in the README.
#
#   bash Scripts/check-readme.sh [README]     # README.md by default
#
# The package lives in SCALES_README_DIR (default: a folder under $TMPDIR named after this
# checkout) next to a link `swift-scales` to this checkout, with a fixed scratch path, so a
# rerun builds only what changed. Exits non-zero naming the block and line that fails.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
readme="$(cd "$(dirname "${1:-$repo/README.md}")" && pwd)/$(basename "${1:-README.md}")"
base="${SCALES_README_DIR:-${TMPDIR:-/tmp}/scales-readme-$(printf '%s' "$repo" | cksum | cut -d' ' -f1)}"
package="$base/readme-check"
mkdir -p "$package"
ln -sfn "$repo" "$base/swift-scales"

fail() {
    echo "check-readme: FAILED: $*" >&2
    exit 1
}

echo "== check-readme: $readme -> $package"
python3 "$here/check-readme-extract.py" "$readme" "$repo/CHANGELOG.md" "$package"

log="$base/build.log"
set +e
swift build --package-path "$package" --scratch-path "$base/build" >"$log" 2>&1
status=$?
set -e
if [ "$status" -ne 0 ]; then
    # Name each failing block by its fence line, then show the errors as the compiler gave them.
    python3 - "$readme" "$package/blocks.json" "$log" <<'EOF' >&2 || true
import json, re, sys
readme, blocks, log = sys.argv[1], json.load(open(sys.argv[2]))["blocks"], open(sys.argv[3]).read()
named = set()
for path, line, message in re.findall(r"^(\S+?):(\d+):\d+: error: (.*)$", log, re.M):
    line = int(line)
    if path == readme:
        fence = next((f for f, first, last in blocks if first <= line <= last), None)
        where = f"the ```swift block at README.md:{fence}" if fence else "a Package.swift line of README.md"
        key = (where, line, message)
    else:
        yaml = re.search(r"readme-L(\d+)\.stats\.yaml$", path)
        if yaml:
            where, line = f"the ```yaml block at README.md:{yaml.group(1)}", int(yaml.group(1)) + line
        else:
            where = f"the checker's own file {path}"
        key = (where, line, message)
    if key not in named:
        named.add(key)
        print(f"check-readme: {where} does not compile: README.md:{line}: {message}" if "README" in where
              else f"check-readme: {where}:{line}: {message}")
EOF
    grep -E "(error|warning):" "$log" | sort -u >&2 || true
    echo "(full log: $log)" >&2
    fail "a README block does not compile (swift build exited $status)"
fi
# Warnings in snippets are shown, not fatal: a snippet may illustrate a value it does not use.
grep -E "^$readme:[0-9]+:[0-9]+: warning:" "$log" | sort -u || true
echo "check-readme: every swift and yaml block of $(basename "$readme") compiled"
