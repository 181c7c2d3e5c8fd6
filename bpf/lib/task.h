/* SPDX-License-Identifier: GPL-2.0 */
/* lib/task.h: task nodes, for both backends: the state of a task in task
 * local storage (made on first use, with the scope's container and
 * classes), its NODE record (attributes read from the task), and the
 * argv of an exec read into a NAME record, one byte per bpf_loop step. */
#ifndef SABPF_LIB_TASK_H
#define SABPF_LIB_TASK_H

#include "lib/node.h"
#include "lib/scope.h"

static __always_inline struct prov_task *task_state_of(struct task_struct *task,
						       const struct sabpf_scope *scope)
{
	struct prov_task *ts =
	    bpf_task_storage_get(&task_store, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts)
		lost_count(scope->container, SABPF_LOST_STORAGE, 0);
	if (ts && ts->node.id == 0)
		node_init(&ts->node, SABPF_NODE_TASK, scope->container);
	if (ts && ts->classes == 0) /* new, or first acted on from outside */
		ts->classes = scope->classes;
	return ts;
}

static __always_inline void task_attrs_fill(struct sabpf_task_attrs *t, struct task_struct *task)
{
	const struct cred *cred = BPF_CORE_READ(task, real_cred);

	t->pid = BPF_CORE_READ(task, tgid);
	t->tid = BPF_CORE_READ(task, pid);
	t->ppid = BPF_CORE_READ(task, real_parent, tgid);
	t->uid = BPF_CORE_READ(cred, uid.val);
	t->gid = BPF_CORE_READ(cred, gid.val);
	t->euid = BPF_CORE_READ(cred, euid.val);
	t->egid = BPF_CORE_READ(cred, egid.val);
	task_vpid(task, &t->vpid, &t->pidns);
	t->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	t->utsns = BPF_CORE_READ(task, nsproxy, uts_ns, ns.inum);
	t->ipcns = BPF_CORE_READ(task, nsproxy, ipc_ns, ns.inum);
	t->mntns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	t->netns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	t->cgroupns = BPF_CORE_READ(task, nsproxy, cgroup_ns, ns.inum);
	bpf_probe_read_kernel_str(t->comm, sizeof(t->comm), task->comm);
}

/* Writes the NODE record of the task's current version, once. */
static __always_inline void task_record(struct prov_task *ts, struct task_struct *task)
{
	if (ts->node.recorded)
		return;
	__u32 size = offsetof(struct sabpf_node, task) + sizeof(struct sabpf_task_attrs);
	/* a task node's context is the task's own, whoever is current */
	struct sabpf_node *n = record_reserve_as(size, SABPF_REC_NODE, ts->node.container, task);
	ts->node.recorded = 1;
	if (!n)
		return;
	ref_of(&n->node, &ts->node);
	task_attrs_fill(&n->task, task);
	record_submit(n);
}

/* The current task's state, recorded: what most hooks start with. */
static __always_inline struct prov_task *current_task_state(struct sabpf_scope *scope)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct prov_task *ts = task_state_of(task, scope);
	if (ts)
		task_record(ts, task);
	return ts;
}

/* State of the scan for the end of the argc-th argv string, one byte per
 * bpf_loop step (verified once, not once per byte). The strings ended so
 * far are counted in the scratch map value (s->rec.argc), which the
 * verifier does not track, so the step's states repeat at once. */
struct argv_scan {
	struct prov_scratch *s;
	__u32 avail; /* bytes read */
	__u32 argc;
	__u32 end; /* length up to the end of the argc-th string, 0 until found */
};

static long argv_scan_step(__u32 i, void *ctx)
{
	struct argv_scan *a = ctx;
	struct prov_scratch *s = a->s;
	if (i >= a->avail || !s)
		return 1;
	if (s->data[bounded(i, SABPF_ARGV_MAX - 1)] != 0)
		return 0;
	s->rec.argc++;
	if (s->rec.argc == a->argc) {
		a->end = i + 1;
		return 1;
	}
	return 0;
}

/* Copies the argv strings of an exec, user memory from start to end
 * (argc of them, followed by what is never sent), into s as one NAME:
 * the strings that ended within SABPF_ARGV_MAX bytes, else all of those
 * bytes, flagged as truncated. */
static __always_inline void argv_read_range(struct prov_scratch *s, unsigned long start,
					    unsigned long end, int argc)
{
	__u32 avail = end > start ? end - start : 0;

	if (avail > SABPF_ARGV_MAX)
		avail = SABPF_ARGV_MAX;
	s->rec.len = 0;
	s->rec.flags = 0;
	s->rec.argc = argc;
	if (avail == 0 ||
	    bpf_probe_read_user(s->data, bounded(avail, SABPF_ARGV_MAX * 2 - 1), (void *)start))
		return;
	struct argv_scan scan = {.s = s, .avail = avail, .argc = argc, .end = 0};
	s->rec.argc = 0;
	bpf_loop(SABPF_ARGV_MAX, argv_scan_step, &scan, 0);
	if (scan.end) {
		s->rec.len = scan.end;
		return;
	}
	s->rec.len = avail; /* cut before the last argument ended: argc holds the
			       strings that did end */
	s->rec.flags = SABPF_NAME_TRUNCATED;
}

/* An exec: the task's node gets a new version with the new image's
 * attributes, linked to the old one by an exec_task edge (a task not yet
 * recorded just gets its first NODE record). */
static __always_inline void task_exec_version(struct prov_task *ts, struct task_struct *task,
					      __u64 container)
{
	if (ts->node.recorded) {
		__u32 old_version = ts->node.version;
		node_new_version(&ts->node);
		task_record(ts, task);
		edge_write_refs(SABPF_REL_EXEC_TASK, &ts->node, old_version, &ts->node,
				ts->node.version, 0, container, task);
	} else {
		task_record(ts, task);
	}
}

/* Sends the argv read into s as an ARGV node, with its arg edge to the
 * task. */
static __always_inline void argv_send(struct prov_scratch *s, struct prov_task *ts, __u64 container)
{
	struct prov_node argv_node;
	node_init(&argv_node, SABPF_NODE_ARGV, container);
	if (name_send(s, &argv_node, container) == 0)
		edge_write(SABPF_REL_ARG, &argv_node, &ts->node, 0, container);
}

/* The current task's node for a program past its prelude, recorded, kept
 * in h (h->ts). */
static __always_inline struct prov_task *hook_task(struct hook *h)
{
	h->ts = current_task_state(h->scope);
	return h->ts;
}

#endif /* SABPF_LIB_TASK_H */
