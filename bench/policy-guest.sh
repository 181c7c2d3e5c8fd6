#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# policy-guest.sh: the cost of a policy decision per hook, allowed and
# denied, inside the test VM (bench/policy.sh runs it through tests/vm/run.sh
# --script) or natively on a host whose kernel runs BPF LSM programs.
# timeout: 900
#
# Three cgroups, one boot, no agent: "none" has no policy, "allow" and
# "deny" have the same policy (bench/policy.yaml written below), and each
# case is an operation that policy allows (in "allow") or denies (in "deny").
# Every case runs POLICY_ROUNDS times in rotating order (none allow deny,
# allow deny none, ...); the median ns/op of each is reported with the ratio
# to "none". Writes $OUT/policy-bench.txt ("case config ns") and prints the
# table as "# " lines. POSIX sh: the VM has only busybox.
#
# Environment: SABPF, OUT, POLICY_ROUNDS (default 5), POLICY_N (calls per
# measurement, default 2000; exec uses a tenth).

rounds=${POLICY_ROUNDS:-5}
n=${POLICY_N:-2000}
repo=$(cd "$(dirname "$SABPF")/.." && pwd)
probe=$repo/build/progs/policyprobe
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
mkdir -p "$OUT" /tmp/pb/progs
cp "$probe" /tmp/pb/progs/
probe=/tmp/pb/progs/policyprobe
: >/tmp/pb/data
for c in none allow deny; do mkdir -p "$cg/pb-$c"; done
cat >/tmp/pb/policy.yaml <<'YAML'
target: {cgroup: /pb-allow}
network:
  default: deny
  egress: [80, 443, {ports: [8000-8080], addresses: [10.0.0.0/8]}]
  bind: [9000]
  families: [unix, inet]
files:
  default: r
  rw: [/tmp/pb/*, /var/tmp/*]
  exec: [/tmp/pb/progs/*, /bin/*]
  map_exec: [/lib/**, /usr/lib/**]
exec:
  allow: [/tmp/pb/progs/*, /bin/busybox]
YAML
for c in allow deny; do
  "$SABPF" policy apply /tmp/pb/policy.yaml --cgroup "$cg/pb-$c" >/dev/null ||
    { echo "not ok - policy apply"; exit 1; }
done
echo "ok - policies applied"

# case: name|operation allowed by the policy|operation it denies
cases='socket_create|socket unix|socket inet6
connect|connect 127.0.0.1 80|connect 127.0.0.1 22
bind|bind 127.0.0.1 9000|bind 127.0.0.1 9001
file_open (read, default)|open /etc/passwd r|open /etc/passwd rw
file_open (write, 2nd rule)|open /tmp/pb/data rw|open /etc/hostname rw
mmap_file (exec)|mmapx /tmp/pb/progs/policyprobe|mmapx /tmp/pb/data
exec|exec /tmp/pb/progs/policyprobe socket unix|exec /bin/busybox true'

measure() { # CONFIG COUNT OP...
  c=$1 count=$2
  shift 2
  sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg/pb-$c" "$probe" -n "$count" "$@" |
    sed -n 's/.*ns_per_op=\([0-9]*\).*/\1/p'
}

: >"$OUT/policy-bench.txt"
echo "$cases" | while IFS='|' read -r name allowed denied; do
  count=$n
  case "$name" in exec*) count=$((n / 10)) ;; esac
  r=0
  while [ $r -lt "$rounds" ]; do
    for c in none allow deny; do
      # shellcheck disable=SC2086
      if [ "$c" = deny ]; then ns=$(measure deny "$count" $denied); else ns=$(measure "$c" "$count" $allowed); fi
      echo "$name|$c|$ns" >>"$OUT/policy-bench.txt"
    done
    r=$((r + 1))
  done
done

# medians
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "# case | none ns | allowed ns (x none) | denied ns (x none)"
echo "$cases" | while IFS='|' read -r name _ _; do
  a=$(grep -F "$name|none|" "$OUT/policy-bench.txt" | cut -d'|' -f3 | median)
  b=$(grep -F "$name|allow|" "$OUT/policy-bench.txt" | cut -d'|' -f3 | median)
  d=$(grep -F "$name|deny|" "$OUT/policy-bench.txt" | cut -d'|' -f3 | median)
  echo "# $name | $a | $b ($(awk "BEGIN { printf \"%.2f\", $b / $a }")) | $d ($(awk "BEGIN { printf \"%.2f\", $d / $a }"))"
done | tee "$OUT/policy-table.txt"
for c in allow deny; do "$SABPF" policy remove --cgroup "$cg/pb-$c" >/dev/null; done
"$SABPF" policy log | wc -l >"$OUT/denials.txt"
echo "ok - measured"
