# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks of tests/native/scenarios/16-trace-mount.sh: the trace backend
records mount (arg: MS_* flags) and umount2 (arg: umount flags) as the LSM
backend's relations (include/sabpf_record.h: mount, umount task -> the
mount point), to a path node for the name given, made absolute. Negative
control: the failed mount on a missing directory has no edge. The second
run (tests/native/mount2.py): move_mount to a name (a path node) and to a
descriptor (the directory's node), pivot_root to the new root's path node,
with the system class, as the LSM backend's move_mount and sb_pivotroot;
the failed move_mount to a missing name has no edge."""

import json

import pytest

from provgraph import load_prov

MS_RDONLY, MS_REC, MS_PRIVATE = 1, 0x4000, 0x40000


@pytest.fixture(scope="module")
def run(request):
    root = request.getfixturevalue("artifacts")("trace-mount")
    cap = load_prov(root / "run.prov.json")
    w = (root / "workdir").read_text().strip()
    return root, cap, w


def edges(cap, relation):
    return sorted(
        (
            cap.nodes[e.src].get("cf:comm"),
            cap.nodes[e.dst].get("prov:type"),
            cap.nodes[e.dst].get("cf:pathname"),
            e.attrs.get("cf:relation_arg") or 0,
        )
        for e in cap.of_type(relation)
    )


def test_stats_name_the_backend_and_nothing_was_lost(run):
    root, _, _ = run
    stats = json.loads((root / "stats.json").read_text())
    assert stats["backend"] == "trace"
    assert stats["lost"] == 0 and stats["kernel_lost"] == 0 and stats["seq_missing"] == 0


def test_mount_names_the_mount_point_with_its_flags(run):
    _, cap, w = run
    got = edges(cap, "mount")
    # unshare -m makes every mount private first: mount(none, "/", MS_REC|MS_PRIVATE)
    assert [(comm, kind, path) for comm, kind, path, _ in got] == [
        ("mount", "path", f"{w}/mnt"),
        ("unshare", "path", "/"),
    ]
    assert got[0][3] & MS_RDONLY
    assert got[1][3] == MS_REC | MS_PRIVATE


def test_umount_names_the_target(run):
    _, cap, w = run
    assert edges(cap, "umount") == [("umount", "path", f"{w}/mnt", 0)]


def test_the_failed_mount_has_no_edge(run):
    _, cap, w = run
    named = {cap.nodes[e.dst].get("cf:pathname") for r in ("mount", "umount") for e in cap.of_type(r)}
    assert named == {f"{w}/mnt", "/"}
    assert not [n for n, a in cap.nodes.items() if a.get("cf:pathname") == f"{w}/missing"]


@pytest.fixture(scope="module")
def run2(run):
    root, _, w = run
    return load_prov(root / "run2.prov.json"), w + "/new"


def test_move_mount_names_where_the_mount_went(run2):
    cap, w = run2
    assert edges(cap, "move_mount") == [
        ("python3", "directory", f"{w}/moved2", 0),
        ("python3", "path", f"{w}/moved", 0),
    ]
    assert not [n for n, a in cap.nodes.items() if a.get("cf:pathname") == f"{w}/missing"]


def test_pivot_root_names_the_new_root(run2):
    cap, w = run2
    assert edges(cap, "pivot_root") == [("python3", "path", f"{w}/newroot", 0)]
