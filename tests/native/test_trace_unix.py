# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks of tests/native/scenarios/35-trace-unix.sh: the trace backend
reads unix socket addresses (path-named and abstract, up to the length the
call gave) at bind, connect, sendto and sendmsg, with the LSM backend's
relations (tests/motifs/net.json: bind_unix, connect_unix, sendmsg_unix:
task -> socket, address -> socket, labelled unix:PATH or unix:@NAME).
Negative controls: the set of addresses is exactly the workload's (no
bytes read past the length, nothing from the outsider's abstract bind on
the host), and the socketpair's sockets get no address."""

import json

import pytest

from provgraph import load_prov


@pytest.fixture(scope="module")
def run(request):
    root = request.getfixturevalue("artifacts")("trace-unix")
    cap = load_prov(root / "run.prov.json")
    w = (root / "workdir").read_text().strip()
    tag = (root / "tag").read_text().strip()
    return root, cap, w, tag


def long_names(tag):
    """The two abstract names of the longest size unix.py binds."""
    return [f"unix:@{tag}-long-".ljust(len("unix:@") + 106, "x") + end for end in "ab"]


def addresses_of(cap):
    """{socket's cf:id: set of unix addresses linked to it}"""
    out = {}
    for e in cap.of_type("addressed"):
        out.setdefault(cap.nodes[e.dst]["cf:id"], set()).add(cap.nodes[e.src].get("cf:address"))
    return out


def sockets_by(cap, relation):
    return [cap.nodes[e.dst]["cf:id"] for e in cap.of_type(relation) if cap.nodes[e.src].get("prov:type") == "task"]


def test_stats_name_the_backend_and_nothing_was_lost(run):
    root, _, _, _ = run
    stats = json.loads((root / "stats.json").read_text())
    assert stats["backend"] == "trace"
    assert stats["lost"] == 0 and stats["kernel_lost"] == 0 and stats["seq_missing"] == 0


def test_the_addresses_are_exactly_the_workloads(run):
    _, cap, w, tag = run
    seen = {a for s in addresses_of(cap).values() for a in s}
    assert seen == {f"unix:{w}/stream.sock", f"unix:@{tag}-abstract", f"unix:{w}/dgram.sock",
                    f"unix:{w}/dgram2.sock"} | set(long_names(tag))
    assert all(
        cap.nodes[e.src].get("cf:family") == 1 for e in cap.of_type("addressed")
    ), "a unix address without AF_UNIX"


def test_bind_gives_each_bound_socket_its_address(run):
    _, cap, w, tag = run
    addrs = addresses_of(cap)
    bound = sorted(sorted(addrs.get(s, ())) for s in sockets_by(cap, "bind"))
    assert bound == sorted(
        [[f"unix:{w}/stream.sock"], [f"unix:@{tag}-abstract"], [f"unix:{w}/dgram.sock"],
         [f"unix:{w}/dgram2.sock"]] + [[name] for name in long_names(tag)]
    )


def test_connect_links_the_path(run):
    _, cap, w, _ = run
    addrs = addresses_of(cap)
    connected = sockets_by(cap, "connect")
    assert [addrs.get(s) for s in connected] == [{f"unix:{w}/stream.sock"}]


def test_sendto_and_sendmsg_link_every_destination_to_the_sender(run):
    """One datagram socket sends to the abstract name (sendto), to the path
    (sendmsg, twice), to a second path of the same directory, then to two
    abstract names of 107 bytes that differ in their last byte only: each
    new address is linked to it, in that order, the repeat once
    (bpf/lib/inode.h address_key folds every byte of the path)."""
    _, cap, w, tag = run
    addrs = addresses_of(cap)
    expected = [f"unix:@{tag}-abstract", f"unix:{w}/dgram.sock", f"unix:{w}/dgram2.sock"]
    expected += long_names(tag)
    senders = {s for s in sockets_by(cap, "send") if addrs.get(s) == set(expected)}
    assert len(senders) == 1
    sender = senders.pop()
    order = [cap.nodes[e.src]["cf:address"] for e in cap.of_type("addressed") if cap.nodes[e.dst]["cf:id"] == sender]
    assert order == expected


def test_socketpair_gets_no_address(run):
    _, cap, _, _ = run
    addrs = addresses_of(cap)
    pair_sends = [
        cap.nodes[e.dst]["cf:id"]
        for e in cap.of_type("send")
        if cap.nodes[e.src].get("prov:type") == "task" and e.attrs.get("cf:relation_arg") == 4
    ]
    assert pair_sends, "the socketpair's send (4 bytes) is missing"
    assert all(s not in addrs for s in pair_sends)
