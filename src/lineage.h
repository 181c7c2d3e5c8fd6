/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* lineage.h: `sabpf lineage` (docs/detection.md, "Lineage"): what a file,
 * process or connection came from (--backward) and what it led to
 * (--forward), across processes, files, pipes, sockets and packets, as a
 * list, JSON or a DOT picture.
 *
 *   sabpf lineage CAPTURE.raw --backward SPEC | --forward SPEC
 *                 [--json] [--dot FILE] [--max-depth N]
 *
 * SPEC is a node version as the outputs name it (n<hex id>_v<version>),
 * every version of a node (n<hex id>), or an absolute path (every version
 * of every inode last named by it).
 *
 * The walk follows the provenance graph's edges (backward: against them),
 * one vertex per node version, and respects time: going backward from a
 * vertex reached at time T, only edges recorded at or before T are
 * followed (then the source is reached at that edge's time), so what a
 * process read after it wrote a file is not in that file's lineage.
 * Forward is the mirror image. A packet a container sent and the packet
 * another audited container received (same addresses, ports, sequence
 * number and length) are joined by a "same packet" edge. */
#ifndef SABPF_LINEAGE_H
#define SABPF_LINEAGE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sabpf_record.h"

struct lineage;

struct lineage *lineage_new(void);
void lineage_free(struct lineage *l);
/* Reads a raw capture into l. Returns 0, or -1 with err. */
int lineage_load(struct lineage *l, const char *path, char *err, size_t errlen);
/* Adds one record to l: the observer of a pipeline (output.h) that reads
 * the records, as lineage_load does with its own, and as a command that
 * reads records anyway can, to keep the graph as they come (`detect
 * watch --dot`). */
struct event;
void lineage_observe(void *ctx, const struct event *ev);
/* Writes as DOT the backward lineage, max_depth edges back (0: no limit),
 * of the node versions refs (n of them) in what l holds now: the picture
 * lineage_load, lineage_select of each and lineage_walk would give of the
 * records observed so far. Packets are joined for the picture only, so
 * that records can still be observed after it. Returns 0, or -1 with err
 * (a node l does not have, out of memory). */
int lineage_write_backward_dot(struct lineage *l, const struct sabpf_ref *refs, size_t n,
			       unsigned max_depth, FILE *f, char *err, size_t errlen);
/* Marks the vertices SPEC names as the start. Returns how many, or -1
 * with err (a SPEC that is no node id or path, or names nothing). */
long lineage_select(struct lineage *l, const char *spec, char *err, size_t errlen);
/* Walks from the start (max_depth 0: no limit). */
void lineage_walk(struct lineage *l, bool backward, unsigned max_depth);
/* Whether version `version` of node id is in the lineage. */
bool lineage_has(const struct lineage *l, __u64 id, __u32 version);
/* Whether a vertex of the lineage shows this text (a path, an address,
 * argv, or a task's comm). */
bool lineage_has_text(const struct lineage *l, const char *text);
size_t lineage_count(const struct lineage *l);

void lineage_write_text(const struct lineage *l, FILE *f);
void lineage_write_json(const struct lineage *l, FILE *f);
void lineage_write_dot(const struct lineage *l, FILE *f);

int cmd_lineage(int argc, char **argv);

#endif /* SABPF_LINEAGE_H */
