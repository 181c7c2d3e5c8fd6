/* SPDX-License-Identifier: GPL-2.0 */
/* trace/task.bpf.c: process life for the trace backend, from the scheduler
 * tracepoints: sched_process_fork (the clone edge and the child's node),
 * sched_process_exec (a new task version, the executable's inode with its
 * rebuilt path, argv) and sched_process_exit (the terminate edge). Task
 * nodes live in task local storage, as in the LSM backend; process-memory
 * nodes in trace/cred.bpf.c. Not (yet): signals, ptrace. Included into
 * trace.bpf.c after trace/cred.bpf.c. */

#define NR_clone 56
#define NR_fork 57
#define NR_vfork 58
#define NR_clone3 435
#define IA32_fork 2 /* the ia32 numbers of the same calls */
#define IA32_clone 120
#define IA32_vfork 190

/* The flags of the clone that made a process or thread, as the LSM
 * backend's task_alloc sees them (kernel_clone_args.flags: no exit
 * signal): clone(2)'s from the parent's saved registers, less CSIGNAL;
 * clone3's from its struct clone_args in user memory (its first field;
 * read after the kernel's copy, so another thread could have changed it:
 * only the edge's arg, the child's node is the kernel's); fork's none,
 * vfork's CLONE_VFORK | CLONE_VM; a thread the kernel made itself (an
 * io_uring worker) CLONE_THREAD. */
static __always_inline __u64 trace_clone_flags(struct task_struct *parent,
					       struct task_struct *child)
{
	struct task_struct *self = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(self);
	__u64 nr = BPF_CORE_READ(regs, orig_ax), flags = 0;
	__u64 arg0 = BPF_CORE_READ(regs, di);
	if (self->thread_info.status & TS_COMPAT) { /* ia32: its numbers, ebx */
		arg0 = (__u32)BPF_CORE_READ(regs, bx);
		nr = nr == IA32_clone	? NR_clone
		     : nr == IA32_fork	? NR_fork
		     : nr == IA32_vfork ? NR_vfork
		     : nr == NR_clone3	? NR_clone3 /* the same number in both */
					: 0;
	}
	if (nr == NR_clone)
		return arg0 & ~(__u64)CSIGNAL;
	if (nr == NR_clone3 && !bpf_probe_read_user(&flags, sizeof(flags), (void *)arg0))
		return flags;
	if (nr == NR_fork)
		return 0;
	if (nr == NR_vfork)
		return CLONE_VFORK | CLONE_VM;
	return child->tgid == parent->tgid ? CLONE_THREAD : 0;
}

/* The clone edge (arg: the flags, trace_clone_flags) and the child's node,
 * whose attributes hold its namespaces (new ones for CLONE_NEW*); for a
 * new process, its process memory, from the parent's (`clone_mem`). */
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
	__u64 flags = trace_clone_flags(parent, child);
	edge_write(SABPF_REL_CLONE, &ps->node, &cs->node, flags, h.container);
	if (child->tgid == parent->tgid)
		return 0; /* a thread shares the process memory */
	struct prov_node *parent_mem = trace_mem_of(bpf_get_current_task_btf(), h.container);
	struct prov_node *child_mem = trace_mem_of(child, h.container);
	if (parent_mem && child_mem)
		edge_write(SABPF_REL_CLONE_MEM, parent_mem, child_mem, (__u32)flags, h.container);
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
