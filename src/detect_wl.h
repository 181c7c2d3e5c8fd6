/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* detect_wl.h: streaming Weisfeiler-Lehman labels over a provenance graph,
 * the first stage of the detector (docs/detection.md).
 *
 * The graph is the provenance graph as recorded: one vertex per node
 * version (id, version), so that what a long-lived process did long ago is
 * in its old versions and a change stays within R hops of where it
 * happened, and one edge per distinct (from, relation, to). A vertex v has
 * a label per hop h = 0..R:
 *
 *   L0(v) = wl_label0(kind, name)        name: a task's comm, when names are on
 *   Lh(v) = wl_combine(h, Lh-1(v), acc)  acc: the sum over the DISTINCT keys
 *                                        wl_key(rel, Lh-1(u)) of v's in-edges
 *
 * so a label describes the R-hop in-neighbourhood (what flowed into v, by
 * which relation, from what) as a set: a task reading one file a thousand
 * times, or a server accepting many alike connections, keeps its label.
 * Edges are streamed: a new edge, or a task's new name, recomputes only the
 * vertices whose labels it can change (the target, then hop by hop the
 * out-neighbours of every vertex whose label changed), in time
 * proportional to the labels that change, not to the graph.
 *
 * Every label a vertex takes (at its creation its hop-0 label; the labels
 * of hops 1..R once it has an in-edge; and every change) is handed to a
 * callback: the detector counts them in its
 * histogram (detect_sketch.h). */
#ifndef SABPF_DETECT_WL_H
#define SABPF_DETECT_WL_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "sabpf_record.h"

#define WL_MAX_HOPS 5

/* label: the new label; hop: its hop; v: the vertex (id, version, kind). */
typedef void (*wl_label_fn)(void *ctx, __u64 label, unsigned hop, const struct sabpf_ref *v);

struct wl;

/* hops: R, 1..WL_MAX_HOPS. NULL on allocation failure or a bad R. */
struct wl *wl_new(unsigned hops, wl_label_fn fn, void *ctx);
void wl_free(struct wl *w);
/* The vertex v (its kind from v), with this name (NULL or "": none), made
 * if new; a changed name relabels it and what it reaches. Returns 0, or -1
 * when out of memory. */
int wl_node(struct wl *w, const struct sabpf_ref *v, const char *name);
/* An edge from -> to (vertices made if new, without a name). Self loops
 * and repeated edges change nothing. Returns 0, or -1 when out of memory. */
int wl_edge(struct wl *w, const struct sabpf_ref *from, const struct sabpf_ref *to, __u32 relation);
/* The label of vertex (id, version) at a hop, or 0 if there is none. */
__u64 wl_label(const struct wl *w, __u64 id, __u32 version, unsigned hop);
size_t wl_vertices(const struct wl *w);
size_t wl_edges(const struct wl *w);

/* The label functions, exposed so that the tests can compute labels by
 * hand from the definition above. */
__u64 wl_label0(__u16 kind, const char *name);
__u64 wl_key(__u32 relation, __u64 label);
__u64 wl_combine(unsigned hop, __u64 own, __u64 acc);
/* A 64-bit mixing function (splitmix64's finaliser), shared by the
 * detector's files. */
__u64 wl_mix(__u64 x);

#endif /* SABPF_DETECT_WL_H */
