# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""test_run.py: checks of the "run" scenario (tests/vm/scenarios/10-run.sh):
`sabpf run -- sh -c 'cat /etc/hostname > /tmp/x'` in the test VM, written
in every format."""

import json
import subprocess

import networkx as nx
from provgraph import REPO, load_jsonl, load_prov, prov_check


def test_prov_json_is_read_by_python3_prov_and_is_acyclic(artifacts):
    summary = prov_check(artifacts("run") / "capture.prov.json", strict=True)
    assert summary["documents"] == 1
    assert summary["acyclic"] is True
    assert summary["undeclared"] == 0


def test_exec_read_and_write_form_one_flow(artifacts):
    cap = load_prov(artifacts("run") / "capture.prov.json")
    # the exec of the shell, with its argv
    argv = [n for n, a in cap.nodes.items() if a.get("prov:type") == "argv"]
    argv_text = {cap.nodes[n]["cf:argv"] for n in argv}
    assert "sh -c cat /etc/hostname > /tmp/x" in argv_text
    assert "cat /etc/hostname" in argv_text
    shell_argv = next(n for n in argv if cap.nodes[n]["cf:argv"].startswith("sh -c"))
    arg_edge = next(e for e in cap.of_type("arg") if e.src == shell_argv)
    shell = cap.nodes[arg_edge.dst]
    assert shell["cf:comm"] == "sh" and shell["cf:vpid"] == 1
    execs = [e for e in cap.of_type("exec") if e.dst == arg_edge.dst]
    assert execs and "/bin/busybox" in cap.paths_of(execs[0].src)

    # /etc/hostname read by the task that ran `cat`, which wrote /tmp/x
    hostname = cap.nodes_named("/etc/hostname")
    target = cap.nodes_named("/tmp/x")
    reads = [e for e in cap.of_type("read") if e.src in hostname]
    writes = [e for e in cap.of_type("write") if e.dst in target]
    assert len(reads) == 1 and len(writes) == 1
    reader, writer = cap.nodes[reads[0].dst], cap.nodes[writes[0].src]
    assert reader["cf:id"] == writer["cf:id"]  # the same task ...
    assert writer["cf:version"] >= reader["cf:version"]  # ... not earlier than its read
    # the writer is the shell's task after its second exec (cat)
    assert reader["cf:id"] == shell["cf:id"] and reader["cf:version"] > shell["cf:version"]
    assert any(e.type == "exec_task" and cap.nodes[e.dst]["cf:id"] == shell["cf:id"] for e in cap.edges)
    # information can be followed from /etc/hostname to /tmp/x
    g = cap.graph()
    assert nx.has_path(g, reads[0].src, writes[0].dst)


def test_versions_link_every_version_of_a_node(artifacts):
    cap = load_prov(artifacts("run") / "capture.prov.json")
    versions = {}
    for n, a in cap.nodes.items():
        versions.setdefault(a["cf:id"], set()).add(a["cf:version"])
    linked = {(cap.nodes[e.dst]["cf:id"], cap.nodes[e.dst]["cf:version"])
              for e in cap.edges
              if e.type in ("version_activity", "version_entity", "exec_task", "terminate_task")}
    for ident, vs in versions.items():
        for v in vs:
            if v > 0:
                assert (ident, v) in linked, f"node {ident} version {v} has no version edge"


def test_the_agent_never_appears(artifacts):
    agent_pid = int((artifacts("run") / "agent_pid").read_text())
    cap = load_prov(artifacts("run") / "capture.prov.json")
    for a in cap.nodes.values():
        assert a.get("cf:pid") != agent_pid
        assert a.get("cf:comm") != "sabpf"
    for event in load_jsonl(artifacts("run") / "capture.jsonl"):
        assert event["pid"] != agent_pid and event["comm"] != "sabpf"


def test_jsonl_audit_view(artifacts):
    events = load_jsonl(artifacts("run") / "capture.jsonl")
    keys = {"time", "container", "container_id", "pid", "tid", "comm", "uid", "action",
            "object_kind", "object", "result"}
    for e in events:
        assert keys <= set(e), e
        assert e["container"] == "demo"
        assert e["time"].endswith("Z")
    writes = [e for e in events if e["action"] == "write" and e["object"] == "/tmp/x"]
    assert len(writes) == 1 and writes[0]["uid"] == 0
    reads = [e for e in events if e["action"] == "read" and e["object"] == "/etc/hostname"]
    assert len(reads) == 1 and reads[0]["pid"] == writes[0]["pid"]


def test_spade_json_is_json_with_spade_directions(artifacts):
    lines = (artifacts("run") / "capture.spade.json").read_text().splitlines()
    objs = [json.loads(line) for line in lines if line.strip()]
    vertices = {o["id"]: o for o in objs if o["type"] in ("Process", "Artifact")}
    edges = [o for o in objs if "from" in o]
    assert vertices and edges
    for e in edges:
        for end in (e["from"], e["to"]):
            assert end in vertices
        assert all(isinstance(v, str) for v in e["annotations"].values())
    reads = [e for e in edges if e["annotations"].get("subtype") == "read"]
    assert reads and all(e["type"] == "Used" for e in reads)
    assert all(vertices[e["from"]]["type"] == "Process" for e in reads)


def test_raw_capture_converts_to_the_same_view(artifacts, tmp_path):
    out = tmp_path / "again.jsonl"
    subprocess.run([str(REPO / "build/sabpf"), "convert", "-o", f"jsonl:{out}",
                    str(artifacts("run") / "capture.raw")], check=True)
    # a raw capture has no container names (only their ids); its header
    # carries the capturing machine's clock, so times survive the move
    strip = lambda e: {k: v for k, v in e.items() if k != "container"}
    assert [strip(e) for e in load_jsonl(out)] == \
        [strip(e) for e in load_jsonl(artifacts("run") / "capture.jsonl")]


def test_no_loss_and_no_state_left(artifacts):
    stats = json.loads((artifacts("run") / "stats.json").read_text())
    assert stats["lost"] == stats["kernel_lost"] == stats["seq_missing"] == 0
    assert stats["malformed"] == 0
    assert stats["cred_entries_left"] == 0
    assert stats["file_entries_left"] == 0
    assert stats["entries_purged"] <= 3  # at most the inherited stdio
    assert stats["exit_status"] == 0
