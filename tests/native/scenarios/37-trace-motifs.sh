#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 120
# 37-trace-motifs.sh: the motif suite on the trace backend, natively. The
# same program and cases as tests/vm/scenarios/60-motifs.sh (LSM backend, in
# the VM): build/progs/motif makes each system call of tests/motifs/*.json
# between the markers /tmp/motif/<case>.begin and .end, here under
# `sabpf run --backend trace`. The container (own mount, pid, uts, ipc and
# network namespaces) mounts a tmpfs on /tmp first, so the host's /tmp is not
# touched. One `motif CASE` per case, so a case that fails on this host (no
# self-protection refuses init_module, the host refuses a BPF program type)
# is noted in cases.rc and does not stop the others. The perm case (access)
# runs again with --classes all,perm, as in 60-motifs.sh. The capture is
# kept; tests/native/test_trace_motifs.py classifies every motif on it
# (tests/tools/motif_compare.py) against tests/motifs/backends/trace-differences.json.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
motif=$(dirname "$SABPF")/progs/motif
[ -x "$motif" ] || { not_ok "$motif missing (make builds it)"; exit 1; }
"$motif" list >"$OUT/cases.txt"
readlink -f "$motif" >"$OUT/motif_path"

# one run per case; "case=NAME rc=N" for each into cases.rc (opened before
# the tmpfs on /tmp hides an $OUT below /tmp)
# shellcheck disable=SC2016 # expanded by the container's shell
each='exec 3>>"$1/cases.rc" 4>>"$1/motif.txt"
mount -t tmpfs motif /tmp || exit 3
for c in $("$0" list); do
  "$0" "$c" /tmp/motif >&4 2>&1
  echo "case=$c rc=$?" >&3
done'
rm -f "$OUT/motif.txt" "$OUT/cases.rc"
# --privileged --net --allow-bpf: as 60-motifs.sh (the calls of full root)
"$SABPF" run --backend trace --privileged --net --allow-bpf --name motifs \
  -o "prov:$OUT/capture.prov.json" --stats "$OUT/stats.json" \
  -- sh -c "$each" "$motif" "$OUT" >"$OUT/stdout" 2>"$OUT/stderr"
rc=$?
if [ "$rc" -eq 0 ]; then
  ok "the motif cases ran under the trace backend"
else
  not_ok "sabpf run exited $rc: $(tail -3 "$OUT/stderr")"
fi
ran=$(grep -c '^case=' "$OUT/cases.rc" 2>/dev/null)
listed=$(wc -l <"$OUT/cases.txt")
if [ "${ran:-0}" -eq "$listed" ] && [ "$listed" -gt 0 ]; then
  ok "motif ran all $listed cases"
else
  not_ok "motif ran ${ran:-0} of $listed cases"
fi

# shellcheck disable=SC2016 # expanded by the container's shell
"$SABPF" run --backend trace --privileged --name motifs-perm --classes all,perm \
  -o "prov:$OUT/capture.perm.prov.json" --stats "$OUT/stats.perm.json" \
  -- sh -c 'mount -t tmpfs motif /tmp && "$0" access /tmp/motif' "$motif" \
  >"$OUT/motif.perm.txt" 2>"$OUT/stderr.perm"
rc=$?
if [ "$rc" -eq 0 ]; then
  ok "the perm case ran with --classes all,perm"
else
  not_ok "perm run exited $rc: $(tail -3 "$OUT/stderr.perm")"
fi
[ "$fails" -eq 0 ]
