/* SPDX-License-Identifier: GPL-2.0 */
/* trace/file.bpf.c: the file families of the trace backend, one program
 * per family, tail-called by trace_sys_exit at the syscall's exit:
 *   open    open, openat, openat2, creat, open_by_handle_at: the new
 *           descriptor's struct file gives the inode (its node) and the path
 *           (rebuilt across mounts); a file the call created gets a fresh
 *           node and a CREATE edge; the open edge's arg is f_flags with
 *           the call's O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC put back
 *   read    read, pread64, readv, preadv, preadv2 (bytes > 0): inode -> task
 *   write   write, pwrite64, writev, pwritev, pwritev2 (bytes > 0)
 *   copy    sendfile, copy_file_range, splice (bytes > 0): the input
 *           file -> task -> the output file, as a read then a write
 *   name    unlink, unlinkat, rmdir (UNLINK or RMDIR), mkdir, mkdirat
 *           (MKDIR, arg S_IFDIR | mode), mknod, mknodat (CREATE, arg
 *           the file type, S_IFREG when none, | mode): task -> PATH node
 *   rename  rename, renameat, renameat2: task -> old and new PATH nodes
 *   link    link, linkat: LINK task -> the old and the new name's PATH
 *           nodes; linkat(fd, "", ..., AT_EMPTY_PATH) names the inode
 *           itself: LINK task -> its node, and the new name NAMED -> it
 *   pipe    pipe, pipe2: a fresh FIFO node for the new pipe (the two
 *           descriptors, read from user memory, share its inode), and no
 *           edge: the LSM backend records nothing at a pipe's creation
 *           (symlink, symlinkat: SYMLINK task -> the new name's PATH node,
 *           in the name family)
 *   fdop    ioctl (WRITE_IOCTL task -> file and READ_IOCTL back, arg: cmd),
 *           fcntl (FCNTL, arg: cmd; not yet the FILE_LOCK that the LSM
 *           backend adds for a lock command), flock (FILE_LOCK,
 *           arg F_RDLCK, F_WRLCK or F_UNLCK as the kernel translates it), on
 *           any descriptor but a socket, as the LSM backend's file_ioctl,
 *           file_fcntl and file_lock
 *   mmap    mmap of a file: the edges of lib/mmap.h (map_edges, the LSM
 *           backend's mmap_file), arg prot<<32 | flags
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
#define NR_mknod 133
#define NR_mknodat 259
#define NR_symlink 88
#define NR_symlinkat 266
#define NR_ioctl 16
#define NR_fcntl 72
#define NR_flock 73
#define NR_renameat2 316
#define NR_sendfile 40
#define NR_open 2
#define NR_linkat 265
#define AT_EMPTY_PATH 0x1000
#define NR_creat 85
#define NR_openat 257
#define NR_openat2 437
/* O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC: cleared from f_flags once the
 * file is open (do_dentry_open), after the LSM hook file_open saw them */
#define OPEN_CALL_ONLY 01700
#define CREAT_FLAGS 01101 /* creat(2): O_CREAT | O_WRONLY | O_TRUNC */

/* The open flags that f_flags no longer holds at the exit, from the
 * call's own argument (openat2: the first field of its struct open_how):
 * with them, the open edge's arg is what file_open gives in the LSM backend. */
static __always_inline __u64 open_call_flags(const struct trace_args *a)
{
	__u64 flags = 0;
	switch (a->nr) {
	case NR_open:
		flags = a->a[1];
		break;
	case NR_openat:
		flags = a->a[2];
		break;
	case NR_creat:
		flags = CREAT_FLAGS;
		break;
	case NR_openat2:
		bpf_probe_read_user(&flags, sizeof(flags), (const void *)a->a[2]);
		break;
	}
	return flags & OPEN_CALL_ONLY;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_open, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_FILE);
	if (!a || ret < 0)
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
	edge_write(SABPF_REL_OPEN, &is->node, &ts->node,
		   BPF_CORE_READ(file, f_flags) | open_call_flags(a), h.container);
	return 0;
}

/* The node of the file behind fd for a read or write, named if it has no
 * name yet (a descriptor inherited from outside the scope). A socket's
 * node only with the network class on (*sock set: the edge is then a send
 * or a receive, as in the LSM backend). `direct` (a constant at each
 * call): by direct loads (trace/inode.h), else by probe reads. */
static __always_inline struct prov_inode *rw_inode(struct task_struct *task, int fd,
						   __u64 container, __u32 classes, int *sock,
						   const int direct)
{
	struct file *file = direct ? fd_file_direct(task, fd) : fd_file_of(task, fd);
	*sock = 0;
	if (!file)
		return 0;
	struct inode *inode = direct ? file_inode_direct(file) : BPF_CORE_READ(file, f_inode);
	if (!inode)
		return 0;
	/* A node already made tells a socket by its kind (SOCKET exactly when
	 * the mode is S_IFSOCK): the mode is read only for a new node. */
	struct trace_inode_key key;
	__u32 generation;
	struct trace_inode *ti = direct ? trace_inode_find_direct(inode, &key, &generation)
					: trace_inode_find(inode, &key, &generation);
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
static __always_inline int rw_exit(long ret, int write, const int direct)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_FILE | SABPF_CLASS_NET);
	if (!a || ret <= 0)
		return 0;
	int sock;
	struct task_struct *task = bpf_get_current_task_btf(); /* once, for both */
	struct prov_inode *is =
	    rw_inode(task, (int)a->a[0], h.container, h.scope->classes, &sock, direct);
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
	return rw_exit(ret, 0, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_write, struct pt_regs *regs, long ret)
{
	return rw_exit(ret, 1, 0);
}

/* The same two by direct loads, in their place where the kernel has
 * bpf_rdonly_cast (src/trace.c: trace_variant). */
SEC("tp_btf/sys_exit")
int BPF_PROG(trace_read_direct, struct pt_regs *regs, long ret)
{
	return rw_exit(ret, 0, 1);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_write_direct, struct pt_regs *regs, long ret)
{
	return rw_exit(ret, 1, 1);
}

/* sendfile(out, in, ...); copy_file_range and splice(in, off, out, ...). */
SEC("tp_btf/sys_exit")
int BPF_PROG(trace_copy, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_FILE | SABPF_CLASS_NET);
	if (!a || ret <= 0)
		return 0;
	int in = (int)a->a[0], out = (int)a->a[2];
	if (a->nr == NR_sendfile) {
		in = (int)a->a[1];
		out = (int)a->a[0];
	}
	struct prov_task *ts = hook_task(&h);
	if (!ts)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	int sock;
	struct prov_inode *is = rw_inode(task, in, h.container, h.scope->classes, &sock, 0);
	if (is)
		rw_flow(&h, ts, is, sock, ret, 0);
	is = rw_inode(task, out, h.container, h.scope->classes, &sock, 0);
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
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_FILE);
	if (!a || ret != 0)
		return 0;
	int dirfd = AT_FDCWD;
	const char *upath = (const char *)a->a[0];
	__u32 relation = SABPF_REL_UNLINK;
	__u64 arg = 0;
	switch (a->nr) {
	case NR_unlinkat:
		dirfd = (int)a->a[0];
		upath = (const char *)a->a[1];
		if (a->a[2] & AT_REMOVEDIR)
			relation = SABPF_REL_RMDIR;
		break;
	case NR_rmdir:
		relation = SABPF_REL_RMDIR;
		break;
	case NR_mkdir:
		relation = SABPF_REL_MKDIR;
		arg = S_IFDIR | (a->a[1] & 07777);
		break;
	case NR_mkdirat:
		dirfd = (int)a->a[0];
		upath = (const char *)a->a[1];
		relation = SABPF_REL_MKDIR;
		arg = S_IFDIR | (a->a[2] & 07777);
		break;
	case NR_mknod:
		relation = SABPF_REL_CREATE;
		arg = a->a[1];
		break;
	case NR_mknodat:
		dirfd = (int)a->a[0];
		upath = (const char *)a->a[1];
		relation = SABPF_REL_CREATE;
		arg = a->a[2];
		break;
	case NR_symlink: /* (target, linkpath): the new name */
		upath = (const char *)a->a[1];
		relation = SABPF_REL_SYMLINK;
		break;
	case NR_symlinkat: /* (target, newdirfd, linkpath) */
		dirfd = (int)a->a[1];
		upath = (const char *)a->a[2];
		relation = SABPF_REL_SYMLINK;
		break;
	}
	/* mknod's mode: no file type is a regular file, as the kernel has it */
	if (relation == SABPF_REL_CREATE)
		arg = ((arg & S_IFMT) ? (arg & S_IFMT) : S_IFREG) | (arg & 07777);
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
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_FILE);
	if (!a || ret != 0)
		return 0;
	int olddir = AT_FDCWD, newdir = AT_FDCWD;
	const char *oldpath = (const char *)a->a[0], *newpath = (const char *)a->a[1];
	__u64 flags = 0;
	if (a->nr != NR_rename) { /* renameat, renameat2 */
		olddir = (int)a->a[0];
		oldpath = (const char *)a->a[1];
		newdir = (int)a->a[2];
		newpath = (const char *)a->a[3];
		if (a->nr == NR_renameat2)
			flags = a->a[4];
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

/* flock's operation as the kernel gives it to file_lock (flock_translate_cmd):
 * LOCK_SH F_RDLCK, LOCK_EX F_WRLCK, LOCK_UN F_UNLCK */
#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_UN 8
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2

/* The node of the file (not a socket) behind descriptor fd, named if it
 * has no name yet; 0 for a socket or no file. */
static __always_inline struct prov_inode *fd_file_node(int fd, __u64 container)
{
	struct file *file = fd_file(fd);
	if (!file)
		return 0;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (!inode || (BPF_CORE_READ(inode, i_mode) & S_IFMT) == S_IFSOCK)
		return 0;
	struct prov_inode *is = trace_inode_state(inode, container, 0);
	if (is && is->name_key == 0 && trace_kind_has_path(is->node.kind))
		trace_inode_named(is, file, container, &is->node, 0);
	return is;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_fdop, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_FILE);
	if (!a || ret < 0)
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *is = ts ? fd_file_node((int)a->a[0], h.container) : 0;
	if (!is)
		return 0;
	__u64 cmd = (__u32)a->a[1];
	short type = F_UNLCK;
	switch (a->nr) {
	case NR_ioctl:
		edge_write(SABPF_REL_WRITE_IOCTL, &ts->node, &is->node, cmd, h.container);
		edge_write(SABPF_REL_READ_IOCTL, &is->node, &ts->node, cmd, h.container);
		break;
	case NR_flock:
		if (cmd & LOCK_SH)
			type = F_RDLCK;
		else if (cmd & LOCK_EX)
			type = F_WRLCK;
		edge_write(SABPF_REL_FILE_LOCK, &ts->node, &is->node, type, h.container);
		break;
	case NR_fcntl:
		edge_write(SABPF_REL_FCNTL, &ts->node, &is->node, cmd, h.container);
		break;
	}
	return 0;
}

/* link(old, new), linkat(olddirfd, old, newdirfd, new, flags): the old
 * name still exists at the exit, but a tracepoint cannot look it up, so
 * both are names, as for rename; with AT_EMPTY_PATH and an empty old name
 * the old descriptor gives the inode, as the LSM backend's inode_link. */
SEC("tp_btf/sys_exit")
int BPF_PROG(trace_link, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_FILE);
	if (!a || ret != 0)
		return 0;
	int olddir = AT_FDCWD, newdir = AT_FDCWD;
	const char *oldpath = (const char *)a->a[0], *newpath = (const char *)a->a[1];
	int by_fd = 0;
	if (a->nr == NR_linkat) {
		olddir = (int)a->a[0];
		oldpath = (const char *)a->a[1];
		newdir = (int)a->a[2];
		newpath = (const char *)a->a[3];
		char first = 1;
		if (a->a[4] & AT_EMPTY_PATH)
			by_fd = bpf_probe_read_user(&first, 1, oldpath) == 0 && first == 0;
	}
	struct prov_task *ts = hook_task(&h);
	if (!ts)
		return 0;
	struct prov_node old_node, new_node;
	if (by_fd) {
		struct prov_inode *is = fd_file_node(olddir, h.container);
		if (!is)
			return 0;
		edge_write(SABPF_REL_LINK, &ts->node, &is->node, 0, h.container);
		if (user_path_send(newdir, newpath, &new_node, h.container) == 0)
			edge_write(SABPF_REL_NAMED, &new_node, &is->node, 0, h.container);
		return 0;
	}
	if (user_path_send(olddir, oldpath, &old_node, h.container) == 0)
		edge_write(SABPF_REL_LINK, &ts->node, &old_node, 0, h.container);
	if (user_path_send(newdir, newpath, &new_node, h.container) == 0)
		edge_write(SABPF_REL_LINK, &ts->node, &new_node, 0, h.container);
	return 0;
}

#define MAP_ANONYMOUS 0x20

/* mmap(addr, len, prot, flags, fd, offset): ret is the address, or -errno. */
SEC("tp_btf/sys_exit")
int BPF_PROG(trace_mmap, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_FILE);
	if (!a || (unsigned long)ret >= (unsigned long)-4095)
		return 0;
	unsigned long prot = a->a[2], flags = a->a[3];
	if (flags & MAP_ANONYMOUS)
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *is = ts ? fd_file_node((int)a->a[4], h.container) : 0;
	if (is)
		map_edges(ts, is, prot, map_is_shared(flags), ((__u64)prot << 32) | (__u32)flags,
			  h.container);
	return 0;
}

/* pipe(fds), pipe2(fds, flags): the two descriptors the kernel wrote into
 * the caller's int[2] are read back (TOCTOU: another thread may change them
 * first; the node is then that of whatever file the descriptor now holds,
 * made afresh). Both ends share the pipe's inode: one FIFO node, made fresh
 * (an entry left under a recycled pipefs inode number is not continued) and
 * recorded, with no edge; reads and writes on it are the read and write
 * families'. */
SEC("tp_btf/sys_exit")
int BPF_PROG(trace_pipe, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_FILE);
	if (!a || ret != 0)
		return 0;
	int fds[2];
	if (bpf_probe_read_user(fds, sizeof(fds), (const void *)a->a[0]))
		return 0;
	struct file *file = fd_file(fds[0]);
	if (!file)
		return 0;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (inode && (BPF_CORE_READ(inode, i_mode) & S_IFMT) == S_IFIFO)
		trace_inode_state(inode, h.container, 1);
	return 0;
}
