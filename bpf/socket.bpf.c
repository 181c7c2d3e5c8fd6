/* socket.bpf.c: sockets and their addresses: socket_post_create,
 * socket_bind, socket_connect, socket_listen, socket_accept,
 * socket_sendmsg and socket_recvmsg, for IPv4, IPv6 and unix sockets.
 * Socket nodes live in socket local storage (struct sock), with the peer
 * address last written for them. Included into sabpf.bpf.c. */

static __always_inline void socket_record(struct prov_sock *ss, struct socket *sock,
					  __u64 container)
{
	if (ss->node.recorded)
		return;
	__u32 size = offsetof(struct sabpf_node, inode) + sizeof(struct sabpf_inode_attrs);
	struct sabpf_node *n = record_reserve(size, SABPF_REC_NODE, container);
	ss->node.recorded = 1;
	if (!n)
		return;
	/* struct socket is the first member of struct socket_alloc, followed
	 * by the socket's inode */
	struct socket_alloc *sa = (struct socket_alloc *)sock;
	ref_of(&n->node, &ss->node);
	n->inode.ino = BPF_CORE_READ(sa, vfs_inode.i_ino);
	n->inode.dev = BPF_CORE_READ(sa, vfs_inode.i_sb, s_dev);
	n->inode.mode = BPF_CORE_READ(sa, vfs_inode.i_mode);
	n->inode.uid = BPF_CORE_READ(sa, vfs_inode.i_uid.val);
	n->inode.gid = BPF_CORE_READ(sa, vfs_inode.i_gid.val);
	n->inode.sock_family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
	n->inode.sock_type = BPF_CORE_READ(sock, type);
	n->inode.sock_protocol = BPF_CORE_READ(sock, sk, sk_protocol);
	record_submit(n);
}

/* The node of a socket; NULL for a socket without a struct sock yet. */
static __always_inline struct prov_sock *socket_state_of(struct socket *sock, __u64 container)
{
	struct sock *sk = sock->sk;
	if (!sk)
		return 0;
	struct prov_sock *ss =
		bpf_sk_storage_get(&sock_store, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!ss)
		return 0;
	if (ss->node.id == 0)
		node_init(&ss->node, SABPF_NODE_SOCKET, container);
	socket_record(ss, sock, container);
	return ss;
}

/* Key that tells two addresses apart, to avoid resending the same peer. */
static __always_inline __u64 address_key(const struct sabpf_addr_attrs *a)
{
	__u64 key = ((__u64)a->family << 48) | ((__u64)a->port << 32);
	__u32 word;
	__builtin_memcpy(&word, &a->addr[12], 4);
	key ^= word;
	__builtin_memcpy(&word, &a->addr[0], 4);
	return key ^ ((__u64)word << 8);
}

/* Reads a kernel copy of a socket address into a NODE record. Returns 0
 * for the families recorded (IPv4, IPv6, unix), -1 otherwise. */
static __always_inline int address_read(struct sabpf_addr_attrs *a, const void *uaddr)
{
	__u16 family = 0;
	if (!uaddr || bpf_probe_read_kernel(&family, sizeof(family), uaddr))
		return -1;
	__builtin_memset(a, 0, sizeof(*a));
	a->family = family;
	if (family == AF_INET) {
		struct sockaddr_in in = {};
		bpf_probe_read_kernel(&in, sizeof(in), uaddr);
		a->port = bpf_ntohs(in.sin_port);
		__builtin_memcpy(a->addr, &in.sin_addr, 4);
		return 0;
	}
	if (family == AF_INET6) {
		struct sockaddr_in6 in6 = {};
		bpf_probe_read_kernel(&in6, sizeof(in6), uaddr);
		a->port = bpf_ntohs(in6.sin6_port);
		a->scope_id = in6.sin6_scope_id;
		__builtin_memcpy(a->addr, &in6.sin6_addr, 16);
		return 0;
	}
	if (family == AF_UNIX) {
		bpf_probe_read_kernel(a->unix_path, sizeof(a->unix_path),
				      uaddr + offsetof(struct sockaddr_un, sun_path));
		return 0;
	}
	return -1;
}

/* Writes an ADDRESS node and an `addressed` edge to the socket, unless it
 * is the socket's current peer already. */
static __always_inline void socket_addressed(struct prov_sock *ss, const void *uaddr,
					     __u64 container)
{
	__u32 size = offsetof(struct sabpf_node, addr) + sizeof(struct sabpf_addr_attrs);
	struct sabpf_addr_attrs a;
	if (address_read(&a, uaddr))
		return;
	__u64 key = address_key(&a);
	if (ss->peer_key == key)
		return;
	struct prov_node addr_node;
	node_init(&addr_node, SABPF_NODE_ADDRESS, container);
	struct sabpf_node *n = record_reserve(size, SABPF_REC_NODE, container);
	if (!n)
		return;
	addr_node.recorded = 1;
	ref_of(&n->node, &addr_node);
	__builtin_memcpy(&n->addr, &a, sizeof(a));
	record_submit(n);
	edge_write(SABPF_REL_ADDRESSED, &addr_node, &ss->node, 0, container);
	ss->peer_key = key;
}

/* The common start of the socket hooks. */
static __always_inline int socket_hook_begin(struct socket *sock, struct sabpf_scope **scope,
					     struct prov_task **ts, struct prov_sock **ss)
{
	*scope = scope_of_current(SABPF_CLASS_NET);
	if (!*scope)
		return -1;
	*ts = current_task_state(*scope);
	*ss = socket_state_of(sock, (*scope)->container);
	return *ts && *ss ? 0 : -1;
}

SEC("lsm/socket_post_create")
int BPF_PROG(on_socket_post_create, struct socket *sock, int family, int type, int protocol,
	     int kern)
{
	struct sabpf_scope *scope;
	struct prov_task *ts;
	struct prov_sock *ss;
	if (kern || socket_hook_begin(sock, &scope, &ts, &ss))
		return 0;
	__u64 arg = ((__u64)family << 32) | ((__u64)(type & 0xffff) << 16) | (protocol & 0xffff);
	edge_write(SABPF_REL_SOCKET_CREATE, &ts->node, &ss->node, arg, scope->container);
	return 0;
}

SEC("lsm/socket_bind")
int BPF_PROG(on_socket_bind, struct socket *sock, struct sockaddr *address, int addrlen)
{
	struct sabpf_scope *scope;
	struct prov_task *ts;
	struct prov_sock *ss;
	if (socket_hook_begin(sock, &scope, &ts, &ss))
		return 0;
	edge_write(SABPF_REL_BIND, &ts->node, &ss->node, 0, scope->container);
	ss->peer_key = 0;
	socket_addressed(ss, address, scope->container);
	return 0;
}

SEC("lsm/socket_connect")
int BPF_PROG(on_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen)
{
	struct sabpf_scope *scope;
	struct prov_task *ts;
	struct prov_sock *ss;
	if (socket_hook_begin(sock, &scope, &ts, &ss))
		return 0;
	edge_write(SABPF_REL_CONNECT, &ts->node, &ss->node, 0, scope->container);
	socket_addressed(ss, address, scope->container);
	return 0;
}

SEC("lsm/socket_listen")
int BPF_PROG(on_socket_listen, struct socket *sock, int backlog)
{
	struct sabpf_scope *scope;
	struct prov_task *ts;
	struct prov_sock *ss;
	if (socket_hook_begin(sock, &scope, &ts, &ss))
		return 0;
	edge_write(SABPF_REL_LISTEN, &ts->node, &ss->node, backlog, scope->container);
	return 0;
}

SEC("lsm/socket_accept")
int BPF_PROG(on_socket_accept, struct socket *sock, struct socket *newsock)
{
	struct sabpf_scope *scope;
	struct prov_task *ts;
	struct prov_sock *ss;
	if (socket_hook_begin(sock, &scope, &ts, &ss))
		return 0;
	edge_write(SABPF_REL_ACCEPT, &ss->node, &ts->node, 0, scope->container);
	return 0;
}

SEC("lsm/socket_sendmsg")
int BPF_PROG(on_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size)
{
	struct sabpf_scope *scope;
	struct prov_task *ts;
	struct prov_sock *ss;
	if (socket_hook_begin(sock, &scope, &ts, &ss))
		return 0;
	if (threads_share_memory()) {
		struct prov_node *mem = current_mem_state(scope->container);
		if (mem)
			edge_write(SABPF_REL_MEMORY_READ, mem, &ts->node, 0, scope->container);
	}
	edge_write(SABPF_REL_SEND, &ts->node, &ss->node, size, scope->container);
	socket_addressed(ss, BPF_CORE_READ(msg, msg_name), scope->container);
	return 0;
}

SEC("lsm/socket_recvmsg")
int BPF_PROG(on_socket_recvmsg, struct socket *sock, struct msghdr *msg, int size, int flags)
{
	struct sabpf_scope *scope;
	struct prov_task *ts;
	struct prov_sock *ss;
	if (socket_hook_begin(sock, &scope, &ts, &ss))
		return 0;
	edge_write(SABPF_REL_RECEIVE, &ss->node, &ts->node, size, scope->container);
	if (threads_share_memory()) {
		struct prov_node *mem = current_mem_state(scope->container);
		if (mem)
			edge_write(SABPF_REL_MEMORY_WRITE, &ts->node, mem, 0, scope->container);
	}
	return 0;
}
