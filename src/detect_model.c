/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* detect_model.c: clustering of a graph's sketches, the model file, and
 * the fit of a watched graph (see detect_model.h). */
#include "detect_model.h"

#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect_sketch.h" /* hs_distance */
#include "detect_wl.h"	   /* wl_mix */

#define KMEDOIDS_TRIALS 20
#define KMEDOIDS_ITERATIONS 100
#define MAX_NAME 4096

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

void dm_params_default(struct dm_params *p)
{
	*p = (struct dm_params){.hops = DM_DEFAULT_HOPS,
				.sketch_size = DM_DEFAULT_SKETCH,
				.decay_every = DM_DEFAULT_DECAY,
				.lambda = DM_DEFAULT_LAMBDA,
				.batch = DM_DEFAULT_BATCH,
				.task_names = 1,
				.use_mean = 0,
				.stds = DM_DEFAULT_STDS,
				.half_life = DM_DEFAULT_HALF_LIFE,
				.tests = DM_TESTS_ALL,
				.novelty_floor = DM_DEFAULT_NOVELTY_FLOOR};
}

static void graph_free(struct dm_graph *g)
{
	for (__u32 c = 0; c < g->nclusters; c++)
		free(g->clusters[c].medoid);
	free(g->clusters);
	free(g->evolution);
	free(g->name);
	memset(g, 0, sizeof(*g));
}

void dm_model_free(struct dm_model *m)
{
	for (__u32 i = 0; i < m->ngraphs; i++)
		graph_free(&m->graphs[i]);
	free(m->graphs);
	m->graphs = NULL;
	m->ngraphs = 0;
	free(m->labels);
	m->labels = NULL;
	m->nlabels = 0;
}

/* ---- clustering ---------------------------------------------------------- */

static size_t rand_below(__u64 *rng, size_t n)
{
	*rng += 0x9e3779b97f4a7c15ULL;
	return (size_t)(wl_mix(*rng) % n);
}

/* Nearest medoid of each point; returns the total distance. */
static double assign_points(const double *dist, size_t n, unsigned k, const size_t *medoids,
			    size_t *assign)
{
	double total = 0;
	for (size_t i = 0; i < n; i++) {
		size_t best = 0;
		for (unsigned c = 1; c < k; c++)
			if (dist[i * n + medoids[c]] < dist[i * n + medoids[best]])
				best = c;
		assign[i] = best;
		total += dist[i * n + medoids[best]];
	}
	return total;
}

double dm_kmedoids(const double *dist, size_t n, unsigned k, __u64 *rng, size_t *assign,
		   size_t *medoids)
{
	/* k distinct random points to start */
	for (unsigned c = 0; c < k; c++) {
		for (;;) {
			size_t p = rand_below(rng, n);
			bool taken = false;
			for (unsigned d = 0; d < c; d++)
				taken |= medoids[d] == p;
			if (!taken) {
				medoids[c] = p;
				break;
			}
		}
	}
	double total = assign_points(dist, n, k, medoids, assign);
	for (int it = 0; it < KMEDOIDS_ITERATIONS; it++) {
		bool changed = false;
		for (unsigned c = 0; c < k; c++) {
			size_t best = medoids[c];
			double best_sum = INFINITY;
			for (size_t i = 0; i < n; i++) {
				if (assign[i] != c)
					continue;
				double sum = 0;
				for (size_t j = 0; j < n; j++)
					if (assign[j] == c)
						sum += dist[i * n + j];
				if (sum < best_sum) {
					best_sum = sum;
					best = i;
				}
			}
			if (best != medoids[c]) {
				medoids[c] = best;
				changed = true;
			}
		}
		if (!changed)
			break;
		total = assign_points(dist, n, k, medoids, assign);
	}
	/* a medoid always belongs to its own cluster */
	for (unsigned c = 0; c < k; c++)
		assign[medoids[c]] = c;
	return total;
}

double dm_silhouette(const double *dist, size_t n, unsigned k, const size_t *assign)
{
	double sum = 0;
	double mean[DM_MAX_CLUSTERS + 1];
	size_t count[DM_MAX_CLUSTERS + 1];
	for (size_t i = 0; i < n; i++) {
		memset(mean, 0, sizeof(mean));
		memset(count, 0, sizeof(count));
		for (size_t j = 0; j < n; j++) {
			if (j == i)
				continue;
			mean[assign[j]] += dist[i * n + j];
			count[assign[j]]++;
		}
		if (count[assign[i]] == 0)
			continue; /* alone: 0 */
		double a = mean[assign[i]] / (double)count[assign[i]], b = INFINITY;
		for (unsigned c = 0; c < k; c++)
			if (c != assign[i] && count[c] && mean[c] / (double)count[c] < b)
				b = mean[c] / (double)count[c];
		if (!isfinite(b))
			continue;
		double m = a > b ? a : b;
		if (m > 0)
			sum += (b - a) / m;
	}
	return n ? sum / (double)n : 0;
}

int dm_build_graph(const __u64 *sketches, size_t n, unsigned S, __u64 seed, const char *name,
		   struct dm_graph *g)
{
	memset(g, 0, sizeof(*g));
	double *dist = malloc((n ? n * n : 1) * sizeof(*dist));
	size_t *assign = calloc(n ? n : 1, sizeof(*assign));
	size_t *best_assign = calloc(n ? n : 1, sizeof(*best_assign));
	size_t medoids[DM_MAX_CLUSTERS], best_medoids[DM_MAX_CLUSTERS] = {0};
	g->name = strdup(name ? name : "");
	if (!dist || !assign || !best_assign || !g->name)
		goto oom;
	double maxd = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			dist[i * n + j] = hs_distance(sketches + i * S, sketches + j * S, S);
			if (dist[i * n + j] > maxd)
				maxd = dist[i * n + j];
		}
	unsigned best_k = 1;
	double best_sil = -2;
	__u64 rng = seed;
	if (n >= 3 && maxd > 0) {
		for (unsigned k = 2; k <= DM_MAX_CLUSTERS && k < n; k++) {
			for (int t = 0; t < KMEDOIDS_TRIALS; t++) {
				dm_kmedoids(dist, n, k, &rng, assign, medoids);
				double sil = dm_silhouette(dist, n, k, assign);
				if (sil > best_sil) {
					best_sil = sil;
					best_k = k;
					memcpy(best_assign, assign, n * sizeof(*assign));
					memcpy(best_medoids, medoids, k * sizeof(*medoids));
				}
			}
		}
	} else if (n > 0) {
		/* one cluster: its medoid is the point nearest to all others */
		double best_sum = INFINITY;
		for (size_t i = 0; i < n; i++) {
			double sum = 0;
			for (size_t j = 0; j < n; j++)
				sum += dist[i * n + j];
			if (sum < best_sum) {
				best_sum = sum;
				best_medoids[0] = i;
			}
		}
		memset(best_assign, 0, n * sizeof(*best_assign));
	}
	if (n == 0)
		best_k = 0;
	g->nclusters = best_k;
	g->clusters = calloc(best_k ? best_k : 1, sizeof(*g->clusters));
	g->evolution = calloc(n ? n : 1, sizeof(*g->evolution));
	if (!g->clusters || !g->evolution)
		goto oom;
	for (unsigned c = 0; c < best_k; c++) {
		struct dm_cluster *cl = &g->clusters[c];
		cl->medoid = malloc(S * sizeof(__u64));
		if (!cl->medoid)
			goto oom;
		memcpy(cl->medoid, sketches + best_medoids[c] * S, S * sizeof(__u64));
		double sum = 0, sq = 0, mx = 0;
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			if (best_assign[i] != c)
				continue;
			cl->members++;
			if (i == best_medoids[c])
				continue;
			double d = dist[i * n + best_medoids[c]];
			sum += d;
			sq += d * d;
			mx = d > mx ? d : mx;
			m++;
		}
		if (m) {
			cl->mean = sum / (double)m;
			cl->max = mx;
			double var = sq / (double)m - cl->mean * cl->mean;
			cl->std = var > 0 ? sqrt(var) : 0;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (g->nevolution == 0 || g->evolution[g->nevolution - 1] != best_assign[i])
			g->evolution[g->nevolution++] = (__u32)best_assign[i];
	free(dist);
	free(assign);
	free(best_assign);
	return 0;
oom:
	free(dist);
	free(assign);
	free(best_assign);
	graph_free(g);
	return -1;
}

/* ---- fitting ------------------------------------------------------------- */

static void spread_of(struct dm_spread *s, const struct dm_model *m, bool novelty)
{
	*s = (struct dm_spread){.mean = 1, .max = 1, .std = 0};
	if (m->ngraphs < 2)
		return; /* nothing to leave one out against: the test never fires */
	double sum = 0, sq = 0, mx = 0;
	for (__u32 i = 0; i < m->ngraphs; i++) {
		double v = novelty ? m->graphs[i].loo_novelty : m->graphs[i].loo_distance;
		sum += v;
		sq += v * v;
		mx = v > mx ? v : mx;
	}
	s->mean = sum / m->ngraphs;
	s->max = mx;
	double var = sq / m->ngraphs - s->mean * s->mean;
	s->std = var > 0 ? sqrt(var) : 0;
}

void dm_set_spreads(struct dm_model *m)
{
	spread_of(&m->loo_distance, m, false);
	spread_of(&m->loo_novelty, m, true);
}

double dm_spread_threshold(const struct dm_params *p, const struct dm_spread *s)
{
	return (p->use_mean ? s->mean : s->max) + p->stds * s->std;
}

double dm_novelty_threshold(const struct dm_params *p, const struct dm_model *m)
{
	double t = dm_spread_threshold(p, &m->loo_novelty);
	return t > p->novelty_floor ? t : p->novelty_floor;
}

bool dm_knows_label(const struct dm_model *m, __u64 label)
{
	size_t lo = 0, hi = m->nlabels;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->labels[mid] == label)
			return true;
		if (m->labels[mid] < label)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

double dm_nearest(const struct dm_model *m, const __u64 *sketch, __u32 skip, const __u64 **medoid)
{
	double best = 1;
	if (medoid)
		*medoid = NULL;
	for (__u32 i = 0; i < m->ngraphs; i++) {
		if (i == skip)
			continue;
		for (__u32 c = 0; c < m->graphs[i].nclusters; c++) {
			double d = hs_distance(sketch, m->graphs[i].clusters[c].medoid,
					       m->params.sketch_size);
			if (d < best || (medoid && !*medoid)) {
				best = d < best ? d : best;
				if (medoid)
					*medoid = m->graphs[i].clusters[c].medoid;
			}
		}
	}
	return best;
}

double dm_threshold(const struct dm_params *p, const struct dm_cluster *c)
{
	return (p->use_mean ? c->mean : c->max) + p->stds * c->std;
}

__u32 dm_fit_step(const struct dm_model *m, struct dm_fit *fits, const __u64 *sketch,
		  double *distance, double *threshold, __u32 *best_graph)
{
	__u32 alive_before = 0, alive = 0;
	for (__u32 i = 0; i < m->ngraphs; i++)
		alive_before += !fits[i].broken && m->graphs[i].nevolution > 0;
	double best_margin = INFINITY;
	*distance = 1;
	*threshold = 0;
	*best_graph = 0;
	for (__u32 i = 0; i < m->ngraphs; i++) {
		const struct dm_graph *g = &m->graphs[i];
		struct dm_fit *f = &fits[i];
		if (g->nevolution == 0 || (f->broken && alive_before > 0))
			continue;
		if (!f->started) {
			f->started = true;
			f->steps[0] = 1;
		}
		/* each cluster's distance once; then each step of the set moves
		 * to itself and to the next one where that cluster fits */
		double d[DM_MAX_CLUSTERS], t[DM_MAX_CLUSTERS];
		for (__u32 c = 0; c < g->nclusters; c++) {
			d[c] = hs_distance(sketch, g->clusters[c].medoid, m->params.sketch_size);
			t[c] = dm_threshold(&m->params, &g->clusters[c]);
		}
		__u64 next[DM_MAX_SKETCHES / 64] = {0};
		bool fitted = false;
		__u32 words = (g->nevolution + 63) / 64;
		for (__u32 w = 0; w < words; w++)
			for (__u64 bits = f->steps[w]; bits; bits &= bits - 1) {
				__u32 s = w * 64 + (__u32)__builtin_ctzll(bits);
				for (__u32 n = s; n < g->nevolution && n <= s + 1; n++) {
					__u32 c = g->evolution[n];
					if (d[c] - t[c] < best_margin) {
						best_margin = d[c] - t[c];
						*distance = d[c];
						*threshold = t[c];
						*best_graph = i;
					}
					if (!f->broken && d[c] <= t[c]) {
						next[n / 64] |= 1ULL << (n % 64);
						fitted = true;
					}
				}
			}
		if (!fitted) {
			f->broken = true;
			continue;
		}
		memcpy(f->steps, next, words * sizeof(*next));
		for (__u32 w = 0; w < words; w++)
			if (next[w]) {
				f->step = w * 64 + (__u32)__builtin_ctzll(next[w]);
				break;
			}
		alive++;
	}
	return alive;
}

/* ---- the file ------------------------------------------------------------ */

struct file_head {
	char magic[8];
	__u32 version;
	__u32 ngraphs;
	struct dm_params params;
};

static bool put(FILE *f, const void *p, size_t n)
{
	return n == 0 || fwrite(p, 1, n, f) == n;
}

int dm_save(const struct dm_model *m, const char *path, char *err, size_t errlen)
{
	char tmp[MAX_NAME + 8];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		set_err(err, errlen, "model path '%s' is too long", path);
		return -1;
	}
	FILE *f = fopen(tmp, "wb");
	if (!f) {
		set_err(err, errlen, "cannot create model file '%s': %s", tmp, strerror(errno));
		return -1;
	}
	struct file_head h = {.version = DM_FORMAT_VERSION, .ngraphs = m->ngraphs};
	memcpy(h.magic, DM_MAGIC, 8);
	h.params = m->params;
	bool ok = put(f, &h, sizeof(h));
	for (__u32 i = 0; ok && i < m->ngraphs; i++) {
		const struct dm_graph *g = &m->graphs[i];
		__u32 len = (__u32)strlen(g->name);
		ok = put(f, &len, sizeof(len)) && put(f, g->name, len) &&
		     put(f, &g->nclusters, sizeof(g->nclusters)) &&
		     put(f, &g->nevolution, sizeof(g->nevolution)) &&
		     put(f, g->evolution, g->nevolution * sizeof(__u32)) &&
		     put(f, &g->loo_distance, sizeof(double)) &&
		     put(f, &g->loo_novelty, sizeof(double));
		for (__u32 c = 0; ok && c < g->nclusters; c++) {
			const struct dm_cluster *cl = &g->clusters[c];
			ok = put(f, &cl->mean, sizeof(double)) &&
			     put(f, &cl->max, sizeof(double)) && put(f, &cl->std, sizeof(double)) &&
			     put(f, &cl->members, sizeof(__u32)) &&
			     put(f, cl->medoid, m->params.sketch_size * sizeof(__u64));
		}
	}
	__u64 nlabels = m->nlabels;
	ok = ok && put(f, &m->loo_distance, sizeof(m->loo_distance)) &&
	     put(f, &m->loo_novelty, sizeof(m->loo_novelty)) && put(f, &nlabels, sizeof(nlabels)) &&
	     put(f, m->labels, m->nlabels * sizeof(__u64));
	if (fclose(f) != 0)
		ok = false;
	if (!ok || rename(tmp, path) != 0) {
		set_err(err, errlen, "writing model file '%s' failed: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static bool get(FILE *f, void *p, size_t n)
{
	return fread(p, 1, n, f) == n;
}

int dm_load(const char *path, struct dm_model *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	FILE *f = fopen(path, "rb");
	if (!f) {
		set_err(err, errlen, "cannot open model file '%s': %s", path, strerror(errno));
		return -1;
	}
	struct file_head h;
	/* the magic and version first: a file of another version may be
	 * shorter than this version's head */
	size_t first = offsetof(struct file_head, ngraphs);
	if (!get(f, &h, first) || memcmp(h.magic, DM_MAGIC, 8) != 0) {
		set_err(err, errlen,
			"'%s' is not a sabpf detector model (no \"" DM_MAGIC
			"\" header): build one with sabpf detect train -o MODEL CAPTURE...",
			path);
		fclose(f);
		return -1;
	}
	if (h.version != DM_FORMAT_VERSION) {
		set_err(err, errlen,
			"model '%s' has format version %u, but this sabpf reads version %d: "
			"rebuild it with sabpf detect train from the benign captures",
			path, h.version, DM_FORMAT_VERSION);
		fclose(f);
		return -1;
	}
	if (!get(f, (char *)&h + first, sizeof(h) - first)) {
		set_err(err, errlen, "model '%s' is corrupt or truncated at its head: rebuild it",
			path);
		fclose(f);
		return -1;
	}
	const struct dm_params *p = &h.params;
	if (p->hops < 1 || p->hops > WL_MAX_HOPS || p->sketch_size < 1 ||
	    p->sketch_size > HS_MAX_SIZE || p->batch < 1 || !(p->lambda >= 0 && p->lambda <= 100) ||
	    !(p->stds >= 0 && p->stds <= 1e6) || !(p->half_life >= 0 && p->half_life <= 1e6) ||
	    !(p->novelty_floor >= 0 && p->novelty_floor <= 1) || p->tests == 0 ||
	    (p->tests & ~DM_TESTS_ALL) || h.ngraphs > 1000000) {
		set_err(err, errlen, "model '%s' is corrupt: its parameters are out of range",
			path);
		fclose(f);
		return -1;
	}
	m->params = h.params;
	m->graphs = calloc(h.ngraphs ? h.ngraphs : 1, sizeof(*m->graphs));
	if (!m->graphs) {
		set_err(err, errlen, "out of memory reading model '%s'", path);
		fclose(f);
		return -1;
	}
	const char *what = NULL;
	for (__u32 i = 0; i < h.ngraphs && !what; i++) {
		struct dm_graph *g = &m->graphs[i];
		m->ngraphs = i + 1;
		__u32 len;
		if (!get(f, &len, sizeof(len)) || len > MAX_NAME) {
			what = "a graph name";
			break;
		}
		g->name = calloc(1, len + 1);
		if (!g->name || !get(f, g->name, len) || !get(f, &g->nclusters, 4) ||
		    !get(f, &g->nevolution, 4) || g->nclusters > DM_MAX_CLUSTERS ||
		    g->nevolution > DM_MAX_SKETCHES) {
			what = "a graph's header";
			break;
		}
		g->evolution = calloc(g->nevolution ? g->nevolution : 1, sizeof(__u32));
		g->clusters = calloc(g->nclusters ? g->nclusters : 1, sizeof(*g->clusters));
		if (!g->evolution || !g->clusters ||
		    !get(f, g->evolution, g->nevolution * sizeof(__u32)) ||
		    !get(f, &g->loo_distance, 8) || !get(f, &g->loo_novelty, 8)) {
			what = "an evolution";
			break;
		}
		for (__u32 s = 0; s < g->nevolution; s++)
			if (g->evolution[s] >= g->nclusters)
				what = "an evolution (a cluster index out of range)";
		for (__u32 c = 0; c < g->nclusters && !what; c++) {
			struct dm_cluster *cl = &g->clusters[c];
			cl->medoid = malloc(p->sketch_size * sizeof(__u64));
			if (!cl->medoid || !get(f, &cl->mean, 8) || !get(f, &cl->max, 8) ||
			    !get(f, &cl->std, 8) || !get(f, &cl->members, 4) ||
			    !get(f, cl->medoid, p->sketch_size * sizeof(__u64)))
				what = "a cluster";
		}
	}
	__u64 nlabels = 0;
	if (!what && (!get(f, &m->loo_distance, sizeof(m->loo_distance)) ||
		      !get(f, &m->loo_novelty, sizeof(m->loo_novelty)) ||
		      !get(f, &nlabels, sizeof(nlabels)) || nlabels > (1ull << 32)))
		what = "the leave-one-out spreads";
	if (!what) {
		/* no more labels than the bytes left can hold (a corrupt count
		 * must not make a huge allocation) */
		long at = ftell(f);
		if (at < 0 || fseek(f, 0, SEEK_END) != 0)
			what = "the training labels (unseekable file)";
		long end = what ? 0 : ftell(f);
		if (!what && (end < at || fseek(f, at, SEEK_SET) != 0 ||
			      nlabels > (__u64)(end - at) / sizeof(__u64)))
			what = "the training labels (more than the file holds)";
	}
	if (!what) {
		m->labels = malloc((nlabels ? nlabels : 1) * sizeof(__u64));
		if (!m->labels || !get(f, m->labels, nlabels * sizeof(__u64)))
			what = "the training labels";
		else
			m->nlabels = nlabels;
		for (size_t i = 1; !what && i < m->nlabels; i++)
			if (m->labels[i - 1] >= m->labels[i])
				what = "the training labels (not sorted)";
	}
	if (!what && fgetc(f) != EOF)
		what = "its end (bytes after the last graph)";
	fclose(f);
	if (what) {
		set_err(err, errlen, "model '%s' is corrupt or truncated at %s: rebuild it", path,
			what);
		dm_model_free(m);
		return -1;
	}
	return 0;
}
