/* SPDX-License-Identifier: GPL-2.0 */
/* lib/path.h: the one path walker of the audit programs: a path rebuilt
 * from a (mount, dentry) pair, leaf first, one component per bpf_loop
 * step, crossing mount points up to the task's root (where bpf_d_path is
 * not allowed, and in the trace backend); the mount of a dentry seen in an
 * inode_* hook; and the open file behind a descriptor. */
#ifndef SABPF_LIB_PATH_H
#define SABPF_LIB_PATH_H

#include "lib/record.h"

/* State of one path rebuild, walked one component per bpf_loop step so
 * the verifier checks the step once, not once per component. Pointers are
 * held as plain values and read with BPF_CORE_READ. The offset reached is
 * kept in the scratch map value (s->rec.len), not here on the stack: a
 * value the verifier cannot know lets it see, after one step, that the
 * next one is the same (kernels from 6.8 verify a callback until its
 * states repeat, which a counter on the stack never does). */
struct path_walk {
	struct prov_scratch *s;
	__u64 dentry, vfsmnt, mnt; /* mnt: the struct mount around vfsmnt */
	__u64 root_dentry, root_mnt;
};

/* The walk reached the top: the path is whole (path_rebuild flags it as
 * truncated until then, so a walk cut short by PATH_DEPTH_MAX, the buffer's
 * size or an unreadable name keeps the flag). */
static __always_inline long path_walk_done(struct prov_scratch *s)
{
	s->rec.flags &= ~SABPF_NAME_TRUNCATED;
	return 1;
}

static long path_walk_step(__u32 index, void *ctx)
{
	struct path_walk *w = ctx;
	struct prov_scratch *s = w->s;
	if (!s)
		return 1;
	if (w->dentry == w->root_dentry && w->vfsmnt == w->root_mnt)
		return path_walk_done(s);
	struct vfsmount *vfsmnt = (struct vfsmount *)w->vfsmnt;
	struct mount *mnt = (struct mount *)w->mnt;
	struct dentry *dentry = (struct dentry *)w->dentry;
	if (w->dentry == (__u64)BPF_CORE_READ(vfsmnt, mnt_root)) {
		struct mount *parent = BPF_CORE_READ(mnt, mnt_parent);
		if (!w->mnt || (__u64)parent == w->mnt)
			return path_walk_done(s); /* the top of the mount tree */
		w->dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = (__u64)parent;
		w->vfsmnt = w->mnt + bpf_core_field_offset(struct mount, mnt);
		return 0;
	}
	struct dentry *parent_dentry = BPF_CORE_READ(dentry, d_parent);
	if (!parent_dentry || (__u64)parent_dentry == w->dentry)
		return path_walk_done(s); /* the filesystem's root */
	if (s->rec.argc >= PATH_DEPTH_MAX)
		return 1; /* a component beyond the limit: flagged as truncated */
	const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
	__u32 off = s->rec.len;
	long n = bpf_probe_read_kernel_str(&s->data[bounded(off, NAME_BUF_SIZE / 2 - 1)],
					   NAME_COMPONENT_MAX, name);
	if (n <= 0)
		return 1; /* unreadable name: the path stays flagged as truncated */
	off += n;
	s->rec.len = off;
	s->rec.argc++; /* components read (reset by path_rebuild) */
	if (off > NAME_BUF_SIZE / 2 - NAME_COMPONENT_MAX) {
		return 1; /* the buffer is full: flagged as truncated */
	}
	w->dentry = (__u64)parent_dentry;
	return 0;
}

/* Walks from (vfsmount, dentry) towards the current task's root, at most
 * `steps` steps, appending components to s->data from s->rec.len on.
 * vfsmnt 0: stop at the filesystem's root. */
static __always_inline void path_walk_run(struct prov_scratch *s, __u64 vfsmnt, __u64 dentry,
					  __u32 steps)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct path_walk w = {
	    .s = s,
	    .dentry = dentry,
	    .vfsmnt = vfsmnt,
	    .mnt = vfsmnt ? vfsmnt - bpf_core_field_offset(struct mount, mnt) : 0,
	    .root_dentry = (__u64)BPF_CORE_READ(task, fs, root.dentry),
	    .root_mnt = (__u64)BPF_CORE_READ(task, fs, root.mnt),
	};
	bpf_loop(steps, path_walk_step, &w, 0);
}

/* Rebuilds the path of (vfsmount, dentry) as NUL-separated components,
 * leaf first, crossing mount points, up to the current task's root (as
 * d_path would). Used where bpf_d_path is not allowed. vfsmnt 0: stop at
 * the filesystem's root. Returns the length written into s->data. */
static __always_inline __u32 path_rebuild(struct prov_scratch *s, __u64 vfsmnt, __u64 dentry)
{
	s->rec.flags = SABPF_NAME_REVERSED | SABPF_NAME_TRUNCATED; /* until the walk ends */
	s->rec.len = 0;
	s->rec.argc = 0;
	/* steps: one per component, one per mount crossed, and one more that
	 * can only find the top; out of steps, the path stays flagged */
	path_walk_run(s, vfsmnt, dentry, PATH_DEPTH_MAX + PATH_MOUNTS_MAX + 1);
	s->rec.argc = 0; /* ARGV only, in the record */
	return s->rec.len;
}

/* The mount to rebuild a dentry's path from in an inode_* hook: the one
 * the path_* hook of the same operation left (ts->pending_mnt) when its
 * superblock matches; otherwise the task's working directory's or root's
 * mount when one matches (operations with no path_* hook, e.g. utimensat);
 * otherwise 0 (unknown). The pending mount is kept until the next path_*
 * hook: RENAME_EXCHANGE calls inode_rename twice in one operation. */
static __always_inline __u64 dentry_mount(struct prov_task *ts, struct dentry *dentry_ptr)
{
	struct super_block *sb = BPF_CORE_READ(dentry_ptr, d_sb);
	struct vfsmount *mnt = (struct vfsmount *)ts->pending_mnt;
	if (mnt && BPF_CORE_READ(mnt, mnt_sb) == sb)
		return (__u64)mnt;
	struct task_struct *task = bpf_get_current_task_btf();
	mnt = BPF_CORE_READ(task, fs, pwd.mnt);
	if (mnt && BPF_CORE_READ(mnt, mnt_sb) == sb)
		return (__u64)mnt;
	mnt = BPF_CORE_READ(task, fs, root.mnt);
	if (mnt && BPF_CORE_READ(mnt, mnt_sb) == sb)
		return (__u64)mnt;
	return 0;
}

/* Path of a dentry in an inode_* hook, from the mount dentry_mount finds;
 * without one, relative to the filesystem's root (flagged). One call of
 * path_rebuild, so its loop is verified once per program. */
static __always_inline __u32 dentry_path(struct prov_scratch *s, struct prov_task *ts,
					 struct dentry *dentry_ptr)
{
	__u64 mnt = dentry_mount(ts, dentry_ptr);
	__u32 off = path_rebuild(s, mnt, as_value(dentry_ptr));
	if (!mnt)
		s->rec.flags |= SABPF_NAME_FSRELATIVE;
	return off;
}

/* The address of the slot of descriptor fd in the table of `task`, or 0
 * (fd out of the table). The mask is NR_OPEN - 1, for the verifier. The
 * walk to the table is by direct (BTF) loads, which fault-check without a
 * helper call; the slot, a pointer to a pointer, is read by the caller. */
static __always_inline __u64 fd_slot_of(struct task_struct *task, __u64 fd)
{
	struct files_struct *files = task->files;
	if (!files)
		return 0;
	struct fdtable *fdt = files->fdt;
	if (!fdt || fd >= fdt->max_fds)
		return 0;
	return (__u64)fdt->fd + (fd & 0xfffff) * sizeof(struct file *);
}

/* The open file behind descriptor fd of `task`, or 0 (fd out of the
 * table, or not open): the slot by a probe read (trace/inode.h has the
 * direct-load variant for kernels with bpf_rdonly_cast). */
static __always_inline struct file *fd_file_of(struct task_struct *task, __u64 fd)
{
	__u64 slot = fd_slot_of(task, fd);
	struct file *file = 0;
	if (slot)
		bpf_probe_read_kernel(&file, sizeof(file), (const void *)slot);
	return file;
}

/* The open file behind descriptor fd of the current task, or 0. */
static __always_inline struct file *fd_file(__u64 fd)
{
	return fd_file_of(bpf_get_current_task_btf(), fd);
}

#endif /* SABPF_LIB_PATH_H */
