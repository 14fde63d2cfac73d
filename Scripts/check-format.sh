#!/usr/bin/env bash
# Checks every Swift file of the repository against `.swift-format` (120 columns, 4 spaces, the
# documentation rule for public declarations): `swift format lint --strict` fails on any finding.
# The generator's expected outputs (`Tests/*/Resources/`) are left as the generator writes them.
# To fix what it reports: `bash Scripts/check-format.sh --fix` (runs `swift format format -i`).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.swift' | grep -v '/Resources/')
if [ "${1:-}" = "--fix" ]; then
    swift format format -i --configuration .swift-format "${files[@]}"
fi
swift format lint --strict --configuration .swift-format "${files[@]}"
echo "check-format: ${#files[@]} Swift files follow .swift-format"
