#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# detect_docs.sh: the figures of docs/detection.md are those its scripts
# write from the result data in the repository: bench/detect/eval.py docs
# (bench/detect/results/eval.json), eval.py compare (eval-trace.json and
# eval-lsm.json) and bench/detect/speed.py docs (speed.json) rewrite a copy
# of the page, which must equal the page. Negative control: a copy of
# eval.json with one figure changed must give another page. Ends with
# "detect-docs: N passed, N failed". Fix a failure with the commands above
# (or rerun the evaluation: make eval, bench/detect/eval-backends.sh).
set -u
cd "$(dirname "$0")/../.." || exit 1
py=/usr/bin/python3
r=bench/detect/results
passed=0 failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $*"; failed=$((failed + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# regen DOC EVAL_JSON: rewrites DOC's generated sections
regen() {
  SABPF_EVAL_DOC=$1 $py bench/detect/eval.py docs "$2" >/dev/null &&
    SABPF_EVAL_DOC=$1 $py bench/detect/eval.py compare $r/eval-trace.json $r/eval-lsm.json >/dev/null &&
    SABPF_EVAL_DOC=$1 $py bench/detect/speed.py docs $r/speed.json >/dev/null
}

cp docs/detection.md "$tmp/page.md"
if ! regen "$tmp/page.md" $r/eval.json 2>"$tmp/err"; then
  not_ok "the generators failed: $(head -3 "$tmp/err")"
elif cmp -s "$tmp/page.md" docs/detection.md; then
  ok "docs/detection.md's figures are those of eval.py docs, eval.py compare and speed.py docs"
else
  not_ok "docs/detection.md differs from its generators' output: $(diff docs/detection.md "$tmp/page.md" | head -6)"
fi

# negative control: one figure of the data changed
$py - "$r/eval.json" "$tmp/changed.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
r["test"]["tp"] += 1
json.dump(r, open(sys.argv[2], "w"))
EOF
cp docs/detection.md "$tmp/neg.md"
if regen "$tmp/neg.md" "$tmp/changed.json" 2>/dev/null && ! cmp -s "$tmp/neg.md" docs/detection.md; then
  ok "negative control: a changed figure in eval.json gives another page"
else
  not_ok "negative control: a changed figure in eval.json gave the same page"
fi
echo "detect-docs: $passed passed, $failed failed"
[ "$failed" = 0 ]
