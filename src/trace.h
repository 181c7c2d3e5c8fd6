/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* trace.h: the `trace` backend's kernel side as seen from the agent: the
 * one table of the system calls it records (number, name, the program of
 * their family), and loading bpf/trace.bpf.c with that table in its program
 * array. Used by loader.c when the backend is `trace`. */
#ifndef SABPF_TRACE_H
#define SABPF_TRACE_H

#include <linux/types.h>
#include <stddef.h>

/* One system call the trace backend records, at its exit. */
struct trace_syscall {
	unsigned nr;	     /* x86_64 system call number */
	const char *name;    /* as in syscalls(2) */
	const char *program; /* the BPF program of its family (bpf/trace/) */
};

extern const struct trace_syscall trace_syscalls[];
extern const size_t trace_nsyscalls;

/* One ia32 system call the trace backend records, as a 64-bit one. */
struct trace_syscall32 {
	unsigned nr32;	  /* ia32 system call number */
	const char *name; /* as in the kernel's syscall_32.tbl */
	const char *as;	  /* the 64-bit table's call it is recorded as;
			     NULL: socketcall, decoded by the dispatcher */
};

extern const struct trace_syscall32 trace_syscalls32[];
extern const size_t trace_nsyscalls32;

#define TRACE_SYSCALL_SLOTS 512 /* size of trace_calls (bpf/trace.bpf.c) */

struct trace_bpf;

struct pin;

/* Opens, loads and attaches the trace programs, with the table in their
 * program array; scope_entries sizes the scope map (0: the default).
 * pin_dir (NULL: none): the kernel side is pinned there, or taken over
 * from there (pin.h; *pin is set, `settings` tells the options apart).
 * Returns the skeleton, or NULL with err. */
struct trace_bpf *trace_load(__u32 agent_tgid, __u64 ring_bytes, __u64 wakeup_bytes,
			     __u32 scope_entries, const char *pin_dir, const char *settings,
			     struct pin **pin, char *err, size_t errlen);
/* To call after every change of scope_map from user space (entries put,
 * deleted): steps the generation that voids what the dispatcher remembers
 * of each cgroup's entry. Returns 0, or -1 with errno. */
int trace_scope_changed(struct trace_bpf *skel);
/* How the loaded read and write programs read the kernel's structures:
 * "direct" (trace_read_direct, trace_write_direct: the kernel has the kfunc
 * bpf_rdonly_cast) or "probe-read" (trace_read, trace_write: an older
 * kernel, or SABPF_TRACE_DIRECT=0 in the environment). */
const char *trace_reads_name(const struct trace_bpf *skel);
/* Checks the table against the object's programs (no kernel needed).
 * Returns 0, or -1 with the first bad entry in err. */
int trace_check_table(const struct trace_syscall *table, size_t n, char *err, size_t errlen);
/* Checks an ia32 table against the 64-bit one: numbers within the slots,
 * each once, each `as` a call of the 64-bit table. The 64-bit number of
 * entry i goes to nr64[i] (0 for socketcall) when nr64 is not NULL.
 * Returns 0, or -1 with the first bad entry in err. */
int trace_check_table32(const struct trace_syscall32 *table, size_t n, unsigned *nr64, char *err,
			size_t errlen);

#endif /* SABPF_TRACE_H */
