/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* output.c: the pipeline after the ring buffer (see output.h): decode each
 * record, account for loss, keep the node table up to date, and hand the
 * record to every configured output; plus the output files themselves
 * (written to PATH.tmp, renamed on success) and the node and edge attributes
 * shared by the PROV and SPADE writers. */
#include "output.h"
#include "kafka.h"
#include "seal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "format.h"
#include "graph.h"
#include "identity.h"
#include "names.h"
#include "record.h"

#define MAX_OUTPUTS 8
#define WRITE_BLOCK (64 * 1024) /* output_maybe_write() writes beyond this */
#define RAW_MAGIC "SABPFRAW"
#define KAFKA_DOC_MAX (512 * 1024) /* a PROV document sent to Kafka ends here */

/* Sequence accounting of one CPU. */
struct cpu_seq {
	__u64 max_seq;	/* highest sequence number seen */
	__u64 received; /* records received */
};

struct container_name {
	__u64 id;
	char *name;
};

/* The LOST records of one container, by cause. */
struct container_loss {
	__u64 id;
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
	struct container_name *names;
	size_t nnames;
	struct container_loss *losses;
	size_t nlosses;
	struct identity_table *identities; /* NULL: no identities known */
	bool identities_live;		   /* resolve the cgroups records name */
	char text[RECORD_TEXT_MAX];	   /* decoded NAME text of the current record */
	char last_error[256];
	bool seal; /* outputs added from now on are sealed (seal.h) */
	bool seal_signed;
	struct seal_key seal_key;
	size_t seal_block;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static __s64 clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (__s64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct sabpf_pipeline *pipeline_new(void)
{
	struct sabpf_pipeline *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->graph = graph_new(GRAPH_DEFAULT_CAP);
	if (!p->graph) {
		free(p);
		return NULL;
	}
	p->clock_offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	return p;
}

void pipeline_set_clock_offset(struct sabpf_pipeline *p, __s64 offset_ns)
{
	p->clock_offset_ns = offset_ns;
	for (int i = 0; i < p->noutputs; i++)
		if (p->outputs[i]->kafka)
			kafka_sink_set_clock(p->outputs[i]->kafka, offset_ns);
}

__s64 pipeline_wall_ns(const struct sabpf_pipeline *p, __u64 boot_ns)
{
	return (__s64)boot_ns + p->clock_offset_ns;
}

const char *pipeline_last_error(const struct sabpf_pipeline *p)
{
	return p->last_error;
}

void pipeline_name_container(struct sabpf_pipeline *p, __u64 container, const char *name)
{
	if (!name)
		return;
	char *copy = strdup(name);
	if (!copy)
		return;
	for (size_t i = 0; i < p->nnames; i++) {
		if (p->names[i].id == container) {
			free(p->names[i].name);
			p->names[i].name = copy;
			return;
		}
	}
	struct container_name *names = realloc(p->names, (p->nnames + 1) * sizeof(*names));
	if (!names) {
		free(copy);
		return;
	}
	p->names = names;
	p->names[p->nnames].id = container;
	p->names[p->nnames].name = copy;
	p->nnames++;
}

static int make_identity_table(struct sabpf_pipeline *p)
{
	if (!p->identities)
		p->identities = identity_table_new();
	return p->identities ? 0 : -1;
}

int pipeline_track_identities(struct sabpf_pipeline *p)
{
	if (make_identity_table(p))
		return -1;
	p->identities_live = true;
	return 0;
}

int pipeline_set_identity(struct sabpf_pipeline *p, __u64 cgroup, const struct sabpf_identity *id)
{
	if (make_identity_table(p))
		return -1;
	return identity_table_put(p->identities, cgroup, id);
}

const struct sabpf_identity *pipeline_identity(const struct sabpf_pipeline *p, __u64 container,
					       __u64 cgroup)
{
	const struct sabpf_identity *id = identity_table_get(p->identities, cgroup);
	return id ? id : identity_table_get(p->identities, container);
}

/* Resolves, once each, the identities a record refers to: its container's
 * and, for a task node or a denial, the task's own cgroup's (a container
 * started under a registered runtime parent such as /docker). */
static void resolve_identities(struct sabpf_pipeline *p, const struct record *r)
{
	if (!p->identities_live)
		return;
	identity_table_resolve(p->identities, r->hdr.container);
	if (r->hdr.type == SABPF_REC_NODE && r->node.node.kind == SABPF_NODE_TASK)
		identity_table_resolve(p->identities, r->node.task.cgroup_id);
	else if (r->hdr.type == SABPF_REC_DENIAL)
		identity_table_resolve(p->identities, r->denial.d.cgroup_id);
}

const char *pipeline_identity_name(const struct sabpf_pipeline *p, __u64 cgroup)
{
	return identity_table_name(p->identities, cgroup);
}

const char *pipeline_container_name(const struct sabpf_pipeline *p, __u64 container)
{
	const char *display = identity_table_name(p->identities, container);
	if (display)
		return display;
	for (size_t i = 0; i < p->nnames; i++)
		if (p->names[i].id == container)
			return p->names[i].name;
	return NULL;
}

/* ---- output files ---- */

/* Writes len bytes to the file unless a write already failed; remembers
 * the first error. */
static void write_bytes(struct output *o, const char *data, size_t len)
{
	size_t done = 0;
	while (!o->write_errno && done < len) {
		ssize_t n = write(o->fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			o->write_errno = n < 0 ? errno : EIO;
			break;
		}
		if (o->seal && seal_update(o->seal, data + done, (size_t)n) != 0)
			o->write_errno = errno;
		done += (size_t)n;
	}
}

/* Writes all of o->buf and empties it (the data is dropped after an
 * error). An allocation failure while building it counts as an error. */
static void output_write(struct output *o)
{
	if (o->buf.oom && !o->write_errno)
		o->write_errno = ENOMEM;
	write_bytes(o, o->buf.data, o->buf.len);
	jbuf_reset(&o->buf);
}

void output_put_large(struct output *o, const void *data, size_t len)
{
	if (len < WRITE_BLOCK) {
		jbuf_put(&o->buf, data, len);
		return;
	}
	output_write(o); /* keep the order of the bytes */
	write_bytes(o, data, len);
}

void output_maybe_write(struct output *o)
{
	if (o->buf.len >= WRITE_BLOCK)
		output_write(o);
}

static const struct format_ops *format_by_name(const char *name, size_t len)
{
	static const struct format_ops *const all[] = {
	    &format_prov, &format_spade,   &format_jsonl,	 &format_raw,
	    &format_dot,  &format_summary, &format_summary_json, /* views: docs/views.md */
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strlen(all[i]->name) == len && memcmp(all[i]->name, name, len) == 0)
			return all[i];
	return NULL;
}

static void output_free(struct output *o)
{
	kafka_sink_free(o->kafka);
	if (o->seal) { /* not finished: the seal goes with its file */
		seal_close(o->seal);
		unlink(o->seal_tmp);
	}
	free(o->seal_tmp);
	jbuf_free(&o->buf);
	jbuf_free(&o->scratch);
	free(o->path);
	free(o->tmp_path);
	free(o);
}

/* Opens the file of a new output: standard output, or PATH.tmp. */
static int output_open_file(struct output *o, const char *spec, char *err, size_t errlen)
{
	if (strcmp(o->path, "-") == 0) {
		o->fd = STDOUT_FILENO;
		return 0;
	}
	/* A device or a FIFO (/dev/null, a pipe to a log shipper) is written
	 * as it is: PATH.tmp renamed over it would replace the device with a
	 * regular file (as root, /dev/null itself). */
	struct stat st;
	if (stat(o->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			set_err(err, errlen, "output '%s': '%s' is a directory: give a file name",
				spec, o->path);
			return -1;
		}
		o->fd = open(o->path, O_WRONLY | O_CLOEXEC);
		if (o->fd < 0) {
			set_err(err, errlen, "cannot open output '%s' for '%s': %s", o->path, spec,
				strerror(errno));
			return -1;
		}
		o->close_fd = true;
		return 0;
	}
	size_t len = strlen(o->path) + sizeof(".tmp");
	o->tmp_path = malloc(len);
	if (!o->tmp_path) {
		set_err(err, errlen, "out of memory adding output '%s'", spec);
		return -1;
	}
	snprintf(o->tmp_path, len, "%s.tmp", o->path);
	o->fd = open(o->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o->fd < 0) {
		set_err(err, errlen,
			"cannot create output file '%s' for '%s': %s (check that the directory "
			"exists and is writable)",
			o->tmp_path, spec, strerror(errno));
		return -1;
	}
	return 0;
}

/* Starts the seal of an output file, PATH.seal (written as PATH.seal.tmp
 * until the output is finished). */
static int output_open_seal(struct sabpf_pipeline *p, struct output *o, const char *spec, char *err,
			    size_t errlen)
{
	if (!o->tmp_path) {
		set_err(err, errlen,
			"--seal: output '%s' goes to %s, which cannot be sealed: write it to "
			"a regular file",
			spec, o->close_fd ? "a device or FIFO" : "standard output");
		return -1;
	}
	size_t len = strlen(o->path) + sizeof(".seal.tmp");
	o->seal_tmp = malloc(len);
	if (!o->seal_tmp) {
		set_err(err, errlen, "out of memory adding output '%s'", spec);
		return -1;
	}
	snprintf(o->seal_tmp, len, "%s.seal.tmp", o->path);
	const char *base = strrchr(o->path, '/');
	char why[512];
	o->seal = seal_open(o->seal_tmp, base ? base + 1 : o->path,
			    p->seal_signed ? &p->seal_key : NULL, p->seal_block, why, sizeof(why));
	if (!o->seal) {
		set_err(err, errlen, "output '%s': %s", spec, why);
		return -1;
	}
	return 0;
}

int pipeline_set_seal(struct sabpf_pipeline *p, const char *key_path, size_t block_bytes, char *err,
		      size_t errlen)
{
	p->seal = true;
	p->seal_block = block_bytes;
	p->seal_signed = key_path != NULL;
	if (key_path && seal_key_load_secret(key_path, &p->seal_key, err, errlen))
		return -1;
	return 0;
}

static bool path_in_use(const struct sabpf_pipeline *p, const char *path)
{
	for (int i = 0; i < p->noutputs; i++)
		if (strcmp(p->outputs[i]->path, path) == 0)
			return true;
	return false;
}

static void note_loss(struct sabpf_pipeline *p, const struct sabpf_lost *l);

/* Records the Kafka sink could not deliver: counted like the kernel's. */
static void kafka_lost(void *ctx, const struct sabpf_lost *l)
{
	struct sabpf_pipeline *p = ctx;
	p->stats.lost += l->count;
	note_loss(p, l);
}

/* -o kafka:BROKERS/TOPIC[,KEY=VALUE]... (kafka.h) */
static int add_kafka_output(struct sabpf_pipeline *p, const char *spec, char *err, size_t errlen)
{
	struct kafka_spec ks;
	char why[512];
	if (kafka_spec_parse(spec + strlen("kafka:"), &ks, why, sizeof(why))) {
		set_err(err, errlen, "output '%s': %s", spec, why);
		return -1;
	}
	const struct format_ops *ops = format_by_name(ks.format, strlen(ks.format));
	if (path_in_use(p, spec) || p->noutputs >= MAX_OUTPUTS ||
	    (ops->describes_nodes && p->slots_used >= GRAPH_SLOTS)) {
		set_err(err, errlen, "output '%s' is given twice, or there are too many outputs",
			spec);
		kafka_spec_free(&ks);
		return -1;
	}
	struct output *o = calloc(1, sizeof(*o));
	if (!o || !(o->path = strdup(spec))) {
		free(o);
		kafka_spec_free(&ks);
		set_err(err, errlen, "out of memory adding output '%s'", spec);
		return -1;
	}
	o->ops = ops;
	o->p = p;
	o->fd = -1;
	o->slot = ops->describes_nodes ? p->slots_used : -1;
	jbuf_init(&o->buf);
	jbuf_init(&o->scratch);
	o->kafka = kafka_sink_new(&ks, kafka_lost, p, why, sizeof(why));
	if (!o->kafka) {
		set_err(err, errlen, "output '%s': %s", spec, why);
		output_free(o);
		return -1;
	}
	kafka_sink_set_clock(o->kafka, p->clock_offset_ns);
	if (ops->open(o) < 0) {
		set_err(err, errlen, "out of memory setting up output '%s'", spec);
		output_free(o);
		return -1;
	}
	jbuf_reset(&o->buf); /* no file header: each message stands alone */
	if (p->seal)
		fprintf(stderr,
			"sabpf: --seal: output '%s' is a Kafka topic and is not sealed (sealing "
			"applies to files; docs/operations.md)\n",
			spec);
	if (ops->describes_nodes)
		p->slots_used++;
	p->outputs[p->noutputs++] = o;
	return 0;
}

/* A Kafka output after a record: a streaming format sends what it wrote
 * as one message (keyed by container); PROV gathers a document. */
static void kafka_output_record(struct output *o, const struct sabpf_hdr *h)
{
	if (o->ops == &format_prov) {
		if (o->buf.len >= KAFKA_DOC_MAX) {
			o->ops->end_batch(o);
			kafka_sink_send(o->kafka, NULL, o->buf.data, o->buf.len);
			jbuf_reset(&o->buf);
		}
		return;
	}
	kafka_sink_send(o->kafka, h, o->buf.data, o->buf.len);
	jbuf_reset(&o->buf);
}

/* The LOST records the sink owes (records it dropped), through the
 * output's format only: the other outputs lost nothing. */
static void kafka_output_losses(struct output *o)
{
	struct sabpf_lost l;
	while (kafka_sink_due_loss(o->kafka, &l)) {
		struct record r;
		static char text[RECORD_TEXT_MAX]; /* unused by LOST; not p->text, in use */
		char why[256];
		if (record_decode(&l, sizeof(l), &r, text, why, sizeof(why)) < 0)
			continue;
		struct event ev = {.rec = &r, .raw = &l, .raw_size = sizeof(l)};
		o->ops->record(o, &ev);
		kafka_output_record(o, &l.hdr);
	}
}

int pipeline_add_output(struct sabpf_pipeline *p, const char *spec, char *err, size_t errlen)
{
	if (strncmp(spec, "kafka:", 6) == 0)
		return add_kafka_output(p, spec, err, errlen);
	const char *colon = strchr(spec, ':');
	if (!colon) {
		set_err(err, errlen,
			"output '%s' has no ':': use FORMAT:PATH with FORMAT prov, spade, jsonl "
			"or raw, e.g. prov:/tmp/graph.json or jsonl:-",
			spec);
		return -1;
	}
	const struct format_ops *ops = format_by_name(spec, (size_t)(colon - spec));
	if (!ops) {
		set_err(err, errlen,
			"unknown output format '%.*s' in '%s': use prov, spade, jsonl, raw, dot, "
			"summary or summary-json",
			(int)(colon - spec), spec, spec);
		return -1;
	}
	const char *path = colon + 1;
	if (*path == '\0') {
		set_err(err, errlen,
			"output '%s' has no path after ':': give a file or - for "
			"standard output",
			spec);
		return -1;
	}
	if (path_in_use(p, path)) {
		set_err(err, errlen,
			"output path '%s' is given twice: each output needs its own file", path);
		return -1;
	}
	if (p->noutputs >= MAX_OUTPUTS) {
		set_err(err, errlen, "too many outputs (at most %d): cannot add '%s'", MAX_OUTPUTS,
			spec);
		return -1;
	}
	if (ops->describes_nodes && p->slots_used >= GRAPH_SLOTS) {
		set_err(err, errlen, "at most %d prov and spade outputs together: cannot add '%s'",
			GRAPH_SLOTS, spec);
		return -1;
	}

	struct output *o = calloc(1, sizeof(*o));
	if (!o || !(o->path = strdup(path))) {
		free(o);
		set_err(err, errlen, "out of memory adding output '%s'", spec);
		return -1;
	}
	o->ops = ops;
	o->p = p;
	o->fd = -1;
	o->slot = ops->describes_nodes ? p->slots_used : -1;
	jbuf_init(&o->buf);
	jbuf_init(&o->scratch);
	if (output_open_file(o, spec, err, errlen) < 0 ||
	    (p->seal && output_open_seal(p, o, spec, err, errlen) < 0)) {
		if (o->tmp_path && o->fd >= 0) {
			close(o->fd);
			unlink(o->tmp_path);
		}
		output_free(o);
		return -1;
	}
	if (ops->open(o) < 0) {
		set_err(err, errlen, "out of memory setting up output '%s'", spec);
		if (o->tmp_path) {
			close(o->fd);
			unlink(o->tmp_path);
		}
		output_free(o);
		return -1;
	}
	if (ops->describes_nodes)
		p->slots_used++;
	p->outputs[p->noutputs++] = o;
	return 0;
}

/* ---- loss accounting ---- */

/* The sequence tracking of one CPU, grown on demand; NULL if out of memory. */
static struct cpu_seq *cpu_seq_of(struct sabpf_pipeline *p, unsigned cpu)
{
	if (cpu >= p->ncpus) {
		size_t n = (size_t)cpu + 1;
		struct cpu_seq *cpus = realloc(p->cpus, n * sizeof(*cpus));
		if (!cpus)
			return NULL;
		memset(cpus + p->ncpus, 0, (n - p->ncpus) * sizeof(*cpus));
		p->cpus = cpus;
		p->ncpus = n;
	}
	return &p->cpus[cpu];
}

static void track_seq(struct sabpf_pipeline *p, const struct sabpf_hdr *h)
{
	struct cpu_seq *c = cpu_seq_of(p, h->cpu);
	if (!c)
		return;
	c->received++;
	if (h->seq > c->max_seq)
		c->max_seq = h->seq;
}

void pipeline_note_issued(struct sabpf_pipeline *p, unsigned cpu, __u64 last_seq)
{
	struct cpu_seq *c = cpu_seq_of(p, cpu);
	if (c && last_seq > c->max_seq)
		c->max_seq = last_seq;
}

void pipeline_seq_get(const struct sabpf_pipeline *p, unsigned cpu, __u64 *max_seq, __u64 *received)
{
	*max_seq = cpu < p->ncpus ? p->cpus[cpu].max_seq : 0;
	*received = cpu < p->ncpus ? p->cpus[cpu].received : 0;
}

int pipeline_seq_set(struct sabpf_pipeline *p, unsigned cpu, __u64 max_seq, __u64 received)
{
	struct cpu_seq *c = cpu_seq_of(p, cpu);
	if (!c)
		return -1;
	c->max_seq = max_seq;
	c->received = received;
	return 0;
}

void pipeline_get_stats(const struct sabpf_pipeline *p, struct sabpf_stats *out)
{
	*out = p->stats;
	out->seq_missing = 0;
	for (size_t i = 0; i < p->ncpus; i++)
		if (p->cpus[i].max_seq > p->cpus[i].received)
			out->seq_missing += p->cpus[i].max_seq - p->cpus[i].received;
}

/* ---- node table updates ---- */

/* Text of a socket address: 10.0.0.1:80, [::1]:443, [fe80::1%2]:22,
 * unix:/path, unix:@abstract, unix: (unnamed), or family:N. */
static size_t format_address(const struct sabpf_addr_attrs *a, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	int n;

	switch (a->family) {
	case AF_INET:
		inet_ntop(AF_INET, a->addr, ip, sizeof(ip));
		n = snprintf(out, cap, "%s:%u", ip, a->port);
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, a->addr, ip, sizeof(ip));
		if (a->scope_id)
			n = snprintf(out, cap, "[%s%%%u]:%u", ip, a->scope_id, a->port);
		else
			n = snprintf(out, cap, "[%s]:%u", ip, a->port);
		break;
	case AF_UNIX: {
		const char *path = a->unix_path;
		size_t max = sizeof(a->unix_path);
		if (path[0] == '\0' && max > 1) { /* abstract: @name */
			size_t len = strnlen(path + 1, max - 1);
			n = snprintf(out, cap, "unix:%s%.*s", len ? "@" : "", (int)len, path + 1);
		} else {
			n = snprintf(out, cap, "unix:%.*s", (int)strnlen(path, max), path);
		}
		break;
	}
	default:
		n = snprintf(out, cap, "family:%u", a->family);
		break;
	}
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Text of one end of a packet: 10.0.0.1:80 or [::1]:443. */
static size_t format_packet_end(__u16 family, const __u8 *addr, __u16 port, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, ip, sizeof(ip));
	int n = snprintf(out, cap, family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Text of a packet: "tcp 10.0.0.1:80>10.0.0.2:5000 seq 1 len 6", or
 * "udp ... len 6" (sending end first). */
static size_t format_packet(const struct sabpf_packet_attrs *a, char *out, size_t cap)
{
	char from[INET6_ADDRSTRLEN + 16], to[INET6_ADDRSTRLEN + 16];
	format_packet_end(a->family, a->saddr, a->sport, from, sizeof(from));
	format_packet_end(a->family, a->daddr, a->dport, to, sizeof(to));
	int n;
	if (a->protocol == IPPROTO_TCP)
		n = snprintf(out, cap, "tcp %s>%s seq %u len %u", from, to, a->seq, a->len);
	else if (a->protocol == IPPROTO_UDP)
		n = snprintf(out, cap, "udp %s>%s len %u", from, to, a->len);
	else
		n = snprintf(out, cap, "proto:%u %s>%s len %u", a->protocol, from, to, a->len);
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Text of a System V object, "id 32768 key 0x00001234", or of a message,
 * "type 7 on queue 32768": its name in every view. */
static size_t format_ipc(const struct sabpf_ipc_attrs *a, __u16 kind, char *out, size_t cap)
{
	int n;
	if (kind == SABPF_NODE_MSG)
		n = snprintf(out, cap, "type %lld on queue %d", (long long)a->type, a->id);
	else
		n = snprintf(out, cap, "id %d key 0x%08x", a->id, (unsigned)a->key);
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Version bookkeeping shared by every record that names a node. */
static void note_version(struct gnode *n, const struct sabpf_ref *ref)
{
	n->kind = ref->kind;
	if (ref->version > n->version)
		n->version = ref->version;
}

/* The table entry of the node a NODE or NAME record describes. *newest
 * says whether the record's attributes are to be taken: an old version that
 * arrives late must not overwrite newer attributes. */
static struct gnode *gnode_described(struct sabpf_pipeline *p, const struct sabpf_ref *ref,
				     __u64 container, const struct sabpf_ctx *ctx, bool *newest)
{
	struct gnode *n = graph_get(p->graph, ref->id, ref->kind);
	if (!n)
		return NULL;
	*newest = !n->has_attrs || ref->version >= n->version;
	note_version(n, ref);
	if (*newest) {
		n->has_attrs = true;
		n->container = container;
		n->ctx = *ctx;
	}
	return n;
}

static struct gnode *update_from_node(struct sabpf_pipeline *p, const struct record *r)
{
	const struct sabpf_node *rec = &r->node;
	bool newest;
	struct gnode *n = gnode_described(p, &rec->node, rec->hdr.container, &rec->ctx, &newest);
	if (!n || !newest)
		return n;
	switch (rec->node.kind) {
	case SABPF_NODE_TASK:
		n->a.task = rec->task;
		break;
	case SABPF_NODE_PROC_MEM:
		n->a.mem = rec->mem;
		break;
	case SABPF_NODE_ADDRESS: {
		char text[SABPF_UNIX_PATH_MAX + 16];
		size_t len = format_address(&rec->addr, text, sizeof(text));
		n->a.addr.family = rec->addr.family;
		n->a.addr.port = rec->addr.port;
		gnode_set_text(n, text, len);
		break;
	}
	case SABPF_NODE_PACKET: {
		char text[2 * INET6_ADDRSTRLEN + 80];
		size_t len = format_packet(&rec->packet, text, sizeof(text));
		n->a.packet = rec->packet;
		gnode_set_text(n, text, len);
		break;
	}
	case SABPF_NODE_NAMESPACE: {
		char text[48];
		int len = snprintf(text, sizeof(text), "%s:[%u]", nstype_name(rec->ns.nstype),
				   rec->ns.inum);
		n->a.ns = rec->ns;
		gnode_set_text(n, text, (size_t)len);
		break;
	}
	case SABPF_NODE_BPF_PROG:
	case SABPF_NODE_BPF_MAP: {
		char text[48];
		int len = snprintf(text, sizeof(text), "%u %.*s", rec->bpf.id,
				   (int)strnlen(rec->bpf.name, SABPF_BPF_NAME_LEN), rec->bpf.name);
		n->a.bpf = rec->bpf;
		gnode_set_text(n, text, (size_t)len);
		break;
	}
	case SABPF_NODE_MSG_QUEUE:
	case SABPF_NODE_MSG:
	case SABPF_NODE_SHM:
	case SABPF_NODE_SEM: {
		char text[64];
		n->a.ipc = rec->ipc;
		gnode_set_text(n, text, format_ipc(&rec->ipc, rec->node.kind, text, sizeof(text)));
		break;
	}
	default: /* inodes; their text (last path) is kept */
		n->a.inode = rec->inode;
		break;
	}
	return n;
}

static struct gnode *update_from_name(struct sabpf_pipeline *p, const struct record *r)
{
	const struct record_name *rec = &r->name;
	bool newest;
	struct gnode *n = gnode_described(p, &rec->node, r->hdr.container, &rec->ctx, &newest);
	if (!n || !newest)
		return n;
	n->name_flags = rec->flags;
	n->argc = rec->argc;
	gnode_set_text(n, rec->text, rec->text_len);
	return n;
}

static void update_from_edge(struct sabpf_pipeline *p, const struct sabpf_edge *e,
			     struct gnode **from, struct gnode **to)
{
	*from = graph_get(p->graph, e->from.id, e->from.kind);
	if (*from)
		note_version(*from, &e->from);
	*to = graph_get(p->graph, e->to.id, e->to.kind);
	if (*to)
		note_version(*to, &e->to);
	if (!*from || !*to || (*from)->text_len == 0)
		return;
	/* An inode takes the last path it was named by; a socket the address
	 * it was bound or connected to. */
	if (e->relation == SABPF_REL_NAMED || e->relation == SABPF_REL_ADDRESSED) {
		gnode_set_text(*to, (*from)->text, (*from)->text_len);
		/* whether that name is whole goes with it */
		(*to)->name_flags = (*from)->name_flags & SABPF_NAME_TRUNCATED;
	}
}

/* ---- consuming records ---- */

static void note_loss(struct sabpf_pipeline *p, const struct sabpf_lost *l)
{
	struct container_loss *c = NULL;
	for (size_t i = 0; i < p->nlosses && !c; i++)
		if (p->losses[i].id == l->hdr.container)
			c = &p->losses[i];
	if (!c) {
		struct container_loss *grown =
		    realloc(p->losses, (p->nlosses + 1) * sizeof(*grown));
		if (!grown)
			return;
		p->losses = grown;
		c = &p->losses[p->nlosses++];
		memset(c, 0, sizeof(*c));
		c->id = l->hdr.container;
	}
	c->by_cause[l->cause] += l->count; /* cause checked by record_decode */
}

void pipeline_container_loss(const struct sabpf_pipeline *p, __u64 container,
			     __u64 by_cause[SABPF_LOST_CAUSE_MAX])
{
	memset(by_cause, 0, SABPF_LOST_CAUSE_MAX * sizeof(__u64));
	for (size_t i = 0; i < p->nlosses; i++)
		if (p->losses[i].id == container)
			memcpy(by_cause, p->losses[i].by_cause,
			       SABPF_LOST_CAUSE_MAX * sizeof(__u64));
}

static size_t add_id(__u64 *ids, size_t n, size_t max, __u64 id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return n;
	if (n < max)
		ids[n++] = id;
	return n;
}

size_t pipeline_containers(const struct sabpf_pipeline *p, __u64 *ids, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nnames; i++)
		n = add_id(ids, n, max, p->names[i].id);
	for (size_t i = 0; i < p->nlosses; i++)
		n = add_id(ids, n, max, p->losses[i].id);
	return n;
}

void pipeline_set_observer(struct sabpf_pipeline *p, pipeline_observer_fn fn, void *ctx)
{
	p->observer = fn;
	p->observer_ctx = ctx;
}

static void dispatch(struct sabpf_pipeline *p, const struct event *ev)
{
	if (p->observer)
		p->observer(p->observer_ctx, ev);
	for (int i = 0; i < p->noutputs; i++) {
		struct output *o = p->outputs[i];
		o->ops->record(o, ev);
		if (o->kafka) {
			kafka_output_record(o, &ev->rec->hdr);
			kafka_output_losses(o);
		} else {
			output_maybe_write(o);
		}
	}
}

int pipeline_consume(struct sabpf_pipeline *p, const void *data, size_t size)
{
	struct record r;
	struct event ev = {.rec = &r, .raw = data, .raw_size = size};

	if (record_decode(data, size, &r, p->text, p->last_error, sizeof(p->last_error)) < 0) {
		p->stats.malformed++;
		return -1;
	}
	p->stats.records++;
	/* LOST and DENIAL records are outside the sequence */
	if (r.hdr.type != SABPF_REC_LOST && r.hdr.type != SABPF_REC_DENIAL)
		track_seq(p, &r.hdr);
	resolve_identities(p, &r);
	switch (r.hdr.type) {
	case SABPF_REC_NODE:
		p->stats.nodes++;
		ev.node = update_from_node(p, &r);
		break;
	case SABPF_REC_NAME:
		p->stats.nodes++;
		ev.node = update_from_name(p, &r);
		break;
	case SABPF_REC_EDGE:
		p->stats.edges++;
		update_from_edge(p, &r.edge, &ev.from, &ev.to);
		break;
	case SABPF_REC_LOST:
		p->stats.lost += r.lost.count;
		if (r.lost.cause == SABPF_LOST_RING)
			p->stats.lost_ring += r.lost.count;
		note_loss(p, &r.lost);
		break;
	case SABPF_REC_DENIAL:
		p->stats.denials++;
		break;
	}
	dispatch(p, &ev);
	/* A terminated task is gone: its entry is no longer needed. */
	if (r.hdr.type == SABPF_REC_EDGE && r.edge.relation == SABPF_REL_TERMINATE &&
	    r.edge.from.kind == SABPF_NODE_TASK)
		graph_remove(p->graph, r.edge.from.id);
	return 0;
}

int pipeline_output_fds(const struct sabpf_pipeline *p, int *fds, int max)
{
	int n = 0;
	for (int i = 0; i < p->noutputs && n < max; i++) {
		if (p->outputs[i]->tmp_path && p->outputs[i]->fd >= 0)
			fds[n++] = p->outputs[i]->fd;
		if (p->outputs[i]->seal && n < max)
			fds[n++] = seal_fd(p->outputs[i]->seal);
		if (p->outputs[i]->kafka && n < max)
			fds[n++] = kafka_sink_spool_fd(p->outputs[i]->kafka);
	}
	return n;
}

void pipeline_poll(struct sabpf_pipeline *p)
{
	for (int i = 0; i < p->noutputs; i++)
		if (p->outputs[i]->kafka)
			kafka_sink_poll(p->outputs[i]->kafka);
}

int pipeline_flush(struct sabpf_pipeline *p)
{
	int rc = 0;
	for (int i = 0; i < p->noutputs; i++) {
		struct output *o = p->outputs[i];
		o->ops->end_batch(o);
		if (o->kafka) {
			if (o->buf.len)
				kafka_sink_send(o->kafka, NULL, o->buf.data, o->buf.len);
			jbuf_reset(&o->buf);
			kafka_sink_poll(o->kafka);
			continue;
		}
		output_write(o);
		if (o->seal && seal_checkpoint(o->seal) != 0 && !o->write_errno)
			o->write_errno = errno;
		if (o->write_errno)
			rc = -1;
	}
	return rc;
}

/* Ends one output: last words, close, then rename or remove PATH.tmp. */
static int output_finish(struct output *o, bool success)
{
	int rc = 0;

	if (o->kafka) { /* sent whatever success says: it has left already */
		kafka_sink_ending(o->kafka);
		kafka_output_losses(o);
		o->ops->close(o);
		if (o->buf.len)
			kafka_sink_send(o->kafka, NULL, o->buf.data, o->buf.len);
		jbuf_reset(&o->buf);
		kafka_output_losses(o);
		return kafka_sink_close(o->kafka);
	}
	o->ops->close(o);
	if (success)
		output_write(o);
	if (o->write_errno) {
		fprintf(stderr, "sabpf: writing output '%s' failed: %s\n", o->path,
			strerror(o->write_errno));
		rc = -1;
	}
	if (!o->tmp_path) { /* standard output stays open; a device is closed */
		if (o->close_fd && close(o->fd) < 0 && success && rc == 0) {
			fprintf(stderr, "sabpf: closing output '%s' failed: %s\n", o->path,
				strerror(errno));
			rc = -1;
		}
		return rc;
	}
	if (o->seal) {
		int sealed = seal_close(o->seal);
		o->seal = NULL;
		if (sealed != 0 && success && rc == 0) {
			fprintf(stderr, "sabpf: writing the seal '%s' failed: %s\n", o->seal_tmp,
				strerror(errno));
			rc = -1;
		}
	}
	if (close(o->fd) < 0 && success && rc == 0) {
		fprintf(stderr, "sabpf: closing output '%s' failed: %s\n", o->tmp_path,
			strerror(errno));
		rc = -1;
	}
	if (success && rc == 0) {
		if (rename(o->tmp_path, o->path) < 0) {
			fprintf(stderr, "sabpf: cannot rename '%s' to '%s': %s\n", o->tmp_path,
				o->path, strerror(errno));
			rc = -1;
		}
	}
	if (o->seal_tmp && success && rc == 0) {
		char *seal_path = strndup(o->seal_tmp, strlen(o->seal_tmp) - 4); /* less ".tmp" */
		if (!seal_path || rename(o->seal_tmp, seal_path) < 0) {
			fprintf(stderr, "sabpf: cannot rename the seal '%s': %s\n", o->seal_tmp,
				strerror(errno));
			rc = -1;
		}
		free(seal_path);
	}
	if (!success || rc < 0) {
		unlink(o->tmp_path);
		if (o->seal_tmp)
			unlink(o->seal_tmp);
	}
	return rc;
}

/* The identities of a raw capture, beside it in PATH.identity.jsonl (none:
 * no file, and a stale one from an earlier capture is removed). Returns 0,
 * or -1 (said on stderr). */
static int save_identities(const struct sabpf_pipeline *p, const char *path)
{
	char side[PATH_MAX], tmp[PATH_MAX + 8];
	struct jbuf b;
	snprintf(side, sizeof(side), "%s.identity.jsonl", path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", side);
	jbuf_init(&b);
	int n = identity_table_save(p->identities, &b), rc = 0;
	if (n == 0) {
		if (unlink(side) < 0 && errno != ENOENT)
			fprintf(stderr, "sabpf: cannot remove the stale '%s': %s\n", side,
				strerror(errno));
		jbuf_free(&b);
		return 0;
	}
	FILE *f = n < 0 ? NULL : fopen(tmp, "we");
	if (!f || fwrite(b.data, 1, b.len, f) != b.len || fclose(f) != 0 || rename(tmp, side) < 0) {
		fprintf(stderr, "sabpf: writing '%s' failed: %s\n", side,
			n < 0 ? "out of memory" : strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	jbuf_free(&b);
	return rc;
}

int pipeline_finish(struct sabpf_pipeline *p, bool success)
{
	int rc = 0;
	for (int i = 0; i < p->noutputs; i++) {
		struct output *o = p->outputs[i];
		if (output_finish(p->outputs[i], success) < 0)
			rc = -1;
		else if (success && o->ops == &format_raw && o->tmp_path &&
			 save_identities(p, o->path) < 0)
			rc = -1;
		output_free(p->outputs[i]);
		p->outputs[i] = NULL;
	}
	p->noutputs = 0;
	return rc;
}

void pipeline_free(struct sabpf_pipeline *p)
{
	if (!p)
		return;
	pipeline_finish(p, false); /* not finished: no output may look complete */
	graph_free(p->graph);
	for (size_t i = 0; i < p->nnames; i++)
		free(p->names[i].name);
	free(p->names);
	free(p->losses);
	free(p->cpus);
	identity_table_free(p->identities);
	free(p);
}

/* ---- replaying a raw file ---- */

/* Reads up to n bytes; returns how many were read (less only at EOF). */
static size_t read_fully(FILE *f, void *buf, size_t n)
{
	return fread(buf, 1, n, f);
}

static int replay_records(struct sabpf_pipeline *p, FILE *f, const char *path,
			  unsigned long long offset, char *err, size_t errlen)
{
	_Alignas(8) unsigned char buf[RECORD_MAX_SIZE];
	unsigned long long malformed = 0, first_bad_offset = 0;
	char first_bad[256] = "";

	for (;;) {
		struct sabpf_hdr h;
		size_t got = read_fully(f, buf, sizeof(h));
		if (got == 0)
			break;
		if (got < sizeof(h)) {
			set_err(err, errlen,
				"'%s' is truncated: the record at offset %llu has only %zu of its "
				"%zu header bytes",
				path, offset, got, sizeof(h));
			return -1;
		}
		memcpy(&h, buf, sizeof(h));
		if (h.size < sizeof(h) || h.size > RECORD_MAX_SIZE) {
			set_err(err, errlen,
				"'%s' is corrupt: the record at offset %llu says it is %u bytes "
				"(valid: %zu to %zu)",
				path, offset, h.size, sizeof(h), (size_t)RECORD_MAX_SIZE);
			return -1;
		}
		size_t rest = h.size - sizeof(h);
		got = read_fully(f, buf + sizeof(h), rest);
		if (got < rest) {
			set_err(err, errlen,
				"'%s' is truncated: the record at offset %llu needs %u bytes but "
				"only %zu remain",
				path, offset, h.size, sizeof(h) + got);
			return -1;
		}
		if (pipeline_consume(p, buf, h.size) < 0 && malformed++ == 0) {
			first_bad_offset = offset;
			snprintf(first_bad, sizeof(first_bad), "%s", p->last_error);
		}
		offset += h.size;
	}
	if (ferror(f)) {
		set_err(err, errlen, "reading '%s' failed at offset %llu: %s", path, offset,
			strerror(errno));
		return -1;
	}
	if (malformed) {
		set_err(err, errlen, "'%s' holds %llu malformed records (first at offset %llu: %s)",
			path, malformed, first_bad_offset, first_bad);
		return -1;
	}
	return 0;
}

/* PATH.identity.jsonl, if the capture has one (save_identities). */
static int load_identities(struct sabpf_pipeline *p, const char *path, char *err, size_t errlen)
{
	char side[PATH_MAX];
	snprintf(side, sizeof(side), "%s.identity.jsonl", path);
	FILE *f = fopen(side, "re");
	if (!f)
		return 0;
	struct jbuf b;
	char chunk[4096];
	size_t n;
	jbuf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		jbuf_put(&b, chunk, n);
	int rc = 0;
	if (ferror(f) || b.oom) {
		set_err(err, errlen, "cannot read '%s'", side);
		rc = -1;
	} else if (make_identity_table(p) ||
		   identity_table_load(p->identities, b.data ? b.data : "", b.len, side, err,
				       errlen)) {
		rc = -1;
	}
	fclose(f);
	jbuf_free(&b);
	return rc;
}

int pipeline_replay_file(struct sabpf_pipeline *p, const char *path, char *err, size_t errlen)
{
	unsigned char head[16];
	__u32 abi;

	if (load_identities(p, path, err, errlen))
		return -1;

	FILE *f = fopen(path, "rb");
	if (!f) {
		set_err(err, errlen, "cannot open raw file '%s': %s", path, strerror(errno));
		return -1;
	}
	size_t got = read_fully(f, head, sizeof(head));
	if (got < sizeof(head) || memcmp(head, RAW_MAGIC, 8) != 0) {
		if (got < sizeof(head))
			set_err(err, errlen,
				"'%s' is not a sabpf raw file: it is %zu bytes, shorter than the "
				"16-byte header",
				path, got);
		else
			set_err(err, errlen,
				"'%s' is not a sabpf raw file: bad magic at offset 0 (expected "
				"\"" RAW_MAGIC "\"; write one with --output raw:FILE)",
				path);
		fclose(f);
		return -1;
	}
	memcpy(&abi, head + 8, sizeof(abi));
	if (abi != SABPF_RECORD_ABI) {
		set_err(err, errlen,
			"'%s' holds records of ABI %u, but this sabpf reads ABI %d: convert it "
			"with the sabpf version that wrote it",
			path, abi, SABPF_RECORD_ABI);
		fclose(f);
		return -1;
	}
	/* the header extension: the capture's clock offset, if it has one */
	__u32 extension;
	memcpy(&extension, head + 12, sizeof(extension));
	unsigned char ext[64];
	if (extension > sizeof(ext) || read_fully(f, ext, extension) < extension) {
		set_err(err, errlen,
			"'%s' is corrupt: its header extension of %u bytes is longer than %zu "
			"or cut short",
			path, extension, sizeof(ext));
		fclose(f);
		return -1;
	}
	if (extension >= sizeof(__s64)) {
		__s64 clock_offset;
		memcpy(&clock_offset, ext, sizeof(clock_offset));
		pipeline_set_clock_offset(p, clock_offset);
	}
	int rc = replay_records(p, f, path, 16 + extension, err, errlen);
	fclose(f);
	return rc;
}

/* ---- attributes shared by the PROV and SPADE writers ---- */

/* The key of an attribute: "cf:key" (PROV) or "key" (SPADE); "type" and
 * "label" are PROV's own ("prov:type"), SPADE calls them subtype, label. */
static void attr_key(struct attr_writer *w, const char *key)
{
	char name[64];
	const char *prefix = "";
	if ((key[0] == 't' && strcmp(key, "type") == 0) ||
	    (key[0] == 'l' && strcmp(key, "label") == 0)) {
		if (w->style == ATTR_PROV)
			prefix = "prov:";
		else if (key[0] == 't')
			prefix = "sub";
	} else if (w->style == ATTR_PROV) {
		prefix = "cf:";
	}
	size_t p = strlen(prefix), k = strlen(key);
	if (p + k > sizeof(name))
		k = sizeof(name) - p; /* the keys are the short names below */
	memcpy(name, prefix, p);
	memcpy(name + p, key, k);
	jw_key_lit(w->w, name, p + k);
}

void attr_u64(struct attr_writer *w, const char *key, __u64 v)
{
	attr_key(w, key);
	if (w->style == ATTR_SPADE)
		jw_tagged_u64(w->w, "", v); /* SPADE wants strings */
	else
		jw_u64(w->w, v);
}

void attr_str(struct attr_writer *w, const char *key, const char *s, size_t n)
{
	attr_key(w, key);
	jw_str(w->w, s, n);
}

static void attr_cstr(struct attr_writer *w, const char *key, const char *s)
{
	attr_str(w, key, s, strlen(s));
}

static void attr_octal(struct attr_writer *w, const char *key, __u32 v)
{
	char text[16];
	int n = snprintf(text, sizeof(text), "0%o", v);
	attr_str(w, key, text, (size_t)n);
}

static void attr_date(struct attr_writer *w, __s64 wall_ns)
{
	attr_key(w, "date");
	jw_time(w->w, wall_ns);
}

void put_node_id(struct jbuf *b, __u64 id, __u32 version)
{
	jbuf_putc(b, 'n');
	jbuf_hex(b, id);
	jbuf_puts(b, "_v");
	jbuf_u64(b, version);
}

size_t node_id_text(char *buf, const char *prefix, __u64 id, __u32 version)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[20];
	size_t n = strlen(prefix), i;
	memcpy(buf, prefix, n); /* at most 8 bytes */
	buf[n++] = 'n';
	i = sizeof(tmp);
	do {
		tmp[--i] = hex[id & 0xf];
		id >>= 4;
	} while (id);
	memcpy(buf + n, tmp + i, sizeof(tmp) - i);
	n += sizeof(tmp) - i;
	buf[n++] = '_';
	buf[n++] = 'v';
	i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + version % 10);
		version /= 10;
	} while (version);
	memcpy(buf + n, tmp + i, sizeof(tmp) - i);
	return n + sizeof(tmp) - i;
}

static void attr_task(struct attr_writer *w, const struct sabpf_task_attrs *t)
{
	attr_u64(w, "pid", t->pid);
	attr_u64(w, "vpid", t->vpid);
	attr_u64(w, "tid", t->tid);
	attr_u64(w, "ppid", t->ppid);
	attr_u64(w, "uid", t->uid);
	attr_u64(w, "gid", t->gid);
	attr_u64(w, "euid", t->euid);
	attr_u64(w, "egid", t->egid);
	attr_str(w, "comm", t->comm, strnlen(t->comm, sizeof(t->comm)));
	attr_u64(w, "cgroup_id", t->cgroup_id);
	attr_u64(w, "utsns", t->utsns);
	attr_u64(w, "ipcns", t->ipcns);
	attr_u64(w, "mntns", t->mntns);
	attr_u64(w, "pidns", t->pidns);
	attr_u64(w, "netns", t->netns);
	attr_u64(w, "cgroupns", t->cgroupns);
}

static void attr_inode(struct attr_writer *w, const struct gnode *n)
{
	const struct sabpf_inode_attrs *i = &n->a.inode;
	attr_u64(w, "ino", i->ino);
	attr_u64(w, "dev", i->dev);
	attr_octal(w, "mode", i->mode);
	attr_u64(w, "uid", i->uid);
	attr_u64(w, "gid", i->gid);
	if (n->kind == SABPF_NODE_SOCKET) {
		attr_u64(w, "sock_family", i->sock_family);
		attr_u64(w, "sock_type", i->sock_type);
		attr_u64(w, "sock_protocol", i->sock_protocol);
		if (n->text_len)
			attr_str(w, "address", n->text, n->text_len);
	} else if (n->text_len) {
		attr_str(w, "pathname", n->text, n->text_len);
	}
}

/* The attributes of a packet: addresses as text, as the address nodes. */
static void attr_packet(struct attr_writer *w, const struct sabpf_packet_attrs *p)
{
	char ip[INET6_ADDRSTRLEN];
	int family = p->family == AF_INET6 ? AF_INET6 : AF_INET;
	attr_u64(w, "family", p->family);
	attr_u64(w, "protocol", p->protocol);
	inet_ntop(family, p->saddr, ip, sizeof(ip));
	attr_cstr(w, "saddr", ip);
	attr_u64(w, "sport", p->sport);
	inet_ntop(family, p->daddr, ip, sizeof(ip));
	attr_cstr(w, "daddr", ip);
	attr_u64(w, "dport", p->dport);
	if (p->protocol == IPPROTO_TCP)
		attr_u64(w, "seq", p->seq);
	if (p->family == AF_INET)
		attr_u64(w, "ip_id", p->ip_id);
	attr_u64(w, "len", p->len);
}

/* The context block every node carries: the acting task's namespaces and
 * credentials when the version was recorded (the task's own for tasks).
 * Named apart from a task's own namespaces and an inode's owner. */
static void attr_ctx(struct attr_writer *w, const struct sabpf_ctx *c)
{
	attr_u64(w, "uts_ns", c->utsns);
	attr_u64(w, "ipc_ns", c->ipcns);
	attr_u64(w, "mnt_ns", c->mntns);
	attr_u64(w, "pid_ns", c->pidns);
	attr_u64(w, "net_ns", c->netns);
	attr_u64(w, "cgroup_ns", c->cgroupns);
	attr_u64(w, "ctx_uid", c->uid);
	attr_u64(w, "ctx_gid", c->gid);
	attr_u64(w, "ctx_euid", c->euid);
	attr_u64(w, "ctx_egid", c->egid);
}

/* A System V object or message. The key is written as an unsigned 32-bit
 * number (ipcs shows it in hex). */
static void attr_ipc(struct attr_writer *w, const struct gnode *n)
{
	const struct sabpf_ipc_attrs *a = &n->a.ipc;
	attr_u64(w, "key", (__u32)a->key);
	attr_u64(w, "ipc_id", (__u32)a->id);
	attr_u64(w, "ipcns", a->ipcns);
	attr_u64(w, "uid", a->uid);
	attr_u64(w, "gid", a->gid);
	switch (n->kind) {
	case SABPF_NODE_MSG:
		attr_u64(w, "msg_type", (__u64)a->type);
		attr_u64(w, "size", a->size);
		return;
	case SABPF_NODE_SHM:
		attr_u64(w, "size", a->size);
		break;
	case SABPF_NODE_SEM:
		attr_u64(w, "nsems", a->size);
		break;
	default: /* msg_queue */
		attr_u64(w, "qbytes", a->size);
		break;
	}
	attr_octal(w, "mode", a->mode);
	attr_u64(w, "cuid", a->cuid);
	attr_u64(w, "cgid", a->cgid);
}

/* "task 1234 cat", "file /etc/hostname", "path /tmp/x", ... */
static void build_label(struct jbuf *s, const struct gnode *n)
{
	jbuf_reset(s);
	jbuf_puts(s, node_kind_name(n->kind));
	jbuf_putc(s, ' ');
	if (n->kind == SABPF_NODE_TASK) {
		jbuf_u64(s, n->a.task.pid);
		if (n->a.task.tid != n->a.task.pid) {
			jbuf_putc(s, '/');
			jbuf_u64(s, n->a.task.tid);
		}
		jbuf_putc(s, ' ');
		jbuf_put(s, n->a.task.comm, strnlen(n->a.task.comm, sizeof(n->a.task.comm)));
	} else if (n->kind == SABPF_NODE_PROC_MEM) {
		jbuf_puts(s, "pid ");
		jbuf_u64(s, n->a.mem.pid);
	} else if (n->text_len) {
		jbuf_put(s, n->text, n->text_len);
	} else if (node_kind_is_inode(n->kind)) {
		jbuf_puts(s, "ino ");
		jbuf_u64(s, n->a.inode.ino);
	} else {
		jbuf_puts(s, "id ");
		jbuf_hex(s, n->id);
	}
}

/* identity_<key>; a label whose key is not a PROV local name (letters,
 * digits, '.', '_', '-') is left out of PROV and SPADE (JSON lines has it). */
static void attr_identity_field(const char *key, const char *value, void *ctx)
{
	char name[IDENTITY_LABELS + 16];
	if (strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
	    strlen(key))
		return;
	snprintf(name, sizeof(name), "identity_%s", key);
	attr_cstr(ctx, name, value);
}

const struct sabpf_identity *node_identity(const struct sabpf_pipeline *p, const struct gnode *n)
{
	if (n->kind != SABPF_NODE_TASK || !n->has_attrs)
		return NULL;
	return pipeline_identity(p, n->container, n->a.task.cgroup_id);
}

void attr_node(struct attr_writer *w, struct jbuf *scratch, const struct gnode *n, __u32 version,
	       __s64 wall_ns, const struct sabpf_identity *who)
{
	build_label(scratch, n);
	attr_cstr(w, "type", node_kind_name(n->kind));
	attr_str(w, "label", scratch->data, scratch->len);
	attr_u64(w, "id", n->id);
	attr_u64(w, "version", version);
	attr_date(w, wall_ns);
	attr_u64(w, "container", n->container);
	if (who)
		identity_fields(who, attr_identity_field, w);
	attr_ctx(w, &n->ctx);
	switch (n->kind) {
	case SABPF_NODE_TASK:
		attr_task(w, &n->a.task);
		break;
	case SABPF_NODE_PROC_MEM:
		attr_u64(w, "pid", n->a.mem.pid);
		attr_u64(w, "uid", n->a.mem.uid);
		attr_u64(w, "gid", n->a.mem.gid);
		attr_u64(w, "euid", n->a.mem.euid);
		attr_u64(w, "egid", n->a.mem.egid);
		break;
	case SABPF_NODE_PATH:
		attr_str(w, "pathname", n->text ? n->text : "", n->text_len);
		if (n->name_flags & SABPF_NAME_DELETED)
			attr_u64(w, "deleted", 1);
		if (n->name_flags & SABPF_NAME_FSRELATIVE)
			attr_u64(w, "fs_relative", 1);
		if (n->name_flags & SABPF_NAME_TRUNCATED)
			attr_u64(w, "truncated", 1);
		break;
	case SABPF_NODE_ARGV:
		attr_str(w, "argv", n->text ? n->text : "", n->text_len);
		attr_u64(w, "argc", n->argc);
		if (n->name_flags & SABPF_NAME_TRUNCATED)
			attr_u64(w, "truncated", 1);
		break;
	case SABPF_NODE_ADDRESS:
		attr_str(w, "address", n->text ? n->text : "", n->text_len);
		attr_u64(w, "family", n->a.addr.family);
		attr_u64(w, "port", n->a.addr.port);
		break;
	case SABPF_NODE_XATTR:
	case SABPF_NODE_KMODULE:
		attr_str(w, "name", n->text ? n->text : "", n->text_len);
		if (n->name_flags & SABPF_NAME_TRUNCATED)
			attr_u64(w, "truncated", 1);
		break;
	case SABPF_NODE_PACKET:
		attr_packet(w, &n->a.packet);
		break;
	case SABPF_NODE_NAMESPACE:
		attr_u64(w, "inum", n->a.ns.inum);
		attr_cstr(w, "nstype", nstype_name(n->a.ns.nstype));
		break;
	case SABPF_NODE_BPF_PROG:
	case SABPF_NODE_BPF_MAP:
		attr_u64(w, "bpf_id", n->a.bpf.id);
		attr_u64(w, "bpf_type", n->a.bpf.type);
		attr_str(w, "bpf_name", n->a.bpf.name, strnlen(n->a.bpf.name, SABPF_BPF_NAME_LEN));
		break;
	case SABPF_NODE_MSG_QUEUE:
	case SABPF_NODE_MSG:
	case SABPF_NODE_SHM:
	case SABPF_NODE_SEM:
		attr_ipc(w, n);
		break;
	default:
		attr_inode(w, n);
		if (n->name_flags & SABPF_NAME_TRUNCATED) /* its label's path */
			attr_u64(w, "truncated", 1);
		break;
	}
}

void attr_edge(struct attr_writer *w, const struct sabpf_edge *e, __s64 wall_ns)
{
	attr_cstr(w, "type", relation_name(e->relation));
	attr_date(w, wall_ns);
	attr_u64(w, "pid", e->pid);
	attr_u64(w, "tid", e->tid);
	attr_u64(w, "uid", e->uid);
	attr_u64(w, "container", e->hdr.container);
	if (e->arg)
		attr_u64(w, "relation_arg", e->arg);
}

/* Versions are described once each: the highest one described (emitted - 1)
 * and, in a window of 64 below it, those marked in emitted_below. A version
 * further below is taken as described. */
bool node_needs_description(const struct output *o, const struct gnode *n, __u32 version)
{
	if (!n || !n->has_attrs || o->slot < 0)
		return false;
	__u32 emitted = n->emitted[o->slot];
	if (emitted < version + 1u)
		return true;
	__u32 below = emitted - 1u - version; /* 0: the highest itself */
	return below >= 1 && below <= 64 && !(n->emitted_below[o->slot] & (1ULL << (below - 1)));
}

void mark_node_described(const struct output *o, struct gnode *n, __u32 version)
{
	if (o->slot < 0)
		return;
	__u32 emitted = n->emitted[o->slot];
	__u64 *bits = &n->emitted_below[o->slot];
	if (emitted < version + 1u) {
		__u32 shift = version + 1u - emitted; /* the old highest is shift below */
		*bits = shift >= 64 ? 0 : *bits << shift;
		if (emitted > 0 && shift <= 64)
			*bits |= 1ULL << (shift - 1);
		n->emitted[o->slot] = version + 1u;
		return;
	}
	__u32 below = emitted - 1u - version;
	if (below >= 1 && below <= 64)
		*bits |= 1ULL << (below - 1);
}
