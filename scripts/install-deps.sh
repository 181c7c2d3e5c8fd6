#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# install-deps.sh: install every build, test and VM dependency of sabpf from
# Debian packages. Idempotent: packages already present are left alone, and
# `apt-get update` runs only when something is missing.
set -euo pipefail

PACKAGES=(
  # build: compiler, BPF toolchain, libraries of the agent
  make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev libzstd-dev
  # --metrics: the embedded HTTP server, and curl for its tests
  libmicrohttpd-dev curl
  # the policy parser (libyaml.a, for JSON and YAML policies; docs/policy.md)
  libyaml-dev
  # sealed (tamper-evident) outputs: SHA-256 and Ed25519 (libsodium.a)
  libsodium-dev
  # fuzzing the policy parser: libFuzzer and the sanitizer runtimes (tests/fuzz/run.sh)
  libclang-rt-dev
  # unit tests and formatting (test_container uses busybox-static and ip from iproute2)
  libcmocka-dev clang-format iproute2
  # VM harness: emulator, initramfs contents and tools
  qemu-system-x86 busybox-static cpio gzip xz-utils
  # third-party judges of our output
  python3 python3-prov python3-networkx python3-pytest graphviz
  # the OCI image (scripts/build-image.sh, tests/native/scenarios/60-image.sh)
  # and the judge of the Kubernetes manifests (tests/tools/k8s_manifests.py)
  podman runc python3-kubernetes python3-yaml
  # the detector's evaluation (bench/detect/eval.sh): a database under a benchmark
  # (the web server is busybox httpd, the build gcc and make, the client curl)
  redis-server redis-tools sqlite3
)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: must run as root (it calls apt-get); try: sudo $0" >&2
  exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps.sh: all ${#PACKAGES[@]} packages already installed"
else
  echo "install-deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# promtool, the judge of the --metrics page, without installing the
# prometheus package (which would enable a Prometheus server on a host with
# systemd): the package is downloaded and only promtool is unpacked, into
# $TOOLS (tests look there; nothing outside it changes).
TOOLS=${SABPF_TOOLS:-/var/cache/sabpf-tools}
if [ ! -x "$TOOLS/bin/promtool" ]; then
  mkdir -p "$TOOLS/bin"
  tmp=$(mktemp -d)
  chmod 777 "$tmp" # apt-get download fetches as the _apt user
  (cd "$tmp" && apt-get download -qq prometheus >/dev/null) ||
    { [ -n "${missing[*]}" ] || apt-get update -qq; (cd "$tmp" && apt-get download -qq prometheus >/dev/null); }
  dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x"
  install -m 755 "$tmp/x/usr/bin/promtool" "$TOOLS/bin/promtool"
  rm -rf "$tmp"
  echo "install-deps.sh: promtool in $TOOLS/bin"
fi
echo "install-deps.sh: done"
