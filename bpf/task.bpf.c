/* SPDX-License-Identifier: GPL-2.0 */
/* task.bpf.c: tasks and process memory: clone (task_alloc), exit
 * (task_free), exec (bprm_committed_creds, with the executable's path and
 * argv), credential changes (task_fix_setuid, task_fix_setgid), signals
 * (task_kill), ptrace (ptrace_access_check, ptrace_traceme) and the
 * life of process-memory nodes, kept with struct cred (cred_prepare,
 * cred_free). Included into sabpf.bpf.c after the lib/ headers. */

/* ---- process memory (kept with struct cred) -------------------------- */

/* The process-memory node of a credential, made on first use. */
static __always_inline struct prov_node *mem_state_of_cred(const struct cred *cred, __u32 pid,
							   __u64 container)
{
	__u64 key = (__u64)cred;
	struct prov_node *m = bpf_map_lookup_elem(&cred_map, &key);
	if (!m) {
		struct prov_node fresh;
		node_init(&fresh, SABPF_NODE_PROC_MEM, container);
		lost_if_failed(bpf_map_update_elem(&cred_map, &key, &fresh, BPF_NOEXIST), container,
			       SABPF_LOST_CRED_MAP);
		m = bpf_map_lookup_elem(&cred_map, &key);
		if (!m)
			return 0;
	}
	mem_record(m, cred, pid);
	return m;
}

static __always_inline struct prov_node *current_mem_state(__u64 container)
{
	struct task_struct *task = bpf_get_current_task_btf();
	return mem_state_of_cred(task->real_cred, task->tgid, container);
}

/* ---- hooks ----------------------------------------------------------- */

SEC("lsm/task_alloc")
int BPF_PROG(on_task_alloc, struct task_struct *child, unsigned long clone_flags)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_PROC))
		return 0;
	struct prov_task *parent = hook_task(&h);
	struct prov_task *cs = task_state_of(child, h.scope);
	if (!parent || !cs)
		return 0;
	/* The child's pid is not assigned yet: its NODE record is written at
	 * its first event, or when it is freed. */
	edge_write(SABPF_REL_CLONE, &parent->node, &cs->node, clone_flags, h.container);

	if (clone_flags & CLONE_THREAD)
		return 0; /* threads share the process memory (and the cred) */
	/* A new process gets memory of its own; it is recorded, with the
	 * child's pid, in sched_process_fork. */
	__u64 key = (__u64)child->real_cred;
	struct prov_node fresh;
	node_init(&fresh, SABPF_NODE_PROC_MEM, h.container);
	lost_if_failed(bpf_map_update_elem(&cred_map, &key, &fresh, BPF_ANY), h.container,
		       SABPF_LOST_CRED_MAP);
	cs->clone_flags = (__u32)clone_flags;
	return 0;
}

/* The child's NODE record, and for a new process the node of its memory,
 * as soon as its pid is known: task_alloc runs before the pid is assigned,
 * this tracepoint right after. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_PROC))
		return 0;
	struct prov_task *cs = bpf_task_storage_get(&task_store, child, 0, 0);
	if (!cs || !cs->node.id)
		return 0;
	task_record(cs, child);
	if (child->tgid == parent->tgid)
		return 0; /* a thread */
	__u64 key = (__u64)child->real_cred;
	struct prov_node *child_mem = bpf_map_lookup_elem(&cred_map, &key);
	struct prov_node *parent_mem = current_mem_state(cs->node.container);
	if (!child_mem || !parent_mem)
		return 0;
	mem_record(child_mem, child->real_cred, child->tgid);
	edge_write(SABPF_REL_CLONE_MEM, parent_mem, child_mem, cs->clone_flags, cs->node.container);
	return 0;
}

SEC("lsm/task_free")
void BPF_PROG(on_task_free, struct task_struct *task)
{
	/* Runs in any context (often an RCU callback), and often after the
	 * container's cgroup is gone: the task's own state, not the current
	 * cgroup, says whether it was audited, and for which classes. */
	struct prov_task *ts = bpf_task_storage_get(&task_store, task, 0, 0);
	if (!ts)
		return;
	if (ts->node.id && (ts->classes & SABPF_CLASS_PROC)) {
		task_record(ts, task);
		edge_write_refs(SABPF_REL_TERMINATE, &ts->node, ts->node.version, &ts->node,
				ts->node.version + 1, 0, ts->node.container, task);
	}
	bpf_task_storage_delete(&task_store, task);
}

/* Copies the argv strings of an exec (they sit at bprm->p in the new mm,
 * followed by the environment, which is never sent) into s. */
static __always_inline void argv_read(struct prov_scratch *s, struct linux_binprm *bprm)
{
	argv_read_range(s, BPF_CORE_READ(bprm, p),
			BPF_CORE_READ(bprm, exec) /* where the file name starts */,
			BPF_CORE_READ(bprm, argc));
}

SEC("lsm/bprm_committed_creds")
void BPF_PROG(on_bprm_committed_creds, struct linux_binprm *bprm)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_PROC))
		return;
	struct task_struct *task = bpf_get_current_task_btf();
	struct prov_task *ts = task_state_of(task, h.scope);
	if (!ts)
		return;
	task_exec_version(ts, task, h.container);

	struct file *file = bprm->file;
	struct prov_inode *is = inode_state_of(file->f_inode, h.container);
	if (is) {
		inode_named_by_path(is, &file->f_path, h.container);
		edge_write(SABPF_REL_EXEC, &is->node, &ts->node, 0, h.container);
	}

	struct prov_scratch *s = name_scratch_get();
	if (!s)
		return;
	argv_read(s, bprm);
	argv_send(s, ts, h.container);
}

/* Credentials: prepare_creds copies the process-memory node to the new
 * cred, so it survives commit_creds; fork gives the child a node of its own
 * (task_alloc); the entry goes with the cred. */
SEC("lsm/cred_prepare")
int BPF_PROG(on_cred_prepare, struct cred *new, const struct cred *old, gfp_t gfp)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_PROC))
		return 0;
	__u64 old_key = (__u64)old, new_key = (__u64) new;
	struct prov_node *m = bpf_map_lookup_elem(&cred_map, &old_key);
	if (m) {
		struct prov_node copy = *m;
		lost_if_failed(bpf_map_update_elem(&cred_map, &new_key, &copy, BPF_ANY),
			       h.container, SABPF_LOST_CRED_MAP);
	}
	return 0;
}

SEC("lsm/cred_free")
void BPF_PROG(on_cred_free, struct cred *cred)
{
	__u64 key = (__u64)cred;
	bpf_map_delete_elem(&cred_map, &key);
}

/* New credentials (setuid family, setgroups, capset): the process memory
 * of the new cred gets a new version carrying the new ids, written by the
 * task. */
static __always_inline void cred_change(struct hook *h, struct cred *new, __u32 relation, __u64 arg)
{
	struct prov_task *ts = hook_task(h);
	struct prov_node *m =
	    mem_state_of_cred(new, bpf_get_current_pid_tgid() >> 32, h->container);
	if (ts && m)
		cred_new_version(ts, m, new, relation, arg, h->container);
}

/* setuid and setgid families; the ids are read past the prelude, so that
 * the out-of-scope path stays one lookup. */
static __always_inline int id_change(struct cred *new, __u32 relation)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_PROC))
		return 0;
	cred_change(&h, new, relation, id_change_arg(new, relation));
	return 0;
}

SEC("lsm/task_fix_setuid")
int BPF_PROG(on_task_fix_setuid, struct cred *new, const struct cred *old, int flags)
{
	return id_change(new, SABPF_REL_SETUID);
}

SEC("lsm/task_fix_setgid")
int BPF_PROG(on_task_fix_setgid, struct cred *new, const struct cred *old, int flags)
{
	return id_change(new, SABPF_REL_SETGID);
}

/* ---- tasks acting on other tasks -------------------------------------- */

/* The node of another task that an audited task acts on (signal, ptrace).
 * It may be out of scope: it then gets a node, so that repeated acts name
 * the same node, but no record class, so it records nothing itself (not
 * even its exit). */
static __always_inline struct prov_task *peer_task_state(struct task_struct *task, __u64 container)
{
	struct prov_task *ts =
	    bpf_task_storage_get(&task_store, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts) {
		lost_count(container, SABPF_LOST_STORAGE, 0);
		return 0;
	}
	if (ts->node.id == 0)
		node_init(&ts->node, SABPF_NODE_TASK, container);
	task_record(ts, task);
	return ts;
}

/* Information from the current task to another one, or back. A task
 * acting on itself is left out: its two ends would be one node version. */
static __always_inline void task_to_task(struct hook *h, struct task_struct *other, __u32 relation,
					 __u64 arg, int to_current)
{
	if (BPF_CORE_READ(other, pid) == (__u32)bpf_get_current_pid_tgid())
		return;
	struct prov_task *ts = hook_task(h);
	struct prov_task *peer = peer_task_state(other, h->container);
	if (!ts || !peer)
		return;
	if (to_current)
		edge_write(relation, &peer->node, &ts->node, arg, h->container);
	else
		edge_write(relation, &ts->node, &peer->node, arg, h->container);
}

/* A signal sent by the current task. Only user-sent signals reach this
 * hook with cred == NULL: signals the kernel sends itself (SIGCHLD,
 * SIGALRM, SIGPIPE...) skip the permission check, and a signal sent on
 * behalf of a credential (USB async I/O, possibly in interrupt context)
 * comes with that cred, the current task being unrelated: both are left
 * out, as is signal 0 (a mere existence check). */
SEC("lsm/task_kill")
int BPF_PROG(on_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_PROC))
		return 0;
	/* cred as a plain value: the verifier takes a hook's pointer
	 * arguments for non-NULL and would drop the test. */
	if (sig == 0 || as_value(cred))
		return 0;
	task_to_task(&h, p, SABPF_REL_KILL, sig, 0);
	return 0;
}

/* ptrace and the accesses it guards (/proc/PID/mem, process_vm_readv,
 * kcmp...): attaching lets the tracer write into the child; reading lets
 * the child's state flow to the tracer. */
SEC("lsm/ptrace_access_check")
int BPF_PROG(on_ptrace_access_check, struct task_struct *child, unsigned int mode)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_PROC))
		return 0;
	if (mode & PTRACE_MODE_ATTACH)
		task_to_task(&h, child, SABPF_REL_PTRACE_ATTACH_TASK, mode, 0);
	else if (mode & PTRACE_MODE_READ)
		task_to_task(&h, child, SABPF_REL_PTRACE_READ_TASK, mode, 1);
	return 0;
}

/* PTRACE_TRACEME: the task hands itself to its parent. */
SEC("lsm/ptrace_traceme")
int BPF_PROG(on_ptrace_traceme, struct task_struct *parent)
{
	struct hook h;
	if (hook_enter(&h, SABPF_CLASS_PROC))
		task_to_task(&h, parent, SABPF_REL_PTRACE_TRACEME, 0, 0);
	return 0;
}
