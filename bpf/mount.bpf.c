/* SPDX-License-Identifier: GPL-2.0 */
/* mount.bpf.c: mounts made and removed by audited tasks: sb_mount (mount,
 * bind, remount, move: the flags tell) and sb_umount. The mount point is
 * named by its full path. Included into sabpf.bpf.c after file.bpf.c. */

/* mount(2): the task changes what the mount point directory shows. */
SEC("lsm/sb_mount")
int BPF_PROG(on_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_FILE))
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *is = inode_state_of(path->dentry->d_inode, h.container);
	if (!ts || !is)
		return 0;
	inode_named_by_path(is, path, h.container);
	edge_write(SABPF_REL_MOUNT, &ts->node, &is->node, flags, h.container);
	return 0;
}

/* umount(2): the root directory of the mount goes; its path is rebuilt
 * from the mount across the mount point. */
SEC("lsm/sb_umount")
int BPF_PROG(on_sb_umount, struct vfsmount *mnt, int flags)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_FILE))
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct dentry *root = mnt->mnt_root;
	struct prov_inode *is = inode_state_of(root->d_inode, h.container);
	if (!ts || !is)
		return 0;
	inode_named_by_mount(is, as_value(mnt), as_value(root), h.container);
	edge_write(SABPF_REL_UMOUNT, &ts->node, &is->node, flags, h.container);
	return 0;
}
