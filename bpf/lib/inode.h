/* SPDX-License-Identifier: GPL-2.0 */
/* lib/inode.h: the attributes of an inode node (NODE record), for both
 * backends: the inode's own, and a socket's family, type and protocol for
 * the inode of a socket; and the ADDRESS nodes linked to sockets. Where a
 * node lives (inode or socket local storage, or the trace backend's LRU
 * map) is the caller's. */
#ifndef SABPF_LIB_INODE_H
#define SABPF_LIB_INODE_H

#include "lib/node.h"

/* The inode's attributes; the socket fields zero (sock_attrs_fill). */
static __always_inline void inode_attrs_fill(struct sabpf_inode_attrs *a, struct inode *inode)
{
	a->ino = BPF_CORE_READ(inode, i_ino);
	a->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	a->mode = BPF_CORE_READ(inode, i_mode);
	a->uid = BPF_CORE_READ(inode, i_uid.val);
	a->gid = BPF_CORE_READ(inode, i_gid.val);
	a->sock_family = 0;
	a->sock_type = 0;
	a->sock_protocol = 0;
}

/* The socket attributes of the inode of a socket. */
static __always_inline void sock_attrs_fill(struct sabpf_inode_attrs *a, struct socket *sock)
{
	a->sock_family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
	a->sock_type = BPF_CORE_READ(sock, type);
	a->sock_protocol = BPF_CORE_READ(sock, sk, sk_protocol);
}

/* A socket's inode: struct socket is the first member of struct
 * socket_alloc, followed by the inode (and back). */
static __always_inline struct inode *socket_inode(struct socket *sock)
{
	return (struct inode *)((__u64)sock +
				bpf_core_field_offset(struct socket_alloc, vfs_inode));
}

static __always_inline struct socket *inode_socket(struct inode *inode)
{
	return (struct socket *)((__u64)inode -
				 bpf_core_field_offset(struct socket_alloc, vfs_inode));
}

/* Writes the NODE record of an inode node, once: the inode's attributes,
 * and sock's (0: none) for the inode of a socket. */
static __always_inline void inode_node_record(struct prov_node *node, struct inode *inode,
					      struct socket *sock, __u64 container)
{
	if (node->recorded)
		return;
	__u32 size = offsetof(struct sabpf_node, inode) + sizeof(struct sabpf_inode_attrs);
	struct sabpf_node *n = record_reserve(size, SABPF_REC_NODE, container);
	node->recorded = 1;
	if (!n)
		return;
	ref_of(&n->node, node);
	inode_attrs_fill(&n->inode, inode);
	if (sock)
		sock_attrs_fill(&n->inode, sock);
	record_submit(n);
}

/* Key that tells two socket addresses apart, to avoid resending the same
 * peer: the family, port and IP address, or for a unix address the family
 * and every byte of the path (a path or an abstract name), folded. */
static __always_inline __u64 address_key(const struct sabpf_addr_attrs *a)
{
	__u64 key = ((__u64)a->family << 48) | ((__u64)a->port << 32);
	if (a->family == AF_UNIX) {
		__u64 word;
		__u32 tail;
		/* a loop, not unrolled: unrolled, the compiler loads all the words
		 * first and spills them to the stack (136 bytes every caller paid) */
#pragma clang loop unroll(disable)
		for (int i = 0; i + 8 <= SABPF_UNIX_PATH_MAX; i += 8) {
			__builtin_memcpy(&word, &a->unix_path[i], 8);
			key = ((key << 7) | (key >> 57)) ^ word;
		}
		_Static_assert(SABPF_UNIX_PATH_MAX % 8 == 4, "the path's tail is one 4-byte word");
		__builtin_memcpy(&tail, &a->unix_path[SABPF_UNIX_PATH_MAX - 4], 4);
		return ((key << 7) | (key >> 57)) ^ tail;
	}
	__u32 word;
	__builtin_memcpy(&word, &a->addr[12], 4);
	key ^= word;
	__builtin_memcpy(&word, &a->addr[0], 4);
	return key ^ ((__u64)word << 8);
}

/* Writes an ADDRESS node for a and an `addressed` edge from it to the
 * socket's node `to`. */
static __always_inline void address_send(struct prov_node *to, const struct sabpf_addr_attrs *a,
					 __u64 container)
{
	struct prov_node addr_node;
	node_init(&addr_node, SABPF_NODE_ADDRESS, container);
	__u32 size = offsetof(struct sabpf_node, addr) + sizeof(struct sabpf_addr_attrs);
	struct sabpf_node *n = record_reserve(size, SABPF_REC_NODE, container);
	if (!n)
		return;
	addr_node.recorded = 1;
	ref_of(&n->node, &addr_node);
	__builtin_memcpy(&n->addr, a, sizeof(*a));
	record_submit(n);
	edge_write(SABPF_REL_ADDRESSED, &addr_node, to, 0, container);
}

#endif /* SABPF_LIB_INODE_H */
