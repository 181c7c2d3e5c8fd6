/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* sabpf_glob.h: the path-glob matcher of the policy programs, one step at a
 * time, so that the kernel runs it inside bpf_loop and the unit tests run the
 * very same code in user space against fnmatch(3) (tests/unit/test_glob.c).
 *
 * A glob is first compiled (src/policy_glob.c) into tokens: a literal byte,
 * GLOB_ANY ('?'), GLOB_STAR ('*') or GLOB_SET0 + k (the k-th [...] set, a
 * 256-bit bitmap). The semantics are fnmatch's with FNM_PATHNAME: '*', '?'
 * and sets never match '/'; a glob compiled from DIR + "/" "**" (recursive) also
 * matches every path below DIR. Matching is the classic greedy scan that
 * backtracks to the last '*': linear in the path per star, no recursion. */
#ifndef SABPF_GLOB_H
#define SABPF_GLOB_H

#include "sabpf_policy.h"

#define GLOB_END 0
#define GLOB_ANY 1
#define GLOB_STAR 2
#define GLOB_SET0 3 /* GLOB_SET0 .. GLOB_SET0 + POL_GLOB_SETS - 1 */
#define GLOB_LITERAL_MIN (GLOB_SET0 + POL_GLOB_SETS) /* bytes below are sets */

#define GLOB_PATH_MAX 4096 /* the path buffer the matcher reads (a power of 2) */

enum glob_result { GLOB_RUNNING = 0, GLOB_MATCH = 1, GLOB_NO_MATCH = 2 };

/* Where a match stands: pattern and path positions, and the last star. */
struct glob_run {
	__u32 p, s;
	__u32 star_p, star_s;
	__u32 has_star;
};

static inline void glob_run_reset(struct glob_run *r)
{
	r->p = 0;
	r->s = 0;
	r->star_p = 0;
	r->star_s = 0;
	r->has_star = 0;
}

/* v & mask, with a compiler barrier so that clang keeps the mask the BPF
 * verifier needs to see even where it believes v is in range. */
static inline __u32 glob_bound(__u32 v, __u32 mask)
{
	asm volatile("" : "+r"(v));
	return v & mask;
}

/* Whether byte c is in set k of g. */
static inline int glob_set_has(const struct pol_glob *g, __u32 k, __u8 c)
{
	return (g->sets[glob_bound(k, POL_GLOB_SETS - 1)][glob_bound(c >> 3, 31)] >> (c & 7)) & 1;
}

/* One step of matching path (NUL-terminated, in a GLOB_PATH_MAX buffer)
 * against g. Returns GLOB_RUNNING until it knows the answer. */
static inline int glob_step(const struct pol_glob *g, const char *path, struct glob_run *r)
{
	__u8 t = g->tok[glob_bound(r->p, POL_GLOB_MAX - 1)];
	__u8 c = (__u8)path[glob_bound(r->s, GLOB_PATH_MAX - 1)];

	if (r->p >= POL_GLOB_MAX || r->s >= GLOB_PATH_MAX - 1)
		return GLOB_NO_MATCH;
	if (t == GLOB_STAR) {
		r->p++;
		r->star_p = r->p;
		r->star_s = r->s;
		r->has_star = 1;
		return GLOB_RUNNING;
	}
	if (t == GLOB_END) {
		/* recursive: the glob named a directory, and more of the path follows */
		if (!g->recursive && c == 0)
			return GLOB_MATCH;
		if (g->recursive && c == '/' && path[glob_bound(r->s + 1, GLOB_PATH_MAX - 1)] != 0)
			return GLOB_MATCH;
	} else if (c != 0 && c != '/') {
		int ok;
		if (t == GLOB_ANY)
			ok = 1;
		else if (t < GLOB_LITERAL_MIN)
			ok = glob_set_has(g, t - GLOB_SET0, c);
		else
			ok = c == t;
		if (ok) {
			r->p++;
			r->s++;
			return GLOB_RUNNING;
		}
	} else if (c == '/' && t == '/') {
		r->p++;
		r->s++;
		return GLOB_RUNNING;
	}
	/* a mismatch: let the last star absorb one more byte, if it can */
	if (!r->has_star)
		return GLOB_NO_MATCH;
	c = (__u8)path[glob_bound(r->star_s, GLOB_PATH_MAX - 1)];
	if (c == 0 || c == '/')
		return GLOB_NO_MATCH;
	r->star_s++;
	r->s = r->star_s;
	r->p = r->star_p;
	return GLOB_RUNNING;
}

#endif /* SABPF_GLOB_H */
