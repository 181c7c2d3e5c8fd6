/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pipeline.c: the stage after the ring buffer (see output.h): check and
 * decode each record, account for loss (per-CPU sequence numbers, LOST
 * records by container and cause), update the node table
 * (graph_update.c), hand the record to every output (sink.c), and finish
 * the outputs at the end; plus the container names and identities the
 * formats show. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kafka.h"
#include "pipeline_priv.h"

void pipeline_set_err(char *err, size_t errlen, const char *fmt, ...)
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

void pipeline_set_backend(struct sabpf_pipeline *p, const char *backend)
{
	p->backend = backend;
	for (int i = 0; i < p->noutputs; i++)
		if (p->outputs[i]->kafka)
			kafka_sink_set_backend(p->outputs[i]->kafka, backend);
}

const char *pipeline_backend(const struct sabpf_pipeline *p)
{
	return p->backend;
}

void pipeline_set_run(struct sabpf_pipeline *p, __u64 run)
{
	for (int i = 0; i < p->noutputs; i++)
		if (p->outputs[i]->kafka)
			kafka_sink_set_run(p->outputs[i]->kafka, run);
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

int make_identity_table(struct sabpf_pipeline *p)
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

/* ---- consuming records ---- */

/* The counts of a container, made on first use (NULL: out of memory). The
 * last one found is tried first: records come in runs of one container. */
static struct container_loss *container_counts(struct sabpf_pipeline *p, __u64 id)
{
	if (p->last_loss < p->nlosses && p->losses[p->last_loss].id == id)
		return &p->losses[p->last_loss];
	for (size_t i = 0; i < p->nlosses; i++)
		if (p->losses[i].id == id) {
			p->last_loss = i;
			return &p->losses[i];
		}
	struct container_loss *grown = realloc(p->losses, (p->nlosses + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	p->losses = grown;
	struct container_loss *c = &p->losses[p->nlosses];
	memset(c, 0, sizeof(*c));
	c->id = id;
	p->last_loss = p->nlosses++;
	return c;
}

void note_loss(struct sabpf_pipeline *p, const struct sabpf_lost *l)
{
	struct container_loss *c = container_counts(p, l->hdr.container);
	if (c)
		c->by_cause[l->cause] += l->count; /* cause checked by record_decode */
}

__u64 pipeline_container_records(const struct sabpf_pipeline *p, __u64 container)
{
	for (size_t i = 0; i < p->nlosses; i++)
		if (p->losses[i].id == container)
			return p->losses[i].records;
	return 0;
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
	struct container_loss *counts = container_counts(p, r.hdr.container);
	if (counts)
		counts->records++;
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

int pipeline_kafka_usage(const struct sabpf_pipeline *p, int i, struct kafka_usage *out)
{
	for (int j = 0; j < p->noutputs; j++)
		if (p->outputs[j]->kafka && i-- == 0) {
			kafka_sink_usage(p->outputs[j]->kafka, out);
			return 0;
		}
	return -1;
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
