/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_kafka.c: unit tests of the Kafka sink's parts that need no broker:
 * the spec parser (kafka.c: BROKERS/TOPIC and options, bad specs refused
 * with a message naming the fault) and the on-disk spool (spool.c: first in
 * first out, the bound, the front kept across a reopen, a torn last entry
 * cut off, a damaged entry set aside, entries put back before the front).
 * The sink against a broker is tested by tests/native/scenarios/50-kafka.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kafka.h"
#include "spool.h"

static void test_spec(void **state)
{
	struct kafka_spec s;
	char err[512] = "";
	(void)state;
	assert_int_equal(kafka_spec_parse("h1:9092,h2:9092/audit,format=raw,spool=/x,spool.size=2M,"
					  "compression.codec=lz4,node=n1",
					  &s, err, sizeof(err)),
			 0);
	assert_string_equal(s.brokers, "h1:9092,h2:9092");
	assert_string_equal(s.topic, "audit");
	assert_string_equal(s.format, "raw");
	assert_string_equal(s.spool_dir, "/x");
	assert_int_equal(s.spool_bytes, 2 << 20);
	assert_string_equal(s.node, "n1");
	assert_int_equal(s.nprops, 1);
	assert_string_equal(s.props[0][0], "compression.codec");
	assert_string_equal(s.props[0][1], "lz4");
	kafka_spec_free(&s);
	assert_int_equal(kafka_spec_parse("h:1/t", &s, err, sizeof(err)), 0);
	assert_string_equal(s.format, "jsonl"); /* the default */
	kafka_spec_free(&s);
}

static void refused(const char *spec, const char *why)
{
	struct kafka_spec s;
	char err[512] = "";
	assert_int_equal(kafka_spec_parse(spec, &s, err, sizeof(err)), -1);
	if (!strstr(err, why))
		fail_msg("'%s': got '%s', wanted '%s'", spec, err, why);
}

static void test_bad_specs(void **state)
{
	(void)state;
	refused("localhost:9092", "give BROKERS/TOPIC");
	refused("/topic", "give BROKERS/TOPIC");
	refused("h:1/", "give BROKERS/TOPIC");
	refused("h:1/a b", "topic 'a b' has ' '");
	refused("h:1/t,format=dot", "format 'dot' cannot be streamed");
	refused("h:1/t,spool.size=lots", "spool.size 'lots' is not a size");
	refused("h:1/t,flush.timeout=-1", "flush.timeout '-1' is not seconds");
	refused("h:1/t,acks", "option 'acks' is not KEY=VALUE");
}

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sabpf-spool-test.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void expect_front(struct spool *s, const char *want)
{
	const void *data;
	size_t len;
	assert_int_equal(spool_peek(s, &data, &len), 1);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(data, want, len);
	spool_pop(s);
}

static void test_spool_order_bound_reopen(void **state)
{
	char err[512] = "";
	(void)state;
	struct spool *s = spool_open(dir, "q", 64, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(spool_append(s, "first", 5, false), 0);
	assert_int_equal(spool_append(s, "second", 6, false), 0);
	assert_int_equal(spool_append(s, "third", 5, false), 0);
	/* 3 entries of 8 + n bytes: 43; 30 more do not fit in 64 */
	char big[30] = {0};
	assert_int_equal(spool_append(s, big, sizeof(big), false), 1);
	assert_int_equal(spool_pending_entries(s), 3);
	assert_int_equal(spool_append(s, big, sizeof(big), true), 0); /* forced */
	expect_front(s, "first");
	/* a second agent on the same spool is refused */
	char err2[512] = "";
	assert_null(spool_open(dir, "q", 64, err2, sizeof(err2)));
	assert_non_null(strstr(err2, "in use by another sabpf"));
	assert_int_equal(spool_close(s), 0);
	/* reopened: the front is where it was */
	s = spool_open(dir, "q", 64, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(spool_pending_entries(s), 3);
	expect_front(s, "second");
	/* put back before the front */
	void *buf = NULL;
	size_t len = 0;
	assert_int_equal(spool_entry(&buf, &len, "zero", 4), 0);
	assert_int_equal(spool_entry(&buf, &len, "one", 3), 0);
	assert_int_equal(spool_prepend(s, buf, len), 0);
	free(buf);
	expect_front(s, "zero");
	expect_front(s, "one");
	expect_front(s, "third");
	const void *data;
	assert_int_equal(spool_peek(s, &data, &len), 1);
	assert_int_equal(len, 30);
	spool_pop(s);
	assert_int_equal(spool_peek(s, &data, &len), 0); /* empty */
	assert_int_equal(spool_pending_bytes(s), 0);
	assert_int_equal(spool_close(s), 0);
}

static void test_spool_torn_and_damaged(void **state)
{
	char err[512] = "", path[128];
	(void)state;
	struct spool *s = spool_open(dir, "t", 1 << 20, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(spool_append(s, "whole", 5, false), 0);
	assert_int_equal(spool_append(s, "torn!", 5, false), 0);
	assert_int_equal(spool_close(s), 0);
	/* a crash while appending: the last entry is cut short */
	snprintf(path, sizeof(path), "%s/t", dir);
	assert_int_equal(truncate(path, 13 + 8 + 2), 0);
	s = spool_open(dir, "t", 1 << 20, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(spool_pending_entries(s), 1);
	expect_front(s, "whole");
	assert_int_equal(spool_append(s, "after", 5, false), 0);
	assert_int_equal(spool_close(s), 0);
	/* a damaged head: the rest is set aside, not sent */
	FILE *f = fopen(path, "r+");
	assert_non_null(f);
	fputc('X', f);
	fclose(f);
	s = spool_open(dir, "t", 1 << 20, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(spool_pending_entries(s), 0); /* nothing whole at the front */
	assert_int_equal(spool_close(s), 0);
	snprintf(path, sizeof(path), "%s/t.damaged", dir);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	/* "whole" was sent (the emptied file restarted): "after" is kept aside */
	assert_int_equal(st.st_size, 8 + 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spec),
	    cmocka_unit_test(test_bad_specs),
	    cmocka_unit_test_setup_teardown(test_spool_order_bound_reopen, make_dir, remove_dir),
	    cmocka_unit_test_setup_teardown(test_spool_torn_and_damaged, make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
