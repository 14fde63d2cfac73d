#!/usr/bin/env bash
# Fails, naming file and line, where Swift code in Sources/ or Examples/ imports or names a
# platform module (Glibc, Musl, Darwin, …) outside the platform shim Sources/ScalesPlatform:
# every system call goes through that shim, so the macOS branches live in one place.
# Comment lines are not checked. Usage: bash Scripts/check-platform.sh [ROOT]
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
modules='Glibc|Musl|Darwin|Bionic|Android|WinSDK|ucrt|WASILibc'
# `import Glibc` (with any access level or attribute), `canImport(Darwin)`, `Glibc.write`.
pattern="(^|[^A-Za-z0-9_])(import[[:space:]]+(struct[[:space:]]+|func[[:space:]]+|var[[:space:]]+)?($modules)([^A-Za-z0-9_]|\$)|canImport\([[:space:]]*($modules)[[:space:]]*\)|($modules)\.[A-Za-z_])"
found=$(find Sources Examples -name '*.swift' -not -path '*/.build/*' -not -path 'Sources/ScalesPlatform/*' -print0 \
    | xargs -0 grep -nE "$pattern" /dev/null \
    | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//' || true)
if [ -n "$found" ]; then
    echo "$found" | sed 's/^\([^:]*:[0-9]*\):\(.*\)$/\1: platform module outside Sources\/ScalesPlatform:\2/' >&2
    echo "check-platform: FAILED: call the C library through the ScalesPlatform shim (Sources/ScalesPlatform) instead" >&2
    exit 1
fi
echo "check-platform: no platform module named outside Sources/ScalesPlatform"
