/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* view_map.h: a hash map from a pair of 64-bit keys to a value, and a
 * growing-array helper, for the views' indexes (view_map.c). */
#ifndef SABPF_VIEW_MAP_H
#define SABPF_VIEW_MAP_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

struct view_map_slot;

/* A small open-addressing hash map from a pair of 64-bit keys to a value,
 * shared by the views for their indexes. Zero-initialise before use. */
struct view_map {
	struct view_map_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t count;
};

/* The value stored for (a, b), or NULL. */
size_t *view_map_find(const struct view_map *m, __u64 a, __u64 b);
/* The value for (a, b), set to `value` first if absent (*added says
 * which). NULL on allocation failure. */
size_t *view_map_put(struct view_map *m, __u64 a, __u64 b, size_t value, bool *added);
void view_map_free(struct view_map *m);

/* Makes room for `need` elements of `size` bytes in *array (capacity in
 * *cap, doubled as needed). Returns 0, or -1 on allocation failure. */
int view_reserve(void *array, size_t *cap, size_t need, size_t size);

#endif
