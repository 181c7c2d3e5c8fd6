/* SPDX-License-Identifier: GPL-2.0 */
/* inode.bpf.c: operations on names and attributes: inode_create,
 * inode_unlink, inode_rename, inode_link, inode_symlink, inode_setattr,
 * inode_getattr, the xattr hooks (inode_setxattr, inode_getxattr,
 * inode_listxattr, inode_removexattr), and mkdir and rmdir, recorded at
 * path_mkdir and path_rmdir, which have the mount themselves. The other dentries
 * carry no mount, so the path_* hook that precedes each of them (same
 * syscall, same task) leaves its vfsmount in the task's state, and the
 * path is rebuilt across mount points from it. Included into sabpf.bpf.c. */

/* ---- path_* hooks: remember the mount ---------------------------------- */

static __always_inline struct prov_task *remember_mount(struct vfsmount *mnt)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_FILE))
		return 0;
	struct prov_task *ts = task_state_of(bpf_get_current_task_btf(), h.scope);
	if (ts)
		ts->pending_mnt = (__u64)mnt;
	return ts;
}

SEC("lsm/path_mknod")
int BPF_PROG(on_path_mknod, const struct path *dir, struct dentry *dentry, umode_t mode,
	     unsigned int dev)
{
	remember_mount(dir->mnt);
	return 0;
}

SEC("lsm/path_unlink")
int BPF_PROG(on_path_unlink, const struct path *dir, struct dentry *dentry)
{
	remember_mount(dir->mnt);
	return 0;
}

SEC("lsm/path_symlink")
int BPF_PROG(on_path_symlink, const struct path *dir, struct dentry *dentry, const char *old_name)
{
	remember_mount(dir->mnt);
	return 0;
}

SEC("lsm/path_link")
int BPF_PROG(on_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry)
{
	remember_mount(new_dir->mnt);
	return 0;
}

SEC("lsm/path_rename")
int BPF_PROG(on_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags)
{
	struct prov_task *ts = remember_mount(old_dir->mnt);
	if (ts)
		ts->rename_flags = flags; /* inode_rename has no flags */
	return 0;
}

SEC("lsm/path_chmod")
int BPF_PROG(on_path_chmod, const struct path *path, umode_t mode)
{
	remember_mount(path->mnt);
	return 0;
}

SEC("lsm/path_chown")
int BPF_PROG(on_path_chown, const struct path *path, __u64 uid, __u64 gid)
{
	remember_mount(path->mnt);
	return 0;
}

SEC("lsm/path_truncate")
int BPF_PROG(on_path_truncate, const struct path *path)
{
	remember_mount(path->mnt);
	return 0;
}

/* ftruncate on Linux 6.2 and later (6.1 calls path_truncate for it) */
SEC("lsm/file_truncate")
int BPF_PROG(on_file_truncate, struct file *file)
{
	remember_mount(file->f_path.mnt);
	return 0;
}

/* ---- directories: path_mkdir, path_rmdir -------------------------------- */

/* mkdir and rmdir are recorded in their path_* hooks, which see the parent
 * directory's mount: one program each instead of a path_* and inode_*
 * pair, and no record of the filesystem-internal mkdirs of stacked
 * filesystems (an overlayfs copy-up), which never pass a path_* hook. */
SEC("lsm/path_mkdir")
int BPF_PROG(on_path_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_FILE))
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_scratch *s = name_scratch_get();
	if (!ts || !s)
		return 0;
	s->rec.argc = 0;
	s->rec.len = path_rebuild(s, as_value(dir->mnt), as_value(dentry));
	struct prov_node path_node;
	node_init(&path_node, SABPF_NODE_PATH, h.container);
	if (name_send(s, &path_node, h.container) == 0)
		edge_write(SABPF_REL_MKDIR, &ts->node, &path_node, S_IFDIR | mode, h.container);
	return 0;
}

SEC("lsm/path_rmdir")
int BPF_PROG(on_path_rmdir, const struct path *dir, struct dentry *dentry)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_FILE))
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *is = inode_state_of(dentry->d_inode, h.container);
	if (!ts || !is)
		return 0;
	inode_named_by_mount(is, as_value(dir->mnt), as_value(dentry), h.container);
	edge_write(SABPF_REL_RMDIR, &ts->node, &is->node, 0, h.container);
	return 0;
}

/* ---- inode_* hooks ------------------------------------------------------ */

/* Sends the path of `dentry` as a new PATH node. Returns 0 when sent. */
static __always_inline int dentry_path_send(struct prov_task *ts, struct dentry *dentry,
					    struct prov_node *path_node, __u64 container)
{
	struct prov_scratch *s = name_scratch_get();
	if (!s)
		return -1;
	s->rec.argc = 0;
	s->rec.len = dentry_path(s, ts, dentry);
	node_init(path_node, SABPF_NODE_PATH, container);
	return name_send(s, path_node, container);
}

/* Names the inode of `dentry` by its path, unless that name was the last. */
static __always_inline void inode_named_by_dentry(struct prov_inode *is, struct prov_task *ts,
						  struct dentry *dentry, __u64 container)
{
	__u64 key = (__u64)dentry;
	if (is->name_key == key)
		return;
	struct prov_node path_node;
	if (dentry_path_send(ts, dentry, &path_node, container) == 0)
		edge_write(SABPF_REL_NAMED, &path_node, &is->node, 0, container);
	is->name_key = key;
}

/* A new name made by the task (create, symlink): a PATH entity that the
 * task generated. The inode itself appears when it is opened. */
static __always_inline int name_created(__u32 relation, struct dentry *dentry, __u64 arg)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_FILE))
		return 0;
	struct prov_task *ts = hook_task(&h);
	if (!ts)
		return 0;
	struct prov_node path_node;
	if (dentry_path_send(ts, dentry, &path_node, h.container) == 0)
		edge_write(relation, &ts->node, &path_node, arg, h.container);
	return 0;
}

SEC("lsm/inode_create")
int BPF_PROG(on_inode_create, struct inode *dir, struct dentry *dentry, umode_t mode)
{
	return name_created(SABPF_REL_CREATE, dentry, mode);
}

/* mknod and mkfifo of anything but a regular file (and the socket file of
 * a unix bind): the same new name, the type in the mode */
SEC("lsm/inode_mknod")
int BPF_PROG(on_inode_mknod, struct inode *dir, struct dentry *dentry, umode_t mode, dev_t dev)
{
	return name_created(SABPF_REL_CREATE, dentry, mode);
}

SEC("lsm/inode_symlink")
int BPF_PROG(on_inode_symlink, struct inode *dir, struct dentry *dentry, const char *old_name)
{
	return name_created(SABPF_REL_SYMLINK, dentry, 0);
}

/* An operation by the task on an existing inode, named by `dentry`, and
 * optionally a second, new name for it (rename, link). attr (setattr):
 * the arg is read from it past the prelude, so that the out-of-scope path
 * stays one lookup. */
static __always_inline int inode_changed(__u32 relation, struct dentry *dentry,
					 struct dentry *new_dentry, __u64 arg, struct iattr *attr)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_FILE))
		return 0;
	if (attr)
		arg = ((__u64)BPF_CORE_READ(attr, ia_valid) << 32) | BPF_CORE_READ(attr, ia_mode);
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *is = inode_state_of(dentry->d_inode, h.container);
	if (!ts || !is)
		return 0;
	inode_named_by_dentry(is, ts, dentry, h.container);
	edge_write(relation, &ts->node, &is->node, arg, h.container);
	if (new_dentry)
		inode_named_by_dentry(is, ts, new_dentry, h.container);
	return 0;
}

SEC("lsm/inode_unlink")
int BPF_PROG(on_inode_unlink, struct inode *dir, struct dentry *dentry)
{
	return inode_changed(SABPF_REL_UNLINK, dentry, 0, 0, 0);
}

SEC("lsm/inode_link")
int BPF_PROG(on_inode_link, struct dentry *old_dentry, struct inode *dir, struct dentry *new_dentry)
{
	return inode_changed(SABPF_REL_LINK, old_dentry, new_dentry, 0, 0);
}

SEC("lsm/inode_rename")
int BPF_PROG(on_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct prov_task *ts = bpf_task_storage_get(&task_store, task, 0, 0);
	__u64 flags = ts ? ts->rename_flags : 0;
	return inode_changed(SABPF_REL_RENAME, old_dentry, new_dentry, flags, 0);
}

static __always_inline int setattr(struct dentry *dentry, struct iattr *attr)
{
	return inode_changed(SABPF_REL_SETATTR, dentry, 0, 0, attr);
}

/* inode_setattr gained a leading idmap argument in Linux 6.3: the loader
 * keeps the variant that matches the running kernel. */
SEC("lsm/inode_setattr")
int BPF_PROG(on_inode_setattr, struct dentry *dentry, struct iattr *attr)
{
	return setattr(dentry, attr);
}

SEC("lsm/inode_setattr")
int BPF_PROG(on_inode_setattr_idmap, void *idmap, struct dentry *dentry, struct iattr *attr)
{
	return setattr(dentry, attr);
}

/* stat: the attributes of an inode flow to the task. The hook has a full
 * struct path, so the name comes from bpf_d_path. */
SEC("lsm/inode_getattr")
int BPF_PROG(on_inode_getattr, const struct path *path)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_FILE))
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *is = inode_state_of(path->dentry->d_inode, h.container);
	if (!ts || !is)
		return 0;
	if (kind_has_path(is->node.kind))
		inode_named_by_path(is, path, h.container);
	edge_write(SABPF_REL_GETATTR, &is->node, &ts->node, 0, h.container);
	return 0;
}

/* ---- extended attributes ------------------------------------------------ */

/* Sends an XATTR node carrying the attribute's name. Returns 0 when sent. */
static __always_inline int xattr_node_send(struct prov_node *x, const char *name, __u64 container)
{
	struct prov_scratch *s = name_scratch_get();
	if (!s)
		return -1;
	long n = bpf_probe_read_kernel_str(s->data, SABPF_XATTR_NAME_MAX, name);
	if (n <= 0)
		return -1;
	s->rec.len = n;
	s->rec.flags = 0;
	s->rec.argc = 0;
	node_init(x, SABPF_NODE_XATTR, container);
	return name_send(s, x, container);
}

/* An xattr operation, CamFlow's way: the attribute is an entity between the
 * task and the inode. Writing (set, remove): task -> xattr -> inode; reading
 * (get): inode -> xattr -> task. Without a name (list): inode -> task. */
static __always_inline int xattr_op(struct dentry *dentry, const char *name, __u32 task_relation,
				    __u32 inode_relation, __u64 arg, int reading)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_FILE))
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *is = inode_state_of(dentry->d_inode, h.container);
	if (!ts || !is)
		return 0;
	/* No path_* hook precedes these: the mount is unknown, so an inode
	 * already named (at open, mostly) keeps its full path. */
	if (is->name_key == 0 && kind_has_path(is->node.kind))
		inode_named_by_dentry(is, ts, dentry, h.container);
	if (!name) {
		edge_write(task_relation, &is->node, &ts->node, arg, h.container);
		return 0;
	}
	struct prov_node x;
	if (xattr_node_send(&x, name, h.container))
		return 0;
	if (reading) {
		edge_write(inode_relation, &is->node, &x, 0, h.container);
		edge_write(task_relation, &x, &ts->node, arg, h.container);
	} else {
		edge_write(task_relation, &ts->node, &x, arg, h.container);
		edge_write(inode_relation, &x, &is->node, 0, h.container);
	}
	return 0;
}

/* inode_setxattr and inode_removexattr take a leading idmap (user
 * namespace before 6.3) argument in the kernels that have it: the loader
 * keeps the variant whose arity matches the running kernel. */
SEC("lsm/inode_setxattr")
int BPF_PROG(on_inode_setxattr, struct dentry *dentry, const char *name, const void *value,
	     size_t size, int flags)
{
	return xattr_op(dentry, name, SABPF_REL_SETXATTR, SABPF_REL_SETXATTR_INODE, flags, 0);
}

SEC("lsm/inode_setxattr")
int BPF_PROG(on_inode_setxattr_idmap, void *idmap, struct dentry *dentry, const char *name,
	     const void *value, size_t size, int flags)
{
	return xattr_op(dentry, name, SABPF_REL_SETXATTR, SABPF_REL_SETXATTR_INODE, flags, 0);
}

SEC("lsm/inode_getxattr")
int BPF_PROG(on_inode_getxattr, struct dentry *dentry, const char *name)
{
	return xattr_op(dentry, name, SABPF_REL_GETXATTR, SABPF_REL_GETXATTR_INODE, 0, 1);
}

SEC("lsm/inode_listxattr")
int BPF_PROG(on_inode_listxattr, struct dentry *dentry)
{
	return xattr_op(dentry, 0, SABPF_REL_LISTXATTR, 0, 0, 1);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(on_inode_removexattr, struct dentry *dentry, const char *name)
{
	return xattr_op(dentry, name, SABPF_REL_REMOVEXATTR, SABPF_REL_REMOVEXATTR_INODE, 0, 0);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(on_inode_removexattr_idmap, void *idmap, struct dentry *dentry, const char *name)
{
	return xattr_op(dentry, name, SABPF_REL_REMOVEXATTR, SABPF_REL_REMOVEXATTR_INODE, 0, 0);
}
