#!/usr/bin/env bash
# The plugin integration test, run by .ci/run.
#
# Builds and runs IntegrationTest/ exactly as a user's package (stats.yaml next to the sources,
# ScalesPlugin applied in one line), then checks what must fail the build:
#   1. an edit of stats.yaml regenerates, an unchanged one leaves the output and target alone;
#   2. a misspelled stat name in Swift is a compile error, and so is binding a generated type over
#      another collection (`init(collection:)` is the generated file's own);
#   3. a mistake in stats.yaml fails the build with `stats.yaml:LINE:COLUMN: error:`;
#   4. a target without a stats file gets the plugin's error naming the target;
#   5. a `*.stats.yaml` beside `stats.yaml` is generated too;
#   6. two stats files of one name in different folders get the plugin's error.
# The package is copied next to a link named `swift-scales` (pointing at this checkout) in a
# directory outside the repository, each copy with its own scratch path.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
base="${SCALES_INTEGRATION_DIR:-${TMPDIR:-/tmp}/scales-integration-$(printf '%s' "$repo" | cksum | cut -d' ' -f1)}"
mkdir -p "$base"
ln -sfn "$repo" "$base/swift-scales"

fail() {
    echo "integration: FAILED: $*" >&2
    exit 1
}

# copy_package DEST: the package's manifest and sources, keeping modification times so an
# unchanged stats.yaml stays unchanged for SwiftPM.
copy_package() {
    local dest="$1"
    mkdir -p "$dest"
    rm -rf "$dest/Sources"
    cp -p "$here/Package.swift" "$dest/Package.swift"
    cp -Rp "$here/Sources" "$dest/Sources"
}

# build NAME: swift build of the copy NAME with its own scratch path; output in $base/NAME.log.
build() {
    local name="$1"
    swift build --package-path "$base/$name" --scratch-path "$base/$name-build" >"$base/$name.log" 2>&1
}

echo "== integration: build and run the SPEC example ($base/app)"
copy_package "$base/app"
build app || { cat "$base/app.log"; fail "the example package does not build"; }
if grep -E "(warning|error):" "$base/app.log" | grep -v "^warning: 'swift-scales'" | grep -q .; then
    grep -E "(warning|error):" "$base/app.log"
    fail "building the example printed warnings"
fi
bin="$(swift build --package-path "$base/app" --scratch-path "$base/app-build" --show-bin-path)"
"$bin/IntegrationApp" >"$base/app-run.log" 2>&1 || { cat "$base/app-run.log"; fail "the example did not run cleanly"; }
grep -q "^integration: ok$" "$base/app-run.log" || { cat "$base/app-run.log"; fail "the example's checks did not pass"; }
echo "ok: built and ran; every check of the SPEC snippet passed"

echo "== integration: an unchanged stats.yaml leaves the generated file alone, an edit regenerates it"
generated="$(find "$base/app-build" -path '*ScalesPlugin*' -name stats.generated.swift | head -n 1)"
[ -f "$generated" ] || fail "no stats.generated.swift under $base/app-build"
marker="$base/app-build/integration-marker"
touch "$marker"
build app || { cat "$base/app.log"; fail "the rebuild failed"; }
# SwiftPM may re-run the command if the tool itself was rebuilt; the file must not change.
if [ "$generated" -nt "$marker" ] || grep -q "Compiling IntegrationApp" "$base/app.log"; then
    cat "$base/app.log"
    fail "rebuilding with an unchanged stats.yaml rewrote the generated file or recompiled the target"
fi
printf '      renders: { kind: int, doc: Pages rendered }\n' >>"$base/app/Sources/IntegrationApp/stats.yaml"
build app || { cat "$base/app.log"; fail "the build after editing stats.yaml failed"; }
grep -q "Generating Swift from stats.yaml" "$base/app.log" || { cat "$base/app.log"; fail "editing stats.yaml did not regenerate"; }
[ "$generated" -nt "$marker" ] || fail "editing stats.yaml did not rewrite $generated"
grep -q "let renders: IntStat" "$generated" || fail "the regenerated file lacks the new stat ($generated)"
echo "ok: unchanged input left the output untouched, edited input regenerated"

echo "== integration: a misspelled stat name in Swift fails the build"
copy_package "$base/broken"
printf '\nlet misspelled = WebStats(registry: Registry())\nmisspelled.sucess += 1\n' >>"$base/broken/Sources/IntegrationApp/main.swift"
if build broken; then fail "a misspelled stat name compiled"; fi
grep -q "error: value of type 'WebStats' has no member 'sucess'" "$base/broken.log" \
    || { cat "$base/broken.log"; fail "the misspelling was not reported as a missing member"; }
echo "ok: $(grep -m1 "has no member 'sucess'" "$base/broken.log")"

echo "== integration: a generated type cannot be bound over another collection"
copy_package "$base/broken"
printf '\nlet elsewhere = WebStats(collection: Registry().collection(at: "/elsewhere"))\n' \
    >>"$base/broken/Sources/IntegrationApp/main.swift"
if build broken; then fail "WebStats(collection:) compiled outside the generated file"; fi
grep -q "error: extra argument 'collection' in call" "$base/broken.log" \
    || { cat "$base/broken.log"; fail "binding WebStats over another collection was not a compile error"; }
echo "ok: $(grep -m1 "extra argument 'collection'" "$base/broken.log")"

echo "== integration: a YAML mistake fails the build at its line and column"
copy_package "$base/broken"
yaml="$base/broken/Sources/IntegrationApp/stats.yaml"
line="$(grep -n '      latency: pmf' "$yaml" | head -n 1 | cut -d: -f1)"
[ -n "$line" ] || fail "could not find the latency stat in stats.yaml"
sed -i.orig "${line}s/latency: pmf/latency: pfm/" "$yaml" && rm -f "$yaml.orig"
if build broken; then fail "a stats.yaml with an unknown kind built"; fi
grep -q "stats.yaml:${line}:16: error: unknown stat kind \`pfm\`; did you mean \`pmf\`?" "$base/broken.log" \
    || { cat "$base/broken.log"; fail "the YAML error was not reported as stats.yaml:${line}:16"; }
echo "ok: $(grep -m1 "unknown stat kind" "$base/broken.log")"

echo "== integration: a target without a stats file gets a clear error"
copy_package "$base/broken"
rm "$base/broken/Sources/IntegrationApp/stats.yaml"
if build broken; then fail "a target without stats.yaml built"; fi
grep -q "ScalesPlugin: target 'IntegrationApp' has no stats file" "$base/broken.log" \
    || { cat "$base/broken.log"; fail "the missing stats file was not reported"; }
echo "ok: $(grep -m1 "has no stats file" "$base/broken.log")"

echo "== integration: a *.stats.yaml file beside stats.yaml is found and generated"
copy_package "$base/extra"
printf 'version: 1\ncollections:\n  JobStats:\n    path: /jobs\n    stats:\n      done: int\n' \
    >"$base/extra/Sources/IntegrationApp/jobs.stats.yaml"
printf '\nlet jobs = JobStats(registry: Registry())\njobs.done += 1\nprecondition(jobs.done.value == 1)\n' \
    >>"$base/extra/Sources/IntegrationApp/main.swift"
build extra || { cat "$base/extra.log"; fail "a target with stats.yaml and jobs.stats.yaml does not build"; }
find "$base/extra-build" -path '*ScalesPlugin*' -name jobs.stats.generated.swift | grep -q . \
    || fail "jobs.stats.yaml was not generated"
echo "ok: jobs.stats.yaml generated beside stats.yaml, and its type is usable"

echo "== integration: two stats files of one name in different folders get the plugin's error"
copy_package "$base/clash"
mkdir -p "$base/clash/Sources/IntegrationApp/a" "$base/clash/Sources/IntegrationApp/b"
for folder in a b; do
    printf 'version: 1\ncollections:\n  %sStats: { path: /%s, stats: { n: int } }\n' "$(echo $folder | tr a-z A-Z)" "$folder" \
        >"$base/clash/Sources/IntegrationApp/$folder/web.stats.yaml"
done
if build clash; then fail "two web.stats.yaml files in one target built"; fi
grep -q "ScalesPlugin: target 'IntegrationApp' has stats files with the same name in different folders" "$base/clash.log" \
    || { cat "$base/clash.log"; fail "the clashing stats files were not reported"; }
echo "ok: $(grep -m1 "same name in different folders" "$base/clash.log")"

echo "integration: 8 passed, 0 failed"
