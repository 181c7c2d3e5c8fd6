/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* options.h: parsing the microbenchmark's command-line values (counts,
 * durations, the --rows list) with specific error messages. Pure functions,
 * unit-tested by tests/unit/test_bench_stats.c. */
#ifndef SABPF_BENCH_OPTIONS_H
#define SABPF_BENCH_OPTIONS_H

#include <stddef.h>

/* Parses a decimal integer in [min, max] (no sign, no trailing characters).
 * Returns 0, or -1 with a message naming option and text in err. */
int parse_count(const char *option, const char *text, unsigned long min, unsigned long max,
		unsigned long *out, char *err, size_t errlen);

/* Parses a finite number of seconds in (0, max]. Returns 0, or -1 with err. */
int parse_seconds(const char *option, const char *text, double max, double *out, char *err,
		  size_t errlen);

/* Parses a comma-separated list of row names, each one of names[0..n_names),
 * each at most once. selected receives indexes into names, in list order
 * (it must hold n_names entries). Returns 0, or -1 with err (unknown name,
 * empty element, repeated name). */
int parse_row_list(const char *list, const char *const *names, size_t n_names, size_t *selected,
		   size_t *n_selected, char *err, size_t errlen);

#endif /* SABPF_BENCH_OPTIONS_H */
