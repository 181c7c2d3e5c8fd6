/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* detect_model.h: the detector's model (docs/detection.md), Unicorn's
 * evolutionary model: per training graph, its sketches are clustered by
 * k-medoids over their Hamming distances (k = 2..5, the k with the best
 * silhouette; one cluster when there are fewer than 3 sketches or all are
 * equal). Each cluster keeps its medoid and the mean, max and standard
 * deviation of its members' distances to it; the evolution is the order in
 * which the graph visited the clusters. A graph being watched fits a
 * training graph's model while each new sketch lies within the threshold of
 * the current cluster of the evolution, or of the next one (then it moves
 * on); it is abnormal when it fits none of the models (the test
 * "evolution").
 *
 * Format 2 adds two tests calibrated on the spread of the benign training
 * graphs by leave-one-out (each training graph scored against the others):
 * "distance", the distance of a sketch to the nearest cluster medoid of any
 * training graph, and "novelty", the decayed weight of the labels no
 * training graph had, over the weight of all labels. The model keeps every
 * training label (sorted), and per test the mean, max and standard
 * deviation over the training graphs of their worst leave-one-out score.
 *
 * A model file is binary, host byte order: the magic "SABPFDET", the
 * __u32 format version DM_FORMAT_VERSION, the parameters, then each graph
 * model. A file of another version is refused with a message naming both
 * versions. */
#ifndef SABPF_DETECT_MODEL_H
#define SABPF_DETECT_MODEL_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#define DM_FORMAT_VERSION 2
#define DM_MAGIC "SABPFDET"
#define DM_MAX_CLUSTERS 5
#define DM_MAX_SKETCHES 4096 /* of one training graph (a matrix of every pair) */

/* The parameters a model is built with (and watched with). */
struct dm_params {
	__u32 hops;	   /* WL hops R */
	__u32 sketch_size; /* S */
	__u32 decay_every; /* labels between two decays; 0: no decay */
	double lambda;	   /* each decay multiplies counts by exp(-lambda) */
	__u32 batch;	   /* edges between two sketches */
	__u32 task_names;  /* 1: a task's hop-0 label includes its comm */
	__u32 use_mean;	   /* threshold base: 1 mean, 0 max of member distances */
	double stds;	   /* threshold = base + stds * std */
	double half_life;  /* batches for the histogram to halve; 0: no per-batch decay */
	__u32 tests;	   /* DM_TEST_* bits: the tests that raise an alert */
	__u32 pad;
	double novelty_floor; /* the novelty threshold is at least this */
};

/* The tests of a sketch (dm_params.tests). */
#define DM_TEST_EVOLUTION 1u
#define DM_TEST_DISTANCE 2u
#define DM_TEST_NOVELTY 4u
#define DM_TESTS_ALL 7u

/* Documented defaults (docs/detection.md). */
#define DM_DEFAULT_HOPS 3
#define DM_DEFAULT_SKETCH 2000
#define DM_DEFAULT_DECAY 0 /* per label additions; the per-batch half-life replaces it */
#define DM_DEFAULT_LAMBDA 0.02
#define DM_DEFAULT_BATCH 500
#define DM_DEFAULT_STDS 2.0
#define DM_DEFAULT_HALF_LIFE 4.0
#define DM_DEFAULT_NOVELTY_FLOOR 0.01

void dm_params_default(struct dm_params *p);

struct dm_cluster {
	__u64 *medoid; /* sketch_size labels */
	double mean, max, std;
	__u32 members;
};

struct dm_graph {
	char *name; /* where it came from: CAPTURE#container */
	__u32 nclusters;
	struct dm_cluster *clusters;
	__u32 nevolution;
	__u32 *evolution;    /* cluster indexes in visiting order */
	double loo_distance; /* its worst sketch's distance to the other graphs' medoids */
	double loo_novelty;  /* its worst novelty against the other graphs' labels */
};

/* A leave-one-out score's spread over the training graphs. */
struct dm_spread {
	double mean, max, std;
};

struct dm_model {
	struct dm_params params;
	__u32 ngraphs;
	struct dm_graph *graphs;
	struct dm_spread loo_distance, loo_novelty; /* 1, 1, 0 with fewer than 2 graphs */
	__u64 *labels;				    /* every label of the training graphs, sorted */
	size_t nlabels;
};

void dm_model_free(struct dm_model *m);

/* Clusters n sketches (n * S labels, in order) of one graph into g.
 * seed makes the k-medoids trials reproducible. Returns 0, or -1 when out
 * of memory. */
int dm_build_graph(const __u64 *sketches, size_t n, unsigned S, __u64 seed, const char *name,
		   struct dm_graph *g);

/* k-medoids (Voronoi iteration) over an n x n distance matrix: assign[i]
 * receives the cluster of point i, medoids[c] the point at the centre of
 * cluster c. Returns the total distance to the medoids. */
double dm_kmedoids(const double *dist, size_t n, unsigned k, __u64 *rng, size_t *assign,
		   size_t *medoids);
/* Mean silhouette of a clustering (points alone in their cluster count 0). */
double dm_silhouette(const double *dist, size_t n, unsigned k, const size_t *assign);

/* Writes the model to path (via path.tmp). Returns 0, or -1 with err. */
int dm_save(const struct dm_model *m, const char *path, char *err, size_t errlen);
/* Reads a model. Returns 0, or -1 with err (unreadable, not a model,
 * another format version, corrupt). */
int dm_load(const char *path, struct dm_model *m, char *err, size_t errlen);

/* Where a watched graph stands against one graph model. */
/* Where a watched graph may be in one training graph's evolution. Every
 * step the sketches so far can have reached is kept (a set, not one greedy
 * position): a sketch that fits both the current cluster and the next one
 * keeps both, so that a training graph always fits its own evolution, which
 * a greedy walk (stay while the current cluster fits) did not ensure.
 * Zeroed (calloc) is the start: before the first sketch, step 0. */
struct dm_fit {
	__u32 step;  /* the first step of the set: the current cluster, reported */
	bool broken; /* a sketch fitted no step of the set nor the one after */
	bool started;
	__u64 steps[DM_MAX_SKETCHES / 64]; /* the set, one bit per step */
};

/* The spreads of the graphs' leave-one-out scores (call once every graph's
 * loo_* is set). */
void dm_set_spreads(struct dm_model *m);
/* The threshold of a leave-one-out test: base (mean or max) + stds * std
 * (for novelty, at least the floor: see dm_novelty_threshold). */
double dm_spread_threshold(const struct dm_params *p, const struct dm_spread *s);
/* The novelty threshold: the spread's, but at least novelty_floor (when
 * no held-out training graph had a novel label, the spread is 0 and one
 * novel label would do). */
double dm_novelty_threshold(const struct dm_params *p, const struct dm_model *m);
/* Whether a training graph had label. */
bool dm_knows_label(const struct dm_model *m, __u64 label);
/* The distance of sketch to the nearest medoid of any graph but skip
 * (ngraphs or more: none skipped); 1 if there is none. *medoid (if
 * medoid) receives that medoid, or NULL. */
double dm_nearest(const struct dm_model *m, const __u64 *sketch, __u32 skip, const __u64 **medoid);

/* The threshold of cluster c under the model's parameters. */
double dm_threshold(const struct dm_params *p, const struct dm_cluster *c);
/* Scores one sketch against every graph model, moving fits[ngraphs]
 * along. Returns how many models still fit. *distance and *threshold
 * receive the distance to the nearest current cluster and its threshold
 * (among the models that fitted before this sketch, or all if none did). */
__u32 dm_fit_step(const struct dm_model *m, struct dm_fit *fits, const __u64 *sketch,
		  double *distance, double *threshold, __u32 *best_graph);

#endif /* SABPF_DETECT_MODEL_H */
