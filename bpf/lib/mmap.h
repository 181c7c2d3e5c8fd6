/* SPDX-License-Identifier: GPL-2.0 */
/* lib/mmap.h: the edges of a file mapped into a task (mmap), for both
 * backends: the LSM backend's mmap_file and file_mprotect hooks and the
 * trace backend's mmap exit write the same relations. */
#ifndef SABPF_LIB_MMAP_H
#define SABPF_LIB_MMAP_H

#include "lib/node.h"

/* The map is shared with the file (MAP_SHARED or MAP_SHARED_VALIDATE), so
 * that writes reach it, rather than a private copy (MAP_PRIVATE). */
static __always_inline int map_is_shared(unsigned long flags)
{
	unsigned long type = flags & MAP_TYPE;
	return type == MAP_SHARED || type == MAP_SHARED_VALIDATE;
}

/* The edges of a file mapped into the task. Shared maps: mmap_exec or
 * mmap_read from the file, and mmap_write to it when writable. Private
 * maps only ever take from the file: one edge, mmap_exec_private,
 * mmap_write_private (a writable private copy) or mmap_read_private. */
static __always_inline void map_edges(struct prov_task *ts, struct prov_inode *is,
				      unsigned long prot, int shared, __u64 arg, __u64 container)
{
	if (shared) {
		if (prot & PROT_EXEC) {
			edge_write(SABPF_REL_MMAP_EXEC, &is->node, &ts->node, arg, container);
		} else {
			edge_write(SABPF_REL_MMAP_READ, &is->node, &ts->node, arg, container);
			if (prot & PROT_WRITE)
				edge_write(SABPF_REL_MMAP_WRITE, &ts->node, &is->node, arg,
					   container);
		}
		return;
	}
	__u32 relation = (prot & PROT_EXEC)    ? SABPF_REL_MMAP_EXEC_PRIVATE
			 : (prot & PROT_WRITE) ? SABPF_REL_MMAP_WRITE_PRIVATE
					       : SABPF_REL_MMAP_READ_PRIVATE;
	edge_write(relation, &is->node, &ts->node, arg, container);
}

#endif
