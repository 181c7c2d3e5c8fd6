#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# initramfs.sh: build the gzip'd cpio initramfs that the test VM boots.
#
#   tests/vm/initramfs.sh [-o OUTPUT] [--sabpf PATH] [--script FILE]
#                         [--scenarios DIR] [--with PROGRAM]... [STATIC_BINARY...]
#
# The image holds busybox-static with all its applet links, and under /sabpf
# the repository's layout: /sabpf/build/sabpf (the static agent), every
# STATIC_BINARY at its path relative to the repository (or /sabpf/bin/NAME
# when it lives elsewhere), tests/vm/guest-run.sh and the scenarios. Each
# --with PROGRAM (an absolute path: a host program from a Debian package,
# e.g. /usr/sbin/runc, that a scenario needs) is copied at the same path with
# the shared libraries ldd names for it. With
# --script FILE the VM runs only that script (as /sabpf/script/NN-name.sh)
# instead of the scenarios. Its /init mounts proc, sysfs, devtmpfs, a tmpfs on
# /tmp, cgroup2, securityfs, bpffs and tracefs, then runs guest-run.sh and
# powers off. The kernel command line may set, for /init:
#   SABPF_VM_CGROUP=v2|hybrid   pure cgroup v2 at /sys/fs/cgroup (default), or
#                               a tmpfs there with v1 controllers beside
#                               cgroup2 at /sys/fs/cgroup/unified (our hosts)
#   SABPF_ONLY=PATTERNS         run only the matching scenarios
#   SABPF_SKIP=PATTERNS         run all but the matching scenarios
#   SABPF_SCENARIO_TIMEOUT=N    default per-scenario limit in seconds
# No kernel modules are needed: everything is built into the cloud kernel.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
output="$repo/build/vm/initrd.cpio.gz"
sabpf="$repo/build/sabpf"
scenarios="$repo/tests/vm/scenarios"
script=""
extras=()
withs=()

die() {
  echo "initramfs.sh: $*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
  -o) output=$2; shift 2 ;;
  --sabpf) sabpf=$2; shift 2 ;;
  --scenarios) scenarios=$2; shift 2 ;;
  --with) withs+=("$2"); shift 2 ;;
  --script) script=$2; shift 2 ;;
  -*) die "unknown option '$1' (see the comment at the top of $0)" ;;
  *) extras+=("$1"); shift ;;
  esac
done

# is_static FILE: true for a statically linked executable (or a script).
is_static() {
  [ "$(head -c 2 "$1")" = '#!' ] && return 0
  local out
  out=$(ldd "$1" 2>&1)
  grep -qE 'not a dynamic executable|statically linked' <<<"$out"
}

busybox=/bin/busybox
[ -x "$busybox" ] && "$busybox" --list-full >/dev/null 2>&1 ||
  die "$busybox missing or not busybox: install busybox-static (scripts/install-deps.sh)"
is_static "$busybox" ||
  die "$busybox is dynamically linked: install busybox-static, not busybox"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root" # it becomes the guest's /: mktemp's 0700 would lock out non-root users
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,var/tmp,mnt}
mkdir -p "$root"/sabpf/{build,bin,tests/vm/scenarios}

# busybox and one symlink per applet, at the paths busybox itself lists.
cp "$busybox" "$root/bin/busybox"
while read -r applet; do
  [ "$applet" = bin/busybox ] && continue
  mkdir -p "$root/$(dirname "$applet")"
  ln -sf /bin/busybox "$root/$applet"
done < <("$busybox" --list-full)

# copy_libs FILE: the shared libraries a dynamically linked FILE needs (ldd's
# list, the loader included), at the same paths in the image.
copy_libs() {
  local lib
  while read -r lib; do
    [ -f "$lib" ] || die "$1 needs $lib, which ldd names but does not exist"
    mkdir -p "$root/$(dirname "$lib")"
    cp -L "$lib" "$root/$lib"
  done < <(ldd "$1" | grep -oE '/[^ ]+' | sort -u)
}

# The agent. Missing is allowed (the scenarios then report it). Linked
# dynamically (librdkafka and libmicrohttpd have no complete static chain in
# Debian), it comes with exactly the libraries ldd names.
if [ -e "$sabpf" ]; then
  cp "$sabpf" "$root/sabpf/build/sabpf"
  is_static "$sabpf" || copy_libs "$sabpf"
  # the agent's test builds (make variants: the upgrade case of
  # 45-restart.sh), with the same libraries
  for v in "$(dirname "$sabpf")"/variant/*/sabpf; do
    [ -x "$v" ] || continue
    mkdir -p "$root/sabpf/build/variant/$(basename "$(dirname "$v")")"
    cp "$v" "$root/sabpf/build/variant/$(basename "$(dirname "$v")")/sabpf"
  done
else
  echo "initramfs.sh: warning: $sabpf does not exist; the image has no agent" >&2
fi

# Host programs a scenario needs (run.sh: its "# vm-binaries:" lines), at
# their own paths, on the guest's PATH, with their libraries.
for prog in "${withs[@]}"; do
  case "$prog" in /*) ;; *) die "--with '$prog': give an absolute path" ;; esac
  [ -f "$prog" ] && [ -x "$prog" ] ||
    die "--with $prog: no such program (scripts/install-deps.sh installs the packages the scenarios need)"
  mkdir -p "$root/$(dirname "$prog")"
  rm -f "$root/$prog" # a busybox applet link of that name would be written through
  cp "$prog" "$root/$prog"
  is_static "$prog" || copy_libs "$prog"
done

# Extra static binaries, at their repository-relative path when possible.
for bin in "${extras[@]}"; do
  [ -f "$bin" ] || die "extra binary '$bin' does not exist"
  case "$bin" in
  *.bpf.o) ;; # a BPF object, data for `sabpf load`
  *) is_static "$bin" || die "extra binary '$bin' is dynamically linked: link it with -static" ;;
  esac
  abs=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
  case "$abs" in
  "$repo"/*) dest="$root/sabpf/${abs#"$repo"/}" ;;
  *) dest="$root/sabpf/bin/$(basename "$bin")" ;;
  esac
  mkdir -p "$(dirname "$dest")"
  cp "$bin" "$dest"
done

cp "$repo/tests/vm/guest-run.sh" "$root/sabpf/tests/vm/guest-run.sh"
if [ -n "$script" ]; then
  [ -f "$script" ] || die "script '$script' does not exist"
  mkdir -p "$root/sabpf/script"
  name=$(basename "$script" .sh)
  case "$name" in [0-9][0-9]-*) ;; *) name="00-$name" ;; esac
  cp "$script" "$root/sabpf/script/$name.sh"
  guest_scenarios=/sabpf/script
else
  [ -d "$scenarios" ] || die "scenario directory '$scenarios' does not exist"
  cp "$scenarios"/[0-9][0-9]-*.sh "$root/sabpf/tests/vm/scenarios/" 2>/dev/null ||
    echo "initramfs.sh: warning: no scenario in $scenarios" >&2
  guest_scenarios=/sabpf/tests/vm/scenarios
fi
chmod -R a+rX "$root/sabpf"
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod +x "$root"/sabpf/tests/vm/*.sh

echo sabpf-vm >"$root/etc/hostname"
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/:/bin/false
nobody:x:65534:65534:nobody:/:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
nogroup:x:65534:
EOF
echo "127.0.0.1 localhost sabpf-vm" >"$root/etc/hosts"

cat >"$root/init" <<EOF
#!/bin/sh
# init: the test VM's first process. Mounts what the agent needs, runs the
# scenarios (tests/vm/guest-run.sh), prints the results and powers off.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin:/sabpf/build:/sabpf/bin
export HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs tmpfs /run
# Keep kernel messages off the console: it carries the results.
dmesg -n 1
case "\${SABPF_VM_CGROUP:-v2}" in
hybrid)
  mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
  mkdir -p /sys/fs/cgroup/unified
  mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified
  for c in cpu,cpuacct memory pids; do
    mkdir -p /sys/fs/cgroup/\$c
    mount -t cgroup -o \$c cgroup /sys/fs/cgroup/\$c || rmdir /sys/fs/cgroup/\$c
  done
  ;;
*)
  mount -t cgroup2 cgroup2 /sys/fs/cgroup
  ;;
esac
mount -t securityfs securityfs /sys/kernel/security
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
hostname -F /etc/hostname
ip link set lo up 2>/dev/null
echo # the firmware leaves escape sequences on the current line
echo "SABPF-VM: booted \$(uname -r) at \$(cut -d' ' -f1 /proc/uptime)s, cgroup \${SABPF_VM_CGROUP:-v2}"
cd /sabpf
# run.sh attaches a blank NVMe drive (built into the cloud kernel) for the
# artifacts; without it they go over the console (guest-run.sh checks).
export SABPF_ARTIFACT_DEV=/dev/nvme0n1
sh /sabpf/tests/vm/guest-run.sh --scenarios $guest_scenarios --out /tmp/sabpf-out \\
  --sabpf /sabpf/build/sabpf --stream --check-dmesg
echo "SABPF-VM: done at \$(cut -d' ' -f1 /proc/uptime)s"
sync
sleep 1 # let the UART drain before the power goes
poweroff -f
EOF
chmod +x "$root/init"

mkdir -p "$(dirname "$output")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) |
  gzip -1 >"$output.tmp"
mv "$output.tmp" "$output"
echo "$output"
