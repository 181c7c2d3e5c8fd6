# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""test_ipc.py: System V IPC and POSIX message queues (record class ipc), and
the opt-in class perm (inode_permission). tests/vm/scenarios/26-ipc.sh ran
tests/vm/progs/ipc in an audited container (capture "ipc"; reports
ipc.<msg|shm|sem|mq|leave>.txt, key=value lines), the same with --classes
proc,file,net,sys (capture "noipc"), and `cat /etc/hostname` with --classes
all,perm and with the default classes (captures perm-all_perm, perm-all)."""

import json
import os
import subprocess

import networkx as nx
import pytest
from provgraph import REPO, load_jsonl, load_prov, load_report, prov_check

SHM_RDONLY = 0o10000
IPC_STAT, SETVAL, GETVAL = 2, 16, 12
IPC_RELATIONS = {"ipc_create", "ipc_destroy", "ipc_ctl", "msg_send", "msg_enqueue",
                 "msg_dequeue", "msg_receive", "shm_read", "shm_write", "shm_detach",
                 "sem_read", "sem_write", "mq_send", "mq_receive"}
IPC_KINDS = {"msg_queue", "msg", "shm", "sem"}
PERM_RELATIONS = {"perm_read", "perm_write", "perm_exec"}
REPORTS = ("msg", "shm", "sem", "mq", "leave")  # the report of each step (26-ipc.sh)


@pytest.fixture
def out(artifacts):
    return artifacts("ipc")


@pytest.fixture
def cap(out):
    return load_prov(out / "ipc.prov.json")


@pytest.fixture
def report(out):
    return lambda name: load_report(out / f"ipc.{name}.txt")


def arg(edge):
    return edge.attrs.get("cf:relation_arg", 0)


def ident(cap, node):
    return cap.nodes[node]["cf:id"]


def edges_of(cap, relation, **ends):
    """Edges of a relation whose ends (src, dst) satisfy the given tests."""
    found = []
    for e in cap.of_type(relation):
        if all(test(cap.nodes[getattr(e, end)]) for end, test in ends.items()):
            found.append(e)
    return found


def task_of(pid):
    """A task by its pid in the container's pid namespace (what the reports print)."""
    return lambda a: a.get("prov:type") == "task" and a.get("cf:vpid") == pid


def object_with(kind, **attrs):
    return lambda a: a.get("prov:type") == kind and all(
        a.get(f"cf:{k}") == v for k, v in attrs.items())


@pytest.mark.parametrize("capture", ["ipc", "noipc", "perm-all_perm", "perm-all"])
def test_captures_are_valid_acyclic_prov(out, capture):
    summary = prov_check(out / f"{capture}.prov.json", strict=True)
    assert summary["acyclic"] is True


def test_every_ipc_hook_was_attached(out):
    stderr = (out / "ipc.stderr").read_text()
    assert "not recorded" not in stderr, stderr


# ---- System V message queue --------------------------------------------------


def test_msgget_creates_the_queue_with_its_key_and_id(cap, report):
    r = report("msg")
    key, qid, parent = int(r["msg_key"]), int(r["msg_id"]), int(r["receiver_pid"])
    created = edges_of(cap, "ipc_create", src=task_of(parent),
                       dst=object_with("msg_queue", key=key, ipc_id=qid))
    assert len(created) == 1 and created[0].kind == "wasGeneratedBy"
    assert arg(created[0]) == key
    queue = cap.nodes[created[0].dst]
    assert queue["cf:mode"] == "0600" and queue["cf:cuid"] == 0
    assert queue["prov:label"] == f"msg_queue id {qid} key {key:#010x}"


def test_msgget_of_the_existing_key_opens_the_queue(cap, report):
    r = report("msg")
    opened = edges_of(cap, "open", src=object_with("msg_queue", key=int(r["msg_key"])),
                      dst=task_of(int(r["sender_pid"])))
    assert len(opened) == 1 and opened[0].kind == "used" and arg(opened[0]) == 0


def test_a_message_flows_sender_message_queue_message_receiver(cap, report):
    """msgsnd in the child, msgrcv in the parent: task -> msg -> queue -> msg
    -> task, the message's two ends being versions of one node."""
    r = report("msg")
    sender, receiver = int(r["sender_pid"]), int(r["receiver_pid"])
    queue = object_with("msg_queue", ipc_id=int(r["msg_id"]))
    message = object_with("msg", msg_type=int(r["msg_type"]), size=int(r["msg_bytes"]))
    (send,) = edges_of(cap, "msg_send", src=task_of(sender), dst=message)
    (enqueue,) = edges_of(cap, "msg_enqueue", src=message, dst=queue)
    (dequeue,) = edges_of(cap, "msg_dequeue", src=queue, dst=message)
    (receive,) = edges_of(cap, "msg_receive", src=message, dst=task_of(receiver))
    assert send.dst == enqueue.src and enqueue.dst == dequeue.src and dequeue.dst == receive.src
    assert ident(cap, send.dst) == ident(cap, receive.src)
    assert cap.nodes[receive.src]["cf:version"] > cap.nodes[send.dst]["cf:version"]
    assert [e.kind for e in (send, enqueue, dequeue, receive)] == \
        ["wasGeneratedBy", "wasDerivedFrom", "wasDerivedFrom", "used"]
    assert arg(send) == 5 and arg(enqueue) == 5 and arg(receive) == 5
    assert cap.nodes[send.dst]["cf:key"] == int(r["msg_key"])
    assert nx.has_path(cap.graph(), send.src, receive.dst)
    # each edge is written by the acting task (host pids in the edges)
    assert send.attrs["cf:pid"] == cap.nodes[send.src]["cf:pid"]
    assert receive.attrs["cf:pid"] == cap.nodes[receive.dst]["cf:pid"] != send.attrs["cf:pid"]


def test_msgctl_stat_reads_and_rmid_removes(cap, report):
    r = report("msg")
    queue, parent = object_with("msg_queue", ipc_id=int(r["msg_id"])), task_of(int(r["receiver_pid"]))
    (stat,) = edges_of(cap, "ipc_ctl", src=queue, dst=parent)
    assert arg(stat) == IPC_STAT and stat.kind == "used"
    (rmid,) = edges_of(cap, "ipc_destroy", src=parent, dst=queue)
    assert arg(rmid) == 0


# ---- shared memory -----------------------------------------------------------


def test_shm_segment_attributes_and_attach_directions(cap, report):
    r = report("shm")
    seg = object_with("shm", key=int(r["shm_key"]), ipc_id=int(r["shm_id"]),
                      size=int(r["shm_size"]))
    writer, reader = task_of(int(r["shm_writer_pid"])), task_of(int(r["shm_reader_pid"]))
    assert len(edges_of(cap, "ipc_create", src=writer, dst=seg)) == 1
    assert len(edges_of(cap, "shm_read", src=seg, dst=writer)) == 1
    assert len(edges_of(cap, "shm_write", src=writer, dst=seg)) == 1
    (read,) = edges_of(cap, "shm_read", src=seg, dst=reader)
    assert arg(read) == SHM_RDONLY
    assert edges_of(cap, "shm_write", src=reader) == []
    # what the parent wrote reaches the child through the segment
    (write,) = edges_of(cap, "shm_write", src=writer, dst=seg)
    assert nx.has_path(cap.graph(), write.src, read.dst)


def test_shmdt_detaches_once_per_successful_call(cap, report):
    """The parent's shmdt succeeds once and its second one fails (EINVAL):
    one edge. The child's shmdt, and the end at its exit of the mapping it
    inherited at fork, are the same relation from the same task version:
    merged into one edge."""
    r = report("shm")
    seg = object_with("shm", ipc_id=int(r["shm_id"]))
    for pid in (r["shm_reader_pid"], r["shm_writer_pid"]):
        detach = edges_of(cap, "shm_detach", src=task_of(int(pid)), dst=seg)
        assert len(detach) == 1 and detach[0].kind == "wasGeneratedBy"
        assert detach[0].attrs["cf:pid"] == cap.nodes[detach[0].src]["cf:pid"]


def test_exit_detaches_a_segment_left_attached(cap, report):
    """`ipc leave` exits with its segment attached: exit ends the attachment."""
    left = report("leave")
    seg = object_with("shm", ipc_id=int(left["left_shm_id"]), key=int(left["left_key"]))
    (attach,) = edges_of(cap, "shm_write", dst=seg)
    (detach,) = edges_of(cap, "shm_detach", dst=seg)
    assert cap.nodes[detach.src]["cf:id"] == cap.nodes[attach.src]["cf:id"]
    assert detach.attrs["cf:date"] > attach.attrs["cf:date"]


# ---- semaphores ----------------------------------------------------------------


def test_semaphore_operations(cap, report):
    r = report("sem")
    sem, task = object_with("sem", key=int(r["sem_key"]), ipc_id=int(r["sem_id"]),
                            nsems=int(r["sem_nsems"])), task_of(int(r["sem_pid"]))
    assert len(edges_of(cap, "ipc_create", src=task, dst=sem)) == 1
    assert [arg(e) for e in edges_of(cap, "ipc_ctl", src=task, dst=sem)] == [SETVAL]
    assert [arg(e) for e in edges_of(cap, "ipc_ctl", src=sem, dst=task)] == [GETVAL]
    # semop -1 alters (read and write, 1 op); wait-for-zero of 2 ops only reads
    assert sorted(arg(e) for e in edges_of(cap, "sem_read", src=sem, dst=task)) == [1, 2]
    assert [arg(e) for e in edges_of(cap, "sem_write", src=task, dst=sem)] == [1]
    assert len(edges_of(cap, "ipc_destroy", src=task, dst=sem)) == 1


# ---- POSIX message queue -------------------------------------------------------


def test_posix_queue_send_and_receive(cap, report):
    r = report("mq")
    name, size = r["mq_name"], int(r["mq_bytes"])
    queue = lambda a: a.get("prov:type") == "mqueue"  # noqa: E731
    (send,) = edges_of(cap, "mq_send", src=task_of(int(r["mq_sender_pid"])), dst=queue)
    (receive,) = edges_of(cap, "mq_receive", src=queue, dst=task_of(int(r["mq_receiver_pid"])))
    assert arg(send) == size and arg(receive) == size
    assert ident(cap, send.dst) == ident(cap, receive.src)
    assert name in cap.paths_of(send.dst)
    assert nx.has_path(cap.graph(), send.src, receive.dst)


# ---- every format --------------------------------------------------------------


def host_pid(cap, vpid):
    (pid,) = {a["cf:pid"] for a in cap.nodes.values()
              if a.get("prov:type") == "task" and a.get("cf:vpid") == vpid}
    return pid


def test_jsonl_names_ipc_objects(out, cap, report):
    r = report("msg")
    events = load_jsonl(out / "ipc.jsonl")
    name = f"id {r['msg_id']} key {int(r['msg_key']):#010x}"
    created = [e for e in events if e["action"] == "ipc_create" and e["object_kind"] == "msg_queue"
               and e["object"] == name]
    assert len(created) == 1 and created[0]["pid"] == host_pid(cap, int(r["receiver_pid"]))
    mq = report("mq")
    sent = [e for e in events if e["action"] == "mq_send"]
    assert [(e["object_kind"], e["object"], e["pid"]) for e in sent] == \
        [("mqueue", mq["mq_name"], host_pid(cap, int(mq["mq_sender_pid"])))] + \
        [("mqueue", "/sabpf_ipc_left", e["pid"]) for e in sent[1:]]


def test_spade_vertices_carry_ipc_annotations(out, report):
    r = report("shm")
    lines = [json.loads(x) for x in (out / "ipc.spade.json").read_text().splitlines() if x]
    segs = [v for v in lines if v.get("type") == "Artifact"
            and v["annotations"].get("subtype") == "shm"
            and v["annotations"].get("ipc_id") == r["shm_id"]]
    assert segs and all(v["annotations"]["key"] == r["shm_key"] and
                        v["annotations"]["size"] == r["shm_size"] for v in segs)


def test_dot_and_summary_show_ipc_objects(out, report):
    msg, mq = report("msg"), report("mq")
    dot = (out / "ipc.dot").read_text()
    assert "box3d" in dot and f"id {msg['msg_id']} key {int(msg['msg_key']):#010x}" in dot
    summary = json.loads((out / "ipc.summary.json").read_text())
    (ctr,) = summary["containers"]
    assert f"msg_queue id {msg['msg_id']} key {int(msg['msg_key']):#010x}" in ctr["ipc"]
    assert f"mqueue {mq['mq_name']}" in ctr["ipc"]


def test_raw_capture_converts_to_the_same_prov(out, tmp_path):
    again = tmp_path / "again.prov.json"
    subprocess.run([str(REPO / "build/sabpf"), "convert", "-o", f"prov:{again}",
                    str(out / "ipc.raw")], check=True)
    a, b = load_prov(again), load_prov(out / "ipc.prov.json")
    assert a.nodes == b.nodes and len(a.edges) == len(b.edges)


# ---- scope, and no state left ------------------------------------------------------


def test_no_ipc_record_without_the_ipc_class(out):
    cap = load_prov(out / "noipc.prov.json")
    assert {e.type for e in cap.edges} & IPC_RELATIONS == set()
    assert {a.get("prov:type") for a in cap.nodes.values()} & IPC_KINDS == set()
    # the run did record: the file class saw the five reports written, and nothing else
    written = {os.path.basename(p) for e in cap.of_type("write") for p in cap.paths_of(e.dst)}
    assert written == {f"noipc.{r}.txt" for r in REPORTS}
    stats = json.loads((out / "noipc.stats.json").read_text())
    assert stats["ipc_entries_left"] == 0 and stats["exit_status"] == 0


def test_no_loss_and_no_ipc_state_left(out, report):
    """The objects `ipc leave` did not remove (a queue holding a message, a
    segment, a semaphore set, a POSIX queue holding a message) are freed
    with the container's IPC namespace, and the free hooks emptied every map."""
    left = report("leave")
    cap = load_prov(out / "ipc.prov.json")
    kinds = {cap.nodes[e.dst]["prov:type"] for e in cap.of_type("ipc_create")
             if cap.nodes[e.dst].get("cf:key") == int(left["left_key"])}
    assert kinds == {"msg_queue", "shm", "sem"}
    stats = json.loads((out / "ipc.stats.json").read_text())
    assert stats["lost"] == stats["kernel_lost"] == stats["seq_missing"] == 0
    assert stats["ipc_entries_left"] == 0
    assert stats["cred_entries_left"] == 0 and stats["file_entries_left"] == 0
    assert stats["entries_purged"] <= 3
    assert stats["exit_status"] == 0


# ---- inode_permission (opt-in) -----------------------------------------------------


def test_inode_permission_is_recorded_with_the_perm_class(out):
    cap = load_prov(out / "perm-all_perm.prov.json")
    hostname = cap.nodes_named("/etc/hostname")
    reads = [e for e in cap.of_type("perm_read") if e.src in hostname]
    assert reads and all(e.kind == "used" and arg(e) & 4 for e in reads)
    searched = [e for e in cap.of_type("perm_exec")
                if cap.nodes[e.src]["prov:type"] == "directory"]
    assert searched and all(arg(e) & 1 for e in searched)
    assert all(cap.nodes[e.dst].get("cf:comm") == "cat" or cap.nodes[e.dst]["prov:type"] == "task"
               for e in reads + searched)


# what each capture opened (by base name): cat its file; the ipc run its
# program (one exec per step), its five reports and its two POSIX queues
OPENED = {"perm-all.prov.json": {"hostname"},
          "ipc.prov.json": {"ipc", "sabpf_ipc_mq", "sabpf_ipc_left",
                            *(f"ipc.{r}.txt" for r in REPORTS)}}


@pytest.mark.parametrize("capture", sorted(OPENED))
def test_inode_permission_is_silent_without_it(out, capture):
    cap = load_prov(out / capture)
    assert {e.type for e in cap.edges} & PERM_RELATIONS == set()
    # the file class did record: exactly the files the run opened
    opened = {os.path.basename(p) for e in cap.of_type("open") for p in cap.paths_of(e.src)}
    assert opened == OPENED[capture]
