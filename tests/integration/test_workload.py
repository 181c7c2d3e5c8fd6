# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""test_workload.py: the end-to-end workload of issue 3
(tests/vm/scenarios/70-workload.sh): in the graph captured while a shell
script created, wrote, renamed, read and deleted files, piped between
processes, exec'd, and moved two secrets through TCP, unix and UDP sockets
and a passed descriptor, every planted flow can be followed from its source
to its sink (networkx), each step on the way is on such a path, taking a
step's nodes or edges out of the graph cuts the flow, and an unrelated flow
reaches no sink. The graph is valid PROV (python3-prov) and acyclic.

Sources and sinks are the versions of a file's inode that a task wrote:
the version holding the data."""

import re

import networkx as nx
import pytest
from provgraph import load_prov, prov_check

SCENARIO = "workload"
W = "/tmp/wl"


@pytest.fixture(scope="module")
def cap(request):
    from conftest import _artifact_root

    path = _artifact_root() / SCENARIO / "capture.prov.json"
    if not path.is_file():
        pytest.fail(f"no capture at {path}: did tests/vm/scenarios/70-workload.sh run?")
    return load_prov(path)


@pytest.fixture(scope="module")
def graph(cap):
    return cap.graph()


def written(cap, name):
    """Versions of the inode named W/name that a task wrote to."""
    versions = cap.nodes_named(f"{W}/{name}")
    found = {e.dst for e in cap.of_type("write") if e.dst in versions}
    assert found, f"no write to {W}/{name} in the capture"
    return found


def reached(graph, sources):
    """Every node some source has a path to, the sources included."""
    out = set(sources)
    for s in sources:
        out |= nx.descendants(graph, s)
    return out


def flows(graph, sources, sinks):
    return bool(reached(graph, sources) & set(sinks))


def without_nodes(graph, nodes):
    g = graph.copy()
    g.remove_nodes_from(nodes)
    return g


def without_edges(cap, graph, keep):
    """The graph less the edges for which keep(edge) is false."""
    g = graph.copy()
    for e in cap.edges:
        if not keep(e) and g.has_edge(e.src, e.dst):
            g.remove_edge(e.src, e.dst)
    return g


def packets(cap, protocol, dport):
    found = {n for n, a in cap.nodes.items()
             if a.get("prov:type") == "packet" and a.get("cf:protocol") == protocol
             and a.get("cf:dport") == dport}
    assert found, f"no packet of protocol {protocol} to port {dport}"
    return found


def same_object(cap, nodes):
    """Every version of the objects of `nodes`."""
    ids = {cap.nodes[n]["cf:id"] for n in nodes}
    return {n for n, a in cap.nodes.items() if a.get("cf:id") in ids}


# ---- the capture as a whole ---------------------------------------------------

def test_capture_is_valid_prov_and_acyclic(artifacts, graph):
    summary = prov_check(artifacts(SCENARIO) / "capture.prov.json", strict=True)
    assert summary["acyclic"] is True
    assert nx.is_directed_acyclic_graph(graph)


def test_no_record_was_lost(artifacts):
    stats = (artifacts(SCENARIO) / "stats.json").read_text()
    for key in ("lost", "kernel_lost", "seq_missing", "malformed"):
        assert re.search(rf'"{key}":0[,}}]', stats), f"{key} is not 0 in {stats}"


def test_the_secrets_reached_their_sinks(artifacts):
    out = artifacts(SCENARIO)
    assert (out / "udp.out").read_text().strip() == "s3cret-1"
    assert (out / "fd.out").read_text().strip() == "s3cret-2"


# ---- flow 1: file, rename, pipe, exec, TCP, unix stream, UDP ----------------------

def test_flow1_can_be_followed_from_source_to_sink(cap, graph):
    assert flows(graph, written(cap, "a"), written(cap, "udp.out"))


def test_flow1_renamed_and_deleted_file_is_one_object(cap):
    a = written(cap, "a")
    versions = same_object(cap, a)
    assert versions == cap.nodes_named(f"{W}/b"), "a and b are not one inode"
    # one rename (a -> b), then one unlink (rm b), each by a task, in that order
    renamed = [e for e in cap.of_type("rename") if e.dst in versions]
    unlinked = [e for e in cap.of_type("unlink") if e.dst in versions]
    assert len(renamed) == 1 and len(unlinked) == 1, (renamed, unlinked)
    assert {cap.nodes[e.src]["prov:type"] for e in renamed + unlinked} == {"task"}
    assert cap.nodes[renamed[0].dst]["cf:version"] < cap.nodes[unlinked[0].dst]["cf:version"]


@pytest.mark.parametrize("hop", [
    "each stage's file (tcp.out, unix.out)", "the pipe", "the exec'd task",
    "a TCP packet", "a unix socket's send to its peer", "a UDP packet"])
def test_flow1_passes_each_step(cap, graph, hop):
    """Some node of each step is on a path from the source to the sink."""
    steps = {
        "each stage's file (tcp.out, unix.out)": written(cap, "tcp.out") | written(cap, "unix.out"),
        "the pipe": {n for n, a in cap.nodes.items() if a.get("prov:type") == "fifo"},
        "the exec'd task": {e.dst for e in cap.of_type("exec_task")
                            if cap.nodes[e.dst].get("cf:comm") == "flowhelp"},
        "a TCP packet": packets(cap, 6, 6200),
        "a unix socket's send to its peer": {e.dst for e in cap.of_type("send_unix")},
        "a UDP packet": packets(cap, 17, 6201),
    }[hop]
    assert steps, f"no node for {hop}"
    before = reached(graph, written(cap, "a"))
    on_path = {n for n in steps & before if flows(graph, {n}, written(cap, "udp.out"))}
    assert on_path, f"no node of {hop} lies on a path from a to udp.out"
    if hop not in ("the pipe", "each stage's file (tcp.out, unix.out)"):
        return
    # the two files and the pipe each hold the secret in turn
    for name in ("tcp.out", "unix.out"):
        assert flows(graph, written(cap, "a"), written(cap, name)), name


UNIX_LINKS = ("send_unix", "connect_unix_stream")


@pytest.mark.parametrize("cut", ["packets", "unix socket links", "exec_task edges"])
def test_flow1_is_cut_without_the_step_that_carries_it(cap, graph, cut):
    """The sockets and the exec really carry the flow: without the packet
    nodes, the links between unix sockets (a connection, a send to the
    peer: the sender opened tcp.out before it connected, so its connection
    carries the flow too), or the exec step of the task, the source no
    longer reaches the sink."""
    if cut == "packets":
        g = without_nodes(graph, [n for n, a in cap.nodes.items()
                                  if a.get("prov:type") == "packet"])
    elif cut == "unix socket links":
        g = without_edges(cap, graph, lambda e: e.type not in UNIX_LINKS)
    else:
        g = without_edges(cap, graph, lambda e: e.type != "exec_task")
    assert flows(graph, written(cap, "a"), written(cap, "udp.out"))
    assert not flows(g, written(cap, "a"), written(cap, "udp.out"))


# ---- flow 2: a descriptor passed over a unix socket -------------------------------

def receiver_of_descriptor(cap):
    """The task versions that received secret2's descriptor (file_rcv)."""
    secret = same_object(cap, written(cap, "secret2"))
    return {e.dst for e in cap.of_type("file_rcv") if e.src in secret}


def test_flow2_can_be_followed_from_source_to_sink(cap, graph):
    assert flows(graph, written(cap, "secret2"), written(cap, "fd.out"))


def test_flow2_receiver_got_the_file_by_descriptor_only(cap, graph):
    receivers = receiver_of_descriptor(cap)
    assert receivers, "no file_rcv edge from secret2"
    receiver_versions = same_object(cap, receivers)
    secret = same_object(cap, written(cap, "secret2"))
    assert not [e for e in cap.of_type("open") if e.src in secret and e.dst in receiver_versions], \
        "the receiver opened secret2 itself"
    # the receiver is the task that writes fd.out
    fd_out = same_object(cap, written(cap, "fd.out"))
    assert any(e.src in receiver_versions and e.dst in fd_out for e in cap.of_type("write"))
    # Without the reads of secret2 and its opens (the sender's open, then
    # the message, is a path too), the descriptor's receipt alone links
    # secret2 to fd.out; without it as well, nothing does.
    g = without_edges(cap, graph, lambda e: not (e.type in ("read", "open") and e.src in secret))
    assert flows(g, written(cap, "secret2"), written(cap, "fd.out"))
    g = without_edges(cap, g, lambda e: e.type != "file_rcv")
    assert not flows(g, written(cap, "secret2"), written(cap, "fd.out"))


def test_flow2_sender_reaches_the_receiver_through_the_socket(cap, graph):
    """The task that opened secret2 and passed it reaches the receiving
    task by the message: task -> socket -> peer socket -> task."""
    secret = same_object(cap, written(cap, "secret2"))
    senders = {e.dst for e in cap.of_type("open") if e.src in secret
               and cap.nodes[e.dst].get("cf:comm") == "flowhelp"}
    assert senders, "no flowhelp task opened secret2"
    receivers = receiver_of_descriptor(cap)
    assert flows(graph, senders, receivers)
    g = without_edges(cap, graph, lambda e: e.type not in UNIX_LINKS)
    assert not flows(g, senders, receivers)


# ---- what must not flow -------------------------------------------------------------

@pytest.mark.parametrize("sink", ["udp.out", "fd.out", "tcp.out"])
def test_unrelated_file_reaches_no_sink(cap, graph, sink):
    unrelated = written(cap, "unrelated")
    assert flows(graph, unrelated, written(cap, "unrelated.copy")), "the control flow is missing"
    assert not flows(graph, unrelated, same_object(cap, written(cap, sink)))


def test_the_flows_do_not_mix(cap, graph):
    assert not flows(graph, written(cap, "secret2"), same_object(cap, written(cap, "udp.out")))
    assert not flows(graph, written(cap, "a"), same_object(cap, written(cap, "fd.out")))
