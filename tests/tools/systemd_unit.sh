#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# systemd_unit.sh: checks deploy/sabpf.service with systemd's own tools, as
# far as they go without systemd as PID 1 (these machines have none): the
# unit parses cleanly (`systemd-analyze verify`, ExecStart pointed at
# build/sabpf so the binary exists), and `systemd-analyze security
# --offline=true` credits each hardening directive the unit sets. Negative
# controls: a misspelt directive is reported by verify, and the unit without
# its CapabilityBoundingSet loses the credit. Prints TAP-like lines and
# "systemd: N passed, N failed". What no static check can show (that the
# agent runs under this sandbox and syscall filter) is untested here.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
passed=0 failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $*"; failed=$((failed + 1)); }
if ! command -v systemd-analyze >/dev/null; then
  not_ok "systemd-analyze not found (package systemd)"
  echo "systemd: $passed passed, $failed failed"
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|/usr/local/bin/sabpf|$repo/build/sabpf|" "$repo/deploy/sabpf.service" >"$tmp/sabpf.service"
[ -x "$repo/build/sabpf" ] || not_ok "build/sabpf missing: run make"

out=$(cd "$tmp" && systemd-analyze verify ./sabpf.service 2>&1)
[ -z "$out" ] && ok "systemd-analyze verify: no complaint" || not_ok "verify: $out"

sec=$(cd "$tmp" && systemd-analyze security --offline=true ./sabpf.service 2>&1)
for d in NoNewPrivileges= ProtectSystem= ProtectHome= PrivateTmp= PrivateDevices= \
  ProtectKernelModules= ProtectKernelLogs= ProtectClock= ProtectHostname= RestrictNamespaces=~user \
  RestrictRealtime= RestrictSUIDSGID= LockPersonality= MemoryDenyWriteExecute= \
  SystemCallArchitectures= CapabilityBoundingSet=~CAP_SYS_PTRACE CapabilityBoundingSet=~CAP_SYS_MODULE \
  CapabilityBoundingSet=~CAP_SYS_RAWIO RestrictAddressFamilies=~AF_PACKET UMask=; do
  grep -q "^✓ $d" <<<"$sec" && ok "security credits $d" || not_ok "security does not credit $d"
done
echo "# $(grep 'Overall exposure' <<<"$sec")"

# negative controls
sed 's/^ProtectSystem=strict/ProtectSytem=strict/' "$tmp/sabpf.service" >"$tmp/typo.service"
out=$(cd "$tmp" && systemd-analyze verify ./typo.service 2>&1)
grep -q "Unknown key 'ProtectSytem'" <<<"$out" && ok "verify reports a misspelt directive (negative control)" ||
  not_ok "verify did not report ProtectSytem: $out"
grep -v '^CapabilityBoundingSet=' "$tmp/sabpf.service" >"$tmp/nocaps.service"
sec=$(cd "$tmp" && systemd-analyze security --offline=true ./nocaps.service 2>&1)
grep -q "^✗ CapabilityBoundingSet=~CAP_SYS_PTRACE" <<<"$sec" &&
  ok "without CapabilityBoundingSet the credit is gone (negative control)" ||
  not_ok "security still credits CAP_SYS_PTRACE without CapabilityBoundingSet"
echo "systemd: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
