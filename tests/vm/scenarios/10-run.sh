#!/bin/sh
# 10-run.sh: `sabpf run` on the issue's example, `sh -c 'cat /etc/hostname >
# /tmp/x'`, with every output format; exit-status propagation. The captures
# are checked on the host by tests/integration/test_run.py.
# timeout: 300

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}

rm -f /tmp/x
"$SABPF" run --name demo -o "prov:$OUT/capture.prov.json" -o "spade:$OUT/capture.spade.json" \
  -o "jsonl:$OUT/capture.jsonl" -o "raw:$OUT/capture.raw" --stats "$OUT/stats.json" \
  -- sh -c 'cat /etc/hostname > /tmp/x' >"$OUT/stdout" 2>"$OUT/stderr" &
agent=$!
echo "$agent" >"$OUT/agent_pid"
wait "$agent"
rc=$?
if [ "$rc" -eq 0 ]; then ok "sabpf run exits with CMD's status (0)"; else not_ok "sabpf run exited $rc: $(tail -3 "$OUT/stderr")"; fi
if cmp -s /etc/hostname /tmp/x; then ok "CMD really ran: /tmp/x holds /etc/hostname"; else not_ok "/tmp/x does not hold /etc/hostname"; fi
for f in capture.prov.json capture.spade.json capture.jsonl capture.raw stats.json; do
  if [ -s "$OUT/$f" ]; then ok "$f written"; else not_ok "$f missing or empty"; fi
  [ -e "$OUT/$f.tmp" ] && not_ok "$f.tmp left behind"
done
grep -q "wrote prov:$OUT/capture.prov.json" "$OUT/stderr" && ok "summary says where the capture went" ||
  not_ok "no summary on stderr: $(cat "$OUT/stderr")"

"$SABPF" run -q -o "jsonl:$OUT/exit3.jsonl" -- sh -c 'exit 3'
rc=$?
if [ "$rc" -eq 3 ]; then ok "exit status 3 of CMD is passed on"; else not_ok "exit status: expected 3, got $rc"; fi

"$SABPF" run -q -o "jsonl:$OUT/signal.jsonl" -- sh -c 'trap "" TERM; kill -KILL $$'
rc=$?
# pid 1 of a pid namespace: the kernel drops the SIGKILL it sends itself (no
# handler, sent from inside), so kill returns 0, the shell goes on and exits
# with that 0, and sabpf passes it on (not 137, not its own failure 125)
if [ "$rc" -eq 0 ]; then ok "a CMD signalling itself exits 0 and sabpf passes that on"; else not_ok "CMD signalling itself: expected exit 0, got $rc"; fi

# no container cgroup is left behind
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
left=$(find "$cg/sabpf" -mindepth 1 -type d 2>/dev/null | wc -l)
if [ "$left" -eq 0 ]; then ok "no container cgroup left under $cg/sabpf"; else not_ok "$left cgroups left under $cg/sabpf"; fi
exit "$fails"
