#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 60
# 15-trace-attr.sh: `sabpf run --backend trace` natively, attribute calls:
# chmod, fchmod, fchmodat, chown, fchown, lchown, fchownat, and the xattr
# set and remove calls by name, by link name and by descriptor
# (tests/native/attr.py). A file the workload only reads (untouched.txt)
# and a file the outsider chmods on the host (outside.txt) are the negative
# controls. Checked by tests/native/test_trace_attr.py.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
w=$(mktemp -d /tmp/sabpf-native.XXXXXX)
echo "$w" >"$OUT/workdir"
here=$(cd "$(dirname "$0")/.." && pwd)

# the outsider: runs on the host, in no audited cgroup
echo x >"$w/outside.txt"
(i=0; while [ $i -lt 20 ]; do chmod 640 "$w/outside.txt"; sleep 0.05; i=$((i + 1)); done) &
outsider=$!

"$SABPF" run --backend trace --name native-attr \
  -o "jsonl:$OUT/run.jsonl" -o "prov:$OUT/run.prov.json" \
  --stats "$OUT/stats.json" -- /usr/bin/python3 "$here/attr.py" "$w" >"$OUT/stdout" 2>"$OUT/stderr"
echo $? >"$OUT/rc"
wait "$outsider"

[ "$(cat "$OUT/rc")" = 0 ] && ok "the attribute workload ran" ||
  not_ok "run exited $(cat "$OUT/rc"): $(tail -3 "$OUT/stderr")"
[ -s "$OUT/run.prov.json" ] && ok "a PROV-JSON capture" || not_ok "no PROV-JSON capture"
rm -rf "$w"
[ "$fails" -eq 0 ]
