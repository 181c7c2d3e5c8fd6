/* SPDX-License-Identifier: GPL-2.0 */
/* lsm/inode.h: the inode nodes of the LSM object (sabpf.bpf.c), shared by
 * its class files (task.bpf.c's exec, file.bpf.c, inode.bpf.c, mount.bpf.c,
 * ipc.bpf.c, socket.bpf.c): the node of an inode in inode local storage, or
 * in mq_map for a POSIX message queue, and its names (PATH nodes) by
 * bpf_d_path or by the path walker of lib/path.h. The trace backend keeps
 * its inode nodes apart (trace/inode.h). Included after the lib/ headers. */
#ifndef SABPF_LSM_INODE_H
#define SABPF_LSM_INODE_H

#include "lib/inode.h"
#include "lib/path.h"

static __always_inline void inode_record(struct prov_inode *is, struct inode *inode,
					 __u64 container)
{
	inode_node_record(&is->node, inode, 0, container);
}

/* ---- POSIX message queues -------------------------------------------- */

/* POSIX message queues (inodes of the mqueue filesystem), keyed by the
 * inode: mq_timedsend and mq_timedreceive reach them through a descriptor,
 * as plain values, which inode storage does not take. Deleted by
 * inode_free_security. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct prov_inode);
} mq_map SEC(".maps");

static __always_inline struct prov_inode *mqueue_state_of(__u64 inode, __u64 container)
{
	struct prov_inode *is = bpf_map_lookup_elem(&mq_map, &inode);
	if (!is) {
		struct prov_inode fresh = {};
		node_init(&fresh.node, SABPF_NODE_MQUEUE, container);
		lost_if_failed(bpf_map_update_elem(&mq_map, &inode, &fresh, BPF_NOEXIST), container,
			       SABPF_LOST_OBJECT_MAP);
		is = bpf_map_lookup_elem(&mq_map, &inode);
		if (!is)
			return 0;
	}
	inode_record(is, (struct inode *)inode, container);
	return is;
}

/* ---- any inode --------------------------------------------------------- */

static __always_inline struct prov_inode *inode_state_of(struct inode *inode, __u64 container)
{
	if (!inode)
		return 0;
	if ((inode->i_mode & S_IFMT) == S_IFREG && inode->i_sb->s_magic == MQUEUE_MAGIC)
		return mqueue_state_of(as_value(inode), container);
	struct prov_inode *is =
	    bpf_inode_storage_get(&inode_store, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!is) {
		lost_count(container, SABPF_LOST_STORAGE, 0);
		return 0;
	}
	if (is->node.id == 0)
		node_init(&is->node, inode_kind_of(inode), container);
	inode_record(is, inode, container);
	return is;
}

/* Writes a PATH node prepared in s and a `named` edge from it to the
 * inode, remembering the name's key so the same name is not sent again. */
static __always_inline void inode_named_send(struct prov_inode *is, struct prov_scratch *s,
					     __u64 key, __u64 container)
{
	struct prov_node path_node;
	node_init(&path_node, SABPF_NODE_PATH, container);
	if (name_send(s, &path_node, container) == 0)
		edge_write(SABPF_REL_NAMED, &path_node, &is->node, 0, container);
	is->name_key = key;
}

/* Names an inode by a struct path with bpf_d_path (hooks that allow it). */
static __always_inline void inode_named_by_path(struct prov_inode *is, const struct path *path,
						__u64 container)
{
	__u64 key = (__u64)BPF_CORE_READ(path, mnt) ^ (__u64)BPF_CORE_READ(path, dentry);
	if (is->name_key == key)
		return;
	struct prov_scratch *s = name_scratch_get();
	if (!s)
		return;
	long n = bpf_d_path((struct path *)path, s->data, NAME_BUF_SIZE / 2);
	s->rec.argc = 0;
	if (n > 0) {
		s->rec.len = n;
		s->rec.flags = 0;
	} else {
		/* too long for the buffer (or unresolvable): the rebuilt path,
		 * flagged as truncated where it is cut */
		s->rec.len = path_rebuild(s, (__u64)BPF_CORE_READ(path, mnt),
					  (__u64)BPF_CORE_READ(path, dentry));
	}
	inode_named_send(is, s, key, container);
}

/* Names an inode by rebuilding the path of a (mount, dentry) pair, given
 * as plain values (the verifier forbids mixing pointers). */
static __always_inline void inode_named_by_mount(struct prov_inode *is, __u64 mnt, __u64 dentry,
						 __u64 container)
{
	__u64 key = mnt ^ dentry;
	if (is->name_key == key)
		return;
	struct prov_scratch *s = name_scratch_get();
	if (!s)
		return;
	s->rec.argc = 0;
	s->rec.len = path_rebuild(s, mnt, dentry);
	inode_named_send(is, s, key, container);
}

/* Names the inode of an open file by rebuilding its path. */
static __always_inline void inode_named_by_rebuild(struct prov_inode *is, struct file *file,
						   __u64 container)
{
	inode_named_by_mount(is, (__u64)BPF_CORE_READ(file, f_path.mnt),
			     (__u64)BPF_CORE_READ(file, f_path.dentry), container);
}

static __always_inline int kind_has_path(__u16 kind)
{
	return kind == SABPF_NODE_FILE || kind == SABPF_NODE_DIRECTORY || kind == SABPF_NODE_LINK ||
	       kind == SABPF_NODE_CHAR || kind == SABPF_NODE_BLOCK || kind == SABPF_NODE_MQUEUE;
}

#endif /* SABPF_LSM_INODE_H */
