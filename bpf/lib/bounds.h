/* SPDX-License-Identifier: GPL-2.0 */
/* lib/bounds.h: what the verifier needs to accept an index or a pointer
 * as a number: a length masked behind a compiler barrier (bounded) and a
 * kernel pointer laundered into a plain value (as_value). */
#ifndef SABPF_LIB_BOUNDS_H
#define SABPF_LIB_BOUNDS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* Bounds a length for the verifier: v & mask, with a compiler barrier so
 * clang cannot drop the mask when it believes v is already in range (the
 * verifier may not know it). */
static __always_inline __u32 bounded(__u32 v, __u32 mask)
{
	asm volatile("" : "+r"(v));
	return v & mask;
}

/* A kernel pointer as a plain number: the verifier forbids arithmetic
 * and mixing on typed pointers, so they are laundered through memory. */
static __always_inline __u64 as_value(const void *ptr)
{
	__u64 value = 0;
	bpf_probe_read_kernel(&value, sizeof(value), &ptr);
	return value;
}

#endif /* SABPF_LIB_BOUNDS_H */
