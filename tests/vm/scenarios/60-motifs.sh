#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 240
# 60-motifs.sh: motif validation. One audited container runs
# tests/vm/progs/motif, which makes each system call of tests/motifs/*.json
# between two marker files (/tmp/motif/<case>.begin and .end, which appear in
# the capture as inode_create records); tests/integration/test_motifs.py
# slices each call's subgraph out of the capture by the markers and matches
# it with the call's expected motif.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
motif=$(dirname "$SABPF")/progs/motif
[ -x "$motif" ] || { not_ok "$motif missing (make builds it)"; exit 1; }

rm -rf /tmp/motif
"$motif" list >"$OUT/cases.txt"
readlink -f "$motif" >"$OUT/motif_path"
# --allow-bpf: the bpf() motifs need it (self-protection refuses bpf() by default);
# --privileged: the motifs are the system calls of full root (mount, modules,
# bpf, sethostname, ...), which a default container may not make
"$SABPF" run --privileged --net --allow-bpf --name motifs -o "prov:$OUT/capture.prov.json" -o "jsonl:$OUT/capture.jsonl" \
  --stats "$OUT/stats.json" -- "$motif" all /tmp/motif >"$OUT/motif.txt" 2>"$OUT/stderr"
rc=$?
if [ "$rc" -eq 0 ]; then
  ok "motif all ran in an audited container"
else
  not_ok "sabpf run -- motif all exited $rc: $(tail -5 "$OUT/stderr")"
fi
ran=$(grep -c '^case=' "$OUT/motif.txt")
listed=$(wc -l <"$OUT/cases.txt")
if [ "$ran" -eq "$listed" ] && [ "$listed" -gt 0 ]; then
  ok "motif ran all $listed cases"
else
  not_ok "motif ran $ran of $listed cases"
fi
# every case left both markers behind
missing=0
while read -r name; do
  for m in begin end; do
    [ -e "/tmp/motif/$name.$m" ] || { missing=$((missing + 1)); echo "# no /tmp/motif/$name.$m"; }
  done
done <"$OUT/cases.txt"
if [ "$missing" -eq 0 ]; then ok "every case made its two markers"; else not_ok "$missing markers missing"; fi

# The opt-in class perm (inode_permission, every path component) would
# change every slice above: its cases run again in a capture of their own
# with --classes all,perm (motifs with "capture": "perm").
perm_cases="access"
for name in $perm_cases; do rm -f "/tmp/motif/$name".*; done
# --privileged: the same tier as the capture above
# shellcheck disable=SC2086 # one argument per case
"$SABPF" run --privileged --name motifs-perm --classes all,perm -o "prov:$OUT/capture.perm.prov.json" \
  --stats "$OUT/stats.perm.json" -- sh -c 'for c in "$@"; do "$0" "$c" /tmp/motif || exit 1; done' \
  "$motif" $perm_cases >"$OUT/motif.perm.txt" 2>"$OUT/stderr.perm"
rc=$?
if [ "$rc" -eq 0 ]; then ok "the perm cases ran with --classes all,perm"; else not_ok "perm run exited $rc: $(tail -5 "$OUT/stderr.perm")"; fi
exit "$fails"
