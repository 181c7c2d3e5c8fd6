# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""test_denials.py: checks of the "denials" scenario
(tests/vm/scenarios/82-denials.sh): with two agents running, each reports
exactly the policy denials of the container it audits and none of the
other's, and a `policy log --follow` beside them every denial of both; an
agent that finds every denial slot taken says so and counts
each denial of its container as lost, exactly; root in a container cannot
open the slot map; with no agent running, `policy log` shows exactly the
denials made then. Each check function is also run on a mutated input
(negative control)."""

import json
import re

import pytest
from provgraph import load_jsonl

SCENARIO = "denials"


@pytest.fixture
def out(artifacts):
    return artifacts(SCENARIO)


def refused(path):
    """The opens lossgen saw refused (its own count)."""
    m = re.search(r"^denied=(\d+)$", path.read_text(), re.M)
    assert m, path.read_text()
    return int(m.group(1))


def file_denials(events, suffix):
    return [e for e in events if e.get("action") == "denied" and e.get("operation") == "file_open"
            and e["container"].endswith(suffix)]


def delivery_errors(events, own, other, want):
    """What is wrong with one agent's denials: not exactly `want` of its own
    container (each on /tmp/den/target), or any of the other container's."""
    errors = []
    mine = file_denials(events, "/" + own)
    if len(mine) != want:
        errors.append(f"{len(mine)} denials of {own}, want {want}")
    if any(e.get("path") != "/tmp/den/target" or e["comm"] != "lossgen" for e in mine):
        errors.append("a denial of another file or program")
    foreign = [e for e in events if e.get("action") == "denied" and e["container"].endswith("/" + other)]
    if foreign:
        errors.append(f"{len(foreign)} denials of {other}")
    return errors


def test_the_workloads_were_refused_as_planned(out):
    assert [refused(out / f"{n}.txt") for n in ("a-denied", "b-denied", "b-denied-2", "a-denied-2")] == [3, 5, 4, 2]


def test_each_of_two_agents_gets_exactly_its_containers_denials(out):
    a, b = load_jsonl(out / "a.jsonl"), load_jsonl(out / "b.jsonl")
    want_a = refused(out / "a-denied.txt")
    want_b = refused(out / "b-denied.txt") + refused(out / "b-denied-2.txt")
    assert delivery_errors(a, "den-a", "den-b", want_a) == []
    assert delivery_errors(b, "den-b", "den-a", want_b) == []
    for name in ("a", "b"):
        s = json.loads((out / f"{name}-stats.json").read_text())
        assert s["lost"] == 0 and s["kernel_lost"] == 0, s
    # negative controls: the other agent's denials, or one missing, are caught
    assert delivery_errors(a + file_denials(b, "/den-b")[:1], "den-a", "den-b", want_a) == ["1 denials of den-b"]
    first = file_denials(a, "/den-a")[0]
    assert delivery_errors([e for e in a if e is not first], "den-a", "den-b", want_a) == [
        f"{want_a - 1} denials of den-a, want {want_a}"]


def test_policy_log_follow_gets_every_denial_beside_the_agents(out):
    followed = [json.loads(line) for line in (out / "follow.jsonl").read_text().splitlines()]
    assert "following every denial" in (out / "follow.err").read_text()
    assert "not shown" not in (out / "follow.err").read_text()
    want = {"den-a": refused(out / "a-denied.txt"),
            "den-b": refused(out / "b-denied.txt") + refused(out / "b-denied-2.txt")}
    assert follow_errors(followed, want, cgroup_ids(out)) == []
    # negative control: one denial missing is caught
    assert follow_errors(followed[1:], want, cgroup_ids(out)) != []


def cgroup_ids(out):
    """{container name: cgroup id} from the agents' stats."""
    ids = {}
    for name in ("a", "b"):
        s = json.loads((out / f"{name}-stats.json").read_text())
        ids[s["containers"][0]["name"].rsplit("/", 1)[1]] = s["container_id"]
    return ids


def follow_errors(followed, want, ids):
    """The followed denials not exactly want[container] file_open denials of
    /tmp/den/target per container (by task cgroup id)."""
    errors = []
    for name, n in want.items():
        got = [e for e in followed if e["cgroup_id"] == ids[name]]
        if len(got) != n or any(e["operation"] != "file_open" or e["path"] != "/tmp/den/target" for e in got):
            errors.append(f"{name}: {len(got)} denials, want {n}")
    if len(followed) != sum(want.values()):
        errors.append(f"{len(followed)} denials in all, want {sum(want.values())}")
    return errors


def test_an_agent_without_a_slot_says_so_and_counts_every_denial_lost(out):
    assert (out / "lockall.txt").read_text().strip() == "locked=13"  # 16 less agents a, b and the follower
    err = (out / "c.out").read_text()
    assert "WARNING: all 16 denial slots are taken" in err
    assert "counted as a lost record (cause denial)" in err
    events = load_jsonl(out / "c.jsonl")
    assert [e for e in events if e.get("action") == "denied"] == []
    want = refused(out / "b-denied-2.txt")  # made while c ran; b-denied's before it started
    lost = [e for e in events if e.get("action") == "records_lost"]
    assert {e["cause"] for e in lost} == {"denial"}
    assert sum(e["count"] for e in lost) == want
    s = json.loads((out / "c-stats.json").read_text())
    (c,) = [x for x in s["containers"] if x["container_id"] == s["container_id"]]
    assert c["lost"]["denial"] == c["kernel_lost"]["denial"] == want, s
    # negative control: a count off by one is not equal
    assert sum(e["count"] for e in lost) != want + 1


def test_root_in_a_container_cannot_open_the_slot_map(out):
    assert (out / "a-bpfget.txt").read_text().strip() == \
        "bpfget /sys/fs/bpf/sabpf/policy/pol_slots: errno=1 EPERM"
    assert (out / "host-bpfget.txt").read_text().strip() == "bpfget /sys/fs/bpf/sabpf/policy/pol_slots: ok"
    refusals = [e for e in load_jsonl(out / "a.jsonl")
                if e.get("action") == "denied" and e.get("operation") == "bpf"]
    assert len(refusals) == 1 and refusals[0]["comm"] == "guardprobe"
    assert refusals[0]["container"].endswith("/den-a")


def test_policy_log_shows_the_denials_no_agent_received(out):
    logged = [json.loads(line) for line in (out / "policy-log.jsonl").read_text().splitlines()]
    want = refused(out / "a-denied-2.txt")
    assert [(e["operation"], e["path"], e["comm"]) for e in logged] == [
        ("file_open", "/tmp/den/target", "lossgen")] * want
    assert (out / "policy-log.err").read_text() == ""
    # read once: the log ring is then empty
    assert (out / "policy-log-again.jsonl").read_text() == ""
