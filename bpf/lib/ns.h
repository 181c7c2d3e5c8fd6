/* SPDX-License-Identifier: GPL-2.0 */
/* lib/ns.h: namespace changes of a task, for both backends, recorded at
 * the exit of a successful setns(2) or unshare(2) (LSM: fexit on the
 * syscall, system.bpf.c; trace: the sys_exit tracepoint,
 * trace/cred.bpf.c), so the task's new namespaces are read from the task
 * itself:
 *   setns    a new version of the task (version_activity), then `setns`
 *            namespace -> task (arg: the namespace type) for the namespace
 *            joined (an nsfs descriptor), or for each type asked for (a
 *            pidfd); NAMESPACE nodes have the id SABPF_NS_ID_BASE | inum
 *   unshare  a new version of the task, then `unshare` task -> its
 *            process memory (arg: the flags)
 * A new task's namespaces (clone with CLONE_NEW*) are the attributes of
 * its first NODE record (lib/task.h). */
#ifndef SABPF_LIB_NS_H
#define SABPF_LIB_NS_H

#include "lib/path.h"
#include "lib/task.h"

/* A new version of the task, with its attributes read again (its
 * namespaces changed), linked to the previous one. */
static __always_inline void task_new_attributes(struct prov_task *ts, struct task_struct *task,
						__u64 container)
{
	if (!ts->node.recorded) {
		task_record(ts, task);
		return;
	}
	__u32 old_version = ts->node.version;
	node_new_version(&ts->node);
	task_record(ts, task);
	edge_write_refs(SABPF_REL_VERSION_ACTIVITY, &ts->node, old_version, &ts->node,
			ts->node.version, 0, container, task);
}

/* A namespace informs the task (setns): its NODE record (id from its inode
 * number, see SABPF_NS_ID_BASE), then the edge. */
static __always_inline void namespace_to_task(__u32 inum, __u32 nstype, struct prov_task *ts,
					      __u64 container)
{
	if (!inum)
		return;
	struct prov_node ns;
	node_init(&ns, SABPF_NODE_NAMESPACE, container);
	ns.id = SABPF_NS_ID_BASE | inum;
	__u32 size = offsetof(struct sabpf_node, ns) + sizeof(struct sabpf_ns_attrs);
	struct sabpf_node *rec = record_reserve(size, SABPF_REC_NODE, container);
	if (!rec)
		return;
	ref_of(&rec->node, &ns);
	rec->ns.inum = inum;
	rec->ns.nstype = nstype;
	record_submit(rec);
	edge_write(SABPF_REL_SETNS, &ns, &ts->node, nstype, container);
}

/* The inode number of the task's namespace of one type (after setns: the
 * one it joined; pid and time: the one its children will be in). */
static __always_inline __u32 task_ns_inum(struct task_struct *task, __u32 nstype)
{
	struct nsproxy *nsp = BPF_CORE_READ(task, nsproxy);
	switch (nstype) {
	case CLONE_NEWUTS:
		return BPF_CORE_READ(nsp, uts_ns, ns.inum);
	case CLONE_NEWIPC:
		return BPF_CORE_READ(nsp, ipc_ns, ns.inum);
	case CLONE_NEWNS:
		return BPF_CORE_READ(nsp, mnt_ns, ns.inum);
	case CLONE_NEWNET:
		return BPF_CORE_READ(nsp, net_ns, ns.inum);
	case CLONE_NEWCGROUP:
		return BPF_CORE_READ(nsp, cgroup_ns, ns.inum);
	case CLONE_NEWPID:
		return BPF_CORE_READ(nsp, pid_ns_for_children, ns.inum);
	case CLONE_NEWTIME:
		return BPF_CORE_READ(nsp, time_ns_for_children, ns.inum);
	case CLONE_NEWUSER:
		return BPF_CORE_READ(task, real_cred, user_ns, ns.inum);
	default:
		return 0;
	}
}

/* The namespace type (CLONE_NEW*): proc_ns_operations.type up to 6.17,
 * ns_common.ns_type since. */
struct proc_ns_operations___typed {
	int type;
} __attribute__((preserve_access_index));

struct ns_common___typed {
	__u32 ns_type;
} __attribute__((preserve_access_index));

static __always_inline __u32 ns_type_of(struct ns_common *ns)
{
	struct ns_common___typed *typed = (void *)ns;
	if (bpf_core_field_exists(typed->ns_type))
		return BPF_CORE_READ(typed, ns_type);
	struct proc_ns_operations___typed *ops = (void *)BPF_CORE_READ(ns, ops);
	if (bpf_core_field_exists(ops->type))
		return BPF_CORE_READ(ops, type);
	return 0;
}

/* The namespace behind a descriptor, if it is a /proc/PID/ns file (nsfs);
 * 0 for anything else (a pidfd). */
static __always_inline struct ns_common *nsfs_of_fd(struct task_struct *task, int fd)
{
	struct file *file = fd_file_of(task, fd);
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (!inode || BPF_CORE_READ(inode, i_sb, s_magic) != NSFS_MAGIC)
		return 0;
	return (struct ns_common *)BPF_CORE_READ(inode, i_private);
}

#define NS_FROM_PIDFD(type)                                                                        \
	if (flags & (type))                                                                        \
		namespace_to_task(task_ns_inum(task, (type)), (type), ts, container);

/* A successful setns(fd, flags) of the current task. */
static __always_inline void setns_done(struct sabpf_scope *scope, int fd, __u32 flags,
				       __u64 container)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct prov_task *ts = task_state_of(task, scope);
	if (!ts)
		return;
	task_new_attributes(ts, task, container);
	struct ns_common *ns = nsfs_of_fd(task, fd);
	if (ns) {
		namespace_to_task(BPF_CORE_READ(ns, inum), ns_type_of(ns), ts, container);
		return;
	}
	/* a pidfd: every namespace type asked for, now the task's */
	NS_FROM_PIDFD(CLONE_NEWUTS);
	NS_FROM_PIDFD(CLONE_NEWIPC);
	NS_FROM_PIDFD(CLONE_NEWNS);
	NS_FROM_PIDFD(CLONE_NEWNET);
	NS_FROM_PIDFD(CLONE_NEWCGROUP);
	NS_FROM_PIDFD(CLONE_NEWPID);
	NS_FROM_PIDFD(CLONE_NEWTIME);
	NS_FROM_PIDFD(CLONE_NEWUSER);
}

/* A successful unshare(flags) of the current task (its node ts, its
 * process memory m). */
static __always_inline void unshare_done(struct prov_task *ts, struct prov_node *m, __u64 flags,
					 __u64 container)
{
	task_new_attributes(ts, bpf_get_current_task_btf(), container);
	edge_write(SABPF_REL_UNSHARE, &ts->node, m, flags, container);
}

#endif /* SABPF_LIB_NS_H */
