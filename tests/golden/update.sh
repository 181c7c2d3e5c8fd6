#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# update.sh: makes the golden capture anew in the test VM (6.1) and writes the
# expected outputs from it. Run it only when the record format or an output
# format changes on purpose, and say so in the commit: check.sh exists to
# prove that a change of structure changes no output byte.
#
#   tests/golden/update.sh            new capture, new expectations
#   tests/golden/update.sh --outputs  same capture, new expectations only
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=tests/golden
if [ "${1:-}" != --outputs ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  tests/vm/run.sh --vm --kernel 6.1 --script "$dir/capture-guest.sh" --out "$out"
  cp "$out/workload.raw" "$dir/workload.raw"
fi
"$dir/check.sh" --write
