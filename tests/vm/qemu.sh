#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# qemu.sh: prints the qemu-system-x86_64 command that runs the test VM.
#
#   tests/vm/qemu.sh          path of a wrapper that runs QEMU from bookworm-backports
#
# Why not the system's QEMU 7.2: under its TCG, Debian's 6.12 cloud kernel
# oopses in roughly a third of boots (kmem_cache_alloc, do_sync_core, NULL
# dereferences in early boot, with any -cpu model, with thread=single and
# with -smp 1), while QEMU 10 from bookworm-backports booted it 12 times out
# of 12. So the harness uses that one, fetched like the kernels: downloaded
# with `apt-get download` (qemu-system-x86, -common, -data) and unpacked
# into ${SABPF_VM_CACHE:-/var/cache/sabpf-vm}/qemu-backports/, never
# installed. The wrapper points it at its own firmware and modules, with
# the system's seabios (/usr/share/qemu) behind them. When that cannot be
# had (archive unreachable, a library missing), it prints the system's
# qemu-system-x86_64 instead, with a warning. SABPF_VM_QEMU=system forces
# the system's.
set -euo pipefail

cache=${SABPF_VM_CACHE:-/var/cache/sabpf-vm}
dir="$cache/qemu-backports"
wrapper="$dir/qemu-system-x86_64"
# shellcheck source=tests/vm/apt-backports.sh
source "$(dirname "$0")/apt-backports.sh"

system_qemu() {
  command -v qemu-system-x86_64 || {
    echo "qemu.sh: no qemu-system-x86_64: install qemu-system-x86 (scripts/install-deps.sh)" >&2
    exit 1
  }
}

fall_back() {
  echo "qemu.sh: warning: $*; using the system's QEMU (6.12 guests may crash under its TCG)" >&2
  system_qemu
  exit 0
}

if [ "${SABPF_VM_QEMU:-backports}" = system ]; then
  system_qemu
  exit 0
fi
if [ -x "$wrapper" ]; then
  echo "$wrapper"
  exit 0
fi

papt_ensure || fall_back "bookworm-backports is not reachable"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "qemu.sh: downloading qemu-system-x86 from bookworm-backports" >&2
apt_download_to "$tmp" qemu-system-x86/bookworm-backports qemu-system-common/bookworm-backports \
  qemu-system-data/bookworm-backports || fall_back "apt-get download of QEMU from bookworm-backports failed"
for deb in "$tmp"/*.deb; do
  dpkg-deb -x "$deb" "$tmp/root"
done
binary="$tmp/root/usr/bin/qemu-system-x86_64"
[ -x "$binary" ] || fall_back "the downloaded packages hold no qemu-system-x86_64"
missing=$(ldd "$binary" | awk '/not found/ { print $1 }' | tr '\n' ' ')
[ -z "$missing" ] || fall_back "QEMU from bookworm-backports needs libraries this host lacks: $missing"

rm -rf "$dir"
mkdir -p "$cache"
mv "$tmp/root" "$dir"
for deb in "$tmp"/*.deb; do basename "$deb"; done >"$dir/packages"
cat >"$wrapper.tmp" <<EOT
#!/bin/sh
# Runs QEMU from bookworm-backports, unpacked here by tests/vm/qemu.sh.
QEMU_MODULE_DIR="$dir/usr/lib/x86_64-linux-gnu/qemu" exec "$dir/usr/bin/qemu-system-x86_64" \\
  -L "$dir/usr/share/qemu" -L /usr/share/qemu "\$@"
EOT
chmod +x "$wrapper.tmp"
"$wrapper.tmp" --version >/dev/null || fall_back "the unpacked QEMU does not start"
mv "$wrapper.tmp" "$wrapper"
echo "$wrapper"
