/* SPDX-License-Identifier: GPL-2.0 */
/* lib/cred.h: process-memory nodes and credential changes, for both
 * backends (CamFlow keeps process memory with the credentials): the NODE
 * record of a process-memory node (the cred's ids), and a credential
 * change (setuid family, setgroups, capset) as a new version of that node
 * written by the task. Where the node lives is the caller's: the LSM
 * backend keys it by struct cred (cred_map, task.bpf.c), the trace backend
 * keeps one per process (trace/cred.bpf.c). */
#ifndef SABPF_LIB_CRED_H
#define SABPF_LIB_CRED_H

#include "lib/task.h"

/* Writes the NODE record of a process-memory node, once. */
static __always_inline void mem_record(struct prov_node *m, const struct cred *cred, __u32 pid)
{
	if (m->recorded)
		return;
	__u32 size = offsetof(struct sabpf_node, mem) + sizeof(struct sabpf_mem_attrs);
	struct sabpf_node *n = record_reserve(size, SABPF_REC_NODE, m->container);
	m->recorded = 1;
	if (!n)
		return;
	ref_of(&n->node, m);
	n->mem.pid = pid;
	n->mem.uid = BPF_CORE_READ(cred, uid.val);
	n->mem.gid = BPF_CORE_READ(cred, gid.val);
	n->mem.euid = BPF_CORE_READ(cred, euid.val);
	n->mem.egid = BPF_CORE_READ(cred, egid.val);
	n->mem.pad = 0;
	record_submit(n);
}

/* New credentials `cred` of the current task (the task's node ts, its
 * process memory m): m gets a new version carrying the new ids, linked to
 * the old one, then the edge `relation` task -> m (arg: the caller's). */
static __always_inline void cred_new_version(struct prov_task *ts, struct prov_node *m,
					     const struct cred *cred, __u32 relation, __u64 arg,
					     __u64 container)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 old_version = m->version;
	node_new_version(m);
	mem_record(m, cred, task->tgid);
	edge_write_refs(SABPF_REL_VERSION_ENTITY, m, old_version, m, m->version, 0, container,
			task);
	edge_write(relation, &ts->node, m, arg, container);
}

/* The arg of a setuid or setgid edge: the new real and effective ids. */
static __always_inline __u64 id_change_arg(const struct cred *cred, __u32 relation)
{
	return relation == SABPF_REL_SETUID
		   ? ((__u64)BPF_CORE_READ(cred, uid.val) << 32) | BPF_CORE_READ(cred, euid.val)
		   : ((__u64)BPF_CORE_READ(cred, gid.val) << 32) | BPF_CORE_READ(cred, egid.val);
}

#endif /* SABPF_LIB_CRED_H */
