# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks of tests/native/scenarios/75-cri.sh: pods made through containerd's
CRI API (RunPodSandbox, CreateContainer, StartContainer) in the kubelet's
cgroupfs layout, audited with the trace backend. The pod's container is
recorded from its first exec with the identity of its CRI annotations (pod
name, namespace, uid, container name, image); `k8s-pod=UID` leaves the other
pod out, `k8s-pods` takes both; the bundle annotations and cgroup path are
containerd's; a wrong expectation fails (negative control)."""

import json

import pytest
from provgraph import load_jsonl


def records_of(recs, want):
    """The JSON-lines records whose identity has every field of want."""
    return [r for r in recs if all(r.get("identity", {}).get(k) == v for k, v in want.items())]


def check_first_exec(recs, want, entry, written):
    """The container `want` has records; the first argv recorded for it is
    its command `entry` (after runc's own re-exec, if any), and its write of
    `written` is recorded."""
    mine = records_of(recs, want)
    assert mine, f"no record with identity {want}"
    args = [r["object"] for r in mine if r["action"] == "arg"]
    assert entry in args, args
    # runc's re-exec of itself, by whatever path: "runc init", "/usr/sbin/runc init"
    assert all(a.split()[1:] == ["init"] and a.split()[0].endswith("runc")
               for a in args[: args.index(entry)]), args
    # runc's init was in scope before the entrypoint: coverage from its first exec
    first = next(i for i, r in enumerate(mine) if r["action"] == "arg" and r["object"] == entry)
    assert any(r["comm"].startswith("runc") for r in mine[:first]), mine[:first]
    hits = [r for r in mine if r["action"] in ("write", "open") and r["object"].endswith(written)]
    assert hits, f"no write of *{written} by {want}"


@pytest.fixture(scope="module")
def run(artifacts):
    root = artifacts("cri")
    return root, json.loads((root / "expect.json").read_text())


WEB_CMD = "sh -c cat /etc/hostname; echo x >/tmp/cri-web.txt; sleep 1.5; cat /etc/hostname; sleep 1.5"
OTHER_CMD = "sh -c cat /etc/hostname; echo x >/tmp/cri-other.txt; sleep 6"


def test_pod_container_from_its_first_exec_with_its_pod_identity(run):
    root, exp = run
    recs = load_jsonl(root / "pod.jsonl")
    check_first_exec(recs, exp["web"], WEB_CMD, "/tmp/cri-web.txt")


def test_sandbox_has_the_pod_identity_and_no_container_name(run):
    root, exp = run
    recs = load_jsonl(root / "pod.jsonl")
    mine = records_of(recs, exp["web_sandbox"])
    assert mine, "no record of the pod's sandbox (pause) container"
    assert all("name" not in r["identity"] for r in mine)


def test_pod_selector_leaves_the_other_pod_out(run):
    """Negative control of k8s-pod=UID: pod default/other ran at the same time."""
    root, exp = run
    recs = load_jsonl(root / "pod.jsonl")
    assert not records_of(recs, {"pod_uid": exp["other"]["pod_uid"]})
    assert not [r for r in recs if r["action"] == "arg" and r["object"] == OTHER_CMD]
    # and every record is of the selected pod
    assert {r["identity"]["pod_uid"] for r in recs if "identity" in r} == {exp["web"]["pod_uid"]}
    assert not [r for r in recs if "identity" not in r]


def test_kubepods_takes_both_pods(run):
    root, exp = run
    recs = load_jsonl(root / "pods.jsonl")
    check_first_exec(recs, exp["web"], WEB_CMD, "/tmp/cri-web.txt")
    check_first_exec(recs, exp["other"], OTHER_CMD, "/tmp/cri-other.txt")


def test_select_follows_the_pod_container_by_namespace_and_name(run):
    root, exp = run
    w, o = exp["web"], exp["other"]
    err = (root / "select.stderr").read_text()
    assert f"container started: payments/web/app (containerd {w['id']}," in err, err
    assert f"container stopped: payments/web/app (containerd {w['id']}," in err, err
    recs = load_jsonl(root / "select.jsonl")
    # found by a scan (every 0.2 s), not from its first exec: its second
    # cat, 1.5 s after the start, is recorded with the pod's identity
    mine = records_of(recs, w)
    assert [r for r in mine if r["action"] == "arg" and r["object"] == "cat /etc/hostname"], mine
    # every record is the selected container's: not its sandbox, not the other pod
    assert {r["identity"]["id"] for r in recs} == {w["id"]}
    assert o["id"] not in err and "default/other" not in err
    assert not records_of(recs, {"pod_uid": o["pod_uid"]})


def test_summary_names_the_pod_container(run):
    root, exp = run
    w = exp["web"]
    summary = (root / "pod.summary").read_text()
    assert f"{w['pod_namespace']}/{w['pod_name']}/{w['name']}" in summary, summary[:2000]


def test_real_bundle_annotations_and_cgroup(run):
    """What the identity code reads is containerd's own: the CRI annotations
    of the container's bundle, and the kubelet's cgroupfs path."""
    root, exp = run
    w = exp["web"]
    spec = json.loads((root / "container-config.json").read_text())
    ann = spec["annotations"]
    assert ann["io.kubernetes.cri.container-type"] == "container"
    assert ann["io.kubernetes.cri.sandbox-name"] == w["pod_name"]
    assert ann["io.kubernetes.cri.sandbox-namespace"] == w["pod_namespace"]
    assert ann["io.kubernetes.cri.sandbox-uid"] == w["pod_uid"]
    assert ann["io.kubernetes.cri.container-name"] == w["name"]
    assert ann["io.kubernetes.cri.image-name"] == w["image"]
    assert spec["linux"]["cgroupsPath"] == exp["web_cgroup"]
    sandbox = json.loads((root / "sandbox-config.json").read_text())
    assert sandbox["annotations"]["io.kubernetes.cri.container-type"] == "sandbox"
    # restrict_oom_score_adj (docs/kubernetes.md): the sandbox's -998 is
    # raised to containerd's own value, which root here cannot go below
    assert sandbox["process"]["oomScoreAdj"] == exp["containerd_oom_score_adj"]


def test_a_wrong_expectation_fails(run):
    """Negative control: the same checks with one wrong field fail."""
    root, exp = run
    recs = load_jsonl(root / "pod.jsonl")
    for field, wrong in (
        ("name", "app-wrong"),
        ("image", "sabpf.local/busybox:wrong"),
        ("pod_name", "web-wrong"),
        ("pod_namespace", "default"),
        ("pod_uid", exp["other"]["pod_uid"]),
        ("id", "0" * 64),
    ):
        bad = dict(exp["web"], **{field: wrong})
        with pytest.raises(AssertionError):
            check_first_exec(recs, bad, WEB_CMD, "/tmp/cri-web.txt")
    with pytest.raises(AssertionError):
        check_first_exec(recs, exp["web"], "sh -c wrong", "/tmp/cri-web.txt")
    # the other pod's records are where they should be, not in pod.jsonl
    with pytest.raises(AssertionError):
        check_first_exec(recs, exp["other"], OTHER_CMD, "/tmp/cri-other.txt")
