#!/usr/bin/env bash
# Measures Sources/ at a revision (issue 18's before/after figures): per module, lines of Swift,
# files, the largest file, files over 400 lines, lines over 120 columns and public/open
# declarations; then the `duplicates` tool's pair count over Sources/ (when it is installed).
#
#   bash Scripts/code-stats.sh [REV]        # HEAD by default
#
# It reads a `git archive` of REV unpacked in a temporary folder, never the working tree, so
# uncommitted changes do not count and any two revisions are measured alike.
#
# The public/open count is a careful grep, not the compiler's view: a line counts when, after
# its indentation and any attributes (`@inlinable `, `@discardableResult `, …), it starts with
# `public` or `open` (with any modifiers such as `final`, `static`, `private(set)`) followed by
# one of the declaration keywords func, init, subscript, var, let, case, struct, class, enum,
# protocol, actor, typealias, extension, associatedtype or macro. So `public extension X` and
# `public init` count; an extension's members without their own `public` do not;
# `public private(set) var` counts once; comment lines and the generator's string templates
# (lines inside a string literal) are not parsed, so a template line starting with `public` may
# be counted (there are none in Sources/ at the time of writing).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
rev="${1:-HEAD}"
commit=$(git -C "$repo" rev-parse --verify --quiet "$rev^{commit}") || {
    echo "code-stats: no such revision: $rev" >&2
    exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$repo" archive "$commit" Sources | tar -x -C "$work"

echo "code-stats: Sources/ at $rev ($(git -C "$repo" log -1 --format='%h %cs' "$commit"))"
python3 - "$work/Sources" <<'EOF'
import os, re, sys

root = sys.argv[1]
decl = re.compile(
    r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*'
    r'(?:(?:final|static|class|override|nonisolated|mutating|nonmutating|convenience|required|'
    r'indirect|dynamic|lazy|weak|unowned|borrowing|consuming|__consuming|'
    r'(?:private|fileprivate|internal|package)\(set\))\s+)*'
    r'(?:public|open)\s+'
    r'(?:(?:final|static|class|override|nonisolated|mutating|nonmutating|convenience|required|'
    r'indirect|dynamic|lazy|weak|unowned|borrowing|consuming|__consuming|'
    r'(?:private|fileprivate|internal|package)\(set\))\s+)*'
    r'(?:func|init|subscript|var|let|case|struct|class|enum|protocol|actor|typealias|extension|'
    r'associatedtype|macro)\b')

rows = []
for module in sorted(os.listdir(root)):
    path = os.path.join(root, module)
    if not os.path.isdir(path):
        continue
    files = []
    for folder, _, names in os.walk(path):
        for name in names:
            if name.endswith('.swift'):
                files.append(os.path.join(folder, name))
    if not files:
        continue
    lines = 0
    largest = ('', 0)
    over400 = 0
    wide = 0
    public = 0
    for file in files:
        with open(file, encoding='utf-8') as handle:
            text = handle.read().split('\n')
        if text and text[-1] == '':
            text.pop()
        count = len(text)
        lines += count
        if count > largest[1]:
            largest = (os.path.relpath(file, path), count)
        if count > 400:
            over400 += 1
        for line in text:
            if len(line) > 120:
                wide += 1
            if not line.lstrip().startswith('//') and decl.match(line):
                public += 1
    rows.append((module, lines, len(files), f'{largest[0]} ({largest[1]})', over400, wide, public))

header = ('module', 'lines', 'files', 'largest file (lines)', '>400', '>120 col', 'public/open')
total = ('total', sum(r[1] for r in rows), sum(r[2] for r in rows),
         max(((r[3], int(r[3].rsplit('(', 1)[1][:-1])) for r in rows), key=lambda x: x[1])[0] if rows else '',
         sum(r[4] for r in rows), sum(r[5] for r in rows), sum(r[6] for r in rows))
table = [header] + rows + [total]
print('| ' + ' | '.join(header) + ' |')
print('|' + '|'.join('---' if i in (0, 3) else '---:' for i in range(len(header))) + '|')
for row in table[1:]:
    print('| ' + ' | '.join(str(cell) for cell in row) + ' |')
EOF

if command -v duplicates >/dev/null 2>&1; then
    # The tool reads a folder's files when it is not a git checkout: the unpacked Sources/.
    pairs=$(cd "$work" && duplicates --repo "$work/Sources" --seconds 120 | head -1)
    echo
    echo "duplicates (Sources/, 6+ shared lines): $pairs"
else
    echo
    echo "duplicates: not installed here; pair count not measured"
fi
