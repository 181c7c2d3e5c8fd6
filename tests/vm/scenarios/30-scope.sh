#!/bin/sh
# 30-scope.sh: `sabpf audit` of existing cgroups, each with its own record
# classes: tasks outside produce nothing, a cgroup made under an audited one
# after registration is covered before its first exec, and containers are
# added and removed through the control socket while another stays audited.
# Checked by tests/integration/test_scope.py.
# timeout: 240

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
exercise=$(dirname "$SABPF")/progs/exercise
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
ctl=/run/sabpf-test.sock
for d in pod-a pod-b pod-c outside; do mkdir -p "$cg/$d"; done
for d in a b out late c1 c2 a2; do mkdir -p "/tmp/scope-$d"; done

# run_in CGROUP NAME ARGS...: runs exercise ARGS in CGROUP, pid saved as NAME
run_in() {
  cgdir=$1 name=$2
  shift 2
  sh -c 'echo $$ > "$0/cgroup.procs" && echo $$ > "$1" && shift && exec "$@"' \
    "$cgdir" "$OUT/pid-$name" "$exercise" "$@" >"$OUT/$name.txt" 2>&1 ||
    not_ok "exercise $* in $cgdir failed: $(cat "$OUT/$name.txt")"
}

"$SABPF" audit --cgroup "$cg/pod-a" --cgroup "$cg/pod-b:file" --control "$ctl" \
  -o "jsonl:$OUT/audit.jsonl" -o "prov:$OUT/audit.prov.json" --stats "$OUT/stats.json" \
  >"$OUT/stdout" 2>"$OUT/stderr" &
agent=$!
echo "$agent" >"$OUT/agent_pid"
i=0
while [ ! -S "$ctl" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$ctl" ] && ok "agent listening on its control socket" || not_ok "no control socket after 60s: $(cat "$OUT/stderr")"

run_in "$cg/pod-a" a files /tmp/scope-a
run_in "$cg/pod-b" b files /tmp/scope-b
run_in "$cg/outside" out files /tmp/scope-out
mkdir "$cg/pod-a/late"
run_in "$cg/pod-a/late" late files /tmp/scope-late

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

sleep 0.5
kill -INT "$agent"
wait "$agent"
rc=$?
if [ "$rc" -eq 0 ]; then ok "agent stops cleanly on SIGINT"; else not_ok "agent exited $rc: $(tail -3 "$OUT/stderr")"; fi
[ -e "$ctl" ] && not_ok "control socket left behind" || ok "control socket removed"
for d in pod-a/late pod-a pod-b pod-c outside; do rmdir "$cg/$d" 2>/dev/null; done
exit "$fails"
