#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 600
# 27-sys.sh: system hooks and provenance fidelity.
#  - ctx: one container makes a file and a socket (motif bind): every node
#    must carry the container's namespaces (tests/integration/test_sys.py
#    compares them with its task's and with this shell's, in host_ns.txt);
#  - sys: one container runs the system motif cases (process groups, prctl,
#    capabilities, setgroups, move_mount, pivot_root, module loading, BPF,
#    setns, unshare) one process each;
#  - classes: one container per record class switched off (--classes), and
#    one added through `sabpf ctl add CGROUP:classes` with sys off, each
#    running the same workload that touches every class.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
motif=$(dirname "$SABPF")/progs/motif
[ -x "$motif" ] || { not_ok "$motif missing (make builds it)"; exit 1; }
D=/tmp/sys
rm -rf "$D" && mkdir -p "$D"

# this shell's namespaces: the container's must differ
for ns in uts ipc mnt pid net cgroup; do
  echo "$ns=$(readlink /proc/self/ns/$ns | sed 's/.*\[\(.*\)\]/\1/')"
done >"$OUT/host_ns.txt"

# ---- ctx ---------------------------------------------------------------
"$SABPF" run --net --name ctx -o "prov:$OUT/ctx.prov.json" -o "jsonl:$OUT/ctx.jsonl" \
  -o "spade:$OUT/ctx.spade.json" -- "$motif" bind "$D/ctx" >"$OUT/ctx.txt" 2>"$OUT/ctx.stderr"
rc=$?
[ "$rc" -eq 0 ] && ok "ctx: motif bind ran" || not_ok "ctx: exited $rc: $(tail -3 "$OUT/ctx.stderr")"

# ---- sys ---------------------------------------------------------------
cases="setpgid getpgid prctl capget capset capable capable_repeat setgroups move_mount pivot_root"
cases="$cases init_module finit_module module_request bpf_map_create bpf_prog_load setns unshare"
# --allow-bpf: the bpf() cases need it (self-protection refuses bpf() by default);
# --privileged: capset, mounts, pivot_root, module loading, bpf, setns and
# unshare need capabilities a default container does not have
"$SABPF" run --privileged --net --allow-bpf --name sys -o "prov:$OUT/sys.prov.json" -o "jsonl:$OUT/sys.jsonl" \
  --stats "$OUT/sys.stats.json" -- sh -c "for c in $cases; do $motif \$c $D/sys || exit 1; done" \
  >"$OUT/sys.txt" 2>"$OUT/sys.stderr"
rc=$?
[ "$rc" -eq 0 ] && ok "sys: every system case ran" || not_ok "sys: exited $rc: $(tail -3 "$OUT/sys.stderr")"

# ---- classes -------------------------------------------------------------
# a workload that touches every class: fork (proc), the marker files (file),
# bind (net), capget (sys). One agent audits five containers, each with one
# class switched off (none, proc, file, net, sys) given as --cgroup
# CGROUP:classes, and a sixth added later with `sabpf ctl add CGROUP:classes`
# (one agent rather than one per case: each start and stop costs seconds
# under TCG). The capture is split by container afterwards.
workload() { echo "$motif fork $1 && $motif bind $1 && $motif capget $1"; }
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
ctl=/run/sabpf-sys.sock
ip link set lo up 2>/dev/null
specs=""
for off in none proc file net sys; do
  mkdir -p "$cg/classes-$off"
  on=$(echo proc,file,net,ipc,sys, | sed "s/$off,//; s/,\$//")
  specs="$specs --cgroup $cg/classes-$off:$on"
done
mkdir -p "$cg/sys-pod"
# shellcheck disable=SC2086
"$SABPF" audit $specs --control "$ctl" -o "jsonl:$OUT/classes.jsonl" \
  >"$OUT/ctl.stdout" 2>"$OUT/ctl.stderr" &
agent=$!
i=0
while [ ! -S "$ctl" ] && [ $i -lt 3000 ] && kill -0 "$agent" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
[ -S "$ctl" ] && ok "audit agent listening" || not_ok "no control socket: $(cat "$OUT/ctl.stderr")"
for off in none proc file net sys; do
  sh -c 'echo $$ > "$0/cgroup.procs" && exec sh -c "$1"' "$cg/classes-$off" "$(workload "$D/c-$off")" \
    >"$OUT/classes-$off.txt" 2>&1 && ok "classes: all but $off ran" ||
    not_ok "workload in classes-$off failed: $(cat "$OUT/classes-$off.txt")"
done
"$SABPF" ctl --control "$ctl" add "$cg/sys-pod:proc,file,net,ipc" >"$OUT/ctl-add.txt" 2>&1 &&
  ok "ctl add CGROUP:proc,file,net,ipc" || not_ok "ctl add failed: $(cat "$OUT/ctl-add.txt")"
sh -c 'echo $$ > "$0/cgroup.procs" && exec sh -c "$1"' "$cg/sys-pod" "$(workload "$D/c-ctl")" \
  >"$OUT/ctl-workload.txt" 2>&1 || not_ok "workload in sys-pod failed: $(cat "$OUT/ctl-workload.txt")"
sleep 0.5
kill -INT "$agent"
wait "$agent" && ok "audit agent stopped cleanly" || not_ok "audit agent failed: $(tail -3 "$OUT/ctl.stderr")"
# one capture per container, as the checks read them
for off in none proc file net sys; do
  grep "\"container\":\"[^\"]*/classes-$off\"" "$OUT/classes.jsonl" >"$OUT/classes-$off.jsonl"
done
grep '"container":"[^"]*/sys-pod"' "$OUT/classes.jsonl" >"$OUT/ctl.jsonl"
for off in none proc file net sys; do rmdir "$cg/classes-$off" 2>/dev/null; done
rmdir "$cg/sys-pod" 2>/dev/null
exit "$fails"
