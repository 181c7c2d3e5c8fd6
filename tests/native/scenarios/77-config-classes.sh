#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 120
# 77-config-classes.sh: per-container record classes from the configuration
# file (docs/configuration.md), changed on running containers by a reload,
# natively with the trace backend and podman 4.3 (runc, cgroupfs, vfs,
# private --root/--runroot, --network none). The file is laid out as a
# Kubernetes ConfigMap volume lays it out (sabpf.yaml -> ..data/sabpf.yaml,
# ..data -> ..<version>) and the agent runs with --watch-config:
#   - v1: cls-p gets classes proc, cls-f classes file; both run at once, in
#     a loop that execs cat on /etc/hostname: cls-p has process records and
#     no file records, cls-f the other way round;
#   - v2 swapped in as the kubelet swaps ..data: the agent reloads by itself
#     and the two running containers swap classes in place (no restart of
#     either, no record lost: --stats lost and seq_missing 0);
#   - a bad v3 swapped in: refused with FILE:LINE:COLUMN, v2 stays in force;
#   - negative controls: the record check fails with the expectations of
#     the other phase.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
w=$(mktemp -d /tmp/sabpf-cfgcls.XXXXXX)
PODMAN="/usr/bin/podman --root $w/podman/root --runroot $w/podman/run --runtime runc
  --cgroup-manager cgroupfs --storage-driver vfs --events-backend none --tmpdir $w/podman/tmp
  --network-config-dir $w/podman/net"
PODMAN_RUN="run -d --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096"
image=sabpf-busybox:cfgcls
cm=$w/configmap
agent=""

cleanup() {
  [ -n "$agent" ] && kill "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
  $PODMAN rm -f -t 0 cls-p cls-f >/dev/null 2>&1
  i=0
  while pgrep -f "$w/" >/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  grep -o " $w/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount "$m" 2>/dev/null; done
  rm -rf "$w"
  rmdir "$cg/libpod_parent" 2>/dev/null
}
trap cleanup EXIT

for b in /usr/bin/podman /usr/sbin/runc /usr/bin/busybox /usr/bin/python3; do
  [ -x "$b" ] || { not_ok "config classes: $b not installed (scripts/install-deps.sh)"; exit 1; }
done
mkdir -p "$w/rootfs/bin" "$w/rootfs/etc" "$w/rootfs/proc" "$w/rootfs/sys" "$w/rootfs/dev" "$w/rootfs/tmp"
cp /usr/bin/busybox "$w/rootfs/bin/busybox"
for c in sh cat sleep; do ln -s busybox "$w/rootfs/bin/$c"; done
tar -C "$w/rootfs" -cf "$w/busybox.tar" .
$PODMAN import "$w/busybox.tar" $image >/dev/null 2>"$OUT/podman-import.err" ||
  { not_ok "podman import failed: $(tail -3 "$OUT/podman-import.err")"; exit 1; }

version() { # NAME CLASSES-OF-cls-p CLASSES-OF-cls-f: a ConfigMap data version
  mkdir -p "$cm/..$1"
  printf 'containers:\n  - select: podman.name=cls-p\n    classes: %s\n  - select: podman.name=cls-f\n    classes: %s\n' \
    "$2" "$3" >"$cm/..$1/sabpf.yaml"
}
swap() { # NAME: what the kubelet does on a ConfigMap update
  ln -s "..$1" "$cm/..data_tmp"
  mv -T "$cm/..data_tmp" "$cm/..data"
}
now() { date -u +%Y-%m-%dT%H:%M:%S.%NZ; }
wait_said() { # PATTERN [COUNT]
  i=0
  while [ "$(grep -c -- "$1" "$OUT/stderr")" -lt "${2:-1}" ] && [ $i -lt 200 ]; do
    sleep 0.05
    i=$((i + 1))
  done
}

mkdir -p "$cm"
version v1 proc file
ln -s ..v1 "$cm/..data"
ln -s ..data/sabpf.yaml "$cm/sabpf.yaml"
SABPF_STORAGE_ROOT="$w/podman/root" SABPF_STORAGE_RUNROOT="$w/podman/run" \
  "$SABPF" audit --backend trace --config "$cm/sabpf.yaml" --watch-config \
  -o "jsonl:$OUT/classes.jsonl" --stats "$OUT/stats.json" >"$OUT/stdout" 2>"$OUT/stderr" &
agent=$!
i=0
while [ ! -s "$OUT/stats.json" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
loop='while :; do cat /etc/hostname >/dev/null; sleep 0.05; done'
for n in cls-p cls-f; do
  $PODMAN $PODMAN_RUN --name $n $image sh -c "$loop" >/dev/null 2>>"$OUT/run.err" ||
    not_ok "podman run $n failed: $(tail -2 "$OUT/run.err")"
done
wait_said '^sabpf: container started: podman:cls-' 2
t1=$(now)
sleep 1.5
t1e=$(now)
version v2 file proc
swap v2
wait_said '^sabpf: container podman:cls-.: classes now' 2
t2=$(now)
sleep 1.5
t2e=$(now)
grep -q "^sabpf: file changed: configuration $cm/sabpf.yaml reloaded (4 changes)" "$OUT/stderr" &&
  grep -q '^sabpf: container podman:cls-p: classes now file$' "$OUT/stderr" &&
  grep -q '^sabpf: container podman:cls-f: classes now proc$' "$OUT/stderr" &&
  ok "ConfigMap-style ..data swap: reloaded without a signal, the running containers' classes changed" ||
  not_ok "no reload on the ..data swap: $(cat "$OUT/stderr")"
# v3: bad (a typo of a class); v2 stays
mkdir -p "$cm/..v3"
printf 'containers:\n  - select: podman.name=cls-p\n    classes: proc,flie\n' >"$cm/..v3/sabpf.yaml"
swap v3
wait_said '^sabpf: file changed: configuration not reloaded'
t3=$(now)
sleep 1
t3e=$(now)
grep -q "^sabpf: file changed: configuration not reloaded, the one in use stays: $cm/sabpf.yaml:3:14: classes: unknown record class 'flie'" "$OUT/stderr" &&
  ok "a bad ConfigMap update: refused with FILE:LINE:COLUMN" || not_ok "bad update: $(cat "$OUT/stderr")"
$PODMAN rm -f -t 0 cls-p cls-f >/dev/null 2>&1
kill -INT "$agent"
wait "$agent"
rc=$?
agent=""
[ "$rc" -eq 0 ] && ok "agent stops cleanly after the reloads" || not_ok "agent exited $rc: $(tail -3 "$OUT/stderr")"
[ "$(grep -c '^sabpf: container started: podman:cls-' "$OUT/stderr")" -eq 2 ] &&
  ok "each container followed once (a reload does not register it again)" ||
  not_ok "containers started: $(grep -c '^sabpf: container started' "$OUT/stderr"): $(cat "$OUT/stderr")"

check() { # EXPECTATIONS (JSON): [[from, to, {name: "proc"|"file"}], ...]
  /usr/bin/python3 - "$OUT/classes.jsonl" "$OUT/stats.json" "$1" <<'PY'
import json, sys
path, stats, phases = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
recs = [json.loads(l) for l in open(path) if l.strip()]
# not terminate_task: a task's exit is recorded by the classes kept in its
# own state (bpf/trace/task.bpf.c: its cgroup may be gone), so a sleep
# started before the change reports its exit after it
PROC = {"clone", "exec", "exec_task", "arg"}
FILE = {"open", "read", "write"}
for lo, hi, want in phases:
    for name, cls in want.items():
        mine = [r for r in recs if r.get("identity", {}).get("name") == name and lo <= r["time"] <= hi]
        proc = sum(r["action"] in PROC for r in mine)
        file = sum(r["action"] in FILE for r in mine)
        print(f"{lo}..{hi} {name}: {proc} process records, {file} file records", file=sys.stderr)
        if cls == "proc":
            assert proc >= 5 and file == 0, f"{name} {lo}..{hi}: {proc} proc, {file} file (want proc only)"
        else:
            assert file >= 5 and proc == 0, f"{name} {lo}..{hi}: {proc} proc, {file} file (want file only)"
ids = {r["identity"]["name"]: set() for r in recs if "identity" in r}
for r in recs:
    if "identity" in r:
        ids[r["identity"]["name"]].add(r["container_id"])
assert all(len(v) == 1 for v in ids.values()), f"one container id each: {ids}"
st = json.load(open(stats))
assert st["lost"] == 0 and st["seq_missing"] == 0, f"lost {st['lost']}, seq_missing {st['seq_missing']}"
PY
}
v1="{\"cls-p\": \"proc\", \"cls-f\": \"file\"}"
v2="{\"cls-p\": \"file\", \"cls-f\": \"proc\"}"
check "[[\"$t1\", \"$t1e\", $v1], [\"$t2\", \"$t2e\", $v2], [\"$t3\", \"$t3e\", $v2]]" 2>"$OUT/check.err" &&
  ok "records: v1 cls-p process only, cls-f file only; after the swap the other way round, also after the bad v3; none lost (seq continuous)" ||
  not_ok "records: $(tail -8 "$OUT/check.err")"
check "[[\"$t1\", \"$t1e\", $v2]]" 2>/dev/null && not_ok "negative control: v2's classes found before the reload" ||
  ok "negative control: the check fails with v2's classes before the reload"
check "[[\"$t3\", \"$t3e\", $v1]]" 2>/dev/null && not_ok "negative control: v1's classes found after the bad v3" ||
  ok "negative control: the check fails with v1's classes after the bad v3"
exit $((fails > 0))
