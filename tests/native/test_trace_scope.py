# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks of tests/native/scenarios/21-trace-scope.sh: the trace
dispatcher's scope decision follows one task (pinned to one CPU) exactly
through `sabpf ctl add` of its cgroup after it was seen out of scope,
`sabpf ctl remove` after it was seen in scope, and
through its moves into, within and out of the audited pod; the files it
wrote while out of scope are absent (negative controls)."""

from provgraph import load_jsonl, load_prov

RECORDED = ("after-add", "moved-in", "moved-down", "forked")
ABSENT = ("before-add", "after-remove", "in-other", "moved-out")


def test_scope_followed_exactly(artifacts):
    root = artifacts("trace-scope")
    w = (root / "workdir").read_text().strip()
    cap = load_prov(root / "audit.prov.json")
    jsonl = (root / "audit.jsonl").read_text()
    missing = [f for f in RECORDED if not cap.nodes_named(f"{w}/{f}.txt")]
    assert not missing, f"written in scope but not recorded: {missing}"
    leaked = [f for f in ABSENT if cap.nodes_named(f"{w}/{f}.txt") or f"/{f}.txt" in jsonl]
    assert not leaked, f"written out of scope but recorded: {leaked}"


def test_each_file_under_its_container(artifacts):
    """after-add under B (the container `ctl add` made), the rest under the
    pod (moved-down: its child cgroup made after the start)."""
    root = artifacts("trace-scope")
    w = (root / "workdir").read_text().strip()
    added = (root / "ctl-add.txt").read_text().split()
    assert added[0] == "ok", added
    b_id = int(added[1])
    by_file = {}
    for r in load_jsonl(root / "audit.jsonl"):
        if r.get("action") == "write" and r.get("object", "").startswith(w + "/"):
            by_file.setdefault(r["object"][len(w) + 1:], set()).add(r["container_id"])
    assert by_file.get("after-add.txt") == {b_id}
    pod = [by_file.get(f + ".txt", set()) for f in ("moved-in", "moved-down", "forked")]
    assert all(len(ids) == 1 for ids in pod), by_file
    assert len(set.union(*pod)) == 1 and b_id not in set.union(*pod), by_file
