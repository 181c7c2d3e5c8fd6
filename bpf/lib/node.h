/* SPDX-License-Identifier: GPL-2.0 */
/* lib/node.h: node identity and versioning by CamFlow's rules, which
 * keep the graph acyclic: node_init, the kind of an inode, edge_write
 * (merging repeats, versioning a node that already informed another) and
 * edge_write_refs for edges between given versions. */
#ifndef SABPF_LIB_NODE_H
#define SABPF_LIB_NODE_H

#include "lib/record.h"

static __always_inline void node_init(struct prov_node *n, __u16 kind, __u64 container)
{
	n->id = new_node_id();
	n->version = 0;
	n->kind = kind;
	n->recorded = 0;
	n->has_outgoing = 0;
	n->container = container;
	n->last_from_id = 0;
	n->last_from_version = 0;
	n->last_relation = 0;
}

static __always_inline __u16 inode_kind_of_mode(__u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return SABPF_NODE_DIRECTORY;
	case S_IFLNK:
		return SABPF_NODE_LINK;
	case S_IFIFO:
		return SABPF_NODE_FIFO;
	case S_IFSOCK:
		return SABPF_NODE_SOCKET;
	case S_IFCHR:
		return SABPF_NODE_CHAR;
	case S_IFBLK:
		return SABPF_NODE_BLOCK;
	default:
		return SABPF_NODE_FILE;
	}
}

/* The node kind of an inode: by its mode, except the inodes of the mqueue
 * filesystem (POSIX message queues, regular files by mode). */
static __always_inline __u16 inode_kind_of(struct inode *inode)
{
	if (BPF_CORE_READ(inode, i_sb, s_magic) == MQUEUE_MAGIC)
		return SABPF_NODE_MQUEUE;
	return inode_kind_of_mode(BPF_CORE_READ(inode, i_mode));
}

/* Gives node n its next version and returns it. Atomic: two CPUs may
 * version one node at once (a socket's receive in softirq on one, its
 * task's recvmsg on another), and each must get a version of its own, each
 * declared by its version edge. `version` is the low half of the 64-bit
 * word it shares with kind, recorded and has_outgoing (little-endian x86):
 * adding 1 to the word changes it alone. */
_Static_assert(__builtin_offsetof(struct prov_node, version) % 8 == 0,
	       "prov_node.version must start an aligned 64-bit word");
static __always_inline __u32 version_bump(struct prov_node *n)
{
	return (__u32)__sync_fetch_and_add((__u64 *)&n->version, 1) + 1;
}

/* A repeat of the last relation into `to` from this version of `from`:
 * merged, nothing written. */
static __always_inline int edge_merges(__u32 relation, const struct prov_node *from,
				       const struct prov_node *to)
{
	return to->last_relation == relation && to->last_from_id == from->id &&
	       to->last_from_version == from->version;
}

/* Writes one edge, by CamFlow's rules, with pid_tgid and uid as its actor:
 * a repeat of the last relation into `to` is merged (nothing written); if
 * `to` already informed another node, it first gets a new version, linked
 * to the old by a version edge, so no node version ever receives
 * information after giving some: the graph stays acyclic. Both ends must
 * already be recorded. */
static __always_inline void edge_write_as(__u32 relation, struct prov_node *from,
					  struct prov_node *to, __u64 arg, __u64 container,
					  __u64 pid_tgid, __u32 uid)
{
	if (edge_merges(relation, from, to))
		return;

	__u32 to_version;
	if (to->has_outgoing) {
		to->has_outgoing = 0;
		struct sabpf_edge *v = record_reserve(sizeof(*v), SABPF_REC_EDGE, container);
		to_version = version_bump(to);
		if (v) {
			v->relation = to->kind == SABPF_NODE_TASK ? SABPF_REL_VERSION_ACTIVITY
								  : SABPF_REL_VERSION_ENTITY;
			v->pid = pid_tgid >> 32;
			v->tid = (__u32)pid_tgid;
			v->uid = uid;
			ref_of(&v->from, to);
			v->from.version = to_version - 1;
			ref_of(&v->to, to);
			v->to.version = to_version;
			v->arg = 0;
			record_submit(v);
		}
	} else {
		to_version = to->version;
	}

	struct sabpf_edge *e = record_reserve(sizeof(*e), SABPF_REC_EDGE, container);
	if (e) {
		e->relation = relation;
		e->pid = pid_tgid >> 32;
		e->tid = (__u32)pid_tgid;
		e->uid = uid;
		ref_of(&e->from, from);
		ref_of(&e->to, to);
		e->to.version = to_version;
		e->arg = arg;
		record_submit(e);
	}
	from->has_outgoing = 1;
	to->last_relation = relation;
	to->last_from_id = from->id;
	to->last_from_version = from->version;
}

/* edge_write with the current task as the actor (pid, tid, uid of the
 * record). edge_write_as names another actor: 0 for the packet edges,
 * written in softirq context, where the current task is unrelated. */
static __always_inline void edge_write(__u32 relation, struct prov_node *from, struct prov_node *to,
				       __u64 arg, __u64 container)
{
	if (edge_merges(relation, from, to)) /* before the actor's helper calls */
		return;
	edge_write_as(relation, from, to, arg, container, bpf_get_current_pid_tgid(),
		      (__u32)bpf_get_current_uid_gid());
}

/* A node of the current version that gets new attributes (a task after
 * exec): a new version, with a NODE record written by the caller. */
static __always_inline void node_new_version(struct prov_node *n)
{
	n->version++;
	n->has_outgoing = 0;
	n->recorded = 0;
	n->last_from_id = 0;
	n->last_relation = 0;
}

/* An edge between two given node versions, written as is (no merging, no
 * versioning): version, exec and terminate edges. `actor`: the task the
 * edge names (pid, tid, uid), which need not be the current one. */
static __always_inline void edge_write_refs(__u32 relation, const struct prov_node *from,
					    __u32 from_version, const struct prov_node *to,
					    __u32 to_version, __u64 arg, __u64 container,
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
	e->arg = arg;
	record_submit(e);
}

#endif /* SABPF_LIB_NODE_H */
