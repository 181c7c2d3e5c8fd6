/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* kafka.c: the Kafka sink (see kafka.h). Each record is one message, keyed
 * "NODE/CONTAINER" so that a container's records land in one partition and
 * keep their order; its headers carry node, CPU, sequence number, container
 * and type. The producer is idempotent with acks=all and no message
 * timeout, so librdkafka retries without duplicates or reordering for as
 * long as it takes; what its queue (queue.buffering.max.messages) cannot
 * hold goes to the spool (spool.c), and once anything is spooled every
 * later record goes there too until the spool has been sent, so the order
 * is kept. A full spool drops records: they are counted (callback to the
 * pipeline, --stats) and owed as LOST records of cause "spool", sent as
 * soon as the spool takes entries again or at the end. Delivery reports
 * are checked: a record the broker refuses is lost with cause "broker". */
#include "kafka.h"

#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "record.h"
#include "spool.h"

#define DEFAULT_SPOOL_DIR "/var/spool/sabpf"
#define DEFAULT_SPOOL_BYTES (256ull << 20)
#define DEFAULT_QUEUE_MESSAGES "10000"

/* Records dropped for one container and CPU, not yet told in a LOST record. */
struct due_loss {
	__u64 container;
	__u32 cpu;
	__u32 cause;
	__u64 count, first_seq, last_seq;
};

struct kafka_sink {
	struct kafka_spec spec;
	rd_kafka_t *rk;
	struct spool *spool;
	char node[256];
	char run[32]; /* start time of this sink: names the run's sequences */
	char clock[32];
	char backend[8]; /* "" when not known */
	bool raw;
	kafka_loss_fn on_loss;
	void *ctx;
	struct due_loss *due;
	size_t ndue;
	bool spool_full; /* the last append did not fit */
	bool closing;
	void *purged; /* entries purged from librdkafka's queue at the end */
	size_t purged_len;
	int drain_below; /* take from the spool while the queue is shorter */
	int last_error;	 /* the last delivery error told (0: none) */
	bool told_away;	 /* error_cb told that the broker is away */
	__u64 sent, delivered, spooled, unspooled, lost_spool, lost_broker;
};

/* ---- spec ---- */

static int parse_size(const char *s, __u64 *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	default:
		break;
	}
	if (*end || v == 0)
		return -1;
	*out = v;
	return 0;
}

int kafka_spec_parse(const char *spec, struct kafka_spec *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->format = "jsonl";
	s->spool_dir = DEFAULT_SPOOL_DIR;
	s->spool_bytes = DEFAULT_SPOOL_BYTES;
	s->flush_timeout_s = 10;
	s->copy = strdup(spec);
	if (!s->copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char *slash = strchr(s->copy, '/');
	if (!slash || slash == s->copy || slash[1] == '\0' || slash[1] == ',') {
		snprintf(err, errlen,
			 "kafka '%s': give BROKERS/TOPIC, e.g. kafka:localhost:9092/sabpf "
			 "(brokers host:port, comma-separated; then the topic)",
			 spec);
		goto fail;
	}
	*slash = '\0';
	s->brokers = s->copy;
	s->topic = slash + 1;
	char *opts = strchr(s->topic, ',');
	if (opts)
		*opts++ = '\0';
	for (const char *c = s->topic; *c; c++) {
		if (!(*c == '.' || *c == '_' || *c == '-' || (*c >= '0' && *c <= '9') ||
		      (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z'))) {
			snprintf(err, errlen,
				 "kafka '%s': topic '%s' has '%c': a Kafka topic is made of "
				 "letters, digits, '.', '_' and '-'",
				 spec, s->topic, *c);
			goto fail;
		}
	}
	char *save = NULL;
	for (char *kv = opts ? strtok_r(opts, ",", &save) : NULL; kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq || eq == kv) {
			snprintf(err, errlen,
				 "kafka '%s': option '%s' is not KEY=VALUE (e.g. format=raw, "
				 "compression.codec=lz4)",
				 spec, kv);
			goto fail;
		}
		*eq = '\0';
		const char *v = eq + 1;
		if (strcmp(kv, "format") == 0) {
			if (strcmp(v, "jsonl") && strcmp(v, "raw") && strcmp(v, "spade") &&
			    strcmp(v, "prov")) {
				snprintf(err, errlen,
					 "kafka '%s': format '%s' cannot be streamed: use jsonl, "
					 "raw, spade or prov",
					 spec, v);
				goto fail;
			}
			s->format = v;
		} else if (strcmp(kv, "spool") == 0) {
			s->spool_dir = v;
		} else if (strcmp(kv, "spool.size") == 0) {
			if (parse_size(v, &s->spool_bytes)) {
				snprintf(err, errlen,
					 "kafka '%s': spool.size '%s' is not a size (e.g. 64M, "
					 "1G, 100000)",
					 spec, v);
				goto fail;
			}
		} else if (strcmp(kv, "node") == 0) {
			s->node = v;
		} else if (strcmp(kv, "flush.timeout") == 0) {
			char *end;
			unsigned long t = strtoul(v, &end, 10);
			if (*end || end == v || t > 86400) {
				snprintf(err, errlen,
					 "kafka '%s': flush.timeout '%s' is not seconds (0..86400)",
					 spec, v);
				goto fail;
			}
			s->flush_timeout_s = (unsigned)t;
		} else {
			if (s->nprops == KAFKA_MAX_PROPS) {
				snprintf(err, errlen, "kafka '%s': at most %d properties", spec,
					 KAFKA_MAX_PROPS);
				goto fail;
			}
			s->props[s->nprops][0] = kv;
			s->props[s->nprops][1] = eq + 1;
			s->nprops++;
		}
	}
	return 0;
fail:
	kafka_spec_free(s);
	return -1;
}

void kafka_spec_free(struct kafka_spec *s)
{
	free(s->copy);
	memset(s, 0, sizeof(*s));
}

/* ---- messages ---- */

static const char *type_name(__u16 type)
{
	switch (type) {
	case SABPF_REC_NODE:
		return "node";
	case SABPF_REC_EDGE:
		return "edge";
	case SABPF_REC_NAME:
		return "name";
	case SABPF_REC_LOST:
		return "lost";
	case SABPF_REC_DENIAL:
		return "denial";
	default:
		return "unknown";
	}
}

static void add_u64(rd_kafka_headers_t *hs, const char *name, __u64 v)
{
	char text[24];
	int n = snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
	rd_kafka_header_add(hs, name, -1, text, n);
}

/* The value of header name as a number; 0 if absent. */
static __u64 header_u64(const rd_kafka_headers_t *hs, const char *name)
{
	const void *v;
	size_t len;
	char text[24];
	if (!hs || rd_kafka_header_get_last(hs, name, &v, &len) || !v || len >= sizeof(text))
		return 0;
	memcpy(text, v, len);
	text[len] = '\0';
	return strtoull(text, NULL, 10);
}

static bool header_is(const rd_kafka_headers_t *hs, const char *name, const char *want)
{
	const void *v;
	size_t len;
	return hs && !rd_kafka_header_get_last(hs, name, &v, &len) && v && len == strlen(want) &&
	       memcmp(v, want, len) == 0;
}

/* One entry of the spool: u32 key length, key, u32 header count, each
 * header (u16 name length, name, u32 value length, value), then the value. */
static int encode(void **buf, size_t *len, const void *key, size_t klen,
		  const rd_kafka_headers_t *hs, const void *value, size_t vlen)
{
	size_t n = 4 + klen + 4 + vlen;
	size_t count = hs ? rd_kafka_header_cnt(hs) : 0;
	const char *name;
	const void *v;
	size_t vl;
	for (size_t i = 0; i < count; i++)
		if (!rd_kafka_header_get_all(hs, i, &name, &v, &vl))
			n += 2 + strlen(name) + 4 + vl;
	unsigned char *e = malloc(n), *p = e;
	if (!e)
		return -1;
	__u32 u = (__u32)klen;
	memcpy(p, &u, 4), p += 4;
	memcpy(p, key, klen), p += klen;
	u = (__u32)count;
	memcpy(p, &u, 4), p += 4;
	for (size_t i = 0; i < count; i++) {
		if (rd_kafka_header_get_all(hs, i, &name, &v, &vl))
			continue;
		__u16 nl = (__u16)strlen(name);
		memcpy(p, &nl, 2), p += 2;
		memcpy(p, name, nl), p += nl;
		u = (__u32)vl;
		memcpy(p, &u, 4), p += 4;
		if (vl)
			memcpy(p, v, vl), p += vl;
	}
	if (vlen)
		memcpy(p, value, vlen);
	int rc = spool_entry(buf, len, e, n);
	free(e);
	return rc;
}

/* Splits an entry back into key, headers (new) and value; -1 if damaged. */
static int decode(const unsigned char *e, size_t n, const void **key, size_t *klen,
		  rd_kafka_headers_t **hs, const void **value, size_t *vlen)
{
	const unsigned char *p = e, *end = e + n;
	__u32 u;
	if (end - p < 4)
		return -1;
	memcpy(&u, p, 4), p += 4;
	if ((size_t)(end - p) < u)
		return -1;
	*key = p, *klen = u, p += u;
	if (end - p < 4)
		return -1;
	__u32 count;
	memcpy(&count, p, 4), p += 4;
	*hs = rd_kafka_headers_new(count);
	for (__u32 i = 0; i < count; i++) {
		__u16 nl;
		if (end - p < 2)
			goto bad;
		memcpy(&nl, p, 2), p += 2;
		if (end - p < nl + 4)
			goto bad;
		const char *name = (const char *)p;
		p += nl;
		memcpy(&u, p, 4), p += 4;
		if ((size_t)(end - p) < u)
			goto bad;
		rd_kafka_header_add(*hs, name, nl, p, u);
		p += u;
	}
	*value = p;
	*vlen = (size_t)(end - p);
	return 0;
bad:
	rd_kafka_headers_destroy(*hs);
	return -1;
}

/* ---- loss ---- */

/* Records of message (headers hs) that will never reach the broker. */
static void lose(struct kafka_sink *k, const rd_kafka_headers_t *hs, __u32 cause)
{
	__u64 container = header_u64(hs, KAFKA_H_CONTAINER);
	__u32 cpu = (__u32)header_u64(hs, KAFKA_H_CPU);
	__u64 seq = header_u64(hs, KAFKA_H_SEQ);
	__u64 count = 1;
	bool lost_record = header_is(hs, KAFKA_H_TYPE, "lost");
	if (header_is(hs, KAFKA_H_TYPE, "document")) {
		fprintf(stderr,
			"sabpf: kafka: a PROV document (records %llu..) could not be sent and is "
			"lost\n",
			(unsigned long long)seq);
		container = 0;
		seq = 0;
	}
	struct due_loss *d = NULL;
	for (size_t i = 0; i < k->ndue && !d; i++)
		if (k->due[i].container == container && k->due[i].cpu == cpu &&
		    k->due[i].cause == cause)
			d = &k->due[i];
	if (!d) {
		struct due_loss *grown = realloc(k->due, (k->ndue + 1) * sizeof(*grown));
		if (!grown) {
			fprintf(stderr, "sabpf: kafka: out of memory counting lost records\n");
			return;
		}
		k->due = grown;
		d = &k->due[k->ndue++];
		memset(d, 0, sizeof(*d));
		d->container = container;
		d->cpu = cpu;
		d->cause = cause;
	}
	if (lost_record) {
		/* a LOST record itself: its count is owed again, already counted */
		__u64 owed = header_u64(hs, KAFKA_H_LOST);
		d->count += owed;
		return;
	}
	d->count += count;
	if (seq && (!d->first_seq || seq < d->first_seq))
		d->first_seq = seq;
	if (seq > d->last_seq)
		d->last_seq = seq;
	if (cause == SABPF_LOST_SPOOL)
		k->lost_spool += count;
	else
		k->lost_broker += count;
	struct sabpf_lost l = {.hdr = {.type = SABPF_REC_LOST,
				       .cpu = (__u16)cpu,
				       .size = sizeof(l),
				       .time_ns = 0,
				       .container = container},
			       .count = count,
			       .first_seq = seq,
			       .last_seq = seq,
			       .cause = cause};
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	l.hdr.time_ns = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
	if (k->on_loss)
		k->on_loss(k->ctx, &l);
}

bool kafka_sink_due_loss(struct kafka_sink *k, struct sabpf_lost *out)
{
	if (k->spool_full && !k->closing)
		return false;
	for (size_t i = 0; i < k->ndue; i++) {
		struct due_loss *d = &k->due[i];
		if (!d->count)
			continue;
		struct timespec ts;
		clock_gettime(CLOCK_BOOTTIME, &ts);
		memset(out, 0, sizeof(*out));
		out->hdr.type = SABPF_REC_LOST;
		out->hdr.cpu = (__u16)d->cpu;
		out->hdr.size = sizeof(*out);
		out->hdr.time_ns = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
		out->hdr.container = d->container;
		out->count = d->count;
		out->first_seq = d->first_seq;
		out->last_seq = d->last_seq;
		out->cause = d->cause;
		d->count = d->first_seq = d->last_seq = 0;
		return true;
	}
	return false;
}

/* ---- producing ---- */

/* 0 queued (hs taken), 1 librdkafka's queue is full, -1 another error
 * (hs still the caller's). */
static int produce(struct kafka_sink *k, const void *key, size_t klen, rd_kafka_headers_t *hs,
		   const void *value, size_t vlen)
{
	rd_kafka_resp_err_t e = rd_kafka_producev(
	    k->rk, RD_KAFKA_V_TOPIC(k->spec.topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_KEY(key, klen), RD_KAFKA_V_VALUE((void *)value, vlen),
	    RD_KAFKA_V_HEADERS(hs), RD_KAFKA_V_END);
	if (!e) {
		k->sent++;
		return 0;
	}
	if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL)
		return 1;
	if (k->last_error != (int)e) {
		fprintf(stderr, "sabpf: kafka: cannot queue a record: %s (it goes to the spool)\n",
			rd_kafka_err2str(e));
		k->last_error = (int)e;
	}
	return -1;
}

/* Appends a message to the spool, or drops it if the spool is full. */
static void to_spool(struct kafka_sink *k, const void *key, size_t klen,
		     const rd_kafka_headers_t *hs, const void *value, size_t vlen)
{
	void *e = NULL;
	size_t elen = 0;
	bool lost_record = header_is(hs, KAFKA_H_TYPE, "lost");
	if (encode(&e, &elen, key, klen, hs, value, vlen) < 0) {
		lose(k, hs, SABPF_LOST_SPOOL);
		return;
	}
	/* the entry is already framed: store its body (past the 8-byte head) */
	int rc = spool_append(k->spool, (char *)e + 8, elen - 8, lost_record || k->closing);
	free(e);
	if (rc == 0) {
		k->spooled++;
		k->spool_full = false;
		return;
	}
	if (rc < 0)
		fprintf(stderr, "sabpf: kafka: writing the spool '%s' failed: %s\n",
			spool_path(k->spool), strerror(errno));
	else if (!k->spool_full)
		fprintf(stderr,
			"sabpf: kafka: spool '%s' is full (%llu bytes): records are lost until "
			"the broker takes some (counted, LOST records of cause spool)\n",
			spool_path(k->spool), (unsigned long long)k->spec.spool_bytes);
	k->spool_full = true;
	lose(k, hs, SABPF_LOST_SPOOL);
}

/* Sends spooled messages while librdkafka's queue has room. */
static void drain(struct kafka_sink *k)
{
	while (spool_pending_entries(k->spool) && rd_kafka_outq_len(k->rk) < k->drain_below) {
		const void *e, *key, *value;
		size_t n, klen, vlen;
		rd_kafka_headers_t *hs;
		if (spool_peek(k->spool, &e, &n) <= 0)
			return;
		if (decode(e, n, &key, &klen, &hs, &value, &vlen) < 0) {
			fprintf(stderr, "sabpf: kafka: a damaged spool entry was skipped\n");
			spool_pop(k->spool);
			continue;
		}
		int rc = produce(k, key, klen, hs, value, vlen);
		if (rc != 0) {
			rd_kafka_headers_destroy(hs);
			return;
		}
		k->unspooled++;
		spool_pop(k->spool);
	}
}

void kafka_sink_ending(struct kafka_sink *k)
{
	k->closing = true;
}

void kafka_sink_poll(struct kafka_sink *k)
{
	rd_kafka_poll(k->rk, 0);
	drain(k);
}

void kafka_sink_send(struct kafka_sink *k, const struct sabpf_hdr *h, const void *data, size_t len)
{
	char key[300];
	int klen;
	rd_kafka_headers_t *hs = rd_kafka_headers_new(8);
	rd_kafka_header_add(hs, KAFKA_H_NODE, -1, k->node, -1);
	rd_kafka_header_add(hs, KAFKA_H_RUN, -1, k->run, -1);
	rd_kafka_header_add(hs, KAFKA_H_FORMAT, -1, k->spec.format, -1);
	if (h) {
		klen = snprintf(key, sizeof(key), "%s/%llu", k->node,
				(unsigned long long)h->container);
		add_u64(hs, KAFKA_H_CPU, h->cpu);
		add_u64(hs, KAFKA_H_SEQ, h->seq);
		add_u64(hs, KAFKA_H_CONTAINER, h->container);
		rd_kafka_header_add(hs, KAFKA_H_TYPE, -1, type_name(h->type), -1);
		if (h->type == SABPF_REC_LOST) {
			const struct sabpf_lost *l = (const void *)h;
			add_u64(hs, KAFKA_H_LOST, l->count);
			add_u64(hs, KAFKA_H_LAST_SEQ, l->last_seq);
			const char *cause = record_lost_cause_name(l->cause);
			rd_kafka_header_add(hs, KAFKA_H_CAUSE, -1, cause ? cause : "?", -1);
		}
		if (k->raw)
			rd_kafka_header_add(hs, KAFKA_H_CLOCK, -1, k->clock, -1);
		if (k->raw && k->backend[0])
			rd_kafka_header_add(hs, KAFKA_H_BACKEND, -1, k->backend, -1);
	} else {
		klen = snprintf(key, sizeof(key), "%s", k->node);
		rd_kafka_header_add(hs, KAFKA_H_TYPE, -1, "document", -1);
	}
	if (klen >= (int)sizeof(key))
		klen = (int)sizeof(key) - 1;

	kafka_sink_poll(k);
	if (!spool_pending_entries(k->spool) && produce(k, key, (size_t)klen, hs, data, len) == 0)
		return;
	to_spool(k, key, (size_t)klen, hs, data, len);
	rd_kafka_headers_destroy(hs);
}

/* ---- callbacks ---- */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	struct kafka_sink *k = opaque;
	if (!m->err) {
		k->delivered++;
		k->last_error = 0;
		if (k->told_away)
			fprintf(stderr, "sabpf: kafka %s: delivering again\n", k->spec.brokers);
		k->told_away = false;
		return;
	}
	rd_kafka_headers_t *hs = NULL;
	rd_kafka_message_headers(m, &hs);
	if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
	    m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
		/* the end, broker away: kept for the next run, in order */
		if (encode(&k->purged, &k->purged_len, m->key, m->key_len, hs, m->payload, m->len) <
		    0)
			lose(k, hs, SABPF_LOST_SPOOL);
		return;
	}
	if (k->last_error != (int)m->err)
		fprintf(stderr,
			"sabpf: kafka: the broker did not take a record: %s (lost, counted)\n",
			rd_kafka_err2str(m->err));
	k->last_error = (int)m->err;
	lose(k, hs, SABPF_LOST_BROKER);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	(void)rk;
	struct kafka_sink *k = opaque;
	if (k->told_away) /* once until records are delivered again */
		return;
	k->told_away = true;
	fprintf(stderr, "sabpf: kafka %s: %s (%s): records wait in memory, then in the spool\n",
		k->spec.brokers, reason, rd_kafka_err2name(err));
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (level <= LOG_CRIT) /* the rest is told by on_error, once */
		fprintf(stderr, "sabpf: kafka: %s: %s\n", fac, buf);
}

/* ---- life ---- */

static int conf_set(rd_kafka_conf_t *conf, const char *key, const char *value, char *err,
		    size_t errlen)
{
	char why[512];
	if (rd_kafka_conf_set(conf, key, value, why, sizeof(why)) != RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "kafka property %s=%s: %s", key, value, why);
		return -1;
	}
	return 0;
}

struct kafka_sink *kafka_sink_new(struct kafka_spec *spec, kafka_loss_fn on_loss, void *ctx,
				  char *err, size_t errlen)
{
	struct kafka_sink *k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		kafka_spec_free(spec);
		return NULL;
	}
	k->spec = *spec;
	memset(spec, 0, sizeof(*spec));
	k->on_loss = on_loss;
	k->ctx = ctx;
	k->raw = strcmp(k->spec.format, "raw") == 0;
	snprintf(k->clock, sizeof(k->clock), "0");
	struct timespec start;
	clock_gettime(CLOCK_REALTIME, &start);
	snprintf(k->run, sizeof(k->run), "%llx",
		 (unsigned long long)start.tv_sec * 1000000000ull +
		     (unsigned long long)start.tv_nsec);
	if (k->spec.node)
		snprintf(k->node, sizeof(k->node), "%s", k->spec.node);
	else if (gethostname(k->node, sizeof(k->node) - 1) < 0)
		snprintf(k->node, sizeof(k->node), "unknown");
	for (const char *c = k->node; *c; c++)
		if (*c == '/') {
			snprintf(err, errlen, "kafka: node name '%s' has a '/': give node=NAME",
				 k->node);
			goto fail;
		}

	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	/* no loss, no duplicates, no reordering; no giving up */
	if (conf_set(conf, "bootstrap.servers", k->spec.brokers, err, errlen) ||
	    conf_set(conf, "enable.idempotence", "true", err, errlen) ||
	    conf_set(conf, "acks", "all", err, errlen) ||
	    conf_set(conf, "message.timeout.ms", "0", err, errlen) ||
	    conf_set(conf, "queue.buffering.max.messages", DEFAULT_QUEUE_MESSAGES, err, errlen))
		goto fail_conf;
	for (int i = 0; i < k->spec.nprops; i++) {
		const char *key = k->spec.props[i][0], *v = k->spec.props[i][1];
		if ((strcmp(key, "enable.idempotence") == 0 && strcmp(v, "true") != 0) ||
		    ((strcmp(key, "acks") == 0 || strcmp(key, "request.required.acks") == 0) &&
		     strcmp(v, "all") != 0 && strcmp(v, "-1") != 0) ||
		    (strcmp(key, "message.timeout.ms") == 0 && strcmp(v, "0") != 0)) {
			snprintf(err, errlen,
				 "kafka property %s=%s would let records be lost or duplicated: "
				 "the sink needs enable.idempotence=true, acks=all and "
				 "message.timeout.ms=0 (leave them out)",
				 key, v);
			goto fail_conf;
		}
		if (conf_set(conf, key, v, err, errlen))
			goto fail_conf;
	}
	char qmax[32];
	size_t qlen = sizeof(qmax);
	if (rd_kafka_conf_get(conf, "queue.buffering.max.messages", qmax, &qlen) ==
	    RD_KAFKA_CONF_OK)
		k->drain_below = atoi(qmax); /* the queue bounds the memory, spooled or not */
	if (k->drain_below < 1)
		k->drain_below = 1;
	rd_kafka_conf_set_opaque(conf, k);
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_log_cb(conf, on_log);

	char name[512];
	snprintf(name, sizeof(name), "sabpf-%s.spool", k->spec.topic);
	k->spool = spool_open(k->spec.spool_dir, name, k->spec.spool_bytes, err, errlen);
	if (!k->spool)
		goto fail_conf;
	char why[512];
	k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	if (!k->rk) {
		snprintf(err, errlen, "kafka producer for %s: %s", k->spec.brokers, why);
		goto fail_conf;
	}
	if (spool_pending_entries(k->spool))
		fprintf(stderr,
			"sabpf: kafka: %llu records left in '%s' by a previous run go first\n",
			(unsigned long long)spool_pending_entries(k->spool), spool_path(k->spool));
	return k;
fail_conf:
	if (!k->rk)
		rd_kafka_conf_destroy(conf);
fail:
	spool_close(k->spool);
	kafka_spec_free(&k->spec);
	free(k);
	return NULL;
}

void kafka_sink_usage(const struct kafka_sink *k, struct kafka_usage *out)
{
	*out = (struct kafka_usage){.topic = k->spec.topic,
				    .spool_bytes = spool_pending_bytes(k->spool),
				    .spool_records = spool_pending_entries(k->spool),
				    .spool_limit = k->spec.spool_bytes,
				    .delivered = k->delivered,
				    .lost_spool = k->lost_spool,
				    .lost_broker = k->lost_broker};
}

int kafka_sink_spool_fd(const struct kafka_sink *k)
{
	return spool_fd(k->spool);
}

void kafka_sink_set_run(struct kafka_sink *k, __u64 run)
{
	snprintf(k->run, sizeof(k->run), "%llx", (unsigned long long)run);
}

const char *kafka_sink_format(const struct kafka_sink *k)
{
	return k->spec.format;
}

void kafka_sink_set_backend(struct kafka_sink *k, const char *backend)
{
	snprintf(k->backend, sizeof(k->backend), "%s", backend ? backend : "");
}

void kafka_sink_set_clock(struct kafka_sink *k, __s64 offset_ns)
{
	snprintf(k->clock, sizeof(k->clock), "%lld", (long long)offset_ns);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int kafka_sink_close(struct kafka_sink *k)
{
	int rc = 0;
	double deadline = now_s() + k->spec.flush_timeout_s;
	while ((rd_kafka_outq_len(k->rk) > 0 || spool_pending_entries(k->spool)) &&
	       now_s() < deadline) {
		rd_kafka_poll(k->rk, 5);
		drain(k);
	}
	if (rd_kafka_outq_len(k->rk) > 0) {
		/* the broker is away: what librdkafka holds goes before the spool */
		k->closing = true;
		rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		for (int i = 0; i < 100 && rd_kafka_outq_len(k->rk) > 0; i++)
			rd_kafka_poll(k->rk, 10);
		rd_kafka_poll(k->rk, 0);
		if (spool_prepend(k->spool, k->purged, k->purged_len) < 0) {
			fprintf(stderr, "sabpf: kafka: cannot keep unsent records in '%s': %s\n",
				spool_path(k->spool), strerror(errno));
			rc = -1;
		}
	}
	__u64 left = spool_pending_entries(k->spool);
	fprintf(stderr,
		"sabpf: kafka %s/%s: %llu records delivered, %llu through the spool, %llu left "
		"in '%s' for the next run, %llu lost (spool full %llu, refused %llu)\n",
		k->spec.brokers, k->spec.topic, (unsigned long long)k->delivered,
		(unsigned long long)k->unspooled, (unsigned long long)left, spool_path(k->spool),
		(unsigned long long)(k->lost_spool + k->lost_broker),
		(unsigned long long)k->lost_spool, (unsigned long long)k->lost_broker);
	return rc;
}

void kafka_sink_free(struct kafka_sink *k)
{
	if (!k)
		return;
	if (k->rk)
		rd_kafka_destroy(k->rk);
	if (spool_close(k->spool) < 0)
		fprintf(stderr, "sabpf: kafka: saving the spool position failed: %s\n",
			strerror(errno));
	free(k->due);
	free(k->purged);
	kafka_spec_free(&k->spec);
	free(k);
}
