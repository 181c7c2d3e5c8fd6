/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* consume.c: `sabpf consume` (see consume.h). Reads every partition of the
 * topic from the beginning to its end with librdkafka, takes each message's
 * headers (kafka.h: node, CPU, sequence number, container, type) and keeps,
 * per node and CPU, the set of sequence numbers seen. At the end a number
 * absent between 1 and the highest seen is a gap; LOST records of the
 * causes that take sequence numbers (ring, spool, broker) explain gaps of
 * their node and CPU. A sequence number seen twice is a duplicate (a resend
 * after a crash: skipped); within a partition, a container's records of one
 * CPU must come in increasing order. Raw records go through the pipeline
 * (output.h) to the -o outputs, as `sabpf convert` replays a raw file.
 * consume_replay() is the same reading for another command (`sabpf detect`
 * takes a topic as its source): the topic's raw records into a pipeline. */
#include "consume.h"

#include <errno.h>
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "json_write.h"
#include "kafka.h"
#include "output.h"
#include "record.h"

#define EXIT_USAGE 2
#define MAX_OUTPUTS 8
#define GAPS_SHOWN 20

/* One node and CPU: the sequence numbers seen. */
struct stream {
	char *node;
	__u32 cpu;
	__u64 *seqs;
	size_t nseqs, cap;
	__u64 explained; /* by LOST records of sequence causes */
	__u64 lost_last; /* the highest sequence number a LOST record names */
	__u64 missing;	 /* numbers from 1 to the end never seen (report_gaps) */
	__u64 end;	 /* the highest number seen or named by a LOST record */
};

/* One node, container and CPU within a partition: the last number seen. */
struct order {
	char *node;
	__u64 container;
	__u32 cpu;
	__s32 partition;
	__u64 last;
};

struct consume {
	struct stream *streams;
	size_t nstreams;
	struct order *orders;
	size_t norders;
	__u64 *set; /* open addressing: (stream index + 1) << 48 | seq; 0 empty */
	size_t setcap, setlen;
	__u64 messages, records, documents, foreign, duplicates, out_of_order, malformed;
	__u64 lost_by_cause[SABPF_LOST_CAUSE_MAX];
	bool clock_set; /* and the outputs open */
	const char **outputs;
	int noutputs;
	struct sabpf_pipeline *p;
	const char *topic;
	const char *not_raw; /* format of the first message that cannot be converted */
	FILE *report;	     /* where records out of order are told (stdout; NULL: not) */
	const char *node;    /* node=: the records of that node only */
	__u64 other_nodes;   /* messages of other nodes, skipped */
	/* consume_replay: one node's raw records only, refused otherwise */
	bool strict;
	char first_node[224]; /* the node of the first raw record */
	char *err;
	size_t errlen;
};

/* The end of a partition: its high watermark when a read began. */
struct part_state {
	__s32 id;
	__s64 end;
	bool done;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A header's value as a string (into buf); NULL if absent. */
static const char *hget(rd_kafka_headers_t *hs, const char *name, char *buf, size_t buflen)
{
	const void *v;
	size_t len;
	if (!hs || rd_kafka_header_get_last(hs, name, &v, &len) || !v || len >= buflen)
		return NULL;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return buf;
}

/* An error of the read (in c->err: the command prints it). Returns -1. */
static int fail(struct consume *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct consume *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static __u64 hget_u64(rd_kafka_headers_t *hs, const char *name)
{
	char buf[32];
	const char *s = hget(hs, name, buf, sizeof(buf));
	return s ? strtoull(s, NULL, 10) : 0;
}

static struct stream *stream_of(struct consume *c, const char *node, __u32 cpu, size_t *index)
{
	for (size_t i = 0; i < c->nstreams; i++)
		if (c->streams[i].cpu == cpu && strcmp(c->streams[i].node, node) == 0) {
			*index = i;
			return &c->streams[i];
		}
	struct stream *grown = realloc(c->streams, (c->nstreams + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	c->streams = grown;
	struct stream *s = &c->streams[c->nstreams];
	memset(s, 0, sizeof(*s));
	s->node = strdup(node);
	s->cpu = cpu;
	if (!s->node)
		return NULL;
	*index = c->nstreams++;
	return s;
}

/* Adds key to the set; false if it was there already. */
static bool set_add(struct consume *c, __u64 key)
{
	if (2 * (c->setlen + 1) > c->setcap) {
		size_t cap = c->setcap ? 2 * c->setcap : 4096;
		__u64 *set = calloc(cap, sizeof(*set));
		if (!set)
			return true; /* cannot tell: count it */
		for (size_t i = 0; i < c->setcap; i++) {
			if (!c->set[i])
				continue;
			size_t h = (size_t)(c->set[i] * 0x9E3779B97F4A7C15ull) & (cap - 1);
			while (set[h])
				h = (h + 1) & (cap - 1);
			set[h] = c->set[i];
		}
		free(c->set);
		c->set = set;
		c->setcap = cap;
	}
	size_t h = (size_t)(key * 0x9E3779B97F4A7C15ull) & (c->setcap - 1);
	while (c->set[h]) {
		if (c->set[h] == key)
			return false;
		h = (h + 1) & (c->setcap - 1);
	}
	c->set[h] = key;
	c->setlen++;
	return true;
}

static void check_order(struct consume *c, const char *node, __u64 container, __u32 cpu,
			__s32 partition, __u64 seq)
{
	struct order *o = NULL;
	for (size_t i = 0; i < c->norders && !o; i++)
		if (c->orders[i].container == container && c->orders[i].cpu == cpu &&
		    c->orders[i].partition == partition && strcmp(c->orders[i].node, node) == 0)
			o = &c->orders[i];
	if (!o) {
		struct order *grown = realloc(c->orders, (c->norders + 1) * sizeof(*grown));
		if (!grown)
			return;
		c->orders = grown;
		o = &c->orders[c->norders++];
		*o = (struct order){.node = strdup(node),
				    .container = container,
				    .cpu = cpu,
				    .partition = partition};
		if (!o->node) {
			c->norders--;
			return;
		}
	}
	if (seq < o->last) {
		if (c->report && c->out_of_order < GAPS_SHOWN)
			fprintf(c->report,
				"out of order: node %s container %llu cpu %u: seq %llu after %llu "
				"(partition %d)\n",
				node, (unsigned long long)container, cpu, (unsigned long long)seq,
				(unsigned long long)o->last, partition);
		c->out_of_order++;
	}
	o->last = seq;
}

/* Adds the -o outputs to the pipeline (once). */
static int open_outputs(struct consume *c)
{
	for (int i = 0; i < c->noutputs; i++)
		if (pipeline_add_output(c->p, c->outputs[i], c->err, c->errlen))
			return -1;
	c->noutputs = 0;
	return 0;
}

/* The format of a message that cannot go through the pipeline as a record. */
static const char *format_name(const char *format)
{
	return strcmp(format, "jsonl") == 0   ? "jsonl"
	       : strcmp(format, "spade") == 0 ? "spade"
	       : strcmp(format, "prov") == 0  ? "prov"
					      : "unknown";
}

/* A message that is no raw record: remembered (consume tells it at the
 * end), or refused at once (consume_replay). */
static int not_raw(struct consume *c, const rd_kafka_message_t *m, const char *format)
{
	if (!c->not_raw)
		c->not_raw = format;
	if (!c->strict)
		return 0;
	return fail(c,
		    "topic '%s' holds %s messages (the first at partition %d offset %lld), not "
		    "raw records: write it with -o kafka:BROKERS/TOPIC,format=raw",
		    c->topic, format, (int)m->partition, (long long)m->offset);
}

static int take_message(struct consume *c, const rd_kafka_message_t *m)
{
	rd_kafka_headers_t *hs = NULL;
	rd_kafka_message_headers(m, &hs);
	char type[16], node[256], run[32], format[16], cause[32], clock[32];
	c->messages++;
	if (!hget(hs, KAFKA_H_TYPE, type, sizeof(type)) || !hget(hs, KAFKA_H_NODE, node, 224) ||
	    !hget(hs, KAFKA_H_RUN, run, sizeof(run))) {
		c->foreign++;
		return 0;
	}
	if (c->node && strcmp(node, c->node) != 0) {
		c->other_nodes++; /* node=: another node's */
		return 0;
	}
	if (c->strict && c->p) {
		/* container and node ids are a host's: one graph holds one node's */
		if (!c->first_node[0])
			snprintf(c->first_node, sizeof(c->first_node), "%.223s", node);
		else if (strcmp(node, c->first_node) != 0)
			return fail(c,
				    "topic '%s' holds the records of more than one node ('%s', "
				    "'%s', ...), whose container and node ids may be the same: "
				    "read one node's with kafka:BROKERS/TOPIC,node=NAME",
				    c->topic, c->first_node, node);
	}
	/* sequence numbers start again with each run of the agent */
	snprintf(node + strlen(node), sizeof(node) - strlen(node), " run %s", run);
	if (!hget(hs, KAFKA_H_FORMAT, format, sizeof(format)))
		snprintf(format, sizeof(format), "?");
	if (strcmp(type, "document") == 0) {
		c->documents++;
		return c->p ? not_raw(c, m, "prov") : 0;
	}
	__u32 cpu = (__u32)hget_u64(hs, KAFKA_H_CPU);
	__u64 seq = hget_u64(hs, KAFKA_H_SEQ);
	__u64 container = hget_u64(hs, KAFKA_H_CONTAINER);
	size_t si;
	struct stream *s = stream_of(c, node, cpu, &si);
	if (!s)
		return fail(c, "out of memory");
	if (strcmp(type, "lost") == 0) {
		__u64 count = hget_u64(hs, KAFKA_H_LOST);
		const char *name = hget(hs, KAFKA_H_CAUSE, cause, sizeof(cause));
		for (__u32 k = 1; name && k < SABPF_LOST_CAUSE_MAX; k++)
			if (strcmp(record_lost_cause_name(k), name) == 0) {
				c->lost_by_cause[k] += count;
				if (k == SABPF_LOST_RING || k == SABPF_LOST_SPOOL ||
				    k == SABPF_LOST_BROKER) {
					s->explained += count;
					/* a loss at the end of the sequence
					 * shows only here */
					__u64 last = hget_u64(hs, KAFKA_H_LAST_SEQ);
					if (last > s->lost_last)
						s->lost_last = last;
				}
			}
	} else if (strcmp(type, "denial") != 0) { /* denials are outside the sequence */
		if (seq == 0 || seq >= (1ull << 48) || si >= 0xffff) {
			c->foreign++;
			return 0;
		}
		if (!set_add(c, ((__u64)(si + 1) << 48) | seq)) {
			c->duplicates++;
			return 0; /* a resend: written once */
		}
		if (s->nseqs == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 1024;
			__u64 *seqs = realloc(s->seqs, cap * sizeof(*seqs));
			if (!seqs)
				return fail(c, "out of memory");
			s->seqs = seqs;
			s->cap = cap;
		}
		s->seqs[s->nseqs++] = seq;
		check_order(c, node, container, cpu, m->partition, seq);
	}
	c->records++;
	if (!c->p)
		return 0;
	if (strcmp(format, "raw") != 0)
		return not_raw(c, m, format_name(format));
	if (!c->clock_set) {
		/* the outputs open now, with the run's clock and backend (the
		 * raw header) */
		if (hget(hs, KAFKA_H_CLOCK, clock, sizeof(clock)))
			pipeline_set_clock_offset(c->p, strtoll(clock, NULL, 10));
		char backend[8];
		if (hget(hs, KAFKA_H_BACKEND, backend, sizeof(backend)))
			pipeline_set_backend(c->p, strcmp(backend, "lsm") == 0	   ? "lsm"
						   : strcmp(backend, "trace") == 0 ? "trace"
										   : NULL);
		c->clock_set = true;
		if (open_outputs(c) < 0)
			return -1;
	}
	_Alignas(8) unsigned char buf[RECORD_MAX_SIZE];
	if (m->len > sizeof(buf) || m->len < sizeof(struct sabpf_hdr)) {
		c->malformed++;
		return 0;
	}
	memcpy(buf, m->payload, m->len);
	if (pipeline_consume(c->p, buf, m->len) < 0)
		c->malformed++;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;
	return x < y ? -1 : x > y;
}

/* Prints the gaps on out (NULL: not); returns the numbers missing,
 * unexplained ones in *unexpl. */
static __u64 report_gaps(struct consume *c, FILE *out, __u64 *explained, __u64 *unexplained)
{
	__u64 missing = 0, shown = 0;
	*explained = *unexplained = 0;
	for (size_t i = 0; i < c->nstreams; i++) {
		struct stream *s = &c->streams[i];
		qsort(s->seqs, s->nseqs, sizeof(*s->seqs), cmp_u64);
		__u64 prev = 0, miss = 0;
		for (size_t j = 0; j <= s->nseqs; j++) {
			__u64 cur = j < s->nseqs ? s->seqs[j] : prev + 1;
			if (j == s->nseqs && s->lost_last > prev)
				cur = s->lost_last + 1; /* the end, as the LOST records say */
			if (cur > prev + 1) {
				miss += cur - prev - 1;
				if (out && shown++ < GAPS_SHOWN)
					fprintf(
					    out,
					    "gap: node %s cpu %u: seq %llu..%llu missing (%llu)\n",
					    s->node, s->cpu, (unsigned long long)(prev + 1),
					    (unsigned long long)(cur - 1),
					    (unsigned long long)(cur - prev - 1));
			}
			prev = cur;
		}
		__u64 max = s->nseqs ? s->seqs[s->nseqs - 1] : 0;
		if (s->lost_last > max)
			max = s->lost_last;
		s->missing = miss;
		s->end = max;
		__u64 expl = s->explained < miss ? s->explained : miss;
		if (out)
			fprintf(out,
				"node %s cpu %u: seq 1..%llu, %zu records, %llu missing, %llu "
				"explained by LOST records\n",
				s->node, s->cpu, (unsigned long long)max, s->nseqs,
				(unsigned long long)miss, (unsigned long long)s->explained);
		missing += miss;
		*explained += expl;
		*unexplained += miss - expl;
	}
	if (out && shown > GAPS_SHOWN)
		fprintf(out, "(%llu more gaps not shown)\n",
			(unsigned long long)(shown - GAPS_SHOWN));
	return missing;
}

static int write_stats(const char *path, const struct consume *c, __u64 missing, __u64 explained,
		       __u64 unexplained)
{
	struct jbuf b;
	struct jw w;
	jbuf_init(&b);
	jw_init(&w, &b);
	jw_object_begin(&w);
	jw_key_u64(&w, "messages", c->messages);
	jw_key_u64(&w, "records", c->records);
	jw_key_u64(&w, "documents", c->documents);
	jw_key_u64(&w, "foreign", c->foreign);
	jw_key_u64(&w, "duplicates", c->duplicates);
	jw_key_u64(&w, "out_of_order", c->out_of_order);
	jw_key_u64(&w, "malformed", c->malformed);
	jw_key_u64(&w, "missing", missing);
	jw_key_u64(&w, "explained", explained);
	jw_key_u64(&w, "unexplained", unexplained);
	jw_key(&w, "lost");
	jw_object_begin(&w);
	for (__u32 k = 1; k < SABPF_LOST_CAUSE_MAX; k++) {
		jw_key_escaped(&w, record_lost_cause_name(k));
		jw_u64(&w, c->lost_by_cause[k]);
	}
	jw_object_end(&w);
	jw_key(&w, "streams");
	jw_array_begin(&w);
	for (size_t i = 0; i < c->nstreams; i++) {
		const struct stream *s = &c->streams[i];
		jw_object_begin(&w);
		jw_key_cstr(&w, "node", s->node);
		jw_key_u64(&w, "cpu", s->cpu);
		jw_key_u64(&w, "records", s->nseqs);
		jw_key_u64(&w, "max_seq", s->nseqs ? s->seqs[s->nseqs - 1] : 0);
		jw_key_u64(&w, "end_seq", s->end);
		jw_key_u64(&w, "missing", s->missing);
		jw_key_u64(&w, "explained", s->explained);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	jw_newline(&w);
	FILE *f = jw_check(&w) ? NULL : fopen(path, "w");
	if (!f) {
		fprintf(stderr, "sabpf consume: cannot write --stats file '%s': %s\n", path,
			b.oom ? "out of memory" : strerror(errno));
		jbuf_free(&b);
		return -1;
	}
	fwrite(b.data, 1, b.len, f);
	jbuf_free(&b);
	if (fclose(f)) {
		fprintf(stderr, "sabpf consume: writing '%s' failed\n", path);
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sabpf consume [-o FORMAT:PATH]... [--stats FILE] [--timeout SECONDS] "
		   "BROKERS/TOPIC[,node=NAME][,PROPERTY=VALUE]...\n"
		   "  reads the topic from its start to its end, reports gaps in every node's "
		   "per-CPU\n"
		   "  sequence numbers, and writes the outputs (topics of format=raw records)\n");
}

/* A consumer of the brokers of ks, reading from the start and creating no
 * topic. NULL with err (*usage: a property librdkafka refuses). */
static rd_kafka_t *consumer_new(const struct kafka_spec *ks, char *err, size_t errlen, bool *usage)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char group[64];
	snprintf(group, sizeof(group), "sabpf-consume-%d", (int)getpid());
	const char *fixed[][2] = {
	    {"bootstrap.servers", ks->brokers},
	    {"group.id", group},
	    {"enable.auto.commit", "false"},
	    {"enable.partition.eof", "true"},
	    {"allow.auto.create.topics", "false"}, /* reading creates nothing */
	    {"log_level", "2"}}; /* the error at the end says it; log_level=7 for more */
	*usage = false;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		rd_kafka_conf_set(conf, fixed[i][0], fixed[i][1], NULL, 0);
	for (int i = 0; i < ks->nprops; i++) {
		char why[512];
		if (rd_kafka_conf_set(conf, ks->props[i][0], ks->props[i][1], why, sizeof(why)) !=
		    RD_KAFKA_CONF_OK) {
			snprintf(err, errlen, "kafka property %s=%s: %s", ks->props[i][0],
				 ks->props[i][1], why);
			rd_kafka_conf_destroy(conf);
			*usage = true;
			return NULL;
		}
	}
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen);
	if (!rk)
		rd_kafka_conf_destroy(conf);
	return rk;
}

static struct part_state *part_of(struct part_state *parts, int n, __s32 id)
{
	for (int i = 0; i < n; i++)
		if (parts[i].id == id)
			return &parts[i];
	return NULL;
}

/* The end to read partition id to: that of a former read of the source
 * (a partition it did not see: nothing), else its high watermark now. */
static int partition_end(rd_kafka_t *rk, const struct kafka_spec *ks, struct consume *c,
			 const struct consume_source *src, __s32 id, struct part_state *out)
{
	int64_t low, high;
	rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, ks->topic, id, &low, &high,
								 (int)(src->timeout_s * 1000));
	if (e)
		return fail(c, "cannot find the end of partition %d of topic '%s' on %s: %s", id,
			    ks->topic, ks->brokers, rd_kafka_err2str(e));
	out->id = id;
	out->end = high;
	if (src->nends) {
		out->end = low;
		for (int i = 0; i < src->nends; i++)
			if (src->ends[i].partition == id)
				out->end = src->ends[i].offset;
	}
	out->done = out->end <= low;
	return 0;
}

/* Reads every partition from its start to its end as it was when the first
 * read of src began (src->ends), or with src->follow on until *src->stop.
 * Returns 0, or -1 with c->err. */
static int read_topic(rd_kafka_t *rk, const struct kafka_spec *ks, struct consume *c,
		      struct consume_source *src)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, ks->topic, NULL);
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, (int)(src->timeout_s * 1000));
	rd_kafka_topic_destroy(rkt);
	if (e || md->topic_cnt != 1 || md->topics[0].err) {
		fail(c,
		     "cannot read topic '%s' from %s: %s (is a broker up there, and does the "
		     "topic exist?)",
		     ks->topic, ks->brokers,
		     rd_kafka_err2str(e		      ? e
				      : md->topic_cnt ? md->topics[0].err
						      : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART));
		if (md)
			rd_kafka_metadata_destroy(md);
		return -1;
	}
	int nparts = md->topics[0].partition_cnt;
	struct part_state *parts = calloc(nparts ? nparts : 1, sizeof(*parts));
	rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(nparts);
	int rc = parts ? 0 : fail(c, "out of memory");
	for (int i = 0; i < nparts && rc == 0; i++) {
		rc = partition_end(rk, ks, c, src, md->topics[0].partitions[i].id, &parts[i]);
		rd_kafka_topic_partition_list_add(list, ks->topic, parts[i].id)->offset =
		    RD_KAFKA_OFFSET_BEGINNING;
	}
	rd_kafka_metadata_destroy(md);
	if (rc == 0 && !src->nends) { /* kept for the next read of src */
		src->ends = calloc(nparts ? nparts : 1, sizeof(*src->ends));
		if (!src->ends)
			rc = fail(c, "out of memory");
		for (int i = 0; rc == 0 && i < nparts; i++)
			src->ends[i] = (struct consume_end){parts[i].id, parts[i].end};
		src->nends = rc == 0 ? nparts : 0;
	}
	if (rc == 0 && (e = rd_kafka_assign(rk, list)))
		rc = fail(c, "cannot read the partitions of '%s': %s", ks->topic,
			  rd_kafka_err2str(e));
	rd_kafka_topic_partition_list_destroy(list);
	double last = now_s();
	while (rc == 0) {
		int at_end = 0;
		for (int i = 0; i < nparts; i++)
			at_end += parts[i].done;
		if (src->follow ? src->stop && *src->stop : at_end == nparts)
			break;
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
		if (!m) {
			if (at_end < nparts && now_s() - last > src->timeout_s)
				rc = fail(c,
					  "no message from %s for %.0f s before the end of every "
					  "partition (%d of %d): giving up (--timeout)",
					  ks->brokers, src->timeout_s, at_end, nparts);
			continue;
		}
		last = now_s();
		struct part_state *ps = part_of(parts, nparts, m->partition);
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			if (ps)
				ps->done = true;
		} else if (m->err) {
			rc = fail(c, "%s", rd_kafka_message_errstr(m));
		} else if (!src->follow && (!ps || ps->done || m->offset >= ps->end)) {
			if (ps)
				ps->done = true; /* past the end the read began with */
		} else {
			rc = take_message(c, m);
			if (ps && m->offset + 1 >= ps->end)
				ps->done = true;
		}
		rd_kafka_message_destroy(m);
	}
	if (rc == 0 && c->report)
		fprintf(c->report, "sabpf consume: %s/%s: %llu messages in %d partitions\n",
			ks->brokers, ks->topic, (unsigned long long)c->messages, nparts);
	free(parts);
	return rc;
}

static void consume_free(struct consume *c)
{
	for (size_t i = 0; i < c->nstreams; i++) {
		free(c->streams[i].node);
		free(c->streams[i].seqs);
	}
	for (size_t i = 0; i < c->norders; i++)
		free(c->orders[i].node);
	free(c->streams);
	free(c->orders);
	free(c->set);
}

static void consumer_free(rd_kafka_t *rk)
{
	if (rk) {
		rd_kafka_consumer_close(rk);
		rd_kafka_destroy(rk);
	}
}

void consume_source_free(struct consume_source *src)
{
	free(src->ends);
	src->ends = NULL;
	src->nends = 0;
}

int consume_replay(struct sabpf_pipeline *p, const char *spec, struct consume_source *src,
		   char *err, size_t errlen)
{
	struct kafka_spec ks;
	if (strncmp(spec, "kafka:", 6) == 0)
		spec += 6;
	if (kafka_spec_parse(spec, &ks, err, errlen))
		return -1;
	struct consume c = {.p = p,
			    .topic = ks.topic,
			    .strict = true,
			    .node = ks.node,
			    .err = err,
			    .errlen = errlen};
	bool usage;
	rd_kafka_t *rk = consumer_new(&ks, err, errlen, &usage);
	int rc = rk ? read_topic(rk, &ks, &c, src) : -1;
	if (rc == 0 && c.records == 0 && !src->follow && c.other_nodes)
		rc = fail(&c, "topic '%s' on %s holds no record of node '%s' (node=NAME)", ks.topic,
			  ks.brokers, ks.node);
	else if (rc == 0 && c.records == 0 && !src->follow)
		rc = fail(&c,
			  "topic '%s' on %s holds no sabpf record (a broker that makes topics "
			  "when asked shows a missing one as empty): is it the topic the agent "
			  "writes with -o kafka:BROKERS/TOPIC,format=raw?",
			  ks.topic, ks.brokers);
	if (rc == 0 && c.malformed)
		rc = fail(&c, "topic '%s' on %s holds %llu malformed raw records", ks.topic,
			  ks.brokers, (unsigned long long)c.malformed);
	if (rc == 0) {
		__u64 explained, unexplained;
		report_gaps(&c, NULL, &explained, &unexplained);
		src->records = c.records;
		src->unexplained = unexplained;
		src->duplicates = c.duplicates;
		src->out_of_order = c.out_of_order;
		snprintf(src->node, sizeof(src->node), "%s", c.first_node);
	}
	consumer_free(rk);
	consume_free(&c);
	kafka_spec_free(&ks);
	return rc;
}

int cmd_consume(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"output", required_argument, 0, 'o'},
	    {"stats", required_argument, 0, 's'},
	    {"timeout", required_argument, 0, 't'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	const char *outputs[MAX_OUTPUTS], *stats_path = NULL;
	int noutputs = 0, opt;
	double timeout_s = 30;
	cmd_getopt_reset(); /* optind 0: glibc re-reads the optstring mode */
	while ((opt = getopt_long(argc, argv, "+o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			if (noutputs == MAX_OUTPUTS) {
				fprintf(stderr, "sabpf consume: at most %d outputs\n", MAX_OUTPUTS);
				return EXIT_USAGE;
			}
			outputs[noutputs++] = optarg;
			break;
		case 's':
			stats_path = optarg;
			break;
		case 't': {
			char *end;
			timeout_s = strtod(optarg, &end);
			if (*end || timeout_s <= 0) {
				fprintf(stderr,
					"sabpf consume: --timeout '%s' is not seconds > 0\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	char err[1024];
	struct kafka_spec ks;
	const char *spec = argv[optind];
	if (strncmp(spec, "kafka:", 6) == 0)
		spec += 6;
	if (kafka_spec_parse(spec, &ks, err, sizeof(err))) {
		fprintf(stderr, "sabpf consume: %s\n", err);
		return EXIT_USAGE;
	}
	struct consume c = {.report = stdout,
			    .topic = ks.topic,
			    .node = ks.node,
			    .err = err,
			    .errlen = sizeof(err)};
	struct consume_source src = {.timeout_s = timeout_s};
	int status = 1;
	rd_kafka_t *rk = NULL;
	if (noutputs) {
		c.p = pipeline_new();
		if (!c.p) {
			fprintf(stderr, "sabpf consume: out of memory\n");
			goto out;
		}
		c.outputs = outputs;
		c.noutputs = noutputs;
		/* each must be valid before anything is read */
		struct sabpf_pipeline *check = pipeline_new();
		for (int i = 0; check && i < noutputs; i++)
			if (pipeline_add_output(check, outputs[i], err, sizeof(err))) {
				fprintf(stderr, "sabpf consume: %s\n", err);
				pipeline_free(check);
				goto out;
			}
		pipeline_free(check);
	}
	bool bad_property;
	rk = consumer_new(&ks, err, sizeof(err), &bad_property);
	if (!rk) {
		fprintf(stderr, "sabpf consume: %s\n", err);
		if (bad_property)
			status = EXIT_USAGE;
		goto out;
	}
	if (read_topic(rk, &ks, &c, &src) || (c.p && open_outputs(&c) < 0)) {
		fprintf(stderr, "sabpf consume: %s\n", err);
		goto out;
	}
	__u64 explained, unexplained;
	__u64 missing = report_gaps(&c, stdout, &explained, &unexplained);
	printf("lost (LOST records):");
	for (__u32 k = 1; k < SABPF_LOST_CAUSE_MAX; k++)
		printf(" %s %llu%s", record_lost_cause_name(k),
		       (unsigned long long)c.lost_by_cause[k],
		       k + 1 < SABPF_LOST_CAUSE_MAX ? "," : "\n");
	printf("%llu records, %llu documents, %llu missing from the sequences (%llu explained by "
	       "LOST records, %llu unexplained), %llu duplicates, %llu out of order, %llu not "
	       "from sabpf\n",
	       (unsigned long long)c.records, (unsigned long long)c.documents,
	       (unsigned long long)missing, (unsigned long long)explained,
	       (unsigned long long)unexplained, (unsigned long long)c.duplicates,
	       (unsigned long long)c.out_of_order, (unsigned long long)c.foreign);
	if (c.node)
		printf("%llu messages of other nodes than '%s' skipped (node=)\n",
		       (unsigned long long)c.other_nodes, c.node);
	if (c.messages == c.other_nodes) {
		fprintf(stderr,
			"sabpf consume: topic '%s' on %s holds no message%s%s: nothing to check "
			"(is it the topic the agents write to?)\n",
			ks.topic, ks.brokers, c.node ? " of node " : "", c.node ? c.node : "");
		goto out;
	}
	if (c.not_raw) {
		fprintf(stderr,
			"sabpf consume: the topic holds %s messages: -o converts raw records only "
			"(produce with -o kafka:BROKERS/TOPIC,format=raw)\n",
			c.not_raw);
		goto out;
	}
	if (stats_path && write_stats(stats_path, &c, missing, explained, unexplained))
		goto out;
	if (unexplained || c.out_of_order) {
		printf("sabpf consume: INCOMPLETE: %llu sequence numbers missing without a LOST "
		       "record, %llu records out of order\n",
		       (unsigned long long)unexplained, (unsigned long long)c.out_of_order);
		goto out;
	}
	printf("sabpf consume: complete: every sequence number is there or accounted for by a "
	       "LOST record\n");
	status = 0;
out:
	consumer_free(rk);
	if (c.p) {
		if (pipeline_finish(c.p, status == 0) && status == 0) {
			fprintf(stderr, "sabpf consume: writing the outputs failed\n");
			status = 1;
		}
		pipeline_free(c.p);
	}
	consume_free(&c);
	consume_source_free(&src);
	kafka_spec_free(&ks);
	return status;
}
