# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks of tests/native/scenarios/18-trace-cov.sh: link, linkat, pipe,
pipe2, sendmmsg and recvmmsg under the trace backend. link by names: link
task -> the old and the new name's path nodes; linkat of a descriptor
(AT_EMPTY_PATH): link task -> the file's node and the new name named -> it;
a link that failed (EEXIST) adds nothing. A pipe and a pipe2 never used get
their FIFO node; a pipe made outside the container does not. One sendmmsg
of 5 + 7 bytes: one send edge of 12 bytes and the destination linked to the
socket; recvmmsg: one receive edge of 12; a failed sendmmsg: no send."""

import pytest

from provgraph import load_prov


@pytest.fixture(scope="module")
def cov(artifacts):
    root = artifacts("trace-cov")
    out = dict(kv.split("=", 1) for kv in (root / "stdout").read_text().split())
    workdir = (root / "workdir").read_text().strip()
    return load_prov(root / "cov.prov.json"), out, workdir


def inos(cap, prov_type):
    return {a.get("cf:ino") for a in cap.nodes.values() if a.get("prov:type") == prov_type}


def test_link_by_names(cov):
    cap, _, w = cov
    linked = [cap.nodes[e.dst] for e in cap.of_type("link")
              if cap.nodes[e.dst].get("prov:type") == "path"]
    names = sorted(a.get("cf:pathname") for a in linked)
    # exactly one link to each name: the failed link (EEXIST) of the same
    # two names added none
    assert names == [f"{w}/a.data", f"{w}/b.link"]


def test_linkat_of_a_descriptor(cov):
    cap, _, w = cov
    files = {e.dst for e in cap.of_type("link") if cap.nodes[e.dst].get("prov:type") == "file"}
    assert len(files) == 1
    (f,) = files
    ids = {n for n, a in cap.nodes.items() if a.get("cf:id") == cap.nodes[f]["cf:id"]}
    names = {cap.nodes[e.src].get("cf:pathname") for e in cap.of_type("named") if e.dst in ids}
    assert f"{w}/c.link" in names and f"{w}/a.data" in names
    # the names given by name went to path nodes only, not to this file
    assert f"{w}/b.link" not in names


def test_pipes_made_get_nodes(cov):
    cap, out, _ = cov
    fifos = inos(cap, "fifo")
    assert int(out["pipe_ino"]) in fifos and int(out["pipe2_ino"]) in fifos
    # negative control: the pipe the outsider made meanwhile
    assert int(out["outside_ino"]) not in fifos


def socket_ids(cap, ino):
    ids = {a["cf:id"] for a in cap.nodes.values()
           if a.get("prov:type") == "socket" and a.get("cf:ino") == ino}
    return {n for n, a in cap.nodes.items() if a.get("cf:id") in ids}


def test_sendmmsg_recvmmsg_bytes(cov):
    cap, out, _ = cov
    sends = [e for e in cap.of_type("send")]
    receives = [e for e in cap.of_type("receive")]
    assert [e.attrs.get("cf:relation_arg") for e in sends] == [12]
    assert [e.attrs.get("cf:relation_arg") for e in receives] == [12]
    dest = f"127.0.0.1:{out['port']}"
    addressed = {e.dst for e in cap.of_type("addressed") if cap.nodes[e.src].get("cf:address") == dest}
    assert sends[0].dst in addressed
    # negative control: the failed sendmmsg (port 0) sent nothing
    bad = socket_ids(cap, int(out["bad_ino"]))
    assert bad and not [e for e in sends if e.dst in bad]
    assert not [e for e in cap.of_type("addressed") if e.dst in bad]
