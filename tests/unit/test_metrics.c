/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_metrics.c: unit tests of the Prometheus text format writer of
 * metrics.c: HELP/TYPE lines, samples with and without labels, label values
 * escaped as the exposition format requires (backslash, double quote,
 * newline), integral counters printed exactly, and address parsing errors
 * of metrics_start (a malformed ADDR:PORT is refused with the expected form
 * named). The HTTP side is tested natively (tests/native/scenarios). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

/* Runs fn on a memory stream and returns what it wrote (malloc'd). */
static char *capture(void (*fn)(FILE *f))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	fn(f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void write_family(FILE *f)
{
	metrics_family(f, "sabpf_x_total", "counter", "Things counted.");
}

static void test_family(void **state)
{
	(void)state;
	char *s = capture(write_family);
	assert_string_equal(s, "# HELP sabpf_x_total Things counted.\n"
			       "# TYPE sabpf_x_total counter\n");
	free(s);
}

static void write_plain(FILE *f)
{
	metrics_sample(f, "sabpf_records_total", NULL, 9007199254740992.0); /* 2^53 */
	metrics_sample(f, "sabpf_ratio", (const char *[]){NULL}, 0.5);
}

static void test_sample_plain(void **state)
{
	(void)state;
	char *s = capture(write_plain);
	assert_string_equal(s, "sabpf_records_total 9007199254740992\nsabpf_ratio 0.5\n");
	free(s);
}

static void write_labels(FILE *f)
{
	metrics_sample(f, "m", (const char *[]){"a", "x", "b", "say \"hi\"\\\n", NULL}, 3);
}

static void test_sample_labels_escaped(void **state)
{
	(void)state;
	char *s = capture(write_labels);
	assert_string_equal(s, "m{a=\"x\",b=\"say \\\"hi\\\"\\\\\\n\"} 3\n");
	/* negative control: the unescaped form must not be what is written */
	assert_null(strstr(s, "\"say \"hi\""));
	free(s);
}

static void test_bad_addresses(void **state)
{
	(void)state;
	const char *bad[] = {"9464",	     "localhost:9464", "127.0.0.1:", "127.0.0.1:70000",
			     "127.0.0.1:9x", "[::1:9464",      ":9464",	     "300.1.1.1:80"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sabpf_metrics *m = NULL;
		char err[256] = "";
		assert_int_equal(metrics_start(bad[i], &m, err, sizeof(err)), -1);
		assert_null(m);
		assert_non_null(strstr(err, bad[i]));
		assert_non_null(strstr(err, "expected ADDR:PORT"));
	}
}

static void test_listen_any_port(void **state)
{
	(void)state;
	struct sabpf_metrics *m = NULL;
	char err[256] = "";
	assert_int_equal(metrics_start("127.0.0.1:0", &m, err, sizeof(err)), 0);
	const char *a = metrics_address(m);
	assert_int_equal(strncmp(a, "http://127.0.0.1:", 17), 0);
	assert_in_range(atoi(a + 17), 1, 65535);
	/* the same port again is in use: a specific error, not a crash */
	char again[64];
	snprintf(again, sizeof(again), "127.0.0.1:%s", a + 17);
	struct sabpf_metrics *m2 = NULL;
	assert_int_equal(metrics_start(again, &m2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot listen there"));
	metrics_stop(m);
	metrics_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_family),
	    cmocka_unit_test(test_sample_plain),
	    cmocka_unit_test(test_sample_labels_escaped),
	    cmocka_unit_test(test_bad_addresses),
	    cmocka_unit_test(test_listen_any_port),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
