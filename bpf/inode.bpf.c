/* inode.bpf.c: operations on names: inode_create, inode_unlink,
 * inode_rename, inode_link, inode_symlink and inode_setattr. Their dentries
 * carry no mount, so the path_* hook that precedes each of them (same
 * syscall, same task) leaves its vfsmount in the task's state, and the
 * path is rebuilt across mount points from it. Included into sabpf.bpf.c. */

/* ---- path_* hooks: remember the mount ---------------------------------- */

static __always_inline void remember_mount(struct vfsmount *mnt)
{
	struct sabpf_scope *scope = scope_of_current(SABPF_CLASS_FILE);
	if (!scope)
		return;
	struct prov_task *ts =
		task_state_of(bpf_get_current_task_btf(), scope);
	if (ts)
		ts->pending_mnt = (__u64)mnt;
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
	     const struct path *new_dir, struct dentry *new_dentry)
{
	remember_mount(old_dir->mnt);
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
	struct sabpf_scope *scope = scope_of_current(SABPF_CLASS_FILE);
	if (!scope)
		return 0;
	struct prov_task *ts = current_task_state(scope);
	if (!ts)
		return 0;
	struct prov_node path_node;
	if (dentry_path_send(ts, dentry, &path_node, scope->container) == 0)
		edge_write(relation, &ts->node, &path_node, arg, scope->container);
	ts->pending_mnt = 0;
	return 0;
}

SEC("lsm/inode_create")
int BPF_PROG(on_inode_create, struct inode *dir, struct dentry *dentry, umode_t mode)
{
	return name_created(SABPF_REL_CREATE, dentry, mode);
}

SEC("lsm/inode_symlink")
int BPF_PROG(on_inode_symlink, struct inode *dir, struct dentry *dentry, const char *old_name)
{
	return name_created(SABPF_REL_SYMLINK, dentry, 0);
}

/* An operation by the task on an existing inode, named by `dentry`, and
 * optionally a second, new name for it (rename, link). */
static __always_inline int inode_changed(__u32 relation, struct dentry *dentry,
					 struct dentry *new_dentry, __u64 arg)
{
	struct sabpf_scope *scope = scope_of_current(SABPF_CLASS_FILE);
	if (!scope)
		return 0;
	struct prov_task *ts = current_task_state(scope);
	struct prov_inode *is = inode_state_of(dentry->d_inode, scope->container);
	if (!ts || !is)
		return 0;
	inode_named_by_dentry(is, ts, dentry, scope->container);
	edge_write(relation, &ts->node, &is->node, arg, scope->container);
	if (new_dentry)
		inode_named_by_dentry(is, ts, new_dentry, scope->container);
	ts->pending_mnt = 0;
	return 0;
}

SEC("lsm/inode_unlink")
int BPF_PROG(on_inode_unlink, struct inode *dir, struct dentry *dentry)
{
	return inode_changed(SABPF_REL_UNLINK, dentry, 0, 0);
}

SEC("lsm/inode_link")
int BPF_PROG(on_inode_link, struct dentry *old_dentry, struct inode *dir, struct dentry *new_dentry)
{
	return inode_changed(SABPF_REL_LINK, old_dentry, new_dentry, 0);
}

SEC("lsm/inode_rename")
int BPF_PROG(on_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry)
{
	return inode_changed(SABPF_REL_RENAME, old_dentry, new_dentry, 0);
}

static __always_inline int setattr(struct dentry *dentry, struct iattr *attr)
{
	__u64 arg = ((__u64)BPF_CORE_READ(attr, ia_valid) << 32) | BPF_CORE_READ(attr, ia_mode);
	return inode_changed(SABPF_REL_SETATTR, dentry, 0, arg);
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
