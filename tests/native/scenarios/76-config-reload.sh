#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 120
# 76-config-reload.sh: `sabpf audit --config FILE` (docs/configuration.md)
# natively with the trace backend and podman 4.3 containers (runc, cgroupfs,
# vfs, private --root/--runroot, --network none):
#   - a bad file at start: non-zero exit, FILE:LINE:COLUMN on stderr;
#   - file v1 selects podman.name=cfg-a with classes proc: cfg-a is followed,
#     its exec recorded but not its read of /etc/hostname (class file);
#     cfg-b, running at the same time, is not followed (negative control);
#   - v2 (SIGHUP) selects cfg-b with classes proc,file: the agent says what
#     changed; a new cfg-b is followed with its read recorded, cfg-a2 (which
#     v1 did not match either) is not;
#   - a bad v3 (SIGHUP) is refused with FILE:LINE:COLUMN and v2 stays: a
#     third container named cfg-b is followed;
#   - no record lost across the reloads (--stats), the agent stops cleanly.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
w=$(mktemp -d /tmp/sabpf-config.XXXXXX)
PODMAN="/usr/bin/podman --root $w/podman/root --runroot $w/podman/run --runtime runc
  --cgroup-manager cgroupfs --storage-driver vfs --events-backend none --tmpdir $w/podman/tmp
  --network-config-dir $w/podman/net"
PODMAN_RUN="run --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096"
image=sabpf-busybox:config
cfg=$w/sabpf.yaml
agent=""

cleanup() {
  [ -n "$agent" ] && kill "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
  $PODMAN rm -f -t 0 cfg-a cfg-b cfg-a2 >/dev/null 2>&1
  i=0
  while pgrep -f "$w/" >/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  grep -o " $w/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount "$m" 2>/dev/null; done
  rm -rf "$w"
  rmdir "$cg/libpod_parent" 2>/dev/null
}
trap cleanup EXIT

for b in /usr/bin/podman /usr/sbin/runc /usr/bin/busybox /usr/bin/python3; do
  [ -x "$b" ] || { not_ok "config: $b not installed (scripts/install-deps.sh)"; exit 1; }
done
mkdir -p "$w/rootfs/bin" "$w/rootfs/etc" "$w/rootfs/proc" "$w/rootfs/sys" "$w/rootfs/dev" "$w/rootfs/tmp"
cp /usr/bin/busybox "$w/rootfs/bin/busybox"
for c in sh cat sleep true; do ln -s busybox "$w/rootfs/bin/$c"; done
tar -C "$w/rootfs" -cf "$w/busybox.tar" .
$PODMAN import "$w/busybox.tar" $image >/dev/null 2>"$OUT/podman-import.err" ||
  { not_ok "podman import failed: $(tail -3 "$OUT/podman-import.err")"; exit 1; }

# a bad file at start
printf 'containers:\n  - select: podman.name=cfg-a\n    classes: proc,flie\n' >"$cfg"
if "$SABPF" audit --backend trace --config "$cfg" -o "jsonl:$OUT/bad-start.jsonl" 2>"$OUT/bad-start.err"; then
  not_ok "a bad configuration file at start is accepted"
else
  grep -q "^sabpf audit: $cfg:3:14: classes: unknown record class 'flie'" "$OUT/bad-start.err" &&
    ok "a bad configuration file at start: non-zero exit, FILE:LINE:COLUMN" ||
    not_ok "bad file at start: unexpected error: $(cat "$OUT/bad-start.err")"
fi

# no configuration file (this host has no /etc/sabpf/sabpf.yaml): SIGHUP is
# reported and the agent goes on, then stops cleanly on SIGINT
if [ ! -e /etc/sabpf/sabpf.yaml ]; then
  "$SABPF" audit --backend trace --select podman.name=nothing-here -o "jsonl:$OUT/nofile.jsonl" \
    --stats "$OUT/nofile-stats.json" 2>"$OUT/nofile.stderr" &
  nofile=$!
  i=0
  while [ ! -s "$OUT/nofile-stats.json" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
  kill -HUP $nofile
  i=0
  while ! grep -q 'SIGHUP: no configuration file to reload' "$OUT/nofile.stderr" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
  kill -INT $nofile
  wait $nofile
  nrc=$?
  grep -q 'SIGHUP: no configuration file to reload' "$OUT/nofile.stderr" && [ $nrc -eq 0 ] &&
    ok "no configuration file: SIGHUP is reported, not fatal (exit 0 on SIGINT after it)" ||
    not_ok "no configuration file: SIGHUP: exit $nrc: $(cat "$OUT/nofile.stderr")"
fi

# v1
printf 'outputs: ["jsonl:%s"]\ncontainers:\n  - select: podman.name=cfg-a\n    classes: proc\n' \
  "$OUT/config.jsonl" >"$cfg"
SABPF_STORAGE_ROOT="$w/podman/root" SABPF_STORAGE_RUNROOT="$w/podman/run" \
  "$SABPF" audit --backend trace --config "$cfg" --stats "$OUT/stats.json" >"$OUT/stdout" 2>"$OUT/stderr" &
agent=$!
i=0
# loaded when its stats file exists (written at start)
while [ ! -s "$OUT/stats.json" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
run() { # NAME: a container that lives long enough for the 0.2 s scan
  $PODMAN $PODMAN_RUN --name "$1" $image sh -c 'sleep 0.6; cat /etc/hostname; sleep 0.3' \
    >/dev/null 2>>"$OUT/run.err" || not_ok "podman run $1 failed: $(tail -2 "$OUT/run.err")"
}
wait_said() { # PATTERN
  i=0
  while ! grep -q "$1" "$OUT/stderr" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}
run cfg-a
run cfg-b
hup() {
  kill -HUP "$agent"
  wait_said "SIGHUP: configuration.*$1"
}
# v2: cfg-b with proc,file; cfg-a no more (so cfg-a2 does not match either)
printf 'outputs: ["jsonl:%s"]\ncontainers:\n  - select: podman.name=cfg-b\n    classes: proc,file\n' \
  "$OUT/config.jsonl" >"$cfg"
hup reloaded
grep -q "^sabpf: configuration: removed select podman.name=cfg-a, classes proc$" "$OUT/stderr" &&
  grep -q "^sabpf: configuration: added select podman.name=cfg-b, classes proc,file$" "$OUT/stderr" &&
  grep -q "^sabpf: SIGHUP: configuration $cfg reloaded (2 changes" "$OUT/stderr" &&
  ok "SIGHUP: the agent says what changed" || not_ok "SIGHUP: no change said: $(cat "$OUT/stderr")"
$PODMAN rm -f cfg-a cfg-b >/dev/null 2>&1
run cfg-a2
run cfg-b
# v3: bad; v2 stays
printf 'containers:\n  - selct: podman.name=cfg-a2\n' >>"$cfg"
hup "not reloaded"
grep -q "^sabpf: SIGHUP: configuration not reloaded, the one in use stays: $cfg:6:5: unknown key 'selct'" "$OUT/stderr" &&
  ok "SIGHUP with a bad file: refused with FILE:LINE:COLUMN" || not_ok "bad reload: $(cat "$OUT/stderr")"
$PODMAN rm -f cfg-b >/dev/null 2>&1
run cfg-b
kill -INT "$agent"
wait "$agent"
rc=$?
agent=""
[ "$rc" -eq 0 ] && ok "agent stops cleanly after the reloads" || not_ok "agent exited $rc: $(tail -3 "$OUT/stderr")"

[ "$(grep -c '^sabpf: container started: podman:cfg-b ' "$OUT/stderr")" -eq 2 ] &&
  ok "v2 (SIGHUP) follows cfg-b, and again after the bad reload" ||
  not_ok "cfg-b not followed twice: $(cat "$OUT/stderr")"
grep -q '^sabpf: container started: podman:cfg-a ' "$OUT/stderr" &&
  ok "v1 follows cfg-a" || not_ok "cfg-a not followed: $(cat "$OUT/stderr")"
grep -q 'started: podman:cfg-a2 ' "$OUT/stderr" && not_ok "cfg-a2 followed after v1 was replaced" ||
  ok "cfg-a2 (started after the reload) is not followed"
check() { # the expectations, as JSON: name -> "none" | "proc" | "file"
  /usr/bin/python3 - "$OUT/config.jsonl" "$OUT/stats.json" "$1" <<'PY'
import json, sys
path, stats, want = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
recs = [json.loads(l) for l in open(path) if l.strip()]
for name, what in want.items():
    mine = [r for r in recs if r.get("identity", {}).get("name") == name]
    reads = [r for r in mine if r["action"] == "read" and r["object"].endswith("/etc/hostname")]
    execs = [r for r in mine if r["action"] == "arg"]
    if what == "none":
        assert not mine, f"{name}: {len(mine)} records, none expected"
    elif what == "proc":
        assert execs and not reads, f"{name}: {len(execs)} execs, {len(reads)} reads (want proc only)"
    else:
        assert execs and reads, f"{name}: {len(execs)} execs, {len(reads)} reads (want both)"
def total(o):
    if isinstance(o, dict):
        return sum(total(v) for v in o.values())
    if isinstance(o, list):
        return sum(total(v) for v in o)
    return o if isinstance(o, int) else 0
def lost(o):
    if isinstance(o, dict):
        return sum(total(v) if k.endswith("lost") or k == "seq_missing" else lost(v)
                   for k, v in o.items())
    return sum(lost(v) for v in o) if isinstance(o, list) else 0
st = json.load(open(stats))
assert "lost" in st and "seq_missing" in st and len(st["containers"]) == 3, st
assert lost(st) == 0, f"records lost: {lost(st)}"
PY
}
exp='{"cfg-a": "proc", "cfg-a2": "none", "cfg-b": "file"}'
check "$exp" 2>"$OUT/check.err" &&
  ok "records: cfg-a (v1) proc only, cfg-b (v2) proc and file, cfg-a2 none; none lost" ||
  not_ok "records: $(tail -3 "$OUT/check.err")"
check '{"cfg-a": "file"}' 2>/dev/null && not_ok "negative control: classes proc taken for file" ||
  ok "negative control: the check fails when cfg-a is expected with its file records"
check '{"cfg-a2": "proc"}' 2>/dev/null && not_ok "negative control: cfg-a2 (after the reload) found" ||
  ok "negative control: the check fails when cfg-a2 is expected followed"
exit $((fails > 0))
