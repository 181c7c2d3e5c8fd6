#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 900
# 40-loss.sh: no silent loss. A flood of distinct records through a ring
# buffer of one page must be either delivered or counted as lost with the
# exact number; through a large ring it must arrive whole. Also: no cred or
# file map entry of a container outlives it. Each other cause of loss is
# provoked for real with an independent count beside it: two containers
# losing at once (one added with `ctl add`), policy denials dropped while the
# agent is stopped, file_map entries that do not fit a small map; and paths
# cut in the kernel (depth and length). Checked by test_loss.py.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
exercise=$(dirname "$SABPF")/progs/exercise
n=20000
echo "$n" >"$OUT/reads"
"$SABPF" run -q --ring-size 4096 -o "raw:$OUT/small.raw" --stats "$OUT/small.json" \
  -- "$exercise" flood "$n" /etc/hostname /etc/passwd >"$OUT/small.out" 2>&1 &&
  ok "flood through a 4 KiB ring" || not_ok "small-ring run failed: $(tail -3 "$OUT/small.out")"
"$SABPF" run -q --ring-size 64M -o "raw:$OUT/large.raw" --stats "$OUT/large.json" \
  -- "$exercise" flood "$n" /etc/hostname /etc/passwd >"$OUT/large.out" 2>&1 &&
  ok "flood through a 64 MiB ring" || not_ok "large-ring run failed: $(tail -3 "$OUT/large.out")"
# the same flood with no agent, timed (/proc/uptime, 10 ms steps): the rate
# the workload reaches alone, beside the rate the audited one was drained at
t0=$(cut -d' ' -f1 /proc/uptime)
"$exercise" flood "$n" /etc/hostname /etc/passwd >/dev/null
t1=$(cut -d' ' -f1 /proc/uptime)
echo "$t0 $t1" >"$OUT/bare.uptime"

cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
lossgen=/tmp/progs/lossgen
mkdir -p /tmp/progs && cp "$(dirname "$SABPF")/progs/lossgen" "$lossgen"

# run_in CGROUP NAME ARGS...: runs ARGS in CGROUP, output in $OUT/NAME.txt
run_in() {
  cgdir=$1 name=$2
  shift 2
  sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cgdir" "$@" >"$OUT/$name.txt" 2>&1 ||
    not_ok "$* in $cgdir failed: $(tail -3 "$OUT/$name.txt")"
}

# wait_for FILE TEXT: up to 300 s for TEXT to appear in FILE, while $agent runs
# (starting it takes minutes under TCG on a loaded machine)
wait_for() {
  i=0
  while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 3000 ] && kill -0 "$agent" 2>/dev/null; do
    sleep 0.1
    i=$((i + 1))
  done
  grep -q "$2" "$1"
}

# Two containers lose records at once through one small ring: loss-a floods,
# loss-b (added with `ctl add`) reads a file every 2 ms meanwhile. Every LOST
# record must name the container that lost the records.
ctl=/run/sabpf-loss.sock
mkdir -p "$cg/loss-a" "$cg/loss-b"
"$SABPF" audit --ring-size 4096 --cgroup "$cg/loss-a" --control "$ctl" -o "raw:$OUT/two.raw" \
  --stats "$OUT/two.json" >"$OUT/two.out" 2>&1 &
agent=$!
i=0
while [ ! -S "$ctl" ] && [ $i -lt 3000 ] && kill -0 "$agent" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
"$SABPF" ctl --control "$ctl" add "$cg/loss-b" >"$OUT/ctl-add.txt" 2>&1 && ok "ctl add loss-b" ||
  not_ok "ctl add: $(cat "$OUT/ctl-add.txt")"
run_in "$cg/loss-b" trickle "$lossgen" trickle 300 &
trickle=$!
run_in "$cg/loss-a" flood-a "$exercise" flood 5000 /etc/hostname /etc/passwd
wait "$trickle"
kill -INT "$agent"
wait "$agent" && ok "two containers through a 4 KiB ring" || not_ok "audit of two containers exited $?: $(tail -3 "$OUT/two.out")"
echo "$cg/loss-b" >"$OUT/two.b-path"

# Denials dropped: a policy denies writes under /tmp/loss-deny; the agent is
# stopped (SIGSTOP, from the host) while 12000 denied opens fill its own
# 1 MiB denial ring (its slot, src/denial_slot.h). Refused opens = DENIAL records + denials counted lost.
mkdir -p "$cg/loss-deny" /tmp/loss-deny && touch /tmp/loss-deny/target
cat >/tmp/loss-deny.yaml <<'POLICY'
version: 1
mode: enforce
target:
  cgroup: /loss-deny
files:
  default: r
  exec: [/tmp/progs/*]
POLICY
"$SABPF" policy apply /tmp/loss-deny.yaml >"$OUT/deny-apply.txt" 2>&1 && ok "policy apply loss-deny" ||
  not_ok "policy apply: $(cat "$OUT/deny-apply.txt")"
"$SABPF" audit --cgroup "$cg/loss-deny" -o "raw:$OUT/deny.raw" --stats "$OUT/deny.json" \
  >"$OUT/deny.out" 2>&1 &
agent=$!
wait_for "$OUT/deny.out" "auditing" || not_ok "deny agent did not start: $(cat "$OUT/deny.out")"
sleep 1.5 # it finds the denial ring within a second
kill -STOP "$agent"
run_in "$cg/loss-deny" denied "$lossgen" denied 12000 /tmp/loss-deny/target
kill -CONT "$agent"
sleep 1.5
kill -INT "$agent"
wait "$agent" && ok "agent stopped during a denial flood" || not_ok "deny agent exited $?: $(tail -3 "$OUT/deny.out")"
"$SABPF" policy remove --cgroup "$cg/loss-deny" >/dev/null 2>&1 || not_ok "policy remove loss-deny"

# file_map full: with room for 32 and then 64 entries, 100 files held open
# at once; the entries that did not fit are counted (file_map), and the two
# counts differ by exactly the 32 entries of difference.
for m in 32 64; do
  rm -rf "/tmp/loss-hold-$m" && mkdir -p "/tmp/loss-hold-$m"
  SABPF_TEST_STATE_ENTRIES=$m "$SABPF" run -q -o "raw:$OUT/hold-$m.raw" --stats "$OUT/hold-$m.json" \
    -- "$lossgen" hold 100 "/tmp/loss-hold-$m" >"$OUT/hold-$m.txt" 2>&1 &&
    ok "100 files held open with room for $m" || not_ok "hold $m: $(tail -3 "$OUT/hold-$m.txt")"
done

# Paths cut in the kernel: a file 70 directories deep (beyond the 64
# components a rebuilt path may have) and one under 20 names of 250
# characters (beyond the 4096 bytes of bpf_d_path, which then fails);
# next to them a file whose path is whole.
long=$(printf '%0250d' 0 | tr 0 d)
rm -rf /tmp/loss-deep /tmp/loss-long && mkdir -p /tmp/loss-deep /tmp/loss-long
"$SABPF" run -q -o "raw:$OUT/paths.raw" -o "jsonl:$OUT/paths.jsonl" -o "prov:$OUT/paths.prov.json" \
  -o "spade:$OUT/paths.spade" -o "dot:$OUT/paths.dot" -o "summary:$OUT/paths.summary" \
  -- sh -c 'cd /tmp/loss-deep && "$0" tree 70 1 && cd /tmp/loss-long && "$0" tree 20 250 &&
    echo whole > /tmp/loss-whole && cat /tmp/loss-whole >/dev/null' "$lossgen" >"$OUT/paths.txt" 2>&1 &&
  ok "deep and long paths" || not_ok "paths run: $(tail -3 "$OUT/paths.txt")"
echo "$long" >"$OUT/long-name"
rm -rf /tmp/loss-deep /tmp/loss-long /tmp/loss-hold-32 /tmp/loss-hold-64
for d in loss-a loss-b loss-deny; do rmdir "$cg/$d" 2>/dev/null; done
exit "$fails"
