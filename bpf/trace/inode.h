/* SPDX-License-Identifier: GPL-2.0 */
/* trace/inode.h: inode nodes of the trace backend, and the helpers its
 * family programs share (fd -> struct file, names of inodes). Inode local
 * storage is LSM-only, so an inode's node lives in an LRU hash keyed by
 * (super block, ino); the entry remembers the inode's generation and a node is
 * made afresh when it differs (an inode number reused by a new file) or
 * when the open created the file. Nothing tells a tracepoint program when
 * an inode is freed: the map is an LRU, and an evicted entry means the
 * next access to that file starts a new node (a break in its history, not
 * a false flow). Included into trace.bpf.c. */

struct trace_inode_key {
	__u64 sb; /* the address of its struct super_block: its file system */
	__u64 ino;
};

struct trace_inode {
	struct prov_inode is;
	__u32 generation;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct trace_inode_key);
	__type(value, struct trace_inode);
} trace_inodes SEC(".maps");

static __always_inline void trace_inode_record(struct prov_inode *is, struct inode *inode,
					       __u64 container)
{
	struct socket *sock = is->node.kind == SABPF_NODE_SOCKET ? inode_socket(inode) : 0;
	inode_node_record(&is->node, inode, sock, container);
}

/* Bytes at the start of struct inode read at once by trace_inode_find:
 * i_sb and i_ino are there on every kernel, i_generation too on recent ones
 * (6.18: at 124); a field past them is read on its own. One probe read per
 * field was most of the cost of an audited read or write. */
#define TRACE_INODE_HEAD 128

/* A field of the inode head, at its CO-RE offset (a constant at load, so
 * the verifier sees a fixed, aligned stack slot), or read on its own when
 * this kernel puts it past the head. */
#define trace_inode_field(head, inode, field, type)                                                \
	({                                                                                         \
		type v_;                                                                           \
		const __u32 off_ = bpf_core_field_offset(struct inode, field);                     \
		if (off_ + sizeof(type) <= TRACE_INODE_HEAD)                                       \
			__builtin_memcpy(&v_, (const __u8 *)(head) + off_, sizeof(type));          \
		else                                                                               \
			v_ = (type)BPF_CORE_READ(inode, field);                                    \
		v_;                                                                                \
	})

/* An inode's entry in trace_inodes, by its key (super block, ino), if it
 * still belongs to this inode (same generation); key and generation are
 * filled for trace_inode_state_at. */
static __always_inline struct trace_inode *
trace_inode_find(struct inode *inode, struct trace_inode_key *key, __u32 *generation)
{
	__u64 head[TRACE_INODE_HEAD / 8];
	if (bpf_probe_read_kernel(head, sizeof(head), inode))
		__builtin_memset(head, 0, sizeof(head));
	key->sb = trace_inode_field(head, inode, i_sb, __u64);
	key->ino = trace_inode_field(head, inode, i_ino, __u64);
	*generation = trace_inode_field(head, inode, i_generation, __u32);
	struct trace_inode *ti = bpf_map_lookup_elem(&trace_inodes, key);
	return ti && ti->generation == *generation ? ti : 0;
}

/* Direct loads on the read and write path. bpf_rdonly_cast (a kfunc of
 * Linux 6.2 and later) turns an address into an untrusted BTF pointer,
 * through which fields are read by plain loads that the kernel
 * fault-checks, where a probe read is a helper call (about 35 ns each on
 * this project's host; three of them were a third of an audited read).
 * Declared weak: a kernel without it keeps the probe-read programs
 * (trace_read, trace_write), and src/trace.c loads the *_direct ones only
 * where its BTF has the kfunc; a program that calls a missing kfunc never
 * loads, so the two never share code that calls it. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* The open file behind descriptor fd of `task`, as fd_file_of (lib/path.h)
 * but by direct loads. The table slot is a pointer to a pointer, which
 * BTF does not type: it is read as the one member of struct llist_node,
 * the kernel's struct of exactly one pointer. */
static __always_inline struct file *fd_file_direct(struct task_struct *task, __u64 fd)
{
	__u64 slot = fd_slot_of(task, fd);
	if (!slot)
		return 0;
	struct llist_node *word =
	    bpf_rdonly_cast((void *)slot, bpf_core_type_id_kernel(struct llist_node));
	return (struct file *)word->next;
}

/* The inode of an open file, by a direct load. */
static __always_inline struct inode *file_inode_direct(struct file *file)
{
	struct file *f = bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file));
	return f->f_inode;
}

/* trace_inode_find by direct loads (the three fields, not the head). */
static __always_inline struct trace_inode *
trace_inode_find_direct(struct inode *inode, struct trace_inode_key *key, __u32 *generation)
{
	struct inode *in = bpf_rdonly_cast(inode, bpf_core_type_id_kernel(struct inode));
	key->sb = (__u64)in->i_sb;
	key->ino = in->i_ino;
	*generation = in->i_generation;
	struct trace_inode *ti = bpf_map_lookup_elem(&trace_inodes, key);
	return ti && ti->generation == *generation ? ti : 0;
}

/* trace_inode_state past trace_inode_find (ti: what it found). */
static __always_inline struct prov_inode *
trace_inode_state_at(struct inode *inode, struct trace_inode_key *key, __u32 generation,
		     struct trace_inode *ti, __u64 container, int created)
{
	if (!ti || created) {
		struct trace_inode fresh = {.generation = generation};
		node_init(&fresh.is.node, inode_kind_of(inode), container);
		bpf_map_update_elem(&trace_inodes, key, &fresh, BPF_ANY);
		ti = bpf_map_lookup_elem(&trace_inodes, key);
		if (!ti)
			return 0;
	}
	trace_inode_record(&ti->is, inode, container);
	return &ti->is;
}

/* The node of an inode (recorded); `created`: the file was just made, so
 * any entry left under its (super block, ino) belongs to a file gone before. */
static __always_inline struct prov_inode *trace_inode_state(struct inode *inode, __u64 container,
							    int created)
{
	if (!inode)
		return 0;
	struct trace_inode_key key;
	__u32 generation;
	struct trace_inode *ti = trace_inode_find(inode, &key, &generation);
	return trace_inode_state_at(inode, &key, generation, ti, container, created);
}

static __always_inline int trace_kind_has_path(__u16 kind)
{
	return kind == SABPF_NODE_FILE || kind == SABPF_NODE_DIRECTORY || kind == SABPF_NODE_LINK ||
	       kind == SABPF_NODE_CHAR || kind == SABPF_NODE_BLOCK || kind == SABPF_NODE_FIFO;
}

/* What identifies a name of an open file: its mount and dentry, and the
 * dentry's parent and name hash, which a rename changes (the dentry itself
 * moves with the file). */
static __always_inline __u64 file_name_key(struct file *file)
{
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	return (__u64)BPF_CORE_READ(file, f_path.mnt) ^ (__u64)dentry ^
	       ((__u64)BPF_CORE_READ(dentry, d_parent) << 1) ^
	       BPF_CORE_READ(dentry, d_name.hash_len);
}

/* Names an inode by the rebuilt path of an open file, unless that name was
 * its last. `created`: the task made the file: a CREATE edge from `task`
 * to the new name comes first. (task is never NULL: the 6.1 verifier loses
 * track of a NULL test on a pointer spilled across the path walk.) */
static __always_inline void trace_inode_named(struct prov_inode *is, struct file *file,
					      __u64 container, struct prov_node *task, int created)
{
	__u64 key = file_name_key(file);
	if (is->name_key == key && !created)
		return;
	struct prov_scratch *s = name_scratch_get();
	if (!s)
		return;
	s->rec.argc = 0;
	s->rec.len = path_rebuild(s, (__u64)BPF_CORE_READ(file, f_path.mnt),
				  (__u64)BPF_CORE_READ(file, f_path.dentry));
	struct prov_node path_node;
	node_init(&path_node, SABPF_NODE_PATH, container);
	if (name_send(s, &path_node, container) == 0) {
		if (created)
			edge_write(SABPF_REL_CREATE, task, &path_node,
				   BPF_CORE_READ(file, f_inode, i_mode), container);
		edge_write(SABPF_REL_NAMED, &path_node, &is->node, 0, container);
	}
	is->name_key = key;
}

/* A PATH node for a name given to a syscall (unlink, rename): the string
 * is read from user memory at the syscall's exit (it can have changed since
 * the kernel read it); a relative one is completed with the rebuilt path
 * of the directory it is relative to (dirfd, or the working directory).
 * Returns 0 when the node was sent. */
/* The directory a relative name given to a syscall is relative to: the
 * working directory (AT_FDCWD) or dirfd's file. 0, or -1 for a bad dirfd. */
static __always_inline int dir_of(int dirfd, __u64 *mnt, __u64 *dentry)
{
	if (dirfd == AT_FDCWD) {
		struct task_struct *task = bpf_get_current_task_btf();
		*mnt = (__u64)BPF_CORE_READ(task, fs, pwd.mnt);
		*dentry = (__u64)BPF_CORE_READ(task, fs, pwd.dentry);
		return 0;
	}
	struct file *dir = fd_file(dirfd);
	if (!dir)
		return -1;
	*mnt = (__u64)BPF_CORE_READ(dir, f_path.mnt);
	*dentry = (__u64)BPF_CORE_READ(dir, f_path.dentry);
	return 0;
}

static __always_inline int user_path_send(int dirfd, const char *upath, struct prov_node *path_node,
					  __u64 container)
{
	struct prov_scratch *s = name_scratch_get();
	if (!s || !upath)
		return -1;
	s->rec.argc = 0;
	s->rec.flags = 0;
	long n = bpf_probe_read_user_str(s->data, 1024, upath);
	if (n <= 1)
		return -1;
	s->rec.len = n;
	if (n == 1024)
		s->rec.flags |= SABPF_NAME_TRUNCATED;
	if (s->data[0] != '/') {
		__u64 mnt, dentry;
		if (dir_of(dirfd, &mnt, &dentry))
			return -1;
		/* the user's string is the leaf "component" (slashes in it join
		 * as they are) */
		s->rec.flags |= SABPF_NAME_REVERSED;
		path_walk_run(s, mnt, dentry, PATH_DEPTH_MAX);
	}
	node_init(path_node, SABPF_NODE_PATH, container);
	return name_send(s, path_node, container);
}
