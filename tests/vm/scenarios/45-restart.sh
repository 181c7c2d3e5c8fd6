#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 600
# vm-binaries: /usr/sbin/bpftool
# 45-restart.sh: `sabpf audit --pin DIR`: an agent restarted while its
# container writes numbered files throughout loses nothing
# (docs/operations.md, Restarts). In the VM with the LSM backend, the stop
# and upgrade cases; tests/native/scenarios/55-restart.sh runs every case natively with
# the trace backend (BACKEND=trace RESTART_CASES=all).
#   stop:  agent A stopped by SIGTERM, 1.5 s with no agent, agent B takes
#          over the same DIR: every numbered write is in A's or B's output
#          exactly once, writes made in the gap among them; B's sequence
#          accounting (carried on from A's) misses nothing, nothing lost;
#          agent C with --unpin ends it all: DIR is gone. With the LSM
#          backend, the guard protects B (signal, ptrace from the pod),
#          the agent that took over, not A's old pid.
#   crash: A killed by SIGKILL: no write twice, and every write absent from
#          both outputs is counted missing by B (at most seq_missing).
#   overflow (the negative control: the checks can fail): a 4 KiB ring and
#          a burst of writes during the gap: writes are absent, and B reports
#          the loss exactly: LOST records = seq_missing = the kernel's count.
#   upgrade (both backends; the test builds of the agent, build/variant/:
#          make variants, or UPGRADE_SABPF and LAYOUT_SABPF): an agent of
#          another build takes the side over in place, no write twice or
#          absent; a build with another map layout is refused; see the case
#          below.
# The restart gap (A's exit to B's first drain, and B's start to it) goes to
# $OUT/restart-gap.txt.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
pod="$cg/sabpf-native-restart.$$"
mkdir -p "$pod"
w=$(mktemp -d /tmp/sabpf-restart.XXXXXX)
pins=/sys/fs/bpf/sabpf-test-restart-$$ # bpffs refuses names with a dot
backend=${BACKEND:-lsm}
# how long an agent may take to load (TCG is slow), in 0.05 s steps
steps=${RESTART_WAIT_STEPS:-6000}
# stop only (the VM: each agent start costs seconds under TCG), or all: the
# crash and overflow cases test user-space logic both backends share
cases=${RESTART_CASES:-stop}
: >"$OUT/restart-gap.txt"

now() { date +%s.%N; }

# agent NAME [OPTIONS]: starts an agent on the pod with --pin, in the background
# (the binary: $AGENT_BIN, or $SABPF)
agent() {
  name=$1
  shift
  "${AGENT_BIN:-$SABPF}" audit --backend "$backend" --cgroup "$pod" --pin "$pins" -o "jsonl:$OUT/$name.jsonl" \
    --stats "$OUT/$name.stats.json" "$@" >"$OUT/$name.stdout" 2>"$OUT/$name.stderr" &
  pid=$!
  i=0
  while ! grep -q '^sabpf: auditing' "$OUT/$name.stderr" 2>/dev/null && [ $i -lt "$steps" ]; do
    sleep 0.05
    i=$((i + 1))
  done
  grep -q '^sabpf: auditing' "$OUT/$name.stderr" && ok "$name: attached" ||
    not_ok "$name never said it was auditing: $(tail -3 "$OUT/$name.stderr")"
}

# writer DIR DELAY: a shell moved into the pod writes DIR/f.1, DIR/f.2, ...
# (one write each), DELAY seconds apart, until DIR/stop exists
writer() {
  mkdir -p "$1"
  sh -c 'echo $$ >"$0/cgroup.procs" && i=0 && while [ ! -e "$1/stop" ]; do
    i=$((i + 1)); echo $i >"$1/f.$i"; [ "$2" = 0 ] || sleep "$2"; done' "$pod" "$1" "$2" &
  wpid=$!
}

# written DIR: how many numbered files the writer has made
written() { ls "$1" | grep -c '^f\.'; }

# writes DIR FILES...: per numbered file of DIR, how many write records
# the outputs hold; prints "written once twice absent"
writes() {
  d=$1
  shift
  n=$(written "$d")
  cat "$@" 2>/dev/null | grep '"action":"write"' | grep -o "\"object\":\"$d/f\.[0-9]*\"" |
    sed 's/.*f\.\([0-9]*\)"/\1/' | sort -n | uniq -c |
    awk -v n="$n" '{ c[$2] = $1 } END { once = twice = absent = 0
      for (i = 1; i <= n; i++) { if (!(i in c)) absent++; else if (c[i] == 1) once++; else twice++ }
      print n, once, twice, absent }'
}

# field FILE KEY: a number of a --stats file
field() { grep -o "\"$2\":[0-9]*" "$1" | head -n 1 | cut -d: -f2; }

stopped() { # NAME PID SIGNAL
  kill "-$3" "$2"
  wait "$2"
  rc=$?
  if [ "$3" = KILL ]; then
    [ "$rc" -eq 137 ] && ok "$1 killed" || not_ok "$1 exited $rc on SIGKILL"
  else
    [ "$rc" -eq 0 ] && ok "$1 stops cleanly on SIG$3" || not_ok "$1 exited $rc: $(tail -3 "$OUT/$1.stderr")"
  fi
}

# ---- stop: SIGTERM, a gap, take over --------------------------------
d=$w/stop
agent A
A=$pid
writer "$d" 0.01
W=$wpid
sleep 1
stopped A "$A" TERM
t_exit=$(now)
at_exit=$(written "$d")
[ -n "$(ls "$pins/links" 2>/dev/null)" ] && ok "A left its links pinned" || not_ok "no pinned link under $pins"
if [ "$backend" = lsm ]; then
  # with no agent running, the guard's pinned links still refuse the pod
  # any change to bpffs (docs/operations.md, Restarts)
  l=$(ls "$pins/links" | head -n 1)
  sh -c 'echo $$ >"$0/cgroup.procs" && exec rm -f "$1"' "$pod" "$pins/links/$l" 2>/dev/null
  [ -e "$pins/links/$l" ] && ok "gap: the pod cannot remove the pin links/$l" ||
    not_ok "gap: the pod removed $pins/links/$l"
fi
sleep 1.5
t_start=$(now)
at_start=$(written "$d")
agent B
B=$pid
if [ "$backend" = lsm ]; then
  # the guard protects the agent that took over, not the one that loaded
  # the programs: from the pod, B cannot be signalled or traced; from the
  # host it can (the probe works)
  probe=$(dirname "$SABPF")/progs/guardprobe
  for act in kill ptrace; do
    r=$(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$pod" "$probe" $act "$B" 2>&1)
    case "$r" in
    *"errno=1 EPERM"*) ok "B (pid $B, the new agent) is guarded: $act from the pod: $r" ;;
    *) not_ok "B is not guarded after the restart: $act from the pod: $r" ;;
    esac
  done
  r=$("$probe" kill "$B" 2>&1)
  [ "$r" = "kill $B: ok" ] && ok "the same signal from the host reaches B ($r)" || not_ok "kill from the host: $r"
fi
sleep 1
touch "$d/stop"
wait "$W"
sleep 0.3
stopped B "$B" TERM
drained=$(sed -n 's/^sabpf: took over the pinned kernel side: drained \([0-9]*\) records.*(at \([0-9.]*\))$/\1 \2/p' "$OUT/B.stderr")
[ -n "$drained" ] && ok "B took over the pinned kernel side ($drained)" || not_ok "B did not say it took over: $(cat "$OUT/B.stderr")"
set -- $drained
[ "${1:-0}" -gt 0 ] && ok "B drained the $1 records of the gap" || not_ok "B drained no record"
[ -n "${2:-}" ] && awk -v e="$t_exit" -v s="$t_start" -v d="$2" 'BEGIN {
  printf "stop: A exit to B drained %.3f s (of which no agent %.3f s, B start to drained %.3f s)\n", d - e, s - e, d - s }' >>"$OUT/restart-gap.txt"
[ "$at_start" -gt "$at_exit" ] && ok "the container wrote during the gap (f.$((at_exit + 1)) to f.$at_start)" ||
  not_ok "no write during the gap ($at_exit, $at_start)"
set -- $(writes "$d" "$OUT/A.jsonl" "$OUT/B.jsonl")
[ "$1" -gt 0 ] && [ "$2" -eq "$1" ] && [ "$3" -eq 0 ] && [ "$4" -eq 0 ] &&
  ok "each of the $1 numbered writes is in A's or B's output exactly once" ||
  not_ok "writes: $1 made, $2 once, $3 more than once, $4 absent"
s=$OUT/B.stats.json
[ "$(field "$s" seq_missing)" = 0 ] && [ "$(field "$s" lost)" = 0 ] && [ "$(field "$s" kernel_lost)" = 0 ] &&
  ok "B's sequence (carried on from A's) misses nothing, nothing lost" ||
  not_ok "B's stats: $(cat "$s")"
agent C --unpin
C=$pid
sleep 0.5
stopped C "$C" TERM
[ ! -e "$pins" ] && ok "--unpin removed $pins" || not_ok "$pins is still there: $(ls -R "$pins")"
[ "$(field "$OUT/C.stats.json" seq_missing)" = 0 ] && ok "C's final accounting misses nothing" ||
  not_ok "C's stats: $(cat "$OUT/C.stats.json")"

if [ "$cases" = all ]; then
# ---- crash: SIGKILL ---------------------------------------------------
d=$w/crash
agent KA
A=$pid
writer "$d" 0.01
W=$wpid
sleep 1.5
stopped KA "$A" KILL
t_exit=$(now)
sleep 1
agent KB
B=$pid
sleep 1
touch "$d/stop"
wait "$W"
sleep 0.3
stopped KB "$B" TERM
set -- $(writes "$d" "$OUT/KA.jsonl.tmp" "$OUT/KB.jsonl")
missing=$(field "$OUT/KB.stats.json" seq_missing)
[ "$1" -gt 0 ] && [ "$3" -eq 0 ] && [ "$4" -le "${missing:-0}" ] &&
  ok "crash: of $1 writes none twice; the $4 absent are at most the $missing counted missing" ||
  not_ok "crash: writes: $1 made, $2 once, $3 more than once, $4 absent; seq_missing $missing"
[ "$(field "$OUT/KB.stats.json" lost)" = 0 ] && ok "crash: no ring loss" || not_ok "crash: KB's stats: $(cat "$OUT/KB.stats.json")"
d=$(sed -n 's/.*(at \([0-9.]*\))$/\1/p' "$OUT/KB.stderr")
[ -n "$d" ] && awk -v e="$t_exit" -v d="$d" 'BEGIN { printf "crash: A killed to B drained %.3f s\n", d - e }' >>"$OUT/restart-gap.txt"
rm -rf "$pins"

# ---- overflow: a 4 KiB ring and a burst during the gap -----------------
d=$w/overflow
agent OA --ring-size 4096
A=$pid
writer "$d" 0.05
W=$wpid
sleep 1
stopped OA "$A" TERM
touch "$d/stop"
wait "$W"
rm -f "$d/stop"
writer "$d.burst" 0 # the burst, with no agent: far more than 4 KiB of records
sleep 0.5
touch "$d.burst/stop"
wait "$wpid"
rm -f "$d.burst/stop"
agent OB --ring-size 4096
B=$pid
writer "$d.more" 0.05 # a little more, so that the kernel writes LOST records
W=$wpid
sleep 1
touch "$d.more/stop"
wait "$W"
sleep 0.3
stopped OB "$B" TERM
set -- $(writes "$d.burst" "$OUT/OA.jsonl" "$OUT/OB.jsonl")
[ "$4" -gt 0 ] && [ "$3" -eq 0 ] && ok "overflow: $4 of $1 burst writes are absent (the checks can fail), none twice" ||
  not_ok "overflow: writes: $1 made, $2 once, $3 more than once, $4 absent"

# a DIR of other settings is refused, with the way out
"$SABPF" audit --backend "$backend" --cgroup "$pod" --pin "$pins" --ring-size 8192 -o "jsonl:$OUT/X.jsonl" \
  --duration 1 >/dev/null 2>"$OUT/X.stderr"
rc=$?
[ "$rc" -ne 0 ] && grep -q 'other settings' "$OUT/X.stderr" && ok "another --ring-size on the same DIR is refused" ||
  not_ok "another --ring-size: exit $rc: $(cat "$OUT/X.stderr")"
agent OC --ring-size 4096 --unpin
stopped OC "$pid" TERM
[ ! -e "$pins" ] && ok "overflow: --unpin removed $pins" || not_ok "$pins is still there"
# the kernel reports a CPU's losses at that CPU's next record, or the last
# agent (--unpin) at the end: over OA, OB and OC (OA's small ring may
# overflow too), every loss once, exactly
s=$OUT/OC.stats.json
lost=$(($(field "$OUT/OA.stats.json" lost_ring) + $(field "$OUT/OB.stats.json" lost_ring) + $(field "$s" lost_ring)))
[ "$lost" -gt 0 ] && [ "$(field "$s" seq_missing)" = "$lost" ] && [ "$(field "$s" kernel_lost)" = "$lost" ] &&
  ok "overflow: the loss is reported exactly: $lost LOST = seq_missing = the kernel's count" ||
  not_ok "overflow: OA's, OB's, OC's stats: $(cat "$OUT/OA.stats.json" "$OUT/OB.stats.json" "$s")"

fi # all cases

# the agent's test builds (make variants; the VM image has them beside
# build/sabpf): required, never skipped
v=$(dirname "$SABPF")/variant
UPGRADE_SABPF=${UPGRADE_SABPF:-$v/next/sabpf}
LAYOUT_SABPF=${LAYOUT_SABPF:-$v/layout/sabpf}
if [ ! -x "$UPGRADE_SABPF" ] || [ ! -x "$LAYOUT_SABPF" ]; then
  not_ok "upgrade: no test builds $UPGRADE_SABPF, $LAYOUT_SABPF (make variants)"
else
# ---- upgrade: an agent of another build takes the side over in place ----
# UA (this build) stopped, UB (UPGRADE_SABPF: same map layout) loads its
# programs beside UA's, hands over in one build_map update, removes UA's:
# every write of a writer running throughout is in UA's or UB's output
# exactly once. With no agent, build_map set to no build for 0.5 s: the
# writes of that time are absent (the gate works: the negative control of
# the exactly-once check). Then LAYOUT_SABPF (a map of another size) is refused,
# naming the map, and the side records on: UC (this build again: an
# upgrade back) finds every write made meanwhile. A links-next left by an
# upgrade that never handed over is dropped by the next agent.
rm -rf "$pins"
d=$w/upgrade
agent UA
A=$pid
writer "$d" 0.01
W=$wpid
sleep 1
stopped UA "$A" TERM
# both builds' programs attached for 0.5 s before the hand-over: ~50
# writes that would be recorded twice if both recorded
AGENT_BIN=$UPGRADE_SABPF
export SABPF_TEST_UPGRADE_PAUSE_MS=500
agent UB
unset AGENT_BIN SABPF_TEST_UPGRADE_PAUSE_MS
B=$pid
grep -q '^sabpf: upgraded the pinned kernel side in place: build [0-9a-f]* -> [0-9a-f]*$' "$OUT/UB.stderr" &&
  ok "UB says it upgraded in place: $(grep upgraded "$OUT/UB.stderr")" || not_ok "UB did not upgrade: $(cat "$OUT/UB.stderr")"
sleep 1
[ ! -e "$pins/links-next" ] && [ ! -e "$pins/maps-next" ] && ok "no links-next or maps-next left" ||
  not_ok "left: $(ls "$pins")"
# the old programs are freed once detached (after an RCU grace period,
# seconds under TCG)
i=0
while n=$(bpftool prog show 2>/dev/null | grep -c 'name trace_sys_exit \|name on_task_alloc ') &&
  [ "$n" -ne 1 ] && [ $i -lt 100 ]; do
  sleep 0.2
  i=$((i + 1))
done
[ "$n" -eq 1 ] && ok "one build's programs are loaded after the hand-over" || not_ok "$n dispatcher programs loaded"
# the gate itself: while build_map names no build the programs are of,
# they record nothing (no agent runs meanwhile; the writer goes on)
active=$(bpftool -j map dump pinned "$pins/maps/build_map" | sed -n 's/.*"value":\([0-9]*\).*/\1/p')
stopped UB "$B" TERM
# the writes made while bpftool switches are either: before each switch
# and after it, the count of writes made so far
p0=$(written "$d")
bpftool map update pinned "$pins/maps/build_map" key 0 0 0 0 value 1 0 0 0 0 0 0 0
p1=$(written "$d")
sleep 0.5
q0=$(written "$d")
bpftool map update pinned "$pins/maps/build_map" key 0 0 0 0 value $(printf '%016x' "$active" |
  sed 's/\(..\)/\1 /g' | awk '{ for (i = NF; i > 0; i--) printf "0x%s ", $i }')
q1=$(written "$d")
[ "$(bpftool -j map dump pinned "$pins/maps/build_map" | sed -n 's/.*"value":\([0-9]*\).*/\1/p')" = "$active" ] &&
  ok "build_map restored to the active build ($active)" || not_ok "build_map not restored: $(bpftool map dump pinned "$pins/maps/build_map")"
"$LAYOUT_SABPF" audit --backend "$backend" --cgroup "$pod" --pin "$pins" -o "jsonl:$OUT/UL.jsonl" \
  --duration 1 >/dev/null 2>"$OUT/UL.stderr"
rc=$?
[ "$rc" -ne 0 ] && grep -q 'whose map scope_failed differs' "$OUT/UL.stderr" &&
  ok "a build with another map layout is refused, naming the map" ||
  not_ok "layout build: exit $rc: $(cat "$OUT/UL.stderr")"
# a half-made upgrade of the last agent (never handed over): dropped
mkdir -p "$pins/links-next" && bpftool map pin name build_map "$pins/links-next/stale" 2>/dev/null
agent UC
C=$pid
[ ! -e "$pins/links-next" ] && ok "UC dropped the links-next of an upgrade that never handed over" ||
  not_ok "links-next is still there: $(ls "$pins/links-next")"
grep -q 'upgraded the pinned kernel side in place' "$OUT/UC.stderr" && ok "UC (this build) upgraded back in place" ||
  not_ok "UC did not upgrade back: $(cat "$OUT/UC.stderr")"
sleep 1
touch "$d/stop"
wait "$W"
sleep 0.3
stopped UC "$C" TERM
# per numbered write, how many write records: those made while build_map
# named no build (after the first switch returned, before the second
# began: f.$((p1 + 2)) to f.$q0) absent, those before the first switch
# began or after the second returned once, those in between either. A
# file opened just before an agent stopped and written just after has its
# write in the next agent's output under its node id ("node:ID": the name
# went to the agent that stopped, docs/operations.md): such writes are
# counted, and as many files may lack a write by name, no more.
n=$(written "$d")
unnamed=$(cat "$OUT/UB.jsonl" "$OUT/UC.jsonl" | grep '"action":"write"' | grep -c '"object":"node:')
bad=$(cat "$OUT/UA.jsonl" "$OUT/UB.jsonl" "$OUT/UC.jsonl" | grep '"action":"write"' |
  grep -o "\"object\":\"$d/f\.[0-9]*\"" | sed 's/.*f\.\([0-9]*\)"/\1/' | sort -n | uniq -c |
  awk -v n="$n" -v p0="$p0" -v p1="$p1" -v q0="$q0" -v q1="$q1" -v unnamed="$unnamed" '{ c[$2] = $1 } END {
    for (i = 1; i <= n; i++) {
      if (i <= p0 || i > q1 + 1) want = 1; else if (i > p1 + 1 && i <= q0) want = 0; else continue
      if (want == 1 && (c[i] + 0) == 0 && unnamed > 0) { unnamed--; continue }
      if ((c[i] + 0) != want) printf "f.%d: %d records (want %d); ", i, c[i] + 0, want
    } }')
[ "$n" -gt 0 ] && [ "$q0" -gt $((p1 + 5)) ] && [ -z "$bad" ] &&
  ok "upgrade: of $n numbered writes, each in UA's, UB's or UC's output exactly once, but the $((q0 - p1 - 1)) made while build_map named no build: absent" ||
  not_ok "upgrade: $n writes, off from f.$p0/$p1 to f.$q0/$q1: $bad"
for n in UB UC; do
  s=$OUT/$n.stats.json
  [ "$(field "$s" seq_missing)" = 0 ] && [ "$(field "$s" lost)" = 0 ] && [ "$(field "$s" kernel_lost)" = 0 ] &&
    ok "$n's sequence (carried on across the upgrade) misses nothing, nothing lost" ||
    not_ok "$n's stats: $(cat "$s")"
done
rm -rf "$pins"
fi # upgrade

cat "$OUT/restart-gap.txt"
rm -rf "$pins"
rmdir "$pod" 2>/dev/null
rm -rf "$w"
[ "$fails" -eq 0 ]
