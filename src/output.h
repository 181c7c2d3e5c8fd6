/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* output.h: the stage after the ring buffer. The pipeline checks and decodes
 * each raw record once, keeps a table of the nodes it has seen (for the flat
 * audit view), tracks per-CPU sequence numbers to detect loss, and writes
 * every configured output (PROV-JSON, SPADE JSON, JSON lines, raw).
 *
 * Output specs are "FORMAT:PATH" with FORMAT one of prov, spade, jsonl, raw,
 * and PATH a file or "-" for standard output. A file output is written to
 * PATH.tmp and renamed into place only by pipeline_finish(p, true), so a
 * failed run never leaves a file that looks complete. The formats, their
 * attributes and the loss counters are described in docs/formats.md.
 * A pipeline is used by one thread at a time. Implemented in pipeline.c
 * (consume, loss, finish), graph_update.c (node table), sink.c (outputs),
 * attrs.c (shared attributes) and format_raw.c (pipeline_replay_file). */
#ifndef SABPF_OUTPUT_H
#define SABPF_OUTPUT_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "sabpf_record.h"

struct sabpf_pipeline;

struct sabpf_stats {
	__u64 records;	   /* well-formed records consumed */
	__u64 nodes;	   /* NODE and NAME records */
	__u64 edges;	   /* EDGE records */
	__u64 lost;	   /* sum of the counts of LOST records */
	__u64 lost_ring;   /* the same, of cause SABPF_LOST_RING only (records of the
			      sequence: equal to seq_missing when nothing is hidden) */
	__u64 seq_missing; /* sequence numbers never seen, summed over CPUs */
	__u64 malformed;   /* records rejected by the decoder */
	__u64 denials;	   /* DENIAL records (refused or, in monitor mode, would-be) */
};

struct sabpf_pipeline *pipeline_new(void);
/* Adds an output. Returns 0, or -1 with a message in err for a bad spec or
 * a file that cannot be created. */
int pipeline_add_output(struct sabpf_pipeline *p, const char *spec, char *err, size_t errlen);
/* True when one of the outputs writes to standard output (PATH '-'). */
bool pipeline_writes_stdout(const struct sabpf_pipeline *p);
/* Seals every output added from now on (seal.h): PATH.seal beside PATH,
 * signed with the secret key in key_path (NULL: hash chain only); a block
 * closes every block_bytes (0: 1 MiB) and at each pipeline_flush().
 * Returns 0, or -1 with err (the key cannot be read). */
int pipeline_set_seal(struct sabpf_pipeline *p, const char *key_path, size_t block_bytes, char *err,
		      size_t errlen);
/* Names a container (e.g. its cgroup path) for outputs that show it. */
void pipeline_name_container(struct sabpf_pipeline *p, __u64 container, const char *name);
/* Resolves the runtime identity (identity.h) of each container and task
 * cgroup the records name, once each, when first seen; outputs then show it
 * for containers of a runtime (docs/identity.md). Only for live capture: a
 * replayed file's cgroup ids are not this host's. Returns 0, or -1 (out of
 * memory). */
int pipeline_track_identities(struct sabpf_pipeline *p);
struct sabpf_identity;
/* Gives cgroup an identity known otherwise (a test's, a hook's); nothing
 * is resolved unless pipeline_track_identities() was called. Returns 0, or -1 (out of memory). */
int pipeline_set_identity(struct sabpf_pipeline *p, __u64 cgroup, const struct sabpf_identity *id);
/* The identity of the task cgroup `cgroup` (0: none known) if it is a
 * runtime's container, else that of `container`; NULL when neither is. */
const struct sabpf_identity *pipeline_identity(const struct sabpf_pipeline *p, __u64 container,
					       __u64 cgroup);
/* The display name of the runtime's container at cgroup (identity.h), or
 * NULL when it is none or not resolved. */
const char *pipeline_identity_name(const struct sabpf_pipeline *p, __u64 cgroup);
/* Consumes one raw record as read from the ring buffer. Returns 0, or -1 if
 * the record is malformed (it is counted and not written). */
int pipeline_consume(struct sabpf_pipeline *p, const void *data, size_t size);
/* Serves the outputs that work in the background (Kafka: delivery
 * reports, sending the spool), without waiting; called between reads. */
void pipeline_poll(struct sabpf_pipeline *p);
/* Streaming outputs end their current document/batch and flush to disk. */
int pipeline_flush(struct sabpf_pipeline *p);
/* Closes every output. success=true renames PATH.tmp to PATH; false
 * removes the temporary files. Returns 0, or -1 if a write failed. */
int pipeline_finish(struct sabpf_pipeline *p, bool success);
/* The kernel's own count of the records a CPU tried to write (its last
 * sequence number), read at the end: records lost at the very end of the
 * stream then show as missing too, which no later record could reveal. */
void pipeline_note_issued(struct sabpf_pipeline *p, unsigned cpu, __u64 last_seq);
void pipeline_get_stats(const struct sabpf_pipeline *p, struct sabpf_stats *out);
/* One CPU's sequence accounting (highest number seen, records received;
 * zeros if none), and setting it on a fresh pipeline (returns 0, or -1 out
 * of memory): how an agent that restarts carries it on (pin.h). */
void pipeline_seq_get(const struct sabpf_pipeline *p, unsigned cpu, __u64 *max_seq,
		      __u64 *received);
int pipeline_seq_set(struct sabpf_pipeline *p, unsigned cpu, __u64 max_seq, __u64 received);
/* The counts of the LOST records of one container, by cause (index: enum
 * sabpf_lost_cause; 0 unused). */
void pipeline_container_loss(const struct sabpf_pipeline *p, __u64 container,
			     __u64 by_cause[SABPF_LOST_CAUSE_MAX]);
/* The records consumed of one container (LOST and DENIAL records
 * included): over every container, the records of sabpf_stats. */
__u64 pipeline_container_records(const struct sabpf_pipeline *p, __u64 container);
/* The usage of the i-th Kafka output (kafka.h): 0, or -1 if there are
 * fewer than i + 1. */
struct kafka_usage;
int pipeline_kafka_usage(const struct sabpf_pipeline *p, int i, struct kafka_usage *out);
/* The name of a container: its identity's display name (a runtime's
 * container), else the name given to it, else NULL. */
const char *pipeline_container_name(const struct sabpf_pipeline *p, __u64 container);
/* The containers the pipeline knows: named ones, then those with records
 * or losses, at most max; returns how many. */
size_t pipeline_containers(const struct sabpf_pipeline *p, __u64 *ids, size_t max);
/* Why the last record was rejected by pipeline_consume() ("" if none was). */
const char *pipeline_last_error(const struct sabpf_pipeline *p);
/* Times in records are CLOCK_BOOTTIME; outputs show wall-clock time =
 * boot time + offset. pipeline_new() measures the offset once
 * (CLOCK_REALTIME - CLOCK_BOOTTIME); this replaces it (tests, or replaying
 * a raw file recorded during another boot). */
void pipeline_set_clock_offset(struct sabpf_pipeline *p, __s64 offset_ns);
/* The backend whose programs made the records ("lsm", "trace"; a static
 * string), written on every JSON line, PROV and SPADE node and relation,
 * and in a raw file's header (docs/formats.md); NULL (the default): not
 * known, not written (a raw file of an older agent). Set before the
 * outputs are added: a raw file's header is written when it opens. */
void pipeline_set_backend(struct sabpf_pipeline *p, const char *backend);
const char *pipeline_backend(const struct sabpf_pipeline *p);
/* Names the run of the Kafka outputs' records (kafka_sink_set_run). */
void pipeline_set_run(struct sabpf_pipeline *p, __u64 run);
void pipeline_free(struct sabpf_pipeline *p);
/* The descriptors of the output files (not standard output), for the
 * self-protection of the agent's files; returns how many, at most max. */
int pipeline_output_fds(const struct sabpf_pipeline *p, int *fds, int max);

/* A consumer inside the process (the detector, lineage): called for every
 * well-formed record after the node table is updated and before the
 * outputs see it, with the decoded record and its two ends or node
 * (struct event, format.h). NULL removes it. */
struct event;
typedef void (*pipeline_observer_fn)(void *ctx, const struct event *ev);
void pipeline_set_observer(struct sabpf_pipeline *p, pipeline_observer_fn fn, void *ctx);

/* Replays a file written by a raw output through the pipeline (the
 * `sabpf convert` command). Returns 0, or -1 with a message in err. */
int pipeline_replay_file(struct sabpf_pipeline *p, const char *path, char *err, size_t errlen);

#endif /* SABPF_OUTPUT_H */
