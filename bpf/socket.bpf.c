/* SPDX-License-Identifier: GPL-2.0 */
/* socket.bpf.c: sockets and their addresses: socket_post_create,
 * socket_socketpair, socket_bind, socket_connect, socket_listen,
 * socket_accept, socket_sendmsg, socket_recvmsg and socket_shutdown, for
 * IPv4, IPv6 and unix sockets; unix peers are linked (unix_stream_connect,
 * unix_may_send, and a stream socket's sends to its peer); the end of a
 * receive that returned data (fexit of sock_recvmsg). Also open files
 * passed in SCM_RIGHTS messages (file_receive) and the SIGIO sent for an
 * open file (file_send_sigiotask), sockets among them.
 * Socket nodes live in socket local storage (struct sock), with the peer
 * address last written for them. Included into sabpf.bpf.c. */

static __always_inline void socket_record(struct prov_sock *ss, struct socket *sock,
					  __u64 container)
{
	inode_node_record(&ss->node, socket_inode(sock), sock, container);
}

/* The NODE record of a socket known only by its struct sock (the server
 * end of a unix stream connection, before accept gives it a socket): no
 * inode yet. It gets a new version with the inode's attributes when first
 * seen with its socket (socket_state_of). */
static __always_inline void sock_record_bare(struct prov_sock *ss, struct sock *sk, __u64 container)
{
	if (ss->node.recorded)
		return;
	__u32 size = offsetof(struct sabpf_node, inode) + sizeof(struct sabpf_inode_attrs);
	struct sabpf_node *n = record_reserve(size, SABPF_REC_NODE, container);
	ss->node.recorded = 1;
	ss->bare = 1;
	if (!n)
		return;
	ref_of(&n->node, &ss->node);
	__builtin_memset(&n->inode, 0, sizeof(n->inode));
	n->inode.mode = S_IFSOCK;
	n->inode.sock_family = BPF_CORE_READ(sk, __sk_common.skc_family);
	n->inode.sock_type = BPF_CORE_READ(sk, sk_type);
	n->inode.sock_protocol = BPF_CORE_READ(sk, sk_protocol);
	record_submit(n);
}

/* The node of a struct sock, made on first use. */
static __always_inline struct prov_sock *sock_state_of(struct sock *sk, __u64 container)
{
	struct prov_sock *ss = bpf_sk_storage_get(&sock_store, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!ss)
		lost_count(container, SABPF_LOST_STORAGE, 0);
	if (ss && ss->node.id == 0)
		node_init(&ss->node, SABPF_NODE_SOCKET, container);
	return ss;
}

/* The node of a socket; NULL for a socket without a struct sock yet. */
static __always_inline struct prov_sock *socket_state_of(struct socket *sock, __u64 container)
{
	struct sock *sk = sock->sk;
	if (!sk)
		return 0;
	struct prov_sock *ss = sock_state_of(sk, container);
	if (!ss)
		return 0;
	if (ss->bare) {
		/* first seen with its socket: a new version with the inode */
		__u32 old_version = ss->node.version;
		node_new_version(&ss->node);
		ss->bare = 0;
		socket_record(ss, sock, container);
		edge_write_refs(SABPF_REL_VERSION_ENTITY, &ss->node, old_version, &ss->node,
				ss->node.version, 0, container, bpf_get_current_task_btf());
		return ss;
	}
	socket_record(ss, sock, container);
	return ss;
}

/* Reads a kernel copy of a socket address of addrlen bytes (as the caller
 * gave it) into a NODE record. Returns 0 for the families recorded (IPv4,
 * IPv6, unix), -1 otherwise. */
static __always_inline int address_read(struct sabpf_addr_attrs *a, const void *uaddr, int addrlen)
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
		/* The kernel's copy holds stale bytes past the length the
		 * caller gave, which would make one name look like many
		 * (address_key) and show them in it: a path name is read up to
		 * its NUL, an abstract one (first byte NUL, any bytes after) the
		 * addrlen - 2 bytes given; the rest is left zero. */
		const char *path = uaddr + offsetof(struct sockaddr_un, sun_path);
		char first = 0;
		bpf_probe_read_kernel(&first, 1, path);
		if (first) {
			bpf_probe_read_kernel_str(a->unix_path, sizeof(a->unix_path), path);
			return 0;
		}
		__u64 n = (__u32)addrlen > 2 ? (__u32)addrlen - 2 : 0;
		if (n > SABPF_UNIX_PATH_MAX)
			n = SABPF_UNIX_PATH_MAX;
		barrier_var(n); /* keep the bound where the verifier sees it */
		if (n != 0 && n <= SABPF_UNIX_PATH_MAX)
			bpf_probe_read_kernel(a->unix_path, n, path);
		return 0;
	}
	return -1;
}

/* Writes an ADDRESS node and an `addressed` edge to the socket, unless it
 * is the socket's current peer already. */
static __always_inline void socket_addressed(struct prov_sock *ss, const void *uaddr, int addrlen,
					     __u64 container)
{
	struct sabpf_addr_attrs a;
	if (address_read(&a, uaddr, addrlen))
		return;
	__u64 key = address_key(&a);
	if (ss->peer_key == key)
		return;
	address_send(&ss->node, &a, container);
	ss->peer_key = key;
}

/* The common start of the socket hooks. */
static __always_inline int socket_hook_begin(struct hook *h, struct socket *sock,
					     struct prov_sock **ss)
{
	if (!hook_enter(h, SABPF_CLASS_NET))
		return -1;
	hook_task(h);
	*ss = socket_state_of(sock, h->container);
	return h->ts && *ss ? 0 : -1;
}

SEC("lsm/socket_post_create")
int BPF_PROG(on_socket_post_create, struct socket *sock, int family, int type, int protocol,
	     int kern)
{
	struct hook h;
	struct prov_sock *ss;
	if (kern || socket_hook_begin(&h, sock, &ss))
		return 0;
	__u64 arg = ((__u64)family << 32) | ((__u64)(type & 0xffff) << 16) | (protocol & 0xffff);
	edge_write(SABPF_REL_SOCKET_CREATE, &h.ts->node, &ss->node, arg, h.container);
	return 0;
}

SEC("lsm/socket_bind")
int BPF_PROG(on_socket_bind, struct socket *sock, struct sockaddr *address, int addrlen)
{
	struct hook h;
	struct prov_sock *ss;
	if (socket_hook_begin(&h, sock, &ss))
		return 0;
	edge_write(SABPF_REL_BIND, &h.ts->node, &ss->node, 0, h.container);
	ss->peer_key = 0;
	socket_addressed(ss, address, addrlen, h.container);
	return 0;
}

SEC("lsm/socket_connect")
int BPF_PROG(on_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen)
{
	struct hook h;
	struct prov_sock *ss;
	if (socket_hook_begin(&h, sock, &ss))
		return 0;
	edge_write(SABPF_REL_CONNECT, &h.ts->node, &ss->node, 0, h.container);
	socket_addressed(ss, address, addrlen, h.container);
	return 0;
}

SEC("lsm/socket_listen")
int BPF_PROG(on_socket_listen, struct socket *sock, int backlog)
{
	struct hook h;
	struct prov_sock *ss;
	if (socket_hook_begin(&h, sock, &ss))
		return 0;
	edge_write(SABPF_REL_LISTEN, &h.ts->node, &ss->node, backlog, h.container);
	return 0;
}

SEC("lsm/socket_accept")
int BPF_PROG(on_socket_accept, struct socket *sock, struct socket *newsock)
{
	struct hook h;
	struct prov_sock *ss;
	if (socket_hook_begin(&h, sock, &ss))
		return 0;
	edge_write(SABPF_REL_ACCEPT, &ss->node, &h.ts->node, 0, h.container);
	/* the new socket has no struct sock yet: sock_graft links it */
	h.ts->accept_id = ss->node.id;
	h.ts->accept_version = ss->node.version;
	return 0;
}

/* accept gives the new connection's struct sock its socket: the accepted
 * socket is derived from the listening one, whose version (it already
 * informed the task, so it cannot receive information any more) was kept
 * by socket_accept. Unix stream sockets are linked at unix_stream_connect. */
SEC("lsm/sock_graft")
void BPF_PROG(on_sock_graft, struct sock *sk, struct socket *parent)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_NET))
		return;
	struct task_struct *task = bpf_get_current_task_btf();
	struct prov_task *ts = bpf_task_storage_get(&task_store, task, 0, 0);
	if (!ts || !ts->accept_id)
		return;
	struct prov_sock *ns = socket_state_of(parent, h.container);
	if (ns) {
		struct prov_node listening = {
		    .id = ts->accept_id,
		    .version = ts->accept_version,
		    .kind = SABPF_NODE_SOCKET,
		};
		edge_write_refs(SABPF_REL_ACCEPT_SOCKET, &listening, listening.version, &ns->node,
				ns->node.version, 0, h.container, task);
	}
	ts->accept_id = 0;
}

/* A connected unix stream or seqpacket socket: what it sends goes to its
 * peer (send_unix, arg: bytes), which may still lack its struct socket (a
 * connection not accepted yet). Datagrams are linked by unix_may_send. */
static __always_inline void unix_peer_send(struct socket *sock, struct prov_sock *ss, int size,
					   __u64 container)
{
	struct sock *sk = sock->sk;
	if (!sk || sk->__sk_common.skc_family != AF_UNIX || sock->type == SOCK_DGRAM)
		return;
	struct unix_sock *u = bpf_skc_to_unix_sock(sk);
	if (!u)
		return;
	struct sock *peer = u->peer;
	if (!peer)
		return;
	struct socket *peer_socket = peer->sk_socket;
	struct prov_sock *ps;
	if (peer_socket) {
		ps = socket_state_of(peer_socket, container);
	} else {
		ps = sock_state_of(peer, container);
		if (ps)
			sock_record_bare(ps, peer, container);
	}
	if (ps)
		edge_write(SABPF_REL_SEND_UNIX, &ss->node, &ps->node, size, container);
}

SEC("lsm/socket_sendmsg")
int BPF_PROG(on_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size)
{
	struct hook h;
	struct prov_sock *ss;
	if (socket_hook_begin(&h, sock, &ss))
		return 0;
	if (threads_share_memory()) {
		struct prov_node *mem = current_mem_state(h.container);
		if (mem)
			edge_write(SABPF_REL_MEMORY_READ, mem, &h.ts->node, 0, h.container);
	}
	edge_write(SABPF_REL_SEND, &h.ts->node, &ss->node, size, h.container);
	socket_addressed(ss, BPF_CORE_READ(msg, msg_name), BPF_CORE_READ(msg, msg_namelen),
			 h.container);
	unix_peer_send(sock, ss, size, h.container);
	return 0;
}

SEC("lsm/socket_recvmsg")
int BPF_PROG(on_socket_recvmsg, struct socket *sock, struct msghdr *msg, int size, int flags)
{
	struct hook h;
	struct prov_sock *ss;
	if (socket_hook_begin(&h, sock, &ss))
		return 0;
	edge_write(SABPF_REL_RECEIVE, &ss->node, &h.ts->node, size, h.container);
	if (threads_share_memory()) {
		struct prov_node *mem = current_mem_state(h.container);
		if (mem)
			edge_write(SABPF_REL_MEMORY_WRITE, &h.ts->node, mem, 0, h.container);
	}
	return 0;
}

/* The end of a receive that returned data. socket_recvmsg runs when the
 * receive starts, often before the data arrives (a blocking recv): the
 * packet or the peer's send then gives the socket a new version, which
 * this edge links to the task (arg: bytes received). When nothing arrived
 * in between, the edge is a repeat of socket_recvmsg's and is merged. */
SEC("fexit/sock_recvmsg")
int BPF_PROG(on_sock_recvmsg_exit, struct socket *sock, struct msghdr *msg, int flags, int ret)
{
	if (ret <= 0)
		return 0;
	struct hook h;
	struct prov_sock *ss;
	if (socket_hook_begin(&h, sock, &ss))
		return 0;
	edge_write(SABPF_REL_RECEIVE, &ss->node, &h.ts->node, ret, h.container);
	return 0;
}

/* socketpair: both ends were made by socket_post_create; this links both
 * to the task as one pair. */
SEC("lsm/socket_socketpair")
int BPF_PROG(on_socket_socketpair, struct socket *socka, struct socket *sockb)
{
	struct hook h;
	struct prov_sock *ss;
	if (socket_hook_begin(&h, socka, &ss))
		return 0;
	struct prov_sock *other = socket_state_of(sockb, h.container);
	if (!other)
		return 0;
	edge_write(SABPF_REL_SOCKET_PAIR_CREATE, &h.ts->node, &ss->node, 0, h.container);
	edge_write(SABPF_REL_SOCKET_PAIR_CREATE, &h.ts->node, &other->node, 0, h.container);
	return 0;
}

SEC("lsm/socket_shutdown")
int BPF_PROG(on_socket_shutdown, struct socket *sock, int how)
{
	struct hook h;
	struct prov_sock *ss;
	if (socket_hook_begin(&h, sock, &ss))
		return 0;
	edge_write(SABPF_REL_SHUTDOWN, &h.ts->node, &ss->node, how, h.container);
	return 0;
}

/* A unix stream connection: the connecting socket is linked to the
 * server's new socket (newsk, which accept will return), through which the
 * data will flow. socket_connect already recorded the task's connect. */
SEC("lsm/unix_stream_connect")
int BPF_PROG(on_unix_stream_connect, struct sock *sock, struct sock *other, struct sock *newsk)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_NET))
		return 0;
	struct socket *client_socket = BPF_CORE_READ(sock, sk_socket);
	struct prov_sock *client = sock_state_of(sock, h.container);
	struct prov_sock *server = sock_state_of(newsk, h.container);
	if (!client || !server || !client_socket)
		return 0;
	socket_record(client, client_socket, h.container);
	sock_record_bare(server, newsk, h.container);
	edge_write(SABPF_REL_CONNECT_UNIX_STREAM, &client->node, &server->node, 0, h.container);
	return 0;
}

/* A unix datagram from `sock` to `other` (each send, and connect). The
 * receiving socket may belong to a task out of scope: it gets a node. */
SEC("lsm/unix_may_send")
int BPF_PROG(on_unix_may_send, struct socket *sock, struct socket *other)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_NET))
		return 0;
	struct prov_sock *from = socket_state_of(sock, h.container);
	struct prov_sock *to = socket_state_of(other, h.container);
	if (from && to)
		edge_write(SABPF_REL_SEND_UNIX, &from->node, &to->node, 0, h.container);
	return 0;
}

/* ---- open files passed (SCM_RIGHTS) or signalled (SIGIO) -------------- */

/* The node of an open file's object: a socket's lives with its struct
 * sock, any other's with its inode, named by the file's path. */
static __always_inline struct prov_node *open_file_node(struct file *file, __u64 container)
{
	struct inode *inode = file->f_inode;
	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) == S_IFSOCK) {
		struct socket *sock = bpf_sock_from_file(file);
		struct prov_sock *ss = sock ? socket_state_of(sock, container) : 0;
		return ss ? &ss->node : 0;
	}
	struct prov_inode *is = inode_state_of(inode, container);
	if (!is)
		return 0;
	if (kind_has_path(is->node.kind))
		inode_named_by_rebuild(is, file, container);
	return &is->node;
}

/* A descriptor received in an SCM_RIGHTS message (recvmsg): the task now
 * holds the file, which informs it (arg: the open file's flags). The
 * message itself came through the socket: socket_recvmsg recorded it. */
SEC("lsm/file_receive")
int BPF_PROG(on_file_receive, struct file *file)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_FILE))
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_node *object = open_file_node(file, h.container);
	if (ts && object)
		edge_write(SABPF_REL_FILE_RCV, object, &ts->node, file->f_flags, h.container);
	return 0;
}

#define SIGIO_ 29

/* struct fown_struct as Linux 6.12 has it: a pointer back to its file. */
struct fown_struct___file {
	struct file *file;
} __attribute__((preserve_access_index));

/* A signal (SIGIO, or the one F_SETSIG chose; SIGURG) sent for I/O on an
 * open file (F_SETOWN, O_ASYNC) to the task that owns it: the file
 * informs that task (arg: the signal). The current task is the one whose
 * I/O triggered it. Only kernels whose fown_struct points back to its
 * file (6.12+) are recorded: before, it is a member of struct file, which
 * BPF cannot turn back into a struct file it may pass to helpers. */
SEC("lsm/file_send_sigiotask")
int BPF_PROG(on_file_send_sigiotask, struct task_struct *tsk, struct fown_struct *fown, int sig)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_FILE))
		return 0;
	if (!bpf_core_field_exists(((struct fown_struct___file *)0)->file))
		return 0;
	struct file *file = ((struct fown_struct___file *)fown)->file;
	if (!file)
		return 0;
	struct prov_task *target = peer_task_state(tsk, h.container);
	struct prov_node *object = open_file_node(file, h.container);
	if (target && object)
		edge_write(SABPF_REL_FILE_SIGIO, object, &target->node, sig ? sig : SIGIO_,
			   h.container);
	return 0;
}
