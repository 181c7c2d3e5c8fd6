/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_bench_stats.c: unit tests of the microbenchmark's pure helpers:
 * statistics (bench/stats.c), iteration scaling and command-line parsing
 * (bench/options.c). The bench sources are not part of the agent library,
 * so they are included here directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "../../bench/options.c"
#include "../../bench/stats.c"

static void test_median_of_odd_count_is_middle_value(void **state)
{
	double sorted[] = {1.0, 2.0, 10.0};

	(void)state;
	assert_true(stats_median_sorted(sorted, 3) == 2.0);
}

static void test_median_of_even_count_is_mean_of_middle_pair(void **state)
{
	double sorted[] = {1.0, 2.0, 4.0, 100.0};

	(void)state;
	assert_true(stats_median_sorted(sorted, 4) == 3.0);
}

static void test_summarize_sorts_and_fills_every_field(void **state)
{
	double samples[] = {4.0, 2.0, 9.0, 5.0, 4.0, 7.0, 5.0, 4.0};
	struct bench_stats s;

	(void)state;
	assert_int_equal(stats_summarize(samples, 8, &s), 0);
	assert_int_equal(s.n, 8);
	/* sorted: 2 4 4 4 5 5 7 9 */
	assert_true(samples[0] == 2.0 && samples[7] == 9.0 && samples[3] == 4.0);
	assert_true(s.median == 4.5);
	assert_true(s.mean == 5.0);
	assert_true(s.min == 2.0);
	assert_true(s.max == 9.0);
	/* sum of squared deviations is 32; sample variance 32 / 7 */
	assert_true(fabs(s.stddev - 2.138089935299395) < 1e-12);
}

/* Values checked against Python's statistics.stdev. */
static void test_stddev_matches_reference_values(void **state)
{
	double close_pair[] = {1e6 + 2.0, 1e6};
	double wide[] = {123456.0, 0.001, 5000.0};
	double equal[] = {7.5, 7.5, 7.5};
	struct bench_stats s;

	(void)state;
	assert_int_equal(stats_summarize(close_pair, 2, &s), 0);
	assert_true(fabs(s.stddev - 1.4142135623730951) < 1e-9);
	assert_int_equal(stats_summarize(wide, 3, &s), 0);
	assert_true(fabs(s.stddev - 69878.71351502306) < 1e-6);
	assert_true(s.median == 5000.0);
	assert_int_equal(stats_summarize(equal, 3, &s), 0);
	assert_true(s.stddev == 0.0);
}

static void test_summarize_single_sample_has_zero_stddev(void **state)
{
	double samples[] = {3.25};
	struct bench_stats s;

	(void)state;
	assert_int_equal(stats_summarize(samples, 1, &s), 0);
	assert_true(s.median == 3.25 && s.mean == 3.25 && s.min == 3.25 && s.max == 3.25);
	assert_true(s.stddev == 0.0);
}

static void test_summarize_rejects_empty_and_invalid_samples(void **state)
{
	double negative[] = {1.0, -0.5};
	double not_a_number[] = {1.0, NAN};
	double infinite[] = {INFINITY};
	struct bench_stats s = {.n = 42};

	(void)state;
	assert_int_equal(stats_summarize(negative, 0, &s), -1);
	assert_int_equal(stats_summarize(negative, 2, &s), -1);
	assert_int_equal(stats_summarize(not_a_number, 2, &s), -1);
	assert_int_equal(stats_summarize(infinite, 1, &s), -1);
	assert_int_equal(s.n, 42); /* untouched on failure */
}

static void test_scale_iterations_is_linear_and_rounded(void **state)
{
	(void)state;
	/* 100 iterations took 0.01 s: 1 s needs 10000 */
	assert_int_equal(stats_scale_iterations(100, 0.01, 1.0, 1000000), 10000);
	/* 3 took 0.2 s: 0.1 s needs 1.5, rounded to 2 */
	assert_int_equal(stats_scale_iterations(3, 0.2, 0.1, 1000), 2);
}

static void test_scale_iterations_clamps_to_range(void **state)
{
	(void)state;
	assert_int_equal(stats_scale_iterations(1, 10.0, 0.1, 1000), 1);
	assert_int_equal(stats_scale_iterations(1000, 0.001, 10.0, 5000), 5000);
	/* a clock that saw no time at all */
	assert_int_equal(stats_scale_iterations(8, 0.0, 1.0, 777), 777);
	assert_int_equal(stats_scale_iterations(8, -1.0, 1.0, 777), 777);
}

static void test_parse_count_accepts_range(void **state)
{
	unsigned long v = 0;
	char err[256];

	(void)state;
	assert_int_equal(parse_count("--iterations", "250", 1, 1000, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 250);
	assert_int_equal(parse_count("--cpu", "0", 0, 3, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 0);
}

static void test_parse_count_rejects_bad_text_with_message(void **state)
{
	unsigned long v = 99;
	char err[256];

	(void)state;
	assert_int_equal(parse_count("--iterations", "", 1, 10, &v, err, sizeof(err)), -1);
	assert_int_equal(parse_count("--iterations", "-3", 1, 10, &v, err, sizeof(err)), -1);
	assert_int_equal(parse_count("--iterations", " 3", 1, 10, &v, err, sizeof(err)), -1);
	assert_int_equal(parse_count("--iterations", "3x", 1, 10, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "--iterations '3x': expected a whole number");
	assert_int_equal(parse_count("--iterations", "0", 1, 10, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "--iterations '0': must be between 1 and 10");
	assert_int_equal(parse_count("--iterations", "11", 1, 10, &v, err, sizeof(err)), -1);
	assert_int_equal(
	    parse_count("--iterations", "99999999999999999999999", 1, 10, &v, err, sizeof(err)),
	    -1);
	assert_int_equal(v, 99);
}

static void test_parse_seconds(void **state)
{
	double v = -1.0;
	char err[256];

	(void)state;
	assert_int_equal(parse_seconds("--seconds", "0.25", 10, &v, err, sizeof(err)), 0);
	assert_true(v == 0.25);
	assert_int_equal(parse_seconds("--seconds", "0", 10, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "--seconds '0': must be more than 0 and at most 10 seconds");
	assert_int_equal(parse_seconds("--seconds", "11", 10, &v, err, sizeof(err)), -1);
	assert_int_equal(parse_seconds("--seconds", "nan", 10, &v, err, sizeof(err)), -1);
	assert_int_equal(parse_seconds("--seconds", "1s", 10, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "--seconds '1s': expected a number of seconds, e.g. 0.5");
	assert_int_equal(parse_seconds("--seconds", "", 10, &v, err, sizeof(err)), -1);
	assert_true(v == 0.25);
}

static const char *const ROW_NAMES[] = {"null", "stat", "open/close", "fork+exec"};

static void test_parse_row_list_keeps_order(void **state)
{
	size_t selected[4], n = 0;
	char err[256];

	(void)state;
	assert_int_equal(parse_row_list("fork+exec,null,open/close", ROW_NAMES, 4, selected, &n,
					err, sizeof(err)),
			 0);
	assert_int_equal(n, 3);
	assert_int_equal(selected[0], 3);
	assert_int_equal(selected[1], 0);
	assert_int_equal(selected[2], 2);
	assert_int_equal(parse_row_list("stat", ROW_NAMES, 4, selected, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(selected[0], 1);
}

static void test_parse_row_list_rejects_bad_lists(void **state)
{
	size_t selected[4], n = 7;
	char err[256];

	(void)state;
	assert_int_equal(parse_row_list("null,nul", ROW_NAMES, 4, selected, &n, err, sizeof(err)),
			 -1);
	assert_string_equal(err,
			    "--rows 'null,nul': unknown row 'nul' (see --list for the row names)");
	/* a prefix of a real name is not that name */
	assert_int_equal(parse_row_list("open", ROW_NAMES, 4, selected, &n, err, sizeof(err)), -1);
	assert_int_equal(parse_row_list("null,,stat", ROW_NAMES, 4, selected, &n, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "--rows 'null,,stat': empty row name (stray comma?)");
	assert_int_equal(parse_row_list("stat,", ROW_NAMES, 4, selected, &n, err, sizeof(err)), -1);
	assert_int_equal(parse_row_list("", ROW_NAMES, 4, selected, &n, err, sizeof(err)), -1);
	assert_int_equal(
	    parse_row_list("stat,null,stat", ROW_NAMES, 4, selected, &n, err, sizeof(err)), -1);
	assert_string_equal(err, "--rows 'stat,null,stat': row 'stat' is listed twice");
	assert_int_equal(n, 7); /* untouched on failure */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_median_of_odd_count_is_middle_value),
	    cmocka_unit_test(test_median_of_even_count_is_mean_of_middle_pair),
	    cmocka_unit_test(test_summarize_sorts_and_fills_every_field),
	    cmocka_unit_test(test_stddev_matches_reference_values),
	    cmocka_unit_test(test_summarize_single_sample_has_zero_stddev),
	    cmocka_unit_test(test_summarize_rejects_empty_and_invalid_samples),
	    cmocka_unit_test(test_scale_iterations_is_linear_and_rounded),
	    cmocka_unit_test(test_scale_iterations_clamps_to_range),
	    cmocka_unit_test(test_parse_count_accepts_range),
	    cmocka_unit_test(test_parse_count_rejects_bad_text_with_message),
	    cmocka_unit_test(test_parse_seconds),
	    cmocka_unit_test(test_parse_row_list_keeps_order),
	    cmocka_unit_test(test_parse_row_list_rejects_bad_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
