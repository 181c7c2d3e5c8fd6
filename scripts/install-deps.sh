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
  # the Kafka sink and `sabpf consume` (librdkafka.a with lz4 and OpenSSL; the
  # Cyrus SASL headers for src/kafka_sasl.c); kcat, the tests' independent consumer
  librdkafka-dev liblz4-dev libssl-dev libsasl2-dev kcat
  # fuzzing the policy parser: libFuzzer and the sanitizer runtimes (tests/fuzz/run.sh)
  libclang-rt-dev
  # unit tests and formatting (test_container uses busybox-static and ip from iproute2)
  libcmocka-dev clang-format iproute2
  # VM harness: emulator, initramfs contents and tools
  qemu-system-x86 busybox-static cpio gzip xz-utils
  # real container runtimes for the native identity test (tests/native/scenarios/70-runtimes.sh);
  # (podman and runc below); their services are not started: the test runs its own dockerd
  docker.io containerd
  # the CRI test (tests/native/scenarios/75-cri.sh): its minimal CRI client
  # (tests/native/cri/cri_client.py) compiles its proto with grpcio-tools
  python3-grpcio python3-grpc-tools python3-protobuf
  # third-party judges of our output
  python3 python3-prov python3-networkx python3-pytest graphviz
  # the OCI image (scripts/build-image.sh, tests/native/scenarios/60-image.sh)
  # and the judge of the Kubernetes manifests (tests/tools/k8s_manifests.py)
  podman runc python3-kubernetes python3-yaml
  # the native benchmark (bench/native.py): auditd as the reference, and the
  # macro workloads (it runs its own redis-server and nginx from private
  # configurations; on a host where apt starts services, stop theirs if unwanted)
  auditd postmark redis-server redis-tools nginx wrk
  # the detector's evaluation (bench/detect/eval.sh): sqlite3 (redis above)
  sqlite3
)
# kubectl's client side (`kubectl kustomize`, no API server) for
# tests/tools/k8s_manifests.py: Debian's kubernetes-client, unless a kubectl
# is there already (another package, a vendor's, may own /usr/bin/kubectl)
command -v kubectl >/dev/null 2>&1 || PACKAGES+=(kubernetes-client)

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
  # Packages that come with a service (the benchmark's auditd, redis-server
  # and nginx) start and enable it on a host run by systemd. This script
  # installs them as tools, not as services: a service it just installed is
  # stopped and disabled again, so the host runs what it ran before.
  if [ -d /run/systemd/system ]; then
    for pkg in "${missing[@]}"; do
      case "$pkg" in
      auditd | redis-server | nginx | docker.io | containerd)
        svc=${pkg%.io}
        [ "$pkg" = redis-server ] && svc=redis-server
        systemctl disable --now "$svc" >/dev/null 2>&1 &&
          echo "install-deps.sh: $pkg's service $svc stopped and disabled (it was not there before)"
        ;;
      esac
    done
  fi
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
