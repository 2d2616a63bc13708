#!/usr/bin/env python3
"""Fail when the second lockfile pins a version of a package the first pins differently.

The fuzz workspace (fuzz/, its own workspace for cargo-fuzz) pins the same versions as the
main one, so CI's fuzz check reuses the dependencies clippy has just checked instead of
compiling a second set (about 3 minutes). After a `cargo update`, re-sync with:

    cp Cargo.lock fuzz/Cargo.lock && cargo metadata --manifest-path fuzz/Cargo.toml >/dev/null
"""
import sys
import tomllib


def versions(path):
    with open(path, "rb") as f:
        lock = tomllib.load(f)
    out = {}
    for p in lock.get("package", []):
        out.setdefault(p["name"], set()).add(p["version"])
    return out


main, other = versions(sys.argv[1]), versions(sys.argv[2])
drift = sorted(
    f"{name}: {sorted(main[name])} vs {sorted(other[name])}"
    for name in main.keys() & other.keys()
    if not other[name] <= main[name]
)
if drift:
    print(f"{sys.argv[2]} is out of step with {sys.argv[1]}:", *drift, sep="\n  ")
    print(__doc__.split("\n\n")[-1].strip())
    sys.exit(1)
