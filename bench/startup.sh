#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# startup.sh: the agent's start-up and shut-down cost under TCG (the LSM
# backend runs only in the VM on these hosts). In one boot, RUNS runs of
# `SABPF_TIMING=2 sabpf run -q -- true`: load (the verifier), attach and
# detach times, and each program's verified instructions. bench/startup.py
# writes the data (bench/results/startup.json) and the section of
# docs/performance.md between its markers.
#
#   bench/startup.sh [--kernel 6.1|6.12] [--runs N]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
kernel=6.1
runs=2
while [ $# -gt 0 ]; do
  case "$1" in
  --kernel) kernel=$2; shift 2 ;;
  --runs) runs=$2; shift 2 ;;
  *) echo "startup.sh: unknown argument '$1' (usage: bench/startup.sh [--kernel K] [--runs N])" >&2; exit 2 ;;
  esac
done
case "$runs" in '' | *[!0-9]* | 0) echo "startup.sh: --runs needs a number above 0, not '$runs'" >&2; exit 2 ;; esac
out=build/startup
rm -rf "$out"
mkdir -p "$out/vm"
make -s all
cat >"$out/guest.sh" <<GUEST
#!/bin/sh
i=1
while [ \$i -le $runs ]; do
  SABPF_TIMING=2 "\$SABPF" run -q -- true 2>"\$OUT/run-\$i.txt" && echo "ok - run \$i" || echo "not ok - run \$i"
  i=\$((i + 1))
done
GUEST
load0=$(cut -d' ' -f1 /proc/loadavg)
SABPF_VM_DIR=build/vm-startup tests/vm/run.sh --script "$out/guest.sh" --out "$out/vm" --kernel "$kernel" --vm
load1=$(cut -d' ' -f1 /proc/loadavg)
/usr/bin/python3 bench/startup.py "$out/vm" --kernel "$kernel" --runs "$runs" --load "$load0,$load1" \
  --json bench/results/startup.json --doc docs/performance.md
