/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* format.h: the interface between the pipeline (pipeline.c, sink.c) and the output
 * formats (format_*.c). Each output owns a buffer of text ready to be
 * written to its file descriptor; a format appends to it and calls
 * output_maybe_write() once per record, which writes in large blocks. */
#ifndef SABPF_FORMAT_H
#define SABPF_FORMAT_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "graph.h"
#include "json_write.h"
#include "output.h"
#include "record.h"

/* One consumed, well-formed record, with the node table already updated. */
struct event {
	const struct record *rec;
	const void *raw; /* the record's bytes as received */
	size_t raw_size;
	struct gnode *node; /* NODE and NAME: the node described (NULL if out of memory) */
	struct gnode *from; /* EDGE: its two ends (NULL if out of memory) */
	struct gnode *to;
};

struct output;
struct seal;

struct format_ops {
	const char *name;
	bool describes_nodes; /* needs a slot of gnode.emitted */
	/* The file is open: sets up o->state and writes any file header.
	 * Returns 0, or -1 on allocation failure. */
	int (*open)(struct output *o);
	void (*record)(struct output *o, const struct event *ev);
	/* pipeline_flush(): end the current document or batch, if any. */
	void (*end_batch)(struct output *o);
	/* Before the file is closed: the last words (e.g. an empty PROV
	 * document if none was written), then free o->state. */
	void (*close)(struct output *o);
};

struct output {
	const struct format_ops *ops;
	struct sabpf_pipeline *p;
	char *path;	/* as given; "-" for standard output */
	char *tmp_path; /* path + ".tmp"; NULL for standard output */
	int fd;
	bool close_fd;		  /* a device or FIFO opened as it is (no PATH.tmp) */
	struct jbuf buf;	  /* bytes waiting to be written to fd */
	struct jbuf scratch;	  /* for building small strings (labels) */
	int slot;		  /* index into gnode.emitted, -1 if none */
	void *state;		  /* the format's own */
	int write_errno;	  /* first write error, 0 if none */
	struct seal *seal;	  /* its seal (seal.h), NULL when not sealed */
	char *seal_tmp;		  /* PATH.seal.tmp, renamed to PATH.seal at the end */
	struct kafka_sink *kafka; /* a Kafka output (kafka.h): no file, fd -1 */
};

extern const struct format_ops format_prov;
extern const struct format_ops format_spade;
extern const struct format_ops format_jsonl;
extern const struct format_ops format_raw;
/* The views of `sabpf graph` (docs/views.md) */
extern const struct format_ops format_dot;
extern const struct format_ops format_summary;
extern const struct format_ops format_summary_json;

/* Writes o->buf to the file if it holds more than a block. */
void output_maybe_write(struct output *o);
/* Appends len bytes to the output; a large block is written directly,
 * without a copy into o->buf. */
void output_put_large(struct output *o, const void *data, size_t len);

/* Wall-clock nanoseconds since the epoch of a CLOCK_BOOTTIME time. */
__s64 pipeline_wall_ns(const struct sabpf_pipeline *p, __u64 boot_ns);
/* Name given by pipeline_name_container(), or NULL. */
const char *pipeline_container_name(const struct sabpf_pipeline *p, __u64 container);

/* Shared by the PROV and SPADE writers, implemented in attrs.c. */

/* How attribute keys and values are written. */
enum attr_style {
	ATTR_PROV,  /* "cf:pid": 12, "prov:type": "task" */
	ATTR_SPADE, /* "pid": "12", "subtype": "task" (SPADE wants strings) */
};

/* Writes attributes as members of the object w has open. */
struct attr_writer {
	struct jw *w;
	enum attr_style style;
	const char *backend; /* pipeline_backend(): written on nodes and edges, if known */
};

void attr_u64(struct attr_writer *w, const char *key, __u64 v);
void attr_str(struct attr_writer *w, const char *key, const char *s, size_t n);
/* Node attributes (see docs/formats.md) of version `version` of n; who:
 * the runtime identity of its container (identity_* attributes), or NULL. */
void attr_node(struct attr_writer *w, struct jbuf *scratch, const struct gnode *n, __u32 version,
	       __s64 wall_ns, const struct sabpf_identity *who);
/* The runtime identity a node's description shows: a task's (its own
 * cgroup's, else its container's, pipeline_identity()); NULL for other
 * nodes and for containers of no runtime. */
const struct sabpf_identity *node_identity(const struct sabpf_pipeline *p, const struct gnode *n);
/* "identity":{"runtime":..,"id":..,"name":..,"image":..,"pod_name":..,...}:
 * the fields of identity_fields() that who has, into the object w has open
 * (the JSON lines' key names: docs/identity.md). */
void jw_key_identity(struct jw *w, const struct sabpf_identity *who);
/* Edge attributes: type, date, acting task, arg. */
void attr_edge(struct attr_writer *w, const struct sabpf_edge *e, __s64 wall_ns);
/* "n<id hex>_v<version>" (no quotes). */
void put_node_id(struct jbuf *b, __u64 id, __u32 version);
/* prefix, then the node id text of put_node_id, into buf (NODE_ID_MAX
 * bytes with a prefix of at most 8); returns its length. */
#define NODE_ID_MAX 48
size_t node_id_text(char *buf, const char *prefix, __u64 id, __u32 version);
/* Should output o describe version `version` of n now? True when n has
 * attributes and o has not described this or a later version yet. */
bool node_needs_description(const struct output *o, const struct gnode *n, __u32 version);
void mark_node_described(const struct output *o, struct gnode *n, __u32 version);

#endif /* SABPF_FORMAT_H */
