/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* stats.h: the arithmetic of the microbenchmark: summarising repeated
 * measurements (median, mean, standard deviation, range) and choosing how
 * many iterations fill a time budget. Pure functions, unit-tested by
 * tests/unit/test_bench_stats.c. */
#ifndef SABPF_BENCH_STATS_H
#define SABPF_BENCH_STATS_H

#include <stddef.h>

/* Summary of n samples (microseconds per operation, one per repetition). */
struct bench_stats {
	size_t n;
	double median;
	double mean;
	double stddev; /* sample standard deviation (n - 1); 0 when n == 1 */
	double min;
	double max;
};

/* Sorts samples in place (ascending) and fills out. Returns 0, or -1 when
 * n is 0 or a sample is negative, infinite or NaN (out is then untouched). */
int stats_summarize(double *samples, size_t n, struct bench_stats *out);

/* Median of an ascending array of n > 0 values: the middle value, or the
 * mean of the two middle values when n is even. */
double stats_median_sorted(const double *sorted, size_t n);

/* How many iterations should take target_s seconds, when n iterations took
 * elapsed_s seconds. The result is clamped to [1, max_n]; a zero or
 * negative elapsed_s (a clock too coarse to see the batch) gives max_n. */
unsigned long stats_scale_iterations(unsigned long n, double elapsed_s, double target_s,
				     unsigned long max_n);

#endif /* SABPF_BENCH_STATS_H */
