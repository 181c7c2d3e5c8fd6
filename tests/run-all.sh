#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# run-all.sh: the whole suite, as `make test` and CI run it: unit tests on
# the host, a short fuzzing run of the policy parser, the golden-capture
# conversion check (tests/golden/check.sh), then the integration
# scenarios (natively where the host kernel runs BPF LSM programs, else inside
# the QEMU test VM, on both LTS kernels, then again with the hybrid cgroup
# layout), then the host-side checks of their artifacts, then the native
# scenarios of the trace backend (tests/native/run.sh), then a smoke test of
# the native benchmark (bench/smoke.sh). Ends with the line
# "N passed, N failed, N skipped" (skipped: strict expected failures).
set -u
cd "$(dirname "$0")/.."
total_pass=0 total_fail=0 total_skip=0

count() { # count LOGFILE: adds the "X: N passed, N failed[, N skipped]" line of a stage
  local line p f k
  line=$(grep -aE '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
  if [ -z "$line" ]; then
    echo "run-all: stage $1 printed no summary: counted as 1 failure"
    total_fail=$((total_fail + 1)); return
  fi
  p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
  f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  k=0
  [[ "$line" =~ ([0-9]+)\ skipped ]] && k=${BASH_REMATCH[1]}
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + k))
}

logs=build/test-logs; rm -rf "$logs"; mkdir -p "$logs"
t_all=$SECONDS
took() { echo "# stage took $((SECONDS - $2))s" >>"$1"; } # LOGFILE START: for tests/tools/timing.py
t=$SECONDS; make -s unit 2>&1 | tee "$logs/unit.log"; took "$logs/unit.log" $t; count "$logs/unit.log"
# A short fuzzing run of the policy parser (libFuzzer, ASan, UBSan) from the
# seed corpus in tests/fuzz/corpus: one test, failed by any crash or leak.
t=$SECONDS
if tests/fuzz/run.sh 20 >"$logs/fuzz.log" 2>&1; then
  echo "fuzz: 1 passed, 0 failed" | tee -a "$logs/fuzz.log"
else
  tail -20 "$logs/fuzz.log"
  echo "fuzz: 0 passed, 1 failed" | tee -a "$logs/fuzz.log"
fi
took "$logs/fuzz.log" $t; count "$logs/fuzz.log"
# The golden capture: `sabpf convert` output byte-identical in every format
# (tests/golden/check.sh), so that a change of structure changes no output.
# Every source file names its licence, and every C file of src/ and bpf/
# says what it is for in its top comment (LICENSE; tests/tools/spdx.py).
python3 tests/tools/spdx.py >"$logs/license.log" 2>&1; tail -1 "$logs/license.log"; count "$logs/license.log"
# Every C file as clang-format leaves it (.clang-format; fix: make format).
make -s format-check >"$logs/format.log" 2>&1; tail -1 "$logs/format.log"; count "$logs/format.log"
# The flow diagram of docs/architecture.md parses (dot -Tsvg) and names only
# files that exist (tests/tools/diagram.sh).
tests/tools/diagram.sh >"$logs/diagram.log" 2>&1; tail -1 "$logs/diagram.log"; count "$logs/diagram.log"
# The Kubernetes manifests (deploy/), judged by the official client's models
# (tests/tools/k8s_manifests.py: no API server here for a server dry run).
/usr/bin/python3 tests/tools/k8s_manifests.py >"$logs/deploy.log" 2>&1; tail -1 "$logs/deploy.log"; count "$logs/deploy.log"
# The systemd unit (deploy/sabpf.service), by systemd-analyze verify/security.
tests/tools/systemd_unit.sh >"$logs/systemd.log" 2>&1; tail -1 "$logs/systemd.log"; count "$logs/systemd.log"
t=$SECONDS; tests/golden/check.sh >"$logs/golden.log" 2>&1; tail -1 "$logs/golden.log"
took "$logs/golden.log" $t; count "$logs/golden.log"
# The detector and lineage on the golden capture (tests/detect/check.sh).
t=$SECONDS; tests/detect/check.sh >"$logs/detect.log" 2>&1; tail -1 "$logs/detect.log"
took "$logs/detect.log" $t; count "$logs/detect.log"
# docs/detection.md's figures as its generators write them from the results
# in bench/detect/results (tests/tools/detect_docs.sh).
tests/tools/detect_docs.sh >"$logs/detect-docs.log" 2>&1; tail -1 "$logs/detect-docs.log"
count "$logs/detect-docs.log"
# The hybrid cgroup layout of our own machines (v1 controllers, cgroup v2 at
# /sys/fs/cgroup/unified): the scenarios that depend on cgroups, "run" and
# "scope" (the glob matches the names ending in n or e), on one kernel.
hybrid_args=(--kernel 6.1 --cgroup hybrid --only '*[ne]')
vm=${SABPF_VM_DIR:-build/vm}
if build/sabpf doctor >/dev/null 2>&1; then
  # natively: one run after the other (they share the host's kernel)
  tests/vm/run.sh 2>&1 | tee "$logs/integration.log"; count "$logs/integration.log"
  SABPF_VM_DIR=$vm-hybrid tests/vm/run.sh "${hybrid_args[@]}" 2>&1 | tee "$logs/integration-hybrid.log"
  count "$logs/integration-hybrid.log"
else
  # In VMs the boots run at once, each in its own directory: the guests
  # spend most of their time waiting on the kernel (program detach, RCU: on
  # a loaded machine, detaching the programs slows down far less than
  # loading them, which is CPU work), so boots side by side cost about as
  # long as the longest alone. Each kernel's scenarios are split between two
  # boots by one list, given to --only in one and to --skip in the other:
  # every scenario runs in exactly one of them (a new one in the second),
  # each with its host-side checks. The list is chosen from the scenarios'
  # times (docs/testing.md, "How long it takes") for two boots of about the
  # same length; a scenario in the wrong half makes the run longer, never smaller.
  # Kernels and QEMU are fetched first, one at a time (apt and the cache).
  make -s all >"$logs/make.log" 2>&1
  tests/vm/qemu.sh >/dev/null 2>&1
  for k in 6.1 6.12; do tests/vm/kernel.sh "$k" >/dev/null 2>&1; done
  # (runtimes, which runs runc, is in the second boot; seal moved to the first
  # to keep the two about even: tests/vm/scenarios/72-runtimes.sh)
  half==loss,=policy,=ipc,=hooks2,=errors,=denials,=seal
  # (=NAME: that scenario only; a plain word would also take config-policy)
  # config-policy (the configuration file's policies: ~180 s under TCG) runs
  # on 6.1 only, in its shorter boot: 6.1-rest stays shorter than 6.12's
  one==config-policy
  boots=( # LABEL ARGS... (of tests/vm/run.sh)
    "6.1 --kernel 6.1 --only $half"
    "6.1-rest --kernel 6.1 --skip $half"
    "6.12 --kernel 6.12 --only $half"
    "6.12-rest --kernel 6.12 --skip $half,$one"
    "hybrid ${hybrid_args[*]}"
  )
  # the native scenarios (trace backend, on the host) beside the VMs: under
  # TCG the guests spend much of their time waiting for the kernel's RCU
  # grace periods (detaching programs), which leaves the host CPU to them
  tests/native/run.sh >"$logs/native.log" 2>&1 &
  native_pid=$!
  labels=()
  for b in "${boots[@]}"; do
    read -r l args <<<"$b"
    labels+=("$l")
    dir=$vm-$l
    [ "$l" = 6.1 ] && dir=$vm # build/vm/6.1/out, as before (docs/performance.md reads loss's)
    # shellcheck disable=SC2086 # ARGS are words; the one glob, *[ne], stays one under set -f
    (set -f; SABPF_VM_DIR=$dir tests/vm/run.sh $args >"$logs/integration-$l.log" 2>&1) &
  done
  wait
  for l in "${labels[@]}"; do
    cat "$logs/integration-$l.log"
    count "$logs/integration-$l.log"
  done
fi
# The trace backend natively on this host, whatever its LSM support
# (tests/native, no VM): started beside the VMs above when there are VMs.
if [ -n "${native_pid:-}" ]; then
  cat "$logs/native.log"
else
  tests/native/run.sh 2>&1 | tee "$logs/native.log"
fi
count "$logs/native.log"
# The native benchmark's pipeline with tiny counts (bench/smoke.sh, ~10 s):
# data well-formed, audit state restored, the doc generator and its refusals.
t=$SECONDS; bench/smoke.sh >"$logs/bench.log" 2>&1; tail -1 "$logs/bench.log"
took "$logs/bench.log" $t; count "$logs/bench.log"
# "skipped" are strict expected failures (xfail): known gaps, each with its
# reason (e.g. a motif whose hook is not captured yet); an unexpected pass fails
{ echo "all: $total_pass passed, $total_fail failed, $total_skip skipped"
  echo "# run-all took $((SECONDS - t_all))s"; } >"$logs/run-all.log"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
