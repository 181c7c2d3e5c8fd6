/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* view_map.c: a small open-addressing hash map from a pair of 64-bit keys
 * to a value, and a growing-array helper, shared by the views (`sabpf
 * graph`, the detector, lineage) for their indexes (view_map.h). */
#include "view_map.h"

#include <stdlib.h>

struct view_map_slot {
	__u64 a, b;
	size_t value;
	bool used;
};

static size_t slot_of(__u64 a, __u64 b, size_t cap)
{
	__u64 h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL) * 0xff51afd7ed558ccdULL;
	h ^= h >> 29;
	return (size_t)h & (cap - 1);
}

size_t *view_map_find(const struct view_map *m, __u64 a, __u64 b)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot_of(a, b, m->cap);; i = (i + 1) & (m->cap - 1)) {
		struct view_map_slot *s = &m->slots[i];
		if (!s->used)
			return NULL;
		if (s->a == a && s->b == b)
			return &s->value;
	}
}

/* Doubles the table (or makes the first one). */
static int map_grow(struct view_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 8;
	struct view_map_slot *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		struct view_map_slot *s = &m->slots[i];
		if (!s->used)
			continue;
		size_t j = slot_of(s->a, s->b, cap);
		while (slots[j].used)
			j = (j + 1) & (cap - 1);
		slots[j] = *s;
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

size_t *view_map_put(struct view_map *m, __u64 a, __u64 b, size_t value, bool *added)
{
	size_t *found = view_map_find(m, a, b);
	if (added)
		*added = !found;
	if (found)
		return found;
	if ((m->count + 1) * 4 > m->cap * 3 && map_grow(m) < 0) /* keep it under 3/4 full */
		return NULL;
	size_t i = slot_of(a, b, m->cap);
	while (m->slots[i].used)
		i = (i + 1) & (m->cap - 1);
	m->slots[i] = (struct view_map_slot){.a = a, .b = b, .value = value, .used = true};
	m->count++;
	return &m->slots[i].value;
}

void view_map_free(struct view_map *m)
{
	free(m->slots);
	*m = (struct view_map){0};
}

int view_reserve(void *array, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void **p = array;
	void *grown = realloc(*p, n * size);
	if (!grown)
		return -1;
	*p = grown;
	*cap = n;
	return 0;
}
