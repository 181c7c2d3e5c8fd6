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
 *     tests the syscall's number against the recorded ones (trace_recorded)
 *     and the task's scope, then tail-calls the program of the syscall's
 *     family through trace_calls (a program array indexed by syscall
 *     number); the bitmap and the array are both filled by the agent from
 *     the one table of src/trace.c;
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

/* Bit nr set: system call nr has a program in trace_calls. Set by the
 * agent before load from the same table (src/trace.c), so the dispatcher
 * returns for every other call before any helper call. */
const volatile __u64 trace_recorded[SYSCALL_SLOTS / 64] = {};

/* The same for ia32 system calls (int $0x80, from any program, and 32-bit
 * programs), by their own numbers, with the 64-bit number each one is
 * recorded as (trace_ia32_nr): from src/trace.c's ia32 table. */
const volatile __u64 trace_recorded32[SYSCALL_SLOTS / 64] = {};
const volatile __u16 trace_ia32_nr[SYSCALL_SLOTS] = {};

#define IA32_socketcall 102
#define IA32_old_mmap 90
#define IA32_umount 22
#define IA32_lchown16 16
#define IA32_fchown16 95
#define IA32_chown16 182
#define NR_sendto_ 44
#define NR_recvfrom_ 45

/* scope_map's generation: the agent adds one after every change it makes
 * there (entries put or deleted: trace_scope_changed, src/trace.c), which
 * voids all that trace_cpu remembers from before. The kernel's own changes
 * need no step: the cgroup_mkdir inheritance makes an entry for a new id
 * (kernfs ids are not reused, and no task was in the cgroup before), and
 * cgroup_rmdir deletes one no task is in any more. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} scope_gen SEC(".maps");

#define SEEN_BITS 8
#define SEEN_SLOTS (1 << SEEN_BITS)

/* A system call as the family programs see it, in the 64-bit table's
 * terms whatever the caller's mode: nr (the x86_64 number) and the six
 * arguments in order. An ia32 call (compat: 1, nr32 its own number) has
 * its arguments in ebx, ecx, edx, esi, edi, ebp, and its pointers to
 * structures that hold pointers (msghdr, mmsghdr) point to their 32-bit
 * layouts, which the programs that read them follow (compat). */
struct trace_args {
	__u64 nr;
	__u64 a[6];
	__u32 compat;
	__u32 nr32;
};

/* The dispatcher's state on one CPU (tracepoint programs run with
 * preemption off, and a tail call follows its dispatcher at once):
 *   scope, armed  its decision, handed to the family program it tail-calls
 *                 (trace_enter clears armed: one program takes it)
 *   args          the call's number and arguments (struct trace_args)
 *   seen          by a hash of the cgroup id: a cgroup's scope_map entry
 *                 as looked up at generation gen (classes 0: none), used
 *                 instead of a lookup until the generation moves. */
struct trace_cpu {
	struct sabpf_scope scope;
	__u32 armed;
	__u32 pad;
	struct trace_args args;
	struct {
		__u64 cgroup_id;
		__u64 gen;
		struct sabpf_scope entry;
	} seen[SEEN_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct trace_cpu);
} trace_cpu SEC(".maps");

/* The prelude of a family program tail-called by trace_sys_exit, in place
 * of hook_enter: the scope the dispatcher found (no second lookup), with
 * one of `classes` on, and the call's number and arguments (read them
 * there, never from the tracepoint's pt_regs: an ia32 call's are
 * elsewhere). NULL: return at once. */
static __always_inline const struct trace_args *trace_enter(struct hook *h, __u32 classes)
{
	__u32 zero = 0;
	struct trace_cpu *cpu = bpf_map_lookup_elem(&trace_cpu, &zero);
	if (!cpu || !cpu->armed)
		return 0;
	cpu->armed = 0;
	if (!(cpu->scope.classes & classes))
		return 0;
	h->scope = &cpu->scope;
	h->container = cpu->scope.container;
	return &cpu->args;
}

/* socketcall(2)'s calls (SYS_SOCKET = 1 ... SYS_SENDMMSG = 20) as 64-bit
 * numbers; 0: not recorded (getsockname, getpeername, the sockopts). */
static const __u16 socketcall_nr[21] = {
    [1] = 41,		 /* SYS_SOCKET: socket */
    [2] = 49,		 /* SYS_BIND: bind */
    [3] = 42,		 /* SYS_CONNECT: connect */
    [4] = 50,		 /* SYS_LISTEN: listen */
    [5] = 43,		 /* SYS_ACCEPT: accept */
    [8] = 53,		 /* SYS_SOCKETPAIR: socketpair */
    [9] = NR_sendto_,	 /* SYS_SEND: sendto, no address */
    [10] = NR_recvfrom_, /* SYS_RECV: recvfrom, no address */
    [11] = NR_sendto_,	 /* SYS_SENDTO */
    [12] = NR_recvfrom_, /* SYS_RECVFROM */
    [13] = 48,		 /* SYS_SHUTDOWN: shutdown */
    [16] = 46,		 /* SYS_SENDMSG: sendmsg */
    [17] = 47,		 /* SYS_RECVMSG: recvmsg */
    [18] = 288,		 /* SYS_ACCEPT4: accept4 */
    [19] = 299,		 /* SYS_RECVMMSG: recvmmsg */
    [20] = 307,		 /* SYS_SENDMMSG: sendmmsg */
};

/* An ia32 call's arguments in the 64-bit table's terms (trace_args): its
 * registers in order, or, for the calls that pass them in user memory
 * (socketcall, the old mmap), read from there (at the exit, so a racing
 * thread could change them: docs/backends.md). The 16-bit chowns' "no
 * change" (0xffff) becomes -1. 0: nothing to record. */
static __always_inline int ia32_args(struct trace_args *a, struct pt_regs *regs, __u32 nr32)
{
	a->compat = 1;
	a->nr32 = nr32;
	a->nr = trace_ia32_nr[bounded(nr32, SYSCALL_SLOTS - 1)];
	a->a[0] = (__u32)regs->bx;
	a->a[1] = (__u32)regs->cx;
	a->a[2] = (__u32)regs->dx;
	a->a[3] = (__u32)regs->si;
	a->a[4] = (__u32)regs->di;
	a->a[5] = (__u32)regs->bp;
	__u32 mem[6] = {};
	switch (nr32) {
	case IA32_socketcall: { /* socketcall(call, unsigned long args[]) */
		__u32 call = a->a[0];
		if (call > 20 || !socketcall_nr[call])
			return 0;
		a->nr = socketcall_nr[call];
		/* SYS_SEND and SYS_RECV: sendto and recvfrom with no address */
		if (bpf_probe_read_user(mem, call == 9 || call == 10 ? 16 : sizeof(mem),
					(const void *)a->a[1]))
			return 0;
		break;
	}
	case IA32_old_mmap: /* mmap(struct mmap_arg_struct *) */
		if (bpf_probe_read_user(mem, sizeof(mem), (const void *)a->a[0]))
			return 0;
		break;
	case IA32_umount: /* umount(name): umount2(name, 0) */
		a->a[1] = 0;
		return 1;
	case IA32_lchown16:
	case IA32_fchown16:
	case IA32_chown16:
		if (a->a[1] == 0xffff)
			a->a[1] = (__u64)-1;
		if (a->a[2] == 0xffff)
			a->a[2] = (__u64)-1;
		return 1;
	default:
		return 1;
	}
	for (int i = 0; i < 6; i++)
		a->a[i] = mem[i];
	return 1;
}

#include "cgroup.bpf.c"
#include "trace/inode.h"
#include "trace/cred.bpf.c"
#include "trace/task.bpf.c"
#include "trace/file.bpf.c"
#include "trace/net.bpf.c"
#include "trace/attr.bpf.c"
#include "trace/mount.bpf.c"

/* Every system call of every task ends here. The cheapest tests come
 * first: a syscall no family records (most of them) costs its number and
 * one bitmap word, no helper call; a recorded one costs the ia32 test, the
 * cgroup's id (read from the task, cheaper than its helper) and its slot
 * in trace_cpu.seen (the scope_map lookup once per cgroup, CPU and
 * generation). Only an audited task's recorded call reaches its family's
 * program, with the scope in trace_cpu (trace_enter). */
SEC("tp_btf/sys_exit")
int BPF_PROG(trace_sys_exit, struct pt_regs *regs, long ret)
{
	__u32 nr = (__u32)regs->orig_ax;
	/* An ia32 system call (int $0x80, even from a 64-bit program) has
	 * numbers and argument registers of its own: it is tested against its
	 * own bitmap, and handed on as the 64-bit call it maps to, with its
	 * arguments from its own registers (ia32_args); by the 64-bit table it
	 * would run the wrong family on stale registers (ia32 getpid is 64-bit
	 * write). x32 numbers are past the slots. */
	struct task_struct *task = bpf_get_current_task_btf();
	int compat = task->thread_info.status & TS_COMPAT;
	const volatile __u64 *bits = compat ? trace_recorded32 : trace_recorded;
	if (nr >= SYSCALL_SLOTS ||
	    !(bits[bounded(nr / 64, SYSCALL_SLOTS / 64 - 1)] & (1ULL << (nr % 64))))
		return 0;
	__u32 zero = 0;
	struct trace_cpu *cpu = bpf_map_lookup_elem(&trace_cpu, &zero);
	__u64 *gen = bpf_map_lookup_elem(&scope_gen, &zero);
	if (!cpu || !gen)
		return 0;
	/* what bpf_get_current_cgroup_id returns: the cgroup v2 id */
	__u64 cgroup_id = task->cgroups->dfl_cgrp->kn->id;
	/* the generation is read before the lookup: a change made after this
	 * read comes with a step past it (the agent steps after its change) */
	__u64 now = *(volatile __u64 *)gen;
	__u32 slot =
	    bounded((cgroup_id * 0x9e3779b97f4a7c15ULL) >> (64 - SEEN_BITS), SEEN_SLOTS - 1);
	if (cpu->seen[slot].cgroup_id != cgroup_id || cpu->seen[slot].gen != now) {
		struct sabpf_scope *found = bpf_map_lookup_elem(&scope_map, &cgroup_id);
		cpu->seen[slot].cgroup_id = cgroup_id;
		cpu->seen[slot].gen = now;
		if (found)
			cpu->seen[slot].entry = *found;
		else
			cpu->seen[slot].entry.classes = 0;
	}
	struct sabpf_scope *entry = &cpu->seen[slot].entry;
	struct sabpf_scope *scope = scope_admit(entry, SABPF_CLASS_ALL, task);
	if (!scope)
		return 0;
	struct trace_args *a = &cpu->args;
	if (compat) {
		if (!ia32_args(a, regs, nr))
			return 0;
		nr = a->nr;
	} else {
		a->compat = 0;
		a->nr = nr;
		a->a[0] = regs->di;
		a->a[1] = regs->si;
		a->a[2] = regs->dx;
		a->a[3] = regs->r10;
		a->a[4] = regs->r8;
		a->a[5] = regs->r9;
	}
	cpu->scope = *scope;
	cpu->armed = 1;
	bpf_tail_call(ctx, &trace_calls, nr);
	cpu->armed = 0; /* an empty slot: nobody took it */
	return 0;
}
