#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 900
# 30-scope.sh: `sabpf audit` of existing cgroups, each with its own record
# classes: tasks outside produce nothing, a cgroup made under an audited one
# after registration is covered before its first exec, and containers are
# added and removed through the control socket while another stays audited.
# A pod whose containers (child cgroups, with processes in them) existed
# before the agent started is audited whole, by --cgroup and by ctl add, and
# ctl remove takes the whole pod out; a nested container added and removed
# gives its subtree back to the pod. A tiny --scope-size: cgroups left out
# of scope are counted exactly and reported; registrations that do not fit
# fail, naming the cgroup and the option. The control socket refuses
# requests from audited cgroups and is not stolen by a second agent.
# Checked by tests/integration/test_scope.py.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
exercise=$(dirname "$SABPF")/progs/exercise
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
ctl=/run/sabpf-test.sock
for d in pod-a pod-b pod-c outside pod-p pod-p/c1 pod-p/c2 pod-p/c2/inner pod-r pod-r/r1 pod-q; do
  mkdir -p "$cg/$d"
done
for d in a b out late c1 c2 a2 a3; do mkdir -p "/tmp/scope-$d"; done
echo "$cg" >"$OUT/cgroot"

# run_in CGROUP NAME ARGS...: runs exercise ARGS in CGROUP, pid saved as NAME
run_in() {
  cgdir=$1 name=$2
  shift 2
  sh -c 'echo $$ > "$0/cgroup.procs" && echo $$ > "$1" && shift && exec "$@"' \
    "$cgdir" "$OUT/pid-$name" "$exercise" "$@" >"$OUT/$name.txt" 2>&1 ||
    not_ok "exercise $* in $cgdir failed: $(cat "$OUT/$name.txt")"
}

# waiter CGROUP NAME: a process moved into CGROUP before any agent runs; at
# each of phases 1 to 4 it waits for a line on its fifo, then writes
# /tmp/pre-NAME-N (its pid in $OUT/pid-pre-NAME). The fifo is held open for
# reading and writing (opening it never blocks) and read with a time-out
# (a line is never missed), all in the shell itself: no other process.
waiters="c1 c2 inner r1 q"
waiter() {
  rm -f "/tmp/fifo-$2" "/tmp/pre-$2-"*
  mkfifo "/tmp/fifo-$2"
  sh -c 'echo $$ > "$0/cgroup.procs" && echo $$ > "$1" || exit 1
         exec 3<> "/tmp/fifo-$2"
         for ph in 1 2 3 4; do
           until read -t 1 x <&3; do :; done
           echo "$ph" > "/tmp/pre-$2-$ph"
         done' \
    "$1" "$OUT/pid-pre-$2" "$2" &
}
# phase N: wakes every waiter once, and waits until each wrote its file
phase() {
  before=$fails
  for w in $waiters; do
    timeout 20 sh -c 'echo go > "$0"' "/tmp/fifo-$w"
    rc=$?
    [ $rc -eq 0 ] || not_ok "waiter $w did not wake for phase $1 (rc $rc)"
    i=0
    while [ ! -e "/tmp/pre-$w-$1" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    [ -e "/tmp/pre-$w-$1" ] || not_ok "waiter $w wrote nothing in phase $1"
  done
  [ "$fails" -eq "$before" ] && ok "phase $1: every waiter woke and wrote its file"
}
# ctl_ok NAME ARGS...: a ctl request that must succeed; answer in $OUT/NAME
ctl_ok() {
  name=$1
  shift
  "$SABPF" ctl --control "$ctl" "$@" >"$OUT/$name" 2>&1 && ok "ctl $*" || not_ok "ctl $*: $(cat "$OUT/$name")"
}
# wait_socket PATH AGENT_PID STDERR
wait_socket() {
  i=0
  while [ ! -S "$1" ] && [ $i -lt 900 ] && kill -0 "$2" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
  [ -S "$1" ] && ok "agent listening on $1" || not_ok "no control socket $1: $(cat "$3")"
}

# The pods' containers exist, with a process each, before the agent starts.
waiter "$cg/pod-p/c1" c1
waiter "$cg/pod-p/c2" c2
waiter "$cg/pod-p/c2/inner" inner
waiter "$cg/pod-r/r1" r1
waiter "$cg/pod-q" q
sleep 1
for w in $waiters; do
  [ -s "$OUT/pid-pre-$w" ] || not_ok "waiter $w did not start"
done

"$SABPF" audit --cgroup "$cg/pod-a" --cgroup "$cg/pod-b:file" --cgroup "$cg/pod-p" --control "$ctl" \
  -o "jsonl:$OUT/audit.jsonl" -o "prov:$OUT/audit.prov.json" --stats "$OUT/stats.json" \
  >"$OUT/stdout" 2>"$OUT/stderr" &
agent=$!
echo "$agent" >"$OUT/agent_pid"
wait_socket "$ctl" "$agent" "$OUT/stderr"

run_in "$cg/pod-a" a files /tmp/scope-a
run_in "$cg/pod-b" b files /tmp/scope-b
run_in "$cg/outside" out files /tmp/scope-out
mkdir "$cg/pod-a/late"
run_in "$cg/pod-a/late" late files /tmp/scope-late

# the existing pods: pod-p by --cgroup (above), pod-r by ctl add
ctl_ok ctl-add-r.txt add "$cg/pod-r"
phase 1
# a container nested in the audited pod-p, registered on its own (file
# records only), then removed: its subtree goes back to pod-p
ctl_ok ctl-add-c2.txt add "$cg/pod-p/c2:file"
phase 2
"$SABPF" ctl --control "$ctl" remove "$cg/pod-p/c2/inner" >"$OUT/ctl-remove-inner.txt" 2>&1 &&
  not_ok "ctl remove of a cgroup inside a container succeeded" || ok "ctl remove of a cgroup inside a container fails"
ctl_ok ctl-remove-c2.txt remove "$cg/pod-p/c2"
phase 3
ctl_ok ctl-remove-p.txt remove "$cg/pod-p"
ctl_ok ctl-remove-r.txt remove "$cg/pod-r"
phase 4
ls /tmp/pre-* >"$OUT/pre-files.txt" 2>&1

"$SABPF" ctl --control "$ctl" add "$cg/pod-c" >"$OUT/ctl-add.txt" 2>&1 && ok "ctl add pod-c" ||
  not_ok "ctl add: $(cat "$OUT/ctl-add.txt")"
run_in "$cg/pod-c" c1 files /tmp/scope-c1
"$SABPF" ctl --control "$ctl" list >"$OUT/ctl-list.txt" 2>&1 && ok "ctl list" || not_ok "ctl list failed"
"$SABPF" ctl --control "$ctl" remove "$cg/pod-c" >"$OUT/ctl-remove.txt" 2>&1 && ok "ctl remove pod-c" ||
  not_ok "ctl remove: $(cat "$OUT/ctl-remove.txt")"
run_in "$cg/pod-c" c2 files /tmp/scope-c2
run_in "$cg/pod-a" a2 files /tmp/scope-a2
"$SABPF" ctl --control "$ctl" remove "$cg/outside" >"$OUT/ctl-bad.txt" 2>&1 &&
  not_ok "removing a cgroup that is not audited succeeded" || ok "ctl remove of an unaudited cgroup fails"

# From inside an audited cgroup, asking the agent to drop it is refused
# (and the container stays audited: a3 below).
sh -c 'echo $$ > "$0/cgroup.procs" && exec "$1" ctl --control "$2" remove "$0"' \
  "$cg/pod-a" "$SABPF" "$ctl" >"$OUT/ctl-from-inside.txt" 2>&1 &&
  not_ok "ctl remove from inside pod-a succeeded" || ok "ctl remove from inside pod-a fails"
# A second agent on the same control socket fails, and leaves it to the first.
"$SABPF" audit --cgroup "$cg/outside" --control "$ctl" -o "jsonl:$OUT/second.jsonl" --duration 5 \
  >"$OUT/second.stdout" 2>"$OUT/second.stderr"
echo $? >"$OUT/second.rc"
"$SABPF" ctl --control "$ctl" list >"$OUT/ctl-list2.txt" 2>&1 && ok "first agent still answers" ||
  not_ok "first agent lost its socket: $(cat "$OUT/ctl-list2.txt")"
run_in "$cg/pod-a" a3 files /tmp/scope-a3

sleep 0.5
kill -INT "$agent"
wait "$agent"
rc=$?
if [ "$rc" -eq 0 ]; then ok "agent stops cleanly on SIGINT"; else not_ok "agent exited $rc: $(tail -3 "$OUT/stderr")"; fi
[ -e "$ctl" ] && not_ok "control socket left behind" || ok "control socket removed"

# ---- a tiny scope map ----
# pod-s alone takes 1 of 4 entries; of six cgroups made under it after
# registration, k1-k3 fit and k4-k6 are counted as left out of scope.
for d in pod-s pod-t pod-t/t1 pod-t/t2; do mkdir -p "$cg/$d"; done
mkdir -p /tmp/scope-k2 /tmp/scope-k5
ctl2=/run/sabpf-test2.sock
"$SABPF" audit --scope-size 4 --cgroup "$cg/pod-s" --control "$ctl2" -o "jsonl:$OUT/small.jsonl" \
  --stats "$OUT/small-stats.json" >"$OUT/small.stdout" 2>"$OUT/small.stderr" &
small=$!
wait_socket "$ctl2" "$small" "$OUT/small.stderr"
for k in k1 k2 k3 k4 k5 k6; do mkdir "$cg/pod-s/$k"; done
run_in "$cg/pod-s/k2" k2 files /tmp/scope-k2
run_in "$cg/pod-s/k5" k5 files /tmp/scope-k5
# pod-t and its two children need 3 entries: none is free
"$SABPF" ctl --control "$ctl2" add "$cg/pod-t" >"$OUT/small-add-full.txt" 2>&1 &&
  not_ok "ctl add into a full scope map succeeded" || ok "ctl add into a full scope map fails"
"$SABPF" ctl --control "$ctl2" list >"$OUT/small-list.txt" 2>&1
# removed cgroups free their entries: then pod-t fits
for k in k1 k2 k3; do rmdir "$cg/pod-s/$k"; done
"$SABPF" ctl --control "$ctl2" add "$cg/pod-t" >"$OUT/small-add-ok.txt" 2>&1 &&
  ok "ctl add fits once cgroups were removed" || not_ok "ctl add after rmdir: $(cat "$OUT/small-add-ok.txt")"
sleep 1.5 # the agent reports new failures once a second
kill -INT "$small"
wait "$small"
echo $? >"$OUT/small.rc"
ok "small agent stopped ($(cat "$OUT/small.rc"))"

# At start-up: pod-t does not fit in 2 entries; audit fails and says why.
"$SABPF" audit --scope-size 2 --cgroup "$cg/pod-t" -o "jsonl:$OUT/tiny.jsonl" --duration 5 \
  >"$OUT/tiny.stdout" 2>"$OUT/tiny.stderr"
echo $? >"$OUT/tiny.rc"
ok "start-up registration into a tiny map ran ($(cat "$OUT/tiny.rc"))"
# bad values of --scope-size
for v in 0 abc -4 1048577 4k; do
  "$SABPF" audit --scope-size "$v" --cgroup "$cg/pod-t" --duration 1 >/dev/null 2>>"$OUT/badsize.txt"
  echo "$v $?" >>"$OUT/badsize.rc"
done

for w in $waiters; do rm -f "/tmp/fifo-$w"; done
for d in pod-s/k4 pod-s/k5 pod-s/k6 pod-s pod-t/t1 pod-t/t2 pod-t pod-a/late pod-a pod-b pod-c outside \
  pod-p/c2/inner pod-p/c2 pod-p/c1 pod-p pod-r/r1 pod-r pod-q; do
  rmdir "$cg/$d" 2>/dev/null
done
exit "$fails"
