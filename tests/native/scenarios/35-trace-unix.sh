#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 60
# 35-trace-unix.sh: `sabpf run --backend trace` natively, unix sockets:
# path-named and abstract addresses through bind, connect, sendto and
# sendmsg (tests/native/unix.py). A process outside the container binds a
# unix socket of its own meanwhile (the negative control: it must be
# absent). Checked by tests/native/test_trace_unix.py.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
w=$(mktemp -d /tmp/sabpf-native.XXXXXX)
tag=sabpf-$$
echo "$w" >"$OUT/workdir"
echo "$tag" >"$OUT/tag"
here=$(cd "$(dirname "$0")/.." && pwd)

# the outsider: runs on the host, in no audited cgroup
/usr/bin/python3 -c '
import socket, sys, time
for i in range(20):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0" + sys.argv[1] + "-outside")
    s.close()
    time.sleep(0.05)' "$tag" &
outsider=$!

"$SABPF" run --backend trace --name native-unix \
  -o "jsonl:$OUT/run.jsonl" -o "prov:$OUT/run.prov.json" \
  --stats "$OUT/stats.json" -- /usr/bin/python3 "$here/unix.py" "$w" "$tag" >"$OUT/stdout" 2>"$OUT/stderr"
echo $? >"$OUT/rc"
wait "$outsider"

[ "$(cat "$OUT/rc")" = 0 ] && grep -q "unix ok" "$OUT/stdout" && ok "the unix workload ran" ||
  not_ok "run exited $(cat "$OUT/rc"): $(tail -3 "$OUT/stderr")"
[ -s "$OUT/run.prov.json" ] && ok "a PROV-JSON capture" || not_ok "no PROV-JSON capture"
rm -rf "$w"
[ "$fails" -eq 0 ]
