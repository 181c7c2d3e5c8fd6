/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* detect_cmd.c: `sabpf detect train` and `sabpf detect watch` (see
 * detect_cmd.h): per container of a replayed source (a raw file, standard
 * input, or a Kafka topic of raw records, read as `sabpf consume` reads
 * one: consume.h), the streaming WL labels (detect_wl.h) feed a decaying
 * histogram and its sketch (detect_sketch.h), a sketch is taken every
 * batch of edges (then the histogram decays by its half-life), and the
 * sketches either build a model (with a second replay for the
 * leave-one-out novelty) or are scored against one by the novelty,
 * distance and evolution tests (detect_model.h). With --dot, watch keeps
 * the graph as it comes (lineage.h) and draws, at each alert, where the
 * nodes the alerts named came from. */
#include "detect_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "consume.h"
#include "detect_model.h"
#include "detect_sketch.h"
#include "detect_wl.h"
#include "format.h"
#include "graph_cmd.h"
#include "json_write.h"
#include "kafka.h"
#include "lineage.h"
#include "names.h"
#include "output.h"

#define EXIT_USAGE 2
#define MAX_CONTAINERS 1024
#define EXPLAIN_LABELS 5
#define TRAIN_SEED 0x5eedc0de2026ULL
#define DESC_LEN 96	    /* what a node is, as an alert shows it (cut) */
#define DESC_MAX (1u << 20) /* nodes described at most per container */
#define EXPLAIN_DEPTH 3	    /* watch --dot: edges back from each node named */
#define DOT_ERR_LEN 8800    /* watch --dot: a message naming two paths */

static const char usage_text[] =
    "usage: sabpf detect train -o MODEL [--hops R] [--sketch-size S] [--decay N]\n"
    "                          [--lambda L] [--batch B] [--half-life H] [--no-task-names]\n"
    "                          [--threshold mean|max] [--stds N] [--tests LIST]\n"
    "                          [--novelty-floor F] [--timeout SECONDS] SOURCE...\n"
    "       sabpf detect watch --model MODEL [--threshold mean|max] [--stds N] [--tests LIST]\n"
    "                          [--novelty-floor F] [--dot FILE] [--follow] [--timeout SECONDS]\n"
    "                          [--resolve-identities] SOURCE\n"
    "  SOURCE: a raw capture (CAPTURE.raw), - (a raw stream on standard input; watch),\n"
    "          or kafka:BROKERS/TOPIC[,node=NAME][,PROPERTY=VALUE]... (a topic of\n"
    "          format=raw records, read from its start to its end; watch --follow: then\n"
    "          on, as records come, until SIGINT or SIGTERM)\n"
    "  LIST: comma-separated tests among novelty, distance, evolution, or all\n"
    "  --dot FILE: at each alert and at the end, FILE (replaced whole) draws where the\n"
    "          nodes the alerts named came from\n"
    "  --timeout: how long a Kafka broker may be silent before the end (default 30)\n"
    "  --resolve-identities: name each container's runtime identity (pod, image)\n"
    "          from this host's runtime files, as the agent does: for a live stream\n"
    "          of this host (-, or a topic of this node), whose records carry none\n";

/* The tests of a sketch, in the order an alert names them. */
static const struct {
	const char *name;
	__u32 bit;
} tests[] = {
    {"novelty", DM_TEST_NOVELTY}, {"distance", DM_TEST_DISTANCE}, {"evolution", DM_TEST_EVOLUTION}};
#define NTESTS 3

/* The first sketch at which a test fired, and its worst margin. */
struct test_state {
	double worst_margin; /* max of score - threshold */
	bool fired;
	__u64 sketch, edges, time;
};

/* One container's graph as it streams. */
struct engine {
	struct detector *d;
	__u64 container;
	struct wl *wl;
	struct hsketch *hs;
	struct view_map carrier; /* (label, 0) -> index into refs: the vertex that
				    last took the label */
	struct sabpf_ref *refs;
	size_t nrefs, cap_refs;
	struct view_map desc_index; /* (node id, 0) -> index into descs */
	char (*descs)[DESC_LEN];
	size_t ndescs, cap_descs;
	__u64 edges; /* EDGE records seen */
	__u32 in_batch;
	__u64 last_time;
	/* train */
	__u64 *sketches;
	size_t nsketches, cap_sketches; /* in sketches, each S labels */
	/* train, second pass: the worst leave-one-out novelty */
	double max_novelty;
	/* watch */
	struct test_state test[NTESTS];
	struct dm_fit *fits;
	__u64 alerts;
	double worst_margin; /* max of distance - threshold */
	__u64 task_cgroup;   /* the latest task's cgroup that has a runtime identity */
	bool oom;
};

struct detector {
	struct dm_params p;
	const struct dm_model *model; /* watch; NULL: train */
	struct sabpf_pipeline *pipe;
	struct engine *e[MAX_CONTAINERS];
	size_t ne;
	bool too_many;
	bool oom;     /* an engine could not be made */
	bool resolve; /* watch --resolve-identities: from this host's runtimes */
	/* train, second pass: (label, 0) -> how many training graphs had it */
	const struct view_map *label_graphs;
	struct jbuf out;
	/* watch --dot: the nodes the alerts named, the graph so far, the
	 * picture's file and the first error writing it */
	struct sabpf_ref *named;
	size_t nnamed, cap_named;
	struct lineage *lineage;
	const char *dot;
	char dot_err[DOT_ERR_LEN + 16];
};

/* Where records come from: a raw capture file, "-" (standard input), or a
 * topic of the agent's Kafka sink (kafka:BROKERS/TOPIC...). */
struct source {
	const char *arg;
	char *topic; /* a topic's name; NULL: a file */
	struct consume_source k;
};

/* Whether a label is new: no training graph had it (watch), or no
 * training graph but this one (train, leave-one-out). */
static bool novel(const struct detector *d, __u64 label)
{
	if (d->model)
		return !dm_knows_label(d->model, label);
	if (d->label_graphs) {
		const size_t *n = view_map_find(d->label_graphs, label, 0);
		return !n || *n <= 1;
	}
	return false;
}

static void on_label(void *ctx, __u64 label, unsigned hop, const struct sabpf_ref *v)
{
	struct engine *e = ctx;
	(void)hop;
	if (hs_add_marked(e->hs, label, novel(e->d, label)) < 0)
		e->oom = true;
	/* one carrier per label, the latest: a slot of refs, overwritten */
	if (view_reserve(&e->refs, &e->cap_refs, e->nrefs + 1, sizeof(*e->refs)) < 0) {
		e->oom = true;
		return;
	}
	bool added;
	size_t *c = view_map_put(&e->carrier, label, 0, e->nrefs, &added);
	if (!c) {
		e->oom = true;
		return;
	}
	if (added)
		e->nrefs++;
	e->refs[*c] = *v;
}

/* Remembers what node n is (a task's comm and pid; a path, address, argv,
 * packet flow), for alerts: the node table forgets a task when it ends. */
static void remember(struct engine *e, const struct gnode *n)
{
	if (!n || (!n->has_attrs && n->text_len == 0))
		return;
	char what[DESC_LEN];
	if (n->kind == SABPF_NODE_TASK && n->has_attrs)
		snprintf(what, sizeof(what), "%.*s pid %u", SABPF_COMM_LEN, n->a.task.comm,
			 n->a.task.pid);
	else if (n->text_len)
		snprintf(what, sizeof(what), "%s", n->text);
	else
		return;
	size_t *i = view_map_find(&e->desc_index, n->id, 0);
	if (!i) {
		if (e->ndescs >= DESC_MAX ||
		    view_reserve(&e->descs, &e->cap_descs, e->ndescs + 1, sizeof(*e->descs)) < 0)
			return; /* full: later nodes go undescribed */
		i = view_map_put(&e->desc_index, n->id, 0, e->ndescs, NULL);
		if (!i)
			return;
		e->ndescs++;
	}
	memcpy(e->descs[*i], what, sizeof(what));
}

static struct engine *engine_of(struct detector *d, __u64 container)
{
	for (size_t i = 0; i < d->ne; i++)
		if (d->e[i]->container == container)
			return d->e[i];
	if (d->ne >= MAX_CONTAINERS) {
		d->too_many = true;
		return NULL;
	}
	struct engine *e = calloc(1, sizeof(*e));
	if (!e) {
		d->oom = true;
		return NULL;
	}
	e->d = d;
	e->container = container;
	e->worst_margin = -INFINITY;
	for (int t = 0; t < NTESTS; t++)
		e->test[t].worst_margin = -INFINITY;
	e->wl = wl_new(d->p.hops, on_label, e);
	e->hs = hs_new(d->p.sketch_size, d->p.lambda, d->p.decay_every);
	if (d->model)
		e->fits = calloc(d->model->ngraphs ? d->model->ngraphs : 1, sizeof(*e->fits));
	if (!e->wl || !e->hs || (d->model && !e->fits)) {
		wl_free(e->wl);
		hs_free(e->hs);
		free(e->fits);
		free(e);
		d->oom = true;
		return NULL;
	}
	d->e[d->ne++] = e;
	return e;
}

static void engine_free(struct engine *e)
{
	wl_free(e->wl);
	hs_free(e->hs);
	view_map_free(&e->carrier);
	free(e->refs);
	view_map_free(&e->desc_index);
	free(e->descs);
	free(e->sketches);
	free(e->fits);
	free(e);
}

static void flush_out(struct detector *d)
{
	if (d->out.len) {
		fwrite(d->out.data, 1, d->out.len, stdout);
		fflush(stdout); /* an alert goes out as soon as it is known */
	}
	jbuf_reset(&d->out);
}

/* The runtime identity of a container's graph: the container's own, else
 * that of its latest task's container (a pod audited whole holds its
 * containers' cgroups); NULL when neither is a runtime's container. */
static const struct sabpf_identity *engine_identity(const struct detector *d,
						    const struct engine *e)
{
	const struct sabpf_identity *who = pipeline_identity(d->pipe, e->container, 0);
	if (!who && e->task_cgroup)
		who = pipeline_identity(d->pipe, e->container, e->task_cgroup);
	return who;
}

/* "container", "container_name" and, for a runtime's container, its
 * "identity" as the JSON lines give it (pod_name, pod_namespace, ...). */
static void put_container(struct detector *d, struct jw *w, const struct engine *e)
{
	jw_key_u64(w, "container", e->container);
	const char *name = pipeline_container_name(d->pipe, e->container);
	if (name)
		jw_key_cstr(w, "container_name", name);
	const struct sabpf_identity *who = engine_identity(d, e);
	if (who)
		jw_key_identity(w, who);
}

/* What moved the score, most slots first (a label's slots in the sketch
 * follow its weight in the window), with a node that took each label: for
 * the novelty test (novel_only) the labels no training graph had, else the
 * labels of the sketch that the medoid lacks (each slot adds 1/S to the
 * distance). */
static void put_explanation(struct detector *d, struct jw *jw, const struct engine *e,
			    const __u64 *medoid, bool novel_only)
{
	const __u64 *s = hs_slots(e->hs);
	unsigned S = d->p.sketch_size;
	__u64 top[EXPLAIN_LABELS] = {0};
	unsigned top_n[EXPLAIN_LABELS] = {0};
	struct view_map seen = {0};
	for (unsigned k = 0; k < S; k++) {
		if (s[k] == 0 || (novel_only ? dm_knows_label(d->model, s[k]) : s[k] == medoid[k]))
			continue;
		size_t *n = view_map_put(&seen, s[k], 0, 0, NULL);
		if (!n)
			break;
		unsigned c = (unsigned)++*n;
		/* keep the EXPLAIN_LABELS labels of most slots */
		int at = -1;
		for (int i = 0; i < EXPLAIN_LABELS; i++)
			if (top[i] == s[k])
				at = i;
		if (at < 0) {
			at = EXPLAIN_LABELS - 1;
			if (top_n[at] >= c)
				continue;
			top[at] = s[k];
		}
		top_n[at] = c;
		while (at > 0 && top_n[at] > top_n[at - 1]) {
			__u64 tl = top[at];
			unsigned tn = top_n[at];
			top[at] = top[at - 1];
			top_n[at] = top_n[at - 1];
			top[at - 1] = tl;
			top_n[at - 1] = tn;
			at--;
		}
	}
	view_map_free(&seen);
	jw_key(jw, "labels");
	jw_array_begin(jw);
	for (int i = 0; i < EXPLAIN_LABELS && top_n[i]; i++) {
		jw_object_begin(jw);
		jw_key(jw, "label");
		jw_tagged_hex(jw, "", top[i]);
		jw_key_u64(jw, "slots", top_n[i]);
		jw_key_bool(jw, "novel", !dm_knows_label(d->model, top[i]));
		size_t *c = view_map_find(&e->carrier, top[i], 0);
		if (c) {
			const struct sabpf_ref *v = &e->refs[*c];
			char id[NODE_ID_MAX];
			if (view_reserve(&d->named, &d->cap_named, d->nnamed + 1, sizeof(*v)) == 0)
				d->named[d->nnamed++] = *v;
			jw_key(jw, "node");
			jw_str_plain(jw, id, node_id_text(id, "", v->id, v->version));
			jw_key_cstr(jw, "kind", node_kind_name(v->kind));
			size_t *w = view_map_find(&e->desc_index, v->id, 0);
			if (w)
				jw_key_cstr(jw, "what", e->descs[*w]);
		}
		jw_object_end(jw);
	}
	jw_array_end(jw);
}

static void score_sketch(struct detector *d, struct engine *e);
static void write_alert_dot(struct detector *d);

/* The end of a batch: a sketch, kept (train) or scored (watch); then the
 * histogram decays by its per-batch half-life. */
static void take_sketch(struct detector *d, struct engine *e)
{
	hs_flush(e->hs);
	e->in_batch = 0;
	const __u64 *s = hs_slots(e->hs);
	unsigned S = d->p.sketch_size;
	if (d->model) {
		score_sketch(d, e);
	} else if (d->label_graphs) {
		double nov = hs_marked_fraction(e->hs);
		e->max_novelty = nov > e->max_novelty ? nov : e->max_novelty;
		e->nsketches++;
	} else if (e->nsketches >= DM_MAX_SKETCHES) {
		e->nsketches++; /* counted, not kept: train refuses the graph */
	} else if (view_reserve(&e->sketches, &e->cap_sketches, (e->nsketches + 1) * S,
				sizeof(__u64)) < 0) {
		e->oom = true;
	} else {
		memcpy(e->sketches + e->nsketches * S, s, S * sizeof(__u64));
		e->nsketches++;
	}
	if (d->p.half_life > 0)
		hs_decay(e->hs, M_LN2 / d->p.half_life);
}

/* Scores the sketch just taken with every test; the first time an
 * enabled test fires, one alert. */
static void score_sketch(struct detector *d, struct engine *e)
{
	const __u64 *s = hs_slots(e->hs);
	const struct dm_model *m = d->model;
	double score[NTESTS], thr[NTESTS];
	bool fired[NTESTS];
	/* novelty */
	score[0] = hs_marked_fraction(e->hs);
	thr[0] = dm_novelty_threshold(&d->p, m);
	/* distance to the nearest medoid of any training graph */
	const __u64 *near_medoid;
	score[1] = dm_nearest(m, s, m->ngraphs, &near_medoid);
	thr[1] = dm_spread_threshold(&d->p, &m->loo_distance);
	/* evolution */
	double dist, ethr;
	__u32 g;
	__u32 alive = dm_fit_step(m, e->fits, s, &dist, &ethr, &g);
	score[2] = dist;
	thr[2] = ethr;
	for (int t = 0; t < 2; t++)
		fired[t] = score[t] > thr[t];
	fired[2] = alive == 0 && m->ngraphs > 0;
	e->nsketches++;
	if (dist - ethr > e->worst_margin)
		e->worst_margin = dist - ethr;
	int first = -1;
	for (int t = 0; t < NTESTS; t++) {
		struct test_state *ts = &e->test[t];
		if (score[t] - thr[t] > ts->worst_margin)
			ts->worst_margin = score[t] - thr[t];
		if (fired[t] && !ts->fired)
			*ts = (struct test_state){.worst_margin = ts->worst_margin,
						  .fired = true,
						  .sketch = e->nsketches - 1,
						  .edges = e->edges,
						  .time = e->last_time};
		if (fired[t] && first < 0 && (d->p.tests & tests[t].bit))
			first = t;
	}
	if (first < 0 || e->alerts)
		return;
	/* an enabled test fired: the graph is abnormal, one alert */
	e->alerts++;
	struct jw w;
	jw_init(&w, &d->out);
	jw_object_begin(&w);
	jw_key_cstr(&w, "type", "alert");
	put_container(d, &w, e);
	jw_key(&w, "time");
	jw_time(&w, pipeline_wall_ns(d->pipe, e->last_time));
	jw_key_u64(&w, "sketch", e->nsketches - 1);
	jw_key_u64(&w, "edges", e->edges);
	jw_key_cstr(&w, "test", tests[first].name);
	jw_key_fixed(&w, "score", score[first], 4);
	jw_key_fixed(&w, "threshold", thr[first], 4);
	jw_key_fixed(&w, "novelty", score[0], 4);
	jw_key_fixed(&w, "distance", score[1], 4);
	const struct dm_graph *mg = &m->graphs[g];
	jw_key_cstr(&w, "nearest_graph", mg->name);
	const __u64 *medoid = near_medoid;
	if (first == 2 && mg->nevolution)
		medoid = mg->clusters[mg->evolution[e->fits[g].step]].medoid;
	if (medoid || first == 0)
		put_explanation(d, &w, e, medoid, first == 0);
	jw_object_end(&w);
	jw_newline(&w);
	flush_out(d);
	if (d->dot)
		write_alert_dot(d); /* the picture of what is known now */
}

static void observe(void *ctx, const struct event *ev)
{
	struct detector *d = ctx;
	const struct record *r = ev->rec;
	if ((r->hdr.type == SABPF_REC_NODE || r->hdr.type == SABPF_REC_NAME) && ev->node) {
		struct engine *e = engine_of(d, r->hdr.container);
		if (!e)
			return;
		remember(e, ev->node);
		/* a task in a runtime's container below the audited cgroup */
		if (ev->node->kind == SABPF_NODE_TASK && ev->node->has_attrs &&
		    ev->node->a.task.cgroup_id != e->task_cgroup &&
		    pipeline_identity(d->pipe, 0, ev->node->a.task.cgroup_id))
			e->task_cgroup = ev->node->a.task.cgroup_id;
		if (r->hdr.type == SABPF_REC_NODE && d->p.task_names &&
		    r->node.node.kind == SABPF_NODE_TASK &&
		    wl_node(e->wl, &r->node.node, ev->node->a.task.comm) < 0)
			e->oom = true;
		return;
	}
	if (r->hdr.type != SABPF_REC_EDGE)
		return;
	struct engine *e = engine_of(d, r->hdr.container);
	if (!e)
		return;
	const struct sabpf_edge *x = &r->edge;
	if (x->relation == SABPF_REL_NAMED)
		remember(e, ev->to); /* an inode's new name */
	if (d->p.task_names) {
		if (ev->from && ev->from->has_attrs && x->from.kind == SABPF_NODE_TASK &&
		    wl_node(e->wl, &x->from, ev->from->a.task.comm) < 0)
			e->oom = true;
		if (ev->to && ev->to->has_attrs && x->to.kind == SABPF_NODE_TASK &&
		    wl_node(e->wl, &x->to, ev->to->a.task.comm) < 0)
			e->oom = true;
	}
	if (wl_edge(e->wl, &x->from, &x->to, x->relation) < 0)
		e->oom = true;
	e->edges++;
	e->last_time = r->hdr.time_ns;
	if (++e->in_batch >= d->p.batch)
		take_sketch(d, e);
}

/* watch --dot: the graph as it comes (lineage.h), then the detector. */
static void observe_drawing(void *ctx, const struct event *ev)
{
	struct detector *d = ctx;
	lineage_observe(d->lineage, ev);
	observe(ctx, ev);
}

/* Replays one source through a fresh detector state. Returns 0, or -1
 * with err. */
static int replay(struct detector *d, struct source *src, char *err, size_t errlen)
{
	d->pipe = pipeline_new();
	if (!d->pipe) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pipeline_set_observer(d->pipe, d->lineage ? observe_drawing : observe, d);
	if (d->resolve && pipeline_track_identities(d->pipe)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc;
	if (src->topic)
		rc = consume_replay(d->pipe, src->arg, &src->k, err, errlen);
	else /* "-": the raw stream on standard input, scored as it arrives */
		rc = pipeline_replay_file(
		    d->pipe, strcmp(src->arg, "-") == 0 ? "/dev/stdin" : src->arg, err, errlen);
	for (size_t i = 0; rc == 0 && i < d->ne; i++) {
		if (d->e[i]->in_batch)
			take_sketch(d, d->e[i]);
		if (d->e[i]->oom) {
			snprintf(err, errlen, "out of memory scoring '%s'", src->arg);
			rc = -1;
		}
	}
	if (rc == 0 && d->oom) {
		snprintf(err, errlen, "out of memory scoring '%s'", src->arg);
		rc = -1;
	}
	if (rc == 0 && d->too_many) {
		snprintf(err, errlen, "'%s' holds more than %d containers", src->arg,
			 MAX_CONTAINERS);
		rc = -1;
	}
	if (rc == 0 && src->topic && (src->k.unexplained || src->k.out_of_order))
		fprintf(stderr,
			"sabpf detect: %s: %llu sequence numbers missing without a LOST record "
			"(deleted by the topic's retention, or lost on the way) and %llu records "
			"out of order: its graphs were scored incomplete (sabpf consume tells "
			"where)\n",
			src->arg, src->k.unexplained, src->k.out_of_order);
	return rc;
}

/* The name of a training graph: CAPTURE#container for a file,
 * kafka:TOPIC@NODE#container for a topic (container ids are a node's). */
static void graph_name(char *buf, size_t size, const struct source *src, __u64 container)
{
	if (src->topic)
		snprintf(buf, size, "kafka:%s@%s#%llu", src->topic, src->k.node,
			 (unsigned long long)container);
	else
		snprintf(buf, size, "%s#%llu", src->arg, (unsigned long long)container);
}

static void reset(struct detector *d)
{
	for (size_t i = 0; i < d->ne; i++)
		engine_free(d->e[i]);
	d->ne = 0;
	d->too_many = false;
	d->oom = false;
	if (d->pipe) {
		pipeline_finish(d->pipe, true);
		pipeline_free(d->pipe);
		d->pipe = NULL;
	}
}

/* ---- options ------------------------------------------------------------- */

static int parse_uint(const char *opt, const char *text, unsigned long min, unsigned long max,
		      __u32 *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v < min || v > max) {
		fprintf(stderr, "sabpf detect: %s '%s' is not a whole number from %lu to %lu\n",
			opt, text, min, max);
		return -1;
	}
	*out = (__u32)v;
	return 0;
}

static int parse_double(const char *opt, const char *text, double min, double max, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (errno || end == text || *end || !(v >= min && v <= max)) {
		fprintf(stderr, "sabpf detect: %s '%s' is not a number from %g to %g\n", opt, text,
			min, max);
		return -1;
	}
	*out = v;
	return 0;
}

enum {
	OPT_HOPS = 256,
	OPT_SKETCH,
	OPT_DECAY,
	OPT_LAMBDA,
	OPT_BATCH,
	OPT_NO_NAMES,
	OPT_THRESHOLD,
	OPT_STDS,
	OPT_MODEL,
	OPT_DOT,
	OPT_HALF_LIFE,
	OPT_TESTS,
	OPT_NOVELTY_FLOOR,
	OPT_FOLLOW,
	OPT_TIMEOUT,
	OPT_RESOLVE,
};

static const struct option longopts[] = {
    {"output", required_argument, 0, 'o'},
    {"hops", required_argument, 0, OPT_HOPS},
    {"sketch-size", required_argument, 0, OPT_SKETCH},
    {"decay", required_argument, 0, OPT_DECAY},
    {"lambda", required_argument, 0, OPT_LAMBDA},
    {"batch", required_argument, 0, OPT_BATCH},
    {"no-task-names", no_argument, 0, OPT_NO_NAMES},
    {"threshold", required_argument, 0, OPT_THRESHOLD},
    {"stds", required_argument, 0, OPT_STDS},
    {"model", required_argument, 0, OPT_MODEL},
    {"dot", required_argument, 0, OPT_DOT},
    {"half-life", required_argument, 0, OPT_HALF_LIFE},
    {"tests", required_argument, 0, OPT_TESTS},
    {"novelty-floor", required_argument, 0, OPT_NOVELTY_FLOOR},
    {"follow", no_argument, 0, OPT_FOLLOW},
    {"timeout", required_argument, 0, OPT_TIMEOUT},
    {"resolve-identities", no_argument, 0, OPT_RESOLVE},
    {0, 0, 0, 0},
};

/* --tests LIST: "all" or names of tests, comma-separated. Returns 0, or -1
 * after a message. */
static int parse_tests(const char *text, __u32 *out)
{
	if (strcmp(text, "all") == 0) {
		*out = DM_TESTS_ALL;
		return 0;
	}
	__u32 bits = 0;
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, ",");
		int t = 0;
		while (t < NTESTS && (strlen(tests[t].name) != n || strncmp(p, tests[t].name, n)))
			t++;
		if (t == NTESTS) {
			fprintf(stderr,
				"sabpf detect: --tests '%s': '%.*s' is no test (use novelty, "
				"distance, evolution, comma-separated, or all)\n",
				text, (int)n, p);
			return -1;
		}
		bits |= tests[t].bit;
		p += n + (p[n] == ',');
	}
	if (!bits) {
		fprintf(stderr, "sabpf detect: --tests is empty (use novelty, distance, evolution, "
				"comma-separated, or all)\n");
		return -1;
	}
	*out = bits;
	return 0;
}

/* Options of watch alone (train refuses them). */
static bool watch_only(int opt)
{
	return opt == OPT_MODEL || opt == OPT_DOT || opt == OPT_FOLLOW || opt == OPT_RESOLVE;
}

/* Options watch takes: its own, the scoring defaults a model carries but
 * watch may change, and the source's timeout; the rest are training
 * parameters. */
static bool for_watch(int opt)
{
	return watch_only(opt) || opt == OPT_THRESHOLD || opt == OPT_STDS || opt == OPT_TESTS ||
	       opt == OPT_NOVELTY_FLOOR || opt == OPT_TIMEOUT || opt == '?';
}

/* What the options of a subcommand say besides the parameters. */
struct cli {
	const char *output; /* train: the model; watch: --dot */
	const char *model;
	bool threshold_set, stds_set, tests_set, floor_set;
	bool follow;
	bool resolve; /* watch --resolve-identities */
	double timeout_s;
};

/* Parses the options of a subcommand into p and cli. Returns 0, or -1
 * after a message. */
static int parse_options(int argc, char **argv, bool train, struct dm_params *p, struct cli *cli)
{
	int opt;
	cli->timeout_s = 30;
	cmd_getopt_reset(); /* optind 0: glibc re-reads the optstring mode */
	while ((opt = getopt_long(argc, argv, "+o:", longopts, NULL)) != -1) {
		int rc = 0;
		if (!train && !for_watch(opt)) {
			fprintf(stderr,
				"sabpf detect watch: %s is a training parameter: the model "
				"carries it (give it to sabpf detect train)\n",
				argv[optind - 1]);
			return -1;
		}
		if (train && watch_only(opt)) {
			fprintf(stderr,
				"sabpf detect train: %s is for watch; write the "
				"model with -o MODEL\n",
				argv[optind - 1]);
			return -1;
		}
		switch (opt) {
		case 'o':
			cli->output = optarg;
			break;
		case OPT_MODEL:
			cli->model = optarg;
			break;
		case OPT_DOT:
			cli->output = optarg; /* watch: the picture of the alerts */
			break;
		case OPT_FOLLOW:
			cli->follow = true;
			break;
		case OPT_RESOLVE:
			cli->resolve = true;
			break;
		case OPT_TIMEOUT:
			rc = parse_double("--timeout", optarg, 0.001, 86400, &cli->timeout_s);
			break;
		case OPT_HOPS:
			rc = parse_uint("--hops", optarg, 1, WL_MAX_HOPS, &p->hops);
			break;
		case OPT_SKETCH:
			rc = parse_uint("--sketch-size", optarg, 1, HS_MAX_SIZE, &p->sketch_size);
			break;
		case OPT_DECAY:
			rc = parse_uint("--decay", optarg, 0, 1u << 30, &p->decay_every);
			break;
		case OPT_LAMBDA:
			rc = parse_double("--lambda", optarg, 0, 100, &p->lambda);
			break;
		case OPT_BATCH:
			rc = parse_uint("--batch", optarg, 1, 1u << 30, &p->batch);
			break;
		case OPT_HALF_LIFE:
			rc = parse_double("--half-life", optarg, 0, 1e6, &p->half_life);
			break;
		case OPT_NOVELTY_FLOOR:
			rc = parse_double("--novelty-floor", optarg, 0, 1, &p->novelty_floor);
			cli->floor_set = true;
			break;
		case OPT_TESTS:
			rc = parse_tests(optarg, &p->tests);
			cli->tests_set = true;
			break;
		case OPT_NO_NAMES:
			p->task_names = 0;
			break;
		case OPT_THRESHOLD:
			if (strcmp(optarg, "mean") && strcmp(optarg, "max")) {
				fprintf(stderr,
					"sabpf detect: --threshold '%s': use mean or max (the "
					"base of a cluster's threshold)\n",
					optarg);
				rc = -1;
			}
			p->use_mean = strcmp(optarg, "mean") == 0;
			cli->threshold_set = true;
			break;
		case OPT_STDS:
			rc = parse_double("--stds", optarg, 0, 1e6, &p->stds);
			cli->stds_set = true;
			break;
		default:
			fputs(usage_text, stderr);
			return -1;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static void free_sources(struct source *srcs, int n)
{
	for (int i = 0; srcs && i < n; i++) {
		free(srcs[i].topic);
		consume_source_free(&srcs[i].k);
	}
	free(srcs);
}

/* The sources of argv[optind..argc-1]: a topic's spec is checked now (a
 * bad one is bad usage). Returns the array, or NULL after a message. */
static struct source *parse_sources(int argc, char **argv, const struct cli *cli, const char *who)
{
	struct source *srcs = calloc((size_t)(argc - optind), sizeof(*srcs));
	if (!srcs) {
		fprintf(stderr, "%s: out of memory\n", who);
		return NULL;
	}
	for (int i = optind; i < argc; i++) {
		struct source *src = &srcs[i - optind];
		src->arg = argv[i];
		src->k.timeout_s = cli->timeout_s;
		if (strncmp(argv[i], "kafka:", 6) != 0)
			continue;
		char err[1024];
		struct kafka_spec ks;
		if (kafka_spec_parse(argv[i] + 6, &ks, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s: %s\n", who, err);
			free_sources(srcs, i - optind);
			return NULL;
		}
		src->topic = strdup(ks.topic);
		kafka_spec_free(&ks);
		if (!src->topic) {
			fprintf(stderr, "%s: out of memory\n", who);
			free_sources(srcs, i - optind + 1);
			return NULL;
		}
	}
	return srcs;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;
	return x < y ? -1 : x > y;
}

/* The leave-one-out scores of the training graphs, each against the
 * others: its worst sketch's distance to their medoids (from the kept
 * sketches), and its worst novelty against their labels (a second replay,
 * with a label novel when no other graph had it); then the model's
 * spreads, and its labels sorted. Returns 0, or 1 after a message. */
static int leave_one_out(struct detector *d, struct dm_model *m, __u64 *const *kept,
			 const size_t *nkept, const struct view_map *label_graphs,
			 struct source *srcs, int nsrcs)
{
	unsigned S = d->p.sketch_size;
	qsort(m->labels, m->nlabels, sizeof(__u64), cmp_u64);
	for (__u32 g = 0; g < m->ngraphs; g++) {
		double worst = 0;
		for (size_t k = 0; k < nkept[g]; k++) {
			double x = dm_nearest(m, kept[g] + k * S, g, NULL);
			worst = x > worst ? x : worst;
		}
		m->graphs[g].loo_distance = m->ngraphs > 1 ? worst : 1;
		m->graphs[g].loo_novelty = 1;
	}
	if (m->ngraphs > 1) {
		char err[1024];
		__u32 g = 0;
		d->label_graphs = label_graphs;
		for (int i = 0; i < nsrcs; i++) {
			/* a topic is read to the ends of its first read */
			if (replay(d, &srcs[i], err, sizeof(err)) < 0) {
				fprintf(stderr, "sabpf detect train: %s\n", err);
				d->label_graphs = NULL;
				return 1;
			}
			for (size_t c = 0; c < d->ne && g < m->ngraphs; c++)
				if (d->e[c]->nsketches)
					m->graphs[g++].loo_novelty = d->e[c]->max_novelty;
			reset(d);
		}
		d->label_graphs = NULL;
	}
	dm_set_spreads(m);
	for (__u32 g = 0; g < m->ngraphs; g++)
		fprintf(stderr,
			"sabpf detect train: %s: leave-one-out distance %.4f, novelty %.4f\n",
			m->graphs[g].name, m->graphs[g].loo_distance, m->graphs[g].loo_novelty);
	fprintf(stderr,
		"sabpf detect train: thresholds at --stds %g (%s): distance %.4f, novelty %.4f, "
		"%zu training labels\n",
		d->p.stds, d->p.use_mean ? "mean" : "max",
		dm_spread_threshold(&d->p, &m->loo_distance), dm_novelty_threshold(&d->p, m),
		m->nlabels);
	return 0;
}

static int cmd_detect_train(int argc, char **argv)
{
	struct detector d = {0};
	struct cli cli = {0};
	char err[1024];
	dm_params_default(&d.p);
	if (parse_options(argc, argv, true, &d.p, &cli) < 0)
		return EXIT_USAGE;
	const char *output = cli.output;
	if (!output || optind >= argc) {
		fprintf(stderr, "sabpf detect train: %s\n%s",
			!output ? "no model file: give -o MODEL" : "no capture to train on",
			usage_text);
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++)
		if (strcmp(argv[i], "-") == 0) {
			fprintf(stderr, "sabpf detect train: - (standard input) cannot be "
					"trained on: train reads each source twice; give a "
					"capture file or a Kafka topic\n");
			return EXIT_USAGE;
		}
	int nsrcs = argc - optind;
	struct source *srcs = parse_sources(argc, argv, &cli, "sabpf detect train");
	if (!srcs)
		return EXIT_USAGE;
	struct dm_model m = {.params = d.p};
	jbuf_init(&d.out);
	int rc = 0;
	/* each graph's sketches (for the leave-one-out distances), and how
	 * many graphs had each label (for the leave-one-out novelty) */
	__u64 **kept = NULL;
	size_t *nkept = NULL;
	struct view_map label_graphs = {0};
	size_t cap_labels = 0;
	for (int i = 0; i < nsrcs && rc == 0; i++) {
		if (replay(&d, &srcs[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "sabpf detect train: %s\n", err);
			rc = 1;
			break;
		}
		for (size_t c = 0; c < d.ne && rc == 0; c++) {
			struct engine *e = d.e[c];
			if (e->nsketches == 0)
				continue;
			if (e->nsketches > DM_MAX_SKETCHES) {
				fprintf(stderr,
					"sabpf detect train: container %llu of '%s' gives %zu "
					"sketches, more than the %d a graph may have (clustering "
					"compares every pair): train with a larger --batch (now "
					"%u)\n",
					(unsigned long long)e->container, srcs[i].arg, e->nsketches,
					DM_MAX_SKETCHES, d.p.batch);
				rc = 1;
				break;
			}
			char name[4200];
			graph_name(name, sizeof(name), &srcs[i], e->container);
			struct dm_graph *grown =
			    realloc(m.graphs, (m.ngraphs + 1) * sizeof(*m.graphs));
			if (grown)
				m.graphs = grown;
			__u64 **gk = realloc(kept, (m.ngraphs + 1) * sizeof(*kept));
			kept = gk ? gk : kept;
			size_t *gn = realloc(nkept, (m.ngraphs + 1) * sizeof(*nkept));
			nkept = gn ? gn : nkept;
			if (!grown || !gk || !gn ||
			    dm_build_graph(e->sketches, e->nsketches, d.p.sketch_size, TRAIN_SEED,
					   name, &m.graphs[m.ngraphs]) < 0) {
				fprintf(stderr,
					"sabpf detect train: out of memory building the model\n");
				rc = 1;
				break;
			}
			kept[m.ngraphs] = e->sketches; /* taken over */
			nkept[m.ngraphs] = e->nsketches;
			e->sketches = NULL;
			for (size_t l = 0; l < hs_labels(e->hs) && rc == 0; l++) {
				bool added;
				__u64 label = hs_label_at(e->hs, l);
				size_t *n = view_map_put(&label_graphs, label, 0, 0, &added);
				if (!n || view_reserve(&m.labels, &cap_labels, m.nlabels + 1,
						       sizeof(__u64)) < 0) {
					fprintf(stderr, "sabpf detect train: out of memory\n");
					rc = 1;
					break;
				}
				++*n;
				if (added)
					m.labels[m.nlabels++] = label;
			}
			const struct dm_graph *g = &m.graphs[m.ngraphs++];
			fprintf(stderr,
				"sabpf detect train: %s: %llu edges, %zu sketches, %u clusters, "
				"evolution of %u steps\n",
				name, (unsigned long long)e->edges, e->nsketches, g->nclusters,
				g->nevolution);
		}
		reset(&d);
	}
	if (rc == 0 && m.ngraphs == 0) {
		fprintf(stderr, "sabpf detect train: the captures hold no edge: nothing to learn "
				"from (capture a benign run with sabpf run -o raw:FILE)\n");
		rc = 1;
	}
	if (rc == 0)
		rc = leave_one_out(&d, &m, kept, nkept, &label_graphs, srcs, nsrcs);
	if (rc == 0 && dm_save(&m, output, err, sizeof(err)) < 0) {
		fprintf(stderr, "sabpf detect train: %s\n", err);
		rc = 1;
	}
	reset(&d);
	for (__u32 g = 0; kept && g < m.ngraphs; g++)
		free(kept[g]);
	free(kept);
	free(nkept);
	view_map_free(&label_graphs);
	dm_model_free(&m);
	jbuf_free(&d.out);
	free_sources(srcs, nsrcs);
	return rc;
}

static double now_s(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* watch --dot: where the nodes the alerts named came from, EXPLAIN_DEPTH
 * edges back, in the graph read so far (lineage.h), or a graph saying "no
 * alert" when there was none; written to FILE.tmp, then renamed over FILE,
 * so that FILE is always a whole picture. The first error is kept in
 * d->dot_err, and no picture is written after it. */
static void write_alert_dot(struct detector *d)
{
	char tmp[4200], err[DOT_ERR_LEN] = "";
	if (d->dot_err[0])
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->dot);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(d->dot_err, sizeof(d->dot_err), "cannot create '%s': %s", tmp,
			 strerror(errno));
		return;
	}
	int rc = 0;
	if (d->nnamed == 0)
		fputs("digraph alerts {\n  label=\"no alert\";\n}\n", f);
	else
		rc = lineage_write_backward_dot(d->lineage, d->named, d->nnamed, EXPLAIN_DEPTH, f,
						err, sizeof(err));
	if (fclose(f) != 0 && rc == 0) {
		snprintf(err, sizeof(err), "writing '%s' failed: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp, d->dot) != 0) {
		snprintf(err, sizeof(err), "cannot rename '%s' to '%s': %s", tmp, d->dot,
			 strerror(errno));
		rc = -1;
	}
	if (rc < 0) {
		unlink(tmp);
		snprintf(d->dot_err, sizeof(d->dot_err), "--dot: %s", err);
	}
}

/* watch --follow: SIGINT or SIGTERM ends the read; the verdicts follow. */
static volatile sig_atomic_t stop_following;
static void on_stop(int sig)
{
	(void)sig;
	stop_following = 1;
}

static int cmd_detect_watch(int argc, char **argv)
{
	struct detector d = {0};
	struct dm_params opt;
	struct cli cli = {0};
	char err[1024];
	dm_params_default(&opt);
	if (parse_options(argc, argv, false, &opt, &cli) < 0)
		return EXIT_USAGE;
	if (!cli.model || optind != argc - 1) {
		fprintf(stderr, "sabpf detect watch: %s\n%s",
			!cli.model ? "no model: give --model MODEL" : "give one source",
			usage_text);
		return EXIT_USAGE;
	}
	struct source *src = parse_sources(argc, argv, &cli, "sabpf detect watch");
	if (!src)
		return EXIT_USAGE;
	if (cli.follow && !src->topic) {
		fprintf(stderr, "sabpf detect watch: --follow reads a Kafka topic on as records "
				"come (kafka:BROKERS/TOPIC); a capture file is read to its end, "
				"and - to the end of its input\n");
		free_sources(src, 1);
		return EXIT_USAGE;
	}
	struct dm_model m;
	if (dm_load(cli.model, &m, err, sizeof(err)) < 0) {
		fprintf(stderr, "sabpf detect watch: %s\n", err);
		free_sources(src, 1);
		return 1;
	}
	d.p = m.params;
	if (cli.threshold_set)
		d.p.use_mean = opt.use_mean;
	if (cli.stds_set)
		d.p.stds = opt.stds;
	if (cli.tests_set)
		d.p.tests = opt.tests;
	if (cli.floor_set)
		d.p.novelty_floor = opt.novelty_floor;
	m.params = d.p;
	d.model = &m;
	jbuf_init(&d.out);
	d.dot = cli.output;
	d.resolve = cli.resolve;
	if (d.dot && !(d.lineage = lineage_new())) {
		fprintf(stderr, "sabpf detect watch: out of memory\n");
		dm_model_free(&m);
		free_sources(src, 1);
		return 1;
	}
	if (cli.follow) {
		struct sigaction sa = {.sa_handler = on_stop};
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		src->k.follow = true;
		src->k.stop = &stop_following;
	}
	double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	int rc = replay(&d, src, err, sizeof(err));
	double secs = now_s(CLOCK_MONOTONIC) - t0, cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	if (rc < 0) {
		fprintf(stderr, "sabpf detect watch: %s\n", err);
	} else {
		__u64 edges = 0;
		struct jw w;
		jw_init(&w, &d.out);
		for (size_t i = 0; i < d.ne; i++) {
			struct engine *e = d.e[i];
			edges += e->edges;
			jw_object_begin(&w);
			jw_key_cstr(&w, "type", "verdict");
			put_container(&d, &w, e);
			jw_key_bool(&w, "abnormal", e->alerts);
			jw_key_u64(&w, "alerts", e->alerts);
			jw_key_u64(&w, "sketches", e->nsketches);
			jw_key_u64(&w, "edges", e->edges);
			jw_key_fixed(&w, "worst_margin",
				     isfinite(e->worst_margin) ? e->worst_margin : 0, 4);
			/* what the graph is missing: an attacker who floods the ring
			 * hides edges, so a verdict says how many were lost */
			__u64 by_cause[SABPF_LOST_CAUSE_MAX], lost = 0;
			pipeline_container_loss(d.pipe, e->container, by_cause);
			for (int c = 0; c < SABPF_LOST_CAUSE_MAX; c++)
				lost += by_cause[c];
			jw_key_u64(&w, "lost", lost);
			/* each test, enabled or not: where it first fired, its
			 * worst margin (score - threshold) */
			jw_key(&w, "tests");
			jw_object_begin(&w);
			for (int t = 0; t < NTESTS; t++) {
				const struct test_state *ts = &e->test[t];
				jw_key_escaped(&w, tests[t].name);
				jw_object_begin(&w);
				jw_key_bool(&w, "enabled", d.p.tests & tests[t].bit);
				jw_key_bool(&w, "fired", ts->fired);
				jw_key_fixed(&w, "worst_margin",
					     isfinite(ts->worst_margin) ? ts->worst_margin : 0, 4);
				if (ts->fired) {
					jw_key_u64(&w, "sketch", ts->sketch);
					jw_key_u64(&w, "edges", ts->edges);
					jw_key(&w, "time");
					jw_time(&w, pipeline_wall_ns(d.pipe, ts->time));
				}
				jw_object_end(&w);
			}
			jw_object_end(&w);
			jw_object_end(&w);
			jw_newline(&w);
		}
		jw_object_begin(&w);
		jw_key_cstr(&w, "type", "stats");
		jw_key_u64(&w, "edges", edges);
		jw_key_fixed(&w, "seconds", secs, 4);
		jw_key_u64(&w, "edges_per_second", secs > 0 ? (__u64)((double)edges / secs) : 0);
		jw_key_fixed(&w, "cpu_seconds", cpu, 4);
		jw_key_u64(&w, "edges_per_cpu_second", cpu > 0 ? (__u64)((double)edges / cpu) : 0);
		jw_object_end(&w);
		jw_newline(&w);
		flush_out(&d);
	}
	if (rc == 0 && d.dot)
		write_alert_dot(&d); /* the end: the picture of every alert */
	if (rc == 0 && d.dot_err[0]) {
		fprintf(stderr, "sabpf detect watch: %s\n", d.dot_err);
		rc = -1;
	}
	reset(&d);
	dm_model_free(&m);
	jbuf_free(&d.out);
	free(d.named);
	lineage_free(d.lineage);
	free_sources(src, 1);
	return rc < 0 ? 1 : 0;
}

/* The verbs of `sabpf detect`. */
const struct cmd detect_cmds[] = {
    {"train", cmd_detect_train, "-o MODEL [OPTIONS] CAPTURE.raw|kafka:BROKERS/TOPIC...",
     "learn the normal graphs of captures or topics", 0, NULL},
    {"watch", cmd_detect_watch, "--model MODEL [OPTIONS] CAPTURE.raw|-|kafka:BROKERS/TOPIC",
     "score a capture, a raw stream or a topic, alerts as JSON lines", CMD_JSON, NULL},
    {0},
};

int cmd_detect(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	return cmd_select(detect_cmds, "sabpf detect", argc - 1, argv + 1);
}
