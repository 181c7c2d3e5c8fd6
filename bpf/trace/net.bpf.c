/* SPDX-License-Identifier: GPL-2.0 */
/* trace/net.bpf.c: the network families of the trace backend, IPv4, IPv6
 * and unix addresses (path-named and abstract), at the syscall's exit:
 *   socket   socket: socket_create task -> socket (arg family<<32 |
 *            type<<16 | protocol)
 *   sockaddr bind, connect (0, or EINPROGRESS): bind or connect task ->
 *            socket, then the address (read from user memory) addressed ->
 *            socket; listen (arg: backlog)
 *   accept   accept, accept4: accept listening socket -> task, then
 *            accept_socket listening -> the new socket, and the peer's
 *            address (written by the kernel into user memory) -> it
 *   send     sendto, sendmsg (bytes > 0): send task -> socket (arg: bytes),
 *            and the destination address when one is given
 *   recv     recvfrom, recvmsg (bytes > 0): receive socket -> task
 *            sendmmsg, recvmmsg (messages > 0): the same edges, arg the
 *            bytes of the first MMSG_MAX messages (each one's msg_len, read
 *            from user memory where the kernel wrote it), and sendmmsg's
 *            destination address of each of them
 *   socketpair  socketpair: socket_create task -> each end (as socket),
 *            then socket_pair_create task -> each end
 *   shutdown shutdown: shutdown task -> socket (arg: how)
 * read and write on a socket (trace/file.bpf.c) are send and receive too.
 * Socket nodes are the sockfs inodes' nodes (trace/inode.h); a socket's
 * name_key holds the address last linked to it. Included into trace.bpf.c
 * after trace/file.bpf.c. */

#define NR_connect 42
/* the socket type without SOCK_NONBLOCK and SOCK_CLOEXEC, as the kernel
 * passes it on to socket_post_create */
#define SOCK_TYPE_MASK 0xf
#define NR_bind 49
#define NR_listen 50
#define NR_sendmsg 46
#define NR_sendmmsg 307
#define NR_recvmmsg 299
/* messages of a sendmmsg or recvmmsg whose lengths are counted (and
 * sendmmsg's addresses linked): a bounded loop */
#define MMSG_MAX 16

struct trace_sockaddr {
	__u16 family;
	__u16 port; /* network order */
	__u32 flowinfo_or_addr;
	__u8 addr6[16];
	__u32 scope_id;
};

/* The address being built (a per-CPU scratch: the stack of trace_send,
 * mmsg_bytes and sent_to together would pass the verifier's 512 bytes). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sabpf_addr_attrs);
} addr_scratch SEC(".maps");

/* Sends an ADDRESS node for a socket address of addrlen bytes in user
 * memory and links it to the socket, unless it is the one last linked. A
 * unix address's path is read up to addrlen (an abstract name starts with
 * a NUL and is not NUL-terminated); an unnamed one (addrlen 2) is none. */
static __always_inline void trace_addressed(struct prov_inode *ss, const void *uaddr, __u64 addrlen,
					    __u64 container)
{
	struct trace_sockaddr sa = {};
	if (!uaddr || bpf_probe_read_user(&sa, sizeof(sa), uaddr))
		return;
	__u32 zero = 0;
	struct sabpf_addr_attrs *ap = bpf_map_lookup_elem(&addr_scratch, &zero);
	if (!ap)
		return;
	__builtin_memset(ap, 0, sizeof(*ap));
	ap->family = sa.family;
	ap->port = bpf_ntohs(sa.port);
	if (sa.family == AF_INET)
		__builtin_memcpy(ap->addr, &sa.flowinfo_or_addr, 4);
	else if (sa.family == AF_INET6) {
		__builtin_memcpy(ap->addr, sa.addr6, 16);
		ap->scope_id = sa.scope_id;
	} else if (sa.family == AF_UNIX) {
		ap->port = 0;
		__u64 n = (__u32)addrlen > 2 ? (__u32)addrlen - 2 : 0;
		if (n > SABPF_UNIX_PATH_MAX)
			n = SABPF_UNIX_PATH_MAX;
		barrier_var(n); /* keep the bound where the verifier sees it */
		if (n == 0 || n > SABPF_UNIX_PATH_MAX ||
		    bpf_probe_read_user(ap->unix_path, n, (const char *)uaddr + 2))
			return;
	} else
		return;
	__u64 key = address_key(ap);
	if (ss->name_key == key)
		return;
	address_send(&ss->node, ap, container);
	ss->name_key = key;
}

/* trace_addressed for a sent message's destination, as a global function:
 * verified once, not once per message of mmsg_bytes's loop, and its stack
 * is not trace_send's. */
__noinline int sent_to(struct prov_inode *ss, __u64 uaddr, __u64 addrlen, __u64 container)
{
	if (ss)
		trace_addressed(ss, (const void *)uaddr, addrlen, container);
	return 0;
}

/* The destination (name, namelen) of a msghdr in user memory: struct
 * user_msghdr's first two fields, or compat_msghdr's (32-bit pointer and
 * length) for an ia32 call. 0: unreadable. */
static __always_inline int msg_dest(const void *umsg, int compat, __u64 *name, __u64 *namelen)
{
	if (compat) {
		__u32 d[2];
		if (bpf_probe_read_user(d, sizeof(d), umsg))
			return 0;
		*name = d[0];
		*namelen = d[1];
		return 1;
	}
	struct {
		__u64 name;
		__u32 namelen;
	} d;
	if (bpf_probe_read_user(&d, sizeof(d), umsg))
		return 0;
	*name = d.name;
	*namelen = d.namelen;
	return 1;
}

/* The bytes of the first n (at most MMSG_MAX) messages of an mmsghdr
 * array in user memory (each one's msg_len, written by the kernel); with
 * ss, each message's destination address is linked to that socket
 * (sendmmsg). An ia32 call's array is of compat_mmsghdr (32 bytes, its
 * msg_len at 28), a 64-bit one's of struct mmsghdr. */
static __always_inline __u64 mmsg_bytes(const void *vec, long n, int compat, struct prov_inode *ss,
					__u64 container)
{
	__u64 bytes = 0;
	__u64 stride = compat ? 32 : sizeof(struct mmsghdr);
	__u64 len_at = compat ? 28 : offsetof(struct mmsghdr, msg_len);
	for (__u32 i = 0; i < MMSG_MAX; i++) {
		if (i >= n)
			break;
		const char *m = (const char *)vec + i * stride;
		unsigned int len = 0;
		if (bpf_probe_read_user(&len, sizeof(len), m + len_at))
			break;
		bytes += len;
		__u64 name, namelen;
		if (ss && msg_dest(m, compat, &name, &namelen))
			sent_to(ss, name, namelen, container);
	}
	return bytes;
}

/* The node of the socket behind fd, or 0 when fd is not a socket. */
static __always_inline struct prov_inode *socket_of_fd(int fd, __u64 container)
{
	struct file *file = fd_file(fd);
	if (!file)
		return 0;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFSOCK)
		return 0;
	return trace_inode_state(inode, container, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_socket, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_NET);
	if (!a || ret < 0)
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *ss = socket_of_fd((int)ret, h.container);
	if (!ts || !ss)
		return 0;
	__u64 arg = ((__u64)(a->a[0] & 0xffff) << 32) | ((a->a[1] & SOCK_TYPE_MASK) << 16) |
		    (a->a[2] & 0xffff);
	edge_write(SABPF_REL_SOCKET_CREATE, &ts->node, &ss->node, arg, h.container);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_sockaddr, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_NET);
	if (!a)
		return 0;
	__u64 nr = a->nr;
	if (!(ret == 0 || (nr == NR_connect && ret == -EINPROGRESS)))
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *ss = socket_of_fd((int)a->a[0], h.container);
	if (!ts || !ss)
		return 0;
	if (nr == NR_listen) {
		edge_write(SABPF_REL_LISTEN, &ts->node, &ss->node, a->a[1], h.container);
		return 0;
	}
	edge_write(nr == NR_bind ? SABPF_REL_BIND : SABPF_REL_CONNECT, &ts->node, &ss->node, 0,
		   h.container);
	if (nr == NR_bind)
		ss->name_key = 0;
	trace_addressed(ss, (const void *)a->a[1], a->a[2], h.container);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_accept, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_NET);
	if (!a || ret < 0)
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *ls = socket_of_fd((int)a->a[0], h.container);
	struct prov_inode *ns = socket_of_fd((int)ret, h.container);
	if (!ts || !ls || !ns)
		return 0;
	edge_write(SABPF_REL_ACCEPT, &ls->node, &ts->node, 0, h.container);
	edge_write(SABPF_REL_ACCEPT_SOCKET, &ls->node, &ns->node, 0, h.container);
	int addrlen = 0;
	if (a->a[2])
		bpf_probe_read_user(&addrlen, sizeof(addrlen), (const void *)a->a[2]);
	trace_addressed(ns, (const void *)a->a[1], addrlen, h.container);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_send, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_NET);
	if (!a || ret <= 0)
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *ss = socket_of_fd((int)a->a[0], h.container);
	if (!ts || !ss)
		return 0;
	if (a->nr == NR_sendmmsg) { /* ret: the messages sent */
		const void *vec = (const void *)a->a[1];
		__u64 bytes = mmsg_bytes(vec, ret, a->compat, 0, h.container);
		edge_write(SABPF_REL_SEND, &ts->node, &ss->node, bytes, h.container);
		mmsg_bytes(vec, ret, a->compat, ss, h.container);
		return 0;
	}
	edge_write(SABPF_REL_SEND, &ts->node, &ss->node, ret, h.container);
	__u64 dest = a->a[4], destlen = a->a[5]; /* sendto */
	if (a->nr == NR_sendmsg && !msg_dest((const void *)a->a[1], a->compat, &dest, &destlen))
		return 0;
	sent_to(ss, dest, destlen, h.container);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_recv, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_NET);
	if (!a || ret <= 0)
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *ss = socket_of_fd((int)a->a[0], h.container);
	if (!ts || !ss)
		return 0;
	__u64 bytes = ret;
	if (a->nr == NR_recvmmsg) /* ret: the messages received */
		bytes = mmsg_bytes((const void *)a->a[1], ret, a->compat, 0, h.container);
	edge_write(SABPF_REL_RECEIVE, &ss->node, &ts->node, bytes, h.container);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_socketpair, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_NET);
	if (!a || ret != 0)
		return 0;
	int sv[2];
	if (bpf_probe_read_user(sv, sizeof(sv), (const void *)a->a[3]))
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *s0 = socket_of_fd(sv[0], h.container);
	struct prov_inode *s1 = socket_of_fd(sv[1], h.container);
	if (!ts || !s0 || !s1)
		return 0;
	__u64 arg = ((__u64)(a->a[0] & 0xffff) << 32) | ((a->a[1] & SOCK_TYPE_MASK) << 16) |
		    (a->a[2] & 0xffff);
	edge_write(SABPF_REL_SOCKET_CREATE, &ts->node, &s0->node, arg, h.container);
	edge_write(SABPF_REL_SOCKET_CREATE, &ts->node, &s1->node, arg, h.container);
	edge_write(SABPF_REL_SOCKET_PAIR_CREATE, &ts->node, &s0->node, 0, h.container);
	edge_write(SABPF_REL_SOCKET_PAIR_CREATE, &ts->node, &s1->node, 0, h.container);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_shutdown, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_NET);
	if (!a || ret != 0)
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *ss = socket_of_fd((int)a->a[0], h.container);
	if (ts && ss)
		edge_write(SABPF_REL_SHUTDOWN, &ts->node, &ss->node, (__u32)a->a[1], h.container);
	return 0;
}
