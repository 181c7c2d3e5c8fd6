/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* loader.h: the kernel side as seen from the agent: open, load and attach
 * the BPF programs (keeping the variants that fit the running kernel),
 * manage the scope map, read the ring buffer into the output pipeline, and
 * report exact loss and leftover per-object state. */
#ifndef SABPF_LOADER_H
#define SABPF_LOADER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "output.h"
#include "sabpf_record.h"

/* Which kernel side records (docs/backends.md). */
enum sabpf_backend {
	SABPF_BACKEND_LSM = 0, /* BPF LSM hooks (bpf/sabpf.bpf.c) */
	SABPF_BACKEND_TRACE,   /* tracepoints only (bpf/trace.bpf.c) */
};

struct agent_opts {
	__u64 ring_bytes;    /* ring buffer size: a power of two, >= 4096 */
	__u64 wakeup_bytes;  /* wake the reader when this much is waiting */
	bool allow_bpf;	     /* containers may use bpf() for their own objects */
	__u32 scope_entries; /* scope_map's size (--scope-size); 0: the default */
	enum sabpf_backend backend;
	bool quiet;	     /* no notice on stderr (warnings still) */
	const char *pin_dir; /* --pin: keep the kernel side there across restarts (pin.h) */
	bool unpin;	     /* --unpin: at the end, detach and remove the pins */
};

struct agent;

/* Loads and attaches everything. Returns 0, or -1 with err. */
int agent_open(const struct agent_opts *opts, struct sabpf_pipeline *pipeline, struct agent **out,
	       char *err, size_t errlen);
/* Puts a cgroup (and every cgroup made under it later) in scope. */
int agent_scope_add(struct agent *a, __u64 cgroup_id, __u32 classes, char *err, size_t errlen);
/* Puts one cgroup in scope as part of `container`. Returns 0, or -1 with
 * err (a full map names --scope-size). */
int agent_scope_put(struct agent *a, __u64 cgroup_id, __u64 container, __u32 classes, char *err,
		    size_t errlen);
/* The scope entry of a cgroup: 0, or -1 when it has none. */
int agent_scope_get(struct agent *a, __u64 cgroup_id, __u64 *container, __u32 *classes);
/* Deletes one cgroup's entry (no error when there is none). */
void agent_scope_delete(struct agent *a, __u64 cgroup_id);
/* scope_map's capacity, and cgroups the kernel could not put in scope (map
 * full) in all, or for one container. */
__u32 agent_scope_capacity(struct agent *a);
__u64 agent_scope_failed_total(struct agent *a);
__u64 agent_scope_failed(struct agent *a, __u64 container);
/* Prints, on stderr, every cgroup the kernel left out of scope since the
 * last call (at most once a second unless force). agent_poll calls it. */
void agent_scope_report(struct agent *a, bool force);
/* Takes a container (a registered cgroup and its descendants) out of scope. */
int agent_scope_remove(struct agent *a, __u64 container);
/* Is this cgroup id in the scope map? */
int agent_scope_has(struct agent *a, __u64 cgroup_id);
/* Claims a slot for the denials of the policy programs now and adds its
 * ring to the reader, if a policy made the slots (agent_poll looks once a
 * second on its own; src/denial_slot.h). Not while another thread polls. */
void agent_watch_denials(struct agent *a);
/* Waits up to timeout_ms for records and consumes them. Returns the number
 * consumed, or a negative errno. */
int agent_poll(struct agent *a, int timeout_ms);
/* Detaches every program, consumes what is left in the ring, and writes a
 * LOST record for every loss the kernel could not report itself. */
int agent_finish(struct agent *a);
/* The kernel's count of a container's losses, summed over CPUs, by cause
 * (enum sabpf_lost_cause; index 0 unused), denials the policy programs
 * dropped included. */
void agent_kernel_loss(struct agent *a, __u64 container, __u64 by_cause[SABPF_LOST_CAUSE_MAX]);
/* The same, summed over causes. */
__u64 agent_lost(struct agent *a, __u64 container);
/* The containers with an entry in the kernel's loss table (0: not known,
 * the table was full), at most max; returns how many. */
size_t agent_loss_containers(struct agent *a, __u64 *ids, size_t max);
/* The containers the agent knows: those its pipeline named (run, audit
 * --cgroup, ctl add), then any other with an entry in the kernel's loss
 * table (0 among them: losses whose container is not known); at most max.
 * Returns how many. */
size_t agent_known_containers(struct agent *a, __u64 *ids, size_t max);
/* Entries of the cred and file maps still held for a container. */
int agent_count_state(struct agent *a, __u64 container, unsigned *creds, unsigned *files);
/* Entries of the System V IPC maps (objects, messages, shm files) still
 * held for a container. */
unsigned agent_count_ipc_state(struct agent *a, __u64 container);
/* Deletes a container's entries of the cred and file maps whose kernel
 * objects outlive it (a file it shared with the outside, still open there).
 * Also its IPC entries (objects of an IPC namespace it shared with the
 * outside). Returns how many there were. */
unsigned agent_purge_container(struct agent *a, __u64 container);
void agent_close(struct agent *a);
/* The agent's ring buffer: bytes written and not yet consumed, and its
 * size. Returns 0, or -1 (the ring could not be mapped). */
int agent_ring_usage(struct agent *a, __u64 *used, __u64 *size);
/* Calls fn for every loaded program with the kernel's run count and run
 * time (both 0 unless kernel.bpf_stats_enabled is 1). */
void agent_prog_stats(struct agent *a,
		      void (*fn)(void *ctx, const char *name, __u64 run_cnt, __u64 run_time_ns),
		      void *ctx);
/* "lsm" or "trace": the backend an agent runs. */
const char *agent_backend_name(const struct agent *a);
/* With the trace backend, how its read and write programs read the kernel's
 * structures: "direct" or "probe-read" (trace_reads_name); NULL with lsm. */
const char *agent_trace_reads(const struct agent *a);

#endif /* SABPF_LOADER_H */
