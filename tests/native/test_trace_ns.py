# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks of tests/native/scenarios/17-trace-ns.sh: the trace backend
records credential changes and namespace changes with the LSM backend's
records (bpf/lib/cred.h, bpf/lib/ns.h; tests/integration/test_sys.py and
test_hooks.py check the same on the LSM backend):
  - setuid/setgid/setgroups/capset: task -> a new version of its process
    memory carrying the new ids, declared by a version_entity edge;
  - unshare: a new task version with the new namespace ids, task -> its
    process memory (arg: the flags); setns: namespace -> a new task
    version (arg: the type), the namespace node named by its inode number;
  - clone and clone3 with CLONE_NEW*: the flags on the clone edge (as the
    LSM backend's task_alloc sees them) and the child's new namespaces in
    its node.
Negative controls: the failed setuid(0) has no record, and the host's own
unshares (the outsider) none either: the counts are exact."""

import json
import re

import pytest

from provgraph import load_prov

CLONE_NEWUTS, CLONE_NEWUSER, CLONE_NEWNET = 0x04000000, 0x10000000, 0x40000000


@pytest.fixture(scope="module")
def run(request):
    root = request.getfixturevalue("artifacts")("trace-ns")
    cap = load_prov(root / "run.prov.json")
    seen = {}
    for line in (root / "ns.txt").read_text().splitlines():
        tag, *fields = line.split()
        seen[tag] = dict(f.split("=", 1) for f in fields)
    return root, cap, seen


def inum(text):
    return int(re.fullmatch(r"\w+:\[(\d+)\]", text).group(1))


def arg(e):
    return e.attrs.get("cf:relation_arg") or 0


def versioned_from(cap, node, relation):
    """The earlier versions of node declared by `relation` edges into it."""
    return [cap.nodes[e.src] for e in cap.of_type(relation)
            if e.dst == node and cap.nodes[e.src]["cf:id"] == cap.nodes[node]["cf:id"]]


def test_stats_name_the_backend_and_nothing_was_lost(run):
    root, _, _ = run
    stats = json.loads((root / "stats.json").read_text())
    assert stats["backend"] == "trace"
    assert stats["lost"] == 0 and stats["kernel_lost"] == 0 and stats["seq_missing"] == 0


@pytest.mark.parametrize("relation,key,value", [("setuid", "uid", 1234), ("setgid", "gid", 4321)])
def test_id_changes_version_the_process_memory(run, relation, key, value):
    _, cap, seen = run
    assert seen["setpriv"][key] == str(value)
    # one call each: the failed setuid(0) after the drop has no record
    (e,) = cap.of_type(relation)
    assert arg(e) == (value << 32) | value
    assert cap.nodes[e.src]["prov:type"] == "task" and cap.nodes[e.src]["cf:comm"] == "setpriv"
    mem = cap.nodes[e.dst]
    assert mem["prov:type"] == "process_memory" and e.kind == "wasGeneratedBy"
    assert mem[f"cf:{key}"] == value and mem[f"cf:e{key}"] == value
    (old,) = versioned_from(cap, e.dst, "version_entity")
    assert old["cf:version"] == mem["cf:version"] - 1
    assert mem["cf:pid"] == cap.nodes[e.src]["cf:pid"]


def test_setgroups_and_capset(run):
    _, cap, _ = run
    (groups,) = cap.of_type("setgroups")
    assert arg(groups) == 0  # --clear-groups
    assert cap.nodes[groups.dst]["prov:type"] == "process_memory"
    capset = cap.of_type("capset")
    # every capset is a setpriv's, on its own process memory, each a new version
    assert {cap.nodes[e.src]["cf:comm"] for e in capset} == {"setpriv"}
    for e in capset:
        assert cap.nodes[e.dst]["cf:pid"] == cap.nodes[e.src]["cf:pid"]
        assert len(versioned_from(cap, e.dst, "version_entity")) == 1
    # the three setpriv processes (the drop, the failed regain, --inh-caps)
    assert len({cap.nodes[e.src]["cf:pid"] for e in capset}) == 3


def test_unshare_gives_new_namespace_ids(run):
    _, cap, seen = run
    found = sorted(cap.of_type("unshare"), key=arg)
    # exactly the two in the container: unshare -Urn, then unshare -n
    # inside it; the outsider's twenty are not recorded
    assert [arg(e) for e in found] == [CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET]
    for e, tag in zip(found, ("unshared", "userns")):
        new = cap.nodes[e.src]
        assert new["prov:type"] == "task" and new["cf:comm"] == "unshare"
        assert cap.nodes[e.dst]["prov:type"] == "process_memory"
        (old,) = versioned_from(cap, e.src, "version_activity")
        assert new["cf:netns"] == inum(seen[tag]["net"]) != old["cf:netns"]
        assert new["cf:mntns"] == old["cf:mntns"] and new["cf:utsns"] == old["cf:utsns"]


def test_setns_links_the_joined_namespace(run):
    _, cap, seen = run
    (e,) = cap.of_type("setns")
    assert arg(e) == CLONE_NEWNET
    ns, task = cap.nodes[e.src], cap.nodes[e.dst]
    joined = inum(seen["joined"]["net"])
    assert joined == inum(seen["unshared"]["net"])
    assert ns["prov:type"] == "namespace" and ns["cf:nstype"] == "net"
    assert ns["cf:inum"] == joined and ns["prov:label"] == f"namespace net:[{joined}]"
    assert task["cf:comm"] == "nsenter" and task["cf:netns"] == joined
    (old,) = versioned_from(cap, e.dst, "version_activity")
    assert old["cf:netns"] == inum(seen["userns"]["net"])


@pytest.mark.parametrize("tag", ["clone", "clone3"])
def test_clone_with_new_namespaces(run, tag):
    _, cap, seen = run
    net, uts = inum(seen[tag]["net"]), inum(seen[tag]["uts"])
    made = [e for e in cap.of_type("clone") if cap.nodes[e.dst].get("cf:netns") == net]
    assert len(made) == 1
    (e,) = made
    child = cap.nodes[e.dst]
    assert child["cf:utsns"] == uts != cap.nodes[e.src]["cf:utsns"]
    assert arg(e) & (CLONE_NEWNET | CLONE_NEWUTS) == CLONE_NEWNET | CLONE_NEWUTS
    assert arg(e) & 0xFF == 0  # no exit signal: kernel_clone_args.flags
    # the child's process memory comes from the parent's, with the same flags
    mem = [m for m in cap.of_type("clone_mem") if cap.nodes[m.dst]["cf:pid"] == child["cf:pid"]]
    assert [arg(m) for m in mem] == [arg(e)]


def test_only_the_two_namespace_clones_carry_clone_newnet(run):
    _, cap, _ = run
    assert len([e for e in cap.of_type("clone") if arg(e) & CLONE_NEWNET]) == 2
