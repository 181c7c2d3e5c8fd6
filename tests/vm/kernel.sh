#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# kernel.sh: fetch and cache the Debian cloud kernel that the test VM boots.
#
#   tests/vm/kernel.sh [6.1|6.12]      prints the path of the cached vmlinuz
#
# 6.1 (default) comes from bookworm; 6.12 from bookworm-backports, reached
# through a private apt configuration in the cache (apt-backports.sh): the
# machine's apt sources are not changed. The exact package is
# resolved through the metapackage linux-image-cloud-amd64, since the archive
# moves on (6.1.0-NN changes with every security update). The image lands in
# ${SABPF_VM_CACHE:-/var/cache/sabpf-vm}/kernel-<series>/; a second call only
# checks that file and prints its path.
set -euo pipefail

series=${1:-6.1}
cache=${SABPF_VM_CACHE:-/var/cache/sabpf-vm}
dir="$cache/kernel-$series"
# shellcheck source=tests/vm/apt-backports.sh
source "$(dirname "$0")/apt-backports.sh"

die() {
  echo "kernel.sh: $*" >&2
  exit 1
}

case "$series" in
6.1 | 6.12) ;;
*) die "unknown kernel series '$series': use 6.1 (bookworm) or 6.12 (bookworm-backports)" ;;
esac

# Fast path: already fetched.
if [ -s "$dir/vmlinuz" ]; then
  echo "$dir/vmlinuz"
  exit 0
fi

# Newest version of linux-image-cloud-amd64 in the wanted series, e.g. 6.1.192-2.
newest_meta_version() {
  papt_cache madison linux-image-cloud-amd64 | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' |
    grep -E "^${series//./\\.}\." | sort -V | tail -1
}

papt_ensure || die "cannot set up the private apt configuration in $PAPT_DIR (is the Debian archive reachable?)"
meta=$(newest_meta_version)
if [ -z "$meta" ]; then
  papt_update || true
  meta=$(newest_meta_version)
fi
[ -n "$meta" ] || die "apt knows no linux-image-cloud-amd64 version $series.*: check the machine's apt sources (a bookworm archive is needed)"

# linux-image-cloud-amd64 depends on linux-image-<abi>-cloud-amd64; we take
# the -unsigned build of the same ABI (same image, no signature wrapper).
image=$(papt_cache show "linux-image-cloud-amd64=$meta" | sed -n 's/^Depends: *\(linux-image-[^ ,]*\).*/\1/p' | head -1)
[ -n "$image" ] || die "cannot resolve the kernel package behind linux-image-cloud-amd64=$meta"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "kernel.sh: downloading $image-unsigned (via linux-image-cloud-amd64 $meta)" >&2
apt_download_to "$tmp" "$image-unsigned" || apt_download_to "$tmp" "$image" ||
  die "apt-get download $image-unsigned failed: is the Debian archive reachable?"

deb=$(ls "$tmp"/*.deb | head -1)
dpkg-deb -x "$deb" "$tmp/root"
vmlinuz=$(ls "$tmp"/root/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$vmlinuz" ] || die "$deb holds no boot/vmlinuz-*"

mkdir -p "$dir"
cp "$vmlinuz" "$dir/vmlinuz.tmp"
cp "$tmp"/root/boot/config-* "$dir/config" 2>/dev/null || true
basename "$vmlinuz" | sed 's/^vmlinuz-//' >"$dir/release"
echo "$image $meta" >"$dir/package"
mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
echo "$dir/vmlinuz"
