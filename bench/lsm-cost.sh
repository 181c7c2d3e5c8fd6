#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# lsm-cost.sh: the LSM backend's native cost, estimated (issue 10): these
# hosts refuse LSM programs, so their per-run cost is measured in the TCG VM
# and scaled by TCG's slowdown for BPF code, which the trace backend's
# programs give: they run both in the VM and natively on the same workload
# (bench/lsm-cost-guest.sh). bench/lsm_cost.py then writes the data
# (bench/results/lsm-cost.json) and the section of docs/performance.md
# between its markers.
#
#   bench/lsm-cost.sh [--kernel 6.1|6.12] [--iterations N]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
kernel=6.1
n=2000
while [ $# -gt 0 ]; do
  case "$1" in
  --kernel) kernel=$2; shift 2 ;;
  --iterations) n=$2; shift 2 ;;
  *) echo "lsm-cost.sh: unknown argument '$1' (usage: bench/lsm-cost.sh [--kernel K] [--iterations N])" >&2; exit 2 ;;
  esac
done
command -v busybox >/dev/null || { echo "lsm-cost.sh: busybox not found (install-deps.sh)" >&2; exit 1; }
out=build/lsm-cost
rm -rf "$out"
mkdir -p "$out/vm" "$out/native"
make -s all
load0=$(cut -d' ' -f1 /proc/loadavg)
# the guest script with its settings baked in (the VM sees only its initramfs)
sed "s/^n=\${LSMCOST_N:-2000}/n=$n/" bench/lsm-cost-guest.sh >"$out/guest.sh"
tests/vm/run.sh --script "$out/guest.sh" --out "$out/vm" --kernel "$kernel" --vm
SABPF="$repo/build/sabpf" OUT="$out/native" LSMCOST_N=$n LSMCOST_BACKENDS=trace busybox sh bench/lsm-cost-guest.sh
load1=$(cut -d' ' -f1 /proc/loadavg)
/usr/bin/python3 bench/lsm_cost.py "$out" --kernel "$kernel" --iterations "$n" --load "$load0,$load1" \
  --json bench/results/lsm-cost.json --doc docs/performance.md
