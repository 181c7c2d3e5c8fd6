#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 60
# 20-trace-audit.sh: `sabpf audit --backend trace --cgroup` natively: a
# process moved into an audited cgroup, and one in a cgroup made under it
# after the agent started (the in-kernel inheritance at cgroup_mkdir), are
# recorded; one in a sibling cgroup is not (negative control). Checked by
# tests/native/test_trace_audit.py.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
pod="$cg/sabpf-native-pod.$$"
sib="$cg/sabpf-native-sibling.$$"
mkdir -p "$pod" "$sib"
w=$(mktemp -d /tmp/sabpf-native.XXXXXX)
echo "$w" >"$OUT/workdir"

# run_in CGROUP FILE: writes FILE from a shell moved into CGROUP
run_in() {
  sh -c 'echo $$ >"$0/cgroup.procs" && exec sh -c "echo data >\"\$0\"; cat \"\$0\" >/dev/null" "$1"' "$1" "$2"
}

"$SABPF" audit --backend trace --cgroup "$pod" -o "jsonl:$OUT/audit.jsonl" \
  -o "prov:$OUT/audit.prov.json" --stats "$OUT/stats.json" >"$OUT/stdout" 2>"$OUT/stderr" &
agent=$!
i=0
while ! grep -q '^sabpf: auditing' "$OUT/stderr" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
grep -q '^sabpf: auditing' "$OUT/stderr" && ok "agent attached" || not_ok "agent never said it was auditing: $(cat "$OUT/stderr")"

run_in "$pod" "$w/in-pod.txt"
mkdir "$pod/late"
run_in "$pod/late" "$w/in-late.txt"
run_in "$sib" "$w/in-sibling.txt"
sleep 0.3
kill -INT "$agent"
wait "$agent"
rc=$?
[ "$rc" -eq 0 ] && ok "agent stops cleanly on SIGINT" || not_ok "agent exited $rc: $(tail -3 "$OUT/stderr")"
grep -q '^sabpf: backend: trace$' "$OUT/stderr" && ok "audit says which backend at start" ||
  not_ok "no 'sabpf: backend: trace' line"
for f in in-pod in-late in-sibling; do
  [ -f "$w/$f.txt" ] && ok "$f.txt written" || not_ok "$f.txt was not written"
done
rmdir "$pod/late" "$pod" "$sib" 2>/dev/null
rm -rf "$w"
[ "$fails" -eq 0 ]
