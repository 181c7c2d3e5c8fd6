#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# policy.sh: the cost of a policy decision per hook, allowed and denied,
# from the host: runs bench/policy-guest.sh in the test VM (or natively with
# --native) and prints its table; results in build/bench-policy/.
#
#   bench/policy.sh [--rounds N] [--calls N] [--kernel 6.1|6.12] [--native]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
rounds=5
calls=2000
args=()
while [ $# -gt 0 ]; do
  case "$1" in
  --rounds) rounds=$2; shift 2 ;;
  --calls) calls=$2; shift 2 ;;
  --kernel) args+=(--kernel "$2"); shift 2 ;;
  --native | --vm) args+=("$1"); shift ;;
  *) echo "bench/policy.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "bench/policy.sh: --rounds '$rounds': a positive number" >&2; exit 2; }
[[ "$calls" =~ ^[1-9][0-9]*$ ]] || { echo "bench/policy.sh: --calls '$calls': a positive number" >&2; exit 2; }
make -s all
mkdir -p build/bench-policy
sed -e "s/^rounds=.*/rounds=$rounds/" -e "s/^n=.*/n=$calls/" bench/policy-guest.sh >build/bench-policy/policy-guest.sh
tests/vm/run.sh --script build/bench-policy/policy-guest.sh --out build/bench-policy "${args[@]}"
cat build/bench-policy/policy-table.txt
