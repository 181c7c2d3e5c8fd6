# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks of tests/native/scenarios/30-trace-net.sh: sockets under the trace
backend. The server's socket is bound and listening on its address, the
client's connected to it and sent the bytes, the accepted socket derives
from the listening one, carries the client's address and received the
bytes; the datagram's destination is linked to its socket."""

import pytest

from provgraph import load_prov, prov_check


@pytest.fixture(scope="module")
def net(artifacts):
    root = artifacts("trace-net")
    out = dict(kv.split("=", 1) for kv in (root / "stdout").read_text().split())
    return root, load_prov(root / "net.prov.json"), out


def addressed(cap, address):
    """Socket nodes (every version) an address was linked to."""
    socks = {e.dst for e in cap.of_type("addressed") if cap.nodes[e.src].get("cf:address") == address}
    ids = {cap.nodes[s]["cf:id"] for s in socks}
    return {n for n, a in cap.nodes.items() if a.get("cf:id") in ids}


def by_task(cap, kind, sockets, vpid, to_socket=True):
    """The edge of this kind between a task (pid in the container's pid
    namespace: what the program printed) and one of the sockets."""
    for e in cap.of_type(kind):
        task, sock = (e.src, e.dst) if to_socket else (e.dst, e.src)
        if sock in sockets and cap.nodes[task].get("cf:vpid") == vpid:
            return e
    return None


def same_node(cap, nodes):
    """Every version of the given nodes."""
    ids = {cap.nodes[n]["cf:id"] for n in nodes}
    return {n for n, a in cap.nodes.items() if a.get("cf:id") in ids}


def test_tcp_server_and_client(net):
    _, cap, out = net
    port, peer, client, server = int(out["port"]), int(out["peer"]), int(out["client"]), 1
    # the client (pid 2 in the container): connect, then send 9 bytes
    client_sock = same_node(cap, {e.dst for e in cap.of_type("connect")
                                  if cap.nodes[e.src].get("cf:vpid") == client})
    assert client_sock and client_sock <= addressed(cap, f"127.0.0.1:{port}")
    sent = by_task(cap, "send", client_sock, client)
    assert sent and sent.attrs.get("cf:relation_arg") == 9
    # the server (pid 1): bind (to port 0: the address as given) and listen
    listening = same_node(cap, {e.dst for e in cap.of_type("listen")
                                if cap.nodes[e.src].get("cf:vpid") == server})
    assert listening and listening <= addressed(cap, "127.0.0.1:0")
    assert by_task(cap, "bind", listening, server)
    # accept: the new socket derives from the listening one, carries the
    # client's address, and received the 9 bytes
    accepted = same_node(cap, {e.dst for e in cap.of_type("accept_socket") if e.src in listening})
    assert accepted and accepted <= addressed(cap, f"127.0.0.1:{peer}")
    assert by_task(cap, "accept", listening, server, to_socket=False)
    received = by_task(cap, "receive", accepted, server, to_socket=False)
    assert received and received.attrs.get("cf:relation_arg") == 9
    # negative: the client received nothing, the server sent nothing on TCP
    assert by_task(cap, "receive", set(cap.nodes), client, to_socket=False) is None
    assert by_task(cap, "send", accepted | listening, server) is None


def test_datagram_destination(net):
    _, cap, _ = net
    assert addressed(cap, "127.0.0.9:9")


def test_socket_attributes_and_prov(net):
    root, cap, _ = net
    socks = [a for a in cap.nodes.values() if a.get("prov:type") == "socket"]
    assert {a.get("cf:sock_type") for a in socks} >= {1, 2}  # SOCK_STREAM, SOCK_DGRAM
    assert prov_check(root / "net.prov.json", strict=True)["acyclic"] is True
