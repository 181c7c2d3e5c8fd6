/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* detect_sketch.h: the decaying label histogram and its HistoSketch, the
 * second stage of the detector (docs/detection.md).
 *
 * The histogram counts the WL labels generated so far. Every `decay_every`
 * additions every count is multiplied by exp(-lambda), so old behaviour
 * fades (done lazily: new additions weigh exp(lambda) more instead).
 *
 * The sketch has S slots. For slot k and label l, seeded by (l, k) only,
 * r, c ~ Gamma(2,1) and beta ~ U(0,1) are drawn and
 *
 *   a_k(l) = c / (y * exp(r)),  y = exp(ln(w_l) - r * beta)
 *
 * (consistent weighted sampling as HistoSketch and Unicorn use it); slot k
 * holds the label of smallest a_k. The fraction of slots where two
 * sketches agree estimates the weighted Jaccard similarity of their
 * histograms. Multiplying every count by one factor leaves the sketch as
 * it is, which is what makes the lazy decay exact. A sketch depends only
 * on the histogram: identical histograms give identical sketches, whatever
 * order the counts arrived in. Slots are updated at hs_flush(), once per
 * label touched since the last flush. */
#ifndef SABPF_DETECT_SKETCH_H
#define SABPF_DETECT_SKETCH_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#define HS_MAX_SIZE 65536

struct hsketch;

/* size: S (1..HS_MAX_SIZE); lambda >= 0; decay_every 0: no decay. NULL on
 * allocation failure or a bad argument. */
struct hsketch *hs_new(unsigned size, double lambda, unsigned decay_every);
void hs_free(struct hsketch *h);
/* Counts one more occurrence of label. Returns 0, or -1 when out of memory. */
int hs_add(struct hsketch *h, __u64 label);
/* The same, marked or not: the histogram also keeps the (decayed) weight of
 * every addition and of the marked ones (the detector marks labels that no
 * training graph had: its novelty). */
int hs_add_marked(struct hsketch *h, __u64 label, bool marked);
/* The decayed weight of marked additions over that of all additions (0
 * before any). */
double hs_marked_fraction(const struct hsketch *h);
/* Multiplies every count (and both weights) by exp(-lambda) now, on top of
 * the decay every decay_every additions: the detector decays once per
 * batch of edges (--half-life). Exact and O(1), like that decay. */
void hs_decay(struct hsketch *h, double lambda);
/* The i-th distinct label counted (0 <= i < hs_labels), 0 past the end. */
__u64 hs_label_at(const struct hsketch *h, size_t i);
/* Updates the slots for the labels added since the last flush. */
void hs_flush(struct hsketch *h);
/* The slots' labels (S of them, 0 in a slot no label reached yet), as of
 * the last flush. */
const __u64 *hs_slots(const struct hsketch *h);
unsigned hs_size(const struct hsketch *h);
/* The current (decayed) count of label, 0 if never seen. */
double hs_count(const struct hsketch *h, __u64 label);
/* Distinct labels in the histogram. */
size_t hs_labels(const struct hsketch *h);

/* ln x = ln c + r (beta - 1) of label in slot k: a_k = x / w. */
double hs_ln_x(__u64 label, unsigned k);

/* Fraction of the n slots where a and b differ (normalised Hamming
 * distance), 0..1. */
double hs_distance(const __u64 *a, const __u64 *b, unsigned n);

#endif /* SABPF_DETECT_SKETCH_H */
