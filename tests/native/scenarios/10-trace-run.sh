#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 60
# 10-trace-run.sh: `sabpf run --backend trace` natively: a workload that
# writes a file, copies it, renames the copy (by a relative name), reads it,
# writes a program and executes it, makes and removes a directory, makes
# ia32 system calls (build/progs/int80), and makes a process tree. A process
# outside the container writes a file of its own meanwhile (the negative
# control: it must be absent). Checked by tests/native/test_trace_run.py.

fails=0
label=""
ok() { echo "ok - $label$*"; }
not_ok() {
  echo "not ok - $label$*"
  fails=$((fails + 1))
}
# run_once DIR: the workload and its checks, artifacts in DIR. It runs
# twice: as the agent chooses on this kernel (the read and write programs
# by direct loads where the kernel has bpf_rdonly_cast), and in probe-read/
# with SABPF_TRACE_DIRECT=0 (the programs older kernels load): the same
# checks hold for both (tests/native/test_trace_run.py).
run_once() {
  OUT=$1
  mkdir -p "$OUT"
  w=$(mktemp -d /tmp/sabpf-native.XXXXXX)
  echo "$w" >"$OUT/workdir"

  # the outsider: runs on the host, in no audited cgroup
  (i=0; while [ $i -lt 40 ]; do echo x >"$w/outside.txt"; cat "$w/outside.txt" >/dev/null; sleep 0.05; i=$((i + 1)); done) &
  outsider=$!

  "$SABPF" run --backend trace --name native-trace \
    -o "jsonl:$OUT/run.jsonl" -o "prov:$OUT/run.prov.json" -o "raw:$OUT/run.raw" \
    -o "spade:$OUT/run.spade.json" -o "dot:$OUT/run.dot" -o "summary-json:$OUT/run.summary.json" \
    --stats "$OUT/stats.json" -- sh -c '
      w=$1
      echo planted >"$w/src.txt"
      cp "$w/src.txt" "$w/copy.txt"
      cd "$w" && mv copy.txt moved.txt
      cat "$w/moved.txt" >"$w/out.txt"
      cp /bin/true "$w/tool" && "$w/tool" from-tool
      sh -c "echo grandchild >\"$1/child.txt\""
      rm "$w/src.txt"
      mkdir "$w/newdir" && rmdir "$w/newdir"
      echo original >"$w/forged.txt"
      "$2" "$w/forged.txt" "$w/int80.txt"
      exit 7' sh "$w" "$(dirname "$SABPF")/progs/int80" >"$OUT/stdout" 2>"$OUT/stderr"
  echo $? >"$OUT/rc"
  wait "$outsider"

  [ "$(cat "$OUT/rc")" = 7 ] && ok "run returns the command's status" ||
    not_ok "run exited $(cat "$OUT/rc"): $(tail -3 "$OUT/stderr")"
  grep -q '^sabpf: backend: trace$' "$OUT/stderr" && ok "run says which backend at start" ||
    not_ok "no 'sabpf: backend: trace' line: $(head -3 "$OUT/stderr")"
  [ -s "$OUT/run.prov.json" ] && ok "a PROV-JSON capture" || not_ok "no PROV-JSON capture"
  "$SABPF" convert -o "prov:$OUT/converted.prov.json" "$OUT/run.raw" 2>"$OUT/convert.err" &&
    ok "sabpf convert reads the raw capture" || not_ok "convert failed: $(cat "$OUT/convert.err")"
  [ "$(cat "$w/int80.txt" 2>/dev/null)" = int80 ] && ok "the ia32 program ran" || not_ok "int80 did not write its file"
  [ -f "$w/outside.txt" ] && ok "the outsider wrote its file" || not_ok "the outsider wrote nothing"
  echo "$outsider" >"$OUT/outsider_pid"
  cp "$w/out.txt" "$OUT/out.txt" 2>/dev/null
  rm -rf "$w"
}
run_once "$OUT"
export SABPF_TRACE_DIRECT=0
label="probe-read: "
run_once "$OUT/probe-read"
unset SABPF_TRACE_DIRECT
[ "$fails" -eq 0 ]
