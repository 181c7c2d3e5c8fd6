/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* detect_wl.c: streaming Weisfeiler-Lehman labels (see detect_wl.h): a
 * vertex table, out-edge lists for propagation, and per (vertex, hop) the
 * count of each distinct neighbour key, so that a label moves in O(1) per
 * edge it touches. */
#include "detect_wl.h"

#include <stdlib.h>
#include <string.h>

#include "graph_cmd.h" /* view_map, view_reserve */

struct wl_vertex {
	struct sabpf_ref ref;
	__u64 label[WL_MAX_HOPS + 1];
	__u64 acc[WL_MAX_HOPS + 1];
	__u32 out_head; /* index + 1 into outs, 0: none */
	__u32 dirty;	/* bit h: in the worklist of hop h */
	bool in;	/* has an in-edge: its labels of hop >= 1 count */
};

struct wl_out {
	__u32 to;
	__u32 relation;
	__u32 next; /* index + 1, 0: end */
};

struct wl {
	unsigned hops;
	wl_label_fn fn;
	void *ctx;
	struct wl_vertex *v;
	size_t nv, cap_v;
	struct wl_out *outs;
	size_t nouts, cap_outs;
	struct view_map index;	/* (id, version) -> vertex index */
	struct view_map edges;	/* (from << 32 | to, relation) -> 1 */
	struct view_map counts; /* (vertex << 8 | hop, key) -> count */
	__u32 *work[WL_MAX_HOPS + 1];
	size_t nwork[WL_MAX_HOPS + 1], cap_work[WL_MAX_HOPS + 1];
};

__u64 wl_mix(__u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

__u64 wl_label0(__u16 kind, const char *name)
{
	__u64 h = wl_mix(0x5ab9f0000000ULL + kind);
	for (const unsigned char *s = (const unsigned char *)name; s && *s; s++)
		h = wl_mix(h ^ *s);
	return h;
}

__u64 wl_key(__u32 relation, __u64 label)
{
	return wl_mix(label ^ wl_mix(0x7e1a000000ULL + relation));
}

__u64 wl_combine(unsigned hop, __u64 own, __u64 acc)
{
	return wl_mix(wl_mix(own + hop) ^ (acc * 0x9e3779b97f4a7c15ULL));
}

struct wl *wl_new(unsigned hops, wl_label_fn fn, void *ctx)
{
	if (hops < 1 || hops > WL_MAX_HOPS)
		return NULL;
	struct wl *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->hops = hops;
	w->fn = fn;
	w->ctx = ctx;
	return w;
}

void wl_free(struct wl *w)
{
	if (!w)
		return;
	free(w->v);
	free(w->outs);
	view_map_free(&w->index);
	view_map_free(&w->edges);
	view_map_free(&w->counts);
	for (unsigned h = 0; h <= WL_MAX_HOPS; h++)
		free(w->work[h]);
	free(w);
}

/* A vertex's label of hop h >= 1 is handed on only once the vertex has an
 * in-edge: before that it is a function of the hop-0 label alone, the same
 * for every vertex of that kind and name, and counting it R more times for
 * every vertex made would weigh the labels of kinds alone far above what
 * the graph's structure says. It is still computed,
 * as the definition wants, for the labels it feeds. */
static void emit(struct wl *w, const struct wl_vertex *x, unsigned hop)
{
	if (w->fn && (hop == 0 || x->in))
		w->fn(w->ctx, x->label[hop], hop, &x->ref);
}

/* The vertex of ref, made with this hop-0 label if new; -1 when out of memory. */
static long vertex(struct wl *w, const struct sabpf_ref *ref, __u64 label0, bool *made)
{
	bool added;
	if (view_reserve(&w->v, &w->cap_v, w->nv + 1, sizeof(*w->v)) < 0)
		return -1;
	size_t *slot = view_map_put(&w->index, ref->id, ref->version, w->nv, &added);
	if (!slot)
		return -1;
	*made = added;
	if (!added)
		return (long)*slot;
	struct wl_vertex *x = &w->v[w->nv];
	memset(x, 0, sizeof(*x));
	x->ref = *ref;
	x->label[0] = label0;
	emit(w, x, 0);
	for (unsigned h = 1; h <= w->hops; h++) {
		x->label[h] = wl_combine(h, x->label[h - 1], 0);
		emit(w, x, h);
	}
	return (long)w->nv++;
}

static int mark(struct wl *w, __u32 vi, unsigned hop)
{
	struct wl_vertex *x = &w->v[vi];
	if (x->dirty & (1u << hop))
		return 0;
	if (view_reserve(&w->work[hop], &w->cap_work[hop], w->nwork[hop] + 1, sizeof(__u32)) < 0)
		return -1;
	x->dirty |= 1u << hop;
	w->work[hop][w->nwork[hop]++] = vi;
	return 0;
}

/* Adds delta (+1 or -1) to the count of key among the hop-`hop`
 * neighbour keys of vertex vi, keeping acc the sum of the distinct keys. */
static int count_key(struct wl *w, __u32 vi, unsigned hop, __u64 key, int delta)
{
	size_t *c = view_map_put(&w->counts, (__u64)vi << 8 | hop, key, 0, NULL);
	if (!c)
		return -1;
	if (delta > 0) {
		if ((*c)++ == 0)
			w->v[vi].acc[hop] += key;
	} else if (*c > 0 && --*c == 0) {
		w->v[vi].acc[hop] -= key;
	}
	return 0;
}

/* A label of vertex vi at hop `hop` moved from old: its own next hop and
 * its out-neighbours' next hop must be recomputed. */
static int moved(struct wl *w, __u32 vi, unsigned hop, __u64 old)
{
	if (hop >= w->hops)
		return 0;
	__u64 now = w->v[vi].label[hop];
	if (mark(w, vi, hop + 1) < 0)
		return -1;
	for (__u32 e = w->v[vi].out_head; e; e = w->outs[e - 1].next) {
		const struct wl_out *o = &w->outs[e - 1];
		if (count_key(w, o->to, hop + 1, wl_key(o->relation, old), -1) < 0 ||
		    count_key(w, o->to, hop + 1, wl_key(o->relation, now), +1) < 0 ||
		    mark(w, o->to, hop + 1) < 0)
			return -1;
	}
	return 0;
}

/* Recomputes the marked vertices, hop by hop, from hop `from`. */
static int propagate(struct wl *w, unsigned from)
{
	for (unsigned h = from; h <= w->hops; h++) {
		/* entries are only appended to later hops while this one runs */
		for (size_t i = 0; i < w->nwork[h]; i++) {
			__u32 vi = w->work[h][i];
			struct wl_vertex *x = &w->v[vi];
			x->dirty &= ~(1u << h);
			__u64 old = x->label[h];
			__u64 now = wl_combine(h, x->label[h - 1], x->acc[h]);
			if (now == old)
				continue;
			x->label[h] = now;
			emit(w, x, h);
			if (moved(w, vi, h, old) < 0)
				return -1;
		}
		w->nwork[h] = 0;
	}
	return 0;
}

int wl_node(struct wl *w, const struct sabpf_ref *v, const char *name)
{
	bool made;
	__u64 l0 = wl_label0(v->kind, name);
	long vi = vertex(w, v, l0, &made);
	if (vi < 0)
		return -1;
	struct wl_vertex *x = &w->v[vi];
	if (made || x->label[0] == l0)
		return 0;
	__u64 old = x->label[0];
	x->label[0] = l0;
	emit(w, x, 0);
	if (moved(w, (__u32)vi, 0, old) < 0)
		return -1;
	return propagate(w, 1);
}

int wl_edge(struct wl *w, const struct sabpf_ref *from, const struct sabpf_ref *to, __u32 relation)
{
	if (from->id == to->id && from->version == to->version)
		return 0;
	bool made;
	long fi = vertex(w, from, wl_label0(from->kind, NULL), &made);
	if (fi < 0)
		return -1;
	long ti = vertex(w, to, wl_label0(to->kind, NULL), &made);
	if (ti < 0)
		return -1;
	bool added;
	if (!view_map_put(&w->edges, (__u64)fi << 32 | (__u64)ti, relation, 1, &added))
		return -1;
	if (!added)
		return 0;
	if (view_reserve(&w->outs, &w->cap_outs, w->nouts + 1, sizeof(*w->outs)) < 0)
		return -1;
	w->outs[w->nouts] =
	    (struct wl_out){.to = (__u32)ti, .relation = relation, .next = w->v[fi].out_head};
	w->v[fi].out_head = (__u32)++w->nouts;
	w->v[ti].in = true;
	for (unsigned h = 1; h <= w->hops; h++)
		if (count_key(w, (__u32)ti, h, wl_key(relation, w->v[fi].label[h - 1]), +1) < 0 ||
		    mark(w, (__u32)ti, h) < 0)
			return -1;
	return propagate(w, 1);
}

__u64 wl_label(const struct wl *w, __u64 id, __u32 version, unsigned hop)
{
	size_t *vi = view_map_find(&w->index, id, version);
	if (!vi || hop > w->hops)
		return 0;
	return w->v[*vi].label[hop];
}

size_t wl_vertices(const struct wl *w)
{
	return w->nv;
}

size_t wl_edges(const struct wl *w)
{
	return w->nouts;
}
