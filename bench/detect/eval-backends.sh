#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# eval-backends.sh: the detector's evaluation on both backends, for their
# comparison (docs/detection.md, "The two backends"), as root: one plan
# (bench/detect/eval.py plan: 52 benign runs of four workload kinds, 14
# attack runs) run by bench/detect/eval-guest.sh natively on the trace
# backend and in the test VM (QEMU/TCG, Debian's cloud kernel) on the LSM
# backend; each backend's captures are imported, scored like the main
# evaluation (bench/detect/results/eval-trace.json, eval-lsm.json), and
# compared in docs/detection.md. The VM half takes most of the time (TCG).
#
#   bench/detect/eval-backends.sh [--kernel 6.1|6.12] [--reuse] [--only trace|lsm]
#
# --reuse scores the captures of a previous run again; --only collects one
# backend's captures (the other's must be there to compare).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
kernel=6.12 reuse=0 only=""
while [ $# -gt 0 ]; do
  case $1 in
    --kernel) kernel=${2:?}; shift 2 ;;
    --reuse) reuse=1; shift ;;
    --only) only=${2:?}; shift 2 ;;
    *)
      echo "eval-backends.sh: unknown option '$1' (--kernel 6.1|6.12, --reuse, --only trace|lsm)" >&2
      exit 2
      ;;
  esac
done
case $only in "" | trace | lsm) ;; *) echo "eval-backends.sh: --only trace or lsm, not '$only'" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || {
  echo "eval-backends.sh: must run as root (sabpf run audits a container); try: sudo $0" >&2
  exit 1
}
py=/usr/bin/python3
d=build/detect-eval/backends
make -s all
mkdir -p "$d"
$py bench/detect/eval.py plan --out "$d/plan.tsv"
for b in trace lsm; do
  [ -n "$only" ] && [ "$only" != "$b" ] && continue
  if [ "$reuse" = 1 ] && [ -f "$d/$b/runs.tsv" ]; then continue; fi
  echo "eval-backends.sh: collecting on the $b backend ($(date -u +%H:%M:%S))" >&2
  if [ "$b" = trace ]; then
    EVAL_BACKEND=trace tests/vm/run.sh --script bench/detect/eval-guest.sh --out "$d/$b" --native
  else
    echo lsm >"$d/backend" # for the VM's image
    SABPF_VM_MEM=${SABPF_VM_MEM:-2048} SABPF_VM_TIMEOUT=${SABPF_VM_TIMEOUT:-9600} \
      SABPF_VM_DIR=${SABPF_VM_DIR:-build/vm-detect} \
      tests/vm/run.sh --script bench/detect/eval-guest.sh --out "$d/$b" --vm --kernel "$kernel" \
      --extra bench/detect/workload.sh --extra bench/detect/attacks.sh \
      --extra "$d/plan.tsv" --extra "$d/backend"
  fi
done
for b in trace lsm; do
  $py bench/detect/eval.py import --dir "$d/$b" --backend "$b"
  $py bench/detect/eval.py score --dir "$d/$b" --out "bench/detect/results/eval-$b.json"
done
$py bench/detect/eval.py compare bench/detect/results/eval-trace.json bench/detect/results/eval-lsm.json
echo "eval-backends.sh: bench/detect/results/eval-{trace,lsm}.json and docs/detection.md written"
