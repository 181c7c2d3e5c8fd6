/* SPDX-License-Identifier: GPL-2.0 */
/* trace/attr.bpf.c: the attribute families of the trace backend, tail-called
 * by trace_sys_exit at the syscall's exit (ret 0 only), with the relations
 * of the LSM backend's inode_setattr and inode_*xattr hooks:
 *   setattr  chmod, fchmod, fchmodat, fchmodat2, chown, fchown, lchown,
 *            fchownat: task -> the file, SETATTR, arg ia_valid<<32 | mode
 *            (ATTR_MODE and the new permission bits for the chmods;
 *            ATTR_UID and/or ATTR_GID, as the call asked, for the chowns;
 *            ATTR_CTIME always, as the kernel sets it); truncate (ATTR_SIZE)
 *            and ftruncate (ATTR_SIZE | ATTR_MTIME | ATTR_CTIME | ATTR_FILE),
 *            mode 0, as do_truncate sets them; utime, utimes, futimesat,
 *            utimensat as vfs_utimes sets them (utimes_valid)
 *   getattr  stat, fstat, lstat, newfstatat, statx: the file -> task,
 *            GETATTR (the LSM backend's inode_getattr)
 *   xattr    setxattr, lsetxattr, fsetxattr, setxattrat (SETXATTR, arg: the
 *            flags), removexattr, lremovexattr, fremovexattr, removexattrat
 *            (REMOVEXATTR): task -> XATTR node (the attribute's name) ->
 *            the file (SETXATTR_INODE, REMOVEXATTR_INODE); xattr_get:
 *            getxattr, lgetxattr, fgetxattr, getxattrat (the file ->
 *            XATTR node -> task, GETXATTR_INODE, GETXATTR) and listxattr,
 *            llistxattr, flistxattr, listxattrat (LISTXATTR the file ->
 *            task), ret >= 0
 * A call on a descriptor (fchmod, fchown, ftruncate, fsetxattr, fremovexattr, fstat, and the
 * *at calls with AT_EMPTY_PATH and an empty name) reaches the inode: the
 * edge goes to the file's node, as in the LSM backend. A call by name
 * reaches only the string the task passed (a tracepoint cannot look a path
 * up): the edge goes to a PATH node for that name, read from user memory at
 * the exit (it can have changed since the kernel read it) and made absolute
 * against the directory it is relative to; the name is not resolved through
 * symbolic links. docs/backends.md lists the difference.
 * Included into trace.bpf.c. */

#define NR_truncate 76
#define NR_ftruncate 77
#define NR_chmod 90
#define NR_fchmod 91
#define NR_chown 92
#define NR_fchown 93
#define NR_lchown 94
#define NR_fchownat 260
#define NR_fchmodat 268
#define NR_fchmodat2 452
#define NR_setxattr 188
#define NR_lsetxattr 189
#define NR_fsetxattr 190
#define NR_removexattr 197
#define NR_lremovexattr 198
#define NR_fremovexattr 199
#define NR_setxattrat 463
#define NR_removexattrat 466
#define NR_utime 132
#define NR_utimes 235
#define NR_futimesat 261
#define NR_utimensat 280
#define NR_getxattr 191
#define NR_lgetxattr 192
#define NR_fgetxattr 193
#define NR_listxattr 194
#define NR_llistxattr 195
#define NR_flistxattr 196
#define NR_getxattrat 464
#define NR_listxattrat 465
#define NR_stat 4
#define NR_fstat 5
#define NR_lstat 6
#define NR_newfstatat 262
#define NR_statx 332
#define IA32_utimensat 320 /* its times are old_timespec32 (8 bytes each) */
#define TRACE_ATTR_ATIME 16
#define TRACE_ATTR_ATIME_SET 128
#define TRACE_ATTR_MTIME_SET 256
#define TRACE_ATTR_TOUCH (1 << 17)
#define TRACE_UTIME_NOW ((1L << 30) - 1L)
#define TRACE_UTIME_OMIT ((1L << 30) - 2L)
#define TRACE_ATTR_MODE 1
#define TRACE_ATTR_UID 2
#define TRACE_ATTR_GID 4
#define TRACE_ATTR_SIZE 8
#define TRACE_ATTR_MTIME 32
#define TRACE_ATTR_CTIME 64
#define TRACE_ATTR_FILE 0x2000
#define TRACE_AT_EMPTY_PATH 0x1000

/* The node of the file behind descriptor fd, named if it has no name yet. */
static __always_inline struct prov_inode *attr_fd_inode(int fd, __u64 container)
{
	struct file *file = fd_file(fd);
	if (!file)
		return 0;
	struct prov_inode *is = trace_inode_state(BPF_CORE_READ(file, f_inode), container, 0);
	if (is && is->name_key == 0 && trace_kind_has_path(is->node.kind))
		trace_inode_named(is, file, container, &is->node, 0);
	return is;
}

/* The target of a call: the file's node (by descriptor: fd >= 0, or upath
 * empty with AT_EMPTY_PATH) or a PATH node for upath, relative to dirfd,
 * made in *path_node. Returns the node, or 0. */
static __always_inline struct prov_node *attr_target(int fd, int dirfd, const char *upath,
						     __u64 at_flags, struct prov_node *path_node,
						     __u64 container)
{
	if (fd < 0 && upath && (at_flags & TRACE_AT_EMPTY_PATH)) {
		char c = 0;
		bpf_probe_read_user(&c, 1, upath);
		if (c == 0)
			fd = dirfd;
	}
	if (fd >= 0) {
		struct prov_inode *is = attr_fd_inode(fd, container);
		return is ? &is->node : 0;
	}
	return user_path_send(dirfd, upath, path_node, container) == 0 ? path_node : 0;
}

/* The ia_valid of a utime, utimes, futimesat or utimensat call, as the
 * kernel's vfs_utimes makes it: the three times, ATTR_TOUCH without times;
 * with times, each one set (ATIME_SET, MTIME_SET) unless utimensat says
 * UTIME_NOW, or left out with UTIME_OMIT. 0: both omitted (no change).
 * The times are read from user memory (utimensat's; the others cannot
 * say NOW or OMIT): ia32's utimensat has 8-byte old_timespec32s. */
static __always_inline __u64 utimes_valid(const struct trace_args *a)
{
	__u64 valid = TRACE_ATTR_CTIME | TRACE_ATTR_MTIME | TRACE_ATTR_ATIME;
	const char *times = (const char *)a->a[a->nr == NR_utime || a->nr == NR_utimes ? 1 : 2];
	if (!times)
		return valid | TRACE_ATTR_TOUCH;
	if (a->nr != NR_utimensat)
		return valid | TRACE_ATTR_ATIME_SET | TRACE_ATTR_MTIME_SET;
	int narrow = a->compat && a->nr32 == IA32_utimensat;
	long nsec[2] = {};
	for (int i = 0; i < 2; i++) {
		if (narrow) {
			int n = 0;
			bpf_probe_read_user(&n, sizeof(n), times + i * 8 + 4);
			nsec[i] = n;
		} else
			bpf_probe_read_user(&nsec[i], sizeof(nsec[i]), times + i * 16 + 8);
	}
	if (nsec[0] == TRACE_UTIME_OMIT && nsec[1] == TRACE_UTIME_OMIT)
		return 0;
	if (nsec[0] == TRACE_UTIME_OMIT)
		valid &= ~(__u64)TRACE_ATTR_ATIME;
	else if (nsec[0] != TRACE_UTIME_NOW)
		valid |= TRACE_ATTR_ATIME_SET;
	if (nsec[1] == TRACE_UTIME_OMIT)
		valid &= ~(__u64)TRACE_ATTR_MTIME;
	else if (nsec[1] != TRACE_UTIME_NOW)
		valid |= TRACE_ATTR_MTIME_SET;
	return valid;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_setattr, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_FILE);
	if (!a || ret != 0)
		return 0;
	int fd = -1, dirfd = AT_FDCWD;
	const char *upath = (const char *)a->a[0];
	__u64 at_flags = 0, valid = TRACE_ATTR_CTIME, mode = 0, uid = a->a[1], gid = a->a[2];
	int chmod = 0, chown = 1; /* chown: the ids decide ATTR_UID, ATTR_GID */
	switch (a->nr) {
	case NR_truncate:
		chown = 0;
		valid = TRACE_ATTR_SIZE;
		break;
	case NR_ftruncate:
		chown = 0;
		fd = (int)a->a[0];
		valid = TRACE_ATTR_SIZE | TRACE_ATTR_MTIME | TRACE_ATTR_CTIME | TRACE_ATTR_FILE;
		break;
	case NR_chmod:
		chmod = 1;
		chown = 0;
		mode = a->a[1];
		break;
	case NR_fchmod:
		chmod = 1;
		chown = 0;
		fd = (int)a->a[0];
		mode = a->a[1];
		break;
	case NR_fchmodat2:
		at_flags = a->a[3];
		/* fall through */
	case NR_fchmodat:
		chmod = 1;
		chown = 0;
		dirfd = (int)a->a[0];
		upath = (const char *)a->a[1];
		mode = a->a[2];
		break;
	case NR_fchown:
		fd = (int)a->a[0];
		break;
	case NR_fchownat:
		dirfd = (int)a->a[0];
		upath = (const char *)a->a[1];
		uid = a->a[2];
		gid = a->a[3];
		at_flags = a->a[4];
		break;
	case NR_utime:
	case NR_utimes:
	case NR_futimesat:
	case NR_utimensat:
		if (a->nr == NR_futimesat || a->nr == NR_utimensat) {
			dirfd = (int)a->a[0];
			upath = (const char *)a->a[1];
			if (!upath) /* utimensat(fd, NULL, ...): futimens */
				fd = dirfd;
		}
		valid = utimes_valid(a);
		if (!valid) /* both times UTIME_OMIT: the kernel changes nothing */
			return 0;
		if (a->nr == NR_utimensat)
			at_flags = a->a[3];
		chown = 0;
		break;
	}
	if (chmod) {
		valid |= TRACE_ATTR_MODE;
		mode &= 07777;
	} else if (chown) {
		if ((__u32)uid != (__u32)-1)
			valid |= TRACE_ATTR_UID;
		if ((__u32)gid != (__u32)-1)
			valid |= TRACE_ATTR_GID;
	}
	struct prov_task *ts = hook_task(&h);
	struct prov_node path_node, *target;
	if (ts && (target = attr_target(fd, dirfd, upath, at_flags, &path_node, h.container)))
		edge_write(SABPF_REL_SETATTR, &ts->node, target, (valid << 32) | mode, h.container);
	return 0;
}

/* A fresh XATTR node *x for the attribute name at uname (user memory),
 * sent with its name. 0, or -1: nothing sent. */
static __always_inline int xattr_name_send(struct prov_node *x, const char *uname, __u64 container)
{
	struct prov_scratch *s = name_scratch_get();
	if (!s)
		return -1;
	long n = bpf_probe_read_user_str(s->data, SABPF_XATTR_NAME_MAX, uname);
	if (n <= 1)
		return -1;
	s->rec.len = n;
	s->rec.flags = 0;
	s->rec.argc = 0;
	node_init(x, SABPF_NODE_XATTR, container);
	return name_send(s, x, container) ? -1 : 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_xattr, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_FILE);
	if (!a || ret != 0)
		return 0;
	int fd = -1, dirfd = AT_FDCWD;
	const char *upath = (const char *)a->a[0], *uname = (const char *)a->a[1];
	__u64 at_flags = 0, arg = a->a[4]; /* setxattr's flags */
	__u32 to_xattr = SABPF_REL_SETXATTR, to_inode = SABPF_REL_SETXATTR_INODE;
	switch (a->nr) {
	case NR_fsetxattr:
		fd = (int)a->a[0];
		break;
	case NR_setxattrat:
		/* the flags are in the struct xattr_args uargs points to */
		dirfd = (int)a->a[0];
		upath = (const char *)a->a[1];
		at_flags = a->a[2];
		uname = (const char *)a->a[3];
		arg = 0;
		bpf_probe_read_user(&arg, 4, (const char *)a->a[4] + 12);
		break;
	case NR_fremovexattr:
		fd = (int)a->a[0];
		/* fall through */
	case NR_removexattr:
	case NR_lremovexattr:
		to_xattr = SABPF_REL_REMOVEXATTR;
		to_inode = SABPF_REL_REMOVEXATTR_INODE;
		arg = 0;
		break;
	case NR_removexattrat:
		dirfd = (int)a->a[0];
		upath = (const char *)a->a[1];
		at_flags = a->a[2];
		uname = (const char *)a->a[3];
		to_xattr = SABPF_REL_REMOVEXATTR;
		to_inode = SABPF_REL_REMOVEXATTR_INODE;
		arg = 0;
		break;
	}
	struct prov_task *ts = hook_task(&h);
	struct prov_node path_node, x;
	struct prov_node *target =
	    ts ? attr_target(fd, dirfd, upath, at_flags, &path_node, h.container) : 0;
	if (!target)
		return 0;
	if (xattr_name_send(&x, uname, h.container))
		return 0;
	edge_write(to_xattr, &ts->node, &x, arg, h.container);
	edge_write(to_inode, &x, target, 0, h.container);
	return 0;
}

/* getxattr, lgetxattr, fgetxattr, getxattrat (GETXATTR_INODE the file ->
 * XATTR node, GETXATTR xattr -> task) and listxattr, llistxattr,
 * flistxattr, listxattrat (LISTXATTR the file -> task), ret >= 0: the LSM
 * backend's inode_getxattr and inode_listxattr, with the target by
 * descriptor or by name as for setxattr. */
SEC("tp_btf/sys_exit")
int BPF_PROG(trace_xattr_get, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_FILE);
	if (!a || ret < 0)
		return 0;
	int fd = -1, dirfd = AT_FDCWD, list = 0;
	const char *upath = (const char *)a->a[0], *uname = (const char *)a->a[1];
	__u64 at_flags = 0;
	switch (a->nr) {
	case NR_flistxattr:
		list = 1;
		/* fall through */
	case NR_fgetxattr:
		fd = (int)a->a[0];
		break;
	case NR_listxattr:
	case NR_llistxattr:
		list = 1;
		break;
	case NR_listxattrat:
		list = 1;
		/* fall through */
	case NR_getxattrat:
		dirfd = (int)a->a[0];
		upath = (const char *)a->a[1];
		at_flags = a->a[2];
		uname = (const char *)a->a[3];
		break;
	}
	struct prov_task *ts = hook_task(&h);
	struct prov_node path_node, x;
	struct prov_node *target =
	    ts ? attr_target(fd, dirfd, upath, at_flags, &path_node, h.container) : 0;
	if (!target)
		return 0;
	if (list) {
		edge_write(SABPF_REL_LISTXATTR, target, &ts->node, 0, h.container);
		return 0;
	}
	if (xattr_name_send(&x, uname, h.container))
		return 0;
	edge_write(SABPF_REL_GETXATTR_INODE, target, &x, 0, h.container);
	edge_write(SABPF_REL_GETXATTR, &x, &ts->node, 0, h.container);
	return 0;
}

/* A name stat-ed, as a key: the container, the directory a relative name
 * is relative to (mount ^ dentry; 0 for an absolute name), and a hash of
 * the name's bytes. */
struct getattr_key {
	__u64 container;
	__u64 dir;
	__u64 hash;
};

/* The PATH node last made for each name stat-ed (getattr_path): a stat of
 * the same name again (a shell's PATH search, `ls -l` twice, a stat
 * loop) reuses its node, so its edge merges with the last one instead of
 * a new node, name and edge per call. LRU: an evicted name gets a new node
 * at its next stat. The node's name is that of its first stat (a
 * directory renamed above a relative name since then is not seen). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct getattr_key);
	__type(value, struct prov_node);
} getattr_paths SEC(".maps");

/* FNV-1a over a name's n bytes in the scratch buffer, a word at a time. */
static __always_inline __u64 name_hash(const struct prov_scratch *s, long n)
{
	__u64 h = 0xcbf29ce484222325ULL;
	for (__u32 i = 0; i < 1024 / 8; i++) {
		if ((long)i * 8 >= n)
			break;
		__u64 w = *(const __u64 *)&s->data[bounded(i * 8, 1024 - 8)];
		long left = n - (long)i * 8;
		if (left < 8)
			w &= (1ULL << (left * 8)) - 1;
		h = (h ^ w) * 0x100000001b3ULL;
	}
	return h ^ (__u64)n;
}

/* getattr of a name: the cached PATH node of (dirfd's directory, name),
 * or a new one (user_path_send) kept for the next stat of that name. */
static __always_inline void getattr_path(struct prov_task *ts, int dirfd, const char *upath,
					 __u64 container)
{
	struct prov_scratch *s = name_scratch_get();
	if (!s || !upath)
		return;
	long n = bpf_probe_read_user_str(s->data, 1024, upath);
	if (n <= 1)
		return;
	struct getattr_key key = {.container = container};
	if (s->data[0] != '/') {
		__u64 mnt, dentry;
		if (dir_of(dirfd, &mnt, &dentry))
			return;
		key.dir = mnt ^ (dentry << 1);
	}
	key.hash = name_hash(s, n);
	struct prov_node *cached = bpf_map_lookup_elem(&getattr_paths, &key);
	if (cached) {
		edge_write(SABPF_REL_GETATTR, cached, &ts->node, 0, container);
		return;
	}
	struct prov_node path_node;
	if (user_path_send(dirfd, upath, &path_node, container))
		return;
	edge_write(SABPF_REL_GETATTR, &path_node, &ts->node, 0, container);
	bpf_map_update_elem(&getattr_paths, &key, &path_node, BPF_ANY);
}

/* stat, fstat, lstat, newfstatat, statx (ret 0): GETATTR the file (by
 * descriptor, or AT_EMPTY_PATH with an empty name) or the PATH node of
 * the name (getattr_path: one per name) -> task, the LSM backend's
 * inode_getattr. */
SEC("tp_btf/sys_exit")
int BPF_PROG(trace_getattr, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_FILE);
	if (!a || ret != 0)
		return 0;
	int fd = -1, dirfd = AT_FDCWD;
	const char *upath = (const char *)a->a[0];
	__u64 at_flags = 0;
	switch (a->nr) {
	case NR_fstat:
		fd = (int)a->a[0];
		break;
	case NR_newfstatat:
		dirfd = (int)a->a[0];
		upath = (const char *)a->a[1];
		at_flags = a->a[3];
		break;
	case NR_statx:
		dirfd = (int)a->a[0];
		upath = (const char *)a->a[1];
		at_flags = a->a[2];
		break;
	}
	struct prov_task *ts = hook_task(&h);
	if (!ts)
		return 0;
	if (fd < 0 && upath && (at_flags & TRACE_AT_EMPTY_PATH)) {
		char c = 0;
		bpf_probe_read_user(&c, 1, upath);
		if (c == 0)
			fd = dirfd;
	}
	if (fd >= 0) {
		struct prov_inode *is = attr_fd_inode(fd, h.container);
		if (is)
			edge_write(SABPF_REL_GETATTR, &is->node, &ts->node, 0, h.container);
		return 0;
	}
	getattr_path(ts, dirfd, upath, h.container);
	return 0;
}
