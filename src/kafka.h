/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* kafka.h: the Kafka sink of the pipeline (-o kafka:BROKERS/TOPIC) and the
 * parsing of the BROKERS/TOPIC[,KEY=VALUE]... specs shared with `sabpf
 * consume`. Built on librdkafka: an idempotent producer (acks=all, no
 * message timeout), delivery reports checked, and a bounded on-disk spool
 * that takes the records librdkafka's queue cannot hold while the broker is
 * away, sent back in order when it returns. Every message carries headers
 * naming its node, CPU, sequence number, container and record type, so that
 * a consumer can prove the stream complete (docs/operations.md). */
#ifndef SABPF_KAFKA_H
#define SABPF_KAFKA_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "sabpf_record.h"

#define KAFKA_MAX_PROPS 32

/* A parsed spec: BROKERS/TOPIC followed by ,KEY=VALUE options. Keys of
 * sabpf's own (format, spool, spool.size, node, flush.timeout) are kept
 * apart from the librdkafka properties passed through. */
struct kafka_spec {
	char *brokers;
	char *topic;
	const char *format; /* format=; "jsonl" if not given */
	const char *spool_dir;
	__u64 spool_bytes;
	const char *node;	  /* node=; NULL: the host name */
	unsigned flush_timeout_s; /* how long closing waits for the broker */
	char *props[KAFKA_MAX_PROPS][2];
	int nprops;
	char *copy; /* owns the strings */
};

/* Parses spec (without the "kafka:" prefix). Returns 0, or -1 with err. */
int kafka_spec_parse(const char *spec, struct kafka_spec *out, char *err, size_t errlen);
void kafka_spec_free(struct kafka_spec *s);

/* Header names of every message (values are decimal text, or names). */
#define KAFKA_H_NODE "sabpf.node"
#define KAFKA_H_RUN "sabpf.run" /* the agent's run: sequence numbers restart with it */
#define KAFKA_H_CPU "sabpf.cpu"
#define KAFKA_H_SEQ "sabpf.seq"
#define KAFKA_H_CONTAINER "sabpf.container"
#define KAFKA_H_TYPE "sabpf.type"	  /* node, edge, name, lost, denial; document */
#define KAFKA_H_FORMAT "sabpf.format"	  /* jsonl, raw, spade, prov */
#define KAFKA_H_CLOCK "sabpf.clock"	  /* raw: wall clock - boot clock, ns */
#define KAFKA_H_BACKEND "sabpf.backend"	  /* raw: lsm or trace, when known */
#define KAFKA_H_LOST "sabpf.lost"	  /* LOST: count */
#define KAFKA_H_LAST_SEQ "sabpf.last_seq" /* LOST: the last sequence number lost */
#define KAFKA_H_CAUSE "sabpf.cause"	  /* LOST: cause name */

struct kafka_sink;

/* Called when records are lost on the way to the broker (spool full,
 * refused by the broker): `l` is the LOST record that accounts for them
 * (its header names their container and CPU). */
typedef void (*kafka_loss_fn)(void *ctx, const struct sabpf_lost *l);

/* A producer for spec (already parsed; the sink takes it). Returns NULL
 * with err for a bad property or an unusable spool. */
struct kafka_sink *kafka_sink_new(struct kafka_spec *spec, kafka_loss_fn on_loss, void *ctx,
				  char *err, size_t errlen);
const char *kafka_sink_format(const struct kafka_sink *k);
/* What the sink has done so far, for --metrics. */
struct kafka_usage {
	const char *topic;
	__u64 spool_bytes, spool_records; /* waiting in the spool */
	__u64 spool_limit;		  /* spool.size */
	__u64 delivered;		  /* acknowledged by the broker */
	__u64 lost_spool, lost_broker;	  /* dropped: spool full, refused */
};
void kafka_sink_usage(const struct kafka_sink *k, struct kafka_usage *out);
/* The spool file's descriptor (the agent guards it like its output files). */
int kafka_sink_spool_fd(const struct kafka_sink *k);
/* The backend whose programs made the records (pipeline_set_backend; NULL:
 * not known): a header of each raw record, which `sabpf consume` gives its
 * outputs. */
void kafka_sink_set_backend(struct kafka_sink *k, const char *backend);
void kafka_sink_set_clock(struct kafka_sink *k, __s64 offset_ns);
/* Names the run of the records to come (header sabpf.run; by default when
 * the sink was made): an agent taking over a pinned kernel side gives the
 * run of that side (pin_run), since its sequences go on. */
void kafka_sink_set_run(struct kafka_sink *k, __u64 run);
/* Sends the text of one record (h: its header) keyed by its container, or
 * (h NULL) one document keyed by the node. */
void kafka_sink_send(struct kafka_sink *k, const struct sabpf_hdr *h, const void *data, size_t len);
/* A LOST record the sink owes for records it dropped, once it can take one
 * again; false if none is due. The caller formats it and sends it. */
bool kafka_sink_due_loss(struct kafka_sink *k, struct sabpf_lost *out);
/* The end is near: from now on the spool takes what is left whatever its
 * bound (the last document, the LOST records owed), and every loss is due. */
void kafka_sink_ending(struct kafka_sink *k);
/* Serves delivery reports and sends spooled records (no wait). */
void kafka_sink_poll(struct kafka_sink *k);
/* Waits up to flush.timeout for the broker; what it has not taken goes to
 * the spool for the next run. Prints a one-line summary unless quiet.
 * Returns 0, or -1 if records were lost. */
int kafka_sink_close(struct kafka_sink *k);
void kafka_sink_free(struct kafka_sink *k);

#endif /* SABPF_KAFKA_H */
