#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 60
# 40-backend-choice.sh: --backend on this host. A bad value is a usage
# error (2) naming the choices; auto says which backend it took (and why,
# when it fell back); --backend lsm where only the trace backend can run
# (doctor exit 3) fails with 125 and the doctor's reason, and never falls
# back silently; --policy with the trace backend is refused up front; the
# trace backend honours --classes.
# Self-checking (no pytest file).

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
"$SABPF" doctor >"$OUT/doctor.txt" 2>&1
doctor=$?

"$SABPF" run --backend bogus -- true 2>"$OUT/bogus.err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "expected lsm, trace or auto" "$OUT/bogus.err" &&
  ok "--backend bogus: usage error naming the choices" || not_ok "--backend bogus: rc $rc: $(cat "$OUT/bogus.err")"

"$SABPF" run -o "jsonl:$OUT/auto.jsonl" -- true 2>"$OUT/auto.err"
rc=$?
first=$(head -1 "$OUT/auto.err")
case "$doctor:$rc:$first" in
0:0:"sabpf: backend: lsm") ok "auto took lsm where it runs" ;;
3:0:"sabpf: backend: trace (the LSM backend cannot run here: "*) ok "auto fell back to trace and said why" ;;
*) not_ok "auto: doctor $doctor, rc $rc, first line: $first" ;;
esac

if [ "$doctor" -eq 3 ]; then
  "$SABPF" run --backend lsm -o "jsonl:$OUT/lsm.jsonl" -- true 2>"$OUT/lsm.err"
  rc=$?
  [ "$rc" -eq 125 ] && grep -q "^sabpf run: lsm/ program load: " "$OUT/lsm.err" &&
    ! grep -q "backend: trace" "$OUT/lsm.err" &&
    ok "--backend lsm without BPF LSM fails (125) with the reason, no fallback" ||
    not_ok "--backend lsm: rc $rc: $(cat "$OUT/lsm.err")"
  [ ! -s "$OUT/lsm.jsonl" ] && ok "--backend lsm wrote no capture" || not_ok "--backend lsm wrote a capture"
fi
"$SABPF" run --backend trace --policy "$(dirname "$SABPF")/../examples/policies/paper.json" \
  -o "jsonl:$OUT/policy.jsonl" -- true 2>"$OUT/policy.err"
rc=$?
[ "$rc" -eq 125 ] && grep -q "^sabpf run: --policy needs the LSM backend" "$OUT/policy.err" &&
  ok "--policy with the trace backend is refused up front" || not_ok "--policy with trace: rc $rc: $(cat "$OUT/policy.err")"
# --classes: the trace backend's families honour the record classes
"$SABPF" run --backend trace -q --classes proc -o "jsonl:$OUT/proc.jsonl" -- sh -c 'cat /etc/hostname >/dev/null'
"$SABPF" run --backend trace -q --classes file -o "jsonl:$OUT/file.jsonl" -- sh -c 'cat /etc/hostname >/dev/null'
grep -q '"action":"exec"' "$OUT/proc.jsonl" && ! grep -q '"action":"\(open\|read\|write\)"' "$OUT/proc.jsonl" &&
  ok "--classes proc: exec recorded, no file access" || not_ok "--classes proc: $(cut -c1-300 "$OUT/proc.jsonl" | head -3)"
grep -q '"action":"read","object_kind":"file","object":"/etc/hostname"' "$OUT/file.jsonl" &&
  ! grep -q '"action":"\(clone\|exec\|exec_task\)"' "$OUT/file.jsonl" &&
  ok "--classes file: the read recorded, no process life" || not_ok "--classes file: $(cut -c1-300 "$OUT/file.jsonl" | head -3)"
[ "$fails" -eq 0 ]
