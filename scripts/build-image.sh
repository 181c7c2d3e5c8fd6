#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# build-image.sh: builds the sabpf OCI image with podman, FROM scratch: the
# agent (build/sabpf), exactly the shared libraries ldd names for it, an
# empty /etc/sabpf and /var/log/sabpf, and nothing else (no shell, no
# package manager: nothing for an intruder in the agent's container to use).
# The image is localhost/sabpf:VERSION (VERSION: `git describe`, or
# "dev"), saved as an OCI archive that `ctr -n k8s.io image import`,
# `podman load` or `kind load image-archive` take. deploy/ uses it.
#
#   scripts/build-image.sh [-o ARCHIVE] [--store DIR]
#
# --store DIR keeps podman's images and state in DIR (default
# build/image/store) instead of the system's /var/lib/containers, so that
# building touches nothing outside the repository.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
out=build/image/sabpf-image.tar
store=$repo/build/image/store
die() {
  echo "build-image.sh: $*" >&2
  exit 1
}
while [ $# -gt 0 ]; do
  case "$1" in
  -o) out=$2; shift 2 ;;
  --store) store=$2; shift 2 ;;
  *) die "unknown argument '$1' (usage: scripts/build-image.sh [-o ARCHIVE] [--store DIR])" ;;
  esac
done
store=$(realpath -m "$store") # podman keeps the path it was first given
command -v podman >/dev/null || die "podman not found: run scripts/install-deps.sh"
make -s build/sabpf || die "the agent does not build (make build/sabpf)"

version=$(git describe --always --dirty 2>/dev/null || echo dev)
ctx=build/image/ctx
rm -rf "$ctx"
mkdir -p "$ctx/rootfs/usr/bin" "$ctx/rootfs/etc/sabpf" "$ctx/rootfs/var/log/sabpf" "$ctx/rootfs/tmp"
cp build/sabpf "$ctx/rootfs/usr/bin/sabpf"
while read -r lib; do
  [ -f "$lib" ] || die "build/sabpf needs $lib, which does not exist"
  mkdir -p "$ctx/rootfs$(dirname "$lib")"
  cp -L "$lib" "$ctx/rootfs$lib"
done < <(ldd build/sabpf | grep -oE '/[^ ]+' | sort -u)
cat >"$ctx/Containerfile" <<EOC
FROM scratch
COPY rootfs/ /
LABEL org.opencontainers.image.title="sabpf" \\
      org.opencontainers.image.description="per-container kernel audit on eBPF" \\
      org.opencontainers.image.version="$version" \\
      org.opencontainers.image.licenses="(LGPL-2.1 OR BSD-2-Clause) AND GPL-2.0"
ENTRYPOINT ["/usr/bin/sabpf"]
CMD ["doctor"]
EOC
p=(podman --root "$store/root" --runroot "$store/run" --cgroup-manager cgroupfs)
"${p[@]}" build -q --network none -t "localhost/sabpf:$version" -f "$ctx/Containerfile" "$ctx" >/dev/null ||
  die "podman build failed"
mkdir -p "$(dirname "$out")"
rm -f "$out"
"${p[@]}" save -q --format oci-archive -o "$out" "localhost/sabpf:$version" || die "podman save failed"
echo "build-image.sh: localhost/sabpf:$version, $(du -h "$out" | cut -f1) in $out (store $store)"
