# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""test_guard_v1_release.py: checks of the "guard_v1_release" scenario
(tests/vm/scenarios/86-guard_v1_release.sh): cgroup v1 hierarchies from an
audited container. A named hierarchy (both layouts) where the container sits
in the root: nothing may change, release_agent above all. On the hybrid
layout, the pids hierarchy where the host placed the container in gv1ctr:
children of its own may be made, tuned and removed; tasks may not be moved,
its own cgroup and the root not touched. Each refusal is EPERM and a denial
record naming it, the next action is still in the capture, and the host may
do all of it. Each check has a negative control."""

import copy

import pytest
from provgraph import load_jsonl
from test_guard import check_marks

SCENARIO = "guard_v1_release"

NAMED = {
    "openw NAMED/release_agent": ("EPERM", "cgroup:/release_agent"),
    # a new hierarchy with its release_agent set by mount option
    "mount cgroup /tmp/gv1-m none,name=sabpfguard2,release_agent=/tmp/gv1-agent": ("EPERM", "cgroup:release_agent"),
    "openw NAMED/ctr/notify_on_release": ("EPERM", "cgroup:/ctr/notify_on_release"),
    "mkdir NAMED/x": ("EPERM", "cgroup:/x"),
    "cgmove NAMED/ctr": ("EPERM", "cgroup:/ctr/cgroup.procs"),
    "cgmove NAMED": ("EPERM", "cgroup:/cgroup.procs"),
}
PIDS = {
    "openw PIDS/release_agent": ("EPERM", "cgroup:/release_agent"),
    "openw PIDS/gv1ctr/pids.max": ("EPERM", "cgroup:/gv1ctr/pids.max"),  # its own limit
    "cgmove PIDS/gv1ctr": ("EPERM", "cgroup:/gv1ctr/cgroup.procs"),
    "cgput PIDS/gv1ctr AGENT": ("EPERM", "cgroup:/gv1ctr/cgroup.procs"),  # v1 checks no ancestor
    "mkdir PIDS/x": ("EPERM", "cgroup:/x"),
    "mkdir PIDS/gv1ctr/x": ("ok", None),
    "openw PIDS/gv1ctr/x/pids.max": ("ok", None),
    "cgmove PIDS/gv1ctr/x": ("EPERM", "cgroup:/gv1ctr/x/cgroup.procs"),
    "rmdir PIDS/gv1ctr/x": ("ok", None),
}


@pytest.fixture
def out(artifacts):
    return artifacts(SCENARIO)


def expected(out):
    layout = (out / "layout").read_text().strip()
    return dict(NAMED, **PIDS) if layout == "hybrid" else dict(NAMED)


def results(out, name):
    agent = (out / "gv1.pid").read_text().strip()
    res = {}
    for line in (out / name).read_text().splitlines():
        action, sep, result = line.partition(": ")
        if not sep:
            continue
        words = action.split(" ")
        key = " ".join("AGENT" if w == agent else w for w in words)
        key = key.replace("/tmp/gv1-named", "NAMED")
        for prefix in ("/sys/fs/cgroup/pids",):
            key = key.replace(prefix, "PIDS")
        res[key] = "ok" if result == "ok" else result.split(" ")[-1]
    return res


def check_records(events, want):
    denied = [e for e in events if e.get("action") == "denied"]
    for e in denied:
        assert e["rule"] == "self-protection" and e["result"] == "EPERM", e
        assert e["comm"] == "guardprobe" and e["container"].endswith("/gv1"), e
    got = sorted((e["operation"], e.get("path")) for e in denied)
    ops = {"mkdir": "cgroup_dir", "rmdir": "cgroup_dir", "mount": "mount"}
    assert got == sorted((ops.get(k.split(" ")[0], "cgroup_write"), obj) for k, (_, obj) in want.items() if obj)


def test_layout_is_known(out):
    assert (out / "layout").read_text().strip() in ("v2", "hybrid")


def test_each_attempt_from_inside_fails_with_the_expected_errno(out):
    want = expected(out)
    assert results(out, "inside.txt") == {k: v for k, (v, _) in want.items()}


def test_the_same_actions_work_from_the_host(out):
    want = expected(out)
    got = results(out, "outside.txt")
    assert got == {k: "ok" for k in want if not k.startswith("cgput ")}


def test_every_refusal_is_a_record_naming_it(out):
    check_records(load_jsonl(out / "gv1.jsonl"), expected(out))


@pytest.mark.parametrize("mutation", ["drop", "path"])
def test_record_check_fails_on_a_missing_or_wrong_record(out, mutation):
    events = copy.deepcopy(load_jsonl(out / "gv1.jsonl"))
    i = next(i for i, e in enumerate(events) if e.get("path") == "cgroup:/release_agent")
    if mutation == "drop":
        del events[i]
    else:
        events[i]["path"] = "cgroup:/ctr/release_agent"
    with pytest.raises(AssertionError):
        check_records(events, expected(out))


def test_the_container_is_not_blinded_after_each_attempt(out):
    n = int((out / "marks").read_text())
    assert n == len(expected(out))
    events = load_jsonl(out / "gv1.jsonl")
    marks = [e for e in events if str(e.get("object", "")).startswith("/tmp/gv1-mark.")]
    check_marks([dict(e, object=e["object"].replace("gv1-mark", "guard-mark")) for e in marks], n)
