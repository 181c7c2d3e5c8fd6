/* SPDX-License-Identifier: GPL-2.0 */
/* trace/mount.bpf.c: mounts made and removed by audited tasks, at the
 * syscall's exit (ret 0 only), with the LSM backend's relations
 * (mount.bpf.c's sb_mount and sb_umount):
 *   mount    mount: task -> PATH node of the mount point (arg: the MS_*
 *            flags); umount2: task -> PATH node of the target (arg: the
 *            umount flags)
 * As for the other calls by name (trace/inode.h's user_path_send), the
 * target is the string the task gave, read from user memory at the exit
 * and made absolute against the working directory: a PATH node, where the
 * LSM backend names the mount point's (or the mount root's) inode.
 * Included into trace.bpf.c. */

#define NR_umount2 166

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_mount, struct pt_regs *regs, long ret)
{
	struct hook h;
	const struct trace_args *a = trace_enter(&h, SABPF_CLASS_FILE);
	if (!a || ret != 0)
		return 0;
	const char *target = (const char *)a->a[1]; /* mount(source, target, type, flags) */
	__u64 flags = a->a[3];
	__u32 relation = SABPF_REL_MOUNT;
	if (a->nr == NR_umount2) {
		target = (const char *)a->a[0];
		flags = a->a[1];
		relation = SABPF_REL_UMOUNT;
	}
	struct prov_task *ts = hook_task(&h);
	struct prov_node path_node;
	if (ts && user_path_send(AT_FDCWD, target, &path_node, h.container) == 0)
		edge_write(relation, &ts->node, &path_node, flags, h.container);
	return 0;
}
