/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* graph.h: the node table. For each node id seen recently it keeps the
 * latest version, the kind and the attributes, so that outputs can describe
 * a new version implied by a version edge, and the flat audit view can show
 * the command of a task or the last path of an inode.
 *
 * Memory is bounded: a task's entry is dropped at its terminate_task edge
 * (by the caller), and beyond `cap` entries the least recently used one is
 * evicted. Entries are allocated in blocks and recycled, so the table does
 * not call malloc for every new node. */
#ifndef SABPF_GRAPH_H
#define SABPF_GRAPH_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "sabpf_record.h"

/* Outputs that describe nodes (prov, spade) each own one slot of
 * gnode.emitted; this is how many such outputs a pipeline may have. */
#define GRAPH_SLOTS 4

#define GRAPH_DEFAULT_CAP (256 * 1024)

struct gnode {
	__u64 id;
	__u32 version; /* highest version seen */
	__u16 kind;
	bool has_attrs;	      /* a NODE or NAME record was seen for it */
	__u16 name_flags;     /* path and argv: SABPF_NAME_*; an inode: the
				 SABPF_NAME_TRUNCATED of the path in its text */
	__u16 argc;	      /* argv */
	__u64 container;      /* of the record that described it */
	struct sabpf_ctx ctx; /* the context block of that record */
	union {
		struct sabpf_task_attrs task;
		struct sabpf_mem_attrs mem;
		struct sabpf_inode_attrs inode;
		struct sabpf_ipc_attrs ipc; /* msg_queue, msg, shm, sem */
		struct {
			__u16 family;
			__u16 port;
		} addr;
		struct sabpf_packet_attrs packet;
		struct sabpf_ns_attrs ns;
		struct sabpf_bpf_attrs bpf;
	} a;
	/* path: the path; argv: the arguments joined with spaces; address:
	 * its text (10.0.0.1:80, [::1]:443, unix:/path); packet: its flow
	 * (tcp 10.0.0.1:80>10.0.0.2:5000 seq 1 len 6); inode: the last path
	 * it was named by; System V object: "id 32768 key 0x00001234"; message:
	 * "type 7 on queue 32768". NUL-terminated. Unknown when text_len is 0 (the
	 * buffer of a recycled entry may still be allocated). */
	char *text;
	size_t text_len;
	size_t text_cap;
	/* Per output slot: 1 + the highest version that output has described,
	 * 0 if none. */
	__u32 emitted[GRAPH_SLOTS];
	/* Per output slot: bit i set when version emitted - 2 - i was
	 * described too. Records of two CPUs can name versions of one node out
	 * of order (a lower version after a higher one): a lower version not
	 * described yet still is. */
	__u64 emitted_below[GRAPH_SLOTS];

	/* table internals */
	struct gnode *hash_next;
	struct gnode *lru_prev, *lru_next;
};

struct graph;

/* cap: most entries kept (at least 16). NULL on allocation failure. */
struct graph *graph_new(size_t cap);
void graph_free(struct graph *g);
/* The entry for id, or NULL. Marks it recently used. */
struct gnode *graph_lookup(struct graph *g, __u64 id);
/* The entry for id, made (empty, with this kind) if absent, evicting the
 * least recently used entry when the table is full. NULL on allocation
 * failure. */
struct gnode *graph_get(struct graph *g, __u64 id, __u16 kind);
void graph_remove(struct graph *g, __u64 id);
size_t graph_count(const struct graph *g);
/* Evictions because the table was full. */
__u64 graph_evictions(const struct graph *g);
/* Replaces the text of n. Returns 0, or -1 on allocation failure. */
int gnode_set_text(struct gnode *n, const char *s, size_t len);

#endif /* SABPF_GRAPH_H */
