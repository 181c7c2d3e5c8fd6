#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 120
# 00-boot.sh: checks the facts every other scenario relies on: the BPF LSM is
# active, the kernel has BTF, cgroup v2 is mounted, and `sabpf doctor` agrees
# that the agent can run here. Saves /proc/version, the LSM list, the mounts
# and the doctor's report into $OUT for tests/integration/test_boot.py.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}

cat /proc/version >"$OUT/proc_version"
uname -r >"$OUT/uname_r"
cat /proc/mounts >"$OUT/mounts"

lsm=/sys/kernel/security/lsm
if [ -r "$lsm" ]; then
  cat "$lsm" >"$OUT/lsm"
  if tr ',' '\n' <"$lsm" | grep -qx bpf; then
    ok "bpf is an active LSM ($(cat "$lsm"))"
  else
    not_ok "bpf is not in the active LSM list: $(cat "$lsm")"
  fi
else
  not_ok "$lsm is not readable (securityfs not mounted?)"
fi

if [ -s /sys/kernel/btf/vmlinux ]; then
  ok "kernel BTF at /sys/kernel/btf/vmlinux ($(wc -c </sys/kernel/btf/vmlinux) bytes)"
else
  not_ok "no kernel BTF at /sys/kernel/btf/vmlinux"
fi

# cgroup2 mounted somewhere (pure v2 at /sys/fs/cgroup, or hybrid).
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -n "$cg2" ] && [ -r "$cg2/cgroup.controllers" ]; then
  echo "$cg2" >"$OUT/cgroup2_mount"
  ok "cgroup2 mounted at $cg2"
else
  not_ok "no cgroup2 file system mounted"
fi

if awk '$3 == "bpf" { found = 1 } END { exit !found }' /proc/mounts; then
  ok "bpffs mounted"
else
  not_ok "bpffs not mounted"
fi

# Non-root users can run programs (the guest's / and /bin are not root-only).
uid=$(su -s /bin/sh nobody -c 'id -u' 2>&1)
if [ "$uid" = 65534 ]; then
  ok "user nobody can run a shell"
else
  not_ok "user nobody cannot run a shell: $uid"
fi

if [ ! -x "$SABPF" ]; then
  not_ok "sabpf doctor: agent binary $SABPF is missing"
else
  "$SABPF" doctor >"$OUT/doctor.txt" 2>&1
  rc=$?
  echo "$rc" >"$OUT/doctor.rc"
  if [ "$rc" -eq 0 ]; then
    ok "sabpf doctor exits 0"
  else
    not_ok "sabpf doctor exited $rc: $(tail -n 3 "$OUT/doctor.txt" | tr '\n' ' ')"
  fi
fi

[ "$fails" -eq 0 ]
