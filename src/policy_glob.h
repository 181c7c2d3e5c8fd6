/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* policy_glob.h: compiles a policy path glob (validated by src/policy_parse.c)
 * into the token form the kernel matcher reads (include/sabpf_glob.h). */
#ifndef SABPF_POLICY_GLOB_H
#define SABPF_POLICY_GLOB_H

#include <stdbool.h>
#include <stddef.h>

#include "sabpf_policy.h"

/* Compiles glob (without its final "/" "**", given as recursive) into *out.
 * Returns 0, or -1 with what is wrong in err. */
int policy_glob_compile(const char *glob, bool recursive, struct pol_glob *out, char *err,
			size_t errlen);

/* Runs the kernel's matcher (include/sabpf_glob.h) to its end in user space:
 * the same code, for tests and for `policy test`. */
bool policy_glob_run(const struct pol_glob *g, const char *path);

#endif
