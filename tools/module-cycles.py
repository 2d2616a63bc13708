#!/usr/bin/env python3
"""Import circles between a crate's top-level modules (ARCHITECTURE.md, "Layout rules").

For each crate under crates/, every `crate::a…` path in a module's files (code, not comments)
is an edge from that module to `a`; modules in one strongly connected component of two or
more are an import circle. Infrastructure modules that everything may use and that use no
feature module (errors, i18n, ids…) take part like any other: they must not import back.

Usage: tools/module-cycles.py [--max-lines N] [crate-dir…]   (exit 1 if a circle is found,
or, with --max-lines, a source file is longer than N lines)
"""
import os
import re
import sys

def top_module(src, path):
    rel = os.path.relpath(path, src)
    first = rel.split(os.sep)[0]
    return None if first in ("lib.rs", "main.rs") else first.removesuffix(".rs")

def code_only(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//")[0] if not line.lstrip().startswith("//") else "" for line in text.splitlines())

def edges_of(src):
    edges = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(root, f)
            me = top_module(src, path)
            if me is None:
                continue
            text = code_only(open(path, encoding="utf-8").read())
            targets = set(re.findall(r"\bcrate::([a-z_][a-z0-9_]*)", text))
            # `use crate::{a, b::c}` groups
            for group in re.findall(r"\bcrate::\{([^}]*)\}", text):
                targets |= set(re.findall(r"(?:^|,)\s*([a-z_][a-z0-9_]*)", group))
            edges.setdefault(me, set()).update(t for t in targets if t != me)
    return edges

def sccs(edges):
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
        for w in edges.get(v, ()):
            if w not in edges:
                continue
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            out.append(comp)
    sys.setrecursionlimit(10000)
    for v in list(edges):
        if v not in index:
            visit(v)
    return [c for c in out if len(c) > 1]

def main(argv):
    max_lines = None
    if argv[:1] == ["--max-lines"]:
        max_lines, argv = int(argv[1]), argv[2:]
    crates = argv or sorted(os.path.join("crates", c) for c in os.listdir("crates"))
    failed = False
    for crate in crates:
        src = os.path.join(crate, "src")
        cycles = sccs(edges_of(src))
        print(f"{crate}: {len(cycles)} import circle(s)")
        for c in cycles:
            failed = True
            print("  circle: " + " <-> ".join(sorted(c)))
    if max_lines:
        for root, _, files in os.walk("crates"):
            for f in files:
                if f.endswith(".rs"):
                    p = os.path.join(root, f)
                    lines = sum(1 for _ in open(p, encoding="utf-8"))
                    if lines > max_lines:
                        failed = True
                        print(f"  too long: {p} ({lines} lines > {max_lines})")
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
