#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 60
# 21-trace-scope.sh: the trace dispatcher's scope decision follows the task
# exactly (bpf/trace.bpf.c: it remembers, per CPU, the cgroups'
# scope_map entries, until the agent changes scope_map). One shell, pinned to
# CPU 0 so that it meets what its own calls left there, writes files:
#   before-add   in cgroup B, not audited yet (absent)
#   after-add    in B, after `sabpf ctl add B` (recorded: the add voids the
#                miss remembered for B; without that step it stays absent)
#   after-remove in B, after `sabpf ctl remove B` (absent: the removal voids
#                the entry remembered for B; without that step it is there)
#   in-other     in cgroup C, never audited (absent)
#   moved-in     after moving itself from C into the audited pod (recorded)
#   moved-down   after moving into pod/late, made after the start (recorded)
#   forked       by a child it forks there (recorded)
#   moved-out    after moving itself back to C (absent: out of scope at once)
# Checked by tests/native/test_trace_scope.py.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
pod="$cg/sabpf-native-scope-pod.$$"
b="$cg/sabpf-native-scope-b.$$"
c="$cg/sabpf-native-scope-c.$$"
mkdir -p "$pod" "$b" "$c"
w=$(mktemp -d /tmp/sabpf-native.XXXXXX)
echo "$w" >"$OUT/workdir"
ctl="$w/ctl.sock"
mkfifo "$w/go" "$w/go2"
agent=""
shell=""
cleanup() {
  [ -n "$shell" ] && kill "$shell" 2>/dev/null
  [ -n "$agent" ] && kill -INT "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
  rmdir "$pod/late" "$pod" "$b" "$c" 2>/dev/null
  rm -rf "$w"
}
trap cleanup EXIT

"$SABPF" audit --backend trace --cgroup "$pod" --control "$ctl" -o "jsonl:$OUT/audit.jsonl" \
  -o "prov:$OUT/audit.prov.json" --stats "$OUT/stats.json" >"$OUT/stdout" 2>"$OUT/stderr" &
agent=$!
i=0
while ! grep -q '^sabpf: auditing' "$OUT/stderr" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
grep -q '^sabpf: auditing' "$OUT/stderr" && ok "agent attached" || not_ok "agent never said it was auditing: $(cat "$OUT/stderr")"
mkdir "$pod/late"

# the shell: builtins only between the steps, so every write is its own
# (same task, same CPU)
taskset -c 0 sh -c '
  w=$0 pod=$1 b=$2 c=$3
  echo $$ >"$b/cgroup.procs"
  for i in 1 2 3 4 5 6 7 8; do echo x >"$w/before-add.txt"; done
  read go <"$w/go"
  for i in 1 2 3 4 5 6 7 8; do echo x >"$w/after-add.txt"; done
  read go <"$w/go2"
  echo x >"$w/after-remove.txt"
  echo $$ >"$c/cgroup.procs"
  for i in 1 2 3 4 5 6 7 8; do echo x >"$w/in-other.txt"; done
  echo $$ >"$pod/cgroup.procs"
  echo x >"$w/moved-in.txt"
  echo $$ >"$pod/late/cgroup.procs"
  echo x >"$w/moved-down.txt"
  sh -c "echo x >\"$w/forked.txt\""
  echo $$ >"$c/cgroup.procs"
  echo x >"$w/moved-out.txt"
  echo done >"$w/done"
' "$w" "$pod" "$b" "$c" &
shell=$!
i=0
while [ ! -s "$w/before-add.txt" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.2 # the loop of writes ends; the shell then waits on the fifo
"$SABPF" ctl --control "$ctl" add "$b" >"$OUT/ctl-add.txt" 2>&1 && ok "ctl add of cgroup B" ||
  not_ok "ctl add failed: $(cat "$OUT/ctl-add.txt")"
echo go >"$w/go"
i=0
while [ ! -s "$w/after-add.txt" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.2
"$SABPF" ctl --control "$ctl" remove "$b" >"$OUT/ctl-remove.txt" 2>&1 && ok "ctl remove of cgroup B" ||
  not_ok "ctl remove failed: $(cat "$OUT/ctl-remove.txt")"
echo go >"$w/go2"
wait "$shell"
shell=""
[ -f "$w/done" ] && ok "the shell went through every step" || not_ok "the shell stopped early"
sleep 0.3
kill -INT "$agent"
wait "$agent"
rc=$?
agent=""
[ "$rc" -eq 0 ] && ok "agent stops cleanly on SIGINT" || not_ok "agent exited $rc: $(tail -3 "$OUT/stderr")"
for f in before-add after-add after-remove in-other moved-in moved-down forked moved-out; do
  [ -f "$w/$f.txt" ] || not_ok "$f.txt was not written"
done
[ "$fails" -eq 0 ]
