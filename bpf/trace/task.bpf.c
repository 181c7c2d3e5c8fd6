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

/* The clone edge. Its arg: the flags of clone(2) (read from the parent's
 * saved registers), CLONE_THREAD for a thread made by clone3, else 0. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(trace_fork, struct task_struct *parent, struct task_struct *child)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_PROC))
		return 0;
	struct prov_task *ps = hook_task(&h);
	struct prov_task *cs = task_state_of(child, h.scope);
	if (!ps || !cs)
		return 0;
	task_record(cs, child);
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	__u64 flags = 0;
	if (BPF_CORE_READ(regs, orig_ax) == NR_clone)
		flags = BPF_CORE_READ(regs, di);
	else if (child->tgid == parent->tgid)
		flags = CLONE_THREAD;
	edge_write(SABPF_REL_CLONE, &ps->node, &cs->node, flags, h.container);
	return 0;
}

static __always_inline void trace_argv_read(struct prov_scratch *s, struct linux_binprm *bprm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	argv_read_range(s, BPF_CORE_READ(task, mm, arg_start), BPF_CORE_READ(task, mm, arg_end),
			BPF_CORE_READ(bprm, argc));
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(trace_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_PROC))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct prov_task *ts = task_state_of(task, h.scope);
	if (!ts)
		return 0;
	task_exec_version(ts, task, h.container);
	struct file *file = bprm->file;
	struct prov_inode *is = trace_inode_state(file->f_inode, h.container, 0);
	if (is) {
		trace_inode_named(is, file, h.container, &ts->node, 0);
		edge_write(SABPF_REL_EXEC, &is->node, &ts->node, 0, h.container);
	}
	struct prov_scratch *s = name_scratch_get();
	if (!s)
		return 0;
	trace_argv_read(s, bprm);
	argv_send(s, ts, h.container);
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
		task_record(ts, task);
		edge_write_refs(SABPF_REL_TERMINATE, &ts->node, ts->node.version, &ts->node,
				ts->node.version + 1, 0, ts->node.container, task);
	}
	bpf_task_storage_delete(&task_store, task);
	return 0;
}
