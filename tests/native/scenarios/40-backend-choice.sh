#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 60
# 40-backend-choice.sh: --backend on this host. A bad value is a usage
# error (2) naming the choices; auto says which backend it took (and why,
# when it fell back); --backend lsm where only the trace backend can run
# (doctor exit 3) fails with 125 and the doctor's reason, and never falls
# back silently; --policy with the trace backend enforces a network-only
# policy and refuses one with a rule that needs BPF LSM up front; the
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
# --policy with the trace backend: a rule that needs BPF LSM (paper.json's
# files section) is refused before the container starts, naming the rule and
# why the host runs trace; a network-only policy is enforced by cgroup-bpf
# programs, its denial in the run's output (45-trace-netpol tests the rules)
"$SABPF" run --backend trace --policy "$(dirname "$SABPF")/../examples/policies/paper.json" \
  -o "jsonl:$OUT/policy.jsonl" -- touch "$OUT/policy.ran" 2>"$OUT/policy.err"
rc=$?
[ "$rc" -eq 125 ] &&
  grep -q "^sabpf run: .*/examples/policies/paper.json:13:16: files needs the BPF LSM backend (lsm); this host runs trace: ." "$OUT/policy.err" &&
  [ ! -e "$OUT/policy.ran" ] && [ ! -s "$OUT/policy.jsonl" ] &&
  ok "--policy with a files rule on the trace backend is refused up front, naming file:line" ||
  not_ok "--policy paper.json with trace: rc $rc: $(cat "$OUT/policy.err")"
if [ "$doctor" -eq 3 ]; then
  grep -q "this host runs trace: lsm/ program load: " "$OUT/policy.err" &&
    ok "the refusal gives the doctor's reason" || not_ok "no doctor reason: $(cat "$OUT/policy.err")"
fi
port=$((30000 + $$ % 10000))
printf 'version: 1\ntarget: {cgroup: /replaced}\nnetwork: {default: deny, egress: [%s]}\n' "$port" >"$OUT/net.yaml"
"$SABPF" run --backend trace --policy "$OUT/net.yaml" -o "jsonl:$OUT/net.jsonl" -- /usr/bin/python3 -c "
import socket, errno
for p in ($port, $port + 1):
    try:
        socket.socket().connect(('127.0.0.1', p)); print(p, 'ok')
    except OSError as e:
        print(p, errno.errorcode[e.errno])" >"$OUT/net.out" 2>"$OUT/net.err"
rc=$?
[ "$rc" -eq 0 ] && grep -qxE "$port (ok|ECONNREFUSED)" "$OUT/net.out" && grep -qx "$((port + 1)) EPERM" "$OUT/net.out" &&
  ok "--policy with a network-only policy on the trace backend: the other port is refused (EPERM)" ||
  not_ok "network policy on trace: rc $rc: $(cat "$OUT/net.out" "$OUT/net.err")"
grep -q "\"action\":\"denied\",\"operation\":\"connect\",.*\"address\":\"127.0.0.1\",\"port\":$((port + 1)),\"result\":\"EPERM\"" "$OUT/net.jsonl" &&
  ! grep -q "\"operation\":\"connect\",.*\"port\":$port," "$OUT/net.jsonl" &&
  ok "the run's output holds the denial record, and none for the allowed port" ||
  not_ok "no denial record: $(grep -c . "$OUT/net.jsonl") lines"
# --classes: the trace backend's families honour the record classes
"$SABPF" run --backend trace -q --classes proc -o "jsonl:$OUT/proc.jsonl" -- sh -c 'cat /etc/hostname >/dev/null'
"$SABPF" run --backend trace -q --classes file -o "jsonl:$OUT/file.jsonl" -- sh -c 'cat /etc/hostname >/dev/null'
grep -q '"action":"exec"' "$OUT/proc.jsonl" && ! grep -q '"action":"\(open\|read\|write\)"' "$OUT/proc.jsonl" &&
  ok "--classes proc: exec recorded, no file access" || not_ok "--classes proc: $(cut -c1-300 "$OUT/proc.jsonl" | head -3)"
grep -q '"action":"read","object_kind":"file","object":"/etc/hostname"' "$OUT/file.jsonl" &&
  ! grep -q '"action":"\(clone\|exec\|exec_task\)"' "$OUT/file.jsonl" &&
  ok "--classes file: the read recorded, no process life" || not_ok "--classes file: $(cut -c1-300 "$OUT/file.jsonl" | head -3)"
[ "$fails" -eq 0 ]
