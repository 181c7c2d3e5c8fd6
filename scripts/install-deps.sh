#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# install-deps.sh: install every build, test and VM dependency of sabpf from
# Debian packages. Idempotent: packages already present are left alone, and
# `apt-get update` runs only when something is missing.
set -euo pipefail

PACKAGES=(
  # build: compiler, BPF toolchain, static libraries for the one-binary agent
  make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev libzstd-dev
  # the policy parser (libyaml.a, for JSON and YAML policies; docs/policy.md)
  libyaml-dev
  # sealed (tamper-evident) outputs: SHA-256 and Ed25519 (libsodium.a)
  libsodium-dev
  # the Kafka sink and `sabpf consume` (librdkafka.a with lz4 and OpenSSL; the
  # Cyrus SASL headers for src/kafka_sasl.c); kcat, the tests' independent consumer
  librdkafka-dev liblz4-dev libssl-dev libsasl2-dev kcat
  # fuzzing the policy parser: libFuzzer and the sanitizer runtimes (tests/fuzz/run.sh)
  libclang-rt-dev
  # unit tests and formatting (test_container uses busybox-static and ip from iproute2)
  libcmocka-dev clang-format iproute2
  # VM harness: emulator, initramfs contents and tools
  qemu-system-x86 busybox-static cpio gzip xz-utils
  # third-party judges of our output
  python3 python3-prov python3-networkx python3-pytest graphviz
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
  exit 0
fi

echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps.sh: done"
