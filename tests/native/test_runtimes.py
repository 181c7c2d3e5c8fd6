# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks of tests/native/scenarios/70-runtimes.sh: containers of a real
dockerd and podman, audited with the trace backend, carry their runtime
identity (name, image, full id, Docker labels; for a plain containerd container its
id and namespace) in JSON lines, PROV-JSON, SPADE and the summary; a docker container started before the agent is discovered, one
started after it is covered from its first exec; a podman container whose
cgroup is not audited is absent; a wrong expectation fails (negative
control)."""

import json

import pytest
from provgraph import load_jsonl, load_prov


def expect(root):
    return json.loads((root / "expect.json").read_text())


def records_of(recs, want):
    """The JSON-lines records whose identity has every field of want."""
    return [r for r in recs if all(r.get("identity", {}).get(k) == v for k, v in want.items())]


def check_identity_lines(recs, want, action, obj_suffix):
    """Asserts a record of the container `want` with this action on an
    object ending in obj_suffix."""
    mine = records_of(recs, want)
    assert mine, f"no record with identity {want}"
    hits = [r for r in mine if r["action"] == action and r["object"].endswith(obj_suffix)]
    assert hits, f"no {action} of *{obj_suffix} by {want}: {[r['action'] for r in mine]}"


@pytest.fixture(scope="module")
def run(artifacts):
    root = artifacts("runtimes")
    return root, expect(root), load_jsonl(root / "audit.jsonl")


def test_docker_container_started_before_the_agent(run):
    _, exp, recs = run
    check_identity_lines(recs, exp["docker_early"], "read", "/etc/hostname")


def test_docker_container_started_after_the_agent_from_its_first_exec(run):
    _, exp, recs = run
    mine = records_of(recs, exp["docker_late"])
    args = [r["object"] for r in mine if r["action"] == "arg"]
    # the first program of the container is its entrypoint, exec'd by runc's
    # init, which was in scope before it (runc's records, and at times its
    # re-exec as "runc init" inside the cgroup)
    entry = "sh -c cat /etc/hostname; sleep 1"
    assert entry in args, args
    assert all(a == "runc init" for a in args[: args.index(entry)]), args
    first_arg = next(i for i, r in enumerate(mine) if r["object"] == entry)
    assert any(r["comm"].startswith("runc") for r in mine[:first_arg]), mine[:first_arg]
    check_identity_lines(recs, exp["docker_late"], "read", "/etc/hostname")


def test_docker_records_name_the_registered_parent(run):
    root, exp, recs = run
    for key in ("docker_early", "docker_late"):
        mine = records_of(recs, exp[key])
        # registered as /docker: the container field is that cgroup's path
        assert {r["container"] for r in mine} == {mine[0]["container"]}
        assert mine[0]["container"].endswith("/docker"), mine[0]["container"]
        # the summary's process lines say which container they run in
        assert f" in docker:{exp[key]['name']}:" in (root / "audit.summary").read_text()


def test_podman_container_by_its_own_cgroup(run):
    root, exp, recs = run
    want = exp["podman_early"]
    check_identity_lines(recs, want, "read", "/etc/hostname")
    mine = records_of(recs, want)
    assert {r["container"] for r in mine} == {"podman:" + want["name"]}
    summary = (root / "audit.summary").read_text()
    assert f"(podman:{want['name']})" in summary


def test_graph_of_the_raw_capture_names_the_containers(run):
    root, exp, _ = run
    assert (root / "audit.raw.identity.jsonl").is_file()
    summary = (root / "graph.summary").read_text()
    assert f"(podman:{exp['podman_early']['name']})" in summary
    assert f" in docker:{exp['docker_early']['name']}:" in summary
    assert f" in docker:{exp['docker_late']['name']}:" in summary
    only = (root / "graph-podman.summary").read_text()
    assert only.startswith(f"sabpf summary: 1 container (--container podman:{exp['podman_early']['name']})")


def test_unaudited_podman_container_absent(run):
    root, exp, recs = run
    name = exp["podman_late_name"]
    assert not [r for r in recs if r.get("identity", {}).get("name") == name]
    assert name not in (root / "audit.prov.json").read_text()


def test_prov_and_spade_task_attributes(run):
    root, exp, _ = run
    cap = load_prov(root / "audit.prov.json")
    text = (root / "audit.prov.json").read_text()
    spade = (root / "audit.spade.json").read_text()
    for key in ("docker_early", "docker_late", "podman_early"):
        want = exp[key]
        for field in want:
            assert f'"cf:identity_{field}":{json.dumps(want[field])}' in text, (key, field)
            assert f'"identity_{field}":{json.dumps(want[field])}' in spade, (key, field)
    assert cap is not None


def test_containerd_container_by_its_own_cgroup(run):
    root, exp, recs = run
    want = exp["containerd"]
    check_identity_lines(recs, want, "write", "/tmp/ctr.txt")
    mine = records_of(recs, want)
    assert {r["container"] for r in mine} == {"containerd:" + want["id"][:12]}
    # a plain ctr container: no name, no image
    assert all("name" not in r["identity"] and "image" not in r["identity"] for r in mine)
    summary = (root / "audit.summary").read_text()
    assert f"(containerd:{want['id'][:12]})" in summary


def test_selection_follows_matching_containers(artifacts):
    root = artifacts("runtimes")
    exp = expect(root)
    recs = load_jsonl(root / "select.jsonl")
    err = (root / "select.stderr").read_text()
    sel, pod = exp["docker_selected"], exp["podman_early"]
    assert f"container started: docker:sabpf-sel (docker {sel['id']}," in err
    assert f"container stopped: docker:sabpf-sel (docker {sel['id']}," in err
    assert f"container started: podman:sabpf-pearly (podman {pod['id']}," in err
    check_identity_lines(recs, sel, "read", "/etc/hostname")
    check_identity_lines(recs, pod, "read", "/etc/hostname")
    # the selected container's own cgroup is the registered one
    assert {r["container"] for r in records_of(recs, sel)} == {"docker:sabpf-sel"}
    # another docker container is not followed; nor is containerd's
    assert "sabpf-early" not in err and not records_of(recs, {"name": "sabpf-early"})
    assert not records_of(recs, {"runtime": "containerd"})
    assert "started: containerd" not in err


def test_a_wrong_expectation_fails(run):
    """Negative control: the same checks with a wrong name or image fail."""
    _, exp, recs = run
    for field, wrong in (
        ("name", "sabpf-wrong"),
        ("image", "busybox:wrong"),
        ("id", "0" * 64),
        ("label.app", "wrong-app"),
    ):
        bad = dict(exp["docker_early"], **{field: wrong})
        with pytest.raises(AssertionError):
            check_identity_lines(recs, bad, "read", "/etc/hostname")
    bad = dict(exp["containerd"], containerd_namespace="default")
    with pytest.raises(AssertionError):
        check_identity_lines(recs, bad, "write", "/tmp/ctr.txt")
