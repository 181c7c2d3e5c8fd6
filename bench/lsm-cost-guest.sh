#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# lsm-cost-guest.sh: one half of the LSM backend's native cost estimate
# (bench/lsm-cost.sh runs it in the test VM and natively). For each backend
# in LSMCOST_BACKENDS (default "trace lsm"): an agent audits a fresh cgroup
# with --metrics, a busybox shell in that cgroup runs LSMCOST_N iterations
# of `cat /etc/hostname` plus a write to a file (fork, exec, open, read,
# write, close, exit), and the agent's /metrics page, with each program's
# run count and run time (kernel.bpf_stats_enabled on for the run, its old
# value put back), is saved as $OUT/cost-BACKEND.prom. Runs under
# tests/vm/run.sh --script (SABPF, OUT set) or natively with the same
# variables and busybox's sh. TAP-like lines; exits non-zero on a failure.
n=${LSMCOST_N:-2000}
backends=${LSMCOST_BACKENDS:-trace lsm}
fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
fetch() { # fetch URL FILE
  if command -v curl >/dev/null; then curl -s -o "$2" "$1"; else busybox wget -q -O "$2" "$1"; fi
}
stats=/proc/sys/kernel/bpf_stats_enabled
old=$(cat "$stats")
echo 1 >"$stats"
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
tmp=$(mktemp -d /tmp/lsmcost.XXXXXX)
for b in $backends; do
  dir="$cg/sabpf-lsmcost-$b.$$"
  mkdir -p "$dir"
  "$SABPF" audit --backend "$b" --cgroup "$dir" --metrics 127.0.0.1:0 -o "jsonl:$tmp/$b.jsonl" \
    2>"$OUT/agent-$b.err" &
  agent=$!
  i=0
  while ! grep -q '^sabpf: auditing' "$OUT/agent-$b.err" 2>/dev/null && [ $i -lt 6000 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  url=$(sed -n 's|^sabpf: metrics at \(http://[0-9.:]*\)/metrics$|\1|p' "$OUT/agent-$b.err")
  if [ -z "$url" ]; then
    not_ok "$b: the agent did not start: $(tail -2 "$OUT/agent-$b.err")"
    kill "$agent" 2>/dev/null
    wait "$agent"
    rmdir "$dir"
    continue
  fi
  start=$(date +%s)
  busybox sh -c 'echo $$ >"$0/cgroup.procs" && i=0 && while [ $i -lt "$1" ]; do
      busybox cat /etc/hostname >/dev/null; echo $i >"$2/w"; i=$((i + 1)); done' "$dir" "$n" "$tmp"
  echo "# $b: $n iterations in $(($(date +%s) - start)) s"
  sleep 1.5 # the page is rendered once a second
  fetch "$url/metrics" "$OUT/cost-$b.prom"
  kill -INT "$agent"
  wait "$agent"
  rmdir "$dir" 2>/dev/null
  runs=$(awk '/^sabpf_bpf_program_runs_total/ { s += $2 } END { print s + 0 }' "$OUT/cost-$b.prom")
  # the loop alone makes 2n execs and 4n files opened: far more program runs
  [ "$runs" -ge $((2 * n)) ] && ok "$b: $runs program runs recorded with bpf_stats on" ||
    not_ok "$b: only $runs program runs on the page (expected at least $((2 * n)))"
done
echo "$old" >"$stats"
rm -rf "$tmp"
[ "$fails" -eq 0 ]
