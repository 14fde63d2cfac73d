#!/usr/bin/env bash
# Fails, naming each one with its file and line, when a public symbol of a library product is not
# curated in its module's DocC catalog: the public API is deliberate only if the catalog says
# where each piece belongs (issue 18).
#
#   bash Scripts/check-docc-curation.sh           # check (run by .ci/run)
#   bash Scripts/check-docc-curation.sh --list    # also list every public symbol and its status
#
# The public symbols come from the compiler: `swift package dump-symbol-graph` (builds first)
# writes each module's symbol graph, and only symbols declared in this package's Sources count
# (not the members a type inherits from the standard library's protocols).
#
# Curated means, as DocC reads a catalog: the symbol is linked (``Symbol``) in a `## Topics`
# section of Sources/<Module>/Docs.docc/<Module>.md, of an article that page links
# (<doc:Article>, followed on), or of a documentation extension file (`# ``Symbol```) in the
# catalog; or the type that holds it is, since DocC lists a curated type's members on the
# type's page. A member of an extension on another module's type (ScalesTestKit's `Registry`
# helpers, Scales' `Int.statValue`) is curated by a link to that type as ``Module/Type`` or to
# the member itself.
set -euo pipefail
cd "$(dirname "$0")/.."
modules=(Scales ScalesHTTP ScalesGraphite ScalesMetrics ScalesTestKit)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! swift package dump-symbol-graph --minimum-access-level public >"$log" 2>&1; then
    cat "$log" >&2
    echo "check-docc-curation: FAILED: swift package dump-symbol-graph did not run" >&2
    exit 1
fi
graphs=$(sed -n 's/^Files written to //p' "$log" | tail -1)
[ -d "$graphs" ] || {
    cat "$log" >&2
    echo "check-docc-curation: FAILED: no symbol graph folder in the output above" >&2
    exit 1
}

python3 - "$PWD" "$graphs" "${1:-}" "${modules[@]}" <<'EOF'
import glob, json, os, re, sys

root, graphs, mode, modules = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
link = re.compile(r'``([^`]+)``')
doc = re.compile(r'<doc:([^>#]+)>')

def components(text):
    # ``Registry/withCurrent(_:_:)-(_,()->Result)`` → ['Registry', 'withCurrent(_:_:)']: DocC's
    # disambiguation suffix (after the name's closing parenthesis, or after a plain name) goes.
    parts = []
    for part in text.split('/'):
        if '(' in part and ')' in part[part.index('('):]:
            part = part[:part.index(')', part.index('(')) + 1]
        elif '-' in part[1:]:
            part = part[:part.index('-', 1)]
        parts.append(part)
    return parts

def topics_links(path):
    """The ``links`` and <doc:> links in the file's `## Topics` section."""
    links, docs, inside = [], [], False
    with open(path, encoding='utf-8') as handle:
        for line in handle:
            if line.startswith('## '):
                inside = line.strip() == '## Topics'
            elif line.startswith('# '):
                inside = False
            if inside:
                links += link.findall(line)
                docs += doc.findall(line)
    return links, docs

def all_docs(path):
    with open(path, encoding='utf-8') as handle:
        return doc.findall(handle.read())

def title(path):
    with open(path, encoding='utf-8') as handle:
        first = handle.readline().strip()
    found = re.fullmatch(r'#\s*``([^`]+)``', first)
    return found.group(1) if found else None

failed = 0
for module in modules:
    catalog = os.path.join(root, 'Sources', module, 'Docs.docc')
    page = os.path.join(catalog, module + '.md')
    if not os.path.exists(page):
        print(f'Sources/{module}: no catalog page Docs.docc/{module}.md')
        failed += 1
        continue
    files = {os.path.splitext(os.path.basename(p))[0]: p
             for p in glob.glob(os.path.join(catalog, '**', '*.md'), recursive=True)}
    # The module page, the articles it links (followed on), and the extension files.
    reached, queue = [], [page]
    while queue:
        path = queue.pop()
        if path in reached:
            continue
        reached.append(path)
        for name in all_docs(path):
            name = name.split('/')[-1]
            if name in files:
                queue.append(files[name])
    reached += [p for p in files.values() if p not in reached and title(p) and title(p) != module]

    curated = set()
    for path in reached:
        base = title(path)
        base = [] if base in (None, module) else components(base)
        if base and base[0] == module:
            base = base[1:]
        links, _ = topics_links(path)
        for text in links:
            parts = components(text)
            if parts and parts[0] == module:
                parts = parts[1:]
            elif path != page and base and not text.startswith('/'):
                # In an extension file a link may be relative to its symbol.
                curated.add(tuple(base + parts))
            curated.add(tuple(parts))

    symbols = []
    for graph in sorted(glob.glob(os.path.join(graphs, module + '.symbols.json'))
                        + glob.glob(os.path.join(graphs, module + '@*.symbols.json'))):
        extended = os.path.basename(graph).split('.')[0].partition('@')[2]
        for symbol in json.load(open(graph))['symbols']:
            location = symbol.get('location', {})
            uri = location.get('uri', '')
            if not uri.startswith('file://' + os.path.join(root, 'Sources', module) + '/'):
                continue    # inherited from another module's protocol: not this package's API
            path = tuple(symbol['pathComponents'])
            key = ((extended,) if extended else ()) + path
            where = f"{os.path.relpath(uri[len('file://'):], root)}:{location['position']['line'] + 1}"
            # The symbol or a type that holds it (for an extension: from the extended type on).
            ok = any(key[:n] in curated for n in range(2 if extended else 1, len(key) + 1))
            symbols.append((where, '.'.join(key), symbol['kind']['identifier'], ok))

    missing = [s for s in symbols if not s[3]]
    print(f'{module}: {len(symbols)} public symbols, {len(symbols) - len(missing)} curated')
    for where, name, kind, ok in sorted(symbols):
        if mode == '--list' or not ok:
            print(f"  {where}: {'curated' if ok else 'NOT CURATED'} {name} ({kind.replace('swift.', '')})")
    failed += len(missing)

sys.stdout.flush()
if failed:
    print(f'check-docc-curation: FAILED: {failed} public symbols are not curated: add each (or the '
          'type that holds it) under ## Topics in its module\'s Docs.docc page, or make it internal',
          file=sys.stderr)
    sys.exit(1)
print('check-docc-curation: every public symbol of ' + ', '.join(modules) + ' is curated')
EOF
