#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 60
# 16-trace-mount.sh: `sabpf run --backend trace` natively, mounts: a tmpfs
# mounted read-only (MS_RDONLY) on a directory of the work directory and
# unmounted (umount2), by the relative name "mnt", in a user and mount
# namespace of its own (`sabpf run` gives the container no CAP_SYS_ADMIN
# over the host's mounts: unshare -Urm). A mount on a directory
# that does not exist fails: the negative control (no edge may name it).
# A second run makes move_mount (to a name, to a descriptor, and to a
# missing name: it fails) and pivot_root (tests/native/mount2.py).
# Checked by tests/native/test_trace_mount.py.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
w=$(mktemp -d /tmp/sabpf-native.XXXXXX)
echo "$w" >"$OUT/workdir"
mkdir "$w/mnt"

"$SABPF" run --backend trace --name native-mount \
  -o "jsonl:$OUT/run.jsonl" -o "prov:$OUT/run.prov.json" \
  --stats "$OUT/stats.json" -- unshare -Urm sh -c '
    cd "$1" || exit 3
    mount -t tmpfs -o ro none mnt || exit 4
    umount mnt || exit 5
    mount -t tmpfs none "$1/missing" 2>/dev/null && exit 6
    exit 0' sh "$w" >"$OUT/stdout" 2>"$OUT/stderr"
echo $? >"$OUT/rc"
# the new mount API and pivot_root (tests/native/mount2.py), in a second
# run: pivot_root leaves the process a root without the host's files
mkdir "$w/new"
"$SABPF" run --backend trace --name native-mount2 -o "prov:$OUT/run2.prov.json" \
  --stats "$OUT/stats2.json" -- unshare -Urm /usr/bin/python3 "$(cd "$(dirname "$0")/.." && pwd)/mount2.py" "$w/new" \
  >"$OUT/stdout2" 2>"$OUT/stderr2"
echo $? >"$OUT/rc2"
grep -qx mount2=done "$OUT/stdout2" && ok "move_mount and pivot_root ran" ||
  not_ok "mount2 exited $(cat "$OUT/rc2"): $(tail -3 "$OUT/stderr2")"

[ "$(cat "$OUT/rc")" = 0 ] && ok "the mount workload ran" ||
  not_ok "run exited $(cat "$OUT/rc"): $(tail -3 "$OUT/stderr")"
[ -s "$OUT/run.prov.json" ] && ok "a PROV-JSON capture" || not_ok "no PROV-JSON capture"
rm -rf "$w"
[ "$fails" -eq 0 ]
