#!/usr/bin/env python3
"""Turns README.md's code blocks into a package that depends on swift-scales by path.

Used by Scripts/check-readme.sh (read its header first). Usage:

    check-readme-extract.py README CHANGELOG PACKAGE_DIR

Fenced blocks are chosen by their language:
- ```swift blocks whose first line is `// Package.swift…` are manifest lines. Each top-level
  expression in them is used as written: `.package(…)` goes into the package's dependencies,
  `.executableTarget(…)`/`.target(…)` into its targets, `.product(…)` into the dependencies of
  the targets that import that product's module. A commented-out `.package(url: …, from: "X")`
  line (the git alternative to the path) must name a version CHANGELOG.md has (`## [X]`).
- every other ```swift block becomes the main.swift of its own executable target
  `ReadmeL<line>`, behind `#sourceLocation(file: README, line: …)`, so the compiler reports
  errors at README.md's own lines. A block without imports is read in the README's context
  (every swift-scales library and Hummingbird imported). The few names a snippet takes from
  its surroundings (`request`, `render`, `queue`, `router`, `token`) are declared by
  STAND_INS below, in another file, and only when the block uses them.
- ```yaml blocks are stats files, fed through ScalesPlugin in every target
  (`readme-L<line>.stats.yaml`), as a user's stats.yaml is.
- other blocks (sh, output without a language, …) are not code and are skipped.
- a block right after `<!-- check-readme: skip … -->` is skipped (the comment says why).

Files are rewritten only when their content changes, so a rerun builds incrementally.
Prints one line per block: `LINE LANGUAGE what`.
"""

import json
import os
import re
import shutil
import sys

# The checker's own context: the web framework a mount snippet runs in.
HUMMINGBIRD = '.package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1")'
HUMMINGBIRD_PRODUCT = '.product(name: "Hummingbird", package: "hummingbird")'
SCALES_MODULES = ["Scales", "ScalesHTTP", "ScalesGraphite", "ScalesMetrics", "ScalesTestKit"]
CONTEXT_IMPORTS = SCALES_MODULES + ["Hummingbird"]

# name -> (imports it needs, declaration). Declared only for a block that uses the name.
STAND_INS = {
    "request": ([], "/// Stand-in: the request your web framework handed you.\n"
                    "struct StandInRequest: Sendable { var path = \"/home\" }\n"
                    "let request = StandInRequest()"),
    "render": ([], "/// Stand-in: your page renderer.\n"
                   "func render(_ request: StandInRequest) async throws -> String { \"<p>home</p>\" }"),
    "queue": ([], "/// Stand-in: a work queue.\nlet queue: [Int] = []"),
    "token": ([], "/// Stand-in: your secret.\nlet token = \"secret\""),
    "router": (["Hummingbird"], "/// Stand-in: your Hummingbird router.\n"
                                "@MainActor let router = Router(context: BasicRequestContext.self)"),
}


def fail(message):
    print(f"check-readme: {message}", file=sys.stderr)
    sys.exit(1)


def write_if_changed(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        with open(path, encoding="utf-8") as existing:
            if existing.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)


def blocks(readme_lines):
    """(fence line number, language, first content line number, content lines, skip reason)."""
    found = []
    i = 0
    while i < len(readme_lines):
        match = re.match(r"^(\s*)```+\s*([A-Za-z0-9_+-]*)", readme_lines[i])
        if not match:
            i += 1
            continue
        start, language = i, match.group(2).lower()
        j = i + 1
        while j < len(readme_lines) and not re.match(r"^\s*```", readme_lines[j]):
            j += 1
        if j == len(readme_lines):
            fail(f"README.md:{start + 1}: a ``` block is never closed")
        skip = None
        k = start - 1
        while k >= 0 and not readme_lines[k].strip():
            k -= 1
        if k >= 0:
            marker = re.match(r"^\s*<!--\s*check-readme:\s*skip\b(.*?)-->", readme_lines[k])
            if marker:
                skip = marker.group(1).strip(" :") or "(no reason given)"
        found.append((start + 1, language, start + 2, readme_lines[start + 1:j], skip))
        i = j + 1
    return found


def split_comment(line):
    """(code, comment) of a Swift line: the comment starts at the first `//` outside a string."""
    in_string = False
    for index, ch in enumerate(line):
        if ch == '"':
            in_string = not in_string
        elif not in_string and line.startswith("//", index):
            return line[:index], line[index + 2:]
    return line, ""


def expressions(lines):
    """Top-level expressions of manifest lines (comments removed), split at depth-0 commas:
    (index of the line it starts on, text)."""
    text = "\n".join(split_comment(line)[0] for line in lines)
    parts, depth, start, in_string = [], 0, 0, False
    for index, ch in enumerate(text + ","):
        if ch == '"':
            in_string = not in_string
        if in_string:
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            piece = text[start:index]
            if piece.strip():
                leading = len(piece) - len(piece.lstrip())
                parts.append((text.count("\n", 0, start + leading), piece.strip()))
            start = index + 1
    return parts


def released_versions(changelog):
    try:
        with open(changelog, encoding="utf-8") as f:
            return set(re.findall(r"^## \[(\d+\.\d+\.\d+)\]", f.read(), re.M))
    except FileNotFoundError:
        return set()


def main():
    if len(sys.argv) != 4:
        fail("usage: check-readme-extract.py README CHANGELOG PACKAGE_DIR")
    readme, changelog, package = (os.path.abspath(a) for a in sys.argv[1:])
    with open(readme, encoding="utf-8") as f:
        readme_lines = f.read().split("\n")

    dependencies, manifest_targets, products, declarations = [], [], {}, []
    yaml_files, code_blocks, report = {}, [], []
    released = released_versions(changelog)
    for fence, language, first, content, skip in blocks(readme_lines):
        if skip:
            report.append(f"{fence} {language or '-'} skipped: {skip}")
            continue
        if language == "swift" and content and re.match(r"^\s*//\s*Package\.swift", content[0]):
            for number, line in enumerate(content, first):
                commented = re.search(r"\.package\(url:.*from:\s*\"([^\"]+)\"", split_comment(line)[1])
                if commented and commented.group(1) not in released:
                    fail(f"README.md:{number}: the git line says from: \"{commented.group(1)}\", "
                         f"but CHANGELOG.md has released only {sorted(released) or 'nothing'}")
            for offset, expression in expressions(content):
                # Declared at README.md's own line, so SwiftPM reports a mistake there.
                def located(kind, name):
                    return (f"#sourceLocation(file: \"{readme}\", line: {first + offset})\n"
                            f"let {name}: {kind} = {expression}\n#sourceLocation()\n")
                variable = f"readmeLine{first + offset}_{len(declarations)}"
                if expression.startswith(".package("):
                    declarations.append(located("Package.Dependency", variable))
                    dependencies.append(variable)
                elif expression.startswith((".executableTarget(", ".target(")):
                    name = re.search(r'name:\s*"([^"]+)"', expression)
                    if not name:
                        fail(f"README.md:{first + offset}: a target without a name")
                    declarations.append(located("Target", variable))
                    manifest_targets.append((name.group(1), variable))
                elif expression.startswith(".product("):
                    name = re.search(r'name:\s*"([^"]+)"', expression)
                    declarations.append(located("Target.Dependency", variable))
                    products[name.group(1)] = variable
                else:
                    fail(f"README.md:{first + offset}: a Package.swift line that is neither .package, .product nor a target: {expression[:60]}")
            report.append(f"{fence} swift manifest lines, used in Package.swift")
        elif language == "swift":
            code_blocks.append((fence, first, content))
            report.append(f"{fence} swift compiled as target ReadmeL{fence}")
        elif language in ("yaml", "yml"):
            yaml_files[f"readme-L{fence}.stats.yaml"] = "\n".join(content) + "\n"
            report.append(f"{fence} yaml stats file readme-L{fence}.stats.yaml, through ScalesPlugin")
        else:
            report.append(f"{fence} {language or '-'} skipped: not code")

    if not any("swift-scales" in d for d in declarations if "Package.Dependency" in d):
        fail("README.md has no Package.swift line that depends on swift-scales")
    if not yaml_files:
        fail("README.md has no ```yaml stats block")

    plugin = '.plugin(name: "ScalesPlugin", package: "swift-scales")'
    sources = os.path.join(package, "Sources")
    targets, previous = [], set(os.listdir(sources)) if os.path.isdir(sources) else set()
    current = set()

    def add_sources(name, main_swift, extra_files):
        directory = os.path.join(package, "Sources", name)
        current.add(name)
        write_if_changed(os.path.join(directory, "main.swift"), main_swift)
        wanted = {"main.swift", *yaml_files, *extra_files}
        for file_name, text in {**yaml_files, **extra_files}.items():
            write_if_changed(os.path.join(directory, file_name), text)
        for stale in set(os.listdir(directory)) - wanted:
            os.remove(os.path.join(directory, stale))

    for name, _ in manifest_targets:
        add_sources(name, "// The README's own target: its stats files are generated by ScalesPlugin.\n", {})

    for fence, first, content in code_blocks:
        name = f"ReadmeL{fence}"
        text = "\n".join(content)
        own_imports = re.findall(r"^\s*import\s+(\w+)", text, re.M)
        header = "" if own_imports else "".join(f"import {m}\n" for m in CONTEXT_IMPORTS)
        used = [s for s in STAND_INS if re.search(rf"(?<![\w.]){s}\b", text)]
        stand_in_imports = sorted({m for s in used for m in STAND_INS[s][0]})
        extra = {}
        if used:
            extra["StandIns.swift"] = (
                "// Declared by Scripts/check-readme-extract.py: what the snippet takes from its surroundings.\n"
                + "".join(f"import {m}\n" for m in stand_in_imports)
                + "\n" + "\n\n".join(STAND_INS[s][1] for s in used) + "\n")
        main_swift = header + f"#sourceLocation(file: \"{readme}\", line: {first})\n" + text + "\n#sourceLocation()\n"
        add_sources(name, main_swift, extra)
        modules = set(own_imports or CONTEXT_IMPORTS) | set(stand_in_imports)
        deps = []
        for module in sorted(modules):
            if module in SCALES_MODULES:
                deps.append(f'.product(name: "{module}", package: "swift-scales")')
            elif module == "Hummingbird":
                deps.append(HUMMINGBIRD_PRODUCT)
            elif module in products:
                deps.append(products[module])
            elif module not in ("Foundation", "Dispatch", "Synchronization"):
                fail(f"README.md:{fence}: the block imports {module}, which no Package.swift line of the README provides")
        targets.append(
            f'.executableTarget(\n    name: "{name}",\n    dependencies: [\n'
            + "".join(f"{d},\n" for d in deps)
            + f"],\n    plugins: [{plugin}]\n)")

    for stale in previous - current:
        shutil.rmtree(os.path.join(package, "Sources", stale))

    manifest = (
        "// swift-tools-version: 6.1\n"
        "// Written by Scripts/check-readme-extract.py from README.md: the README's Package.swift lines\n"
        "// as written, one executable target per ```swift block.\n"
        "import PackageDescription\n\n"
        + "".join(declarations) + "\n"
        "let package = Package(\n"
        '    name: "ReadmeCheck",\n'
        "    platforms: [.macOS(.v15)],\n"
        "    dependencies: [\n"
        + "".join(f"{d},\n" for d in dependencies)
        + "// The checker's context for the framework-mount snippet:\n"
        + f"{HUMMINGBIRD},\n"
        + "    ],\n    targets: [\n"
        + "".join(f"{t},\n" for _, t in manifest_targets)
        + "".join(f"{t},\n" for t in targets)
        + "    ]\n)\n")
    write_if_changed(os.path.join(package, "Package.swift"), manifest)
    json.dump({"blocks": [(fence, first, first + len(content) - 1) for fence, first, content in code_blocks]},
              open(os.path.join(package, "blocks.json.tmp"), "w"))
    os.replace(os.path.join(package, "blocks.json.tmp"), os.path.join(package, "blocks.json"))
    for line in report:
        print(line)


if __name__ == "__main__":
    main()
