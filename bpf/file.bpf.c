/* SPDX-License-Identifier: GPL-2.0 */
/* file.bpf.c: open files: file_open, file_permission (every read and
 * write), mmap_file (shared and private maps told apart), file_mprotect,
 * file_ioctl, file_lock, file_fcntl, and file_free_security, which
 * empties the file map. Inode nodes and their names are lsm/inode.h's.
 * Included into sabpf.bpf.c after task.bpf.c. */

/* Process memory edges are needed only when threads share it: in a
 * single-threaded process the task node already carries every flow. */
static __always_inline int threads_share_memory(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	return BPF_CORE_READ(task, signal, nr_threads) > 1;
}

/* ---- hooks ----------------------------------------------------------- */

SEC("lsm/file_open")
int BPF_PROG(on_file_open, struct file *file)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_FILE))
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *is = inode_state_of(file->f_inode, h.container);
	if (!ts || !is)
		return 0;
	/* a FIFO opened by its path is named too (anonymous pipes are not
	 * opened through this hook) */
	if (kind_has_path(is->node.kind) || is->node.kind == SABPF_NODE_FIFO)
		inode_named_by_path(is, &file->f_path, h.container);
	edge_write(SABPF_REL_OPEN, &is->node, &ts->node, file->f_flags, h.container);

	__u64 key = (__u64)file;
	struct prov_file fs = {
	    .inode_id = is->node.id,
	    .container = h.container,
	    .flags = file->f_flags,
	    .named = 1,
	};
	lost_if_failed(bpf_map_update_elem(&file_map, &key, &fs, BPF_ANY), h.container,
		       SABPF_LOST_FILE_MAP);
	return 0;
}

SEC("lsm/file_permission")
int BPF_PROG(on_file_permission, struct file *file, int mask)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_FILE) || !(mask & (MAY_READ | MAY_WRITE | MAY_APPEND)))
		return 0;
	struct inode *inode = file->f_inode;
	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) == S_IFSOCK)
		return 0; /* socket_sendmsg and socket_recvmsg record those */
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *is = inode_state_of(inode, h.container);
	if (!ts || !is)
		return 0;

	/* A file opened before it came into scope (an inherited descriptor)
	 * is named here, once per open file. An inode that already has a name
	 * skips the lookup: this is the hottest path of all. */
	__u64 key = (__u64)file;
	if (is->name_key == 0 && !bpf_map_lookup_elem(&file_map, &key)) {
		if (kind_has_path(is->node.kind))
			inode_named_by_rebuild(is, file, h.container);
		struct prov_file fs = {
		    .inode_id = is->node.id,
		    .container = h.container,
		    .flags = file->f_flags,
		    .named = 1,
		};
		lost_if_failed(bpf_map_update_elem(&file_map, &key, &fs, BPF_NOEXIST), h.container,
			       SABPF_LOST_FILE_MAP);
	}

	int threads = threads_share_memory();
	struct prov_node *mem = threads ? current_mem_state(h.container) : 0;
	if (mask & MAY_READ) {
		edge_write(SABPF_REL_READ, &is->node, &ts->node, 0, h.container);
		if (mem)
			edge_write(SABPF_REL_MEMORY_WRITE, &ts->node, mem, 0, h.container);
	}
	if (mask & (MAY_WRITE | MAY_APPEND)) {
		if (mem)
			edge_write(SABPF_REL_MEMORY_READ, mem, &ts->node, 0, h.container);
		edge_write(SABPF_REL_WRITE, &ts->node, &is->node, 0, h.container);
	}
	return 0;
}

SEC("lsm/mmap_file")
int BPF_PROG(on_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags)
{
	if (!file)
		return 0; /* anonymous memory */
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_FILE))
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *is = inode_state_of(file->f_inode, h.container);
	if (!ts || !is)
		return 0;
	if (kind_has_path(is->node.kind))
		inode_named_by_path(is, &file->f_path, h.container);
	__u64 arg = ((__u64)prot << 32) | (__u32)flags;
	map_edges(ts, is, prot, map_is_shared(flags), arg, h.container);
	if (threads_share_memory()) {
		struct prov_node *mem = current_mem_state(h.container);
		if (mem)
			edge_write(SABPF_REL_MEMORY_WRITE, &ts->node, mem, 0, h.container);
	}
	return 0;
}

/* mprotect: a file mapping given new protections is mapped anew, as
 * mmap_file records it (arg: prot<<32 | MAP_SHARED or MAP_PRIVATE); for
 * anonymous memory, the task changes its own process memory (mprotect). */
SEC("lsm/file_mprotect")
int BPF_PROG(on_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_FILE))
		return 0;
	struct prov_task *ts = hook_task(&h);
	if (!ts)
		return 0;
	struct file *file = vma->vm_file;
	if (!file) {
		struct prov_node *mem = current_mem_state(h.container);
		if (mem)
			edge_write(SABPF_REL_MPROTECT, &ts->node, mem, prot, h.container);
		return 0;
	}
	struct prov_inode *is = inode_state_of(file->f_inode, h.container);
	if (!is)
		return 0;
	if (kind_has_path(is->node.kind))
		inode_named_by_rebuild(is, file, h.container);
	int shared = (BPF_CORE_READ(vma, vm_flags) & VM_SHARED) != 0;
	__u64 arg = ((__u64)prot << 32) | (shared ? MAP_SHARED : MAP_PRIVATE);
	map_edges(ts, is, prot, shared, arg, h.container);
	return 0;
}

/* The common start of the hooks on an open file other than a socket
 * (socket.bpf.c records those on the socket's node): both ends recorded,
 * the inode named by the file's path. */
static __always_inline int file_op_begin(struct hook *h, struct file *file, struct prov_inode **is)
{
	if (!hook_enter(h, SABPF_CLASS_FILE))
		return -1;
	struct inode *inode = file->f_inode;
	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) == S_IFSOCK)
		return -1;
	hook_task(h);
	*is = inode_state_of(inode, h->container);
	if (!h->ts || !*is)
		return -1;
	if (kind_has_path((*is)->node.kind))
		inode_named_by_rebuild(*is, file, h->container);
	return 0;
}

/* ioctl: CamFlow's pair of edges, write_ioctl to the inode and read_ioctl
 * back, as a command may do either. */
SEC("lsm/file_ioctl")
int BPF_PROG(on_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg)
{
	struct hook h;
	struct prov_inode *is;
	if (file_op_begin(&h, file, &is))
		return 0;
	edge_write(SABPF_REL_WRITE_IOCTL, &h.ts->node, &is->node, cmd, h.container);
	edge_write(SABPF_REL_READ_IOCTL, &is->node, &h.ts->node, cmd, h.container);
	return 0;
}

/* flock and fcntl locks: cmd is LOCK_SH/LOCK_EX/LOCK_UN, or F_RDLCK/F_WRLCK. */
SEC("lsm/file_lock")
int BPF_PROG(on_file_lock, struct file *file, unsigned int cmd)
{
	struct hook h;
	struct prov_inode *is;
	if (file_op_begin(&h, file, &is))
		return 0;
	edge_write(SABPF_REL_FILE_LOCK, &h.ts->node, &is->node, cmd, h.container);
	return 0;
}

SEC("lsm/file_fcntl")
int BPF_PROG(on_file_fcntl, struct file *file, unsigned int cmd, unsigned long arg)
{
	struct hook h;
	struct prov_inode *is;
	if (file_op_begin(&h, file, &is))
		return 0;
	edge_write(SABPF_REL_FCNTL, &h.ts->node, &is->node, cmd, h.container);
	return 0;
}

SEC("lsm/file_free_security")
void BPF_PROG(on_file_free_security, struct file *file)
{
	__u64 key = (__u64)file;
	bpf_map_delete_elem(&file_map, &key);
}
