/* SPDX-License-Identifier: GPL-2.0 */
/* lib/maps.h: the maps and load-time settings both BPF objects share:
 * the scope map, the ring buffer, per-CPU counters, loss accounting, the
 * local storages of tasks, inodes and sockets, the cred and file maps, and
 * the scratch for NAME records. One definition: sabpf.bpf.c and
 * trace.bpf.c each include it once (the trace agent turns off the
 * autocreate of the maps its object does not use, src/trace.c). */
#ifndef SABPF_LIB_MAPS_H
#define SABPF_LIB_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "sabpf_record.h"
#include "sabpf_state.h"
#include "lib/consts.h"

/* The agent's pid (slot 0), 0 while no agent runs: a map, not load-time
 * data, so that an agent taking over a pinned kernel side (audit --pin)
 * becomes the agent the programs leave out and the guard protects (the
 * loader writes it before attaching; each agent at its start, and 0 when
 * it leaves the pinned side for the next one). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} agent_map SEC(".maps");

static __always_inline __u32 agent_pid(void)
{
	__u32 zero = 0;
	__u32 *pid = bpf_map_lookup_elem(&agent_map, &zero);
	return pid ? *pid : 0;
}

/* Slot 0: the build whose programs record now (src/pin.c). Every build's
 * programs are told their own (build_tag, set by the agent before load)
 * and record only while it is the one here, so an agent of a new build
 * can load and attach its programs beside a pinned side's old ones, then
 * hand over in one map update (docs/operations.md, "Upgrade"): no record
 * is made twice or by neither. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} build_map SEC(".maps");

const volatile __u64 build_tag = 0;

#ifdef SABPF_VARIANT /* a test build (Makefile: build/variant/): another ELF */
const volatile __u32 sabpf_variant = SABPF_VARIANT;
#endif

static __always_inline int build_active(void)
{
	__u32 zero = 0;
	__u64 *active = bpf_map_lookup_elem(&build_map, &zero);
	return active && *active == build_tag;
}
/* Wake the reader only when this many bytes wait in the ring (batching, as
 * a wakeup per record costs ~1.6 us); the reader also polls on a timer. */
const volatile __u64 wakeup_bytes = 65536;

/* cgroup id -> struct sabpf_scope: which cgroups are audited, and how. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct sabpf_scope);
} scope_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* set by the loader from --ring-size */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct prov_cpu);
} cpu_states SEC(".maps");

/* (container, cause) -> losses, per CPU: the exact counts the agent
 * reports (struct prov_lost). The agent puts an entry (0, cause) for every
 * cause in it before loading: a loss whose own entry cannot be made (the
 * table is full) is counted there, with the container unknown. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct prov_lost_key);
	__type(value, struct prov_lost);
} lost_by_container SEC(".maps");

/* Task local storage: one task_state per thread. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct prov_task);
} task_store SEC(".maps");

/* Inode local storage: files, directories, pipes, sockets, devices. */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct prov_inode);
} inode_store SEC(".maps");

/* Socket local storage: socket nodes, with the peer address last linked. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct prov_sock);
} sock_store SEC(".maps");

/* struct cred has no local storage upstream: a hash keyed by the kernel
 * pointer holds the process-memory node (CamFlow keeps process memory with
 * the credentials), emptied by the cred_free hook. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct prov_node);
} cred_map SEC(".maps");

/* struct file has none either: open files of audited tasks, emptied by the
 * file_free_security hook. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct prov_file);
} file_map SEC(".maps");

/* Scratch for variable-length NAME records (paths, argv): the fixed part
 * of the record, then its string, contiguous, sent with bpf_ringbuf_output. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wgnu-variable-sized-type-not-at-end"
struct prov_scratch {
	struct sabpf_name rec;
	char data[NAME_BUF_SIZE];
};
#pragma clang diagnostic pop

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct prov_scratch);
} name_scratch_map SEC(".maps");

#endif /* SABPF_LIB_MAPS_H */
