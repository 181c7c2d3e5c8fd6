/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* detect_sketch.c: the decaying histogram and the HistoSketch (see
 * detect_sketch.h). Slot values are kept as ln(a), so that a renormalised
 * histogram shifts every slot by the same amount. */
#include "detect_sketch.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "detect_wl.h" /* wl_mix */
#include "graph_cmd.h" /* view_map, view_reserve */

#define RENORM_ABOVE 1e200

struct hs_entry {
	__u64 label;
	double count; /* times scale, see struct hsketch */
	bool pending; /* in the list of labels to flush */
};

struct hsketch {
	unsigned size;
	double lambda;
	unsigned decay_every;
	unsigned since_decay;
	double scale;	      /* what one addition weighs now: exp(lambda * decays since renorm) */
	double total, marked; /* the weight of every addition, and of the marked ones
				 (times scale, decaying like the counts) */
	struct hs_entry *e;
	size_t ne, cap_e;
	struct view_map index; /* (label, 0) -> entry */
	size_t *pending;
	size_t npending, cap_pending;
	__u64 *slot_label;
	double *slot_lna;
};

struct hsketch *hs_new(unsigned size, double lambda, unsigned decay_every)
{
	if (size < 1 || size > HS_MAX_SIZE || !(lambda >= 0) || lambda > 100)
		return NULL;
	struct hsketch *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->size = size;
	h->lambda = lambda;
	h->decay_every = decay_every;
	h->scale = 1;
	h->slot_label = calloc(size, sizeof(*h->slot_label));
	h->slot_lna = malloc(size * sizeof(*h->slot_lna));
	if (!h->slot_label || !h->slot_lna) {
		hs_free(h);
		return NULL;
	}
	for (unsigned k = 0; k < size; k++)
		h->slot_lna[k] = INFINITY;
	return h;
}

void hs_free(struct hsketch *h)
{
	if (!h)
		return;
	free(h->e);
	view_map_free(&h->index);
	free(h->pending);
	free(h->slot_label);
	free(h->slot_lna);
	free(h);
}

/* Divides every count by the scale, so that the scale is 1 again: every
 * ln(a) grows by ln(scale). */
static void renormalise(struct hsketch *h)
{
	double ls = log(h->scale);
	for (size_t i = 0; i < h->ne; i++)
		h->e[i].count /= h->scale;
	for (unsigned k = 0; k < h->size; k++)
		h->slot_lna[k] += ls;
	h->total /= h->scale;
	h->marked /= h->scale;
	h->scale = 1;
}

/* Multiplies every count by exp(-lambda), lazily: new additions weigh
 * exp(lambda) more. */
static void decay_by(struct hsketch *h, double lambda)
{
	h->scale *= exp(lambda);
	if (h->scale > RENORM_ABOVE)
		renormalise(h);
}

void hs_decay(struct hsketch *h, double lambda)
{
	if (lambda > 0)
		decay_by(h, lambda);
}

double hs_marked_fraction(const struct hsketch *h)
{
	return h->total > 0 ? h->marked / h->total : 0;
}

__u64 hs_label_at(const struct hsketch *h, size_t i)
{
	return i < h->ne ? h->e[i].label : 0;
}

int hs_add(struct hsketch *h, __u64 label)
{
	return hs_add_marked(h, label, false);
}

int hs_add_marked(struct hsketch *h, __u64 label, bool marked)
{
	bool added;
	if (view_reserve(&h->e, &h->cap_e, h->ne + 1, sizeof(*h->e)) < 0)
		return -1;
	size_t *i = view_map_put(&h->index, label, 0, h->ne, &added);
	if (!i)
		return -1;
	if (added)
		h->e[h->ne++] = (struct hs_entry){.label = label};
	struct hs_entry *e = &h->e[*i];
	if (!e->pending) {
		if (view_reserve(&h->pending, &h->cap_pending, h->npending + 1, sizeof(size_t)) < 0)
			return -1;
		h->pending[h->npending++] = *i;
		e->pending = true;
	}
	e->count += h->scale;
	h->total += h->scale;
	if (marked)
		h->marked += h->scale;
	if (h->decay_every && h->lambda > 0 && ++h->since_decay >= h->decay_every) {
		h->since_decay = 0;
		decay_by(h, h->lambda);
	}
	return 0;
}

/* The draws. For slot k of label l one 64-bit hash of (l, k) gives three
 * independent uniforms: two 12-bit ones, turned into r and ln c by tables
 * of the Gamma(2,1) quantiles at (i + 0.5) / 4096 (built once, small
 * enough to stay in the first-level cache), and a 32-bit one for beta. The
 * tables make a slot cost a multiply, two loads and a multiply-add instead
 * of three logarithms. */
#define QBITS 12
#define QN (1u << QBITS)

static float gamma_r[QN];  /* r: the Gamma(2,1) quantile */
static float gamma_lc[QN]; /* ln c: its logarithm */
static bool tables_ready;

/* The p-quantile of Gamma(2,1): solves 1 - exp(-x) (1 + x) = p (Newton). */
static double gamma2_quantile(double p)
{
	double x = p < 0.5 ? sqrt(2 * p) : 2 - log1p(-p); /* a start on the right side */
	for (int i = 0; i < 100; i++) {
		double f = 1 - exp(-x) * (1 + x) - p;
		double df = x * exp(-x); /* the density */
		if (df <= 0)
			break;
		double step = f / df;
		double nx = x - step;
		if (nx <= 0)
			nx = x / 2;
		if (fabs(nx - x) < 1e-12 * (1 + x)) {
			x = nx;
			break;
		}
		x = nx;
	}
	return x;
}

static void build_tables(void)
{
	if (tables_ready)
		return;
	for (unsigned i = 0; i < QN; i++) {
		double q = gamma2_quantile(((double)i + 0.5) / QN);
		gamma_r[i] = (float)q;
		gamma_lc[i] = (float)log(q);
	}
	tables_ready = true;
}

/* The seed of a label's draws. */
static __u64 label_base(__u64 label)
{
	return wl_mix(label ^ 0x5b15c0ffee5eedULL);
}

/* The hash of slot k: one 64x64->128 multiply, folded. */
static inline __u64 slot_hash(__u64 base, unsigned k)
{
	unsigned __int128 m =
	    (unsigned __int128)(base + (__u64)k * 0x9e3779b97f4a7c15ULL) * 0xd1b54a32d192ed03ULL;
	return (__u64)m ^ (__u64)(m >> 64);
}

double hs_ln_x(__u64 label, unsigned k)
{
	build_tables();
	__u64 u = slot_hash(label_base(label), k);
	double r = gamma_r[u & (QN - 1)], lc = gamma_lc[(u >> QBITS) & (QN - 1)];
	double beta = ((double)(u >> 32) + 0.5) * (1.0 / 4294967296.0);
	return lc + r * (beta - 1);
}

void hs_flush(struct hsketch *h)
{
	build_tables();
	for (size_t p = 0; p < h->npending; p++) {
		struct hs_entry *e = &h->e[h->pending[p]];
		e->pending = false;
		/* ln a = ln c - ln y - r, ln y = ln w - r beta: ln a = ln x - ln w */
		double lnw = log(e->count);
		__u64 base = label_base(e->label);
		for (unsigned k = 0; k < h->size; k++) {
			__u64 u = slot_hash(base, k);
			double r = gamma_r[u & (QN - 1)], lc = gamma_lc[(u >> QBITS) & (QN - 1)];
			double beta = ((double)(u >> 32) + 0.5) * (1.0 / 4294967296.0);
			double lna = lc + r * (beta - 1) - lnw;
			if (lna < h->slot_lna[k]) {
				h->slot_lna[k] = lna;
				h->slot_label[k] = e->label;
			}
		}
	}
	h->npending = 0;
}

const __u64 *hs_slots(const struct hsketch *h)
{
	return h->slot_label;
}

unsigned hs_size(const struct hsketch *h)
{
	return h->size;
}

double hs_count(const struct hsketch *h, __u64 label)
{
	size_t *i = view_map_find(&h->index, label, 0);
	return i ? h->e[*i].count / h->scale : 0;
}

size_t hs_labels(const struct hsketch *h)
{
	return h->ne;
}

double hs_distance(const __u64 *a, const __u64 *b, unsigned n)
{
	unsigned diff = 0;
	for (unsigned k = 0; k < n; k++)
		diff += a[k] != b[k];
	return n ? (double)diff / n : 0;
}
