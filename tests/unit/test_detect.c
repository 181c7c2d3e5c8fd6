/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_detect.c: unit tests of the detector (src/detect_*.c): WL labels of
 * a small graph against the definition computed by hand, streaming order
 * and set semantics; the HistoSketch (order independence, scale
 * invariance, decay, similarity tracking the weighted Jaccard similarity
 * on seeded random histograms); k-medoids and silhouette on separable
 * points; building, saving, loading and fitting a model, and the refusal
 * of a model of another format version or a corrupt one. Each property has
 * a negative control that must come out the other way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect_model.h"
#include "detect_sketch.h"
#include "detect_wl.h"
#include "sabpf_record.h"
#include "testdir.h"

enum { F = 1, T = 2, G = 3, P = 4, F2 = 5 }; /* vertex ids */

static struct sabpf_ref ref(__u64 id, __u16 kind)
{
	return (struct sabpf_ref){.id = id, .version = 0, .kind = kind};
}

/* wl_node and wl_edge on version 0 of ids */
static int node(struct wl *w, __u64 id, __u16 kind, const char *name)
{
	struct sabpf_ref r = ref(id, kind);
	return wl_node(w, &r, name);
}

static int edge(struct wl *w, __u64 from, __u16 from_kind, __u64 to, __u16 to_kind, __u32 rel)
{
	struct sabpf_ref a = ref(from, from_kind), b = ref(to, to_kind);
	return wl_edge(w, &a, &b, rel);
}

static __u64 label(const struct wl *w, __u64 id, unsigned hop)
{
	return wl_label(w, id, 0, hop);
}

/* file F (named by path P) -read-> task T ("cat") -write-> file G */
static struct wl *small_graph(bool reverse, const char *task_name)
{
	struct wl *w = wl_new(2, NULL, NULL);
	assert_non_null(w);
	if (!reverse) {
		assert_int_equal(node(w, T, SABPF_NODE_TASK, task_name), 0);
		assert_int_equal(edge(w, P, SABPF_NODE_PATH, F, SABPF_NODE_FILE, SABPF_REL_NAMED),
				 0);
		assert_int_equal(edge(w, F, SABPF_NODE_FILE, T, SABPF_NODE_TASK, SABPF_REL_READ),
				 0);
		assert_int_equal(edge(w, T, SABPF_NODE_TASK, G, SABPF_NODE_FILE, SABPF_REL_WRITE),
				 0);
	} else {
		/* the other order, and the task's name known only at the end */
		assert_int_equal(edge(w, T, SABPF_NODE_TASK, G, SABPF_NODE_FILE, SABPF_REL_WRITE),
				 0);
		assert_int_equal(edge(w, F, SABPF_NODE_FILE, T, SABPF_NODE_TASK, SABPF_REL_READ),
				 0);
		assert_int_equal(edge(w, P, SABPF_NODE_PATH, F, SABPF_NODE_FILE, SABPF_REL_NAMED),
				 0);
		assert_int_equal(node(w, T, SABPF_NODE_TASK, task_name), 0);
	}
	return w;
}

static void test_wl_labels_by_hand(void **state)
{
	(void)state;
	struct wl *w = small_graph(false, "cat");
	/* hop 0 */
	__u64 p0 = wl_label0(SABPF_NODE_PATH, NULL), f0 = wl_label0(SABPF_NODE_FILE, NULL);
	__u64 t0 = wl_label0(SABPF_NODE_TASK, "cat"), g0 = f0;
	assert_true(label(w, P, 0) == p0);
	assert_true(label(w, F, 0) == f0);
	assert_true(label(w, T, 0) == t0);
	assert_true(label(w, G, 0) == g0);
	/* hop 1: own label and the set of in-edge keys */
	__u64 p1 = wl_combine(1, p0, 0);
	__u64 f1 = wl_combine(1, f0, wl_key(SABPF_REL_NAMED, p0));
	__u64 t1 = wl_combine(1, t0, wl_key(SABPF_REL_READ, f0));
	__u64 g1 = wl_combine(1, g0, wl_key(SABPF_REL_WRITE, t0));
	assert_true(label(w, P, 1) == p1);
	assert_true(label(w, F, 1) == f1);
	assert_true(label(w, T, 1) == t1);
	assert_true(label(w, G, 1) == g1);
	/* hop 2 */
	__u64 t2 = wl_combine(2, t1, wl_key(SABPF_REL_READ, f1));
	__u64 g2 = wl_combine(2, g1, wl_key(SABPF_REL_WRITE, t1));
	assert_true(label(w, T, 2) == t2);
	assert_true(label(w, G, 2) == g2);
	assert_int_equal(wl_vertices(w), 4);
	assert_int_equal(wl_edges(w), 3);

	/* the same graph streamed in another order, name last: same labels */
	struct wl *r = small_graph(true, "cat");
	for (__u64 v = F; v <= P; v++)
		for (unsigned h = 0; h <= 2; h++)
			assert_true(label(r, v, h) == label(w, v, h));

	/* a repeated edge and a self loop change nothing */
	assert_int_equal(edge(w, F, SABPF_NODE_FILE, T, SABPF_NODE_TASK, SABPF_REL_READ), 0);
	assert_int_equal(edge(w, T, SABPF_NODE_TASK, T, SABPF_NODE_TASK, SABPF_REL_EXEC_TASK), 0);
	assert_true(label(w, G, 2) == g2);
	assert_int_equal(wl_edges(w), 3);

	/* a second file alike to F: a set, so T's hop-1 label stays */
	assert_int_equal(edge(w, F2, SABPF_NODE_FILE, T, SABPF_NODE_TASK, SABPF_REL_READ), 0);
	assert_true(label(w, T, 1) == t1);
	/* ... but F2 is not named as F is: T's hop 2 now has two keys */
	__u64 t2b = wl_combine(
	    2, t1, wl_key(SABPF_REL_READ, f1) + wl_key(SABPF_REL_READ, wl_combine(1, f0, 0)));
	assert_true(label(w, T, 2) == t2b);
	assert_true(label(w, G, 2) == g2); /* G's hop 2 only sees T's hop 1 */

	/* negative controls: another name, or another relation, moves labels */
	struct wl *n = small_graph(false, "sh");
	assert_true(label(n, T, 0) != t0);
	assert_true(label(n, G, 2) != g2);
	assert_true(label(n, F, 1) == f1); /* upstream of T: unchanged */
	struct wl *m = wl_new(2, NULL, NULL);
	assert_int_equal(node(m, T, SABPF_NODE_TASK, "cat"), 0);
	assert_int_equal(edge(m, P, SABPF_NODE_PATH, F, SABPF_NODE_FILE, SABPF_REL_NAMED), 0);
	assert_int_equal(edge(m, F, SABPF_NODE_FILE, T, SABPF_NODE_TASK, SABPF_REL_MMAP_EXEC), 0);
	assert_int_equal(edge(m, T, SABPF_NODE_TASK, G, SABPF_NODE_FILE, SABPF_REL_WRITE), 0);
	assert_true(label(m, T, 1) != t1);
	assert_true(label(m, G, 2) != g2);
	assert_true(label(m, G, 1) == g1);

	/* renaming the task relabels what it reaches, back and forth */
	assert_int_equal(node(n, T, SABPF_NODE_TASK, "cat"), 0);
	assert_true(label(n, G, 2) == g2);
	wl_free(w);
	wl_free(r);
	wl_free(n);
	wl_free(m);
}

/* Labels handed to the callback, for the count test. */
static int labels_seen;
static void count_label(void *ctx, __u64 l, unsigned hop, const struct sabpf_ref *v)
{
	(void)ctx;
	(void)l;
	(void)hop;
	(void)v;
	labels_seen++;
}

static void test_wl_emits_only_changes(void **state)
{
	(void)state;
	labels_seen = 0;
	struct wl *w = wl_new(3, count_label, NULL);
	assert_non_null(w);
	assert_int_equal(edge(w, 10, SABPF_NODE_FILE, 11, SABPF_NODE_TASK, SABPF_REL_READ), 0);
	/* two new vertices, their hop-0 label each (the labels of hops 1..3
	 * of a vertex without in-edges do not count), then 11's hops 1..3 */
	assert_int_equal(labels_seen, 1 + 1 + 3);
	assert_int_equal(edge(w, 10, SABPF_NODE_FILE, 11, SABPF_NODE_TASK, SABPF_REL_READ), 0);
	assert_int_equal(labels_seen, 5); /* a repeat: nothing */
	/* 10, never reached by an edge, renamed: its hop-0 label only; 11,
	 * reached from it, moves at hops 2 and 3 (and 1: its key changed) */
	struct sabpf_ref ten = {.id = 10, .version = 0, .kind = SABPF_NODE_FILE};
	assert_int_equal(wl_node(w, &ten, "x"), 0);
	assert_int_equal(labels_seen, 5 + 1 + 3);
	/* versions are vertices: a version edge links two of them */
	struct sabpf_ref v0 = {.id = 11, .version = 0, .kind = SABPF_NODE_TASK};
	struct sabpf_ref v1 = {.id = 11, .version = 1, .kind = SABPF_NODE_TASK};
	assert_int_equal(wl_edge(w, &v0, &v1, SABPF_REL_VERSION_ACTIVITY), 0);
	assert_int_equal(wl_edges(w), 2);
	assert_true(wl_label(w, 11, 1, 1) ==
		    wl_combine(1, wl_label0(SABPF_NODE_TASK, NULL),
			       wl_key(SABPF_REL_VERSION_ACTIVITY, wl_label(w, 11, 0, 0))));
	assert_true(wl_label(w, 11, 2, 0) == 0); /* no such version */
	assert_null(wl_new(0, NULL, NULL));
	assert_null(wl_new(WL_MAX_HOPS + 1, NULL, NULL));
	wl_free(w);
}

/* ---- the sketch ---------------------------------------------------------- */

static __u64 rng_state;
static __u64 next_rand(void)
{
	rng_state += 0x9e3779b97f4a7c15ULL;
	return wl_mix(rng_state);
}

static struct hsketch *sketch_of(const unsigned *counts, size_t n, __u64 label_base, unsigned S,
				 bool reverse)
{
	struct hsketch *h = hs_new(S, 0, 0);
	assert_non_null(h);
	/* interleaved: one of each label per round, in either order */
	for (unsigned round = 0;; round++) {
		bool any = false;
		for (size_t j = 0; j < n; j++) {
			size_t i = reverse ? n - 1 - j : j;
			if (counts[i] > round) {
				assert_int_equal(hs_add(h, label_base + i), 0);
				any = true;
			}
		}
		if (round % 7 == 3)
			hs_flush(h); /* flushes in between change nothing */
		if (!any)
			break;
	}
	hs_flush(h);
	return h;
}

static double weighted_jaccard(const unsigned *a, const unsigned *b, size_t n)
{
	double lo = 0, hi = 0;
	for (size_t i = 0; i < n; i++) {
		lo += a[i] < b[i] ? a[i] : b[i];
		hi += a[i] > b[i] ? a[i] : b[i];
	}
	return hi > 0 ? lo / hi : 1;
}

static void test_sketch_identical_histograms(void **state)
{
	(void)state;
	unsigned counts[50];
	rng_state = 7;
	for (int i = 0; i < 50; i++)
		counts[i] = 1 + next_rand() % 30;
	struct hsketch *a = sketch_of(counts, 50, 1000, 256, false);
	struct hsketch *b = sketch_of(counts, 50, 1000, 256, true);
	assert_true(hs_distance(hs_slots(a), hs_slots(b), 256) == 0);
	/* every count times 3: the same sketch (scale invariance) */
	unsigned triple[50];
	for (int i = 0; i < 50; i++)
		triple[i] = 3 * counts[i];
	struct hsketch *c = sketch_of(triple, 50, 1000, 256, false);
	assert_true(hs_distance(hs_slots(a), hs_slots(c), 256) == 0);
	/* negative control: one label's count changed a lot moves slots */
	counts[0] += 400;
	struct hsketch *d = sketch_of(counts, 50, 1000, 256, false);
	assert_true(hs_distance(hs_slots(a), hs_slots(d), 256) > 0.2);
	assert_null(hs_new(0, 0, 0));
	assert_null(hs_new(16, -1, 0));
	hs_free(a);
	hs_free(b);
	hs_free(c);
	hs_free(d);
}

static void test_sketch_tracks_weighted_jaccard(void **state)
{
	(void)state;
	enum { N = 200, S = 2000 };
	unsigned a[N], b[N];
	double worst = 0, last_est = 2;
	rng_state = 2026;
	for (int trial = 0; trial < 6; trial++) {
		/* B: A with every count jittered, some labels dropped, some added;
		 * the amount of change grows with the trial */
		for (int i = 0; i < N; i++) {
			a[i] = next_rand() % 4 ? 1 + next_rand() % 40 : 0;
			b[i] = a[i];
			if (next_rand() % 6 < (unsigned)trial)
				b[i] = next_rand() % 3 ? (unsigned)(next_rand() % 60) : 0;
		}
		double j = weighted_jaccard(a, b, N);
		struct hsketch *ha = sketch_of(a, N, 1 << 20, S, false);
		struct hsketch *hb = sketch_of(b, N, 1 << 20, S, false);
		double est = 1 - hs_distance(hs_slots(ha), hs_slots(hb), S);
		double err = fabs(est - j);
		print_message("# trial %d: weighted Jaccard %.3f, sketch %.3f\n", trial, j, est);
		worst = err > worst ? err : worst;
		/* more change, lower similarity: the estimate follows */
		assert_true(est < last_est);
		last_est = est;
		/* negative control: a histogram over other labels shares no slot */
		struct hsketch *hc = sketch_of(a, N, 1 << 30, S, false);
		assert_true(1 - hs_distance(hs_slots(ha), hs_slots(hc), S) < 0.01);
		hs_free(ha);
		hs_free(hb);
		hs_free(hc);
	}
	/* Without the floor of exact consistent weighted sampling, the
	 * estimate leans high at low similarity (docs/detection.md): seen up
	 * to 0.057 on these histograms. */
	assert_true(worst < 0.08);
}

static void test_sketch_decay(void **state)
{
	(void)state;
	struct hsketch *h = hs_new(64, 0.5, 10);
	assert_non_null(h);
	for (int i = 0; i < 10; i++)
		assert_int_equal(hs_add(h, 1), 0);
	/* 10 additions: one decay, after the 10th */
	assert_true(fabs(hs_count(h, 1) - 10 * exp(-0.5)) < 1e-9);
	for (int i = 0; i < 10; i++)
		assert_int_equal(hs_add(h, 2), 0);
	assert_true(fabs(hs_count(h, 1) - 10 * exp(-1.0)) < 1e-9);
	assert_true(fabs(hs_count(h, 2) - (10 * exp(-0.5))) < 1e-9);
	/* many decays: the renormalisation keeps counts finite and right */
	for (int i = 0; i < 20000; i++)
		assert_int_equal(hs_add(h, 3), 0);
	assert_true(hs_count(h, 1) < 1e-100);
	double c3 = hs_count(h, 3);
	assert_true(isfinite(c3) && c3 > 5 && c3 < 30); /* geometric sum ~ 1/(1-e^-0.05) */
	hs_flush(h);
	/* label 3 dominates: it holds almost every slot */
	int held = 0;
	for (unsigned k = 0; k < 64; k++)
		held += hs_slots(h)[k] == 3;
	assert_true(held > 56);
	/* negative control: without decay label 1 keeps a third of the weight */
	struct hsketch *n = hs_new(64, 0, 10);
	for (int i = 0; i < 10; i++)
		hs_add(n, 1);
	for (int i = 0; i < 20; i++)
		hs_add(n, 3);
	hs_flush(n);
	held = 0;
	for (unsigned k = 0; k < 64; k++)
		held += hs_slots(n)[k] == 3;
	assert_true(held < 56);
	hs_free(h);
	hs_free(n);
}

/* The per-batch decay (hs_decay) and the marked (novel) weight. */
static void test_sketch_batch_decay_and_marked(void **state)
{
	(void)state;
	struct hsketch *h = hs_new(64, 0, 0);
	assert_non_null(h);
	for (int i = 0; i < 30; i++)
		assert_int_equal(hs_add(h, 1), 0);
	assert_true(hs_marked_fraction(h) == 0);
	hs_decay(h, M_LN2); /* a half-life of one batch */
	assert_true(fabs(hs_count(h, 1) - 15) < 1e-9);
	for (int i = 0; i < 10; i++)
		assert_int_equal(hs_add_marked(h, 2, true), 0);
	/* marked 10 over 15 + 10 */
	assert_true(fabs(hs_marked_fraction(h) - 10.0 / 25) < 1e-9);
	hs_decay(h, M_LN2);
	assert_true(fabs(hs_marked_fraction(h) - 10.0 / 25) < 1e-9); /* scale-free */
	assert_true(fabs(hs_count(h, 2) - 5) < 1e-9);
	/* many halvings renormalise and keep the fraction right */
	for (int b = 0; b < 2000; b++) {
		hs_decay(h, M_LN2);
		assert_int_equal(hs_add(h, 3), 0);
	}
	assert_true(isfinite(hs_count(h, 3)) && fabs(hs_count(h, 3) - 2) < 1e-6);
	assert_true(hs_marked_fraction(h) < 1e-100);
	assert_int_equal(hs_labels(h), 3);
	__u64 seen = 0;
	for (size_t i = 0; i < hs_labels(h); i++)
		seen |= 1ull << hs_label_at(h, i);
	assert_true(seen == ((1ull << 1) | (1ull << 2) | (1ull << 3)));
	assert_true(hs_label_at(h, 3) == 0);
	/* negative control: without the per-batch decay label 1 keeps its 30 */
	struct hsketch *n = hs_new(64, 0, 0);
	for (int i = 0; i < 30; i++)
		hs_add(n, 1);
	hs_decay(n, 0);
	assert_true(fabs(hs_count(n, 1) - 30) < 1e-9);
	hs_free(h);
	hs_free(n);
}

/* ---- clustering ---------------------------------------------------------- */

static void test_kmedoids_separable(void **state)
{
	(void)state;
	const double x[] = {0, 1, 2, 3, 100, 101, 103, 200, 201, 202};
	enum { N = 10 };
	double dist[N * N];
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			dist[i * N + j] = fabs(x[i] - x[j]);
	size_t assign[N], medoids[DM_MAX_CLUSTERS];
	double best = -2;
	size_t best_assign[N];
	unsigned best_k = 0;
	__u64 rng = 1;
	for (unsigned k = 2; k <= 4; k++)
		for (int t = 0; t < 10; t++) {
			dm_kmedoids(dist, N, k, &rng, assign, medoids);
			double s = dm_silhouette(dist, N, k, assign);
			if (s > best) {
				best = s;
				best_k = k;
				memcpy(best_assign, assign, sizeof(assign));
			}
		}
	assert_int_equal(best_k, 3);
	assert_true(best > 0.9);
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			assert_true((best_assign[i] == best_assign[j]) == (fabs(x[i] - x[j]) < 50));
	/* negative control: a clustering that mixes the groups scores badly */
	size_t mixed[N] = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0};
	assert_true(dm_silhouette(dist, N, 3, mixed) < 0);
}

/* A sketch of S slots: label `base` everywhere except `noise` slots. */
static void fill_sketch(__u64 *s, unsigned S, __u64 base, unsigned noise, __u64 seed)
{
	for (unsigned k = 0; k < S; k++)
		s[k] = base;
	rng_state = seed;
	for (unsigned i = 0; i < noise; i++)
		s[next_rand() % S] = 0xbad0000 + next_rand() % 1000;
}

enum { MS = 100 }; /* sketch size of the model tests */

static void build_model_graph(struct dm_graph *g)
{
	__u64 sk[6 * MS];
	for (int i = 0; i < 6; i++)
		fill_sketch(sk + i * MS, MS, i < 3 ? 1 : 2, 5, 100 + i);
	assert_int_equal(dm_build_graph(sk, 6, MS, 42, "train.raw#7", g), 0);
}

static void build_model(struct dm_model *m)
{
	dm_params_default(&m->params);
	m->params.sketch_size = MS;
	m->ngraphs = 1;
	m->graphs = calloc(1, sizeof(*m->graphs));
	assert_non_null(m->graphs);
	build_model_graph(&m->graphs[0]);
}

static void test_model_build_and_fit(void **state)
{
	(void)state;
	struct dm_model m = {0};
	build_model(&m);
	const struct dm_graph *g = &m.graphs[0];
	assert_int_equal(g->nclusters, 2);
	assert_int_equal(g->nevolution, 2); /* stage one, then stage two */
	assert_int_equal(g->clusters[g->evolution[0]].medoid[0] == 1 ||
			     g->clusters[g->evolution[0]].medoid[1] == 1,
			 1);
	assert_int_equal(g->clusters[0].members + g->clusters[1].members, 6);
	assert_true(g->clusters[0].max <= 0.1 && g->clusters[0].max > 0);

	/* a graph like the training one fits: stage one, then stage two */
	struct dm_fit fits[1] = {{0}};
	__u64 s[MS];
	double d, t;
	__u32 gi;
	fill_sketch(s, MS, 1, 4, 900);
	assert_int_equal(dm_fit_step(&m, fits, s, &d, &t, &gi), 1);
	fill_sketch(s, MS, 2, 4, 901);
	assert_int_equal(dm_fit_step(&m, fits, s, &d, &t, &gi), 1);
	assert_int_equal(fits[0].step, 1);
	/* negative controls: going back to stage one is not in the evolution,
	 * and an unknown sketch fits nothing */
	struct dm_fit back[1] = {{0}};
	fill_sketch(s, MS, 2, 4, 902);
	assert_int_equal(dm_fit_step(&m, back, s, &d, &t, &gi), 1);
	fill_sketch(s, MS, 1, 4, 903);
	assert_int_equal(dm_fit_step(&m, back, s, &d, &t, &gi), 0);
	struct dm_fit alien[1] = {{0}};
	fill_sketch(s, MS, 3, 4, 904);
	assert_int_equal(dm_fit_step(&m, alien, s, &d, &t, &gi), 0);
	assert_true(d > t);
	dm_model_free(&m);
}

/* The fit keeps every step of the evolution the sketches can be at: a
 * sketch that fits both the current cluster and the next keeps both, so a
 * later sketch of the cluster after the next one still fits (a greedy walk,
 * staying at the current cluster, broke here: the evolution test's false
 * alarms on training runs). Clusters A (slots 1), B (half 1, half 2), C
 * (slots 2), each of threshold 0.3; the evolution A, B, C. */
static void test_model_fit_keeps_every_step(void **state)
{
	(void)state;
	enum { S = 64 };
	struct dm_model m = {0};
	dm_params_default(&m.params);
	m.params.sketch_size = S;
	m.params.stds = 0;
	m.ngraphs = 1;
	m.graphs = calloc(1, sizeof(*m.graphs));
	assert_non_null(m.graphs);
	struct dm_graph *g = &m.graphs[0];
	g->nclusters = 3;
	g->clusters = calloc(3, sizeof(*g->clusters));
	g->nevolution = 3;
	g->evolution = calloc(3, sizeof(__u32));
	assert_true(g->clusters && g->evolution);
	for (__u32 c = 0; c < 3; c++) {
		g->clusters[c].medoid = malloc(S * sizeof(__u64));
		assert_non_null(g->clusters[c].medoid);
		for (unsigned k = 0; k < S; k++)
			g->clusters[c].medoid[k] = c == 0 ? 1 : c == 2 ? 2 : k < S / 2 ? 1 : 2;
		g->clusters[c].max = 0.3;
		g->clusters[c].members = 2;
		g->evolution[c] = c;
	}
	__u64 x[S], y[S];
	for (unsigned k = 0; k < S; k++) {
		x[k] = k < 3 * S / 4 ? 1 : 2; /* A at 0.25, B at 0.25 */
		y[k] = 2;		      /* C only */
	}
	double d, t;
	__u32 gi;
	struct dm_fit fit[1] = {{0}};
	assert_int_equal(dm_fit_step(&m, fit, x, &d, &t, &gi), 1);
	assert_int_equal(fit[0].step, 0); /* still A: the first of the set {A, B} */
	assert_int_equal(dm_fit_step(&m, fit, y, &d, &t, &gi), 1);
	assert_int_equal(fit[0].step, 2);
	assert_true(d == 0 && t > 0.29);
	/* negative controls: C straight from the start skips B, and A after C
	 * goes back: neither is in the evolution */
	struct dm_fit skip[1] = {{0}};
	assert_int_equal(dm_fit_step(&m, skip, y, &d, &t, &gi), 0);
	assert_true(d > t);
	assert_int_equal(dm_fit_step(&m, fit, x, &d, &t, &gi), 0);
	dm_model_free(&m);
}

/* The leave-one-out pieces: labels known, nearest medoid, spreads. */
static void test_model_leave_one_out(void **state)
{
	(void)state;
	struct dm_model m = {0};
	build_model(&m);
	/* one graph: nothing to leave one out against, thresholds 1 */
	dm_set_spreads(&m);
	assert_true(m.loo_distance.max == 1 && m.loo_novelty.mean == 1);
	/* a second graph, the same sketches: the nearest medoid of graph 0's
	 * medoid is itself (0) when nothing is skipped, and graph 1's copy
	 * (0 again) when graph 0 is skipped */
	struct dm_graph *g = realloc(m.graphs, 2 * sizeof(*g));
	assert_non_null(g);
	m.graphs = g;
	build_model_graph(&m.graphs[1]);
	m.ngraphs = 2;
	const __u64 *med = m.graphs[0].clusters[0].medoid, *got;
	assert_true(dm_nearest(&m, med, 2, &got) == 0);
	assert_true(dm_nearest(&m, med, 0, &got) == 0 && got != med);
	__u64 s[MS];
	fill_sketch(s, MS, 3, 4, 905); /* an unknown sketch: far from all */
	assert_true(dm_nearest(&m, s, 2, NULL) > 0.9);
	m.graphs[0].loo_distance = 0.2;
	m.graphs[1].loo_distance = 0.4;
	m.graphs[0].loo_novelty = 0.0;
	m.graphs[1].loo_novelty = 0.1;
	dm_set_spreads(&m);
	assert_true(fabs(m.loo_distance.mean - 0.3) < 1e-12 && m.loo_distance.max == 0.4);
	assert_true(fabs(m.loo_distance.std - 0.1) < 1e-12);
	m.params.stds = 2;
	m.params.use_mean = 0;
	assert_true(fabs(dm_spread_threshold(&m.params, &m.loo_novelty) - 0.2) < 1e-12);
	m.params.use_mean = 1;
	assert_true(fabs(dm_spread_threshold(&m.params, &m.loo_distance) - 0.5) < 1e-12);
	/* labels: sorted, found by binary search; a missing one is not */
	__u64 labels[] = {3, 9, 27, 81};
	m.labels = malloc(sizeof(labels));
	memcpy(m.labels, labels, sizeof(labels));
	m.nlabels = 4;
	assert_true(dm_knows_label(&m, 3) && dm_knows_label(&m, 81) && dm_knows_label(&m, 27));
	assert_false(dm_knows_label(&m, 4) || dm_knows_label(&m, 0) || dm_knows_label(&m, 100));
	dm_model_free(&m);
}

static void test_model_round_trip_and_version(void **state)
{
	(void)state;
	char err[512];
	struct dm_model m = {0}, l = {0};
	build_model(&m);
	m.params.hops = 4;
	m.params.lambda = 0.125;
	assert_int_equal(testdir_make("detect"), 0);
	const char *path = in_dir("model");
	assert_int_equal(dm_save(&m, path, err, sizeof(err)), 0);
	assert_int_equal(dm_load(path, &l, err, sizeof(err)), 0);
	assert_memory_equal(&l.params, &m.params, sizeof(m.params));
	assert_int_equal(l.ngraphs, 1);
	assert_string_equal(l.graphs[0].name, "train.raw#7");
	assert_int_equal(l.graphs[0].nclusters, m.graphs[0].nclusters);
	assert_int_equal(l.graphs[0].nevolution, m.graphs[0].nevolution);
	for (__u32 c = 0; c < m.graphs[0].nclusters; c++) {
		assert_memory_equal(l.graphs[0].clusters[c].medoid, m.graphs[0].clusters[c].medoid,
				    MS * sizeof(__u64));
		assert_true(l.graphs[0].clusters[c].max == m.graphs[0].clusters[c].max);
		assert_true(l.graphs[0].clusters[c].std == m.graphs[0].clusters[c].std);
	}
	dm_model_free(&l);

	/* another format version is refused, naming both */
	size_t len;
	char *bytes = read_all(path, &len);
	__u32 v = DM_FORMAT_VERSION + 1;
	memcpy(bytes + 8, &v, 4);
	FILE *f = fopen(in_dir("v2"), "wb");
	fwrite(bytes, 1, len, f);
	fclose(f);
	assert_int_equal(dm_load(in_dir("v2"), &l, err, sizeof(err)), -1);
	char want[64];
	snprintf(want, sizeof(want), "format version %u", DM_FORMAT_VERSION + 1);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "reads version %d", DM_FORMAT_VERSION);
	assert_non_null(strstr(err, want));
	/* negative control: the same bytes with the right version load */
	v = DM_FORMAT_VERSION;
	memcpy(bytes + 8, &v, 4);
	f = fopen(in_dir("v1"), "wb");
	fwrite(bytes, 1, len, f);
	fclose(f);
	assert_int_equal(dm_load(in_dir("v1"), &l, err, sizeof(err)), 0);
	dm_model_free(&l);
	/* truncated, trailing bytes, not a model */
	f = fopen(in_dir("cut"), "wb");
	fwrite(bytes, 1, len - 9, f);
	fclose(f);
	assert_int_equal(dm_load(in_dir("cut"), &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated"));
	f = fopen(in_dir("long"), "wb");
	fwrite(bytes, 1, len, f);
	fputc(0, f);
	fclose(f);
	assert_int_equal(dm_load(in_dir("long"), &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bytes after"));
	/* a label count larger than the file: refused, not allocated (the
	 * model has no labels: the count is the last 8 bytes) */
	__u64 huge = 1ull << 31, none;
	memcpy(&none, bytes + len - 8, 8);
	assert_true(none == 0);
	memcpy(bytes + len - 8, &huge, 8);
	f = fopen(in_dir("huge"), "wb");
	fwrite(bytes, 1, len, f);
	fclose(f);
	assert_int_equal(dm_load(in_dir("huge"), &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than the file holds"));
	memcpy(bytes + len - 8, &none, 8);
	f = fopen(in_dir("junk"), "wb");
	fputs("not a model at all, just text", f);
	fclose(f);
	assert_int_equal(dm_load(in_dir("junk"), &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a sabpf detector model"));
	free(bytes);
	dm_model_free(&m);
	assert_int_equal(testdir_remove(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wl_labels_by_hand),
	    cmocka_unit_test(test_wl_emits_only_changes),
	    cmocka_unit_test(test_sketch_identical_histograms),
	    cmocka_unit_test(test_sketch_tracks_weighted_jaccard),
	    cmocka_unit_test(test_sketch_decay),
	    cmocka_unit_test(test_sketch_batch_decay_and_marked),
	    cmocka_unit_test(test_kmedoids_separable),
	    cmocka_unit_test(test_model_build_and_fit),
	    cmocka_unit_test(test_model_fit_keeps_every_step),
	    cmocka_unit_test(test_model_leave_one_out),
	    cmocka_unit_test(test_model_round_trip_and_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
