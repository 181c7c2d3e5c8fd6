# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks of tests/native/scenarios/20-trace-audit.sh: `sabpf audit
--backend trace --cgroup` natively: the audited cgroup and a cgroup made
under it after the start are recorded, under the registered container; a
sibling cgroup is not (negative control)."""

import json

from provgraph import load_jsonl, load_prov, prov_check


def test_pod_and_late_child_recorded_sibling_absent(artifacts):
    root = artifacts("trace-audit")
    w = (root / "workdir").read_text().strip()
    cap = load_prov(root / "audit.prov.json")
    assert cap.nodes_named(f"{w}/in-pod.txt")
    assert cap.nodes_named(f"{w}/in-late.txt")
    assert not cap.nodes_named(f"{w}/in-sibling.txt")
    assert "in-sibling" not in (root / "audit.jsonl").read_text()


def test_every_record_belongs_to_the_pod(artifacts):
    root = artifacts("trace-audit")
    stats = json.loads((root / "stats.json").read_text())
    assert stats["backend"] == "trace"
    assert stats["lost"] == 0 and stats["seq_missing"] == 0
    recs = load_jsonl(root / "audit.jsonl")
    assert recs
    assert {r["container_id"] for r in recs} == {stats["container_id"]}
    writes = {r["object"] for r in recs if r["action"] == "write"}
    assert any(p.endswith("/in-late.txt") for p in writes)


def test_python3_prov_reads_it(artifacts):
    summary = prov_check(artifacts("trace-audit") / "audit.prov.json", strict=True)
    assert summary["acyclic"] is True
