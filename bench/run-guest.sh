#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# run-guest.sh: runs the microbenchmark under three configurations in one
# boot, inside the test VM (tests/vm/run.sh --script) or natively on a host
# whose kernel runs BPF LSM programs:
#   a  none   no agent loaded
#   b  other  the agent audits another cgroup (a sleeping process); the
#             benchmark runs outside it, so it pays only the scope lookup
#   c  self   the agent audits the benchmark itself (`sabpf run -- ...`)
# timeout: 1100
#
# The three run in turn, BENCH_ROUNDS times (a b c, b c a, c a b, ...), so
# that a slow drift of the machine (other VMs on the host) hits all three
# alike.
# Writes $OUT/none.json, other.json, self.json: one JSON object per row, the
# round with the median time, plus "rounds", every round's time in
# "round_us" and the fastest repetition of all in "best_us"; each round's
# own files under $OUT/rounds/; the agents' logs
# and counters; env.txt. Prints a table (row, time in each configuration,
# ratios b/a and c/a) as "# " lines, and "ok - " / "not ok - " lines saying
# what worked. POSIX sh: the VM has only busybox.
#
# Environment (all optional):
#   SABPF          agent binary <repo>/build/sabpf (tests/vm/guest-run.sh sets it)
#   OUT            result directory         (default: <repo>/build/bench-results)
#   MICROBENCH     benchmark binary         (default: <repo>/build/bench/microbench)
#   BENCH_SECONDS  time budget per row      (default: 1)
#   BENCH_ROUNDS   rounds of a b c          (default: 3)
#   BENCH_ROWS     comma-separated rows     (default: all)
#   BENCH_CPU      CPU to pin the benchmark (default: 0; "none" to not pin)
#   BENCH_DIR      scratch directory parent (default: /tmp)
#   AGENT_OUTPUT   where the agents write, as FORMAT:PATH with a %s for the
#                  configuration name      (default: raw:/tmp/sabpf-bench-%s.raw)
#   AGENT_WAIT     seconds to wait for the agent of configuration b to attach
#                  (default: 60)

# The repository (in the VM: /sabpf) is found from the agent's path when the
# runner gives it (<repo>/build/sabpf), else from this script's place.
if [ -n "${SABPF:-}" ]; then
  repo=$(cd "$(dirname "$SABPF")/.." && pwd)
else
  repo=$(cd "$(dirname "$0")/.." && pwd)
fi
SABPF=${SABPF:-$repo/build/sabpf}
OUT=${OUT:-$repo/build/bench-results}
MICROBENCH=${MICROBENCH:-$repo/build/bench/microbench}
BENCH_SECONDS=${BENCH_SECONDS:-1}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_ROWS=${BENCH_ROWS:-}
BENCH_CPU=${BENCH_CPU:-0}
BENCH_DIR=${BENCH_DIR:-/tmp}
AGENT_OUTPUT=${AGENT_OUTPUT:-raw:/tmp/sabpf-bench-%s.raw}
AGENT_WAIT=${AGENT_WAIT:-60}

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
note() { echo "# $*"; }
# notes_from FILE: the last lines of FILE as "# " lines.
notes_from() {
  tail -n 5 "$1" 2>/dev/null | while read -r line; do note "$line"; done
}

# ---- preconditions ------------------------------------------------------------

case "$BENCH_ROUNDS" in
'' | *[!0-9]* | 0)
  echo "not ok - BENCH_ROUNDS '$BENCH_ROUNDS': expected a positive whole number"
  exit 1
  ;;
esac
mkdir -p "$OUT/rounds" || {
  echo "not ok - cannot create the result directory $OUT"
  exit 1
}
rm -f "$OUT"/*.json "$OUT"/*.log "$OUT"/*.err "$OUT"/rounds/*
if [ ! -x "$MICROBENCH" ]; then
  echo "not ok - microbenchmark $MICROBENCH missing: build it with make -C bench"
  exit 1
fi
[ -x "$SABPF" ] || note "agent $SABPF missing: configurations b and c will fail (build it with make)"
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)

bench_args="--json --seconds $BENCH_SECONDS --dir $BENCH_DIR"
[ "$BENCH_CPU" != none ] && bench_args="$bench_args --cpu $BENCH_CPU"
[ -n "$BENCH_ROWS" ] && bench_args="$bench_args --rows $BENCH_ROWS"

# The conditions of this run, for the report.
{
  echo "kernel: $(uname -r)"
  if grep -qi 'qemu' /proc/cpuinfo 2>/dev/null || grep -qi 'qemu' /sys/class/dmi/id/sys_vendor 2>/dev/null; then
    echo "machine: QEMU guest (under TCG from tests/vm/run.sh: compare only ratios within this boot)"
  else
    echo "machine: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  fi
  echo "cpus: $(grep -c '^processor' /proc/cpuinfo)"
  echo "cgroup2: ${cg2:-none}"
  echo "rounds: $BENCH_ROUNDS"
  echo "microbench arguments: $bench_args"
  echo "agent output: $AGENT_OUTPUT"
} >"$OUT/env.txt"
while read -r line; do note "$line"; done <"$OUT/env.txt"

# agent_output NAME: the output spec of the agent of configuration NAME.
agent_output() {
  # shellcheck disable=SC2059
  printf "$AGENT_OUTPUT" "$1"
}

# rows_in FILE: how many result rows a JSON file holds.
rows_in() {
  if [ -f "$1" ]; then
    grep -c '"row":' "$1"
  else
    echo 0
  fi
}

# expected_rows: how many rows a complete run gives.
expected_rows() {
  if [ -n "$BENCH_ROWS" ]; then
    echo "$BENCH_ROWS" | tr ',' '\n' | grep -c .
  else
    "$MICROBENCH" --list | grep -c .
  fi
}
want=$(expected_rows)

# check_results NAME ROUND RC: one ok/not ok line for a configuration's round.
check_results() {
  got=$(rows_in "$OUT/rounds/$1-$2.json")
  if [ "$3" -eq 0 ] && [ "$got" -eq "$want" ]; then
    ok "bench $1 round $2: $got rows measured"
  else
    not_ok "bench $1 round $2: microbench exited $3 with $got of $want rows (see $OUT/rounds/$1-$2.err)"
    notes_from "$OUT/rounds/$1-$2.err"
  fi
}

# report_agent NAME ROUND RC: ok when the agent exited 0 and left its
# output file. The file can be large and /tmp may be RAM: only its size is
# kept. The agent's counters are in $OUT/rounds/NAME-stats-ROUND.json.
report_agent() {
  path=$(agent_output "$1")
  path=${path#*:}
  log="$OUT/rounds/$1-agent-$2.log"
  if [ "$3" -eq 0 ] && [ -f "$path" ]; then
    ok "agent $1 round $2: exited 0, wrote $(wc -c <"$path" | tr -d ' ') bytes to $path"
    grep '^sabpf: ' "$log" | while read -r line; do note "$line"; done
  else
    not_ok "agent $1 round $2: exited $3, output $path $([ -f "$path" ] && echo present || echo missing) (log: $log)"
    notes_from "$log"
  fi
  rm -f "$path" "$path.tmp"
}

# ---- a: no agent ----------------------------------------------------------------

run_none() { # ROUND
  note "round $1, configuration a (none): no agent"
  # shellcheck disable=SC2086
  "$MICROBENCH" $bench_args --out "$OUT/rounds/none-$1.json" 2>"$OUT/rounds/none-$1.err"
  check_results none "$1" $?
}

# ---- b: the agent audits another cgroup -------------------------------------------

other_cg=""
sleeper=""
agent=""

cleanup_other() {
  [ -n "$agent" ] && kill "$agent" 2>/dev/null
  [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
  [ -n "$sleeper" ] && wait "$sleeper" 2>/dev/null
  [ -n "$other_cg" ] && rmdir "$other_cg" 2>/dev/null
  agent="" sleeper="" other_cg=""
}
trap cleanup_other EXIT

# wait_for_agent PID LOG: true once the agent says it is auditing ("sabpf:
# auditing PATH (cgroup id N)", printed once its programs are attached and
# the cgroup is in scope), false if it died or stayed silent for AGENT_WAIT
# seconds.
wait_for_agent() {
  waited=0
  while [ "$waited" -lt "$AGENT_WAIT" ]; do
    kill -0 "$1" 2>/dev/null || return 1
    grep -q '^sabpf: auditing ' "$2" 2>/dev/null && return 0
    sleep 1
    waited=$((waited + 1))
  done
  return 1
}

# stop_agent PID: asks the agent to finish (SIGTERM; SIGKILL after 60 s).
# Returns its exit status.
stop_agent() {
  kill -TERM "$1" 2>/dev/null
  waited=0
  while kill -0 "$1" 2>/dev/null && [ "$waited" -lt 60 ]; do
    sleep 1
    waited=$((waited + 1))
  done
  if kill -0 "$1" 2>/dev/null; then
    kill -KILL "$1" 2>/dev/null
    not_ok "agent: still running 60 s after SIGTERM, killed"
  fi
  wait "$1"
}

run_other() { # ROUND
  note "round $1, configuration b (other): the agent audits another cgroup"
  if [ ! -x "$SABPF" ] || [ -z "$cg2" ]; then
    not_ok "bench other round $1: needs the agent and cgroup v2 (agent: $SABPF, cgroup2: ${cg2:-not mounted})"
    return
  fi
  log="$OUT/rounds/other-agent-$1.log"
  other_cg="$cg2/sabpf-bench-other"
  mkdir -p "$other_cg"
  sleep 100000 &
  sleeper=$!
  if ! echo "$sleeper" >"$other_cg/cgroup.procs"; then
    not_ok "bench other round $1: cannot move the sleeping process into $other_cg"
    cleanup_other
    return
  fi
  "$SABPF" audit --cgroup "$other_cg" -o "$(agent_output other)" \
    --stats "$OUT/rounds/other-stats-$1.json" >"$log" 2>&1 &
  agent=$!
  if wait_for_agent "$agent" "$log"; then
    # shellcheck disable=SC2086
    "$MICROBENCH" $bench_args --out "$OUT/rounds/other-$1.json" 2>"$OUT/rounds/other-$1.err"
    check_results other "$1" $?
    stop_agent "$agent"
    report_agent other "$1" $?
  else
    kill "$agent" 2>/dev/null
    wait "$agent"
    not_ok "bench other round $1: the agent exited ($?) or was not auditing after ${AGENT_WAIT}s"
    notes_from "$log"
  fi
  agent=""
  cleanup_other
}

# ---- c: the agent audits the benchmark ----------------------------------------------

run_self() { # ROUND
  note "round $1, configuration c (self): the agent audits the benchmark (sabpf run)"
  if [ ! -x "$SABPF" ]; then
    not_ok "bench self round $1: needs the agent $SABPF"
    return
  fi
  log="$OUT/rounds/self-agent-$1.log"
  # shellcheck disable=SC2086
  "$SABPF" run -o "$(agent_output self)" --stats "$OUT/rounds/self-stats-$1.json" \
    -- "$MICROBENCH" $bench_args --out "$OUT/rounds/self-$1.json" >"$log" 2>&1
  rc=$?
  cp "$log" "$OUT/rounds/self-$1.err"
  check_results self "$1" "$rc"
  report_agent self "$1" "$rc"
}

# The order rotates from round to round (a b c, b c a, c a b, ...), so that
# no configuration always runs first, e.g. right after the previous one's
# agent has written its records.
round=1
while [ "$round" -le "$BENCH_ROUNDS" ]; do
  case $((round % 3)) in
  1) order="none other self" ;;
  2) order="other self none" ;;
  0) order="self none other" ;;
  esac
  for name in $order; do
    "run_$name" "$round"
  done
  round=$((round + 1))
done

# ---- merging the rounds ------------------------------------------------------------

# merge_rounds NAME: $OUT/NAME.json from $OUT/rounds/NAME-*.json. Per row,
# the line of the round with the median time (the lower one of the two
# middle rounds for an even count), extended with "rounds", "round_us" and
# "best_us" (the fastest repetition of any round: the least disturbed).
# Each line is one flat object written by microbench: fields are found by key.
merge_rounds() {
  set -- "$1" "$OUT"/rounds/"$1"-[0-9]*.json
  [ -f "$2" ] || return 0
  name=$1
  shift
  awk '
function field(line, key,   start, rest) {
  start = index(line, "\"" key "\":")
  if (start == 0) return ""
  rest = substr(line, start + length(key) + 3)
  sub(/^"/, "", rest)
  sub(/["},].*$/, "", rest)
  return rest
}
{
  row = field($0, "row")
  if (row == "") next
  if (!(row in n)) order[++rows] = row
  k = ++n[row]
  line[row, k] = $0
  us[row, k] = field($0, "us")
  low = field($0, "min_us") + 0
  if (k == 1 || low < best[row]) best[row] = low
}
END {
  for (i = 1; i <= rows; i++) {
    r = order[i]; m = n[r]
    for (a = 1; a <= m; a++) idx[a] = a
    for (a = 2; a <= m; a++)
      for (j = a; j > 1 && us[r, idx[j - 1]] + 0 > us[r, idx[j]] + 0; j--) {
        t = idx[j]; idx[j] = idx[j - 1]; idx[j - 1] = t
      }
    list = ""
    for (a = 1; a <= m; a++) list = list (a > 1 ? "," : "") us[r, a]
    out = line[r, idx[int((m + 1) / 2)]]
    sub(/}[ \t\r]*$/, ",\"rounds\":" m ",\"round_us\":[" list "],\"best_us\":" \
      sprintf("%.6f", best[r]) "}", out)
    print out
  }
}' "$@" >"$OUT/$name.json"
}

for name in none other self; do
  merge_rounds "$name"
done
for f in "$OUT"/rounds/*-stats-*.json; do
  [ -f "$f" ] && cat "$f" >>"$OUT/agent-stats.txt"
done

# ---- the table ------------------------------------------------------------------------

awk -v a="$OUT/none.json" -v b="$OUT/other.json" -v c="$OUT/self.json" '
function field(line, key,   start, rest) {
  start = index(line, "\"" key "\":")
  if (start == 0) return ""
  rest = substr(line, start + length(key) + 3)
  sub(/^"/, "", rest)
  sub(/["},].*$/, "", rest)
  return rest
}
function load(file, k,   line, row) {
  while ((getline line < file) > 0) {
    row = field(line, "row")
    if (row == "") continue
    us[k, row] = field(line, "us")
    if (!(row in seen)) { seen[row] = 1; order[++n] = row }
  }
  close(file)
}
function cell(v) { return v == "" ? "-" : sprintf("%.3f", v) }
function ratio(x, y) { return (x == "" || y == "" || y + 0 == 0) ? "-" : sprintf("%.2f", x / y) }
BEGIN {
  load(a, "a"); load(b, "b"); load(c, "c")
  printf "# %-12s %12s %12s %12s %7s %7s\n", "row", "a:none us", "b:other us", "c:self us", "b/a", "c/a"
  for (i = 1; i <= n; i++) {
    r = order[i]
    printf "# %-12s %12s %12s %12s %7s %7s\n", r, cell(us["a", r]), cell(us["b", r]),
      cell(us["c", r]), ratio(us["b", r], us["a", r]), ratio(us["c", r], us["a", r])
  }
}'

[ "$fails" -eq 0 ]
