#!/bin/sh
# run-guest.sh: runs the microbenchmark under three configurations in one
# boot, inside the test VM (tests/vm/run.sh --script) or natively on a host
# whose kernel runs BPF LSM programs:
#   a  none   no agent loaded
#   b  other  the agent audits another cgroup (a sleeping process); the
#             benchmark runs outside it, so it pays only the scope lookup
#   c  self   the agent audits the benchmark itself (`sabpf run -- ...`)
# timeout: 1100
#
# Writes $OUT/none.json, other.json, self.json (one JSON object per row),
# the agents' logs, env.txt, and prints a table (row, time in each
# configuration, ratios b/a and c/a) as "# " lines. TAP-like "ok - " /
# "not ok - " lines say what worked. POSIX sh: the VM has only busybox.
#
# Environment (all optional):
#   SABPF          agent binary <repo>/build/sabpf (tests/vm/guest-run.sh sets it)
#   OUT            result directory         (default: <repo>/build/bench-results)
#   MICROBENCH     benchmark binary         (default: <repo>/build/bench/microbench)
#   BENCH_SECONDS  time budget per row      (default: 1)
#   BENCH_ROWS     comma-separated rows     (default: all)
#   BENCH_CPU      CPU to pin the benchmark (default: 0; "none" to not pin)
#   BENCH_DIR      scratch directory parent (default: /tmp)
#   AGENT_OUTPUT   where the agents write, as FORMAT:PATH with a %s for the
#                  configuration name      (default: raw:/tmp/sabpf-bench-%s.raw)
#   AGENT_WAIT     seconds to wait for the agent of configuration b to attach
#                  (default: 20)

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
BENCH_ROWS=${BENCH_ROWS:-}
BENCH_CPU=${BENCH_CPU:-0}
BENCH_DIR=${BENCH_DIR:-/tmp}
AGENT_OUTPUT=${AGENT_OUTPUT:-raw:/tmp/sabpf-bench-%s.raw}
AGENT_WAIT=${AGENT_WAIT:-20}

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
note() { echo "# $*"; }

# ---- preconditions ------------------------------------------------------------

mkdir -p "$OUT" || {
  echo "not ok - cannot create the result directory $OUT"
  exit 1
}
rm -f "$OUT"/none.json "$OUT"/other.json "$OUT"/self.json "$OUT"/*-stats.json
if [ ! -x "$MICROBENCH" ]; then
  echo "not ok - microbenchmark $MICROBENCH missing: build it with make -C bench"
  exit 1
fi
if [ ! -x "$SABPF" ]; then
  note "agent $SABPF missing: configurations b and c will fail (build it with make)"
fi
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
  echo "microbench arguments: $bench_args"
  echo "agent output: $AGENT_OUTPUT"
} >"$OUT/env.txt"
while read -r line; do note "$line"; done <"$OUT/env.txt"

# agent_output NAME: the output spec of the agent of configuration NAME.
agent_output() {
  # shellcheck disable=SC2059
  printf "$AGENT_OUTPUT" "$1"
}

# output_path SPEC: the PATH part of FORMAT:PATH.
output_path() {
  echo "${1#*:}"
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

# check_results NAME RC: one ok/not ok line for configuration NAME.
check_results() {
  name=$1 rc=$2 got=$(rows_in "$OUT/$1.json")
  if [ "$rc" -eq 0 ] && [ "$got" -eq "$want" ]; then
    ok "bench $name: $got rows measured"
  else
    not_ok "bench $name: microbench exited $rc with $got of $want rows (see $OUT/$name.err)"
    tail -n 5 "$OUT/$name.err" 2>/dev/null | while read -r line; do note "$line"; done
  fi
}

# ---- a: no agent ----------------------------------------------------------------

note "configuration a (none): no agent"
# shellcheck disable=SC2086
"$MICROBENCH" $bench_args --out "$OUT/none.json" 2>"$OUT/none.err"
check_results none $?

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

# stop_agent PID NAME: asks the agent to finish (SIGTERM; SIGKILL after 60
# s) and reports its exit status and the size of what it wrote.
stop_agent() {
  pid=$1 name=$2
  kill -TERM "$pid" 2>/dev/null
  waited=0
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 60 ]; do
    sleep 1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null
    not_ok "agent $name: still running 60 s after SIGTERM, killed"
  fi
  wait "$pid"
  report_agent_output "$name" "$?"
}

# report_agent_output NAME RC: ok when the agent exited 0 and left its file.
report_agent_output() {
  name=$1 rc=$2 path=$(output_path "$(agent_output "$1")")
  if [ "$rc" -eq 0 ] && [ -f "$path" ]; then
    bytes=$(wc -c <"$path" | tr -d ' ')
    ok "agent $name: exited 0, wrote $bytes bytes to $path"
    echo "$name: exit 0, $bytes bytes" >>"$OUT/agents.txt"
    grep '^sabpf: ' "$OUT/$name-agent.log" | while read -r line; do note "$line"; done
  else
    not_ok "agent $name: exited $rc, output $path $([ -f "$path" ] && echo present || echo missing) (log: $OUT/$name-agent.log)"
    tail -n 5 "$OUT/$name-agent.log" 2>/dev/null | while read -r line; do note "$line"; done
    echo "$name: exit $rc" >>"$OUT/agents.txt"
  fi
  # The record files can be large and /tmp may be RAM: keep only their size.
  rm -f "$path" "$path.tmp"
}

# wait_for_agent PID LOG: true once the agent says it is auditing ("sabpf:
# auditing PATH (cgroup id N)", printed once its programs are attached and
# the cgroup is in scope), false if it died or stayed silent for AGENT_WAIT
# seconds.
wait_for_agent() {
  pid=$1 log=$2 waited=0
  while [ "$waited" -lt "$AGENT_WAIT" ]; do
    kill -0 "$pid" 2>/dev/null || return 1
    grep -q '^sabpf: auditing ' "$log" 2>/dev/null && return 0
    sleep 1
    waited=$((waited + 1))
  done
  kill -0 "$pid" 2>/dev/null
}

: >"$OUT/agents.txt"
note "configuration b (other): the agent audits another cgroup"
if [ ! -x "$SABPF" ] || [ -z "$cg2" ]; then
  not_ok "bench other: needs the agent and cgroup v2 (agent: $SABPF, cgroup2: ${cg2:-not mounted})"
else
  other_cg="$cg2/sabpf-bench-other"
  mkdir -p "$other_cg"
  sleep 100000 &
  sleeper=$!
  if ! echo "$sleeper" >"$other_cg/cgroup.procs"; then
    not_ok "bench other: cannot move the sleeping process into $other_cg"
  else
    "$SABPF" audit --cgroup "$other_cg" -o "$(agent_output other)" \
      --stats "$OUT/other-stats.json" >"$OUT/other-agent.log" 2>&1 &
    agent=$!
    if wait_for_agent "$agent" "$OUT/other-agent.log"; then
      # shellcheck disable=SC2086
      "$MICROBENCH" $bench_args --out "$OUT/other.json" 2>"$OUT/other.err"
      check_results other $?
      stop_agent "$agent" other
    else
      wait "$agent"
      not_ok "bench other: the agent exited ($?) before it was auditing"
      tail -n 5 "$OUT/other-agent.log" | while read -r line; do note "$line"; done
    fi
    agent=""
  fi
  cleanup_other
fi

# ---- c: the agent audits the benchmark ----------------------------------------------

note "configuration c (self): the agent audits the benchmark (sabpf run)"
if [ ! -x "$SABPF" ]; then
  not_ok "bench self: needs the agent $SABPF"
else
  # shellcheck disable=SC2086
  "$SABPF" run -o "$(agent_output self)" --stats "$OUT/self-stats.json" \
    -- "$MICROBENCH" $bench_args --out "$OUT/self.json" >"$OUT/self-agent.log" 2>&1
  rc=$?
  cp "$OUT/self-agent.log" "$OUT/self.err"
  check_results self "$rc"
  report_agent_output self "$rc"
fi

# ---- the table ------------------------------------------------------------------------

# Joins the three JSON files on the row name. Each line of a file is one
# flat object written by microbench, so a field is found by its key.
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
