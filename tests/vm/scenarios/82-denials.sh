#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 900
# 82-denials.sh: every policy denial reaches every agent that audits the
# denied task's cgroup, or is counted lost for it (src/denial_slot.h). Two
# agents run at once, one auditing den-a, the other den-b, both under a
# policy refusing writes; each container makes a known number of denials and
# each agent must report exactly its own container's, none of the other's
# (with one shared ring, one agent took and dropped the other's), while a
# `policy log --follow` gets them all. Then a third agent finds every slot
# taken: it says so and counts each denial of its container as lost,
# exactly. Root in den-a cannot open the slot map.
# Last, with no agent running, `policy log` shows exactly the denials made
# then. Checked by tests/integration/test_denials.py.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
mkdir -p /tmp/progs /tmp/den
cp "$(dirname "$SABPF")/progs/lossgen" "$(dirname "$SABPF")/progs/guardprobe" /tmp/progs/
lossgen=/tmp/progs/lossgen
guardprobe=/tmp/progs/guardprobe
touch /tmp/den/target
"$SABPF" policy log >"$OUT/policy-log-before.jsonl" 2>&1 # empties the log ring of earlier scenarios
for c in den-a den-b; do
  mkdir -p "$cg/$c"
  cat >"/tmp/den/$c.yaml" <<POLICY
version: 1
mode: enforce
target:
  cgroup: /$c
files:
  default: r
  exec: [/tmp/progs/*]
POLICY
  "$SABPF" policy apply "/tmp/den/$c.yaml" >"$OUT/apply-$c.txt" 2>&1 && ok "policy apply $c" ||
    not_ok "policy apply $c: $(cat "$OUT/apply-$c.txt")"
done

# run_in CGROUP NAME ARGS...: runs ARGS in CGROUP, output in $OUT/NAME.txt
run_in() {
  cgdir=$1 name=$2
  shift 2
  sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg/$cgdir" "$@" >"$OUT/$name.txt" 2>&1 ||
    not_ok "$* in $cgdir failed: $(tail -3 "$OUT/$name.txt")"
}

# wait_for FILE TEXT: up to 300 s for TEXT to appear in FILE (an agent loads in
# seconds under TCG, minutes on a loaded machine)
wait_for() {
  i=0
  while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 3000 ]; do sleep 0.1; i=$((i + 1)); done
  grep -q "$2" "$1"
}

# start_agent NAME CGROUP TEXT: an agent auditing CGROUP, up once TEXT is on its stderr
start_agent() {
  "$SABPF" audit --cgroup "$cg/$2" -o "jsonl:$OUT/$1.jsonl" --stats "$OUT/$1-stats.json" \
    >"$OUT/$1.out" 2>&1 &
  eval "pid_$1=$!"
  wait_for "$OUT/$1.out" "auditing" && wait_for "$OUT/$1.out" "$3" &&
    ok "agent $1 auditing $2: $3" || not_ok "agent $1 did not start as expected: $(cat "$OUT/$1.out")"
}

stop_agent() { # NAME
  p=$(eval echo "\$pid_$1")
  kill -INT "$p"
  wait "$p" && ok "agent $1 stopped cleanly" || not_ok "agent $1 exited $?: $(tail -3 "$OUT/$1.out")"
}

# Two agents, each with its own slot; each container makes its denials.
start_agent a den-a "policy denials: slot"
start_agent b den-b "policy denials: slot"
# a `policy log --follow` beside them: every denial, of both containers
"$SABPF" policy log --follow >"$OUT/follow.jsonl" 2>"$OUT/follow.err" &
follower=$!
wait_for "$OUT/follow.err" "following every denial" || not_ok "policy log --follow: $(cat "$OUT/follow.err")"
run_in den-a a-denied "$lossgen" denied 3 /tmp/den/target
run_in den-b b-denied "$lossgen" denied 5 /tmp/den/target
# root in den-a cannot reach the slot map (the host can: it is there)
run_in den-a a-bpfget "$guardprobe" bpfget /sys/fs/bpf/sabpf/policy/pol_slots
"$guardprobe" bpfget /sys/fs/bpf/sabpf/policy/pol_slots >"$OUT/host-bpfget.txt" 2>&1

# Every free slot held by another process: a third agent on den-b gets none.
"$lossgen" lockall 16 /run/sabpf >"$OUT/lockall.txt" 2>&1 &
locker=$!
wait_for "$OUT/lockall.txt" "locked=" || not_ok "lossgen lockall: $(cat "$OUT/lockall.txt")"
start_agent c den-b "all 16 denial slots are taken"
run_in den-b b-denied-2 "$lossgen" denied 4 /tmp/den/target
sleep 1.5 # agent c reads the counts once a second (and once more at the end)
stop_agent c
kill "$locker"
wait "$locker" 2>/dev/null
kill -INT "$follower"
wait "$follower" && ok "policy log --follow stopped cleanly" || not_ok "policy log --follow exited $?: $(cat "$OUT/follow.err")"
stop_agent a
stop_agent b

# No agent: the denials made now wait in the log ring, and only they.
run_in den-a a-denied-2 "$lossgen" denied 2 /tmp/den/target
"$SABPF" policy log >"$OUT/policy-log.jsonl" 2>"$OUT/policy-log.err" || not_ok "policy log: $(cat "$OUT/policy-log.err")"
"$SABPF" policy log >"$OUT/policy-log-again.jsonl" 2>&1

for c in den-a den-b; do
  "$SABPF" policy remove --cgroup "$cg/$c" >/dev/null 2>&1 || not_ok "policy remove $c"
  rmdir "$cg/$c" 2>/dev/null
done
echo "$cg" >"$OUT/cgroup-root"
exit "$fails"
