#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""spdx.py: every source file of the repository names its licence in an SPDX
line within its first three lines (LICENSE says which files get which).

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


def check(path):
    """None when right, else a sentence saying what is wrong."""
    with open(path, encoding="utf-8") as f:
        head = [next(f, "") for _ in range(3)]
    want = expected(path)
    for line in head:
        if TAG in line:
            got = line.split(TAG, 1)[1].strip().rstrip("*/").strip()
            return None if got == want else f"has '{got}', should be '{want}'"
    return f"no SPDX line in its first 3 lines (should be '{want}')"


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
    if "--fix" in sys.argv[1:]:
        for f, _ in bad:
            fix(f)
        print(f"spdx.py: fixed {len(bad)} of {len(files)} files")
        return 0
    for f, why in bad:
        print(f"not ok - {f}: {why}")
    print(f"# {len(files)} source files, {len(bad)} without the right SPDX line")
    print("license: 0 passed, 1 failed" if bad else "license: 1 passed, 0 failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
