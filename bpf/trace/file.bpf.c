/* SPDX-License-Identifier: GPL-2.0 */
/* trace/file.bpf.c: the file families of the trace backend, one program
 * per family, tail-called by trace_sys_exit at the syscall's exit:
 *   open    open, openat, openat2, creat, open_by_handle_at: the new
 *           descriptor's struct file gives the inode (its node) and the path
 *           (rebuilt across mounts); a file the call created gets a fresh
 *           node and a CREATE edge
 *   read    read, pread64, readv, preadv, preadv2 (bytes > 0): inode -> task
 *   write   write, pwrite64, writev, pwritev, pwritev2 (bytes > 0)
 *   copy    sendfile, copy_file_range, splice (bytes > 0): the input
 *           file -> task -> the output file, as a read then a write
 *   name    unlink, unlinkat, rmdir (UNLINK or RMDIR), mkdir, mkdirat
 *           (MKDIR, arg S_IFDIR | mode): task -> PATH node
 *   rename  rename, renameat, renameat2: task -> old and new PATH nodes
 * The name and rename families name a path, not the inode (the name is
 * gone, or moved, by the exit, and a tracepoint cannot look it up): the
 * string is read from user memory. A socket read or written (read, write,
 * copies) gives a receive or send edge (arg: bytes) when the network class
 * is on, as in the LSM backend. close(2) writes nothing, as in the LSM
 * backend.
 * Included into trace.bpf.c. */

#define FMODE_CREATED_BIT 0x100000
#define AT_REMOVEDIR 0x200
#define NR_rename 82
#define NR_mkdir 83
#define NR_rmdir 84
#define NR_unlinkat 263
#define NR_mkdirat 258
#define NR_renameat2 316
#define NR_sendfile 40

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_open, struct pt_regs *regs, long ret)
{
	struct hook h;
	if (!trace_enter(&h, SABPF_CLASS_FILE) || ret < 0)
		return 0;
	struct file *file = fd_file((int)ret);
	if (!file)
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	int created = (BPF_CORE_READ(file, f_mode) & FMODE_CREATED_BIT) != 0;
	struct prov_inode *is = trace_inode_state(inode, h.container, created);
	if (!ts || !is)
		return 0;
	if (trace_kind_has_path(is->node.kind))
		trace_inode_named(is, file, h.container, &ts->node, created);
	edge_write(SABPF_REL_OPEN, &is->node, &ts->node, BPF_CORE_READ(file, f_flags), h.container);
	return 0;
}

/* The node of the file behind fd for a read or write, named if it has no
 * name yet (a descriptor inherited from outside the scope). A socket's
 * node only with the network class on (*sock set: the edge is then a send
 * or a receive, as in the LSM backend). */
static __always_inline struct prov_inode *rw_inode(struct task_struct *task, int fd,
						   __u64 container, __u32 classes, int *sock)
{
	struct file *file = fd_file_of(task, fd);
	*sock = 0;
	if (!file)
		return 0;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (!inode)
		return 0;
	/* A node already made tells a socket by its kind (SOCKET exactly when
	 * the mode is S_IFSOCK): the mode is read only for a new node. */
	struct trace_inode_key key;
	__u32 generation;
	struct trace_inode *ti = trace_inode_find(inode, &key, &generation);
	int is_sock = ti ? ti->is.node.kind == SABPF_NODE_SOCKET
			 : (BPF_CORE_READ(inode, i_mode) & S_IFMT) == S_IFSOCK;
	if (is_sock) {
		if (!(classes & SABPF_CLASS_NET))
			return 0;
		*sock = 1;
		return trace_inode_state_at(inode, &key, generation, ti, container, 0);
	}
	if (!(classes & SABPF_CLASS_FILE))
		return 0;
	struct prov_inode *is = trace_inode_state_at(inode, &key, generation, ti, container, 0);
	if (is && is->name_key == 0 && trace_kind_has_path(is->node.kind) &&
	    (BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFIFO)
		trace_inode_named(is, file, container, &is->node, 0); /* no creator */
	return is;
}

/* The edge of `bytes` read (write 0: inode -> task, a socket's receive)
 * or written (write 1: task -> inode, a socket's send). */
static __always_inline void rw_flow(struct hook *h, struct prov_task *ts, struct prov_inode *is,
				    int sock, long bytes, int write)
{
	__u64 arg = sock ? bytes : 0;
	if (write)
		edge_write(sock ? SABPF_REL_SEND : SABPF_REL_WRITE, &ts->node, &is->node, arg,
			   h->container);
	else
		edge_write(sock ? SABPF_REL_RECEIVE : SABPF_REL_READ, &is->node, &ts->node, arg,
			   h->container);
}

/* read and write families: the descriptor is the first argument. */
static __always_inline int rw_exit(struct pt_regs *regs, long ret, int write)
{
	struct hook h;
	if (!trace_enter(&h, SABPF_CLASS_FILE | SABPF_CLASS_NET) || ret <= 0)
		return 0;
	int sock;
	struct task_struct *task = bpf_get_current_task_btf(); /* once, for both */
	struct prov_inode *is = rw_inode(task, (int)regs->di, h.container, h.scope->classes, &sock);
	struct prov_task *ts = is ? task_state_of(task, h.scope) : 0;
	if (!ts)
		return 0;
	task_record(ts, task);
	rw_flow(&h, ts, is, sock, ret, write);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_read, struct pt_regs *regs, long ret)
{
	return rw_exit(regs, ret, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_write, struct pt_regs *regs, long ret)
{
	return rw_exit(regs, ret, 1);
}

/* sendfile(out, in, ...); copy_file_range and splice(in, off, out, ...). */
SEC("tp_btf/sys_exit")
int BPF_PROG(trace_copy, struct pt_regs *regs, long ret)
{
	struct hook h;
	if (!trace_enter(&h, SABPF_CLASS_FILE | SABPF_CLASS_NET) || ret <= 0)
		return 0;
	int in = (int)regs->di, out = (int)regs->dx;
	if (regs->orig_ax == NR_sendfile) {
		in = (int)regs->si;
		out = (int)regs->di;
	}
	struct prov_task *ts = hook_task(&h);
	if (!ts)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	int sock;
	struct prov_inode *is = rw_inode(task, in, h.container, h.scope->classes, &sock);
	if (is)
		rw_flow(&h, ts, is, sock, ret, 0);
	is = rw_inode(task, out, h.container, h.scope->classes, &sock);
	if (is)
		rw_flow(&h, ts, is, sock, ret, 1);
	return 0;
}

/* A name made or removed: unlink, unlinkat (AT_REMOVEDIR: rmdir), rmdir,
 * mkdir, mkdirat. The edge goes from the task to the PATH node. */
SEC("tp_btf/sys_exit")
int BPF_PROG(trace_name, struct pt_regs *regs, long ret)
{
	struct hook h;
	if (!trace_enter(&h, SABPF_CLASS_FILE) || ret != 0)
		return 0;
	int dirfd = AT_FDCWD;
	const char *upath = (const char *)regs->di;
	__u32 relation = SABPF_REL_UNLINK;
	__u64 arg = 0;
	switch (regs->orig_ax) {
	case NR_unlinkat:
		dirfd = (int)regs->di;
		upath = (const char *)regs->si;
		if (regs->dx & AT_REMOVEDIR)
			relation = SABPF_REL_RMDIR;
		break;
	case NR_rmdir:
		relation = SABPF_REL_RMDIR;
		break;
	case NR_mkdir:
		relation = SABPF_REL_MKDIR;
		arg = S_IFDIR | (regs->si & 07777);
		break;
	case NR_mkdirat:
		dirfd = (int)regs->di;
		upath = (const char *)regs->si;
		relation = SABPF_REL_MKDIR;
		arg = S_IFDIR | (regs->dx & 07777);
		break;
	}
	struct prov_task *ts = hook_task(&h);
	struct prov_node path_node;
	if (ts && user_path_send(dirfd, upath, &path_node, h.container) == 0)
		edge_write(relation, &ts->node, &path_node, arg, h.container);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_rename, struct pt_regs *regs, long ret)
{
	struct hook h;
	if (!trace_enter(&h, SABPF_CLASS_FILE) || ret != 0)
		return 0;
	int olddir = AT_FDCWD, newdir = AT_FDCWD;
	const char *oldpath = (const char *)regs->di, *newpath = (const char *)regs->si;
	__u64 flags = 0;
	if (regs->orig_ax != NR_rename) { /* renameat, renameat2 */
		olddir = (int)regs->di;
		oldpath = (const char *)regs->si;
		newdir = (int)regs->dx;
		newpath = (const char *)regs->r10;
		if (regs->orig_ax == NR_renameat2)
			flags = regs->r8;
	}
	struct prov_task *ts = hook_task(&h);
	if (!ts)
		return 0;
	struct prov_node old_node, new_node;
	if (user_path_send(olddir, oldpath, &old_node, h.container) == 0)
		edge_write(SABPF_REL_RENAME, &ts->node, &old_node, flags, h.container);
	if (user_path_send(newdir, newpath, &new_node, h.container) == 0)
		edge_write(SABPF_REL_RENAME, &ts->node, &new_node, flags, h.container);
	return 0;
}
