# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""test_scope.py: checks of the "scope" scenario (tests/vm/scenarios/30-scope.sh):
`sabpf audit` of several existing cgroups, each with its own record classes,
a child cgroup made after registration, a cgroup outside, and containers
added and removed through the control socket while another stays audited."""

import json
import re

import pytest
from provgraph import load_jsonl, load_prov, prov_check


@pytest.fixture
def events(artifacts):
    return load_jsonl(artifacts("scope") / "audit.jsonl")


def pid_of(artifacts, name):
    return int((artifacts("scope") / f"pid-{name}").read_text())


def by_pid(events, pid):
    # LOST records (action records_lost) belong to a container, not a task
    return [e for e in events if e.get("pid") == pid]


def lost_by_cause(events):
    """{(container_id, cause): count} of the capture's LOST records."""
    out = {}
    for e in events:
        if e["action"] == "records_lost":
            key = (e["container_id"], e["cause"])
            out[key] = out.get(key, 0) + e["count"]
    return out


def stats_lost(stats):
    return {(c["container_id"], cause): n for c in stats["containers"]
            for cause, n in c["lost"].items() if n}


def test_lost_records_are_the_ones_counted(artifacts, events):
    # a task's local storage can fail (6.12 refuses a nested get on one CPU):
    # whatever was lost is in the capture as LOST records, exactly as counted
    stats = json.loads((artifacts("scope") / "stats.json").read_text())
    assert lost_by_cause(events) == stats_lost(stats)
    assert stats["seq_missing"] == 0


def test_lost_check_fails_on_a_missing_or_extra_record(artifacts, events):
    stats = json.loads((artifacts("scope") / "stats.json").read_text())
    extra = {"action": "records_lost", "container_id": 1, "cause": "ring", "count": 1}
    assert lost_by_cause(events + [extra]) != stats_lost(stats)
    counted = dict(stats_lost(stats))
    counted[(1, "storage")] = counted.get((1, "storage"), 0) + 1
    assert lost_by_cause(events) != counted


def test_audited_container_records_exec_and_files(artifacts, events):
    mine = by_pid(events, pid_of(artifacts, "a"))
    actions = {(e["action"], e["object"]) for e in mine}
    assert ("inode_create", "/tmp/scope-a/a") in actions
    assert ("write", "/tmp/scope-a/a") in actions
    assert any(a == "exec" and o.endswith("/progs/exercise") for a, o in actions)
    assert all(e["container"].endswith("/pod-a") for e in mine)


def test_each_container_has_its_own_classes(artifacts, events):
    mine = by_pid(events, pid_of(artifacts, "b"))  # pod-b audits files only
    actions = {e["action"] for e in mine}
    assert {"inode_create", "open", "write", "rename"} <= actions
    assert not actions & {"exec", "arg", "clone", "terminate_task", "exec_task"}


def test_tasks_outside_produce_no_records(artifacts, events):
    outside = pid_of(artifacts, "out")
    assert by_pid(events, outside) == []
    assert not [e for e in events if "/tmp/scope-out" in str(e.get("object"))]


def test_child_cgroup_made_after_registration_is_covered_before_exec(artifacts, events):
    mine = by_pid(events, pid_of(artifacts, "late"))
    execs = [e for e in mine if e["action"] == "exec"]
    assert len(execs) == 1 and execs[0]["object"].endswith("/progs/exercise")
    assert execs[0]["container"].endswith("/pod-a")  # inherited from the pod
    assert ("write", "/tmp/scope-late/a") in {(e["action"], e["object"]) for e in mine}


def test_containers_added_and_removed_while_others_are_audited(artifacts, events):
    assert by_pid(events, pid_of(artifacts, "c1")), "pod-c added through ctl was not audited"
    assert by_pid(events, pid_of(artifacts, "c2")) == [], "pod-c still audited after ctl remove"
    assert by_pid(events, pid_of(artifacts, "a2")), "pod-a stopped being audited"
    assert "ok" in (artifacts("scope") / "ctl-add.txt").read_text()
    listing = (artifacts("scope") / "ctl-list.txt").read_text()
    assert "/pod-c" in listing
    assert "not audited" in (artifacts("scope") / "ctl-bad.txt").read_text()


def test_agent_never_appears_and_prov_is_valid(artifacts, events):
    agent = int((artifacts("scope") / "agent_pid").read_text())
    assert by_pid(events, agent) == []
    assert prov_check(artifacts("scope") / "audit.prov.json")["acyclic"] is True
    cap = load_prov(artifacts("scope") / "audit.prov.json")
    assert not [a for a in cap.nodes.values() if a.get("cf:pid") == agent]


# ---- pods whose containers existed before the agent started ----

WAITERS = ["c1", "c2", "inner", "r1", "q"]
# (waiter, phase) -> the container its write must be recorded under; every
# other (waiter, phase) must be absent. Phase 1: pod-p registered by --cgroup
# and pod-r by ctl add, both with their children already running; 2: pod-p/c2
# registered on its own (file records); 3: c2 removed, back to pod-p; 4: pod-p
# and pod-r removed. q lives in a sibling cgroup outside every pod.
EXPECTED = {
    **{("c1", p): "/pod-p" for p in (1, 2, 3)},
    **{("c2", p): "/pod-p" for p in (1, 3)},
    ("c2", 2): "/pod-p/c2",
    **{("inner", p): "/pod-p" for p in (1, 3)},
    ("inner", 2): "/pod-p/c2",
    **{("r1", p): "/pod-r" for p in (1, 2, 3)},
}


def pre_writes(events, artifacts, waiter, phase):
    pid = pid_of(artifacts, f"pre-{waiter}")
    path = f"/tmp/pre-{waiter}-{phase}"
    return [e for e in events if e.get("object") == path and e["action"] in ("write", "inode_create")
            and e.get("pid") == pid]


def test_every_pre_existing_write_happened(artifacts):
    # the absences below mean something only if the writes were made
    listed = (artifacts("scope") / "pre-files.txt").read_text().split()
    for w in WAITERS:
        for p in (1, 2, 3, 4):
            assert f"/tmp/pre-{w}-{p}" in listed, f"{w} never wrote phase {p}"


@pytest.mark.parametrize("waiter", WAITERS)
@pytest.mark.parametrize("phase", [1, 2, 3, 4])
def test_pre_existing_containers_in_scope_exactly_while_registered(artifacts, events, waiter, phase):
    found = pre_writes(events, artifacts, waiter, phase)
    want = EXPECTED.get((waiter, phase))
    if want is None:
        assert found == [], f"{waiter} phase {phase} recorded but out of scope: {found[:2]}"
        return
    assert {e["action"] for e in found} == {"inode_create", "write"}, (waiter, phase, found)
    assert {e["container"][-len(want):] for e in found} == {want}, (waiter, phase, found)
    assert all(e["container"].endswith(want) for e in found)


def test_ctl_answers_for_pods(artifacts, cgroot):
    d = artifacts("scope")
    # pod-r and its container r1, running before the agent
    assert re.fullmatch(rf"ok \d+ {re.escape(cgroot)}/pod-r \(2 cgroups in scope\)\n",
                        (d / "ctl-add-r.txt").read_text())
    # c2 and c2/inner (c1 is not below c2)
    assert re.fullmatch(rf"ok \d+ {re.escape(cgroot)}/pod-p/c2 \(2 cgroups in scope\)\n",
                        (d / "ctl-add-c2.txt").read_text())
    err = (d / "stderr").read_text()
    assert re.search(rf"^sabpf: auditing {re.escape(cgroot)}/pod-p \(cgroup id \d+, 4 cgroups in "
                     r"scope\)$", err, re.M), err
    assert re.search(rf"^sabpf: auditing {re.escape(cgroot)}/pod-a \(cgroup id \d+, 1 cgroup in "
                     r"scope\)$", err, re.M), err
    assert "ok removed" in (d / "ctl-remove-p.txt").read_text()
    # pod-p, c1, c2, inner: the whole subtree
    assert "(4 cgroups)" in (d / "ctl-remove-p.txt").read_text()
    assert "(2 cgroups)" in (d / "ctl-remove-r.txt").read_text()
    assert "(2 cgroups)" in (d / "ctl-remove-c2.txt").read_text()
    inner = (d / "ctl-remove-inner.txt").read_text()
    assert f"error {cgroot}/pod-p/c2/inner is not a registered container" in inner
    assert f"part of container {cgroot}/pod-p/c2;" in inner


@pytest.fixture
def cgroot(artifacts):
    return (artifacts("scope") / "cgroot").read_text().strip()


def stats(artifacts, name):
    import json
    return json.loads((artifacts("scope") / name).read_text())


# ---- the control socket ----

def test_ctl_from_inside_an_audited_cgroup_is_refused(artifacts, events, cgroot):
    d = artifacts("scope")
    answer = (d / "ctl-from-inside.txt").read_text()
    assert answer.startswith("error refused: process ")
    assert re.search(r"^error refused: process \d+ is in the audited cgroup /pod-a$", answer, re.M), answer
    assert "control request refused" in (d / "stderr").read_text()
    # pod-a is still audited after the attempt
    assert by_pid(events, pid_of(artifacts, "a3")), "pod-a stopped being audited"


def test_second_agent_does_not_steal_the_control_socket(artifacts):
    d = artifacts("scope")
    assert (d / "second.rc").read_text().strip() == "1"
    assert "control socket '/run/sabpf-test.sock' is the control socket of a running agent" in (
        d / "second.stderr").read_text()
    assert "/pod-a" in (d / "ctl-list2.txt").read_text()


# ---- a full scope map ----

def test_no_scope_failure_with_room(artifacts):
    s = stats(artifacts, "stats.json")
    assert s["scope_failed"] == 0 and s["scope_size"] == 16384
    assert "NOT audited" not in (artifacts("scope") / "stderr").read_text()


def test_cgroups_left_out_of_a_full_map_are_counted_exactly(artifacts, cgroot):
    import re
    d = artifacts("scope")
    assert (d / "small.rc").read_text().strip() == "0"
    s = stats(artifacts, "small-stats.json")
    assert s["scope_size"] == 4
    assert s["scope_failed"] == 3
    err = (d / "small.stderr").read_text()
    warned = [int(n) for n in re.findall(
        r"sabpf: WARNING: (\d+) cgroup\(s\) made under audited containers are NOT audited: "
        r"the scope map is full \(4 entries\); raise --scope-size", err)]
    assert sum(warned) == 3, err
    lines = re.findall(r"container (\S+) \(cgroup id \d+\): (\d+) cgroup\(s\) not in scope in all, "
                       r"the last (\S+) \(cgroup id \d+, error -7: map full\)", err)
    assert lines and lines[-1] == (f"{cgroot}/pod-s", "3", f"{cgroot}/pod-s/k6"), err


def test_cgroup_left_out_is_not_audited_one_that_fit_is(artifacts):
    events = load_jsonl(artifacts("scope") / "small.jsonl")
    k2 = by_pid(events, pid_of(artifacts, "k2"))
    assert ("write", "/tmp/scope-k2/a") in {(e["action"], e["object"]) for e in k2}
    assert all(e["container"].endswith("/pod-s") for e in k2)
    assert by_pid(events, pid_of(artifacts, "k5")) == []


def test_ctl_add_into_a_full_map_fails_and_names_the_option(artifacts, cgroot):
    d = artifacts("scope")
    full = (d / "small-add-full.txt").read_text()
    assert full.startswith(f"error cgroup {cgroot}/pod-t: cannot put cgroup ")
    assert "in scope: the scope map is full (4 entries, one per audited cgroup); raise --scope-size" in full
    assert f"nothing of {cgroot}/pod-t is audited" in full
    assert "/pod-t" not in (d / "small-list.txt").read_text()
    assert (d / "small-add-ok.txt").read_text().startswith("ok ")


def test_audit_start_into_a_tiny_map_fails_naming_the_cgroup(artifacts, cgroot):
    d = artifacts("scope")
    assert (d / "tiny.rc").read_text().strip() == "1"
    err = (d / "tiny.stderr").read_text()
    assert re.search(rf"sabpf audit: cgroup {re.escape(cgroot)}/pod-t/t[12]: cannot put cgroup \d+ in "
                     r"scope: the scope map is full \(2 entries, one per audited cgroup\); raise "
                     rf"--scope-size; nothing of {re.escape(cgroot)}/pod-t is audited", err), err


def test_bad_scope_sizes_are_refused(artifacts):
    d = artifacts("scope")
    rcs = dict(line.split() for line in (d / "badsize.rc").read_text().splitlines())
    assert rcs == {"0": "2", "abc": "2", "-4": "2", "1048577": "2", "4k": "2"}
    text = (d / "badsize.txt").read_text()
    assert "--scope-size '0': must be from 1 to 1048576" in text
    assert "--scope-size '1048577': must be from 1 to 1048576" in text
    for v in ("abc", "-4", "4k"):
        assert f"--scope-size '{v}': not a number of entries" in text
