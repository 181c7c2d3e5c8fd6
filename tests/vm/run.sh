#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# run.sh: the integration test driver. Builds what is needed, runs the
# scenarios of tests/vm/scenarios natively (when `build/sabpf doctor` passes
# on this host) or inside a QEMU/TCG VM booted with Debian's cloud kernel,
# brings their artifacts back and runs the host-side checks (pytest on
# tests/integration). See docs/testing.md.
#
#   tests/vm/run.sh [--kernel 6.1|6.12|all (default)] [--native|--vm] [--only PATTERNS]
#                   [--skip PATTERNS] [--cgroup v2|hybrid] [--extra FILE]... [--with NAMES]
#   tests/vm/run.sh --script FILE --out DIR [--kernel 6.1 (default)|6.12] [--native|--vm]
#
# Scenario mode ends with the line "integration: N passed, N failed" (the
# scenarios' ok/not ok lines plus pytest's passed/failed counts) and exits
# non-zero if anything failed. A VM that does not boot, times out or prints
# no results counts as a failure, never as a skip.
#
# PATTERNS: comma-separated shell globs or plain words (a word matches every
# name containing it, =WORD that name only), as tests/vm/guest-run.sh reads them. --only runs the
# scenarios matching one of them, --skip the others; each selects the
# host-side checks test_NAME.py the same way, by the scenario the file
# names in a line SCENARIO = "..." or else by NAME. One list given to --only
# in one run and to --skip in another splits the suite between two VMs.
#
# A scenario names the host programs it needs in the VM (from Debian
# packages, e.g. runc) on a line "# vm-binaries: FILE..." near its top; the
# initramfs holds them (with their libraries) only when such a scenario is
# selected. A line "# vm-binaries-NAME: FILE..." adds programs only with
# --with NAME (comma-separated names, or SABPF_VM_WITH): parts of a scenario
# too big or slow for every run (72-runtimes.sh's containerd, --with containerd).
#
# Script mode runs one guest script the same way (SABPF, OUT and SCENARIO
# set; its own "# vm-binaries:" lines name the host programs it needs),
# copies what it wrote to $OUT into DIR, and exits with its status.
#
# Environment: SABPF_VM_KERNELS (default kernel list, "6.1 6.12"), SABPF_VM_TIMEOUT
# (hard limit of one VM run in seconds, default 3000: a whole suite in one boot takes 20-35 minutes under TCG on a loaded 2-core machine), SABPF_SCENARIO_TIMEOUT
# (default limit of one scenario, default 300), SABPF_VM_CACHE (kernel cache),
# SABPF_VM_MEM (MiB, default 1024), SABPF_VM_CGROUP (v2|hybrid), SABPF_VM_QEMU
# (system: the installed QEMU 7.2 instead of bookworm-backports' QEMU 10,
# see tests/vm/qemu.sh), SABPF_VM_DIR (default build/vm: a different one lets
# two runs share a work tree).
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 2
kernels=${SABPF_VM_KERNELS:-6.1 6.12}
mode=auto
only=""
skip=""
script=""
script_out=""
cgroup=${SABPF_VM_CGROUP:-v2}
extras=()
withs=${SABPF_VM_WITH:-}
vm_timeout=${SABPF_VM_TIMEOUT:-3000}
qemu="" # set by tests/vm/qemu.sh on the first boot
vmdir=${SABPF_VM_DIR:-build/vm} # where consoles, artifacts, initramfs go
case "$vmdir" in /*) ;; *) vmdir="$repo/$vmdir" ;; esac
passed=0
failed=0
expected_failures=0 # strict xfails: known gaps (e.g. pending motifs), neither passed nor failed

usage() {
  sed -n '8,9p' "$0" | sed 's/^# *//' >&2
  exit 2
}

die() {
  echo "run.sh: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
  --kernel) kernels=$2; shift 2 ;;
  --native) mode=native; shift ;;
  --vm) mode=vm; shift ;;
  --only) only=$2; shift 2 ;;
  --skip) skip=$2; shift 2 ;;
  --cgroup) cgroup=$2; shift 2 ;;
  --script) script=$2; shift 2 ;;
  --out) script_out=$2; shift 2 ;;
  --extra) extras+=("$2"); shift 2 ;;
  --with) withs=$2; shift 2 ;;
  -h | --help) usage ;;
  *) echo "run.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[ "$kernels" = all ] && kernels="6.1 6.12"
for k in $kernels; do
  case "$k" in 6.1 | 6.12) ;; *) die "unknown kernel '$k': use 6.1, 6.12 or all" ;; esac
done
case "$cgroup" in v2 | hybrid) ;; *) die "unknown --cgroup '$cgroup': use v2 or hybrid" ;; esac
if [ -n "$script" ]; then
  [ -f "$script" ] || die "--script $script: no such file"
  [ -n "$script_out" ] || die "--script needs --out DIR (where its artifacts go)"
  [ -n "$only$skip" ] && die "--only and --skip make no sense with --script"
elif [ -n "$script_out" ]; then
  die "--out is only for --script"
fi

# A result line of our own, counted like the scenarios' ones.
result() { # result ok|not_ok TEXT
  if [ "$1" = ok ]; then
    echo "ok - $2"
    passed=$((passed + 1))
  else
    echo "not ok - $2"
    failed=$((failed + 1))
  fi
}

# Static extra binaries for the VM: the benchmark and test programs, if built. A
# dynamically linked one cannot run there (no shared libraries): left out.
collect_extras() {
  local f
  for f in build/progs/*.bpf.o; do # BPF objects for `sabpf load`: data, not programs
    [ -f "$f" ] && extras+=("$f")
  done
  for f in build/bench/* build/progs/*; do
    [ -f "$f" ] && [ -x "$f" ] || continue
    if [[ "$(ldd "$f" 2>&1)" =~ (not a dynamic executable|statically linked) ]]; then
      extras+=("$f")
    else
      echo "# $f is dynamically linked: not copied into the VM"
    fi
  done
}

# Builds build/sabpf. A broken build is a failure, but the run goes on: the
# scenarios then say precisely what is missing.
build_agent() {
  if make -s all >build/make.log 2>&1; then
    return 0
  fi
  tail -n 20 build/make.log
  result not_ok "build: make failed (log in build/make.log)"
  return 1
}

# The host runs the scenarios itself only when the doctor says it can.
why_mode="forced by --$mode"
choose_mode() {
  [ "$mode" != auto ] && return
  if [ -x build/sabpf ] && build/sabpf doctor >build/doctor.log 2>&1; then
    mode=native
    why_mode="build/sabpf doctor passed on this host"
  else
    mode=vm
    why_mode="this host's kernel refuses BPF LSM programs: build/sabpf doctor failed or is missing, see build/doctor.log"
  fi
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# extract_artifacts LOG IMAGE DEST: finds the guest's tar.gz, on the
# artifact disk IMAGE (console line "... ON DISK ...") or base64'd in the
# console LOG, checks its sha256 and unpacks it into DEST. Prints the reason
# on failure.
extract_artifacts() {
  local log=$1 image=$2 dest=$3 end sum bytes tmp rc
  end=$(tr -d '\r' <"$log" | grep -a -E '^===== SABPF-ARTIFACTS (END|ON DISK) ' | tail -1)
  if [ -z "$end" ]; then
    echo "no artifacts announced on the console"
    return 1
  fi
  sum=$(sed -E 's/.*sha256=([0-9a-f]+).*/\1/' <<<"$end")
  bytes=$(sed -E 's/.*bytes=([0-9]+).*/\1/' <<<"$end")
  tmp=$(mktemp)
  if [[ "$end" == *"ON DISK"* ]]; then
    head -c "$bytes" "$image" >"$tmp"
  else
    tr -d '\r' <"$log" |
      awk '/^===== SABPF-ARTIFACTS BEGIN / { on = 1; next }
           /^===== SABPF-ARTIFACTS END / { on = 0 }
           on' | base64 -d >"$tmp" 2>/dev/null
  fi
  if [ "$(sha256sum <"$tmp" | cut -d' ' -f1)" != "$sum" ]; then
    echo "artifacts corrupt: got $(wc -c <"$tmp") bytes, expected $bytes with sha256 $sum"
    rm -f "$tmp"
    return 1
  fi
  rm -rf "$dest"
  mkdir -p "$dest"
  tar -C "$dest" -xzf "$tmp"
  rc=$?
  rm -f "$tmp"
  return $rc
}

# boot_vm KERNEL INITRD LOG IMAGE EXTRA_CMDLINE: runs qemu with a hard
# timeout, showing result lines live, with IMAGE (made blank here) as the
# guest's NVMe drive for the artifacts. Returns qemu's (or timeout's) exit code.
boot_vm() {
  local kernel=$1 initrd=$2 log=$3 image=$4 cmdline=$5 t0 qpid rc
  : >"$log"
  rm -f "$image"
  truncate -s 256M "$image"
  t0=$(now)
  timeout -k 10 "$vm_timeout" "$qemu" \
    -accel tcg,thread=multi -cpu max -m "${SABPF_VM_MEM:-1024}" -smp 2 \
    -nographic -no-reboot -nic none \
    -drive "file=$image,if=none,id=artifacts,format=raw" -device nvme,serial=sabpf-artifacts,drive=artifacts \
    -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 quiet $cmdline" </dev/null >"$log" 2>&1 &
  qpid=$!
  tail -n +1 -s 0.2 -f --pid="$qpid" "$log" 2>/dev/null |
    while IFS= read -r line; do
      line=${line%$'\r'}
      case "$line" in
      *'SABPF-VM: booted'*) echo "# ${line#*SABPF-VM: } (host: $(elapsed "$t0")s after qemu start)" ;;
      'ok - '* | 'not ok - '* | '# '*) echo "$line" ;;
      esac
    done
  wait "$qpid"
  rc=$?
  echo "# qemu exited $rc after $(elapsed "$t0")s"
  return $rc
}

# guest_cmdline: the settings /init reads from the kernel command line.
guest_cmdline() {
  local c="SABPF_VM_CGROUP=$cgroup"
  [ -n "$only" ] && c="$c SABPF_ONLY=$only"
  [ -n "$skip" ] && c="$c SABPF_SKIP=$skip"
  [ -n "${SABPF_SCENARIO_TIMEOUT:-}" ] && c="$c SABPF_SCENARIO_TIMEOUT=$SABPF_SCENARIO_TIMEOUT"
  echo "$c"
}

# run_in_vm SERIES DIR INITRD: boots SERIES with INITRD, console log
# in DIR/console.log, artifacts unpacked to DIR/out. Returns 0 when the VM
# produced results (whatever they say), 1 after a VM failure (already counted).
run_in_vm() {
  local series=$1 dir=$2 initrd=$3 vmlinuz rc why
  mkdir -p "$dir"
  rm -rf "$dir/out"
  if [ -z "$qemu" ] && ! qemu=$(tests/vm/qemu.sh); then
    result not_ok "vm $series: no QEMU (tests/vm/qemu.sh)"
    return 1
  fi
  echo "# $("$qemu" --version | head -n 1) ($qemu)"
  if ! vmlinuz=$(tests/vm/kernel.sh "$series"); then
    result not_ok "vm $series: cannot fetch the kernel (tests/vm/kernel.sh $series)"
    return 1
  fi
  boot_vm "$vmlinuz" "$initrd" "$dir/console.log" "$dir/artifacts.img" "$(guest_cmdline)"
  rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    tail -n 20 "$dir/console.log"
    count_console_lines "$dir/console.log"
    result not_ok "vm $series: timed out after ${vm_timeout}s (console: $dir/console.log)"
    return 1
  fi
  # (grep reads the file itself: `cmd | grep -q` fails under pipefail when
  # grep stops early and cmd gets SIGPIPE.)
  if ! grep -qa 'SABPF-VM: booted' "$dir/console.log"; then
    tail -n 30 "$dir/console.log"
    result not_ok "vm $series: did not boot (qemu exit $rc; console: $dir/console.log)"
    return 1
  fi
  if ! grep -qa '^# guest-run: ' "$dir/console.log"; then
    tail -n 20 "$dir/console.log"
    count_console_lines "$dir/console.log"
    result not_ok "vm $series: printed no results (qemu exit $rc; console: $dir/console.log)"
    return 1
  fi
  if ! why=$(extract_artifacts "$dir/console.log" "$dir/artifacts.img" "$dir/out"); then
    count_console_lines "$dir/console.log"
    result not_ok "vm $series: $why (console: $dir/console.log)"
    return 1
  fi
  rm -f "$dir/artifacts.img"
  return 0
}

# count_console_lines LOG: after a VM failure, still counts the result
# lines the guest got out before it (the artifacts are lost).
count_console_lines() {
  local log=$1 ok not_ok
  ok=$(tr -d '\r' <"$log" | grep -ac '^ok - ')
  not_ok=$(tr -d '\r' <"$log" | grep -ac '^not ok - ')
  passed=$((passed + ok))
  failed=$((failed + not_ok))
  echo "# scenario lines on the console before the failure: $ok ok, $not_ok not ok"
}

# count_scenario_lines DIR: adds the ok / not ok lines of the .tap files.
count_scenario_lines() {
  local dir=$1 ok not_ok
  ok=$(cat "$dir"/*.tap 2>/dev/null | grep -c '^ok - ')
  not_ok=$(cat "$dir"/*.tap 2>/dev/null | grep -c '^not ok - ')
  passed=$((passed + ok))
  failed=$((failed + not_ok))
  echo "# scenarios: $ok ok, $not_ok not ok"
}

# matches NAME PATTERNS: as in guest-run.sh, NAME matches one of the
# comma-separated PATTERNS (a glob, or a plain word: any name containing it).
matches() {
  local name=$1 pattern patterns
  IFS=, read -r -a patterns <<<"$2"
  for pattern in "${patterns[@]}"; do
    [ -n "$pattern" ] || continue
    # shellcheck disable=SC2053 # a glob on purpose
    case "$pattern" in
    =*) [[ "$name" == "${pattern#=}" ]] && return 0 ;;
    *[*?[]*) [[ "$name" == $pattern ]] && return 0 ;;
    *) [[ "$name" == *"$pattern"* ]] && return 0 ;;
    esac
  done
  return 1
}

# vm_binaries: the host programs the selected scenarios name on their
# "# vm-binaries:" lines (and "# vm-binaries-NAME:" for each NAME of
# --with), one per line, for initramfs.sh --with.
vm_binaries() {
  local f name tag files list=(tests/vm/scenarios/[0-9][0-9]-*.sh)
  [ -n "$script" ] && list=("$script") # script mode: the script's own lines
  for f in "${list[@]}"; do
    name=$(basename "$f" .sh)
    name=${name#[0-9][0-9]-}
    if [ -z "$script" ] && [ -n "$only" ] && ! matches "$name" "$only"; then continue; fi
    if [ -z "$script" ] && [ -n "$skip" ] && matches "$name" "$skip"; then continue; fi
    while read -r tag files; do
      tag=${tag%:}
      if [ "$tag" != vm-binaries ] && [[ ",$withs," != *",${tag#vm-binaries-},"* ]]; then continue; fi
      tr ' ' '\n' <<<"$files"
    done < <(head -n 20 "$f" | sed -n 's/^# \(vm-binaries[a-z0-9-]*:\)/\1/p')
  done | sort -u
}

# pytest_files: the host-side checks to run; with --only or --skip, those
# whose scenario passes them: the one named by the file's line
# SCENARIO = "NAME" (test_views.py checks scenario run), or else the NAME of
# test_NAME.py.
pytest_files() {
  local f name
  for f in tests/integration/test_*.py; do
    [ -f "$f" ] || continue
    name=$(sed -n 's/^SCENARIO = "\([^"]*\)".*/\1/p' "$f" | head -n 1)
    if [ -z "$name" ]; then
      name=$(basename "$f" .py)
      name=${name#test_}
    fi
    if [ -n "$only" ] && ! matches "$name" "$only"; then continue; fi
    if [ -n "$skip" ] && matches "$name" "$skip"; then continue; fi
    echo "$f"
  done
}

# run_pytest ARTIFACT_DIR LABEL: host-side checks, counted by outcome.
run_pytest() {
  local artifacts=$1 label=$2 files log summary n word p=0 f=0
  mapfile -t files < <(pytest_files)
  if [ "${#files[@]}" -eq 0 ]; then
    echo "# pytest: no host-side check matches '${only:-*}'${skip:+ outside '$skip'}"
    return
  fi
  log="$(dirname "$artifacts")/pytest.log"
  SABPF_ARTIFACTS="$artifacts" SABPF_KERNEL="$label" \
    /usr/bin/python3 -m pytest -q -rfE -p no:cacheprovider "${files[@]}" 2>&1 | tee "$log"
  summary=$(grep -E '[0-9]+ (passed|failed|errors?)( |,|$)' "$log" | tail -1)
  if [ -z "$summary" ]; then
    result not_ok "pytest $label: no summary line (log: $log)"
    return
  fi
  local x=0
  while read -r n word; do
    case "$word" in
    passed) p=$((p + n)) ;;
    xfailed) x=$((x + n)) ;; # known gaps, each with its reason in the test
    failed | error | errors | skipped | xpassed) f=$((f + n)) ;;
    esac
  done < <(grep -oE '[0-9]+ (passed|failed|errors?|skipped|xfailed|xpassed)' <<<"$summary")
  passed=$((passed + p))
  failed=$((failed + f))
  expected_failures=$((expected_failures + x))
  echo "# pytest $label: $p passed, $f failed or skipped, $x expected failures (xfail)"
}

# ---- script mode: one guest script, artifacts to a directory --------------
run_script() {
  local name dir rc=0
  name=$(basename "$script" .sh)
  case "$name" in [0-9][0-9]-*) ;; *) name="00-$name" ;; esac
  name=${name#[0-9][0-9]-}
  if [ "$mode" = native ]; then
    dir=build/native/script
    mkdir -p "$dir/scenarios"
    rm -f "$dir"/scenarios/*.sh
    cp "$script" "$dir/scenarios/00-$name.sh"
    sh tests/vm/guest-run.sh --scenarios "$dir/scenarios" --out "$dir/out" --sabpf "$repo/build/sabpf"
    rc=$?
  else
    local series=${kernels%% *}
    dir="$vmdir/$series/script"
    local with_args=() prog
    while read -r prog; do
      [ -n "$prog" ] && with_args+=(--with "$prog")
    done < <(vm_binaries)
    tests/vm/initramfs.sh -o "$vmdir/initrd-script.cpio.gz" --script "$script" "${with_args[@]}" "${extras[@]}" >/dev/null ||
      die "cannot build the initramfs"
    run_in_vm "$series" "$dir" "$vmdir/initrd-script.cpio.gz" || return 1
    grep -qaE $'^# guest-run: .* 0 not ok\r?$' "$dir/console.log" || rc=1
  fi
  [ -d "$dir/out/$name" ] || { echo "run.sh: the script left no artifact directory" >&2; return 1; }
  rm -rf "$script_out"
  mkdir -p "$script_out"
  cp -a "$dir/out/$name/." "$script_out/"
  echo "# script artifacts in $script_out (its output: $dir/out/$name.tap)"
  return $rc
}

# ---- main: the whole run (a function, so that bash has read all of this
# file before it starts: editing run.sh during a run cannot derail it) ----
main() {
  mkdir -p "$vmdir"
  start=$(now)
  collect_extras
  build_agent
  choose_mode

  if [ -n "$script" ]; then
    run_script
    return $?
  fi

  if [ "$mode" = native ]; then
    echo "# integration: native run on $(uname -r) ($why_mode)"
    rm -rf build/native/out
    mkdir -p build/native
    sh tests/vm/guest-run.sh --out build/native/out --sabpf "$repo/build/sabpf" ${only:+--only "$only"} \
      ${skip:+--skip "$skip"} |
      tee build/native/console.log
    count_scenario_lines build/native/out
    run_pytest "$repo/build/native/out" native
  else
    echo "# integration: in a QEMU/TCG VM (kernels: $kernels, cgroup $cgroup; $why_mode)"
    local with_args=() prog
    while read -r prog; do
      [ -n "$prog" ] && with_args+=(--with "$prog")
    done < <(vm_binaries)
    [ ${#with_args[@]} -gt 0 ] && echo "# programs for the selected scenarios: ${with_args[*]}"
    if tests/vm/initramfs.sh -o "$vmdir/initrd.cpio.gz" "${with_args[@]}" "${extras[@]}" >/dev/null; then
      for series in $kernels; do
        echo "# --- kernel $series ---"
        if run_in_vm "$series" "$vmdir/$series" "$vmdir/initrd.cpio.gz"; then
          count_scenario_lines "$vmdir/$series/out"
          run_pytest "$vmdir/$series/out" "$series"
        fi
      done
    else
      result not_ok "vm: cannot build the initramfs (tests/vm/initramfs.sh)"
    fi
  fi

  echo "# integration took $(elapsed "$start")s"
  echo "integration: $passed passed, $failed failed, $expected_failures skipped"
  [ "$failed" -eq 0 ]
}

main; exit $? # one line: read whole before main runs
