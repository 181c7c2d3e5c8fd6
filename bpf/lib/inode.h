/* SPDX-License-Identifier: GPL-2.0 */
/* lib/inode.h: the attributes of an inode node (NODE record), for both
 * backends: the inode's own, and a socket's family, type and protocol for
 * the inode of a socket. Where the node lives (inode or socket local
 * storage, or the trace backend's LRU map) is the caller's. */
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

#endif /* SABPF_LIB_INODE_H */
