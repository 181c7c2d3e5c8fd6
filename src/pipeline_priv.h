/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pipeline_priv.h: private to the pipeline's own files (pipeline.c,
 * graph_update.c, sink.c, attrs.c, format_raw.c): the pipeline's state and
 * the calls between those files. Everything else uses output.h and, for
 * formats, format.h. */
#ifndef SABPF_PIPELINE_PRIV_H
#define SABPF_PIPELINE_PRIV_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "format.h"
#include "graph.h"
#include "identity.h"
#include "names.h"
#include "output.h"
#include "record.h"
#include "seal.h"

#define MAX_OUTPUTS 8

/* Sequence accounting of one CPU. */
struct cpu_seq {
	__u64 max_seq;	/* highest sequence number seen */
	__u64 received; /* records received */
};

struct container_name {
	__u64 id;
	char *name;
};

/* The records consumed of one container, and its LOST records' counts by
 * cause. */
struct container_loss {
	__u64 id;
	__u64 records;
	__u64 by_cause[SABPF_LOST_CAUSE_MAX];
};

struct sabpf_pipeline {
	struct graph *graph;
	struct output *outputs[MAX_OUTPUTS];
	int noutputs;
	int slots_used;		       /* gnode.emitted slots handed out */
	pipeline_observer_fn observer; /* pipeline_set_observer(), or NULL */
	void *observer_ctx;
	struct sabpf_stats stats;
	struct cpu_seq *cpus;
	size_t ncpus;
	__s64 clock_offset_ns;
	const char *backend; /* "lsm", "trace", or NULL: not known (pipeline_set_backend) */
	struct container_name *names;
	size_t nnames;
	struct container_loss *losses;
	size_t nlosses;
	size_t last_loss;		   /* the entry of the last record's container */
	struct identity_table *identities; /* NULL: no identities known */
	bool identities_live;		   /* resolve the cgroups records name */
	char text[RECORD_TEXT_MAX];	   /* decoded NAME text of the current record */
	char last_error[256];
	bool seal; /* outputs added from now on are sealed (seal.h) */
	bool seal_signed;
	struct seal_key seal_key;
	size_t seal_block;
};

/* pipeline.c */
void pipeline_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void note_loss(struct sabpf_pipeline *p, const struct sabpf_lost *l);
int make_identity_table(struct sabpf_pipeline *p);

/* graph_update.c: the node table from NODE, NAME and EDGE records */
struct gnode *update_from_node(struct sabpf_pipeline *p, const struct record *r);
struct gnode *update_from_name(struct sabpf_pipeline *p, const struct record *r);
void update_from_edge(struct sabpf_pipeline *p, const struct sabpf_edge *e, struct gnode **from,
		      struct gnode **to);

/* sink.c: the outputs */
void output_write(struct output *o);
void output_free(struct output *o);
int output_finish(struct output *o, bool success);
void kafka_output_record(struct output *o, const struct sabpf_hdr *h);
void kafka_output_losses(struct output *o);

/* attrs.c: text of addresses, packets and IPC objects */
size_t format_address(const struct sabpf_addr_attrs *a, char *out, size_t cap);
size_t format_packet(const struct sabpf_packet_attrs *a, char *out, size_t cap);
size_t format_ipc(const struct sabpf_ipc_attrs *a, __u16 kind, char *out, size_t cap);

#endif
