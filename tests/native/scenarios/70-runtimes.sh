#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 150
# 70-runtimes.sh: containers of real runtimes, audited natively with the trace
# backend, carry their runtime identity (docs/identity.md). A private dockerd
# (Debian's docker.io, flags of ../shared/platform-notes.md: no iptables, no
# bridge, vfs storage, data root, exec root, socket and pidfile in a
# temporary directory) and podman (runc, cgroupfs, vfs, private --root and
# --runroot) run busybox containers from an image imported offline (a
# busybox-static rootfs tar; no registry), all with --network none; and
# dockerd's containerd 1.6 runs one through `ctr` (namespace sabpf-test,
# image from `docker save` | `ctr image import`, its own empty netns).
#   - docker: /docker, the runtime's parent cgroup, is audited. A container
#     started before the agent is discovered (its exec of cat is recorded with
#     its name, image and id); one started after it is in scope from its
#     first exec (inheritance at cgroup_mkdir) with its own identity.
#   - podman: one container audited by its own cgroup (its display name
#     names the records and the summary); one started under /libpod_parent,
#     which is not audited, must not appear (negative control).
#   - containerd (no CRI): one container audited by its cgroup
#     /sabpf-test/<id>: runtime containerd, id and namespace from the path
#     and bundle (a plain ctr container has no name or image annotation).
#   - selection: a second agent with --select docker.name=sabpf-sel,label.app=sel
#     --runtime podman follows the running podman container and a docker
#     container started later, reports each start and stop, and leaves the
#     other docker container out (negative control).
# The expectations (names, images, ids from `docker inspect`/`podman
# inspect`) go to $OUT/expect.json; tests/native/test_runtimes.py checks the
# outputs against them, and that a wrong expected name fails (negative
# control). A runtime that is not installed, or installed but failing, is a
# failure with the reason: never a silent skip.
# With SABPF_UPDATE_FIXTURES=1 the real config files and cgroup paths are
# copied, scrubbed of this run's temporary paths, into
# tests/unit/fixtures/identity (test_identity.c test_real_runtimes).

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
repo=$(cd "$(dirname "$0")/../../.." && pwd)
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
w=$(mktemp -d /tmp/sabpf-runtimes.XXXXXX)
DOCKERD=/usr/sbin/dockerd
DOCKER="/usr/bin/docker -H unix://$w/docker.sock"
CTR="/usr/bin/ctr -a $w/docker/exec/containerd/containerd.sock -n sabpf-test"
PODMAN="/usr/bin/podman --root $w/podman/root --runroot $w/podman/run --runtime runc
  --cgroup-manager cgroupfs --storage-driver vfs --events-backend none --tmpdir $w/podman/tmp
  --network-config-dir $w/podman/net"
PODMAN_RUN="run -d --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096"
image=sabpf-busybox:test
dockerd_pid=""

cleanup() {
  if [ -n "$dockerd_pid" ]; then
    if [ -n "${ctr_id:-}" ]; then
      $CTR task kill -s KILL "$ctr_id" >/dev/null 2>&1
      i=0
      while ! $CTR task delete "$ctr_id" >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
      $CTR container delete "$ctr_id" >/dev/null 2>&1
    fi
    $DOCKER rm -f sabpf-early sabpf-late sabpf-sel >/dev/null 2>&1
    kill "$dockerd_pid" 2>/dev/null
    i=0
    while kill -0 "$dockerd_pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  fi
  [ -x /usr/bin/podman ] && $PODMAN rm -f -t 0 sabpf-pearly sabpf-plate >/dev/null 2>&1
  # conmon runs `podman container cleanup` when a container ends: wait for
  # every process still using the directory (at most 5 s)
  i=0
  while pgrep -f "$w/" >/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  # the vfs layers and the runtimes' mounts under $w go with it
  grep -o " $w/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount "$m" 2>/dev/null; done
  rm -rf "$w"
  rmdir "$cg/docker" "$cg/libpod_parent" "$cg/sabpf-test" 2>/dev/null
}
trap cleanup EXIT

missing=""
for b in "$DOCKERD" /usr/bin/docker /usr/bin/ctr /usr/bin/podman /usr/sbin/runc /usr/bin/busybox; do
  [ -x "$b" ] || missing="$missing $b"
done
if [ -n "$missing" ]; then
  not_ok "runtimes: not installed:$missing (scripts/install-deps.sh installs docker.io, containerd, podman, runc, busybox-static)"
  exit 1
fi

# the image: a busybox-static rootfs, imported (no registry)
mkdir -p "$w/rootfs/bin" "$w/rootfs/etc" "$w/rootfs/proc" "$w/rootfs/sys" "$w/rootfs/dev" "$w/rootfs/tmp"
cp /usr/bin/busybox "$w/rootfs/bin/busybox"
for c in sh cat sleep true; do ln -s busybox "$w/rootfs/bin/$c"; done
tar -C "$w/rootfs" -cf "$w/busybox.tar" .

# ---- a private dockerd ----
$DOCKERD --iptables=false --ip-masq=false --bridge=none --storage-driver=vfs \
  --data-root "$w/docker/data" --exec-root "$w/docker/exec" -H "unix://$w/docker.sock" \
  --pidfile "$w/docker.pid" >"$OUT/dockerd.log" 2>&1 &
dockerd_pid=$!
i=0
until $DOCKER version >/dev/null 2>&1 || [ $i -ge 300 ] || ! kill -0 $dockerd_pid 2>/dev/null; do
  sleep 0.1
  i=$((i + 1))
done
if ! $DOCKER version >/dev/null 2>&1; then
  not_ok "docker: the private dockerd did not start: $(tail -3 "$OUT/dockerd.log")"
  exit 1
fi
ok "docker: private dockerd $($DOCKER version --format '{{.Server.Version}}') started"
if $DOCKER import "$w/busybox.tar" $image >/dev/null 2>"$OUT/docker-import.err"; then
  ok "docker: image $image imported from a busybox-static rootfs"
else
  not_ok "docker: import failed: $(cat "$OUT/docker-import.err")"
  exit 1
fi

# ---- containerd (dockerd's), through ctr ----
if $DOCKER save -o "$w/image.tar" $image 2>"$OUT/ctr.err" &&
  $CTR image import "$w/image.tar" >/dev/null 2>>"$OUT/ctr.err"; then
  ok "containerd: image imported with ctr (from docker save)"
else
  not_ok "containerd: ctr image import failed: $(tail -3 "$OUT/ctr.err")"
  exit 1
fi

# ---- podman ----
if $PODMAN import "$w/busybox.tar" $image >/dev/null 2>"$OUT/podman-import.err"; then
  ok "podman: image $image imported"
else
  not_ok "podman: import failed: $(tail -3 "$OUT/podman-import.err")"
  exit 1
fi

# before the agent: a docker container and a podman container, idle
if $DOCKER run -d --network none --name sabpf-early --label app=early-app $image sleep 120 >/dev/null 2>"$OUT/run.err" &&
  $PODMAN $PODMAN_RUN --name sabpf-pearly $image sleep 120 >/dev/null 2>>"$OUT/run.err" &&
  ctr_id=$(head -c 32 /dev/urandom | sha256sum | cut -c1-64) &&
  $CTR run -d docker.io/library/$image "$ctr_id" sleep 120 >/dev/null 2>>"$OUT/run.err"; then
  ok "containers started before the agent"
else
  not_ok "could not start containers: $(tail -3 "$OUT/run.err")"
  exit 1
fi
early_id=$($DOCKER inspect -f '{{.Id}}' sabpf-early)
pearly_id=$($PODMAN inspect -f '{{.Id}}' sabpf-pearly)
[ -d "$cg/docker/$early_id" ] && ok "docker: container in cgroup /docker/<id>" ||
  not_ok "docker: no cgroup $cg/docker/$early_id: $(grep '^0::' /proc/$($DOCKER inspect -f '{{.State.Pid}}' sabpf-early)/cgroup)"
[ -d "$cg/libpod_parent/libpod-$pearly_id" ] && ok "podman: container in cgroup /libpod_parent/libpod-<id>" ||
  not_ok "podman: no cgroup $cg/libpod_parent/libpod-$pearly_id"
[ -d "$cg/sabpf-test/$ctr_id" ] && ok "containerd: container in cgroup /sabpf-test/<id>" ||
  not_ok "containerd: no cgroup $cg/sabpf-test/$ctr_id"

SABPF_DOCKER_ROOT="$w/docker/data" SABPF_STORAGE_ROOT="$w/podman/root" \
  SABPF_STORAGE_RUNROOT="$w/podman/run" SABPF_CONTAINERD_STATE="$w/docker/exec/containerd/daemon" \
  "$SABPF" audit --backend trace --cgroup "$cg/docker" --cgroup "$cg/libpod_parent/libpod-$pearly_id" \
  --cgroup "$cg/sabpf-test/$ctr_id" \
  -o "jsonl:$OUT/audit.jsonl" -o "prov:$OUT/audit.prov.json" -o "spade:$OUT/audit.spade.json" \
  -o "summary:$OUT/audit.summary" -o "raw:$OUT/audit.raw" >"$OUT/stdout" 2>"$OUT/stderr" &
agent=$!
i=0
while ! grep -q '^sabpf: auditing.*sabpf-test' "$OUT/stderr" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
grep -q '^sabpf: auditing.*sabpf-test' "$OUT/stderr" && ok "agent attached" ||
  not_ok "agent never said it was auditing: $(cat "$OUT/stderr")"

$DOCKER exec sabpf-early cat /etc/hostname >/dev/null 2>>"$OUT/run.err" &&
  ok "docker exec in the container started before the agent" || not_ok "docker exec failed"
$PODMAN exec sabpf-pearly cat /etc/hostname >/dev/null 2>>"$OUT/run.err" &&
  ok "podman exec in the audited podman container" || not_ok "podman exec failed"
$CTR task exec --exec-id sabpf-write "$ctr_id" sh -c 'echo x >/tmp/ctr.txt' 2>>"$OUT/run.err" &&
  ok "ctr task exec in the containerd container" || not_ok "ctr task exec failed: $(tail -2 "$OUT/run.err")"
# after the agent: recorded from its first exec, under /docker
$DOCKER run --network none --name sabpf-late $image sh -c 'cat /etc/hostname; sleep 1' \
  >/dev/null 2>>"$OUT/run.err" && ok "docker run after the agent" || not_ok "docker run failed: $(tail -2 "$OUT/run.err")"
late_id=$($DOCKER inspect -f '{{.Id}}' sabpf-late)
# not audited: podman's parent cgroup is not registered
$PODMAN $PODMAN_RUN --name sabpf-plate $image sh -c 'cat /etc/hostname; sleep 1' >/dev/null 2>>"$OUT/run.err" &&
  ok "podman run (not audited)" || not_ok "podman run failed"
sleep 1.5
kill -INT "$agent"
wait "$agent"
rc=$?
[ "$rc" -eq 0 ] && ok "agent stops cleanly" || not_ok "agent exited $rc: $(tail -3 "$OUT/stderr")"
# the raw capture keeps its identities beside it, for `sabpf graph`
"$SABPF" graph --summary "$OUT/graph.summary" "$OUT/audit.raw" 2>"$OUT/graph.err" &&
  ok "sabpf graph of the raw capture" || not_ok "sabpf graph failed: $(cat "$OUT/graph.err")"
"$SABPF" graph --container podman:sabpf-pearly --summary "$OUT/graph-podman.summary" "$OUT/audit.raw" \
  2>>"$OUT/graph.err" && ok "sabpf graph --container podman:sabpf-pearly" ||
  not_ok "sabpf graph --container by name failed: $(tail -2 "$OUT/graph.err")"
if "$SABPF" graph --container podman:sabpf-nope --summary /dev/null "$OUT/audit.raw" 2>>"$OUT/graph.err"; then
  not_ok "sabpf graph --container accepted a name no container has"
else
  ok "sabpf graph --container refuses a name no container has (negative control)"
fi

# ---- selection: --select docker.name=sabpf-sel,label.app=sel --runtime podman ----
# sabpf-pearly (podman, running) is found by the first scan; sabpf-sel
# starts later, is followed while it runs and reported when it stops;
# sabpf-early (docker, another name) is not followed (negative control).
SABPF_DOCKER_ROOT="$w/docker/data" SABPF_STORAGE_ROOT="$w/podman/root" \
  SABPF_STORAGE_RUNROOT="$w/podman/run" \
  "$SABPF" audit --backend trace --select docker.name=sabpf-sel,label.app=sel --runtime podman \
  -o "jsonl:$OUT/select.jsonl" -o "summary:$OUT/select.summary" >"$OUT/select.stdout" 2>"$OUT/select.stderr" &
agent=$!
i=0
while ! grep -q 'container started: podman:sabpf-pearly' "$OUT/select.stderr" 2>/dev/null && [ $i -lt 200 ]; do
  sleep 0.05
  i=$((i + 1))
done
grep -q 'container started: podman:sabpf-pearly' "$OUT/select.stderr" &&
  ok "select: the running podman container is followed" ||
  not_ok "select: podman container not followed: $(cat "$OUT/select.stderr")"
$DOCKER exec sabpf-early cat /etc/hostname >/dev/null 2>>"$OUT/run.err"
$PODMAN exec sabpf-pearly cat /etc/hostname >/dev/null 2>>"$OUT/run.err"
$DOCKER run --network none --name sabpf-sel --label app=sel $image sh -c 'sleep 1; cat /etc/hostname; sleep 0.5' \
  >/dev/null 2>>"$OUT/run.err" && ok "select: docker run sabpf-sel" || not_ok "docker run sabpf-sel failed"
sel_id=$($DOCKER inspect -f '{{.Id}}' sabpf-sel)
i=0
while ! grep -q 'container stopped: docker:sabpf-sel' "$OUT/select.stderr" 2>/dev/null && [ $i -lt 100 ]; do
  sleep 0.05
  i=$((i + 1))
done
kill -INT "$agent"
wait "$agent"
rc=$?
[ "$rc" -eq 0 ] && ok "select: agent stops cleanly" || not_ok "select: agent exited $rc: $(tail -3 "$OUT/select.stderr")"

cat >"$OUT/expect.json" <<EOF
{"docker_early": {"runtime": "docker", "id": "$early_id", "name": "sabpf-early", "image": "$image", "label.app": "early-app"},
 "docker_late": {"runtime": "docker", "id": "$late_id", "name": "sabpf-late", "image": "$image"},
 "podman_early": {"runtime": "podman", "id": "$pearly_id", "name": "sabpf-pearly", "image": "localhost/$image"},
 "podman_late_name": "sabpf-plate",
 "containerd": {"runtime": "containerd", "id": "$ctr_id", "containerd_namespace": "sabpf-test"},
 "docker_selected": {"runtime": "docker", "id": "$sel_id", "name": "sabpf-sel", "image": "$image", "label.app": "sel"}}
EOF

if [ "${SABPF_UPDATE_FIXTURES:-0}" = 1 ]; then
  fx="$repo/tests/unit/fixtures/identity"
  scrub() {
    mkdir -p "$(dirname "$2")"
    sed -e "s#$w/docker/data#/var/lib/docker#g; s#$w/docker/exec#/run/docker#g" \
      -e "s#$w/podman/root#/var/lib/containers/storage#g; s#$w/podman/run#/run/containers/storage#g" "$1" >"$2"
  }
  rm -rf "$fx/docker" "$fx/podman"
  scrub "$w/docker/data/containers/$early_id/config.v2.json" "$fx/docker/containers/$early_id/config.v2.json"
  scrub "$w/podman/root/vfs-containers/containers.json" "$fx/podman/vfs-containers/containers.json"
  scrub "$w/podman/root/vfs-containers/$pearly_id/userdata/config.json" \
    "$fx/podman/vfs-containers/$pearly_id/userdata/config.json"
  rm -rf "$fx/containerd"
  scrub "$w/docker/exec/containerd/daemon/io.containerd.runtime.v2.task/sabpf-test/$ctr_id/config.json" \
    "$fx/containerd/io.containerd.runtime.v2.task/sabpf-test/$ctr_id/config.json"
  {
    printf '# runtime\tcgroup path\tname\timage (- for none; tests/native/scenarios/70-runtimes.sh; test_identity.c test_real_runtimes)\n'
    printf 'docker\t/docker/%s\tsabpf-early\t%s\n' "$early_id" "$image"
    printf 'podman\t/libpod_parent/libpod-%s\tsabpf-pearly\tlocalhost/%s\n' "$pearly_id" "$image"
    printf 'containerd\t/sabpf-test/%s\t-\t-\n' "$ctr_id"
  } >"$fx/expected.tsv"
  ok "fixtures updated in $fx"
fi
[ "$fails" -eq 0 ]
