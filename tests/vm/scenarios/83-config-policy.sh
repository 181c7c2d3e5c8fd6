#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 600
# 83-config-policy.sh: per-container access-control policies from the
# configuration file (docs/configuration.md), with the LSM backend. Two
# docker-laid-out containers (cgroups /docker/<id>, config.v2.json under
# SABPF_DOCKER_ROOT naming them web and other) are followed by
# `sabpf audit --config`: v1 gives web a policy refusing file writes
# (policy: web-policy.yaml, relative to the configuration file) and other
# none: a write in web is refused, one in other is not (negative control).
# v2 (SIGHUP) moves the policy to other: while both keep running, web's is
# removed (its write goes through) and other's applied (its write refused).
# v3: other stops (its cgroup is removed) while the agent runs: the agent
# frees its policy's slot (enforce_remove_id), listed before, not after.
# Then `sabpf policy apply --cgroup` on a cgroup removed without `policy
# remove`: listed still (negative control) until the next apply frees it.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
w=/tmp/cfgpol
web=a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90
other=0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0
mkdir -p "$w/out" "$cg/docker"
for c in web other; do
  id=$(eval echo "\$$c")
  mkdir -p "$cg/docker/$id" "$w/docker/containers/$id"
  printf '{"Name": "/%s", "Config": {"Image": "busybox", "Labels": {}}}\n' "$c" \
    >"$w/docker/containers/$id/config.v2.json"
done
cat >"$w/web-policy.yaml" <<'POLICY'
version: 1
mode: enforce
target:
  cgroup: /
files:
  default: r
POLICY
config() { # the container that gets the policy
  {
    echo 'containers:'
    echo '  - select: docker.name=web'
    [ "$1" = web ] && echo '    policy: web-policy.yaml'
    echo '  - select: docker.name=other'
    [ "$1" = other ] && echo '    policy: web-policy.yaml'
  } >"$w/sabpf.yaml"
}

wait_for() { # FILE TEXT [COUNT]: up to 300 s
  i=0
  while [ "$(grep -c "$2" "$1" 2>/dev/null)" -lt "${3:-1}" ] && [ $i -lt 3000 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  [ "$(grep -c "$2" "$1" 2>/dev/null)" -ge "${3:-1}" ]
}
# try CONTAINER: writes a file from inside the container's cgroup (the
# shell moves itself in, then redirects: no exec); "written" or "refused"
try() {
  id=$(eval echo "\$$1")
  sh -c 'echo $$ > "$0/cgroup.procs" && echo x > "$1"' "$cg/docker/$id" "$w/out/$1" 2>/dev/null &&
    echo written || echo refused
}

config web
SABPF_DOCKER_ROOT="$w/docker" "$SABPF" audit --config "$w/sabpf.yaml" -o "jsonl:$OUT/audit.jsonl" \
  >"$OUT/agent.out" 2>"$OUT/agent.err" &
agent=$!
wait_for "$OUT/agent.err" "container docker:web: policy $w/web-policy.yaml applied (enforce mode)" &&
  wait_for "$OUT/agent.err" "container started: docker:other" &&
  ok "v1: web followed with its policy (a path relative to the configuration file), other without" ||
  not_ok "v1: $(cat "$OUT/agent.err")"
[ "$(try web)" = refused ] && ok "v1: a write in web is refused by its policy" ||
  not_ok "v1: a write in web went through"
[ "$(try other)" = written ] && ok "v1: a write in other goes through (no policy: negative control)" ||
  not_ok "v1: a write in other was refused"

config other
kill -HUP $agent
wait_for "$OUT/agent.err" "container docker:web: policy $w/web-policy.yaml removed" &&
  wait_for "$OUT/agent.err" "container docker:other: policy $w/web-policy.yaml applied" &&
  ok "v2 (SIGHUP): the policy moves from web to other, both running" ||
  not_ok "v2: $(cat "$OUT/agent.err")"
[ "$(try web)" = written ] && ok "v2: a write in web goes through (policy removed)" ||
  not_ok "v2: a write in web is still refused"
[ "$(try other)" = refused ] && ok "v2: a write in other is refused (policy applied)" ||
  not_ok "v2: a write in other went through"

# listed: the cgroup ids of the policies applied now, as `policy show` says
listed() { "$SABPF" policy show --json 2>&1 | grep -o '"cgroup_id":[0-9]*' | cut -d: -f2 | tr '\n' ' '; }
has() { case " $1 " in *" $2 "*) return 0 ;; esac; return 1; }
oid=$(ls -di "$cg/docker/$other" | awk '{ print $1 }')
before=$(listed)
has "$before" "$oid" && ok "v3: other's policy is listed while it runs (negative control)" ||
  not_ok "v3: other ($oid) not listed: $before"
for p in $(cat "$cg/docker/$other/cgroup.procs"); do echo "$p" >"$cg/cgroup.procs"; done
rmdir "$cg/docker/$other"
wait_for "$OUT/agent.err" "container docker:other: policy $w/web-policy.yaml removed (stopped)" &&
  after=$(listed) && ! has "$after" "$oid" &&
  ok "v3: other stops: the agent frees its policy's slot (listed: '$after')" ||
  not_ok "v3: after other stopped, listed '$(listed)': $(tail -3 "$OUT/agent.err")"

# a policy applied by hand to a cgroup removed without `policy remove`
mkdir "$cg/cfgpol-gone" "$cg/cfgpol-next"
gid=$(ls -di "$cg/cfgpol-gone" | awk '{ print $1 }')
nid=$(ls -di "$cg/cfgpol-next" | awk '{ print $1 }')
"$SABPF" policy apply "$w/web-policy.yaml" --cgroup "$cg/cfgpol-gone" >"$OUT/apply.txt" 2>&1 ||
  not_ok "policy apply cfgpol-gone: $(cat "$OUT/apply.txt")"
rmdir "$cg/cfgpol-gone"
has "$(listed)" "$gid" && ok "apply: a removed cgroup's policy stays listed until an apply (negative control)" ||
  not_ok "apply: cfgpol-gone ($gid) not listed after its rmdir: $(listed)"
"$SABPF" policy apply "$w/web-policy.yaml" --cgroup "$cg/cfgpol-next" >"$OUT/apply.txt" 2>&1 ||
  not_ok "policy apply cfgpol-next: $(cat "$OUT/apply.txt")"
now=$(listed)
has "$now" "$nid" && ! has "$now" "$gid" &&
  ok "apply: the next apply frees the removed cgroup's slot (listed: '$now')" ||
  not_ok "apply: listed '$now' (gone $gid, next $nid)"
"$SABPF" policy remove --cgroup "$cg/cfgpol-next" >"$OUT/remove.txt" 2>&1 ||
  not_ok "policy remove cfgpol-next: $(cat "$OUT/remove.txt")"
rmdir "$cg/cfgpol-next"

kill -INT $agent
wait $agent && ok "agent stops cleanly" || not_ok "agent exited $?: $(tail -3 "$OUT/agent.err")"
for c in web other; do
  id=$(eval echo "\$$c")
  for p in $(cat "$cg/docker/$id/cgroup.procs" 2>/dev/null); do echo "$p" >"$cg/cgroup.procs"; done
  rmdir "$cg/docker/$id" 2>/dev/null
done
rmdir "$cg/docker" 2>/dev/null
exit $((fails > 0))
