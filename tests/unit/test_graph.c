/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_graph.c: unit tests of the node table (src/graph.c): lookup and
 * creation, least-recently-used eviction at the cap, removal, text
 * buffers, and the pipeline dropping a task at terminate_task. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "graph.h"

static void test_get_lookup_remove(void **state)
{
	(void)state;
	struct graph *g = graph_new(100);
	assert_non_null(g);
	assert_null(graph_lookup(g, 5));
	struct gnode *n = graph_get(g, 5, SABPF_NODE_FILE);
	assert_non_null(n);
	assert_int_equal(n->id, 5);
	assert_int_equal(n->kind, SABPF_NODE_FILE);
	assert_false(n->has_attrs);
	assert_int_equal(n->text_len, 0);
	assert_ptr_equal(graph_get(g, 5, SABPF_NODE_FILE), n);
	assert_ptr_equal(graph_lookup(g, 5), n);
	assert_int_equal(gnode_set_text(n, "/etc/passwd", 11), 0);
	assert_string_equal(n->text, "/etc/passwd");
	assert_int_equal(graph_count(g), 1);
	graph_remove(g, 5);
	assert_null(graph_lookup(g, 5));
	assert_int_equal(graph_count(g), 0);
	/* a recycled entry starts empty */
	n = graph_get(g, 6, SABPF_NODE_TASK);
	assert_int_equal(n->text_len, 0);
	assert_false(n->has_attrs);
	graph_free(g);
}

static void test_lru_eviction_at_cap(void **state)
{
	(void)state;
	struct graph *g = graph_new(16);
	assert_non_null(g);
	for (__u64 id = 1; id <= 16; id++)
		assert_non_null(graph_get(g, id, SABPF_NODE_FILE));
	assert_non_null(graph_lookup(g, 1)); /* 1 is now the most recently used */
	for (__u64 id = 17; id <= 20; id++)
		assert_non_null(graph_get(g, id, SABPF_NODE_FILE));
	assert_int_equal(graph_count(g), 16);
	assert_int_equal(graph_evictions(g), 4);
	assert_non_null(graph_lookup(g, 1));
	for (__u64 id = 2; id <= 5; id++) /* the four least recently used */
		assert_null(graph_lookup(g, id));
	for (__u64 id = 6; id <= 20; id++)
		assert_non_null(graph_lookup(g, id));
	graph_free(g);
}

static void test_many_ids_stay_bounded(void **state)
{
	(void)state;
	struct graph *g = graph_new(5000);
	assert_non_null(g);
	for (__u64 id = 0; id < 50000; id++) {
		struct gnode *n = graph_get(g, (id << 48) | id, SABPF_NODE_PATH);
		assert_non_null(n);
		assert_int_equal(gnode_set_text(n, "/some/path", 10), 0);
	}
	assert_int_equal(graph_count(g), 5000);
	assert_int_equal(graph_evictions(g), 45000);
	assert_non_null(graph_lookup(g, (49999ULL << 48) | 49999));
	graph_free(g);
}

/* After terminate_task the task's attributes are gone: a later edge of
 * the same task shows no command in the flat view. */
static void test_pipeline_drops_terminated_task(void **state)
{
	(void)state;
	static struct fx_stream s;
	char path[] = "/tmp/sabpf-test-graph-XXXXXX", spec[64], err[256];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(spec, sizeof(spec), "jsonl:%s", path);
	struct sabpf_pipeline *p = pipeline_new();
	assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), 0);
	fx_cat_scenario(&s);
	fx_edge(&s, SABPF_REL_READ, fx_ref(FX_HOST, 1, SABPF_NODE_FILE),
		fx_ref(FX_TASK, 4, SABPF_NODE_TASK), FX_PID, 0);
	assert_int_equal(fx_feed(&s, p), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);

	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[1024], last[1024] = "";
	int lines = 0;
	while (fgets(line, sizeof(line), f)) {
		strcpy(last, line);
		lines++;
	}
	fclose(f);
	unlink(path);
	assert_int_equal(lines, 8);
	assert_non_null(strstr(last, "\"comm\":\"\",\"uid\":1000,\"action\":\"read\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get_lookup_remove),
	    cmocka_unit_test(test_lru_eviction_at_cap),
	    cmocka_unit_test(test_many_ids_stay_bounded),
	    cmocka_unit_test(test_pipeline_drops_terminated_task),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
