# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks of tests/native/scenarios/15-trace-attr.sh: the trace backend's
attribute calls give the LSM backend's relations (tests/motifs/files.json:
setattr with arg ia_valid<<32 | mode; task -> xattr -> file for setxattr and
removexattr). Each call has its own file, so each check names the one call
it expects and its exact arg; a call on a descriptor reaches the file's
node, a call by name a PATH node. Negative controls: the file the workload
only read has no such edge, the outsider's chmod on the host is absent, and
the set of targets is exactly the calls made (no more)."""

import json

import pytest

from provgraph import load_prov

ATTR_MODE, ATTR_UID, ATTR_GID, ATTR_ATIME, ATTR_MTIME, ATTR_CTIME = 1, 2, 4, 16, 32, 64
ATTR_ATIME_SET, ATTR_MTIME_SET, ATTR_TOUCH = 128, 256, 1 << 17
TIMES = ATTR_ATIME | ATTR_MTIME | ATTR_CTIME


@pytest.fixture(scope="module")
def run(request):
    root = request.getfixturevalue("artifacts")("trace-attr")
    cap = load_prov(root / "run.prov.json")
    w = (root / "workdir").read_text().strip()
    return root, cap, w


def name_of(cap, n):
    return cap.nodes[n].get("cf:pathname") or next(iter(cap.paths_of(n)), None)


def edges_by_target(cap, relation):
    """{target's path: [(kind of the target node, arg, source node)]}"""
    out = {}
    for e in cap.of_type(relation):
        out.setdefault(name_of(cap, e.dst), []).append(
            (cap.nodes[e.dst].get("prov:type"), e.attrs.get("cf:relation_arg"), e.src)
        )
    return out


def test_stats_name_the_backend_and_nothing_was_lost(run):
    root, _, _ = run
    stats = json.loads((root / "stats.json").read_text())
    assert stats["backend"] == "trace"
    assert stats["lost"] == 0 and stats["kernel_lost"] == 0 and stats["seq_missing"] == 0


@pytest.mark.parametrize(
    "name,kind,valid,mode",
    [
        ("chmod.txt", "path", ATTR_MODE | ATTR_CTIME, 0o600),
        ("fchmod.txt", "file", ATTR_MODE | ATTR_CTIME, 0o604),
        ("fchmodat.txt", "path", ATTR_MODE | ATTR_CTIME, 0o610),
        ("chown.txt", "path", ATTR_UID | ATTR_CTIME, 0),
        ("fchown.txt", "file", ATTR_UID | ATTR_GID | ATTR_CTIME, 0),
        ("link", "path", ATTR_GID | ATTR_CTIME, 0),
        ("fchownat.txt", "path", ATTR_UID | ATTR_GID | ATTR_CTIME, 0),
        # utimensat as vfs_utimes sets ia_valid: times given, none (the
        # current time), by descriptor, and atime UTIME_OMIT
        ("utime_times.txt", "path", TIMES | ATTR_ATIME_SET | ATTR_MTIME_SET, 0),
        ("utime_now.txt", "path", TIMES | ATTR_TOUCH, 0),
        ("futimens.txt", "file", TIMES | ATTR_ATIME_SET | ATTR_MTIME_SET, 0),
        ("utime_omit.txt", "path", ATTR_MTIME | ATTR_CTIME | ATTR_MTIME_SET, 0),
    ],
)
def test_each_setattr_call_has_its_edge_and_arg(run, name, kind, valid, mode):
    _, cap, w = run
    got = edges_by_target(cap, "setattr").get(f"{w}/{name}")
    assert got, f"no setattr edge to {w}/{name}"
    assert [(k, arg) for k, arg, _ in got] == [(kind, (valid << 32) | mode)]
    assert all(cap.nodes[src].get("cf:comm") == "python3" for _, _, src in got)


def test_setattr_targets_are_exactly_the_calls(run):
    _, cap, w = run
    targets = set(edges_by_target(cap, "setattr"))
    names = {"chmod.txt", "fchmod.txt", "fchmodat.txt", "chown.txt", "fchown.txt", "link", "fchownat.txt",
             "utime_times.txt", "utime_now.txt", "futimens.txt", "utime_omit.txt"}
    assert targets == {f"{w}/{n}" for n in names}


@pytest.mark.parametrize(
    "relation,xattr,name,kind,arg",
    [
        ("setxattr", "user.sabpf", "setxattr.txt", "path", 0),
        ("setxattr", "user.lname", "lsetxattr.txt", "path", 1),  # XATTR_CREATE
        ("setxattr", "user.fd", "fsetxattr.txt", "file", 0),
        ("removexattr", "user.fd", "fsetxattr.txt", "file", 0),
        ("removexattr", "user.sabpf", "setxattr.txt", "path", 0),
    ],
)
def test_xattr_calls_go_task_to_xattr_to_file(run, relation, xattr, name, kind, arg):
    _, cap, w = run
    found = []
    for e in cap.of_type(relation):
        if cap.nodes[e.dst].get("prov:label") != f"xattr {xattr}":
            continue
        for e2 in cap.of_type(relation + "_inode"):
            if cap.nodes[e2.src].get("cf:id") == cap.nodes[e.dst].get("cf:id"):
                found.append(
                    (
                        cap.nodes[e.src].get("cf:comm"),
                        e.attrs.get("cf:relation_arg") or 0,
                        name_of(cap, e2.dst),
                        cap.nodes[e2.dst].get("prov:type"),
                    )
                )
    assert found == [("python3", arg, f"{w}/{name}", kind)]


@pytest.mark.parametrize(
    "xattr,name,kind",
    [("user.get", "getxattr.txt", "path"), ("user.fget", "fgetxattr.txt", "file")],
)
def test_getxattr_goes_file_to_xattr_to_task(run, xattr, name, kind):
    """getxattr by name (a path node) and fgetxattr (the file): the LSM
    backend's inode_getxattr, file -> xattr -> task."""
    _, cap, w = run
    found = []
    for e in cap.of_type("getxattr"):
        if cap.nodes[e.src].get("prov:label") != f"xattr {xattr}":
            continue
        for e2 in cap.of_type("getxattr_inode"):
            if cap.nodes[e2.dst].get("cf:id") == cap.nodes[e.src].get("cf:id"):
                found.append((name_of(cap, e2.src), cap.nodes[e2.src].get("prov:type"),
                              cap.nodes[e.dst].get("cf:comm")))
    assert found == [(f"{w}/{name}", kind, "python3")]


def edges_from_files(cap, w, relation):
    """(name, node kind) of the work directory's nodes with a `relation`
    edge to the workload (python3)."""
    return {(name_of(cap, e.src), cap.nodes[e.src].get("prov:type")) for e in cap.of_type(relation)
            if cap.nodes[e.dst].get("cf:comm") == "python3" and (name_of(cap, e.src) or "").startswith(w + "/")}


def test_listxattr_goes_file_to_task(run):
    """listxattr by name (a path node) and flistxattr (the file), and no
    other file of the work directory (never listed)."""
    _, cap, w = run
    got = edges_from_files(cap, w, "listxattr")
    assert got == {(f"{w}/listxattr.txt", "path"), (f"{w}/fgetxattr.txt", "file")}


def test_stat_goes_file_to_task(run):
    """stat by name (glibc: newfstatat): a path node, of stat.txt only (no
    other name was stat-ed); fstat (newfstatat with AT_EMPTY_PATH and an
    empty name): the file. Python's open() fstat-s every file it opens, so
    the files it opened have a getattr edge too, and only those: not the
    names it made by symlink alone (link)."""
    _, cap, w = run
    got = edges_from_files(cap, w, "getattr")
    assert {n for n, k in got if k == "path"} == {f"{w}/stat.txt"}
    files = {n for n, k in got if k == "file"}
    assert {f"{w}/fstat.txt", f"{w}/stat.txt", f"{w}/untouched.txt"} <= files
    assert f"{w}/link" not in files


def test_untouched_and_outsider_files_have_no_attribute_edges(run):
    root, cap, w = run
    relations = ("setattr", "setxattr_inode", "removexattr_inode", "getxattr_inode", "listxattr")
    touched = {name_of(cap, n) for r in relations for e in cap.of_type(r) for n in (e.src, e.dst)}
    assert f"{w}/untouched.txt" not in touched
    assert cap.nodes_named(f"{w}/untouched.txt"), "the read of untouched.txt is missing"
    assert "outside.txt" not in (root / "run.jsonl").read_text()
