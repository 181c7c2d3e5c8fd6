#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 120
# 50-detect-live.sh: `sabpf detect watch -` on a live agent's raw output
# (docs/detection.md): a model trained on one run of a workload (trace
# backend), then a second run piped live into the detector while a copy of
# the stream is kept. The live verdict and alerts must be those of the same
# detector on the kept copy, and the run's status must come through. Negative
# control: the kept stream cut in the middle of a record is refused. The
# live command prints to its standard output, which `sabpf run -o raw:-`
# sends to standard error (it would corrupt the records); with the records
# in a file, the command's standard output stays its own (the control).

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
w=$(mktemp -d /tmp/sabpf-detect.XXXXXX)
workload='for i in 1 2 3 4; do cat /etc/hostname >"$1/x.$i"; ls / >/dev/null; done; cat "$1"/x.* >"$1/all"'

"$SABPF" run --backend trace --name detect-train -o "raw:$OUT/train.raw" -- \
  sh -c "$workload" sh "$w" >"$OUT/train.stdout" 2>"$OUT/train.stderr" &&
  "$SABPF" detect train -o "$OUT/model" --batch 20 "$OUT/train.raw" 2>"$OUT/train.log" &&
  ok "a model from a benign run: $(tail -1 "$OUT/train.log")" ||
  not_ok "training failed: $(tail -3 "$OUT/train.stderr" "$OUT/train.log")"

# the live run: raw records on standard output, through tee into the detector
(
  "$SABPF" run --backend trace --name detect-live -o raw:- -- \
    sh -c "$workload; echo sabpf-live-\$((6 * 7)); exit 3" sh "$w" 2>"$OUT/live.stderr"
  echo $? >"$OUT/live.rc"
) | tee "$OUT/live.raw" | "$SABPF" detect watch --model "$OUT/model" - >"$OUT/live.out" 2>"$OUT/live.err"
echo $? >"$OUT/watch.rc"

[ "$(cat "$OUT/live.rc")" = 3 ] && ok "the run's status comes through the pipe (3)" ||
  not_ok "run exited $(cat "$OUT/live.rc"): $(tail -3 "$OUT/live.stderr")"
[ "$(cat "$OUT/watch.rc")" = 0 ] && grep -q '"type":"verdict"' "$OUT/live.out" &&
  ok "watch - scored the live stream: $(grep '"verdict"' "$OUT/live.out")" ||
  not_ok "watch - exited $(cat "$OUT/watch.rc"): $(head -3 "$OUT/live.err" "$OUT/live.out")"
"$SABPF" detect watch --model "$OUT/model" "$OUT/live.raw" >"$OUT/replay.out" 2>&1
grep -v '"type":"stats"' "$OUT/live.out" >"$OUT/live.cmp"
grep -v '"type":"stats"' "$OUT/replay.out" >"$OUT/replay.cmp"
[ -s "$OUT/live.cmp" ] && cmp -s "$OUT/live.cmp" "$OUT/replay.cmp" &&
  ok "live alerts and verdict equal those of the kept copy" ||
  not_ok "live and replayed differ: $(diff "$OUT/live.cmp" "$OUT/replay.cmp" | head -4)"

# (the printed text, sabpf-live-42, is not in the command's argv)
grep -qx sabpf-live-42 "$OUT/live.stderr" && ! grep -q sabpf-live-42 "$OUT/live.raw" &&
  ok "the command's standard output went to standard error, not into the records" ||
  not_ok "the command's output: $(grep -c sabpf-live-42 "$OUT/live.stderr") on stderr, $(grep -c sabpf-live-42 "$OUT/live.raw") in the records"
"$SABPF" run --backend trace -q -o "raw:$OUT/own.raw" -- sh -c 'echo sabpf-own-$((6 * 7))' >"$OUT/own.stdout" 2>"$OUT/own.stderr"
grep -qx sabpf-own-42 "$OUT/own.stdout" && ! grep -q sabpf-own-42 "$OUT/own.stderr" &&
  ok "control: with the records in a file, the command's standard output is its own" ||
  not_ok "control: stdout '$(cat "$OUT/own.stdout")', stderr '$(tail -2 "$OUT/own.stderr")'"

# the pod: a live stream names no identity, `watch --resolve-identities -`
# finds it in this host's runtime files, as the agent does. A Docker
# container's cgroup (the cgroupfs driver's /docker/ID) with the config of
# tests/unit/fixtures/identity (a real dockerd's), audited with -o raw:-
root=$(cd "$(dirname "$SABPF")/.." && pwd)
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
cid=f966ed4c6d77bafb35186e0dbe64bb623629b7d1203fb074a18d4bf5e6dbd62a
dcg=$cg2/docker/$cid
made_docker=0
[ -d "$cg2/docker" ] || made_docker=1
mkdir -p "$dcg"
export SABPF_DOCKER_ROOT="$root/tests/unit/fixtures/identity/docker"
"$SABPF" audit --backend trace --cgroup "$dcg" --duration 5 --follow -o raw:- 2>"$OUT/pod.audit.err" |
  tee "$OUT/pod.raw" | "$SABPF" detect watch --model "$OUT/model" --resolve-identities - \
  >"$OUT/pod.out" 2>"$OUT/pod.err" &
sleep 1
sh -c 'echo $$ >"$1/cgroup.procs"; i=0; while [ $i -lt 12 ]; do cat /etc/hostname >/dev/null; sleep 0.25; i=$((i + 1)); done' sh "$dcg"
wait
name=$(grep '"type":"verdict"' "$OUT/pod.out" | python3 -c '
import json, sys
for line in sys.stdin:
    i = json.loads(line).get("identity") or {}
    print(i.get("runtime"), i.get("name"), i.get("image"))')
[ "$name" = "docker sabpf-early sabpf-busybox:test" ] &&
  ok "watch --resolve-identities - names the container's runtime identity: $name" ||
  not_ok "watch --resolve-identities -: '$name' ($(head -c 300 "$OUT/pod.out" "$OUT/pod.err" "$OUT/pod.audit.err"))"
"$SABPF" detect watch --model "$OUT/model" "$OUT/pod.raw" >"$OUT/pod.replay" 2>&1
grep -q '"type":"verdict"' "$OUT/pod.replay" && ! grep -q '"identity"' "$OUT/pod.replay" &&
  ok "control: the same stream without --resolve-identities names none" ||
  not_ok "control: $(head -c 300 "$OUT/pod.replay")"
unset SABPF_DOCKER_ROOT
rmdir "$dcg"
[ "$made_docker" = 1 ] && rmdir "$cg2/docker"

# negative control: the stream cut in the middle of a record
size=$(wc -c <"$OUT/live.raw")
head -c $((size - 5)) "$OUT/live.raw" | "$SABPF" detect watch --model "$OUT/model" - \
  >/dev/null 2>"$OUT/cut.err"
rc=$?
[ "$rc" = 1 ] && grep -q "truncated" "$OUT/cut.err" &&
  ok "a stream cut mid-record is refused: $(cat "$OUT/cut.err")" ||
  not_ok "cut stream: exit $rc, $(cat "$OUT/cut.err")"

rm -rf "$w"
exit "$fails"
