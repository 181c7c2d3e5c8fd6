#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# diagram.sh: checks docs/architecture.dot, the flow diagram of
# docs/architecture.md: graphviz parses it (dot -Tsvg), and every file it
# names (src/..., bpf/..., include/...) exists, so the diagram follows the
# tree. Negative controls: a copy with a syntax error must not parse, and a
# copy naming a missing file must be caught. Ends with
# "diagram: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
dotfile=docs/architecture.dot
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
no() { echo "not ok - $1"; fail=$((fail + 1)); }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# missing FILE: the paths FILE names (a glob such as bpf/lib/*.h must match
# a file) that are not in the tree
missing() {
  local p
  for p in $(grep -oE '(src|bpf|include)/[A-Za-z0-9_./*-]+' "$1" | sed 's/[.]$//' | sort -u); do
    compgen -G "$p" >/dev/null || echo "$p"
  done
}

if ! command -v dot >/dev/null; then
  no "graphviz 'dot' is not installed (scripts/install-deps.sh installs it)"
else
  if err=$(dot -Tsvg "$dotfile" 2>&1 >/dev/null); then ok "$dotfile parses (dot -Tsvg)"
  else no "$dotfile does not parse: $err"; fi
  sed 's/->/-> ->/' "$dotfile" >"$tmp/bad.dot"
  if dot -Tsvg "$tmp/bad.dot" >/dev/null 2>&1; then no "a broken copy parses too: the check cannot fail"
  else ok "negative control: a copy with a syntax error does not parse"; fi
fi
m=$(missing "$dotfile")
if [ -z "$m" ]; then ok "every file $dotfile names exists"
else no "$dotfile names files not in the tree: $(echo $m)"; fi
sed 's|src/graph.c|src/no_such_file.c|' "$dotfile" >"$tmp/stale.dot"
if [ "$(missing "$tmp/stale.dot")" = src/no_such_file.c ]; then ok "negative control: a missing file is caught"
else no "negative control: a missing file named in the diagram is not caught"; fi
echo "diagram: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
