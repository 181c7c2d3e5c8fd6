"""test_scope.py: checks of the "scope" scenario (tests/vm/scenarios/30-scope.sh):
`sabpf audit` of several existing cgroups, each with its own record classes,
a child cgroup made after registration, a cgroup outside, and containers
added and removed through the control socket while another stays audited."""

import pytest
from provgraph import load_jsonl, load_prov, prov_check


@pytest.fixture
def events(artifacts):
    return load_jsonl(artifacts("scope") / "audit.jsonl")


def pid_of(artifacts, name):
    return int((artifacts("scope") / f"pid-{name}").read_text())


def by_pid(events, pid):
    return [e for e in events if e["pid"] == pid]


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
    assert not [e for e in events if "/tmp/scope-out" in str(e["object"])]


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
