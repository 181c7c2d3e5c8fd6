/* SPDX-License-Identifier: GPL-2.0 */
/* trace.bpf.c: the kernel side of the `trace` backend, for kernels that
 * refuse BPF LSM (and every trampoline program): tracepoints only.
 *
 * The scope map, the ring buffer, the record ABI (sabpf_record.h), node
 * identity and versioning (edge_write), the path walker, task nodes and
 * inode attributes are the library tier's (bpf/lib/), shared with the LSM
 * object; the cgroup_mkdir/rmdir scope inheritance is cgroup.bpf.c,
 * included as is. What differs from the LSM object:
 *   - inodes are identified by (dev, ino, generation) in an LRU hash map
 *     (trace/inode.h), as inode local storage is LSM-only;
 *   - system calls are seen at their exit: one tp_btf/sys_exit dispatcher
 *     does the scope check, then tail-calls the program of the syscall's
 *     family through trace_calls (a program array indexed by syscall
 *     number, filled by the agent from the one table of src/trace.c);
 *   - process life comes from the scheduler tracepoints (trace/task.bpf.c);
 *     files are trace/file.bpf.c, sockets trace/net.bpf.c, credentials
 *     and namespaces trace/cred.bpf.c (with the process-memory nodes, one
 *     per process, where the LSM object keeps one per struct cred).
 * The LSM-only maps lib/maps.h declares (inode_store, sock_store) and those
 * this object does not use (cred_map, file_map) are not created: the agent
 * turns their autocreate off. x86_64 only (syscall numbers, pt_regs). */
#include "lib/scope.h"
#include "lib/path.h"
#include "lib/task.h"
#include "lib/inode.h"
#include "lib/mmap.h"
#include "lib/cred.h"
#include "lib/ns.h"

char LICENSE[] SEC("license") = "GPL";

#define SYSCALL_SLOTS 512

/* syscall number -> the program of its family (src/trace.c fills it). */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} trace_calls SEC(".maps");

#include "cgroup.bpf.c"
#include "trace/inode.h"
#include "trace/cred.bpf.c"
#include "trace/task.bpf.c"
#include "trace/file.bpf.c"
#include "trace/net.bpf.c"
#include "trace/attr.bpf.c"
#include "trace/mount.bpf.c"

/* Every system call of every task ends here, so the path of a syscall
 * without a family program (most of them) is the shortest: its number,
 * the ia32 test, and a tail call into an empty slot, which falls through;
 * no map lookup. The scope check (lib/scope.h) is the family program's
 * own first step (hook_enter, with its record class): every program in
 * trace_calls must begin with it, as the dispatcher does not check. */
SEC("tp_btf/sys_exit")
int BPF_PROG(trace_sys_exit, struct pt_regs *regs, long ret)
{
	__u32 nr = (__u32)regs->orig_ax;
	if (nr >= SYSCALL_SLOTS)
		return 0;
	/* An ia32 system call (int $0x80, even from a 64-bit program) has
	 * numbers and argument registers of its own: dispatching it by the
	 * 64-bit table would run the wrong family on stale registers (ia32
	 * getpid is 64-bit write: a forged write edge to any descriptor). Not
	 * recorded yet (docs/backends.md). x32 numbers are past the slots. */
	struct task_struct *task = bpf_get_current_task_btf();
	if (task->thread_info.status & TS_COMPAT)
		return 0;
	bpf_tail_call(ctx, &trace_calls, nr);
	return 0;
}
