#!/bin/sh
# 85-guard.sh: self-protection (issue 4, part 3). As root inside an audited
# container, every attempt to blind, alter or leave the audit must fail with
# EPERM and leave a DENIAL record; the same actions from the host must work.
# Then the same with --allow-bpf: a container's own bpf() works, the agent's
# maps stay out of reach. Checked by tests/integration/test_guard.py.
# timeout: 360

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
ctl=/run/sabpf-guard.sock
probe=$(dirname "$SABPF")/progs/guardprobe
mkdir -p "$cg/guard" /tmp/guard-m /tmp/guard-bpf2 /sys/fs/bpf/guard-dir
head -c 4096 /dev/zero >/tmp/guard-zeros.ko # not a module: the kernel says ENOEXEC
mount -t bpf none /tmp/guard-bpf2 # a second bpffs the container will try to unmount
sec=$(awk '$3 == "securityfs" { print $2; exit }' /proc/mounts)
[ -n "$sec" ] || { mkdir -p /sys/kernel/security && mount -t securityfs none /sys/kernel/security; }
secfs=$(awk '$3 == "securityfs" { print $2; exit }' /proc/mounts)

start_agent() { # NAME [OPTIONS]
  name=$1
  shift
  rm -f "$ctl"
  "$SABPF" audit --cgroup "$cg/guard" --control "$ctl" "$@" -o "jsonl:$OUT/$name.jsonl" \
    --stats "$OUT/$name-stats.json" >"$OUT/$name.stdout" 2>"$OUT/$name.stderr" &
  agent=$!
  i=0
  while [ ! -S "$ctl" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
  [ -S "$ctl" ] && ok "agent $name running" || not_ok "agent $name did not start: $(cat "$OUT/$name.stderr")"
  echo "$agent" >"$OUT/$name.pid"
}

stop_agent() { # NAME
  kill -INT "$agent"
  wait "$agent" && ok "agent $1 stopped cleanly" || not_ok "agent $1 exited $?: $(tail -3 "$OUT/$1.stderr")"
}

# the actions, one per line; AGENT and OUTFILE are replaced before running
actions='bpf
kill AGENT
procmem AGENT
ptrace AGENT
cgmove CGROOT
cgmove CGROOT/guard/sub
openw CGROOT/cgroup.subtree_control
openw CGROOT/cgroup.threads
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
  echo "$actions" | sed -e "s|AGENT|$agent|" -e "s|CGROOT|$cg|g" -e "s|SECFS|$secfs|" -e "s|OUTFILE|$OUT/guard1.jsonl.tmp|" |
    while read -r a; do
      # shellcheck disable=SC2086
      if [ "$1" = inside ]; then
        sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg/guard" "$probe" $a
      else
        case "$a" in unlink* | umount*) continue ;; esac # the output must survive; umount last
        "$probe" $a
      fi
    done >"$OUT/$2" 2>&1
}

start_agent guard1
mkdir -p "$cg/guard/sub"
run_actions inside inside.txt
run_actions outside outside.txt
# from the host, after the container's turn
"$probe" umount /tmp/guard-bpf2 >>"$OUT/outside.txt" 2>&1
"$probe" rmdir /sys/fs/bpf/guard-new >>"$OUT/outside.txt" 2>&1
sleep 0.5
stop_agent guard1

# --allow-bpf: the container's own maps work, the agent's stay out of reach
start_agent guard2 --allow-bpf
sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg/guard" "$probe" bpf >"$OUT/allow-bpf.txt" 2>&1
sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg/guard" "$probe" kill "$agent" >>"$OUT/allow-bpf.txt" 2>&1
sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg/guard" "$probe" bpf-grab >>"$OUT/allow-bpf.txt" 2>&1
"$probe" bpf-grab >"$OUT/outside-grab.txt" 2>&1
sleep 0.5
stop_agent guard2

# --allow-bpf allows what `sabpf load` allows a tenant (docs/tenant.md), no
# more: lsm_cgroup programs attached inside the container's own cgroups,
# calling no helper that acts beyond it; no other program type, no pinning.
# Checked by tests/integration/test_guard_bpf.py.
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
  sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg/guard" "$pp" $c
done >"$OUT/allow-bpf-tenant.txt" 2>&1
echo "$bpf_cases" | while read -r c; do
  # shellcheck disable=SC2086
  "$pp" $c
done >"$OUT/allow-bpf-host.txt" 2>&1
sleep 0.5
stop_agent guard3

umount /tmp/guard-bpf2 2>/dev/null
rmdir "$cg/guard/sub" "$cg/guard" /sys/fs/bpf/guard-dir /sys/fs/bpf/guard-new 2>/dev/null
exit "$fails"
