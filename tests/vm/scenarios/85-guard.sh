#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 600
# 85-guard.sh: self-protection (issue 4 part 3, issue 8 sections 1-3). As
# root inside an audited container, every attempt to blind, alter or leave
# the audit must fail with the expected errno and leave a DENIAL record,
# and the container's next action must still be in the capture; the same
# actions from the host must work. Then the same with --allow-bpf: a
# container's own bpf() works, the agent's maps stay out of reach. Checked
# by tests/integration/test_guard.py.
#
# Layout: the agent runs in its own cgroup (agentcg, with pids.max); the
# container is $cg/guard (registered), its tasks run in guard/in, guard/sub
# is a child of its own; guard-x is a cgroup the host made outside it. The
# pids controller is on in the root and in guard, so guard (the delegation
# root), guard/sub and agentcg all have pids.max.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
ctl=/run/sabpf-guard.sock
probe=$(dirname "$SABPF")/progs/guardprobe
mkdir -p "$cg/agentcg" "$cg/guard" "$cg/guard-x" /tmp/guard-m /tmp/guard-bpf2 /sys/fs/bpf/guard-dir
echo +pids >"$cg/cgroup.subtree_control" || not_ok "cannot enable pids in the root cgroup"
echo +pids >"$cg/guard/cgroup.subtree_control" || not_ok "cannot enable pids in guard"
head -c 4096 /dev/zero >/tmp/guard-zeros.ko # not a module: the kernel says ENOEXEC
mount -t bpf none /tmp/guard-bpf2 # a second bpffs the container will try to unmount
sec=$(awk '$3 == "securityfs" { print $2; exit }' /proc/mounts)
[ -n "$sec" ] || { mkdir -p /sys/kernel/security && mount -t securityfs none /sys/kernel/security; }
secfs=$(awk '$3 == "securityfs" { print $2; exit }' /proc/mounts)
# core_pattern reached another way: bind-mounted elsewhere, and through a
# second procfs mount
: >/tmp/guard-cp
mount --bind /proc/sys/kernel/core_pattern /tmp/guard-cp || not_ok "bind mount of core_pattern"
mkdir -p /tmp/guard-proc
mount -t proc proc /tmp/guard-proc || not_ok "second procfs mount"
core=$(cat /proc/sys/kernel/core_pattern) # written back unchanged from the host
echo "$core" >"$OUT/core_pattern"
# a block device node (the first block device; only opened, never written)
for b in /sys/block/*; do [ -r "$b/dev" ] && break; done # hidden nodes have no dev
rm -f /tmp/guard-blk
mknod /tmp/guard-blk b $(tr ':' ' ' <"$b/dev") || not_ok "mknod of $b"
# a host task (outside every audited cgroup) to trace
sleep 1000 &
hostpid=$!
echo "$hostpid" >"$OUT/hostpid"

start_agent() { # NAME [OPTIONS]: the agent in its own cgroup, agentcg
  name=$1
  shift
  rm -f "$ctl"
  sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg/agentcg" \
    "$SABPF" audit --cgroup "$cg/guard" --control "$ctl" "$@" -o "jsonl:$OUT/$name.jsonl" \
    --stats "$OUT/$name-stats.json" >"$OUT/$name.stdout" 2>"$OUT/$name.stderr" &
  agent=$!
  i=0
  while [ ! -S "$ctl" ] && [ $i -lt 3000 ] && kill -0 "$agent" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
  [ -S "$ctl" ] && ok "agent $name running" || not_ok "agent $name did not start: $(cat "$OUT/$name.stderr")"
  echo "$agent" >"$OUT/$name.pid"
}

stop_agent() { # NAME
  kill -INT "$agent"
  wait "$agent" && ok "agent $1 stopped cleanly" || not_ok "agent $1 exited $?: $(tail -3 "$OUT/$1.stderr")"
}

# the actions, one per line; AGENT, HOSTPID, INPID, CGROOT, SECFS, OUTFILE
# and CORE are replaced before running. fd 3 is core_pattern and fd 4 the
# agent's pids.max, opened for writing before the task joins the container.
actions='bpf
kill AGENT
procmem AGENT
ptrace AGENT
procmem HOSTPID
ptrace HOSTPID
ptrace INPID
nice AGENT
affinity AGENT
ioprio AGENT
prlimit AGENT
prlimit HOSTPID
openw /proc/AGENT/oom_score_adj
openw /proc/HOSTPID/oom_score_adj
cgmove CGROOT
cgmove CGROOT/agentcg
cgmove CGROOT/guard/sub
cgput CGROOT/guard AGENT
openw CGROOT/cgroup.subtree_control
openw CGROOT/cgroup.threads
openw CGROOT/agentcg/cgroup.freeze
openw CGROOT/agentcg/cgroup.kill
openw CGROOT/agentcg/pids.max
writefd 4 max
openw CGROOT/guard/pids.max
openw CGROOT/guard/cgroup.freeze
openw CGROOT/guard/sub/pids.max
mkdir CGROOT/guard-escape
mkdir CGROOT/guard/sub2
rmdir CGROOT/guard/sub2
clone3 CGROOT/guard-x /tmp/guard-escaped
clone3 CGROOT/guard/sub /tmp/guard-cloned
rmdir CGROOT/guard-x
openw /proc/sys/kernel/core_pattern
openw /tmp/guard-cp
openw /tmp/guard-proc/sys/kernel/modprobe
openw /proc/sys/kernel/kexec_load_disabled
openw /proc/sys/kernel/usermodehelper/bset
openw /proc/sysrq-trigger
writefd 3 CORE
openw /proc/sys/kernel/domainname
openw /tmp/guard-blk
openw /dev/mem
kexec
kexec-file /tmp/guard-zeros.ko
openw SECFS/lsm
openw OUTFILE
truncate OUTFILE
unlink OUTFILE
mount bpf /tmp/guard-m
mount securityfs /tmp/guard-m
umount /tmp/guard-bpf2
mkdir /sys/fs/bpf/guard-new
rmdir /sys/fs/bpf/guard-dir
finit /tmp/guard-zeros.ko
init'

run_actions() { # WHERE(inside|outside) FILE
  n=0
  echo "$actions" | sed -e "s|AGENT|$agent|" -e "s|HOSTPID|$hostpid|" -e "s|INPID|$inpid|" \
    -e "s|CGROOT|$cg|g" -e "s|SECFS|$secfs|" -e "s|OUTFILE|$OUT/guard1.jsonl.tmp|" -e "s|CORE|$core|" |
    while read -r a; do
      n=$((n + 1))
      # shellcheck disable=SC2086
      if [ "$1" = inside ]; then
        GUARD_MARK=/tmp/guard-mark.$n sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg/guard/in" \
          "$probe" $a 3>>/proc/sys/kernel/core_pattern 4>>"$cg/agentcg/pids.max"
      else
        case "$a" in unlink* | umount* | "cgput $cg/guard "*) continue ;; esac # the output must survive; umount last
        "$probe" $a 3>>/proc/sys/kernel/core_pattern 4>>"$cg/agentcg/pids.max"
      fi
    done >"$OUT/$2" 2>&1
}

start_agent guard1
mkdir -p "$cg/guard/sub" "$cg/guard/in"
# a task of the container (another's target for ptrace)
sh -c 'echo $$ > "$0/cgroup.procs" && exec sleep 1000' "$cg/guard/in" &
inpid=$!
echo "$inpid" >"$OUT/inpid"
rm -f /tmp/guard-escaped /tmp/guard-cloned /tmp/guard-mark.*
run_actions inside inside.txt
[ -e /tmp/guard-escaped ] && echo yes >"$OUT/escaped-inside" || echo no >"$OUT/escaped-inside"
[ -e /tmp/guard-cloned ] && echo yes >"$OUT/cloned-inside" || echo no >"$OUT/cloned-inside"
ls /tmp/guard-mark.* 2>/dev/null | wc -l >"$OUT/marks"
cat /proc/sys/kernel/core_pattern >"$OUT/core_pattern-after"
rm -f /tmp/guard-escaped
mkdir -p "$cg/guard-x"
run_actions outside outside.txt
[ -e /tmp/guard-escaped ] && echo yes >"$OUT/escaped-outside" || echo no >"$OUT/escaped-outside"
kill "$inpid"
# from the host, after the container's turn
"$probe" umount /tmp/guard-bpf2 >>"$OUT/outside.txt" 2>&1
"$probe" rmdir /sys/fs/bpf/guard-new >>"$OUT/outside.txt" 2>&1
"$probe" rmdir "$cg/guard-escape" >>"$OUT/outside.txt" 2>&1
sleep 0.5
stop_agent guard1

# --allow-bpf: the container's own maps work, the agent's stay out of reach
rmdir "$cg/guard/in" # made again once registered, so that it is in scope
start_agent guard2 --allow-bpf
mkdir "$cg/guard/in"
sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg/guard/in" "$probe" bpf >"$OUT/allow-bpf.txt" 2>&1
sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg/guard/in" "$probe" kill "$agent" >>"$OUT/allow-bpf.txt" 2>&1
sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg/guard/in" "$probe" bpf-grab >>"$OUT/allow-bpf.txt" 2>&1
"$probe" bpf-grab >"$OUT/outside-grab.txt" 2>&1
sleep 0.5
stop_agent guard2

# --allow-bpf allows what `sabpf load` allows a tenant (docs/tenant.md), no
# more: lsm_cgroup programs attached inside the container's own cgroups,
# calling no helper that acts beyond it; no other program type, no pinning.
# Checked by tests/integration/test_guard_bpf.py. The container's tasks run in
# guard/in (guard has controllers on: no process can sit in it).
pp=$(dirname "$SABPF")/progs/policyprobe
bpf_cases="bpfload lsm_cgroup $cg/guard
bpfload lsm_cgroup $cg/guard/sub
bpfload lsm_cgroup $cg
bpfload signal $cg/guard
bpfload lsm
bpfload kprobe
bpfload tracepoint
bpfpin /sys/fs/bpf/guard-pin"
start_agent guard3 --allow-bpf
echo "$bpf_cases" | while read -r c; do
  # shellcheck disable=SC2086
  sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg/guard/in" "$pp" $c
done >"$OUT/allow-bpf-tenant.txt" 2>&1
echo "$bpf_cases" | while read -r c; do
  # shellcheck disable=SC2086
  "$pp" $c
done >"$OUT/allow-bpf-host.txt" 2>&1
sleep 0.5
stop_agent guard3

kill "$hostpid"
umount /tmp/guard-bpf2 /tmp/guard-cp /tmp/guard-proc 2>/dev/null
rm -f /tmp/guard-blk /tmp/guard-cloned /tmp/guard-escaped /tmp/guard-mark.* /sys/fs/bpf/guard-pin
rmdir "$cg/guard/sub" "$cg/guard/in" "$cg/guard" "$cg/guard-x" "$cg/agentcg" \
  /sys/fs/bpf/guard-dir /sys/fs/bpf/guard-new 2>/dev/null
exit "$fails"
