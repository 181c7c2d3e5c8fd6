# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks of tests/native/scenarios/11-trace-ia32.sh: ia32 system calls
(int $0x80) are recorded as their x86_64 twins are. build/progs/int80 made
the same calls by ia32 numbers (`cover`: socketcall, the old mmap and
mmap2, the 16-bit fchown, truncate64, setresuid32, compat_msghdr and
compat_mmsghdr) and by x86_64 numbers (`cover64`), each in its own
directory, both sending to the same five ports. Every record of each
process is described without its directory and its ports' numbers, and
the two descriptions must be equal, and hold every relation the calls
make. Negative control: the capture made with the ia32 table left out
(SABPF_TRACE_IA32=0) must fail the same comparison."""

import json
from collections import Counter

import pytest

from provgraph import load_prov

O_LARGEFILE = 0o100000
ATTR_UID, ATTR_GID, ATTR_CTIME = 2, 4, 64
CLONE_VM, CLONE_VFORK = 0x100, 0x4000

# the relations `cover` makes (tests/vm/progs/int80.c), each at least once
RELATIONS = {
    "open", "write", "read", "inode_create", "rename", "link", "symlink", "mkdir",
    "rmdir", "setattr", "unlink", "mmap_read_private", "mmap_write", "socket_create",
    "connect", "send", "addressed", "clone", "setuid",
}


def load(root):
    cap = load_prov(root / "run.prov.json")
    w = (root / "workdir").read_text().strip()
    out = dict(line.split("=", 1) for line in (root / "stdout").read_text().split())
    ports = {f"127.0.0.1:{p}": f"P{i + 1}" for i, p in enumerate(out["ports"].split(","))}
    return cap, w, ports


@pytest.fixture(scope="module")
def run(artifacts):
    return load(artifacts("trace-ia32") / "run")


@pytest.fixture(scope="module")
def no_ia32(artifacts):
    return load(artifacts("trace-ia32") / "no-ia32")


def records(cap, w, ports, mode):
    """Counter of (relation, source, target, arg) of the int80 process that
    ran MODE (the one whose files are under W/MODE, and its vfork child),
    each node described without the mode's directory or the ports' numbers."""
    d = f"{w}/{mode}/"
    ident = lambda n: cap.nodes[n].get("cf:id")  # noqa: E731
    names = {}
    for e in cap.of_type("named"):
        names.setdefault(ident(e.dst), set()).add(cap.nodes[e.src].get("cf:pathname", ""))
    addrs = {}
    for e in cap.of_type("addressed"):
        addrs.setdefault(ident(e.dst), set()).add(ports.get(cap.nodes[e.src].get("cf:address"), "?"))
    # the process that ran MODE: by the argv its exec recorded
    mine = {cap.nodes[e.dst].get("cf:pid") for e in cap.of_type("arg")
            if cap.nodes[e.src].get("cf:argv", "").split()[1:2] == [mode]}
    assert len(mine) == 1, f"{mode}: int80 processes {mine}"
    (pid,) = mine
    tasks = set(cap.tasks(pid=pid))
    # the vfork child: the target of this process's clone edge
    tasks |= {e.dst for e in cap.of_type("clone") if e.src in tasks}

    def describe(n):
        a = cap.nodes[n]
        kind = a.get("prov:type")
        if n in tasks:
            return "self" if a.get("cf:pid") == pid else "child"
        if kind == "path":
            return "path:" + a.get("cf:pathname", "").replace(d, "DIR/")
        if kind == "address":
            return "address:" + ports.get(a.get("cf:address"), a.get("cf:address"))
        if kind == "socket":
            return "socket:" + ",".join(sorted(addrs.get(ident(n), set())))
        named = {p.replace(d, "DIR/") for p in names.get(ident(n), set())}
        return f"{kind}:" + ",".join(sorted(named))

    mine = [e for e in cap.edges if e.src in tasks or e.dst in tasks]
    sockets = {ident(n) for e in mine for n in (e.src, e.dst) if cap.nodes[n].get("prov:type") == "socket"}
    mine += [e for e in cap.of_type("addressed") if ident(e.dst) in sockets]
    out = Counter()
    for e in mine:
        arg = e.attrs.get("cf:relation_arg", 0)
        if e.type == "open":
            arg &= ~O_LARGEFILE  # the native open adds it; the compat open does not
        out[(e.type, describe(e.src), describe(e.dst), arg)] += 1
    return out


def test_the_calls_ran_and_nothing_was_lost(run):
    cap, _, _ = run
    assert cap.tasks(comm="int80")


def test_stats(artifacts):
    for name in ("run", "no-ia32"):
        stats = json.loads((artifacts("trace-ia32") / name / "stats.json").read_text())
        assert stats["backend"] == "trace"
        assert stats["lost"] == 0 and stats["kernel_lost"] == 0 and stats["seq_missing"] == 0


def test_ia32_calls_give_the_records_of_their_x86_64_twins(run):
    cap, w, ports = run
    ia32, x64 = records(cap, w, ports, "cover"), records(cap, w, ports, "cover64")
    missing = RELATIONS - {r for r, *_ in x64}
    assert not missing, f"cover64 lacks {missing}"
    assert sorted(ia32.items()) == sorted(x64.items())


def test_exact_records(run):
    """A few records spelled out, so that both twins cannot be wrong alike."""
    cap, w, ports = run
    got = records(cap, w, ports, "cover")
    # the 16-bit fchown's 0xffff is "no change": the group only
    assert got[("setattr", "self", "file:DIR/a,DIR/b", ((ATTR_GID | ATTR_CTIME) << 32))] == 1
    assert not [k for k in got if k[0] == "setattr" and (k[3] >> 32) & ATTR_UID]
    assert got[("mkdir", "self", "path:DIR/d", 0o40751)] == 1
    sends = sorted((k[2], k[3]) for k in got if k[0] == "send")
    # socketcall's send (13; the later 31 bytes repeat that edge, merged);
    # sendmmsg: one edge, the bytes of both messages (23 + 29)
    assert sends == [("socket:P1", 13), ("socket:P2,P3,P4,P5", 17),
                     ("socket:P2,P3,P4,P5", 19), ("socket:P2,P3,P4,P5", 52)]
    # mmap (the old one: PROT_READ, MAP_PRIVATE) and mmap2 (PROT_READ |
    # PROT_WRITE, MAP_SHARED): arg prot << 32 | flags
    assert got[("mmap_read_private", "file:DIR/a,DIR/b", "self", (1 << 32) | 2)] == 1
    assert got[("mmap_write", "self", "file:DIR/a,DIR/b", (3 << 32) | 1)] == 1
    assert got[("clone", "self", "child", CLONE_VM | CLONE_VFORK)] == 1


def test_negative_control_without_the_ia32_table(run, no_ia32):
    cap, w, ports = run
    x64 = records(cap, w, ports, "cover64")
    cap0, w0, ports0 = no_ia32
    bare = records(cap0, w0, ports0, "cover")
    assert sorted(bare.items()) != sorted(x64.items())
    # what still comes: the scheduler's tracepoints (exec, clone, exit),
    # none of the system calls' relations
    assert not {"rename", "mkdir", "send", "setattr", "mmap_write"} & {r for r, *_ in bare}
