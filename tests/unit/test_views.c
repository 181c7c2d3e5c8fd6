/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_views.c: unit tests of the views of `sabpf graph` (format_dot.c,
 * format_summary.c, graph_cmd.c) on synthetic streams from fixtures.h: the
 * exact DOT nodes and edges of the "cat" scenario, plain and collapsed,
 * Graphviz's own reading of them (dot -Tjson), labels of awkward names,
 * the --max-nodes cut, the --container filter (by id and by name), every
 * field of the text and JSON summaries, and the command's errors for bad
 * options and bad inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "testdir.h"
#include "graph_cmd.h"
#include "output.h"

#define PY "/usr/bin/python3"

static struct fx_stream stream;
static char err[1024];

/* Node ids of the additions to the cat scenario (second process 4243 in
 * container 42, and container 43). */
#define MV_TASK 0x10030ULL
#define A_INODE 0x10031ULL
#define A_PATH 0x10032ULL
#define B_PATH 0x10033ULL
#define NEW_PATH 0x10034ULL
#define MV_MEM 0x10035ULL
#define CONN_SOCK 0x10036ULL
#define PEER_ADDR 0x10037ULL
#define SRV_SOCK 0x10038ULL
#define BIND_ADDR 0x10039ULL
#define NGINX_TASK 0x20001ULL
#define LOG_INODE 0x20002ULL
#define LOG_PATH 0x20003ULL
#define OTHER_CONTAINER 43

static int make_dir(void **state)
{
	(void)state;
	return testdir_make("views");
}

static int remove_dir(void **state)
{
	(void)state;
	return testdir_remove();
}

/* Every test starts with the default view options. */
static int reset_options(void **state)
{
	(void)state;
	view_options_set(NULL);
	return 0;
}

static void assert_contains(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("output lacks: %s\n--- output:\n%s", want, text);
}

static void assert_lacks(const char *text, const char *unwanted)
{
	if (strstr(text, unwanted))
		fail_msg("output has: %s", unwanted);
}

static int count_of(const char *text, const char *what)
{
	int n = 0;
	for (const char *s = strstr(text, what); s; s = strstr(s + 1, what))
		n++;
	return n;
}

/* Runs a shell command; returns its exit status and first output line. */
static int run(const char *cmd, char *line, size_t len)
{
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	line[0] = '\0';
	if (!fgets(line, (int)len, f))
		line[0] = '\0';
	char rest[256];
	while (fgets(rest, sizeof(rest), f))
		;
	int status = pclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Feeds the stream to a pipeline with one output FORMAT:dir/NAME (container
 * 42 named "web") and returns the file's text. */
static char *view_of(const struct fx_stream *s, const char *format, const char *name)
{
	char spec[300];
	struct sabpf_pipeline *p = pipeline_new();
	assert_non_null(p);
	pipeline_set_clock_offset(p, 0);
	pipeline_name_container(p, FX_CONTAINER, "web");
	snprintf(spec, sizeof(spec), "%s:%s", format, in_dir(name));
	if (pipeline_add_output(p, spec, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(fx_feed(s, p), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	return read_all(in_dir(name), NULL);
}

static char *dot_with(const struct fx_stream *s, const char *container, bool collapse,
		      size_t max_nodes)
{
	struct view_options o = {
	    .container = container, .collapse = collapse, .max_nodes = max_nodes};
	view_options_set(&o);
	return view_of(s, "dot", "g.dot");
}

/* The cat scenario, then in container 42 a second process (pid 4243,
 * "mv", uid 0) that renames /tmp/a to /tmp/b, unlinks /tmp/b, creates
 * /tmp/new, calls setuid(1000), connects to 10.0.0.1:80, binds 0.0.0.0:8080
 * and listens there; 3 records lost; then container 43, where nginx
 * (pid 5000) writes /var/log/x. */
static void busy_scenario(struct fx_stream *s)
{
	const __u16 T = SABPF_NODE_TASK, F = SABPF_NODE_FILE, P = SABPF_NODE_PATH,
		    S = SABPF_NODE_SOCKET, A = SABPF_NODE_ADDRESS;
	fx_cat_scenario(s); /* records 1..21 */
	fx_task(s, MV_TASK, 1, 4243, 0, "mv");
	fx_inode(s, F, A_INODE, 1, 400, 0100644);
	fx_path(s, A_PATH, 1, "/tmp/a");
	fx_edge(s, SABPF_REL_NAMED, fx_ref(A_PATH, 1, P), fx_ref(A_INODE, 1, F), 4243, 0);
	fx_edge(s, SABPF_REL_RENAME, fx_ref(MV_TASK, 1, T), fx_ref(A_INODE, 1, F), 4243, 0);
	fx_path(s, B_PATH, 1, "/tmp/b");
	fx_edge(s, SABPF_REL_NAMED, fx_ref(B_PATH, 1, P), fx_ref(A_INODE, 1, F), 4243, 0);
	fx_edge(s, SABPF_REL_UNLINK, fx_ref(MV_TASK, 1, T), fx_ref(A_INODE, 1, F), 4243, 0);
	fx_path(s, NEW_PATH, 1, "/tmp/new");
	fx_edge(s, SABPF_REL_CREATE, fx_ref(MV_TASK, 1, T), fx_ref(NEW_PATH, 1, P), 4243, 0100644);
	fx_edge(s, SABPF_REL_SETUID, fx_ref(MV_TASK, 1, T), fx_ref(MV_MEM, 2, SABPF_NODE_PROC_MEM),
		4243, (1000ULL << 32) | 1000);
	fx_inode(s, S, CONN_SOCK, 1, 500, 0140777);
	fx_edge(s, SABPF_REL_CONNECT, fx_ref(MV_TASK, 1, T), fx_ref(CONN_SOCK, 1, S), 4243, 0);
	fx_addr_ip(s, PEER_ADDR, 1, AF_INET, "10.0.0.1", 80);
	fx_edge(s, SABPF_REL_ADDRESSED, fx_ref(PEER_ADDR, 1, A), fx_ref(CONN_SOCK, 1, S), 4243, 0);
	fx_inode(s, S, SRV_SOCK, 1, 501, 0140777);
	fx_edge(s, SABPF_REL_BIND, fx_ref(MV_TASK, 1, T), fx_ref(SRV_SOCK, 1, S), 4243, 0);
	fx_addr_ip(s, BIND_ADDR, 1, AF_INET, "0.0.0.0", 8080);
	fx_edge(s, SABPF_REL_ADDRESSED, fx_ref(BIND_ADDR, 1, A), fx_ref(SRV_SOCK, 1, S), 4243, 0);
	fx_edge(s, SABPF_REL_LISTEN, fx_ref(MV_TASK, 1, T), fx_ref(SRV_SOCK, 1, S), 4243, 16);
	fx_skip_seq(s, 3);
	fx_lost(s, 3, 40, 42);
	s->container = OTHER_CONTAINER;
	fx_task(s, NGINX_TASK, 1, 5000, 33, "nginx");
	fx_inode(s, F, LOG_INODE, 1, 600, 0100640);
	fx_path(s, LOG_PATH, 1, "/var/log/x");
	fx_edge(s, SABPF_REL_NAMED, fx_ref(LOG_PATH, 1, P), fx_ref(LOG_INODE, 1, F), 5000, 0);
	fx_edge(s, SABPF_REL_WRITE, fx_ref(NGINX_TASK, 1, T), fx_ref(LOG_INODE, 1, F), 5000, 0);
}

/* ---- DOT ---------------------------------------------------------------- */

static const char cat_nodes[] =
    "  subgraph \"cluster_42\" {\n"
    "    label=\"container 42 (web)\\n21 records\";\n"
    "    style=rounded; color=\"#808080\";\n"
    "    \"n10001_v1\" [shape=box, fillcolor=\"#9FB1FC\", label=\"sh 4242 v1\"];\n"
    "    \"n10003_v1\" [shape=ellipse, fillcolor=\"#FFFC87\", label=\"/bin/cat\\nfile v1\"];\n"
    "    \"n10004_v1\" [shape=ellipse, fillcolor=\"#FFFDE0\", label=\"/bin/cat\\npath v1\"];\n"
    "    \"n10005_v1\" [shape=note, fillcolor=\"#FFFFFF\", label=\"argv: cat /etc/hostname\"];\n"
    "    \"n10001_v2\" [shape=box, fillcolor=\"#9FB1FC\", label=\"cat 4242 v2\"];\n"
    "    \"n10006_v1\" [shape=ellipse, fillcolor=\"#FFFC87\", label=\"/etc/hostname\\nfile "
    "v1\"];\n"
    "    \"n10007_v1\" [shape=ellipse, fillcolor=\"#FFFDE0\", label=\"/etc/hostname\\npath "
    "v1\"];\n"
    "    \"n10008_v1\" [shape=ellipse, fillcolor=\"#FFFC87\", label=\"/tmp/x\\nfile v1\"];\n"
    "    \"n10009_v1\" [shape=ellipse, fillcolor=\"#FFFDE0\", label=\"/tmp/x\\npath v1\"];\n"
    "    \"n10008_v2\" [shape=ellipse, fillcolor=\"#FFFC87\", label=\"/tmp/x\\nfile v2\"];\n"
    "    \"n10001_v3\" [shape=box, fillcolor=\"#9FB1FC\", label=\"cat 4242 v3\"];\n"
    "    \"n10001_v4\" [shape=box, fillcolor=\"#9FB1FC\", label=\"cat 4242 v4\"];\n"
    "  }\n";

static const char cat_edges[] =
    "  \"n10004_v1\" -> \"n10003_v1\" [label=\"named\"];\n"
    "  \"n10001_v1\" -> \"n10001_v2\" [label=\"exec_task\", style=dashed, color=\"#606060\"];\n"
    "  \"n10003_v1\" -> \"n10001_v2\" [label=\"exec\"];\n"
    "  \"n10005_v1\" -> \"n10001_v2\" [label=\"arg\"];\n"
    "  \"n10007_v1\" -> \"n10006_v1\" [label=\"named\"];\n"
    "  \"n10006_v1\" -> \"n10001_v2\" [label=\"open\\nread\"];\n"
    "  \"n10009_v1\" -> \"n10008_v1\" [label=\"named\"];\n"
    "  \"n10008_v1\" -> \"n10008_v2\" [label=\"version_entity\", style=dashed, "
    "color=\"#606060\"];\n"
    "  \"n10001_v2\" -> \"n10008_v2\" [label=\"write\"];\n"
    "  \"n10001_v2\" -> \"n10001_v3\" [label=\"version_activity\", style=dashed, "
    "color=\"#606060\"];\n"
    "  \"n10001_v3\" -> \"n10001_v4\" [label=\"terminate_task\", style=dashed, "
    "color=\"#606060\"];\n"
    "}\n";

static void test_dot_exact_graph(void **state)
{
	(void)state;
	fx_cat_scenario(&stream);
	char *out = dot_with(&stream, NULL, false, VIEW_DEFAULT_MAX_NODES);
	assert_contains(out, "digraph sabpf {\n");
	assert_contains(out, "  label=\"sabpf provenance graph: 12 node versions, 12 edges\";\n");
	assert_contains(out, cat_nodes);
	/* the edges follow the one cluster and end the graph */
	size_t len = strlen(out), elen = strlen(cat_edges);
	assert_true(len > elen);
	assert_string_equal(out + len - elen, cat_edges);
	assert_int_equal(count_of(out, " -> "), 11);
	assert_lacks(out, "CUT");
	free(out);
}

/* Graphviz itself reads the file: 12 nodes, 11 arrows, one cluster. */
static void test_dot_read_by_graphviz(void **state)
{
	(void)state;
	char cmd[512], line[256];
	fx_cat_scenario(&stream);
	free(dot_with(&stream, NULL, false, VIEW_DEFAULT_MAX_NODES));
	snprintf(cmd, sizeof(cmd),
		 "dot -Tjson '%s' | " PY " -c 'import json,sys; g=json.load(sys.stdin); "
		 "o=g.get(\"objects\",[]); "
		 "print(sum(1 for x in o if \"nodes\" not in x), sum(1 for x in o if \"nodes\" "
		 "in x), len(g.get(\"edges\",[])))'",
		 in_dir("g.dot"));
	assert_int_equal(run(cmd, line, sizeof(line)), 0);
	assert_string_equal(line, "12 1 11\n");
	snprintf(cmd, sizeof(cmd), "dot -Tsvg '%s' | grep -c '/etc/hostname'", in_dir("g.dot"));
	assert_int_equal(run(cmd, line, sizeof(line)), 0);
	assert_string_equal(line, "3\n"); /* the file, its path and the argv */
}

static void test_dot_collapse(void **state)
{
	(void)state;
	fx_cat_scenario(&stream);
	char *out = dot_with(&stream, NULL, true, VIEW_DEFAULT_MAX_NODES);
	assert_contains(out, "  label=\"sabpf provenance graph: 8 objects (versions collapsed), "
			     "8 edges\";\n");
	assert_contains(out,
			"    \"n10001\" [shape=box, fillcolor=\"#9FB1FC\", label=\"sh,cat 4242 "
			"v1-4\"];\n");
	assert_contains(out, "    \"n10008\" [shape=ellipse, fillcolor=\"#FFFC87\", "
			     "label=\"/tmp/x\\nfile v1-2\"];\n");
	assert_contains(out, "    \"n10006\" [shape=ellipse, fillcolor=\"#FFFC87\", "
			     "label=\"/etc/hostname\\nfile v1\"];\n");
	assert_contains(out, "  \"n10006\" -> \"n10001\" [label=\"open\\nread\"];\n");
	assert_contains(out, "  \"n10001\" -> \"n10008\" [label=\"write\"];\n");
	assert_contains(out, "  \"n10003\" -> \"n10001\" [label=\"exec\"];\n");
	/* version steps are gone, so are version numbers in node names */
	assert_int_equal(count_of(out, " [shape="), 8);
	assert_int_equal(count_of(out, " -> "), 7);
	assert_lacks(out, "dashed");
	assert_lacks(out, "_v");
	free(out);
}

static void test_dot_max_nodes_cut(void **state)
{
	(void)state;
	fx_cat_scenario(&stream);
	char *out = dot_with(&stream, NULL, false, 4);
	/* the first four node versions, in the order they appeared */
	assert_int_equal(count_of(out, " [shape="), 4);
	assert_contains(out, "\"n10001_v1\" [shape=box");
	assert_contains(out, "\"n10003_v1\" [shape=ellipse");
	assert_contains(out, "\"n10004_v1\" [shape=ellipse");
	assert_contains(out, "\"n10005_v1\" [shape=note");
	assert_lacks(out, "\"n10001_v2\" [");
	/* the one relation between them; the 11 others are counted */
	assert_int_equal(count_of(out, " -> "), 1);
	assert_contains(out, "  \"n10004_v1\" -> \"n10003_v1\" [label=\"named\"];\n");
	assert_contains(out, "// CUT by --max-nodes: 8 nodes and 11 edges are not drawn\n");
	assert_contains(out, "\\nCUT: only the first 4 of 12 nodes are drawn (--max-nodes); 11 "
			     "edges to the others are left out. Use --container, --collapse or "
			     "a larger --max-nodes.\";\n");
	free(out);

	/* 0: no limit */
	out = dot_with(&stream, NULL, false, 0);
	assert_int_equal(count_of(out, " [shape="), 12);
	assert_lacks(out, "CUT");
	free(out);
}

static void test_dot_container_filter(void **state)
{
	(void)state;
	busy_scenario(&stream);
	char *all = dot_with(&stream, NULL, false, 0);
	assert_contains(all, "subgraph \"cluster_42\"");
	assert_contains(all, "subgraph \"cluster_43\" {\n    label=\"container 43\\n5 records\";");
	assert_contains(all, "label=\"container 42 (web)\\n42 records, 3 LOST\";");
	assert_contains(all, "\\nINCOMPLETE: 3 records were lost (ring buffer full).");
	free(all);

	char *by_id = dot_with(&stream, "43", false, 0);
	assert_lacks(by_id, "cluster_42");
	assert_contains(by_id, "container 43 only");
	assert_contains(by_id, "    \"n20001_v1\" [shape=box, fillcolor=\"#9FB1FC\", label=\"nginx "
			       "5000 v1\"];\n");
	assert_contains(by_id, "  \"n20001_v1\" -> \"n20002_v1\" [label=\"write\"];\n");
	assert_int_equal(count_of(by_id, " [shape="), 3);
	assert_lacks(by_id, "n10001");
	free(by_id);

	char *by_name = dot_with(&stream, "web", false, 0);
	assert_contains(by_name, "subgraph \"cluster_42\"");
	assert_lacks(by_name, "cluster_43");
	assert_lacks(by_name, "nginx");
	assert_contains(by_name, "  \"n10039_v1\" -> \"n10038_v1\" [label=\"addressed\"];\n");
	assert_contains(by_name, "    \"n10038_v1\" [shape=ellipse, fillcolor=\"#C8F0C8\", "
				 "label=\"0.0.0.0:8080\\nsocket v1\"];\n");
	assert_contains(by_name, "    \"n10039_v1\" [shape=hexagon, fillcolor=\"#C8F0C8\", "
				 "label=\"0.0.0.0:8080\\naddress v1\"];\n");
	free(by_name);
}

/* A child named at clone before its own NODE record, and a thread. */
static void test_dot_late_task_attributes(void **state)
{
	(void)state;
	const __u16 T = SABPF_NODE_TASK;
	fx_init(&stream, FX_CONTAINER);
	fx_task(&stream, 0x1, 1, 100, 0, "sh");
	fx_edge(&stream, SABPF_REL_CLONE, fx_ref(0x1, 1, T), fx_ref(0x2, 1, T), 100, 0);
	fx_task(&stream, 0x2, 1, 101, 0, "worker");
	fx_task(&stream, 0x3, 1, 101, 0, "worker");
	((struct sabpf_node *)fx_record(&stream, 3))->task.tid = 102;
	fx_edge(&stream, SABPF_REL_CLONE, fx_ref(0x2, 1, T), fx_ref(0x3, 1, T), 101, 0x10000);
	char *out = dot_with(&stream, NULL, false, 0);
	assert_contains(out, "\"n2_v1\" [shape=box, fillcolor=\"#9FB1FC\", label=\"worker 101 "
			     "v1\"];\n");
	assert_contains(out, "\"n3_v1\" [shape=box, fillcolor=\"#9FB1FC\", label=\"worker "
			     "101/102 v1\"];\n");
	assert_contains(out, "  \"n1_v1\" -> \"n2_v1\" [label=\"clone\"];\n");
	free(out);
}

/* An inode keeps, per version, the name it had then; unnamed inodes and
 * process memory have labels of their own. */
static void test_dot_entity_labels(void **state)
{
	(void)state;
	const __u16 F = SABPF_NODE_FILE, P = SABPF_NODE_PATH, S = SABPF_NODE_SOCKET;
	fx_init(&stream, FX_CONTAINER);
	fx_inode(&stream, F, 0x1, 1, 700, 0100644);
	fx_path(&stream, 0x2, 1, "/old");
	fx_edge(&stream, SABPF_REL_NAMED, fx_ref(0x2, 1, P), fx_ref(0x1, 1, F), 1, 0);
	fx_edge(&stream, SABPF_REL_VERSION_ENTITY, fx_ref(0x1, 1, F), fx_ref(0x1, 2, F), 1, 0);
	fx_path(&stream, 0x3, 1, "/new");
	fx_edge(&stream, SABPF_REL_NAMED, fx_ref(0x3, 1, P), fx_ref(0x1, 2, F), 1, 0);
	fx_inode(&stream, S, 0x4, 1, 701, 0140777);
	struct sabpf_node *mem =
	    fx_add(&stream, SABPF_REC_NODE,
		   offsetof(struct sabpf_node, mem) + sizeof(struct sabpf_mem_attrs));
	mem->node = fx_ref(0x5, 1, SABPF_NODE_PROC_MEM);
	mem->mem.pid = 77;
	char *out = dot_with(&stream, NULL, false, 0);
	assert_contains(out, "\"n1_v1\" [shape=ellipse, fillcolor=\"#FFFC87\", label=\"/old\\nfile "
			     "v1\"];\n");
	assert_contains(out, "\"n1_v2\" [shape=ellipse, fillcolor=\"#FFFC87\", label=\"/new\\nfile "
			     "v2\"];\n");
	assert_contains(out, "\"n4_v1\" [shape=ellipse, fillcolor=\"#C8F0C8\", label=\"ino "
			     "701\\nsocket v1\"];\n");
	assert_contains(out, "\"n5_v1\" [shape=ellipse, fillcolor=\"#FFFC87\", label=\"pid "
			     "77\\nprocess_memory v1\"];\n");
	free(out);
	/* collapsed: the object's last name */
	out = dot_with(&stream, NULL, true, 0);
	assert_contains(out, "\"n1\" [shape=ellipse, fillcolor=\"#FFFC87\", label=\"/new\\nfile "
			     "v1-2\"];\n");
	free(out);
}

/* Quotes, backslashes, control characters, bytes that are not UTF-8 and
 * long paths stay within a valid DOT string. */
static void test_dot_awkward_labels(void **state)
{
	(void)state;
	char long_path[160] = "/";
	for (int i = 1; i <= 100; i++)
		long_path[i] = 'd';
	strcpy(long_path + 101, "/the-end-of-a-very-long-path.txt");
	fx_init(&stream, FX_CONTAINER);
	fx_path(&stream, 0x1, 1, "/tmp/a\"b\\c\n\xff\xc3\xa9");
	fx_path(&stream, 0x2, 1, long_path);
	char *out = dot_with(&stream, NULL, false, 0);
	assert_contains(out, "label=\"/tmp/a\\\"b\\\\c\\\\x0a\\\\xff\xc3\xa9\\npath v1\"");
	/* "…" and the last 47 characters */
	assert_contains(out, "label=\"…ddddddddddddddd/the-end-of-a-very-long-path.txt\\npath "
			     "v1\"");
	free(out);
	char cmd[300], line[64];
	snprintf(cmd, sizeof(cmd), "dot -Tsvg '%s' >/dev/null 2>&1; echo $?", in_dir("g.dot"));
	assert_int_equal(run(cmd, line, sizeof(line)), 0);
	assert_string_equal(line, "0\n");
}

static void test_dot_empty_stream(void **state)
{
	(void)state;
	fx_init(&stream, FX_CONTAINER);
	char *out = dot_with(&stream, NULL, false, 0);
	assert_contains(out, "label=\"sabpf provenance graph: 0 node versions, 0 edges\";");
	assert_int_equal(count_of(out, "subgraph"), 0);
	free(out);
	char cmd[300], line[64];
	snprintf(cmd, sizeof(cmd), "dot -Tsvg '%s' >/dev/null; echo $?", in_dir("g.dot"));
	run(cmd, line, sizeof(line));
	assert_string_equal(line, "0\n");
}

/* ---- summary ------------------------------------------------------------ */

static void test_summary_text(void **state)
{
	(void)state;
	busy_scenario(&stream);
	char *out = view_of(&stream, "summary", "s.txt");
	static const char web[] = "container 42 (web): 42 records (18 nodes, 23 edges), 3 lost "
				  "(in 1 loss reports)\n"
				  "  processes (2):\n"
				  "    pid 4242 (vpid 4143) ppid 1 uid 1000: sh, cat\n"
				  "      exec /bin/cat: cat /etc/hostname\n"
				  "    pid 4243 (vpid 4144) ppid 1 uid 0: mv\n"
				  "      uid 0 -> 1000, euid 0 -> 1000 (setuid)\n"
				  "  files read (1):\n"
				  "    /etc/hostname\n"
				  "  files written (1):\n"
				  "    /tmp/x\n"
				  "  files created (1):\n"
				  "    /tmp/new\n"
				  "  files deleted (1):\n"
				  "    /tmp/b\n"
				  "  files renamed (1):\n"
				  "    /tmp/a -> /tmp/b\n"
				  "  files executed (1):\n"
				  "    /bin/cat\n"
				  "  network peers (1):\n"
				  "    10.0.0.1:80\n"
				  "  addresses bound (1):\n"
				  "    0.0.0.0:8080\n"
				  "  listening on (1):\n"
				  "    0.0.0.0:8080\n";
	static const char other[] = "container 43: 5 records (3 nodes, 2 edges), 0 lost\n"
				    "  processes (1):\n"
				    "    pid 5000 (vpid 4901) ppid 1 uid 33: nginx\n"
				    "  files read: none\n"
				    "  files written (1):\n"
				    "    /var/log/x\n"
				    "  files created: none\n"
				    "  files deleted: none\n"
				    "  files renamed: none\n"
				    "  files executed: none\n"
				    "  network peers: none\n"
				    "  addresses bound: none\n"
				    "  listening on: none\n";
	assert_contains(out, "sabpf summary: 2 containers; capture: 47 records, 3 lost, 3 "
			     "sequence numbers missing, 0 malformed\n");
	assert_contains(out, web);
	assert_contains(out, other);
	assert_true(strstr(out, web) < strstr(out, other));
	free(out);
}

static void test_summary_json(void **state)
{
	(void)state;
	busy_scenario(&stream);
	char *out = view_of(&stream, "summary-json", "s.json");
	assert_contains(out, "{\"container_filter\":null,\"capture\":{\"records\":47,\"lost\":3,"
			     "\"seq_missing\":3,\"malformed\":0},\"containers\":[");
	assert_contains(out, "{\"container_id\":42,\"container\":\"web\",\"records\":42,"
			     "\"nodes\":18,\"edges\":23,\"lost\":3,\"loss_reports\":1,");
	assert_contains(out, "{\"pid\":4242,\"vpid\":4143,\"ppid\":1,\"uid\":1000,\"euid\":1000,"
			     "\"threads\":1,\"comms\":[\"sh\",\"cat\"],\"execs\":[{\"comm\":"
			     "\"cat\",\"binary\":\"/bin/cat\",\"argv\":\"cat /etc/hostname\"}],"
			     "\"uid_changes\":[]}");
	assert_contains(out, "\"uid_changes\":[{\"uid_from\":0,\"uid_to\":1000,\"euid_from\":0,"
			     "\"euid_to\":1000,\"by\":\"setuid\"}]");
	assert_contains(out,
			"\"files\":{\"read\":[\"/etc/hostname\"],\"written\":[\"/tmp/x\"],"
			"\"created\":[\"/tmp/new\"],\"deleted\":[\"/tmp/b\"],\"executed\":"
			"[\"/bin/cat\"],\"renamed\":[{\"from\":\"/tmp/a\",\"to\":\"/tmp/b\"}]}");
	assert_contains(out, "\"network\":{\"peers\":[\"10.0.0.1:80\"],\"bound\":"
			     "[\"0.0.0.0:8080\"],\"listening\":[\"0.0.0.0:8080\"]}");
	assert_contains(out, "{\"container_id\":43,\"container\":\"43\",\"records\":5,");
	free(out);
	/* one valid JSON document, read back by Python */
	char cmd[300], line[128];
	snprintf(cmd, sizeof(cmd),
		 PY " -c 'import json,sys; d=json.load(open(sys.argv[1])); "
		    "print(len(d[\"containers\"]), d[\"containers\"][1][\"files\"][\"written\"])' "
		    "'%s'",
		 in_dir("s.json"));
	assert_int_equal(run(cmd, line, sizeof(line)), 0);
	assert_string_equal(line, "2 ['/var/log/x']\n");
}

static void test_summary_container_filter(void **state)
{
	(void)state;
	busy_scenario(&stream);
	struct view_options o = {.container = "43", .max_nodes = 0};
	view_options_set(&o);
	char *out = view_of(&stream, "summary", "s.txt");
	assert_contains(out, "sabpf summary: 1 container (--container 43); capture: 47 records");
	assert_contains(out, "container 43: 5 records");
	assert_lacks(out, "container 42");
	assert_lacks(out, "/tmp/x");
	assert_true(view_container_matched());
	free(out);

	o.container = "nosuch";
	view_options_set(&o);
	out = view_of(&stream, "summary", "s.txt");
	assert_contains(out, "sabpf summary: 0 containers (--container nosuch)");
	assert_false(view_container_matched());
	size_t n;
	const __u64 *seen = view_containers_seen(&n);
	assert_int_equal(n, 2);
	assert_int_equal(seen[0], 42);
	assert_int_equal(seen[1], 43);
	free(out);
}

/* exec of a set-uid binary: the euid changes with the task's new version. */
static void test_summary_uid_change_at_exec(void **state)
{
	(void)state;
	fx_init(&stream, FX_CONTAINER);
	fx_task(&stream, 0x1, 1, 200, 1000, "sh");
	fx_task(&stream, 0x1, 2, 200, 1000, "su");
	((struct sabpf_node *)fx_record(&stream, 1))->task.euid = 0;
	char *out = view_of(&stream, "summary", "s.txt");
	assert_contains(out, "    pid 200 (vpid 101) ppid 1 uid 1000: sh, su\n"
			     "      uid 1000 -> 1000, euid 1000 -> 0 (exec)\n");
	free(out);
}

/* ---- the command -------------------------------------------------------- */

static int parse(const char *line, struct graph_args *a)
{
	char copy[512], *argv[32];
	int argc = 0;
	snprintf(copy, sizeof(copy), "%s", line);
	for (char *t = strtok(copy, " "); t && argc < 31; t = strtok(NULL, " "))
		argv[argc++] = strcmp(t, "''") == 0 ? "" : t;
	argv[argc] = NULL;
	err[0] = '\0';
	return graph_parse_args(argc, argv, a, err, sizeof(err));
}

static void test_parse_good(void **state)
{
	(void)state;
	struct graph_args a;
	assert_int_equal(parse("graph cap.raw", &a), 0);
	assert_string_equal(a.capture, "cap.raw");
	assert_string_equal(a.summary, "-"); /* the default view */
	assert_null(a.dot);
	assert_int_equal(a.view.max_nodes, VIEW_DEFAULT_MAX_NODES);

	assert_int_equal(parse("graph --dot g.dot --summary s.txt --json --container web "
			       "--collapse --max-nodes 0 cap.raw",
			       &a),
			 0);
	assert_string_equal(a.dot, "g.dot");
	assert_string_equal(a.summary, "s.txt");
	assert_true(a.json);
	assert_true(a.view.collapse);
	assert_string_equal(a.view.container, "web");
	assert_int_equal(a.view.max_nodes, 0);

	assert_int_equal(parse("graph --dot g.dot cap.raw", &a), 0);
	assert_null(a.summary); /* only what was asked */
}

static void test_parse_errors(void **state)
{
	(void)state;
	struct graph_args a;
	static const struct {
		const char *line, *message;
	} cases[] = {
	    {"graph", "no capture given: name a raw capture (sabpf run -o raw:FILE)"},
	    {"graph a.raw b.raw", "one capture at a time: 'b.raw' follows 'a.raw'"},
	    {"graph --dot g.dot --max-nodes abc a.raw",
	     "--max-nodes 'abc' is not a count from 0 to 10000000: give the most nodes to draw, "
	     "e.g. --max-nodes 500 (0: no limit)"},
	    {"graph --dot g.dot --max-nodes -5 a.raw",
	     "--max-nodes '-5' is not a count from 0 to 10000000: give the most nodes to draw, "
	     "e.g. --max-nodes 500 (0: no limit)"},
	    {"graph --dot g.dot --max-nodes 10000001 a.raw",
	     "--max-nodes '10000001' is not a count from 0 to 10000000: give the most nodes to "
	     "draw, e.g. --max-nodes 500 (0: no limit)"},
	    {"graph --collapse a.raw", "--collapse shapes the DOT graph only: add --dot FILE"},
	    {"graph --max-nodes 5 a.raw", "--max-nodes shapes the DOT graph only: add --dot FILE"},
	    {"graph --container '' a.raw",
	     "--container is empty: give a container's cgroup id or name (the summary lists "
	     "them)"},
	    {"graph --dot - --summary - a.raw",
	     "--dot and --summary both write to '-': give each its own file (at most one of "
	     "them can be -)"},
	    {"graph --frobnicate a.raw", "unknown option '--frobnicate'"},
	    {"graph a.raw --dot", "option '--dot' needs a value"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(cases[i].line, &a) != -1)
			fail_msg("accepted: %s", cases[i].line);
		assert_string_equal(err, cases[i].message);
	}
}

/* Writes the busy scenario as a raw capture at dir/NAME. */
static const char *write_capture(const char *name)
{
	char spec[300];
	busy_scenario(&stream);
	struct sabpf_pipeline *p = pipeline_new();
	assert_non_null(p);
	snprintf(spec, sizeof(spec), "raw:%s", in_dir(name));
	assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), 0);
	assert_int_equal(fx_feed(&stream, p), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	return in_dir(name);
}

static int graph(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5)
{
	char *argv[] = {"graph", (char *)a1, (char *)a2, (char *)a3, (char *)a4, (char *)a5, NULL};
	int argc = 1;
	while (argv[argc])
		argc++;
	return cmd_graph(argc, argv);
}

static void test_command_renders_a_capture(void **state)
{
	(void)state;
	char dot[256], sum[256];
	const char *raw = write_capture("c.raw");
	snprintf(dot, sizeof(dot), "%s", in_dir("c.dot"));
	snprintf(sum, sizeof(sum), "%s", in_dir("c.json"));
	assert_int_equal(graph("--dot", dot, "--summary", sum, "--json"), 2); /* no capture */
	char *argv[] = {"graph",  "--dot",	 dot,  "--summary", sum,
			"--json", "--container", "43", (char *)raw, NULL};
	assert_int_equal(cmd_graph(9, argv), 0);
	char *d = read_all(dot, NULL), *s = read_all(sum, NULL);
	assert_contains(d, "container 43 only");
	assert_contains(d, "label=\"nginx 5000 v1\"");
	assert_lacks(d, "cluster_42");
	assert_contains(s, "\"container_filter\":\"43\"");
	assert_contains(s, "\"written\":[\"/var/log/x\"]");
	free(d);
	free(s);
	/* the options went back to the defaults */
	assert_null(view_options_get()->container);
	assert_int_equal(view_options_get()->max_nodes, VIEW_DEFAULT_MAX_NODES);
}

static void test_command_bad_inputs(void **state)
{
	(void)state;
	char dot[256], tmp[300];
	snprintf(dot, sizeof(dot), "%s", in_dir("bad.dot"));
	snprintf(tmp, sizeof(tmp), "%s.tmp", dot);

	/* a file that does not exist, one that is not a capture */
	assert_int_equal(graph("--dot", dot, in_dir("nosuch.raw"), NULL, NULL), 1);
	FILE *f = fopen(in_dir("text.raw"), "w");
	assert_non_null(f);
	fputs("this is not a capture, but long enough\n", f);
	fclose(f);
	assert_int_equal(graph("--dot", dot, in_dir("text.raw"), NULL, NULL), 1);
	/* a container the capture does not hold */
	const char *raw = write_capture("c.raw");
	assert_int_equal(graph("--dot", dot, "--container", "99", raw), 1);
	/* a failed run leaves no file that looks complete */
	assert_int_equal(access(dot, F_OK), -1);
	assert_int_equal(access(tmp, F_OK), -1);
	/* a directory that does not exist */
	assert_int_equal(graph("--dot", "/nonexistent-dir/g.dot", raw, NULL, NULL), 1);
	/* bad usage */
	assert_int_equal(graph("--max-nodes", "x", raw, NULL, NULL), 2);
}

/* The views are ordinary outputs: `-o dot:FILE` next to the others. */
static void test_views_beside_other_outputs(void **state)
{
	(void)state;
	char s1[300], s2[300], s3[300];
	fx_cat_scenario(&stream);
	struct sabpf_pipeline *p = pipeline_new();
	assert_non_null(p);
	snprintf(s1, sizeof(s1), "prov:%s", in_dir("o.prov.json"));
	snprintf(s2, sizeof(s2), "dot:%s", in_dir("o.dot"));
	snprintf(s3, sizeof(s3), "summary:%s", in_dir("o.txt"));
	assert_int_equal(pipeline_add_output(p, s1, err, sizeof(err)), 0);
	assert_int_equal(pipeline_add_output(p, s2, err, sizeof(err)), 0);
	assert_int_equal(pipeline_add_output(p, s3, err, sizeof(err)), 0);
	assert_int_equal(fx_feed(&stream, p), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	char *d = read_all(in_dir("o.dot"), NULL), *t = read_all(in_dir("o.txt"), NULL);
	assert_contains(d, cat_edges);
	assert_contains(t, "    pid 4242 (vpid 4143) ppid 1 uid 1000: sh, cat\n");
	free(d);
	free(t);
}

static void test_view_map(void **state)
{
	(void)state;
	struct view_map m = {0};
	bool added;
	for (__u64 i = 0; i < 5000; i++) {
		size_t *v = view_map_put(&m, i, i * 7, (size_t)i + 1, &added);
		assert_non_null(v);
		assert_true(added);
	}
	for (__u64 i = 0; i < 5000; i++) {
		size_t *v = view_map_find(&m, i, i * 7);
		assert_non_null(v);
		assert_int_equal(*v, i + 1);
		assert_null(view_map_find(&m, i, i * 7 + 1));
	}
	assert_int_equal(*view_map_put(&m, 3, 21, 99, &added), 4);
	assert_false(added);
	assert_int_equal(m.count, 5000);
	view_map_free(&m);
	assert_null(view_map_find(&m, 3, 21));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_dot_exact_graph, reset_options),
	    cmocka_unit_test_setup(test_dot_read_by_graphviz, reset_options),
	    cmocka_unit_test_setup(test_dot_collapse, reset_options),
	    cmocka_unit_test_setup(test_dot_max_nodes_cut, reset_options),
	    cmocka_unit_test_setup(test_dot_container_filter, reset_options),
	    cmocka_unit_test_setup(test_dot_late_task_attributes, reset_options),
	    cmocka_unit_test_setup(test_dot_entity_labels, reset_options),
	    cmocka_unit_test_setup(test_dot_awkward_labels, reset_options),
	    cmocka_unit_test_setup(test_dot_empty_stream, reset_options),
	    cmocka_unit_test_setup(test_summary_text, reset_options),
	    cmocka_unit_test_setup(test_summary_json, reset_options),
	    cmocka_unit_test_setup(test_summary_container_filter, reset_options),
	    cmocka_unit_test_setup(test_summary_uid_change_at_exec, reset_options),
	    cmocka_unit_test_setup(test_parse_good, reset_options),
	    cmocka_unit_test_setup(test_parse_errors, reset_options),
	    cmocka_unit_test_setup(test_command_renders_a_capture, reset_options),
	    cmocka_unit_test_setup(test_command_bad_inputs, reset_options),
	    cmocka_unit_test_setup(test_views_beside_other_outputs, reset_options),
	    cmocka_unit_test_setup(test_view_map, reset_options),
	};
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
