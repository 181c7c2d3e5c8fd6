#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""spdx.py: every source file of the repository names its licence in an SPDX
line within its first three lines (LICENSE says which files get which), and
every C file of src/ and bpf/ says what it is for in a comment right after
that line, which starts with its name: "/* name.c: ..." (a path suffix such
as "lib/path.h" is fine).

    tests/tools/spdx.py          check: lists each file without the right line,
                                 ends with "license: 1 passed, 0 failed" (one check over
                                 all files) or "license: 0 passed, 1 failed"
    tests/tools/spdx.py --fix    adds the line where it is missing (after a
                                 shebang), and corrects a wrong identifier
"""
import fnmatch
import subprocess
import sys

KERNEL = "GPL-2.0"
USER = "(LGPL-2.1 OR BSD-2-Clause)"
# BPF programs and the headers only they include: GPL-2.0 (the GPL-only helpers)
KERNEL_GLOBS = ["bpf/*", "examples/tenant/*.bpf.c", "tests/vm/bpf/*.bpf.c"]
SOURCE_GLOBS = ["*.c", "*.h", "*.sh", "*.py", "Makefile", "*/Makefile", ".ci/run"]
TAG = "SPDX-License-Identifier:"


def expected(path):
    return KERNEL if any(fnmatch.fnmatch(path, g) for g in KERNEL_GLOBS) else USER


def is_source(path):
    return any(fnmatch.fnmatch(path, g) for g in SOURCE_GLOBS)


def spdx_line(path, ident):
    if path.endswith((".c", ".h")):
        return f"/* {TAG} {ident} */\n"
    return f"# {TAG} {ident}\n"


def needs_top_comment(path):
    return path.startswith(("src/", "bpf/")) and path.endswith((".c", ".h"))


def check_top_comment(path, head):
    """None when the line after the SPDX line is "/* NAME: ..." with NAME a
    suffix of path, else what is wrong."""
    for i, line in enumerate(head[:3]):
        if TAG in line:
            nxt = head[i + 1] if i + 1 < len(head) else ""
            name = nxt[3:].split(":", 1)[0] if nxt.startswith("/* ") and ":" in nxt else ""
            if name and ("/" + path).endswith("/" + name):
                return None
            return ("no top comment saying what it is for after the SPDX line "
                    f"(want '/* {path.rsplit('/', 1)[-1]}: ...')")
    return None  # the SPDX check says what is missing


def check_head(path, head):
    """None when right, else a sentence saying what is wrong."""
    want = expected(path)
    for line in head[:3]:
        if TAG in line:
            got = line.split(TAG, 1)[1].strip().rstrip("*/").strip()
            if got != want:
                return f"has '{got}', should be '{want}'"
            return check_top_comment(path, head) if needs_top_comment(path) else None
    return f"no SPDX line in its first 3 lines (should be '{want}')"


def check(path):
    with open(path, encoding="utf-8") as f:
        head = [next(f, "") for _ in range(4)]
    return check_head(path, head)


def self_test():
    """Negative controls: a file without its top comment, or with another
    file's name in it, and one without an SPDX line, must be caught."""
    spdx = spdx_line("src/x.c", USER)
    cases = [
        ("src/x.c", [spdx, "/* x.c: what it is for */\n"], True),
        ("bpf/lib/x.h", [spdx.replace(USER, KERNEL), "/* lib/x.h: for */\n"], True),
        ("src/x.c", [spdx, "#include <stdio.h>\n"], False),
        ("src/x.c", [spdx, "/* y.c: another file's comment */\n"], False),
        ("src/x.c", ["#include <stdio.h>\n"], False),
    ]
    return [c for c in cases if (check_head(c[0], c[1]) is None) != c[2]]


def fix(path):
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    want = spdx_line(path, expected(path))
    for i, line in enumerate(lines[:3]):
        if TAG in line:
            lines[i] = want
            break
    else:
        at = 1 if lines and lines[0].startswith("#!") else 0
        lines.insert(at, want)
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)


def main():
    files = subprocess.run(["git", "ls-files"], capture_output=True, text=True,
                           check=True).stdout.split()
    files = [f for f in files if is_source(f)]
    bad = [(f, check(f)) for f in files]
    bad = [(f, why) for f, why in bad if why]
    for path, head, _ in self_test():
        bad.append((path, f"self-test: the check is wrong about {head!r}"))
    if "--fix" in sys.argv[1:]:
        bad = [(f, why) for f, why in bad if why.startswith(("no SPDX", "has "))]
        for f, _ in bad:
            fix(f)
        print(f"spdx.py: fixed {len(bad)} of {len(files)} files")
        return 0
    for f, why in bad:
        print(f"not ok - {f}: {why}")
    print(f"# {len(files)} source files, {len(bad)} without the right SPDX line or top comment")
    print("license: 0 passed, 1 failed" if bad else "license: 1 passed, 0 failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
