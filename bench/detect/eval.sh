#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# eval.sh: the whole evaluation of `sabpf detect` (docs/detection.md,
# "Evaluation"), natively on the trace backend, as root: builds, runs the
# benign workloads and attacks in containers (captures in build/detect-eval),
# trains, chooses the threshold on benign validation runs, scores the test
# runs and attacks, runs the parameter sweep and the long benign runs, writes
# bench/detect/results/eval.json and the figures of docs/detection.md.
# Takes minutes (docs/detection.md gives the last run's times). `make eval` runs it.
#
#   bench/detect/eval.sh [--no-sweep] [--reuse]
#
# --reuse scores the captures of a previous run again (after a change to the
# detector) instead of running the workloads anew.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
sweep=--sweep reuse=0
for a in "$@"; do
  case $a in
    --no-sweep) sweep= ;;
    --reuse) reuse=1 ;;
    *)
      echo "eval.sh: unknown option '$a' (--no-sweep, --reuse)" >&2
      exit 2
      ;;
  esac
done
[ "$(id -u)" = 0 ] || {
  echo "eval.sh: must run as root (sabpf run audits a container); try: sudo $0" >&2
  exit 1
}
make -s all
dir=build/detect-eval/full
if [ "$reuse" = 0 ] || [ ! -f "$dir/runs.json" ]; then
  rm -rf "$dir"
  /usr/bin/python3 bench/detect/eval.py collect --dir "$dir"
fi
/usr/bin/python3 bench/detect/eval.py score --dir "$dir" --out bench/detect/results/eval.json $sweep
# long benign runs against models of single runs and of a long one too
/usr/bin/python3 bench/detect/eval.py soak --dir "$dir" --out bench/detect/results/eval.json
/usr/bin/python3 bench/detect/eval.py docs bench/detect/results/eval.json
echo "eval.sh: bench/detect/results/eval.json and docs/detection.md written"
