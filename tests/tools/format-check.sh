#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# format-check.sh FILE...: each C file as clang-format (.clang-format) would
# leave it, or a failure naming the file and the first lines it would change
# (fix: `make format`). A self-test first: a copy of the first file with its
# indentation broken must be reported, or the check itself is broken.
# Prints "format: N passed, N failed" (tests/run-all.sh counts it).
set -u
[ $# -gt 0 ] || { echo "format-check.sh: no files given (make format-check)"; exit 2; }
command -v clang-format >/dev/null || { echo "format: 0 passed, 1 failed (no clang-format: scripts/install-deps.sh)"; exit 1; }
pass=0 fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# the negative control: a file with every tab turned into 3 spaces
# (beside a copy of .clang-format, which clang-format looks up from the file)
mangled="$tmp/$(basename "$1")"
cp "$(dirname "$0")/../../.clang-format" "$tmp/"
sed 's/\t/   /g' "$1" >"$mangled"
if clang-format --dry-run --Werror "$mangled" 2>&1 | grep -q 'clang-format-violations'; then
  echo "ok - negative control: a mangled copy of $1 is reported"; pass=$((pass + 1))
else
  echo "not ok - negative control: a mangled copy of $1 is not reported as a violation"; fail=$((fail + 1))
fi
for f in "$@"; do
  if out=$(clang-format --dry-run --Werror "$f" 2>&1); then
    pass=$((pass + 1))
  else
    echo "not ok - $f is not as clang-format leaves it (make format):"
    head -6 <<<"$out" | sed 's/^/#   /'
    fail=$((fail + 1))
  fi
done
echo "format: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
