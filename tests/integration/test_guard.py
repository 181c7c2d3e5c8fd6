"""test_guard.py: checks of the "guard" scenario (tests/vm/scenarios/85-guard.sh):
self-protection. As root inside an audited container each attempt to blind,
alter or leave the audit fails with the expected errno and leaves a denial
record naming it; from the host the same actions work; with --allow-bpf the
container's own bpf() works and the agent's maps stay out of reach."""

import json
import re

import pytest
from provgraph import load_jsonl

SCENARIO = "guard"

# action (AGENT, OUT, CG stand for the agent's pid, the output, the cgroup root)
# -> (errno inside, the denial's operation or None when allowed)
INSIDE = {
    "bpf": ("EPERM", "bpf"),
    "kill AGENT": ("EPERM", "signal_agent"),
    "procmem AGENT": ("EACCES", "ptrace_agent"),  # procfs reports a refused ptrace check as EACCES
    "ptrace AGENT": ("EPERM", "ptrace_agent"),
    "cgmove CG": ("EPERM", "cgroup_write"),
    "cgmove CG/guard/sub": ("ok", None),  # moving inside its own subtree is not leaving it
    "openw CG/cgroup.subtree_control": ("EPERM", "cgroup_write"),
    "openw CG/cgroup.threads": ("EPERM", "cgroup_write"),
    "openw SECFS/lsm": ("EPERM", "bpffs_write"),  # securityfs: written from inside
    "openw OUT": ("EPERM", "agent_file"),
    "truncate OUT": ("EPERM", "agent_file"),
    "unlink OUT": ("EPERM", "agent_file"),
    "mount bpf /tmp/guard-m": ("EPERM", "mount"),
    "mount securityfs /tmp/guard-m": ("EPERM", "mount"),
    "umount /tmp/guard-bpf2": ("EPERM", "umount"),
    "mkdir /sys/fs/bpf/guard-new": ("EPERM", "bpffs_write"),
    "rmdir /sys/fs/bpf/guard-dir": ("EPERM", "bpffs_write"),
    "finit /tmp/guard-zeros.ko": ("EPERM", "module_load"),
    "init": ("EPERM", "module_load"),
}


@pytest.fixture
def out(artifacts):
    return artifacts(SCENARIO)


def results(out, name):
    agent = (out / "guard1.pid").read_text().strip()
    res = {}
    for line in (out / name).read_text().splitlines():
        m = re.match(r"^(.*?): (ok|errno=\d+ (\S+))$", line)
        if not m:
            continue
        key = m.group(1).replace(agent, "AGENT")
        key = re.sub(r"\S+/guard1\.jsonl\.tmp", "OUT", key)
        key = re.sub(r"/sys/fs/cgroup", "CG", key)
        key = re.sub(r"/sys/kernel/security", "SECFS", key)
        res[key] = "ok" if m.group(2) == "ok" else m.group(3)
    return res


def test_each_attempt_from_inside_fails_with_the_expected_errno(out):
    assert results(out, "inside.txt") == {k: v for k, (v, _) in INSIDE.items()}


def test_the_same_actions_work_from_the_host(out):
    got = results(out, "outside.txt")
    # unlink of the live output is not tried from the host; the directory
    # the host made in bpffs is removed by it too
    assert set(got) == set(INSIDE) - {"unlink OUT"} | {"rmdir /sys/fs/bpf/guard-new"}
    assert {k: v for k, v in got.items() if v != "ok"} == {"finit /tmp/guard-zeros.ko": "ENOEXEC",
                                                           "init": "ENOEXEC"}


def test_every_refusal_is_a_record(out):
    events = load_jsonl(out / "guard1.jsonl")
    denied = [e for e in events if e.get("action") == "denied"]
    want = sorted(op for _, op in INSIDE.values() if op)
    assert sorted(e["operation"] for e in denied) == want
    agent = int((out / "guard1.pid").read_text())
    for e in denied:
        assert e["rule"] == "self-protection" and e["result"] == "EPERM"
        assert e["comm"] == "guardprobe" and e["container"].endswith("/guard")
        if e["operation"] in ("signal_agent", "ptrace_agent"):
            assert e["target_pid"] == agent
    paths = {e["operation"]: e.get("path") for e in denied if e["operation"] in ("cgroup_write", "mount")}
    assert paths["mount"] in ("bpf", "securityfs")
    cg = [e["path"] for e in denied if e["operation"] == "cgroup_write"]
    assert sorted(cg) == ["/sys/fs/cgroup/cgroup.procs", "/sys/fs/cgroup/cgroup.subtree_control",
                          "/sys/fs/cgroup/cgroup.threads"]
    stats = json.loads((out / "guard1-stats.json").read_text())
    assert stats["denials"] == len(want) and stats["lost"] == 0


def test_allow_bpf_opens_bpf_but_not_the_agents_maps(out):
    lines = (out / "allow-bpf.txt").read_text().splitlines()
    assert lines[0] == "bpf: ok"
    assert re.match(r"kill \d+: errno=1 EPERM", lines[1])
    inside = re.match(r"bpf-grab: got=(\d+) refused=(\d+)", lines[2])
    outside = re.match(r"bpf-grab: got=(\d+) refused=(\d+)", (out / "outside-grab.txt").read_text())
    # every map on the system is the agent's here: none for the container, all for the host
    assert int(inside.group(1)) == 0 and int(inside.group(2)) >= 10
    assert int(outside.group(1)) == int(inside.group(2)) and int(outside.group(2)) == 0
    events = load_jsonl(out / "guard2.jsonl")
    ops = [e["operation"] for e in events if e.get("action") == "denied"]
    assert ops.count("bpf") == int(inside.group(2)) and ops.count("signal_agent") == 1
