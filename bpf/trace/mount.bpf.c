/* SPDX-License-Identifier: GPL-2.0 */
/* trace/mount.bpf.c: mounts made and removed by audited tasks, at the
 * syscall's exit (ret 0 only), with the LSM backend's relations
 * (mount.bpf.c's sb_mount and sb_umount):
 *   mount    mount: task -> PATH node of the mount point (arg: the MS_*
 *            flags); umount2: task -> PATH node of the target (arg: the
 *            umount flags); with the system class (as the LSM backend's
 *            move_mount and sb_pivotroot): move_mount, task -> PATH node
 *            of the place the mount moves to (or the directory of to_dfd,
 *            with MOVE_MOUNT_T_EMPTY_PATH), and pivot_root, task -> PATH
 *            node of the new root
 * As for the other calls by name (trace/inode.h's user_path_send), the
 * target is the string the task gave, read from user memory at the exit
 * and made absolute against the working directory: a PATH node, where the
 * LSM backend names the mount point's (or the mount root's) inode.
 * Included into trace.bpf.c. */

#define NR_umount2 166
#define NR_pivot_root 155
#define NR_move_mount 429
#define MOVE_MOUNT_T_EMPTY_PATH 0x40

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_mount, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_FILE | SABPF_CLASS_SYS);
	if (!a || ret != 0)
		return 0;
	const char *target = (const char *)a->a[1]; /* mount(source, target, type, flags) */
	__u64 flags = a->a[3];
	__u32 relation = SABPF_REL_MOUNT, class = SABPF_CLASS_FILE;
	int dirfd = AT_FDCWD;
	switch (a->nr) {
	case NR_umount2:
		target = (const char *)a->a[0];
		flags = a->a[1];
		relation = SABPF_REL_UMOUNT;
		break;
	case NR_pivot_root: /* pivot_root(new_root, put_old) */
		target = (const char *)a->a[0];
		flags = 0;
		relation = SABPF_REL_PIVOT_ROOT;
		class = SABPF_CLASS_SYS;
		break;
	case NR_move_mount: /* move_mount(from_dfd, from, to_dfd, to, flags) */
		dirfd = (int)a->a[2];
		target = (const char *)a->a[3];
		flags = 0;
		relation = SABPF_REL_MOVE_MOUNT;
		class = SABPF_CLASS_SYS;
		break;
	}
	if (!(h.scope->classes & class))
		return 0;
	struct prov_task *ts = hook_task(&h);
	if (!ts)
		return 0;
	if (a->nr == NR_move_mount && (a->a[4] & MOVE_MOUNT_T_EMPTY_PATH)) {
		struct prov_inode *is = attr_fd_inode(dirfd, h.container);
		if (is)
			edge_write(relation, &ts->node, &is->node, 0, h.container);
		return 0;
	}
	struct prov_node path_node;
	if (user_path_send(dirfd, target, &path_node, h.container) == 0)
		edge_write(relation, &ts->node, &path_node, flags, h.container);
	return 0;
}
