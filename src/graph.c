/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* graph.c: the node table (see graph.h): a chained hash table keyed by node
 * id, a doubly linked list in least-recently-used order for eviction, and a
 * free list of entries allocated in blocks. */
#include "graph.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK_ENTRIES 1024

struct block {
	struct block *next;
	struct gnode entries[BLOCK_ENTRIES];
};

struct graph {
	struct gnode **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
	size_t cap;
	__u64 evictions;
	struct gnode *lru_head; /* most recently used */
	struct gnode *lru_tail; /* least recently used */
	struct gnode *free_list;
	struct block *blocks;
};

static size_t bucket_of(const struct graph *g, __u64 id)
{
	/* Ids are a CPU number over a counter: mix so both parts spread. */
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return (size_t)id & (g->nbuckets - 1);
}

struct graph *graph_new(size_t cap)
{
	struct graph *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->cap = cap < 16 ? 16 : cap;
	g->nbuckets = 1024;
	while (g->nbuckets < g->cap && g->nbuckets < ((size_t)1 << 24))
		g->nbuckets *= 2;
	g->buckets = calloc(g->nbuckets, sizeof(*g->buckets));
	if (!g->buckets) {
		free(g);
		return NULL;
	}
	return g;
}

void graph_free(struct graph *g)
{
	if (!g)
		return;
	for (struct gnode *n = g->lru_head; n; n = n->lru_next)
		free(n->text);
	for (struct gnode *n = g->free_list; n; n = n->hash_next)
		free(n->text);
	struct block *b = g->blocks;
	while (b) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
	free(g->buckets);
	free(g);
}

static void lru_unlink(struct graph *g, struct gnode *n)
{
	if (n->lru_prev)
		n->lru_prev->lru_next = n->lru_next;
	else
		g->lru_head = n->lru_next;
	if (n->lru_next)
		n->lru_next->lru_prev = n->lru_prev;
	else
		g->lru_tail = n->lru_prev;
	n->lru_prev = n->lru_next = NULL;
}

static void lru_push_front(struct graph *g, struct gnode *n)
{
	n->lru_prev = NULL;
	n->lru_next = g->lru_head;
	if (g->lru_head)
		g->lru_head->lru_prev = n;
	g->lru_head = n;
	if (!g->lru_tail)
		g->lru_tail = n;
}

struct gnode *graph_lookup(struct graph *g, __u64 id)
{
	for (struct gnode *n = g->buckets[bucket_of(g, id)]; n; n = n->hash_next) {
		if (n->id == id) {
			if (g->lru_head != n) {
				lru_unlink(g, n);
				lru_push_front(g, n);
			}
			return n;
		}
	}
	return NULL;
}

/* Takes n out of the table and puts it on the free list (its text buffer
 * is kept for reuse). */
static void release(struct graph *g, struct gnode *n)
{
	struct gnode **pp = &g->buckets[bucket_of(g, n->id)];
	while (*pp && *pp != n)
		pp = &(*pp)->hash_next;
	if (*pp)
		*pp = n->hash_next;
	lru_unlink(g, n);
	n->hash_next = g->free_list;
	g->free_list = n;
	g->count--;
}

static bool grow_free_list(struct graph *g)
{
	struct block *b = calloc(1, sizeof(*b));
	if (!b)
		return false;
	b->next = g->blocks;
	g->blocks = b;
	for (size_t i = 0; i < BLOCK_ENTRIES; i++) {
		b->entries[i].hash_next = g->free_list;
		g->free_list = &b->entries[i];
	}
	return true;
}

struct gnode *graph_get(struct graph *g, __u64 id, __u16 kind)
{
	struct gnode *n = graph_lookup(g, id);
	if (n)
		return n;
	if (g->count >= g->cap && g->lru_tail) {
		release(g, g->lru_tail);
		g->evictions++;
	}
	if (!g->free_list && !grow_free_list(g))
		return NULL;
	n = g->free_list;
	g->free_list = n->hash_next;

	char *text = n->text;
	size_t text_cap = n->text_cap;
	memset(n, 0, sizeof(*n));
	n->text = text; /* recycled buffer, emptied below */
	n->text_cap = text_cap;
	if (n->text)
		n->text[0] = '\0';
	n->id = id;
	n->kind = kind;

	size_t b = bucket_of(g, id);
	n->hash_next = g->buckets[b];
	g->buckets[b] = n;
	lru_push_front(g, n);
	g->count++;
	return n;
}

void graph_remove(struct graph *g, __u64 id)
{
	struct gnode *n = graph_lookup(g, id);
	if (n)
		release(g, n);
}

size_t graph_count(const struct graph *g)
{
	return g->count;
}

__u64 graph_evictions(const struct graph *g)
{
	return g->evictions;
}

int gnode_set_text(struct gnode *n, const char *s, size_t len)
{
	if (len + 1 > n->text_cap) {
		size_t cap = len + 1 < 64 ? 64 : len + 1;
		char *t = realloc(n->text, cap);
		if (!t)
			return -1;
		n->text = t;
		n->text_cap = cap;
	}
	memcpy(n->text, s, len);
	n->text[len] = '\0';
	n->text_len = len;
	return 0;
}
