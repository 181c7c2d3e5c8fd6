#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 180
# 60-image.sh: the OCI image (scripts/build-image.sh) run by podman the way
# deploy/sabpf-daemonset.yaml runs it: all capabilities dropped but the
# DaemonSet's list (read from the manifest), the default seccomp profile, a
# read-only root, the host's PID namespace, and the manifest's host mounts.
# A pod laid out as the kubelet's cgroupfs driver makes it
# (kubepods/burstable/pod<UID>/<container>) is selected by
# `--cgroup k8s-pod=UID`: a write in it is in the capture, a write in a
# sibling pod is not. Negative controls: the image holds no shell, and the
# same run without CAP_SYS_ADMIN fails (so the list is what makes it work).
fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT/image-logs"
repo=$(cd "$(dirname "$SABPF")/.." && pwd)
store=$repo/build/image/store
if ! command -v podman >/dev/null; then
  not_ok "podman not found: run scripts/install-deps.sh"
  exit 1
fi
if "$repo/scripts/build-image.sh" --store "$store" -o "$repo/build/image/sabpf-image.tar" >"$OUT/image-build.log" 2>&1; then
  ok "image built: $(tail -1 "$OUT/image-build.log")"
else
  not_ok "scripts/build-image.sh: $(tail -3 "$OUT/image-build.log")"
  exit 1
fi
image=$(sed -n 's/^build-image.sh: \(localhost\/sabpf:[^,]*\),.*/\1/p' "$OUT/image-build.log")
# pod_run ARGS...: podman run in the private store, with the flags this host needs
pod_run() {
  podman --root "$store/root" --runroot "$store/run" --cgroup-manager cgroupfs run --rm \
    --runtime runc --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 "$@"
}

if pod_run --entrypoint /bin/sh "$image" -c true >/dev/null 2>&1; then
  not_ok "the image runs /bin/sh: it should hold the agent and its libraries only"
else
  ok "no shell in the image"
fi

caps=$(sed -n '/sabpf-capabilities-begin/,/sabpf-capabilities-end/s/^ *- \([A-Z_]*\)$/\1/p' \
  "$repo/deploy/sabpf-daemonset.yaml" | paste -sd, -)
[ -n "$caps" ] && ok "capabilities from the DaemonSet: $caps" || not_ok "no capability list in deploy/sabpf-daemonset.yaml"

cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
uid=$(cat /proc/sys/kernel/random/uuid)
other=$(cat /proc/sys/kernel/random/uuid)
pod="$cg/kubepods/burstable/pod$uid"
sib="$cg/kubepods/burstable/pod$other"
mkdir -p "$pod/ctr1" "$sib/ctr1"
w=$(mktemp -d /tmp/sabpf-image.XXXXXX)
logs=$(cd "$OUT/image-logs" && pwd) # podman takes only absolute host paths

# run_agent CAPS LOG: the agent in the image, as the DaemonSet runs it
run_agent() {
  pod_run --pid host --read-only --tmpfs /tmp --cap-drop all --cap-add "$1" \
    -v "$cg:$cg" -v /sys/fs/bpf:/sys/fs/bpf -v /sys/kernel/btf:/sys/kernel/btf:ro \
    -v /sys/kernel/security:/sys/kernel/security:ro -v "$logs:/var/log/sabpf" \
    "$image" audit --backend trace --cgroup "k8s-pod=$uid" --duration 6 \
    -o jsonl:/var/log/sabpf/audit.jsonl --stats /var/log/sabpf/stats.json >"$2" 2>&1
}
run_agent "$caps" "$OUT/image-agent.log" &
agent=$!
i=0
while ! grep -q '^sabpf: auditing' "$OUT/image-agent.log" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
grep -q "^sabpf: auditing $pod " "$OUT/image-agent.log" && ok "k8s-pod=UID resolved to $pod" ||
  not_ok "agent did not audit $pod: $(cat "$OUT/image-agent.log")"
sh -c 'echo $$ >"$0/cgroup.procs" && echo in >"$1"' "$pod/ctr1" "$w/in-pod.txt"
sh -c 'echo $$ >"$0/cgroup.procs" && echo out >"$1"' "$sib/ctr1" "$w/in-sibling.txt"
wait "$agent"
rc=$?
[ "$rc" -eq 0 ] && ok "agent in the image exits 0" || not_ok "agent exited $rc: $(tail -3 "$OUT/image-agent.log")"
grep -q "\"$w/in-pod.txt\"" "$logs/audit.jsonl" 2>/dev/null && ok "the pod's write is in the capture" ||
  not_ok "in-pod.txt not in $logs/audit.jsonl"
if [ ! -s "$logs/audit.jsonl" ]; then
  not_ok "no capture to look for the sibling pod's write in"
elif grep -q "in-sibling.txt" "$logs/audit.jsonl"; then
  not_ok "a sibling pod's write was captured"
else
  ok "a sibling pod's write is not (negative control)"
fi

without=$(echo "$caps" | tr ',' '\n' | grep -vx SYS_ADMIN | paste -sd, -)
run_agent "${without:-CHOWN}" "$OUT/image-nosysadmin.log"
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'sabpf audit: .*Operation not permitted' "$OUT/image-nosysadmin.log"; then
  ok "without CAP_SYS_ADMIN the agent refuses to start: $(grep -m1 'sabpf audit:' "$OUT/image-nosysadmin.log" | cut -c1-160)"
else
  not_ok "without CAP_SYS_ADMIN: exit $rc, expected 1 with EPERM: $(tail -2 "$OUT/image-nosysadmin.log")"
fi
rmdir "$pod/ctr1" "$pod" "$sib/ctr1" "$sib" "$cg/kubepods/burstable" "$cg/kubepods" 2>/dev/null
rm -rf "$w"
[ "$fails" -eq 0 ]
