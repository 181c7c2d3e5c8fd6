/* SPDX-License-Identifier: GPL-2.0 */
/* trace/cred.bpf.c: credentials and namespaces for the trace backend, at
 * the exit of a successful call, with the LSM backend's records:
 *   cred     setuid, setreuid, setresuid (`setuid`, arg uid<<32 | euid),
 *            setgid, setregid, setresgid (`setgid`, arg gid<<32 | egid),
 *            setgroups (`setgroups`, arg: the count), capset (`capset`,
 *            arg 0): the process memory gets a new version with the new
 *            ids (lib/cred.h), task -> process memory
 *   setns    new task version, namespace -> task (lib/ns.h)
 *   unshare  new task version, task -> process memory (arg: the flags)
 * Process-memory nodes: one per process, in the task storage of its
 * thread-group leader (the LSM backend keeps one per struct cred, whose
 * free has no tracepoint), made at fork (`clone_mem`, parent's -> the
 * child's, trace/task.bpf.c) or at first use; they go with the leader.
 * setfsuid and setfsgid are not recorded (they return the old id, not
 * whether it changed). Included into trace.bpf.c before trace/task.bpf.c. */

#define NR_setuid 105
#define NR_setgid 106
#define NR_setreuid 113
#define NR_setregid 114
#define NR_setgroups 116
#define NR_setresuid 117
#define NR_setresgid 119
#define NR_capset 126

/* Process memory of a process, keyed by its thread-group leader. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct prov_node);
} trace_mem_store SEC(".maps");

/* The process-memory node of task's process, made on first use and
 * recorded. */
static __always_inline struct prov_node *trace_mem_of(struct task_struct *task, __u64 container)
{
	struct prov_node *m = bpf_task_storage_get(&trace_mem_store, task->group_leader, 0,
						   BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!m) {
		lost_count(container, SABPF_LOST_STORAGE, 0);
		return 0;
	}
	if (m->id == 0)
		node_init(m, SABPF_NODE_PROC_MEM, container);
	mem_record(m, task->real_cred, task->tgid);
	return m;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_cred, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_SYS | SABPF_CLASS_PROC);
	if (!a || ret != 0)
		return 0;
	__u32 nr = (__u32)a->nr;
	if (!(h.scope->classes & (nr == NR_capset ? SABPF_CLASS_SYS : SABPF_CLASS_PROC)))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	const struct cred *cred = task->real_cred;
	__u32 relation;
	__u64 arg = 0;
	switch (nr) {
	case NR_setuid:
	case NR_setreuid:
	case NR_setresuid:
		relation = SABPF_REL_SETUID;
		arg = id_change_arg(cred, relation);
		break;
	case NR_setgid:
	case NR_setregid:
	case NR_setresgid:
		relation = SABPF_REL_SETGID;
		arg = id_change_arg(cred, relation);
		break;
	case NR_setgroups:
		relation = SABPF_REL_SETGROUPS;
		arg = (__u32)a->a[0];
		break;
	case NR_capset:
		relation = SABPF_REL_CAPSET;
		break;
	default:
		return 0;
	}
	struct prov_task *ts = hook_task(&h);
	struct prov_node *m = trace_mem_of(task, h.container);
	if (ts && m)
		cred_new_version(ts, m, cred, relation, arg, h.container);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_setns, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_SYS);
	if (a && ret == 0)
		setns_done(h.scope, (int)a->a[0], (__u32)a->a[1], h.container);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_unshare, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_SYS);
	if (!a || ret != 0)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct prov_task *ts = task_state_of(task, h.scope);
	struct prov_node *m = trace_mem_of(task, h.container);
	if (ts && m)
		unshare_done(ts, m, a->a[0], h.container);
	return 0;
}
