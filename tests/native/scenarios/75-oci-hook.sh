#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 120
# 75-oci-hook.sh: `sabpf oci-hook` run by podman 4.3 (runc, cgroupfs, vfs,
# private --root/--runroot under a temporary directory, --network none) from
# a hooks directory holding deploy/oci-hooks.d/sabpf.json with this build's
# binary and socket (docs/identity.md, "OCI hook"). The agent (trace
# backend) runs with --control SOCKET --select podman.name=sabpf-hooked.
#   - the selected container is registered by the hook at createRuntime:
#     its very first exec (the entrypoint, `cat /etc/hostname`) is recorded,
#     with nothing of it before but runc's init;
#   - a container named otherwise is not registered (negative control: the
#     agent answers "not selected", no record has its identity);
#   - with the `when` condition of docs/identity.md, the hook runs for a
#     container annotated io.sabpf.audit=true and not for one without it;
#   - the agent down: --fail open lets the container run and says so on
#     stderr; --fail closed makes podman refuse it (non-zero exit);
#   - the checks of the records fail on a wrong expected name (negative
#     control of the check itself).

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
repo=$(cd "$(dirname "$0")/../../.." && pwd)
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
w=$(mktemp -d /tmp/sabpf-ocihook.XXXXXX)
PODMAN="/usr/bin/podman --root $w/podman/root --runroot $w/podman/run --runtime runc
  --cgroup-manager cgroupfs --storage-driver vfs --events-backend none --tmpdir $w/podman/tmp
  --network-config-dir $w/podman/net"
PODMAN_RUN="run --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096"
image=sabpf-busybox:hook
sock=$w/control.sock
agent=""

cleanup() {
  [ -n "$agent" ] && kill "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
  $PODMAN rm -f -t 0 sabpf-hooked sabpf-other sabpf-open sabpf-closed sabpf-plain sabpf-annotated >/dev/null 2>&1
  i=0
  while pgrep -f "$w/" >/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  grep -o " $w/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount "$m" 2>/dev/null; done
  rm -rf "$w"
  rmdir "$cg/libpod_parent" 2>/dev/null
}
trap cleanup EXIT

missing=""
for b in /usr/bin/podman /usr/sbin/runc /usr/bin/busybox /usr/bin/python3; do
  [ -x "$b" ] || missing="$missing $b"
done
if [ -n "$missing" ]; then
  not_ok "oci-hook: not installed:$missing (scripts/install-deps.sh installs podman, runc, busybox-static)"
  exit 1
fi

# hooks directories: the deployed file with this build's binary, socket and --fail
hooks() { # DIR FAIL [when-annotation]
  mkdir -p "$1"
  /usr/bin/python3 - "$repo/deploy/oci-hooks.d/sabpf.json" "$1/sabpf.json" "$SABPF" "$sock" "$2" "$1.log" "${3:-}" <<'PY'
import json, sys
src, dst, binary, sock, fail, log, when = sys.argv[1:]
h = json.load(open(src))
if when:  # the condition of docs/identity.md: only containers with this annotation
    h["when"] = {"annotations": {"^io\\.sabpf\\.audit$": "^true$"}}
args = h["hook"]["args"]
args[args.index("--control") + 1] = sock
args[args.index("--fail") + 1] = fail
args += ["--log", log]
h["hook"]["path"] = binary
json.dump(h, open(dst, "w"))
PY
}
hooks "$w/hooks-open" open
hooks "$w/hooks-closed" closed
hooks "$w/hooks-when" open annotation

mkdir -p "$w/rootfs/bin" "$w/rootfs/etc" "$w/rootfs/proc" "$w/rootfs/sys" "$w/rootfs/dev" "$w/rootfs/tmp"
cp /usr/bin/busybox "$w/rootfs/bin/busybox"
for c in sh cat sleep true; do ln -s busybox "$w/rootfs/bin/$c"; done
tar -C "$w/rootfs" -cf "$w/busybox.tar" .
if $PODMAN import "$w/busybox.tar" $image >/dev/null 2>"$OUT/podman-import.err"; then
  ok "podman: image $image imported"
else
  not_ok "podman: import failed: $(tail -3 "$OUT/podman-import.err")"
  exit 1
fi

SABPF_STORAGE_ROOT="$w/podman/root" SABPF_STORAGE_RUNROOT="$w/podman/run" \
  "$SABPF" audit --backend trace --control "$sock" --select podman.name=sabpf-hooked \
  -o "jsonl:$OUT/hook.jsonl" >"$OUT/stdout" 2>"$OUT/stderr" &
agent=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ -S "$sock" ] && ok "agent listens on its control socket" ||
  not_ok "agent has no control socket: $(cat "$OUT/stderr")"

if $PODMAN --hooks-dir "$w/hooks-open" $PODMAN_RUN --name sabpf-hooked $image cat /etc/hostname \
  >/dev/null 2>"$OUT/hooked.err"; then
  ok "podman run of the selected container with the hook"
else
  not_ok "podman run with the hook failed: $(tail -3 "$OUT/hooked.err")"
fi
if $PODMAN --hooks-dir "$w/hooks-open" $PODMAN_RUN --name sabpf-other $image cat /etc/hostname \
  >/dev/null 2>"$OUT/other.err"; then
  ok "podman run of a container not selected, with the hook"
else
  not_ok "podman run (not selected) failed: $(tail -3 "$OUT/other.err")"
fi
hooked_id=$($PODMAN inspect -f '{{.Id}}' sabpf-hooked)
other_id=$($PODMAN inspect -f '{{.Id}}' sabpf-other)
grep -q "container started: podman:sabpf-hooked (podman $hooked_id" "$OUT/stderr" &&
  ok "agent reports the hooked container started" || not_ok "no start report: $(cat "$OUT/stderr")"
# runc passes a hook's stderr on only when it fails: the hook's --log file
cp "$w/hooks-open.log" "$OUT/hook-open.log"
# "already followed" when the agent's 0.2 s scan found the new cgroup first:
# either way the container was in scope when the hook returned
grep -Eq "sabpf oci-hook\[[0-9]+\]: container $hooked_id: (already )?followed: podman:sabpf-hooked" "$OUT/hook-open.log" &&
  ok "the hook logs that it registered the selected container" ||
  not_ok "hook did not log the registration: $(cat "$OUT/hook-open.log")"
grep -q "container $other_id: not selected: podman:sabpf-other" "$OUT/hook-open.log" &&
  ok "the hook logs that the agent did not select the other container" ||
  not_ok "hook did not log 'not selected': $(cat "$OUT/hook-open.log")"
grep -q "sabpf-other" "$OUT/stderr" && not_ok "the container not selected was reported: $(cat "$OUT/stderr")" ||
  ok "the container not selected is not registered"
# the hook only for containers annotated io.sabpf.audit=true (when: annotations)
$PODMAN --hooks-dir "$w/hooks-when" $PODMAN_RUN --name sabpf-plain $image true >/dev/null 2>>"$OUT/when.err"
$PODMAN --hooks-dir "$w/hooks-when" $PODMAN_RUN --name sabpf-annotated --annotation io.sabpf.audit=true \
  $image true >/dev/null 2>>"$OUT/when.err"
plain_id=$($PODMAN inspect -f '{{.Id}}' sabpf-plain 2>/dev/null)
annotated_id=$($PODMAN inspect -f '{{.Id}}' sabpf-annotated 2>/dev/null)
cp "$w/hooks-when.log" "$OUT/hook-when.log" 2>/dev/null
grep -q "container $annotated_id: not selected: podman:sabpf-annotated" "$OUT/hook-when.log" 2>/dev/null &&
  ok "when annotation: the hook runs for the annotated container" ||
  not_ok "when annotation: no hook run for the annotated container: $(cat "$OUT/hook-when.log" "$OUT/when.err" 2>&1)"
[ -n "$plain_id" ] && [ -s "$OUT/hook-when.log" ] && ! grep -q "$plain_id" "$OUT/hook-when.log" &&
  ok "when annotation: not run for a container without it (negative control)" ||
  not_ok "when annotation: the hook ran for the plain container (or it did not start)"
kill -INT "$agent"
wait "$agent"
rc=$?
agent=""
[ "$rc" -eq 0 ] && ok "agent stops cleanly" || not_ok "agent exited $rc: $(tail -3 "$OUT/stderr")"

# the records: first exec of sabpf-hooked is its entrypoint; nothing of sabpf-other
check() { # ID NAME OTHER_ID
  /usr/bin/python3 - "$OUT/hook.jsonl" "$1" "$2" "$3" <<'PY'
import json, sys
path, cid, name, other = sys.argv[1:]
recs = [json.loads(l) for l in open(path) if l.strip()]
mine = [r for r in recs if r.get("identity", {}).get("id") == cid
        and r.get("identity", {}).get("name") == name]
assert mine, f"no record of {name} {cid}"
args = [r["object"] for r in mine if r["action"] == "arg"]
entry = "cat /etc/hostname"
assert entry in args, args
# before the entrypoint's exec, only runc's init ran in the container
assert all(a == "runc init" for a in args[: args.index(entry)]), args
assert any(r["action"] == "read" and r["object"].endswith("/etc/hostname") for r in mine)
assert not [r for r in recs if r.get("identity", {}).get("id") == other], "sabpf-other recorded"
PY
}
if check "$hooked_id" sabpf-hooked "$other_id" 2>"$OUT/check.err"; then
  ok "records: the hooked container from its first exec (its entrypoint), the other absent"
else
  not_ok "records: $(tail -3 "$OUT/check.err")"
fi
if check "$hooked_id" sabpf-nope "$other_id" 2>/dev/null; then
  not_ok "negative control: the check passes with a wrong name"
else
  ok "negative control: the check fails with a wrong name"
fi
if check "$hooked_id" sabpf-hooked "$hooked_id" 2>/dev/null; then
  not_ok "negative control: the check passes when the absent one is the hooked one"
else
  ok "negative control: the check fails when the hooked container must be absent"
fi

# the agent down (socket gone): fail open runs, fail closed refuses
if $PODMAN --hooks-dir "$w/hooks-open" $PODMAN_RUN --name sabpf-open $image true \
  >/dev/null 2>"$OUT/open.err"; then
  ok "agent down, --fail open: the container runs"
else
  not_ok "agent down, --fail open: podman failed: $(tail -3 "$OUT/open.err")"
fi
cp "$w/hooks-open.log" "$OUT/hook-open.log"
grep -q "cannot reach the agent at $sock.*failing open (--fail open): container .* starts NOT audited" "$OUT/hook-open.log" &&
  ok "agent down, --fail open: said in the hook's log" ||
  not_ok "agent down, --fail open: nothing said: $(cat "$OUT/hook-open.log")"
if $PODMAN --hooks-dir "$w/hooks-closed" $PODMAN_RUN --name sabpf-closed $image true \
  >/dev/null 2>"$OUT/closed.err"; then
  not_ok "agent down, --fail closed: podman ran the container"
else
  ok "agent down, --fail closed: podman refuses the container (exit non-zero)"
fi
grep -q "cannot reach the agent at $sock.*failing closed (--fail closed)" "$OUT/closed.err" &&
  ok "agent down, --fail closed: said in the runtime's log" ||
  not_ok "agent down, --fail closed: nothing said: $(cat "$OUT/closed.err")"

exit $((fails > 0))
