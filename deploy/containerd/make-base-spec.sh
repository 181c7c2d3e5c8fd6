#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make-base-spec.sh: writes a base runtime spec for containerd 1.6's CRI plugin
# (no NRI, no hooks.d) holding the `sabpf oci-hook` createRuntime hook: the
# default spec of this containerd (`ctr oci spec`), with the hook's path and
# arguments taken from deploy/oci-hooks.d/sabpf.json, so both install paths
# run the same hook. Point the runtime at it in /etc/containerd/config.toml:
#   [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
#     base_runtime_spec = "/etc/containerd/sabpf-base-spec.json"
# (docs/identity.md, "OCI hook").
#   deploy/containerd/make-base-spec.sh [OUT]   (default: stdout)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:--}
command -v ctr >/dev/null || { echo "make-base-spec.sh: ctr (containerd) is not installed" >&2; exit 1; }
ctr oci spec | /usr/bin/python3 -c '
import json, sys
spec = json.load(sys.stdin)
hook = json.load(open(sys.argv[1]))["hook"]
entry = {"path": hook["path"], "args": hook["args"]}
if "timeout" in hook:
    entry["timeout"] = hook["timeout"]
spec.setdefault("hooks", {}).setdefault("createRuntime", []).append(entry)
out = sys.argv[2]
text = json.dumps(spec, indent=4) + "\n"
if out == "-":
    sys.stdout.write(text)
else:
    open(out, "w").write(text)
' "$here/../oci-hooks.d/sabpf.json" "$out"
