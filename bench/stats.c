/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* stats.c: summarising repeated measurements and scaling iteration counts
 * for the microbenchmark (see stats.h). */
#include "stats.h"

#include <math.h> /* isfinite(), a macro: no libm needed */
#include <stdlib.h>

/* qsort comparator for doubles, ascending. */
static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	if (x < y)
		return -1;
	if (x > y)
		return 1;
	return 0;
}

double stats_median_sorted(const double *sorted, size_t n)
{
	if (n % 2 == 1)
		return sorted[n / 2];
	return (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
}

/* Square root of x >= 0 by Newton's method. stats.c avoids libm's sqrt()
 * so that the unit test, which includes this file, links without -lm.
 * Starting at or above the root, each step decreases r towards it; the loop
 * ends when a step no longer decreases r (the root, to the last bit). */
static double square_root(double x)
{
	double r = x > 1.0 ? x : 1.0;

	if (!(x > 0.0))
		return 0.0;
	for (int step = 0; step < 2000; step++) {
		double next = (r + x / r) / 2.0;

		if (next >= r)
			break;
		r = next;
	}
	return r;
}

/* True when every sample is a finite, non-negative number. */
static int samples_are_valid(const double *samples, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(samples[i]) || samples[i] < 0.0)
			return 0;
	}
	return 1;
}

int stats_summarize(double *samples, size_t n, struct bench_stats *out)
{
	double sum = 0.0, squares = 0.0;

	if (n == 0 || !samples_are_valid(samples, n))
		return -1;
	qsort(samples, n, sizeof(samples[0]), compare_doubles);

	for (size_t i = 0; i < n; i++)
		sum += samples[i];
	out->n = n;
	out->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++) {
		double d = samples[i] - out->mean;
		squares += d * d;
	}
	out->stddev = n > 1 ? square_root(squares / (double)(n - 1)) : 0.0;
	out->median = stats_median_sorted(samples, n);
	out->min = samples[0];
	out->max = samples[n - 1];
	return 0;
}

unsigned long stats_scale_iterations(unsigned long n, double elapsed_s, double target_s,
				     unsigned long max_n)
{
	double scaled;

	if (max_n == 0)
		max_n = 1;
	if (!(elapsed_s > 0.0))
		return max_n;
	scaled = (double)n * target_s / elapsed_s;
	if (!(scaled >= 1.0))
		return 1;
	if (scaled >= (double)max_n)
		return max_n;
	return (unsigned long)(scaled + 0.5);
}
