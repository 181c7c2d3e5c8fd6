# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""test_hooks2.py: the hooks of issue 3 produce their records with the right
fields. tests/vm/scenarios/25-hooks2.sh ran tests/vm/progs/exercise in an
audited container (dirs, xattr, fileops, sockets, tasks, mount: one report
each, key=value lines saying what it did), then signalled a task outside
every audited cgroup from an audited one (killpid.txt, audit capture)."""

import pytest
from provgraph import load_jsonl, load_prov, load_report, prov_check

FIONREAD = 0x541B
MAP_TYPE, MAP_SHARED, MAP_PRIVATE = 0xF, 0x1, 0x2
AF_UNIX = 1


@pytest.fixture
def cap(artifacts):
    return load_prov(artifacts("hooks2") / "capture.prov.json")


@pytest.fixture
def events(artifacts):
    return load_jsonl(artifacts("hooks2") / "capture.jsonl")


@pytest.fixture
def report(artifacts):
    return lambda name: load_report(artifacts("hooks2") / f"{name}.txt")


def actions_on(events, action, obj):
    return [e for e in events if e["action"] == action and e["object"] == obj]


def arg(edge):
    return edge.attrs.get("cf:relation_arg", 0)


def same_node(cap, a, b):
    return cap.nodes[a]["cf:id"] == cap.nodes[b]["cf:id"]


def versions_of(cap, node):
    ident = cap.nodes[node]["cf:id"]
    return [a for a in cap.nodes.values() if a.get("cf:id") == ident]


@pytest.mark.parametrize("capture", ["capture.prov.json", "audit.prov.json"])
def test_captures_are_valid_acyclic_prov(artifacts, capture):
    summary = prov_check(artifacts("hooks2") / capture, strict=True)
    assert summary["acyclic"] is True


def test_every_hook_was_attached(artifacts):
    """select_programs turns a hook off with a warning when the kernel lacks
    it or takes another signature: none may be off on the tested kernels."""
    stderr = (artifacts("hooks2") / "stderr").read_text()
    assert "not recorded" not in stderr, stderr


# ---- directories and stat --------------------------------------------------


def test_mkdir_is_a_path_generated_by_the_task(cap, report):
    r = report("dirs")
    edges = [e for e in cap.of_type("mkdir") if cap.nodes[e.dst].get("cf:pathname") == r["mkdir"]]
    assert len(edges) == 1 and edges[0].kind == "wasGeneratedBy"
    assert cap.nodes[edges[0].src]["cf:comm"] == "exercise"
    assert arg(edges[0]) & 0o7777 == int(r["mkdir_mode"], 8)
    assert arg(edges[0]) & 0o170000 == 0o040000  # S_IFDIR


def test_stat_is_getattr_from_the_directory(cap, events, report):
    r = report("dirs")
    found = actions_on(events, "getattr", r["stat"])
    assert len(found) == 1 and found[0]["comm"] == "exercise"
    inode = cap.nodes_named(r["stat"])
    edges = [e for e in cap.of_type("getattr") if e.src in inode]
    assert len(edges) == 1 and edges[0].kind == "used"
    assert cap.nodes[edges[0].src]["prov:type"] == "directory"
    assert cap.nodes[edges[0].src]["cf:ino"] == int(r["stat_ino"])


def test_rmdir_reaches_the_directory(cap, events, report):
    r = report("dirs")
    found = actions_on(events, "rmdir", r["rmdir"])
    assert len(found) == 1 and found[0]["object_kind"] == "directory"
    inode = cap.nodes_named(r["rmdir"])
    edges = [e for e in cap.of_type("rmdir") if e.dst in inode]
    assert len(edges) == 1 and edges[0].kind == "wasGeneratedBy"


# ---- extended attributes -----------------------------------------------------


def xattr_edges(cap, relation, name):
    """Edges of `relation` with an xattr node called `name` at one end."""
    def is_it(n):
        return cap.nodes[n]["prov:type"] == "xattr" and cap.nodes[n]["prov:label"] == f"xattr {name}"

    return [e for e in cap.of_type(relation) if is_it(e.src) or is_it(e.dst)]


@pytest.mark.parametrize("task_rel,inode_rel,writing", [
    ("setxattr", "setxattr_inode", True),
    ("getxattr", "getxattr_inode", False),
    ("removexattr", "removexattr_inode", True),
])
def test_xattr_flows_through_an_xattr_node(cap, events, report, task_rel, inode_rel, writing):
    r = report("xattr")
    name, inode = r["xattr_name"], cap.nodes_named(r["xattr_file"])
    assert inode
    assert len(actions_on(events, task_rel, name)) == 1
    (by_task,) = xattr_edges(cap, task_rel, name)
    (on_inode,) = xattr_edges(cap, inode_rel, name)
    if writing:  # task -> xattr -> inode
        assert by_task.kind == "wasGeneratedBy" and on_inode.kind == "wasDerivedFrom"
        assert by_task.dst == on_inode.src and on_inode.dst in inode
    else:  # inode -> xattr -> task
        assert on_inode.kind == "wasDerivedFrom" and by_task.kind == "used"
        assert on_inode.src in inode and on_inode.dst == by_task.src
    if task_rel == "setxattr":
        assert arg(by_task) == int(r["setxattr_flags"])


def test_listxattr_reads_the_inode(cap, events, report):
    r = report("xattr")
    assert len(actions_on(events, "listxattr", r["xattr_file"])) == 1
    edges = [e for e in cap.of_type("listxattr") if e.src in cap.nodes_named(r["xattr_file"])]
    assert len(edges) == 1 and edges[0].kind == "used"


# ---- open files and memory --------------------------------------------------


def file_edges(cap, report, relation):
    inode = cap.nodes_named(report("fileops")["file"])
    assert inode
    return [e for e in cap.of_type(relation) if e.src in inode or e.dst in inode]


@pytest.mark.parametrize("relation,kind", [("write_ioctl", "wasGeneratedBy"), ("read_ioctl", "used")])
def test_ioctl_both_ways_with_its_command(cap, report, relation, kind):
    assert int(report("fileops")["ioctl_cmd"]) == FIONREAD
    (edge,) = file_edges(cap, report, relation)
    assert edge.kind == kind and arg(edge) == FIONREAD


@pytest.mark.parametrize("relation,key", [("file_lock", "lock_type"), ("fcntl", "fcntl_cmd")])
def test_lock_and_fcntl_carry_their_command(cap, report, relation, key):
    (edge,) = file_edges(cap, report, relation)
    assert edge.kind == "wasGeneratedBy" and arg(edge) == int(report("fileops")[key])


def test_shared_map_reads_and_writes_the_file(cap, report):
    prot = int(report("fileops")["mmap_shared_prot"])
    for relation, kind in (("mmap_read", "used"), ("mmap_write", "wasGeneratedBy")):
        (edge,) = file_edges(cap, report, relation)
        assert edge.kind == kind
        assert arg(edge) >> 32 == prot and arg(edge) & MAP_TYPE == MAP_SHARED


def test_private_map_only_takes_from_the_file(cap, report):
    prot = int(report("fileops")["mmap_private_prot"])
    (edge,) = file_edges(cap, report, "mmap_write_private")
    assert edge.kind == "used"  # file -> task: nothing flows back to the file
    assert arg(edge) >> 32 == prot and arg(edge) & MAP_TYPE == MAP_PRIVATE
    assert not file_edges(cap, report, "mmap_read_private")


def test_mprotect_of_a_file_map_maps_it_anew(cap, report):
    """A private file map made executable: mmap_exec_private, as at mmap."""
    prot = int(report("fileops")["mprotect_file_prot"])
    (edge,) = file_edges(cap, report, "mmap_exec_private")
    assert edge.kind == "used"
    assert arg(edge) >> 32 == prot and arg(edge) & MAP_TYPE == MAP_PRIVATE


def test_mprotect_changes_the_process_memory(cap, report):
    r = report("fileops")
    child = cap.tasks(vpid=int(r["mprotect_pid"]))
    edges = [e for e in cap.of_type("mprotect") if e.src in child]
    assert len(edges) == 1
    assert cap.nodes[edges[0].dst]["prov:type"] == "process_memory"
    assert arg(edges[0]) == int(r["mprotect_prot"])


# ---- sockets ----------------------------------------------------------------------


def test_socketpair_makes_two_unix_sockets(cap, report):
    assert report("sockets")["socketpair"] == "1"
    edges = cap.of_type("socket_pair_create")
    assert len(edges) == 2 and edges[0].src == edges[1].src
    ends = {cap.nodes[e.dst]["cf:id"] for e in edges}
    assert len(ends) == 2
    for e in edges:
        assert cap.nodes[e.dst]["cf:sock_family"] == AF_UNIX and e.kind == "wasGeneratedBy"


def test_shutdown_carries_how(cap, report):
    (edge,) = cap.of_type("shutdown")
    assert arg(edge) == int(report("sockets")["shutdown_how"])
    pair = {cap.nodes[e.dst]["cf:id"] for e in cap.of_type("socket_pair_create")}
    assert cap.nodes[edge.dst]["cf:id"] in pair


def test_unix_stream_peers_are_linked(cap, report):
    path = f"unix:{report('sockets')['stream']}"
    (link,) = cap.of_type("connect_unix_stream")
    assert link.kind == "wasDerivedFrom"
    client, server = link.src, link.dst
    # the client end is the socket the task connected to that path
    assert any(same_node(cap, e.dst, client) for e in cap.of_type("connect"))
    addressed = [e for e in cap.of_type("addressed") if cap.nodes[e.src]["cf:address"] == path]
    assert any(same_node(cap, e.dst, client) for e in addressed)
    # the server end is the accepted socket: known first without an inode,
    # then with it, and the task received the data from it
    inos = [v["cf:ino"] for v in sorted(versions_of(cap, server), key=lambda v: v["cf:version"])]
    (accepted,) = [e.dst for e in cap.of_type("accept_socket") if same_node(cap, e.dst, server)]
    assert inos == [0, cap.nodes[accepted]["cf:ino"]] and inos[1] != 0, inos
    assert any(same_node(cap, e.src, server) for e in cap.of_type("receive"))


def test_unix_datagram_links_sender_to_receiver(cap, report):
    path = f"unix:{report('sockets')['dgram']}"
    # the receiver is the socket bound to the path (the stream sockets'
    # sends to their peers are send_unix edges too), and the data reached
    # the task
    bound = [e for e in cap.of_type("addressed") if cap.nodes[e.src]["cf:address"] == path]
    (link,) = [e for e in cap.of_type("send_unix")
               if any(same_node(cap, b.dst, e.dst) for b in bound)]
    assert link.kind == "wasDerivedFrom"
    assert any(same_node(cap, e.src, link.dst) for e in cap.of_type("receive"))
    assert any(same_node(cap, e.dst, link.src) for e in cap.of_type("send"))


def test_a_socket_sending_to_two_unix_paths_gets_both_addresses(cap, report):
    """The datagram sender sends to dgram.sock, then to dgram2.sock: both
    addresses are linked to it, in that order (bpf/lib/inode.h address_key
    tells unix paths apart)."""
    paths = [f"unix:{report('sockets')[k]}" for k in ("dgram", "dgram2")]
    sends = [e for e in cap.of_type("send_unix")]
    senders = {cap.nodes[e.src]["cf:id"] for e in sends}
    linked = {
        s: [cap.nodes[e.src]["cf:address"] for e in cap.of_type("addressed")
            if cap.nodes[e.dst]["cf:id"] == s and cap.nodes[e.src]["cf:address"] in paths]
        for s in senders
    }
    assert list(linked.values()).count(paths) == 1, linked


# ---- signals and ptrace ------------------------------------------------------------


def test_kill_edges_are_exactly_the_signals_sent(cap, report):
    """Two user-sent signals; SIGALRM from a timer, SIGCHLD and a raise() to
    itself are no task-to-task flows and leave no kill edge."""
    r = report("tasks")
    sent = {(int(r["killed"]), int(r["kill_signal"])), (int(r["traced"]), int(r["traced_kill_signal"]))}
    edges = cap.of_type("kill")
    got = {(cap.nodes[e.dst]["cf:vpid"], arg(e)) for e in edges}
    assert got == sent
    for e in edges:
        assert e.kind == "wasInformedBy"
        assert cap.nodes[e.src]["cf:vpid"] == int(r["pid"]) and cap.nodes[e.src]["cf:comm"] == "exercise"


def test_ptrace_attach_and_read(cap, report):
    r = report("tasks")
    tracer, traced = int(r["pid"]), int(r["traced"])
    (attach,) = cap.of_type("ptrace_attach_task")
    assert cap.nodes[attach.src]["cf:vpid"] == tracer and cap.nodes[attach.dst]["cf:vpid"] == traced
    assert arg(attach) & 0x2  # PTRACE_MODE_ATTACH
    reads = cap.of_type("ptrace_read_task")  # kcmp: the child's state flows to the tracer
    assert len(reads) == 1
    assert cap.nodes[reads[0].src]["cf:vpid"] == traced and cap.nodes[reads[0].dst]["cf:vpid"] == tracer
    assert arg(reads[0]) & 0x1  # PTRACE_MODE_READ


def test_ptrace_traceme_goes_to_the_parent(cap, report):
    r = report("tasks")
    (edge,) = cap.of_type("ptrace_traceme")
    assert edge.kind == "wasInformedBy"
    assert cap.nodes[edge.src]["cf:vpid"] == int(r["traceme"])
    assert cap.nodes[edge.dst]["cf:vpid"] == int(r["pid"])


def test_signal_to_a_task_out_of_scope(artifacts):
    """The sender is audited, the target is not: the target appears as the
    end of the kill edge, and records nothing itself (not even its exit)."""
    r = load_report(artifacts("hooks2") / "killpid.txt")
    audit = load_prov(artifacts("hooks2") / "audit.prov.json")
    (edge,) = audit.of_type("kill")
    target = audit.nodes[edge.dst]
    assert target["cf:pid"] == int(r["killed"]) and target["cf:comm"] == "sleep"
    assert arg(edge) == int(r["kill_signal"])
    assert audit.nodes[edge.src]["cf:comm"] == "exercise"
    assert int(r["target_status"]) == 128 + int(r["kill_signal"])
    others = [e for e in audit.edges if e is not edge
              and target["cf:id"] in (audit.nodes[e.src]["cf:id"], audit.nodes[e.dst]["cf:id"])]
    assert others == []


# ---- mounts --------------------------------------------------------------------------


@pytest.mark.parametrize("action,key,flags", [("mount", "mounted", "mount_flags"),
                                             ("umount", "unmounted", "umount_flags")])
def test_mount_and_umount_name_the_mount_point(cap, events, report, action, key, flags):
    r = report("mount")
    found = actions_on(events, action, r[key])
    assert len(found) == 1 and found[0]["object_kind"] == "directory"
    edges = [e for e in cap.of_type(action) if e.dst in cap.nodes_named(r[key])]
    assert len(edges) == 1 and edges[0].kind == "wasGeneratedBy"
    assert arg(edges[0]) == int(r[flags])
