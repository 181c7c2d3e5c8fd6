#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# soak.sh: the soak test of tests/native/scenarios/58-soak.sh for longer
# (`make bench`): three containers under a mixed workload for SECONDS, the
# broker dropped once, the agent restarted once, the disk spool filled once,
# every record accounted for (tests/native/soak_check.py). The pace is
# stretched with the length so that each container's records stay well
# within one partition of the mock cluster (5 MiB). Keeps the figures in
# bench/results/soak.json and the checker's lines in bench/results/soak.txt,
# then renders the soak section of docs/operations.md (bench/soak_doc.py).
# Run as root (the trace backend), after `make`.
#
#   bench/soak.sh [SECONDS]      (default 300)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
seconds=${1:-300}
out=build/bench-soak
rm -rf "$out"
mkdir -p "$out" bench/results
# three times the test's volume (a pause of 0.3 s over 40 s), spread over
# the longer run: about a third of what a partition holds per container
pace=$(awk -v s="$seconds" 'BEGIN { p = 0.3 * s / 40 / 3; if (p < 0.3) p = 0.3; printf "%.2f", p }')
echo "soak: ${seconds} s, a pause of ${pace} s per iteration, into $out"
status=0
start=$(date +%s.%N)
SABPF=$repo/build/sabpf OUT=$repo/$out SOAK_SECONDS=$seconds SOAK_PACE=$pace \
  sh tests/native/scenarios/58-soak.sh | tee "$out/soak.tap" || status=$?
wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
if [ "$status" -ne 0 ] || [ ! -s "$out/soak-figures.json" ]; then
  echo "soak: failed (exit $status): see $out/soak.tap"
  exit 1
fi
/usr/bin/python3 - "$out/soak-figures.json" "$pace" "$(grep -c '^ok - ' "$out/soak.tap")" \
  "$(nproc)" "$(uname -r)" "$wall" >bench/results/soak.json <<'EOF'
import json, sys
fig = json.load(open(sys.argv[1]))
fig.update(pace_seconds=float(sys.argv[2]), scenario_ok=int(sys.argv[3]),
           host_cpus=int(sys.argv[4]), kernel=sys.argv[5], wall_seconds=int(sys.argv[6]))
json.dump(fig, sys.stdout, indent=1, sort_keys=True)
print()
EOF
cp "$out/soak-check-real.log" bench/results/soak.txt
/usr/bin/python3 bench/soak_doc.py
