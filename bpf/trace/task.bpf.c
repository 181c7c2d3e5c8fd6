/* SPDX-License-Identifier: GPL-2.0 */
/* trace/task.bpf.c: process life for the trace backend, from the scheduler
 * tracepoints: sched_process_fork (the clone edge and the child's node),
 * sched_process_exec (a new task version, the executable's inode with its
 * rebuilt path, argv) and sched_process_exit (the terminate edge). Task
 * nodes live in task local storage, as in the LSM backend. Not (yet):
 * process-memory nodes (kept with struct cred, whose free has no
 * tracepoint), credential changes, signals, ptrace. Included into
 * trace.bpf.c. */

#define NR_clone 56

static __always_inline struct prov_task *trace_task_state(struct task_struct *task,
							  const struct sabpf_scope *scope)
{
	struct prov_task *ts =
	    bpf_task_storage_get(&task_store, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts && ts->node.id == 0)
		node_init(&ts->node, SABPF_NODE_TASK, scope->container);
	if (ts && ts->classes == 0)
		ts->classes = scope->classes;
	return ts;
}

static __always_inline void trace_task_record(struct prov_task *ts, struct task_struct *task)
{
	if (ts->node.recorded)
		return;
	__u32 size = offsetof(struct sabpf_node, task) + sizeof(struct sabpf_task_attrs);
	struct sabpf_node *n = record_reserve_as(size, SABPF_REC_NODE, ts->node.container, task);
	ts->node.recorded = 1;
	if (!n)
		return;
	ref_of(&n->node, &ts->node);
	struct sabpf_task_attrs *t = &n->task;
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
	record_submit(n);
}

/* The current task's node, recorded: what every program starts with. */
static __always_inline struct prov_task *trace_current_task(struct sabpf_scope *scope)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct prov_task *ts = trace_task_state(task, scope);
	if (ts)
		trace_task_record(ts, task);
	return ts;
}

/* An edge between two given node versions, as is (exec, terminate). */
static __always_inline void trace_edge_refs(__u32 relation, const struct prov_node *from,
					    __u32 from_version, const struct prov_node *to,
					    __u32 to_version, __u64 container,
					    struct task_struct *actor)
{
	struct sabpf_edge *e = record_reserve(sizeof(*e), SABPF_REC_EDGE, container);
	if (!e)
		return;
	e->relation = relation;
	e->pid = BPF_CORE_READ(actor, tgid);
	e->tid = BPF_CORE_READ(actor, pid);
	e->uid = BPF_CORE_READ(actor, real_cred, uid.val);
	ref_of(&e->from, from);
	e->from.version = from_version;
	ref_of(&e->to, to);
	e->to.version = to_version;
	e->arg = 0;
	record_submit(e);
}

/* The clone edge. Its arg: the flags of clone(2) (read from the parent's
 * saved registers), CLONE_THREAD for a thread made by clone3, else 0. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(trace_fork, struct task_struct *parent, struct task_struct *child)
{
	struct sabpf_scope *scope = scope_of_current(SABPF_CLASS_PROC);
	if (!scope)
		return 0;
	struct prov_task *ps = trace_current_task(scope);
	struct prov_task *cs = trace_task_state(child, scope);
	if (!ps || !cs)
		return 0;
	trace_task_record(cs, child);
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	__u64 flags = 0;
	if (BPF_CORE_READ(regs, orig_ax) == NR_clone)
		flags = BPF_CORE_READ(regs, di);
	else if (child->tgid == parent->tgid)
		flags = CLONE_THREAD;
	edge_write(SABPF_REL_CLONE, &ps->node, &cs->node, flags, scope->container);
	return 0;
}

/* Scan for the end of the argc-th argv string, as task.bpf.c does. */
struct trace_argv_scan {
	struct prov_scratch *s;
	__u32 avail;
	__u32 argc;
	__u32 end;
};

static long trace_argv_step(__u32 i, void *ctx)
{
	struct trace_argv_scan *a = ctx;
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

/* The argv strings of the exec: by the time sched_process_exec fires the
 * new stack is laid out, and mm->arg_start..arg_end holds them. */
static __always_inline void trace_argv_read(struct prov_scratch *s, struct linux_binprm *bprm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	int argc = BPF_CORE_READ(bprm, argc);
	__u32 avail = end > start ? end - start : 0;

	if (avail > SABPF_ARGV_MAX)
		avail = SABPF_ARGV_MAX;
	s->rec.len = 0;
	s->rec.flags = 0;
	s->rec.argc = argc;
	if (avail == 0 ||
	    bpf_probe_read_user(s->data, bounded(avail, SABPF_ARGV_MAX * 2 - 1), (void *)start))
		return;
	struct trace_argv_scan scan = {.s = s, .avail = avail, .argc = argc, .end = 0};
	s->rec.argc = 0;
	bpf_loop(SABPF_ARGV_MAX, trace_argv_step, &scan, 0);
	if (scan.end) {
		s->rec.len = scan.end;
		return;
	}
	s->rec.len = avail;
	s->rec.flags = SABPF_NAME_TRUNCATED;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(trace_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct sabpf_scope *scope = scope_of_current(SABPF_CLASS_PROC);
	if (!scope)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct prov_task *ts = trace_task_state(task, scope);
	if (!ts)
		return 0;
	if (ts->node.recorded) {
		__u32 old_version = ts->node.version;
		node_new_version(&ts->node);
		trace_task_record(ts, task);
		trace_edge_refs(SABPF_REL_EXEC_TASK, &ts->node, old_version, &ts->node,
				ts->node.version, scope->container, task);
	} else {
		trace_task_record(ts, task);
	}
	struct file *file = bprm->file;
	struct prov_inode *is = trace_inode_state(file->f_inode, scope->container, 0);
	if (is) {
		trace_inode_named(is, file, scope->container, &ts->node, 0);
		edge_write(SABPF_REL_EXEC, &is->node, &ts->node, 0, scope->container);
	}
	struct prov_scratch *s = name_scratch_get();
	if (!s)
		return 0;
	trace_argv_read(s, bprm);
	struct prov_node argv_node;
	node_init(&argv_node, SABPF_NODE_ARGV, scope->container);
	if (name_send(s, &argv_node, scope->container) == 0)
		edge_write(SABPF_REL_ARG, &argv_node, &ts->node, 0, scope->container);
	return 0;
}

/* Each thread's exit. The task's own state says whether it was audited
 * (its cgroup may be going away). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(trace_exit, struct task_struct *p)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct prov_task *ts = bpf_task_storage_get(&task_store, task, 0, 0);
	if (!ts)
		return 0;
	if (ts->node.id && (ts->classes & SABPF_CLASS_PROC)) {
		trace_task_record(ts, task);
		trace_edge_refs(SABPF_REL_TERMINATE, &ts->node, ts->node.version, &ts->node,
				ts->node.version + 1, ts->node.container, task);
	}
	bpf_task_storage_delete(&task_store, task);
	return 0;
}
