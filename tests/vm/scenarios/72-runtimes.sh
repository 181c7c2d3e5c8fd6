#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 600
# vm-binaries: /usr/sbin/runc
# vm-binaries-containerd: /usr/bin/containerd /usr/bin/containerd-shim-runc-v2 /usr/bin/ctr
# 72-runtimes.sh: real container runtimes under the LSM backend (issue 11,
# section 4), with one agent selecting containers by identity
# (`--select containerd.namespace=...`) and serving the OCI hook on its
# control socket (docs/identity.md). Checked by tests/integration/test_runtimes.py.
#   runc 1.1 (Debian's), run directly on bundles laid out as containerd's
#   shim lays them out (<state>/io.containerd.runtime.v2.task/<ns>/<id>,
#   cgroup /<ns>/<id>; config.json from `runc spec`, adapted with sed;
#   runc and ctr run with --no-pivot: the VM's root is the initramfs, which
#   pivot_root cannot leave):
#     - R0, started (detached) before the agent: discovered by its first
#       scan, then a `runc exec` in it is recorded with its identity;
#     - R1, started after it with the createRuntime hook `sabpf oci-hook
#       --fail closed`: in scope before its first instruction (its records
#       start with runc's init, then its entrypoint's exec);
#     - R2, the same hook but its cgroup directly under the root (runc's
#       layout when no runtime names the path): the hook is answered "not
#       selected" and nothing of it is recorded (negative control).
#   containerd 1.6 (a private daemon: own root, state, socket; CRI plugin
#   off; native snapshotter), driven by ctr, with an image imported offline
#   (an OCI archive of a busybox rootfs, written here with sh and
#   sha256sum), only when its binaries are in the image (the VM has them
#   with tests/vm/run.sh --with containerd, or SABPF_VM_WITH=containerd: its
#   vm-binaries-containerd line; natively, when installed):
#     - C0, `ctr run -d` of the image before the agent: discovered, a `ctr
#       task exec` in it recorded with its identity;
#     - C1, `ctr run --config` of a spec holding the hook (the non-CRI
#       equivalent of deploy/containerd/make-base-spec.sh), after the agent:
#       recorded from its first exec;
#     - X0, in namespace sabpf-other (not selected), started before the
#       agent with an exec in it while the agent runs: absent (negative control).
# The ids `runc list` and `ctr containers ls` report go to $OUT for the
# host-side checks, which also fail on a wrong id or namespace (negative
# controls of the checks themselves).

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
w=$(mktemp -d /tmp/sabpf-runtimes.XXXXXX)
state=$w/state                     # containerd's state root (SABPF_CONTAINERD_STATE)
tasks=$state/io.containerd.runtime.v2.task
sock=$w/control.sock               # the agent's control socket, the hooks' target
RUNC="runc --root $w/runc"
CTR="ctr -a $w/containerd.sock"
image=sabpf.local/busybox:vm
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
agent=""
ctrd=""
rand_id() { head -c 32 /dev/urandom | sha256sum | cut -c1-64; }
r0=$(rand_id) r1=$(rand_id) r2=$(rand_id) c0=$(rand_id) c1=$(rand_id) x0=$(rand_id)

now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

cleanup() {
  [ -n "$agent" ] && kill -INT "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
  $RUNC kill "$r0" KILL 2>/dev/null
  sleep 0.2
  for id in $r0 $r1 $r2; do $RUNC delete -f "$id" 2>/dev/null; done
  if [ -n "$ctrd" ]; then
    for c in "sabpf-vm $c0" "sabpf-vm $c1" "sabpf-other $x0"; do
      # shellcheck disable=SC2086 # two words: namespace and id
      set -- $c
      $CTR -n "$1" task kill -s KILL "$2" >/dev/null 2>&1
      $CTR -n "$1" task delete -f "$2" >/dev/null 2>&1
      $CTR -n "$1" container delete "$2" >/dev/null 2>&1
    done
    kill "$ctrd" 2>/dev/null
    i=0
    while kill -0 "$ctrd" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  fi
  # the shims (containerd-shim-runc-v2 -address $w/containerd.sock ...)
  # (busybox in the VM has no pgrep)
  for d in /proc/[0-9]*; do
    tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -q "$w/" && kill -KILL "${d#/proc/}" 2>/dev/null
  done
  grep -o " $w/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount "$m" 2>/dev/null; done
  rm -rf "$w"
  for d in sabpf-runc sabpf-vm sabpf-other; do
    [ -d "$cg/$d" ] && find "$cg/$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  rmdir "$cg/$r2" 2>/dev/null
}
trap cleanup EXIT

if ! command -v runc >/dev/null; then
  not_ok "runtimes: runc is not in this image or host (scripts/install-deps.sh installs runc; tests/vm/run.sh copies it for this scenario's vm-binaries line)"
  exit 1
fi
with_containerd=0
command -v containerd >/dev/null && command -v ctr >/dev/null && command -v containerd-shim-runc-v2 >/dev/null &&
  with_containerd=1

# the rootfs: busybox-static (the VM's own /bin/busybox)
busybox=/bin/busybox # (the shell may answer "busybox" for an applet)
mkdir -p "$w/rootfs/bin" "$w/rootfs/etc" "$w/rootfs/proc" "$w/rootfs/sys" "$w/rootfs/dev" "$w/rootfs/tmp"
cp "$busybox" "$w/rootfs/bin/busybox" || { not_ok "runtimes: cannot copy $busybox into the rootfs"; exit 1; }
for c in sh cat sleep true; do ln -s busybox "$w/rootfs/bin/$c"; done
echo sabpf-runtimes >"$w/rootfs/etc/hostname"

# spec OUT CGROUPS_PATH HOOK(0|1) ARG...: `runc spec` adapted: no terminal,
# the shared rootfs, the cgroup, the arguments, and with HOOK=1 the
# createRuntime hook of deploy/oci-hooks.d/sabpf.json with this build's
# binary and socket (--fail closed: an agent that cannot be reached fails
# the container instead of letting it run unaudited).
$RUNC spec --bundle "$w" 2>"$OUT/spec.err" || { not_ok "runc spec failed: $(cat "$OUT/spec.err")"; exit 1; }
mv "$w/config.json" "$w/runc-spec.json"
spec() {
  out=$1 cgpath=$2 hook=$3
  shift 3
  args=""
  for a in "$@"; do args="$args${args:+, }\"$a\""; done
  hooks=""
  [ "$hook" = 1 ] && hooks="\"hooks\": {\"createRuntime\": [{\"path\": \"$SABPF\", \"args\": [\"sabpf\", \"oci-hook\", \"--control\", \"$sock\", \"--fail\", \"closed\", \"--log\", \"$w/hook.log\"], \"timeout\": 60}]},"
  sed -e 's/"terminal": true/"terminal": false/' \
    -e "s#\"path\": \"rootfs\"#\"path\": \"$w/rootfs\"#" \
    -e "s#^\([[:space:]]*\)\"sh\"\$#\1$args#" \
    -e "s#^\([[:space:]]*\)\"linux\": {\$#\1\"linux\": { \"cgroupsPath\": \"$cgpath\",#" \
    -e "s#^\([[:space:]]*\)\"ociVersion\": \(.*\)\$#\1\"ociVersion\": \2 $hooks#" \
    "$w/runc-spec.json" >"$out"
}
# bundle NS ID CGROUPS_PATH HOOK ARG...: a bundle where containerd's shim
# would make it (the identity is read from its config.json)
bundle() {
  mkdir -p "$tasks/$1/$2"
  b=$tasks/$1/$2
  shift 2
  spec "$b/config.json" "$@"
}

# ---- before the agent ----
# containerd first: at its start it deletes the bundles under its state
# root that no shim of its own serves, so runc's bundles come after it.
if [ "$with_containerd" = 1 ]; then
  cat >"$w/containerd.toml" <<EOF
version = 2
root = "$w/root"
state = "$state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$w/containerd.sock"
EOF
  t=$(now)
  containerd --config "$w/containerd.toml" >"$OUT/containerd.log" 2>&1 &
  ctrd=$!
  i=0
  until $CTR version >/dev/null 2>&1 || [ $i -ge 600 ] || ! kill -0 "$ctrd" 2>/dev/null; do
    sleep 0.1
    i=$((i + 1))
  done
  if $CTR version >"$OUT/ctr-version.txt" 2>&1; then
    ok "containerd: private daemon answers ctr after $(since "$t")s: $(grep -m1 Version "$OUT/ctr-version.txt" | tr -s ' ')"
  else
    not_ok "containerd did not start: $(tail -3 "$OUT/containerd.log")"
    exit 1
  fi
  # the image: an OCI archive of the rootfs (one uncompressed layer)
  blob() { # FILE: into $w/img/blobs/sha256; sets d (hex digest) and s (size)
    d=$(sha256sum "$1" | cut -d' ' -f1)
    s=$(wc -c <"$1" | tr -d ' ')
    cp "$1" "$w/img/blobs/sha256/$d"
  }
  mkdir -p "$w/img/blobs/sha256"
  tar -C "$w/rootfs" -cf "$w/layer.tar" .
  blob "$w/layer.tar"
  ld=$d ls=$s
  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"],"Env":["PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$ld" >"$w/config.json"
  blob "$w/config.json"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$d" "$s" "$ld" "$ls" >"$w/manifest.json"
  blob "$w/manifest.json"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"vm"}}]}' \
    "$d" "$s" "$image" >"$w/img/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$w/img/oci-layout"
  tar -C "$w/img" -cf "$w/image.tar" oci-layout index.json blobs
  t=$(now)
  if $CTR -n sabpf-vm image import --snapshotter native "$w/image.tar" >/dev/null 2>"$OUT/import.err" &&
    $CTR -n sabpf-other image import --snapshotter native "$w/image.tar" >/dev/null 2>>"$OUT/import.err"; then
    ok "containerd: image $image imported offline with ctr ($(since "$t")s)"
  else
    not_ok "containerd: ctr image import failed: $(tail -3 "$OUT/import.err")"
    exit 1
  fi
  t=$(now)
  if $CTR -n sabpf-vm run -d --no-pivot --snapshotter native "$image" "$c0" sleep 600 >/dev/null 2>"$OUT/c0.err" &&
    $CTR -n sabpf-other run -d --no-pivot --snapshotter native "$image" "$x0" sleep 600 >/dev/null 2>"$OUT/x0.err" &&
    [ -d "$cg/sabpf-vm/$c0" ] && [ -d "$cg/sabpf-other/$x0" ]; then
    ok "containerd: C0 and X0 started before the agent, in cgroups /sabpf-vm/<id> and /sabpf-other/<id> ($(since "$t")s)"
  else
    not_ok "containerd: C0 or X0 did not start: $(cat "$OUT/c0.err" "$OUT/x0.err" 2>/dev/null | tail -3)"
    exit 1
  fi
else
  echo "# containerd not in this image: its part is left out (tests/vm/run.sh --with containerd adds it)"
fi

t=$(now)
bundle sabpf-runc "$r0" "/sabpf-runc/$r0" 0 sleep 600
if $RUNC run -d --no-pivot --bundle "$tasks/sabpf-runc/$r0" "$r0" </dev/null >"$OUT/r0.out" 2>"$OUT/r0.err" &&
  [ -d "$cg/sabpf-runc/$r0" ]; then
  ok "runc: R0 started before the agent, in cgroup /sabpf-runc/<id> ($(since "$t")s)"
else
  not_ok "runc: R0 did not start: $(tail -3 "$OUT/r0.err")"
  exit 1
fi

# ---- the agent: both namespaces selected, the hook's socket ----
t=$(now)
SABPF_CONTAINERD_STATE=$state "$SABPF" audit --control "$sock" \
  --select containerd.namespace=sabpf-runc --select containerd.namespace=sabpf-vm \
  -o "jsonl:$OUT/audit.jsonl" >"$OUT/agent.stdout" 2>"$OUT/agent.stderr" &
agent=$!
want="container started: containerd:$(echo "$r0" | cut -c1-12) "
i=0
while ! grep -q "$want" "$OUT/agent.stderr" 2>/dev/null && [ $i -lt 3000 ] && kill -0 "$agent" 2>/dev/null; do
  sleep 0.1
  i=$((i + 1))
done
if grep -q "$want(containerd $r0," "$OUT/agent.stderr"; then
  ok "runc: R0, started before the agent, discovered by its first scan ($(since "$t")s after the agent's start)"
else
  not_ok "runc: R0 not discovered: $(tail -5 "$OUT/agent.stderr")"
  exit 1
fi
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ "$with_containerd" = 1 ]; then
  grep -q "container started: containerd:$(echo "$c0" | cut -c1-12) (containerd $c0," "$OUT/agent.stderr" &&
    ok "containerd: C0, started before the agent, discovered" ||
    not_ok "containerd: C0 not discovered: $(tail -5 "$OUT/agent.stderr")"
  grep -q "$x0" "$OUT/agent.stderr" && not_ok "containerd: X0 (namespace sabpf-other) was followed" ||
    ok "containerd: X0, in a namespace not selected, not followed (negative control)"
fi

# ---- while the agent runs ----
$RUNC exec "$r0" cat /etc/hostname >"$OUT/r0-exec.out" 2>"$OUT/r0-exec.err" &&
  ok "runc: exec in R0" || not_ok "runc exec in R0 failed: $(tail -3 "$OUT/r0-exec.err")"
bundle sabpf-runc "$r1" "/sabpf-runc/$r1" 1 cat /etc/hostname
t=$(now)
if $RUNC run --no-pivot --bundle "$tasks/sabpf-runc/$r1" "$r1" </dev/null >"$OUT/r1.out" 2>"$OUT/r1.err" &&
  [ "$(cat "$OUT/r1.out")" = sabpf-runtimes ]; then
  ok "runc: R1 ran with the hook after the agent ($(since "$t")s)"
else
  not_ok "runc: R1 failed: $(tail -3 "$OUT/r1.err")"
fi
# R2: its cgroup directly under the root, no runtime's layout
bundle sabpf-runc "$r2" "/$r2" 1 cat /etc/hostname
if $RUNC run --no-pivot --bundle "$tasks/sabpf-runc/$r2" "$r2" </dev/null >"$OUT/r2.out" 2>"$OUT/r2.err"; then
  ok "runc: R2 (cgroup /<id>) ran with the hook"
else
  not_ok "runc: R2 failed: $(tail -3 "$OUT/r2.err")"
fi
if [ "$with_containerd" = 1 ]; then
  $CTR -n sabpf-vm task exec --exec-id sabpf-cat "$c0" cat /etc/hostname >"$OUT/c0-exec.out" 2>"$OUT/c0-exec.err" &&
    ok "containerd: ctr task exec in C0" || not_ok "ctr task exec in C0 failed: $(tail -3 "$OUT/c0-exec.err")"
  $CTR -n sabpf-other task exec --exec-id sabpf-cat "$x0" cat /etc/hostname >/dev/null 2>"$OUT/x0-exec.err" &&
    ok "containerd: ctr task exec in X0" || not_ok "ctr task exec in X0 failed: $(tail -3 "$OUT/x0-exec.err")"
  spec "$w/c1.json" "/sabpf-vm/$c1" 1 cat /etc/hostname
  t=$(now)
  if $CTR -n sabpf-vm run --no-pivot --config "$w/c1.json" "$c1" >"$OUT/c1.out" 2>"$OUT/c1.err" &&
    [ "$(cat "$OUT/c1.out")" = sabpf-runtimes ]; then
    ok "containerd: C1 (ctr run --config, spec with the hook) ran after the agent ($(since "$t")s)"
  else
    not_ok "containerd: C1 failed: $(tail -3 "$OUT/c1.err")"
  fi
  $CTR -n sabpf-vm containers ls -q >"$OUT/ctr-ls-sabpf-vm.txt" 2>&1
  $CTR -n sabpf-other containers ls -q >"$OUT/ctr-ls-sabpf-other.txt" 2>&1
fi
$RUNC list -q >"$OUT/runc-list.txt" 2>&1
cp "$w/hook.log" "$OUT/hook.log" 2>/dev/null

# the hook's answers (runc shows a hook's stderr only when it fails: its --log)
grep -Eq "container $r1: (already )?followed: containerd:" "$OUT/hook.log" &&
  ok "hook: R1 registered before its first instruction" ||
  not_ok "hook: no registration of R1: $(cat "$OUT/hook.log")"
grep -q "container $r2: not selected: /$r2 is no runtime's container cgroup" "$OUT/hook.log" &&
  ok "hook: R2 (cgroup of no runtime) not selected (negative control)" ||
  not_ok "hook: R2 not answered 'not selected': $(cat "$OUT/hook.log")"
if [ "$with_containerd" = 1 ]; then
  grep -Eq "container $c1: (already )?followed: containerd:" "$OUT/hook.log" &&
    ok "hook: C1 registered, run by containerd's shim through runc" ||
    not_ok "hook: no registration of C1: $(cat "$OUT/hook.log")"
fi

kill -INT "$agent"
wait "$agent"
rc=$?
agent=""
[ "$rc" -eq 0 ] && ok "agent stops cleanly" || not_ok "agent exited $rc: $(tail -3 "$OUT/agent.stderr")"

cat >"$OUT/expect.json" <<EOF
{"containerd": $with_containerd,
 "runc_early": {"runtime": "containerd", "id": "$r0", "containerd_namespace": "sabpf-runc"},
 "runc_hooked": {"runtime": "containerd", "id": "$r1", "containerd_namespace": "sabpf-runc"},
 "runc_unselected": "$r2",
 "ctr_early": {"runtime": "containerd", "id": "$c0", "containerd_namespace": "sabpf-vm"},
 "ctr_hooked": {"runtime": "containerd", "id": "$c1", "containerd_namespace": "sabpf-vm"},
 "ctr_unselected": "$x0"}
EOF
[ "$fails" -eq 0 ]
