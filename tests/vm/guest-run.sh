#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# guest-run.sh: runs the integration scenarios, inside the test VM (from its
# /init) or natively on a host whose kernel runs BPF LSM programs.
#
#   guest-run.sh [--scenarios DIR] [--only PATTERNS] [--skip PATTERNS] [--out DIR]
#                [--sabpf PATH] [--stream] [--check-dmesg]
#
# Each DIR/NN-name.sh runs in turn (sorted by file name) as
#   SABPF=<sabpf binary> OUT=<out>/<name> SCENARIO=<name> sh NN-name.sh
# where <name> is the file name without its "NN-" prefix and ".sh". A
# scenario prints TAP-like lines "ok - what" / "not ok - what" and exits
# non-zero when something failed. This runner adds
#   "not ok - <name> exited <rc>"        non-zero exit without a "not ok" line
#   "not ok - <name> timed out after Ns" killed at its time limit
#   "not ok - <name> printed no result"  exit 0 without any ok/not ok line
# The time limit is $SABPF_SCENARIO_TIMEOUT seconds (default 300), or the
# number on a "# timeout: N" line in the first 10 lines of the scenario. Each
# scenario runs in a session of its own: at its limit, and when it exits,
# every process still in that session is killed.
# PATTERNS (or $SABPF_ONLY) is a comma-separated list of shell globs matched
# against <name>; a plain word matches any name containing it, =WORD only
# the name WORD (=policy is not config-policy). Only the
# scenarios matching one of them run. --skip PATTERNS (or $SABPF_SKIP), in
# the same form, leaves out those matching one of them: the same list given
# to --only in one run and to --skip in another splits the scenarios between
# the two runs, every scenario in exactly one of them.
#
# Each scenario's console output is also saved as <out>/<name>.tap and its
# exit code as <out>/<name>.rc. With --stream the whole <out> tree is then
# sent back as a tar.gz: written raw to the block device $SABPF_ARTIFACT_DEV
# when there is one, announced by the console line
#   ===== SABPF-ARTIFACTS ON DISK <dev> sha256=<hex> bytes=<n> =====
# or else printed base64'd between the console lines
#   ===== SABPF-ARTIFACTS BEGIN (tar.gz, base64) =====
#   ===== SABPF-ARTIFACTS END sha256=<hex> bytes=<n> =====
# and tests/vm/run.sh picks it up from the disk image or the console log.
#
# With --check-dmesg (the VM, whose kernel log starts clean at boot) the
# kernel log is saved as <out>/dmesg.txt and any oops, BUG or WARNING in it
# is a failure: "not ok - kernel log: ...".
#
# Written for busybox sh (the VM has nothing else) and POSIX sh.

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
scenarios="$here/scenarios"
only=${SABPF_ONLY:-}
skip=${SABPF_SKIP:-}
out=""
sabpf="$repo/build/sabpf"
stream=0
check_dmesg=0

usage() {
  echo "usage: guest-run.sh [--scenarios DIR] [--only PATTERNS] [--skip PATTERNS] [--out DIR] [--sabpf PATH] [--stream] [--check-dmesg]" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
  --scenarios) scenarios=$2; shift 2 ;;
  --only) only=$2; shift 2 ;;
  --skip) skip=$2; shift 2 ;;
  --out) out=$2; shift 2 ;;
  --sabpf) sabpf=$2; shift 2 ;;
  --stream) stream=1; shift ;;
  --check-dmesg) check_dmesg=1; shift ;;
  *) echo "guest-run.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[ $# -eq 0 ] || usage
[ -n "$out" ] || out=/tmp/sabpf-out
if [ ! -d "$scenarios" ]; then
  echo "guest-run.sh: scenario directory '$scenarios' does not exist" >&2
  exit 2
fi

# Seconds since boot, with centiseconds, from /proc/uptime.
uptime_now() {
  cut -d' ' -f1 /proc/uptime
}

# scenario_name FILE: 00-boot.sh -> boot
scenario_name() {
  base=$(basename "$1" .sh)
  echo "${base#[0-9][0-9]-}"
}

# matches NAME PATTERNS: true when NAME matches one of the comma-separated
# PATTERNS (a shell glob, =WORD: that name only, or a plain word: any name
# containing it).
matches() {
  rest="$2,"
  while [ -n "$rest" ]; do
    pattern=${rest%%,*}
    rest=${rest#*,}
    [ -n "$pattern" ] || continue
    case "$pattern" in
    =*) [ "$1" = "${pattern#=}" ] && return 0
      continue ;;
    *[*?[]*) ;;
    *) pattern="*$pattern*" ;;
    esac
    # shellcheck disable=SC2254
    case "$1" in
    $pattern) return 0 ;;
    esac
  done
  return 1
}

# wanted NAME: true when NAME passes --only and --skip.
wanted() {
  if [ -n "$only" ] && ! matches "$1" "$only"; then return 1; fi
  if [ -n "$skip" ] && matches "$1" "$skip"; then return 1; fi
  return 0
}

# time_limit FILE: the scenario's own "# timeout: N" or the default.
time_limit() {
  own=$(head -n 10 "$1" | sed -n 's/^# *timeout: *\([0-9][0-9]*\).*/\1/p' | head -n 1)
  echo "${own:-${SABPF_SCENARIO_TIMEOUT:-300}}"
}

# run_one FILE: runs one scenario, echoing its output live, and prints the
# runner's own "not ok" line when the scenario failed without saying so.
run_one() {
  file=$1
  name=$(scenario_name "$file")
  dir="$out/$name"
  limit=$(time_limit "$file")
  rm -rf "$dir" "$out/$name.tap" "$out/$name.rc" "$out/$name.timedout"
  mkdir -p "$dir"
  echo "# scenario $name (limit ${limit}s)"
  t0=$(uptime_now)
  # The scenario runs in a session of its own (setsid: not being a group
  # leader here, it execs without forking, so $! is the session's id). A
  # watchdog, in its own session too, marks and kills that whole session at
  # the limit; once the scenario exits, whatever it left running is killed
  # as well, so no straggler holds the pipe to tee open. The subshell writes
  # the exit code to a file: a pipeline's status is tee's.
  (
    SABPF=$sabpf OUT=$dir SCENARIO=$name setsid sh "$file" </dev/null 2>&1 &
    pid=$!
    setsid sh -c 'sleep "$1"; touch "$3"; kill -TERM -"$2"; sleep 2; kill -KILL -"$2"' \
      watchdog "$limit" "$pid" "$out/$name.timedout" </dev/null >/dev/null 2>&1 &
    watchdog=$!
    wait "$pid"
    echo $? >"$out/$name.rc"
    kill -KILL -"$watchdog" 2>/dev/null
    kill -KILL -"$pid" 2>/dev/null
  ) | tee "$out/$name.tap"
  rc=$(cat "$out/$name.rc" 2>/dev/null || echo 255)
  t1=$(uptime_now)
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  said_not_ok=$(grep -c '^not ok - ' "$out/$name.tap")
  said_any=$(grep -c -E '^(not )?ok - ' "$out/$name.tap")
  if [ -e "$out/$name.timedout" ]; then
    rm -f "$out/$name.timedout"
    echo "not ok - $name timed out after ${limit}s" | tee -a "$out/$name.tap"
  elif [ "$rc" -ne 0 ] && [ "$said_not_ok" -eq 0 ]; then
    echo "not ok - $name exited $rc" | tee -a "$out/$name.tap"
  elif [ "$rc" -eq 0 ] && [ "$said_any" -eq 0 ]; then
    echo "not ok - $name printed no result" | tee -a "$out/$name.tap"
  fi
  echo "# scenario $name: exit $rc after ${secs}s"
}

# stream_artifacts: sends the out tree back as a tar.gz. With a disk
# ($SABPF_ARTIFACT_DEV, the VM's blank NVMe drive) the archive is written raw
# at its start, and only a marker line with its size and sha256 goes to the
# console: the emulated serial line moves about 15 KB/s, the disk hundreds of
# MB/s. Without one (or when the archive does not fit) it is printed base64'd
# between BEGIN and END marker lines.
stream_artifacts() {
  archive=/tmp/sabpf-artifacts.tar.gz
  tar -C "$out" -czf "$archive" .
  sum=$(sha256sum "$archive" | cut -d' ' -f1)
  bytes=$(wc -c <"$archive" | tr -d ' ')
  dev=${SABPF_ARTIFACT_DEV:-}
  if [ -n "$dev" ] && [ -b "$dev" ] &&
    [ "$bytes" -le "$(($(cat "/sys/class/block/${dev#/dev/}/size" 2>/dev/null || echo 0) * 512))" ] &&
    dd if="$archive" of="$dev" bs=1M conv=fsync 2>/dev/null; then
    echo "===== SABPF-ARTIFACTS ON DISK $dev sha256=$sum bytes=$bytes ====="
  else
    echo "===== SABPF-ARTIFACTS BEGIN (tar.gz, base64) ====="
    base64 "$archive"
    echo "===== SABPF-ARTIFACTS END sha256=$sum bytes=$bytes ====="
  fi
  rm -f "$archive"
}

# check_kernel_log: saves the kernel log; an oops or warning is a failure,
# recorded in <out>/kernel.tap so that it is counted like a scenario's.
check_kernel_log() {
  dmesg >"$out/dmesg.txt"
  bad=$(grep -E 'BUG:|Oops|WARNING:|Kernel panic|general protection|Call Trace' "$out/dmesg.txt" | head -n 3 | tr '\n' ' ')
  if [ -n "$bad" ]; then
    echo "not ok - kernel log: $bad(see dmesg.txt)" | tee "$out/kernel.tap"
  else
    echo "ok - kernel log has no oops, BUG or WARNING" | tee "$out/kernel.tap"
  fi
}

mkdir -p "$out"
rm -f "$out"/*.tap "$out"/*.rc # results of an earlier run
count=0
for file in "$scenarios"/[0-9][0-9]-*.sh; do
  [ -f "$file" ] || continue
  name=$(scenario_name "$file")
  wanted "$name" || continue
  run_one "$file"
  count=$((count + 1))
done
if [ "$count" -eq 0 ]; then
  echo "not ok - no scenario in $scenarios matched '${only:-*}'${skip:+ outside '$skip'}" | tee "$out/none.tap"
fi
[ "$check_dmesg" -eq 1 ] && check_kernel_log

ok=$(cat "$out"/*.tap 2>/dev/null | grep -c '^ok - ')
not_ok=$(cat "$out"/*.tap 2>/dev/null | grep -c '^not ok - ')
echo "# guest-run: $count scenarios, $ok ok, $not_ok not ok"
[ "$stream" -eq 1 ] && stream_artifacts
[ "$not_ok" -eq 0 ]
