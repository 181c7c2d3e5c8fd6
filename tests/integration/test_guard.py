# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""test_guard.py: checks of the "guard" scenario (tests/vm/scenarios/85-guard.sh):
self-protection. As root inside an audited container each attempt to blind,
alter or leave the audit fails with the expected errno, leaves a denial
record naming the operation and its object, and the container's next action
is still in the capture; from the host the same actions work; with
--allow-bpf the container's own bpf() works and the agent's maps stay out of
reach. Each check has a negative control: the same check on a mutated copy
of the evidence must fail."""

import copy
import json
import re

import pytest
from provgraph import load_jsonl

SCENARIO = "guard"

# action (AGENT, HOSTPID, INPID, OUT, CG, SECFS, CORE stand for the agent's
# pid, a host task's pid, a container task's pid, the output, the cgroup v2
# root, securityfs, core_pattern's value)
# -> (errno inside, the denial's operation or None when allowed, its object)
INSIDE = {
    "bpf": ("EPERM", "bpf", None),
    "kill AGENT": ("EPERM", "signal_agent", None),
    "procmem AGENT": ("EACCES", "ptrace_agent", None),  # procfs reports a refused ptrace check as EACCES
    "ptrace AGENT": ("EPERM", "ptrace_agent", None),
    "procmem HOSTPID": ("EACCES", "ptrace_host", None),
    "ptrace HOSTPID": ("EPERM", "ptrace_host", None),
    "ptrace INPID": ("ok", None, None),  # a task of its own subtree
    "nice AGENT": ("EPERM", "sched_agent", None),
    "affinity AGENT": ("EPERM", "sched_agent", None),
    "ioprio AGENT": ("EPERM", "sched_agent", None),
    "prlimit AGENT": ("EPERM", "sched_agent", None),
    "prlimit HOSTPID": ("ok", None, None),  # only the agent's limits are guarded
    "openw /proc/AGENT/oom_score_adj": ("EPERM", "sched_agent", "/proc/AGENT/oom_score_adj"),
    "openw /proc/HOSTPID/oom_score_adj": ("ok", None, None),
    "cgmove CG": ("EPERM", "cgroup_write", "cgroup2:/cgroup.procs"),
    "cgmove CG/agentcg": ("EPERM", "cgroup_write", "cgroup2:/agentcg/cgroup.procs"),
    "cgmove CG/guard/sub": ("ok", None, None),  # moving inside its own subtree is not leaving it
    # the agent into the container: the kernel asks for the common ancestor's cgroup.procs
    "cgput CG/guard AGENT": ("EPERM", "cgroup_write", "cgroup2:/cgroup.procs"),
    "openw CG/cgroup.subtree_control": ("EPERM", "cgroup_write", "cgroup2:/cgroup.subtree_control"),
    "openw CG/cgroup.threads": ("EPERM", "cgroup_write", "cgroup2:/cgroup.threads"),
    "openw CG/agentcg/cgroup.freeze": ("EPERM", "cgroup_write", "cgroup2:/agentcg/cgroup.freeze"),
    "openw CG/agentcg/cgroup.kill": ("EPERM", "cgroup_write", "cgroup2:/agentcg/cgroup.kill"),
    "openw CG/agentcg/pids.max": ("EPERM", "cgroup_write", "cgroup2:/agentcg/pids.max"),
    "writefd 4 max": ("EPERM", "cgroup_write", "cgroup2:/agentcg/pids.max"),  # fd opened by the host
    # the delegation root: its limits and freezer belong to the host
    "openw CG/guard/pids.max": ("EPERM", "cgroup_write", "cgroup2:/guard/pids.max"),
    "openw CG/guard/cgroup.freeze": ("EPERM", "cgroup_write", "cgroup2:/guard/cgroup.freeze"),
    "openw CG/guard/sub/pids.max": ("ok", None, None),  # a child of its own
    "mkdir CG/guard-escape": ("EPERM", "cgroup_dir", "cgroup2:/guard-escape"),
    "mkdir CG/guard/sub2": ("ok", None, None),
    "rmdir CG/guard/sub2": ("ok", None, None),
    # clone3 asks for the target's cgroup.procs first (cgroup_css_set_fork), then the common ancestor's
    "clone3 CG/guard-x /tmp/guard-escaped": ("EPERM", "cgroup_write", "cgroup2:/guard-x/cgroup.procs"),
    "clone3 CG/guard/sub /tmp/guard-cloned": ("ok", None, None),
    "rmdir CG/guard-x": ("EPERM", "cgroup_dir", "cgroup2:/guard-x"),
    "openw /proc/sys/kernel/core_pattern": ("EPERM", "sysctl", "/proc/sys/kernel/core_pattern"),
    "openw /tmp/guard-cp": ("EPERM", "sysctl", "/proc/sys/kernel/core_pattern"),  # a bind mount of it
    "openw /tmp/guard-proc/sys/kernel/modprobe": ("EPERM", "sysctl", "/proc/sys/kernel/modprobe"),
    "openw /proc/sys/kernel/kexec_load_disabled": ("EPERM", "sysctl", "/proc/sys/kernel/kexec_load_disabled"),
    "openw /proc/sys/kernel/usermodehelper/bset": ("EPERM", "sysctl", "/proc/sys/kernel/usermodehelper/bset"),
    "openw /proc/sysrq-trigger": ("EPERM", "sysctl", "/proc/sysrq-trigger"),
    "writefd 3 CORE": ("EPERM", "sysctl", "/proc/sys/kernel/core_pattern"),  # fd opened by the host
    "openw /proc/sys/kernel/domainname": ("ok", None, None),  # not a guarded sysctl
    "openw /tmp/guard-blk": ("EPERM", "device_write", "/tmp/guard-blk"),
    "openw /dev/mem": ("EPERM", "device_write", "/dev/mem"),
    "kexec": ("EPERM", "kexec", None),
    "kexec-file /tmp/guard-zeros.ko": ("EPERM", "kexec", "/tmp/guard-zeros.ko"),
    "openw SECFS/lsm": ("EPERM", "bpffs_write", None),  # securityfs: written from inside
    "openw OUT": ("EPERM", "agent_file", None),
    "truncate OUT": ("EPERM", "agent_file", None),
    "unlink OUT": ("EPERM", "agent_file", None),
    "mount bpf /tmp/guard-m": ("EPERM", "mount", "bpf"),
    "mount securityfs /tmp/guard-m": ("EPERM", "mount", "securityfs"),
    "umount /tmp/guard-bpf2": ("EPERM", "umount", None),
    "mkdir /sys/fs/bpf/guard-new": ("EPERM", "bpffs_write", None),
    "rmdir /sys/fs/bpf/guard-dir": ("EPERM", "bpffs_write", None),
    "finit /tmp/guard-zeros.ko": ("EPERM", "module_load", None),
    "init": ("EPERM", "module_load", None),
}

# what the host gets where it is not "ok" (the files are not a module nor a kernel)
OUTSIDE_NOT_OK = {
    "finit /tmp/guard-zeros.ko": "ENOEXEC",
    "init": "ENOEXEC",
    "kexec-file /tmp/guard-zeros.ko": "ENOEXEC",
}


@pytest.fixture
def out(artifacts):
    return artifacts(SCENARIO)


def placeholders(out):
    """Token -> placeholder, to turn a scenario's action line into a key."""
    subst = {}
    for name, key in (("guard1.pid", "AGENT"), ("hostpid", "HOSTPID"), ("inpid", "INPID")):
        path = out / name
        if path.exists():
            subst[path.read_text().strip()] = key
    core = (out / "core_pattern").read_text().strip()
    return subst, core


def action_key(action, subst, core):
    words = [subst.get(w, w) for w in action.split(" ")]
    key = " ".join(words)
    key = re.sub(r"/proc/(\d+)/", lambda m: f"/proc/{subst.get(m.group(1), m.group(1))}/", key)
    if key.startswith("writefd 3 ") and key[len("writefd 3 "):] == core:
        key = "writefd 3 CORE"
    key = re.sub(r"\S+/guard1\.jsonl\.tmp", "OUT", key)
    key = re.sub(r"/sys/fs/cgroup", "CG", key)
    return re.sub(r"/sys/kernel/security", "SECFS", key)


def results(out, name):
    """The ordered list of (key, errno or 'ok') of a run of the actions."""
    subst, core = placeholders(out)
    res = []
    for line in (out / name).read_text().splitlines():
        m = re.match(r"^(.*?): (ok|errno=\d+ (\S+))$", line)
        if m:
            res.append((action_key(m.group(1), subst, core), "ok" if m.group(2) == "ok" else m.group(3)))
    return res


def denials(events):
    return [e for e in events if e.get("action") == "denied"]


def check_errnos(got, want):
    assert dict(got) == {k: v for k, (v, _, _) in want.items()}
    assert len(got) == len(want)


def check_records(events, want, agent, hostpid):
    """Every refusal, and only those, is a record naming its operation and,
    where the table gives one, its object."""
    denied = denials(events)
    assert sorted(e["operation"] for e in denied) == sorted(op for _, op, _ in want.values() if op)
    for e in denied:
        assert e["rule"] == "self-protection" and e["result"] == "EPERM", e
        assert e["comm"] == "guardprobe" and e["container"].endswith("/guard"), e
        if e["operation"] in ("signal_agent", "ptrace_agent", "sched_agent"):
            assert e["target_pid"] == agent, e
        if e["operation"] == "ptrace_host":
            assert e["target_pid"] == hostpid, e
    # operations whose every object the table names are compared whole
    whole = {"cgroup_write", "cgroup_dir", "sysctl", "device_write"}
    want_whole = sorted((op, obj) for _, op, obj in want.values() if op in whole)
    assert sorted((e["operation"], e.get("path")) for e in denied if e["operation"] in whole) == want_whole
    for _, op, obj in want.values():
        if obj and op not in whole:
            obj = obj.replace("AGENT", str(agent))
            assert any(e["operation"] == op and e.get("path") == obj for e in denied), (op, obj)


def check_marks(events, n):
    """After each attempt the container wrote its mark: all n are in the capture."""
    written = {e["object"] for e in events if e.get("action") == "write"}
    missing = [i for i in range(1, n + 1) if f"/tmp/guard-mark.{i}" not in written]
    assert not missing, f"marks not in the capture: {missing}"


def test_each_attempt_from_inside_fails_with_the_expected_errno(out):
    check_errnos(results(out, "inside.txt"), INSIDE)


def test_errno_check_fails_on_a_wrong_errno(out):
    got = results(out, "inside.txt")
    mutated = [(k, "ok" if k == "openw CG/agentcg/cgroup.freeze" else v) for k, v in got]
    with pytest.raises(AssertionError):
        check_errnos(mutated, INSIDE)


def test_the_same_actions_work_from_the_host(out):
    got = dict(results(out, "outside.txt"))
    # unlink of the live output and moving the agent into the container are
    # not tried from the host; what the host made it removes again
    assert set(got) == set(INSIDE) - {"unlink OUT", "cgput CG/guard AGENT"} | {
        "rmdir /sys/fs/bpf/guard-new", "rmdir CG/guard-escape"}
    assert {k: v for k, v in got.items() if v != "ok"} == OUTSIDE_NOT_OK


def test_every_refusal_is_a_record_naming_it(out):
    events = load_jsonl(out / "guard1.jsonl")
    agent = int((out / "guard1.pid").read_text())
    hostpid = int((out / "hostpid").read_text())
    check_records(events, INSIDE, agent, hostpid)
    stats = json.loads((out / "guard1-stats.json").read_text())
    assert stats["denials"] == len([1 for _, op, _ in INSIDE.values() if op]) and stats["lost"] == 0


@pytest.mark.parametrize("mutation", ["drop", "rename", "path"])
def test_record_check_fails_on_a_missing_or_wrong_record(out, mutation):
    events = load_jsonl(out / "guard1.jsonl")
    agent = int((out / "guard1.pid").read_text())
    hostpid = int((out / "hostpid").read_text())
    events = copy.deepcopy(events)
    i = next(i for i, e in enumerate(events) if e.get("action") == "denied"
             and e.get("path") == "cgroup2:/agentcg/cgroup.freeze")
    if mutation == "drop":
        del events[i]
    elif mutation == "rename":
        events[i]["operation"] = "cgroup_dir"
    else:
        events[i]["path"] = "cgroup2:/guard/sub/cgroup.freeze"
    with pytest.raises(AssertionError):
        check_records(events, INSIDE, agent, hostpid)


def test_the_container_is_not_blinded_after_each_attempt(out):
    n = int((out / "marks").read_text())
    assert n == len(INSIDE)
    check_marks(load_jsonl(out / "guard1.jsonl"), n)


def test_mark_check_fails_when_a_mark_is_missing(out):
    events = [e for e in load_jsonl(out / "guard1.jsonl") if e.get("object") != "/tmp/guard-mark.7"]
    with pytest.raises(AssertionError):
        check_marks(events, len(INSIDE))


def test_clone3_into_a_foreign_cgroup_starts_nothing(out):
    # refused from inside: no child ran; from the host the same call works
    assert (out / "escaped-inside").read_text().strip() == "no"
    assert (out / "escaped-outside").read_text().strip() == "yes"
    events = load_jsonl(out / "guard1.jsonl")
    assert not [e for e in events if e.get("object") == "/tmp/guard-escaped"]


def test_clone3_into_its_own_child_cgroup_is_audited(out):
    assert (out / "cloned-inside").read_text().strip() == "yes"
    events = load_jsonl(out / "guard1.jsonl")
    writes = [e for e in events if e.get("object") == "/tmp/guard-cloned" and e.get("action") == "write"]
    # the container's child, and the host's (its clone3 into guard/sub runs
    # the child in the container's subtree too): both audited as the container
    assert len(writes) == 2 and all(e["container"].endswith("/guard") for e in writes)
    assert len({e["pid"] for e in writes}) == 2


def test_core_pattern_is_unchanged(out):
    assert (out / "core_pattern-after").read_text() == (out / "core_pattern").read_text()


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
