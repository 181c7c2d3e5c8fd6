# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""test_sys.py: provenance fidelity and the system hooks, from the artifacts
of tests/vm/scenarios/27-sys.sh:
  - ctx: every node (a file, a socket, a path) carries the context block of
    the container that made it: its namespaces equal its task's, and differ
    from the namespaces of the shell outside (host_ns.txt);
  - sys: each system case's specific records (bpf/system.bpf.c);
  - classes: with one record class switched off (--classes, or
    `sabpf ctl add CGROUP:classes`), that class records nothing and the
    others still do."""

import re

import pytest
from provgraph import load_jsonl, load_prov, load_report, prov_check

SCENARIO = "sys"
NS = ("uts", "ipc", "mnt", "pid", "net", "cgroup")
CLONE_NEWUTS = 0x04000000
CAP_SYS_ADMIN = 21

# The relations each class's hooks make in the workload (motif fork, bind,
# capget): the class is off exactly when none of them is recorded.
CLASS_ACTIONS = {
    "proc": {"clone", "exec", "exec_task", "arg", "terminate_task"},
    "file": {"inode_create", "open", "named"},
    "net": {"socket_create", "bind"},
    "sys": {"capget"},
}


@pytest.fixture
def art(artifacts):
    return artifacts(SCENARIO)


@pytest.fixture
def ctx(art):
    return load_prov(art / "ctx.prov.json")


@pytest.fixture
def sys_cap(art):
    return load_prov(art / "sys.prov.json")


@pytest.fixture
def sys_events(art):
    return load_jsonl(art / "sys.jsonl")


def arg(edge):
    return edge.attrs.get("cf:relation_arg", 0)


def ctx_of(attrs):
    return {ns: attrs[f"cf:{ns}_ns"] for ns in NS}


def task_ns(attrs):
    return {ns: attrs[f"cf:{ns}ns"] for ns in NS}


@pytest.mark.parametrize("capture", ["ctx.prov.json", "sys.prov.json"])
def test_captures_are_valid_acyclic_prov(art, capture):
    assert prov_check(art / capture, strict=True)["acyclic"] is True


def test_every_system_hook_was_attached(art):
    stderr = (art / "sys.stderr").read_text()
    assert "not recorded" not in stderr, stderr


# ---- the context block -------------------------------------------------------


def motif_task(cap):
    tasks = cap.tasks(comm="motif")
    assert tasks, "no task of the motif program"
    return tasks


def test_task_context_is_its_own_namespaces(ctx):
    for node, attrs in motif_task(ctx).items():
        assert ctx_of(attrs) == task_ns(attrs), node
        assert attrs["cf:ctx_uid"] == attrs["cf:uid"] == 0


@pytest.mark.parametrize("kind", ["file", "socket", "path", "address"])
def test_objects_carry_the_container_namespaces(ctx, art, kind):
    """A file (the case's marker), the socket it bound and the paths naming
    them were recorded by the container's task: their context block equals
    that task's namespaces, and is not the host's."""
    host = {k: int(v) for k, v in load_report(art / "host_ns.txt").items() if k}
    tasks = motif_task(ctx)
    container_ns = {tuple(sorted(task_ns(a).items())) for a in tasks.values()}
    assert len(container_ns) == 1, container_ns
    expected = dict(next(iter(container_ns)))
    # cgroup: a default `sabpf run` container has a cgroup namespace of its own
    for ns in ("uts", "ipc", "mnt", "pid", "net", "cgroup"):
        assert expected[ns] != host[ns], f"the container shares the host's {ns} namespace"
    nodes = [a for a in ctx.nodes.values() if a["prov:type"] == kind]
    if kind == "path":
        assert {"/tmp/sys/ctx/bind.begin", "/tmp/sys/ctx/bind.end"} <= {
            a["cf:pathname"] for a in nodes
        }
    if kind == "file":  # the two markers' files among them
        markers = ctx.nodes_named("/tmp/sys/ctx/bind.begin") | ctx.nodes_named("/tmp/sys/ctx/bind.end")
        assert len({ctx.nodes[n]["cf:id"] for n in markers}) == 2
        assert all(ctx.nodes[n]["prov:type"] == "file" for n in markers)
    elif kind == "socket":  # the one socket motif bind made
        assert len({a["cf:id"] for a in nodes}) == 1, nodes
    elif kind == "address":  # the one address it bound (PORT_BASE + 1 of motif.c)
        assert {a["cf:address"] for a in nodes} == {"127.0.0.1:6101"}
    for attrs in nodes:
        assert ctx_of(attrs) == expected, attrs["prov:label"]
        assert attrs["cf:container"] == next(iter(tasks.values()))["cf:container"]
        assert attrs["cf:ctx_euid"] == 0 and attrs["cf:ctx_egid"] == 0


def test_jsonl_shows_the_actor_namespaces(art, ctx):
    expected = task_ns(next(iter(motif_task(ctx).values())))
    bind = [e for e in load_jsonl(art / "ctx.jsonl") if e.get("action") == "bind"]
    assert len(bind) == 1
    assert {ns: bind[0][f"{ns}_ns"] for ns in NS} == expected


def test_spade_vertices_carry_the_context(art, ctx):
    expected = task_ns(next(iter(motif_task(ctx).values())))
    text = (art / "ctx.spade.json").read_text()
    assert f'"mnt_ns":"{expected["mnt"]}","pid_ns":"{expected["pid"]}"' in text
    assert f'"net_ns":"{expected["net"]}"' in text


# ---- the system hooks ---------------------------------------------------------


def edges(cap, relation, **where):
    found = cap.of_type(relation)
    for key, value in where.items():
        found = [e for e in found if cap.nodes[getattr(e, key)]["prov:type"] == value]
    return found


def case_pids(art):
    """motif case -> its pid in the container (case=NAME pid=N lines)."""
    pids = {}
    for line in (art / "sys.txt").read_text().splitlines():
        fields = dict(f.split("=", 1) for f in line.split())
        pids[fields["case"]] = int(fields["pid"])
    return pids


@pytest.mark.parametrize("case", ["capable", "capable_repeat"])
def test_capable_once_per_capability_and_version(sys_cap, art, case):
    """capable calls sethostname once, capable_repeat 200 times, in one
    task version each: one capable edge each."""
    vpid = case_pids(art)[case]
    used = [
        e
        for e in sys_cap.of_type("capable")
        if arg(e) == CAP_SYS_ADMIN and sys_cap.nodes[e.dst]["cf:vpid"] == vpid
    ]
    assert len(used) == 1, len(used)
    assert sys_cap.nodes[used[0].src]["prov:type"] == "process_memory"


def test_setgroups_versions_memory_with_the_count(sys_cap):
    found = edges(sys_cap, "setgroups", src="task", dst="process_memory")
    assert [arg(e) for e in found] == [2]


def test_setns_links_the_joined_namespace(sys_cap):
    found = [e for e in sys_cap.of_type("setns") if arg(e) == CLONE_NEWUTS]
    assert len(found) == 1
    ns, task = sys_cap.nodes[found[0].src], sys_cap.nodes[found[0].dst]
    assert ns["prov:type"] == "namespace" and ns["cf:nstype"] == "uts"
    assert ns["cf:inum"] == task["cf:utsns"]
    assert ns["prov:label"] == f"namespace uts:[{ns['cf:inum']}]"


def test_unshare_gives_the_task_a_new_uts_namespace(sys_cap):
    found = [e for e in sys_cap.of_type("unshare") if arg(e) == CLONE_NEWUTS]
    assert len(found) == 1
    new = sys_cap.nodes[found[0].src]
    old = [
        sys_cap.nodes[e.src]
        for e in sys_cap.of_type("version_activity")
        if e.dst == found[0].src
    ]
    assert len(old) == 1
    assert new["cf:utsns"] != old[0]["cf:utsns"]
    assert new["cf:uts_ns"] == new["cf:utsns"]  # the new version's context
    assert new["cf:mntns"] == old[0]["cf:mntns"]


def test_bpf_objects_are_named_and_typed(sys_cap, sys_events):
    maps = [a for a in sys_cap.nodes.values() if a["prov:type"] == "bpf_map"]
    progs = [a for a in sys_cap.nodes.values() if a["prov:type"] == "bpf_prog"]
    assert [(m["cf:bpf_name"], m["cf:bpf_type"]) for m in maps] == [("motif_map", 2)]
    assert [(p["cf:bpf_name"], p["cf:bpf_type"]) for p in progs] == [("motif_prog", 29)]  # BPF_PROG_TYPE_LSM
    # the ids are the kernel's, the same in every output format: the JSON-lines view names them
    objects = sorted(e["object"] for e in sys_events if e["action"] in ("bpf_map", "bpf_prog"))
    assert set(objects) == {f"{maps[0]['cf:bpf_id']} motif_map", f"{progs[0]['cf:bpf_id']} motif_prog"}
    # BPF_MAP_CREATE (0) and BPF_PROG_LOAD (5), each from the motif program;
    # nothing from the agent, which loads a whole object of its own
    cmds = sorted(arg(e) for e in sys_cap.of_type("bpf"))
    assert cmds == [0, 5], cmds
    assert {e["comm"] for e in sys_events if e["action"].startswith("bpf")} == {"motif"}


def test_module_loading_is_recorded_though_it_fails(sys_cap):
    load = edges(sys_cap, "kernel_load_data", src="task", dst="process_memory")
    assert [arg(e) for e in load] == [2]  # LOADING_MODULE
    read = sys_cap.of_type("kernel_read_file")
    assert len(read) == 1 and arg(read[0]) == 2  # READING_MODULE
    assert sys_cap.paths_of(read[0].dst) == {"/tmp/sys/sys/finit_module.ko"}
    req = sys_cap.of_type("module_request")
    assert [sys_cap.nodes[e.dst]["cf:name"] for e in req] == ["net-pf-5"]


def test_mounts_moved_and_pivoted(sys_cap):
    moved = sys_cap.of_type("move_mount")
    assert len(moved) == 1
    assert sys_cap.paths_of(moved[0].dst) == {"/tmp/sys/sys/move_mount.to"}
    pivot = sys_cap.of_type("pivot_root")
    assert len(pivot) == 1 and "/new" in sys_cap.paths_of(pivot[0].dst)


def test_process_group_prctl_and_caps(sys_cap, art):
    # setpgid(child, child) on its paused child: arg is the new pgid, the child's own pid
    (setpgid,) = edges(sys_cap, "setpgid", src="task", dst="process_memory")
    child_pid = sys_cap.nodes[setpgid.dst]["cf:pid"]
    child = {a["cf:vpid"] for a in sys_cap.nodes.values()
             if a["prov:type"] == "task" and a.get("cf:pid") == child_pid}
    assert [arg(setpgid)] == sorted(child), (arg(setpgid), child)
    getpgid = edges(sys_cap, "getpgid", src="process_memory", dst="task")
    assert len(getpgid) == 1
    prctl = [e for e in edges(sys_cap, "prctl", src="task") if arg(e) == 1]
    assert len(prctl) == 1  # PR_SET_PDEATHSIG
    # capget: the capget case's call, and the one the capset case makes before its markers,
    # each from the calling process's memory to itself
    case_pids = {k: int(v) for k, v in re.findall(r"^case=(\w+) pid=(\d+)$",
                                                  (art / "sys.txt").read_text(), re.M)}
    capget = edges(sys_cap, "capget", src="process_memory", dst="task")
    assert sorted(sys_cap.nodes[e.dst]["cf:vpid"] for e in capget) == \
        sorted([case_pids["capget"], case_pids["capset"]])
    assert all(sys_cap.nodes[e.src]["cf:pid"] == sys_cap.nodes[e.dst]["cf:pid"] for e in capget)
    capset = edges(sys_cap, "capset", src="task", dst="process_memory")
    assert len(capset) == 1
    new_mem = sys_cap.nodes[capset[0].dst]
    assert any(
        e.dst == capset[0].dst and sys_cap.nodes[e.src]["cf:id"] == new_mem["cf:id"]
        for e in sys_cap.of_type("version_entity")
    )


# ---- record classes switched off --------------------------------------------


def actions(path):
    return {e["action"] for e in load_jsonl(path) if "action" in e}


@pytest.mark.parametrize("off", ["proc", "file", "net", "sys"])
def test_a_class_switched_off_records_nothing(art, off):
    baseline = actions(art / "classes-none.jsonl")
    for cls, acts in CLASS_ACTIONS.items():
        assert baseline & acts, f"with every class on, no {cls} record"
    seen = actions(art / f"classes-{off}.jsonl")
    assert not seen & CLASS_ACTIONS[off], f"{off} off, yet {seen & CLASS_ACTIONS[off]}"
    for cls, acts in CLASS_ACTIONS.items():
        if cls != off:
            assert seen & acts, f"{off} off took {cls} with it"


def test_ctl_add_with_classes(art):
    """The cgroup added with `ctl add CGROUP:proc,file,net,ipc` records no
    sys record, and the others."""
    events = [e for e in load_jsonl(art / "ctl.jsonl") if "action" in e]
    seen = {e["action"] for e in events}
    assert not seen & CLASS_ACTIONS["sys"]
    for cls in ("proc", "file", "net"):
        assert seen & CLASS_ACTIONS[cls], cls
