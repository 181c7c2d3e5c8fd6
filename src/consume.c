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
 * (output.h) to the -o outputs, as `sabpf convert` replays a raw file. */
#include "consume.h"

#include <errno.h>
#include <getopt.h>
#include <librdkafka/rdkafka.h>
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
	const char *not_raw; /* format of the first message that cannot be converted */
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
		if (c->out_of_order < GAPS_SHOWN)
			printf("out of order: node %s container %llu cpu %u: seq %llu after %llu "
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
	char err[1024];
	for (int i = 0; i < c->noutputs; i++)
		if (pipeline_add_output(c->p, c->outputs[i], err, sizeof(err))) {
			fprintf(stderr, "sabpf consume: %s\n", err);
			return -1;
		}
	c->noutputs = 0;
	return 0;
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
	/* sequence numbers start again with each run of the agent */
	snprintf(node + strlen(node), sizeof(node) - strlen(node), " run %s", run);
	if (!hget(hs, KAFKA_H_FORMAT, format, sizeof(format)))
		snprintf(format, sizeof(format), "?");
	if (strcmp(type, "document") == 0) {
		c->documents++;
		if (c->p && !c->not_raw)
			c->not_raw = "prov";
		return 0;
	}
	__u32 cpu = (__u32)hget_u64(hs, KAFKA_H_CPU);
	__u64 seq = hget_u64(hs, KAFKA_H_SEQ);
	__u64 container = hget_u64(hs, KAFKA_H_CONTAINER);
	size_t si;
	struct stream *s = stream_of(c, node, cpu, &si);
	if (!s) {
		fprintf(stderr, "sabpf consume: out of memory\n");
		return -1;
	}
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
			if (!seqs) {
				fprintf(stderr, "sabpf consume: out of memory\n");
				return -1;
			}
			s->seqs = seqs;
			s->cap = cap;
		}
		s->seqs[s->nseqs++] = seq;
		check_order(c, node, container, cpu, m->partition, seq);
	}
	c->records++;
	if (!c->p)
		return 0;
	if (strcmp(format, "raw") != 0) {
		if (!c->not_raw)
			c->not_raw = strcmp(format, "jsonl") == 0   ? "jsonl"
				     : strcmp(format, "spade") == 0 ? "spade"
								    : "unknown";
		return 0;
	}
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

/* Prints the gaps; returns the numbers missing, unexplained ones in *unexpl. */
static __u64 report_gaps(struct consume *c, __u64 *explained, __u64 *unexplained)
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
				if (shown++ < GAPS_SHOWN)
					printf(
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
		printf("node %s cpu %u: seq 1..%llu, %zu records, %llu missing, %llu explained by "
		       "LOST records\n",
		       s->node, s->cpu, (unsigned long long)max, s->nseqs, (unsigned long long)miss,
		       (unsigned long long)s->explained);
		missing += miss;
		*explained += expl;
		*unexplained += miss - expl;
	}
	if (shown > GAPS_SHOWN)
		printf("(%llu more gaps not shown)\n", (unsigned long long)(shown - GAPS_SHOWN));
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
		   "BROKERS/TOPIC[,PROPERTY=VALUE]...\n"
		   "  reads the topic from its start to its end, reports gaps in every node's "
		   "per-CPU\n"
		   "  sequence numbers, and writes the outputs (topics of format=raw records)\n");
}

/* Reads every partition from its start to its end. */
static int read_topic(rd_kafka_t *rk, const struct kafka_spec *ks, struct consume *c,
		      double timeout_s)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, ks->topic, NULL);
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, (int)(timeout_s * 1000));
	rd_kafka_topic_destroy(rkt);
	if (e || md->topic_cnt != 1 || md->topics[0].err) {
		fprintf(stderr, "sabpf consume: cannot read topic '%s' from %s: %s\n", ks->topic,
			ks->brokers,
			rd_kafka_err2str(e ? e
					 : md->topic_cnt
					     ? md->topics[0].err
					     : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART));
		if (md)
			rd_kafka_metadata_destroy(md);
		return -1;
	}
	int nparts = md->topics[0].partition_cnt;
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(nparts);
	for (int i = 0; i < nparts; i++)
		rd_kafka_topic_partition_list_add(parts, ks->topic, md->topics[0].partitions[i].id)
		    ->offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_metadata_destroy(md);
	e = rd_kafka_assign(rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	if (e) {
		fprintf(stderr, "sabpf consume: cannot read the partitions of '%s': %s\n",
			ks->topic, rd_kafka_err2str(e));
		return -1;
	}
	int at_end = 0;
	double last = now_s();
	while (at_end < nparts) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
		if (!m) {
			if (now_s() - last > timeout_s) {
				fprintf(
				    stderr,
				    "sabpf consume: no message from %s for %.0f s before the "
				    "end of every partition (%d of %d): giving up (--timeout)\n",
				    ks->brokers, timeout_s, at_end, nparts);
				return -1;
			}
			continue;
		}
		last = now_s();
		int rc = 0;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
			at_end++;
		else if (m->err) {
			fprintf(stderr, "sabpf consume: %s\n", rd_kafka_message_errstr(m));
			rc = -1;
		} else {
			rc = take_message(c, m);
		}
		rd_kafka_message_destroy(m);
		if (rc)
			return -1;
	}
	printf("sabpf consume: %s/%s: %llu messages in %d partitions\n", ks->brokers, ks->topic,
	       (unsigned long long)c->messages, nparts);
	return 0;
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
	struct consume c = {0};
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
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char group[64];
	snprintf(group, sizeof(group), "sabpf-consume-%d", (int)getpid());
	const char *fixed[][2] = {
	    {"bootstrap.servers", ks.brokers},
	    {"group.id", group},
	    {"enable.auto.commit", "false"},
	    {"enable.partition.eof", "true"},
	    {"allow.auto.create.topics", "false"}, /* reading creates nothing */
	    {"log_level", "2"}}; /* the error at the end says it; log_level=7 for more */
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		rd_kafka_conf_set(conf, fixed[i][0], fixed[i][1], NULL, 0);
	for (int i = 0; i < ks.nprops; i++) {
		if (rd_kafka_conf_set(conf, ks.props[i][0], ks.props[i][1], err, sizeof(err)) !=
		    RD_KAFKA_CONF_OK) {
			fprintf(stderr, "sabpf consume: kafka property %s=%s: %s\n", ks.props[i][0],
				ks.props[i][1], err);
			rd_kafka_conf_destroy(conf);
			status = EXIT_USAGE;
			goto out;
		}
	}
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (!rk) {
		fprintf(stderr, "sabpf consume: %s\n", err);
		rd_kafka_conf_destroy(conf);
		goto out;
	}
	if (read_topic(rk, &ks, &c, timeout_s) || (c.p && open_outputs(&c) < 0))
		goto out;
	__u64 explained, unexplained;
	__u64 missing = report_gaps(&c, &explained, &unexplained);
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
	if (c.messages == 0) {
		fprintf(stderr,
			"sabpf consume: topic '%s' on %s holds no message: nothing to check (is "
			"it the topic the agents write to?)\n",
			ks.topic, ks.brokers);
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
	if (rk) {
		rd_kafka_consumer_close(rk);
		rd_kafka_destroy(rk);
	}
	if (c.p) {
		if (pipeline_finish(c.p, status == 0) && status == 0) {
			fprintf(stderr, "sabpf consume: writing the outputs failed\n");
			status = 1;
		}
		pipeline_free(c.p);
	}
	for (size_t i = 0; i < c.nstreams; i++) {
		free(c.streams[i].node);
		free(c.streams[i].seqs);
	}
	for (size_t i = 0; i < c.norders; i++)
		free(c.orders[i].node);
	free(c.streams);
	free(c.orders);
	free(c.set);
	kafka_spec_free(&ks);
	return status;
}
