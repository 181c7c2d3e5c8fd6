# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""test_guard_bpf.py: checks of the --allow-bpf part of the "guard" scenario
(tests/vm/scenarios/85-guard.sh, agent guard3): with --allow-bpf a container
may load and attach what `sabpf load` would accept for it (docs/tenant.md), and
nothing more. Each refusal fails with EPERM and leaves a denial record that
names the rule broken; the host, outside the container, is not limited."""

import re

import pytest
from provgraph import load_jsonl

SCENARIO = "guard"

# case (CG: the cgroup root) -> (result inside the container, why a refusal is recorded)
TENANT = {
    # positive controls: an lsm_cgroup program on the container's cgroup and on its child
    "bpfload lsm_cgroup CG/guard": ("ok", None),
    "bpfload lsm_cgroup CG/guard/sub": ("ok", None),
    # attached outside its own subtree (the root cgroup: every container)
    "bpfload lsm_cgroup CG": ("EPERM", (28, "target is not a cgroup of the container")),
    # a verified program that calls bpf_send_signal
    "bpfload signal CG/guard": ("EPERM", (5, "program calls a refused helper")),
    # program types a tenant may not load: global LSM, kprobe, tracepoint
    "bpfload lsm": ("EPERM", (5, "program type is not lsm_cgroup")),
    "bpfload kprobe": ("EPERM", (5, "program type is not lsm_cgroup")),
    "bpfload tracepoint": ("EPERM", (5, "program type is not lsm_cgroup")),
    # pinning (BPF_OBJ_PIN) publishes an object beyond the container
    "bpfpin /sys/fs/bpf/guard-pin": ("EPERM", (6, "command not allowed to containers")),
}


def results(path):
    res = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^(.*?): (ok|errno=\d+ (\S+))$", line)
        if m:
            key = re.sub(r"/sys/fs/cgroup", "CG", m.group(1))
            res[key] = "ok" if m.group(2) == "ok" else m.group(3)
    return res


@pytest.fixture
def out(artifacts):
    return artifacts(SCENARIO)


def test_allow_bpf_lets_a_container_load_what_a_tenant_may_and_nothing_more(out):
    got = results(out / "allow-bpf-tenant.txt")
    assert got == {case: want for case, (want, _) in TENANT.items()}


def test_the_host_is_not_limited(out):
    got = results(out / "allow-bpf-host.txt")
    assert got == {case: "ok" for case in TENANT}


def test_each_refusal_is_a_record_naming_the_rule(out):
    events = load_jsonl(out / "guard3.jsonl")
    denied = [e for e in events if e.get("action") == "denied"]
    assert all(e["operation"] == "bpf" and e["rule"] == "self-protection" for e in denied)
    assert all(e["comm"] == "policyprobe" and e["result"] == "EPERM" for e in denied)
    assert sorted((e["detail"], e["path"]) for e in denied) == sorted(
        why for want, why in TENANT.values() if want == "EPERM")
