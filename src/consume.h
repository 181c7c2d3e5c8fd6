/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* consume.h: `sabpf consume BROKERS/TOPIC`, the fleet-side half of the
 * Kafka sink (kafka.h): reads a topic from its beginning, checks that every
 * node's per-CPU sequence numbers are whole (each gap explained by LOST
 * records, no duplicate, each container's records in order) and, for a
 * topic of raw records, writes any output format as `sabpf convert` does.
 * consume_replay() reads such a topic into a pipeline the same way, for
 * the commands that take a topic as their source (`sabpf detect`). */
#ifndef SABPF_CONSUME_H
#define SABPF_CONSUME_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/* 0: the topic is complete; 1: gaps, disorder or an error; 2: bad usage. */
int cmd_consume(int argc, char **argv);

/* Where a read of a partition stops: its high watermark when the first
 * read of the source began. */
struct consume_end {
	int partition;
	long long offset;
};

/* A topic read as a source. */
struct consume_source {
	double timeout_s;		   /* how long the brokers may be silent before the end */
	bool follow;			   /* at the end, read on, records as they come ... */
	const volatile sig_atomic_t *stop; /* ... until this is set (by a signal) */
	/* the ends of the partitions: found by the first read, then the ends
	 * of every later read of the same source, so that each reads the
	 * same records (`detect train` reads its sources twice) */
	struct consume_end *ends;
	int nends;
	/* what the last read found */
	char node[224];			 /* the node whose records they are */
	unsigned long long records;	 /* sabpf records read (duplicates not counted) */
	unsigned long long unexplained;	 /* sequence numbers missing without a LOST record */
	unsigned long long duplicates;	 /* records sent twice, read once */
	unsigned long long out_of_order; /* a container's records of a CPU out of order */
};

struct sabpf_pipeline;
/* Reads spec (kafka:BROKERS/TOPIC[,node=NAME][,PROPERTY=VALUE]..., the
 * "kafka:" optional) into p as `sabpf consume -o` does: every partition
 * from its beginning, each raw record through the pipeline (the run's
 * clock and backend from its headers, a record sent twice once), to the
 * ends of src (or, with src->follow, on until *src->stop). Refused, with
 * err: a topic that cannot be read, one of no record (unless following),
 * a message that is no raw record (format=jsonl, spade, prov), the
 * records of more than one node (node=NAME takes one's), malformed
 * records. Returns 0, or -1 with err. */
int consume_replay(struct sabpf_pipeline *p, const char *spec, struct consume_source *src,
		   char *err, size_t errlen);
void consume_source_free(struct consume_source *src);

#endif /* SABPF_CONSUME_H */
