/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_formats.c: unit tests of the pipeline and its output formats on the
 * synthetic "cat" scenario of fixtures.h: the exact fields of PROV-JSON,
 * SPADE and JSON-lines output, version nodes implied by edges, PROV-JSON
 * read by python3-prov (tests/tools/prov_check.py), SPADE lines read by
 * Python's json, output specs and temporary files, raw files replayed
 * byte for byte, and loss accounting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "testdir.h"
#include "output.h"
#include "identity.h"
#include "sabpf_policy.h"

#define PY "/usr/bin/python3"
#define PROV_CHECK "tests/tools/prov_check.py"
#define RECORD_MAX_SIZE_TEST 8192

static struct fx_stream stream;
static char err[512];

static int make_dir(void **state)
{
	(void)state;
	return testdir_make("formats");
}

static int remove_dir(void **state)
{
	(void)state;
	return testdir_remove();
}

static int count_occurrences(const char *text, const char *what)
{
	int n = 0;
	for (const char *at = strstr(text, what); at; at = strstr(at + 1, what))
		n++;
	return n;
}

static int count_lines(const char *text)
{
	int n = 0;
	for (const char *s = text; *s; s++)
		n += *s == '\n';
	return n;
}

static void assert_contains(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("output lacks: %s", want);
}

/* Line that equals `want` exactly; returns its index (0-based). */
static int find_line(const char *text, const char *want)
{
	size_t n = strlen(want);
	int index = 0;
	for (const char *s = text; *s; index++) {
		const char *end = strchr(s, '\n');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		if (len == n && memcmp(s, want, n) == 0)
			return index;
		if (!end)
			break;
		s = end + 1;
	}
	fail_msg("no line equals: %s", want);
	return -1;
}

/* Index of the first line containing `want`. */
static int line_with(const char *text, const char *want)
{
	const char *at = strstr(text, want);
	if (!at)
		fail_msg("no line contains: %s", want);
	int index = 0;
	for (const char *s = text; s < at; s++)
		index += *s == '\n';
	return index;
}

/* A pipeline with a clock offset of 0 (record times are epoch times), the
 * container named "web" and the given outputs. */
static struct sabpf_pipeline *new_pipeline(const char *spec1, const char *spec2)
{
	struct sabpf_pipeline *p = pipeline_new();
	assert_non_null(p);
	pipeline_set_clock_offset(p, 0);
	pipeline_name_container(p, FX_CONTAINER, "web");
	if (spec1 && pipeline_add_output(p, spec1, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	if (spec2 && pipeline_add_output(p, spec2, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return p;
}

/* Runs the cat scenario into one output and returns the file's text. */
static char *scenario_output(const char *format, const char *name)
{
	char spec[300];
	snprintf(spec, sizeof(spec), "%s:%s", format, in_dir(name));
	struct sabpf_pipeline *p = new_pipeline(spec, NULL);
	fx_cat_scenario(&stream);
	assert_int_equal(fx_feed(&stream, p), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	return read_all(in_dir(name), NULL);
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

static void test_prov_fields(void **state)
{
	(void)state;
	char *out = scenario_output("prov", "g.json");

	assert_int_equal(count_lines(out), 1); /* one document, one line */
	assert_true(
	    strncmp(out, "{\"prefix\":{\"prov\":\"http://www.w3.org/ns/prov#\",\"cf\":", 51) == 0);
	assert_contains(
	    out,
	    "\"activity\":{\"sabpf:n10001_v1\":{\"prov:type\":\"task\","
	    "\"prov:label\":\"task 4242 sh\",\"cf:id\":65537,\"cf:version\":1,"
	    "\"cf:date\":\"2025-11-29T07:30:00.000001000Z\",\"cf:container\":42,"
	    "\"cf:uts_ns\":4026531838,\"cf:ipc_ns\":4026531839,\"cf:mnt_ns\":4026531841,"
	    "\"cf:pid_ns\":4026531836,\"cf:net_ns\":4026531840,\"cf:cgroup_ns\":4026531835,"
	    "\"cf:ctx_uid\":1000,\"cf:ctx_gid\":1000,\"cf:ctx_euid\":1000,\"cf:ctx_egid\":1000,"
	    "\"cf:pid\":4242,\"cf:vpid\":4143,\"cf:tid\":4242,\"cf:ppid\":1,"
	    "\"cf:uid\":1000,");
	assert_contains(out, "\"cf:comm\":\"sh\",\"cf:cgroup_id\":42,");
	/* versions implied by edges carry the latest attributes */
	assert_contains(out, "\"sabpf:n10001_v3\":{\"prov:type\":\"task\","
			     "\"prov:label\":\"task 4242 cat\",\"cf:id\":65537,\"cf:version\":3,"
			     "\"cf:date\":\"2025-11-29T07:30:00.000020000Z\"");
	assert_contains(out, "\"sabpf:n10001_v4\":{\"prov:type\":\"task\"");
	assert_contains(out, "\"sabpf:n10008_v2\":{\"prov:type\":\"file\","
			     "\"prov:label\":\"file /tmp/x\",\"cf:id\":65544,\"cf:version\":2,");
	assert_contains(out, "\"cf:ino\":300,\"cf:dev\":8388609,\"cf:mode\":\"0100600\","
			     "\"cf:uid\":0,\"cf:gid\":0,\"cf:pathname\":\"/tmp/x\"}");
	assert_contains(out, "\"sabpf:n10007_v1\":{\"prov:type\":\"path\","
			     "\"prov:label\":\"path /etc/hostname\"");
	assert_contains(out, "\"cf:pathname\":\"/etc/hostname\"}");
	/* argv: argc strings only, the environment is dropped */
	assert_contains(out, "\"cf:argv\":\"cat /etc/hostname\",\"cf:argc\":2}");
	assert_null(strstr(out, "PATH=/bin"));
	assert_null(strstr(out, "HOME"));
	/* relations with their PROV roles */
	assert_contains(out, "\"used\":{\"sabpf:e");
	assert_contains(out, "{\"prov:activity\":\"sabpf:n10001_v2\","
			     "\"prov:entity\":\"sabpf:n10006_v1\",\"prov:type\":\"read\","
			     "\"cf:date\":\"2025-11-29T07:30:00.000014000Z\",\"cf:pid\":4242,"
			     "\"cf:tid\":4242,\"cf:uid\":1000,\"cf:container\":42}");
	assert_contains(out,
			"\"prov:type\":\"open\",\"cf:date\":\"2025-11-29T07:30:00.000013000Z\","
			"\"cf:pid\":4242,\"cf:tid\":4242,\"cf:uid\":1000,\"cf:container\":42,"
			"\"cf:relation_arg\":32768}");
	assert_contains(out,
			"\"wasGeneratedBy\":{\"sabpf:e10\":{\"prov:entity\":\"sabpf:n10008_v2\","
			"\"prov:activity\":\"sabpf:n10001_v2\",\"prov:type\":\"write\"");
	assert_contains(out,
			"{\"prov:informed\":\"sabpf:n10001_v4\","
			"\"prov:informant\":\"sabpf:n10001_v3\",\"prov:type\":\"terminate_task\"");
	assert_contains(out, "\"wasDerivedFrom\":{\"sabpf:e1\":{"
			     "\"prov:generatedEntity\":\"sabpf:n10003_v1\","
			     "\"prov:usedEntity\":\"sabpf:n10004_v1\",\"prov:type\":\"named\"");
	assert_contains(out,
			"{\"prov:generatedEntity\":\"sabpf:n10008_v2\","
			"\"prov:usedEntity\":\"sabpf:n10008_v1\",\"prov:type\":\"version_entity\"");
	/* each node version is described exactly once */
	assert_int_equal(strstr(strstr(out, "\"sabpf:n10001_v2\":{") + 1, "\"sabpf:n10001_v2\":{"),
			 NULL);
	free(out);
}

static void test_prov_read_by_python_prov(void **state)
{
	(void)state;
	char cmd[512], line[512];
	free(scenario_output("prov", "g.json"));
	snprintf(cmd, sizeof(cmd), "%s %s --strict %s", PY, PROV_CHECK, in_dir("g.json"));
	assert_int_equal(run(cmd, line, sizeof(line)), 0);
	assert_string_equal(line,
			    "{\"acyclic\": true, \"documents\": 1, \"graph_nodes\": 12, "
			    "\"nodes\": 12, \"relations\": {\"used\": 4, \"wasDerivedFrom\": 4, "
			    "\"wasGeneratedBy\": 1, \"wasInformedBy\": 3}, \"undeclared\": 0}\n");
}

static void test_prov_one_document_per_flush(void **state)
{
	(void)state;
	char cmd[512], line[512];
	struct sabpf_pipeline *p = new_pipeline(NULL, NULL);
	char spec[300];
	snprintf(spec, sizeof(spec), "prov:%s", in_dir("two.json"));
	assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), 0);
	fx_cat_scenario(&stream);
	for (int i = 0; i < stream.count; i++) {
		assert_int_equal(pipeline_consume(p, fx_record(&stream, i), stream.size[i]), 0);
		if (i == 10) {
			assert_int_equal(pipeline_flush(p), 0);
			assert_int_equal(pipeline_flush(p), 0); /* nothing new: no empty document */
		}
	}
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	char *out = read_all(in_dir("two.json"), NULL);
	assert_int_equal(count_lines(out), 2);
	free(out);
	snprintf(cmd, sizeof(cmd), "%s %s --strict %s", PY, PROV_CHECK, in_dir("two.json"));
	assert_int_equal(run(cmd, line, sizeof(line)), 0);
	assert_contains(line, "\"documents\": 2");
	assert_contains(line, "\"nodes\": 12");
	assert_contains(line, "\"acyclic\": true");

	/* a run with no record still writes one (empty) valid document */
	p = new_pipeline(NULL, NULL);
	snprintf(spec, sizeof(spec), "prov:%s", in_dir("empty.json"));
	assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	snprintf(cmd, sizeof(cmd), "%s %s %s", PY, PROV_CHECK, in_dir("empty.json"));
	assert_int_equal(run(cmd, line, sizeof(line)), 0);
	assert_contains(line, "\"documents\": 1, \"graph_nodes\": 0, \"nodes\": 0");
}

/* Copies record i of the stream into rec with every node id shifted. */
static void shifted_record(int i, __u64 shift, unsigned char *rec)
{
	memcpy(rec, fx_record(&stream, i), stream.size[i]);
	struct sabpf_hdr *h = (struct sabpf_hdr *)rec;
	if (h->type == SABPF_REC_EDGE) {
		((struct sabpf_edge *)rec)->from.id += shift;
		((struct sabpf_edge *)rec)->to.id += shift;
	} else if (h->type == SABPF_REC_NODE) {
		((struct sabpf_node *)rec)->node.id += shift;
	} else if (h->type == SABPF_REC_NAME) {
		((struct sabpf_name *)rec)->node.id += shift;
	}
}

/* A document far larger than the write block (sections are written
 * straight from their buffers) is still one valid document. */
static void test_prov_large_document(void **state)
{
	(void)state;
	char spec[300], cmd[512], line[512];
	_Alignas(8) unsigned char rec[RECORD_MAX_SIZE_TEST];
	snprintf(spec, sizeof(spec), "prov:%s", in_dir("large.json"));
	struct sabpf_pipeline *p = new_pipeline(spec, NULL);
	fx_cat_scenario(&stream);
	for (__u64 rep = 0; rep < 400; rep++) {
		for (int i = 0; i < stream.count; i++) {
			shifted_record(i, rep << 32, rec);
			assert_int_equal(pipeline_consume(p, rec, stream.size[i]), 0);
		}
	}
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	size_t len;
	free(read_all(in_dir("large.json"), &len));
	assert_true(len > 4 * 64 * 1024);
	snprintf(cmd, sizeof(cmd), "%s %s --strict %s", PY, PROV_CHECK, in_dir("large.json"));
	assert_int_equal(run(cmd, line, sizeof(line)), 0);
	assert_string_equal(line, "{\"acyclic\": true, \"documents\": 1, \"graph_nodes\": 4800, "
				  "\"nodes\": 4800, \"relations\": {\"used\": 1600, "
				  "\"wasDerivedFrom\": 1600, \"wasGeneratedBy\": 400, "
				  "\"wasInformedBy\": 1200}, \"undeclared\": 0}\n");
}

/* The checker itself must fail on a cycle and on a non-PROV line. */
static void test_prov_check_detects_problems(void **state)
{
	(void)state;
	char cmd[512], line[512];
	FILE *f = fopen(in_dir("cycle.json"), "w");
	assert_non_null(f);
	fputs("{\"prefix\":{\"s\":\"urn:s#\"},\"entity\":{\"s:a\":{},\"s:b\":{}},"
	      "\"wasDerivedFrom\":{\"s:e1\":{\"prov:generatedEntity\":\"s:a\","
	      "\"prov:usedEntity\":\"s:b\"},\"s:e2\":{\"prov:generatedEntity\":\"s:b\","
	      "\"prov:usedEntity\":\"s:a\"}}}\n",
	      f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s %s %s 2>/dev/null", PY, PROV_CHECK, in_dir("cycle.json"));
	assert_int_equal(run(cmd, line, sizeof(line)), 1);
	assert_contains(line, "\"acyclic\": false");

	/* --strict: a used relation whose activity is declared as an entity */
	f = fopen(in_dir("class.json"), "w");
	assert_non_null(f);
	fputs("{\"prefix\":{\"s\":\"urn:s#\"},\"entity\":{\"s:a\":{},\"s:b\":{}},"
	      "\"used\":{\"s:e1\":{\"prov:activity\":\"s:a\",\"prov:entity\":\"s:b\"}}}\n",
	      f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s %s %s", PY, PROV_CHECK, in_dir("class.json"));
	assert_int_equal(run(cmd, line, sizeof(line)), 0);
	snprintf(cmd, sizeof(cmd), "%s %s --strict %s 2>/dev/null", PY, PROV_CHECK,
		 in_dir("class.json"));
	assert_int_equal(run(cmd, line, sizeof(line)), 1);

	f = fopen(in_dir("bad.json"), "w");
	assert_non_null(f);
	fputs("{\"entity\": {\n", f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s %s %s 2>/dev/null", PY, PROV_CHECK, in_dir("bad.json"));
	assert_int_equal(run(cmd, line, sizeof(line)), 1);
}

/* Every node carries its context block: the file written by a task that
 * has since moved to another mount namespace keeps the context of the
 * moment it was recorded; the jsonl view shows the actor's namespaces. */
static void test_context_block_in_every_format(void **state)
{
	(void)state;
	char prov[600], jsonl[600];
	snprintf(prov, sizeof(prov), "prov:%s", in_dir("ctx.json"));
	snprintf(jsonl, sizeof(jsonl), "jsonl:%s", in_dir("ctx.jsonl"));
	struct sabpf_pipeline *p = new_pipeline(prov, jsonl);
	fx_init(&stream, FX_CONTAINER);
	stream.ctx.mntns = 111;
	stream.ctx.euid = 7;
	fx_inode(&stream, SABPF_NODE_FILE, 2, 1, 300, 0100600);
	fx_path(&stream, 3, 1, "/tmp/y");
	stream.ctx.mntns = 222;
	fx_task(&stream, 1, 1, 100, 0, "mover");
	fx_edge(&stream, SABPF_REL_WRITE, fx_ref(1, 1, SABPF_NODE_TASK),
		fx_ref(2, 1, SABPF_NODE_FILE), 100, 0);
	assert_int_equal(fx_feed(&stream, p), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);

	char *out = read_all(in_dir("ctx.json"), NULL);
	assert_contains(out, "\"prov:label\":\"file ino 300\",\"cf:id\":2,\"cf:version\":1,"
			     "\"cf:date\":\"2025-11-29T07:30:00.000001000Z\",\"cf:container\":42,"
			     "\"cf:uts_ns\":4026531838,\"cf:ipc_ns\":4026531839,\"cf:mnt_ns\":111,"
			     "\"cf:pid_ns\":4026531836,\"cf:net_ns\":4026531840,"
			     "\"cf:cgroup_ns\":4026531835,\"cf:ctx_uid\":1000,\"cf:ctx_gid\":1000,"
			     "\"cf:ctx_euid\":7,\"cf:ctx_egid\":1000,\"cf:ino\":300,");
	assert_contains(out,
			"\"prov:label\":\"path /tmp/y\",\"cf:id\":3,\"cf:version\":1,"
			"\"cf:date\":\"2025-11-29T07:30:00.000002000Z\",\"cf:container\":42,"
			"\"cf:uts_ns\":4026531838,\"cf:ipc_ns\":4026531839,\"cf:mnt_ns\":111,");
	assert_contains(out,
			"\"prov:label\":\"task 100 mover\",\"cf:id\":1,\"cf:version\":1,"
			"\"cf:date\":\"2025-11-29T07:30:00.000003000Z\",\"cf:container\":42,"
			"\"cf:uts_ns\":4026531838,\"cf:ipc_ns\":4026531839,\"cf:mnt_ns\":222,");
	free(out);
	out = read_all(in_dir("ctx.jsonl"), NULL);
	assert_contains(out, "\"comm\":\"mover\",\"uid\":1000,\"uts_ns\":4026531838,"
			     "\"ipc_ns\":4026531839,\"mnt_ns\":222,\"pid_ns\":4026531836,"
			     "\"net_ns\":4026531840,\"cgroup_ns\":4026531835,\"action\":\"write\"");
	free(out);
}

/* The system objects: a namespace, a BPF map and program, a kernel module
 * asked for, each with its attributes and a label. */
static void test_prov_system_nodes(void **state)
{
	(void)state;
	char spec[600];
	struct sabpf_pipeline *p = new_pipeline(NULL, NULL);
	snprintf(spec, sizeof(spec), "prov:%s", in_dir("system.json"));
	assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), 0);
	fx_init(&stream, FX_CONTAINER);
	const __u16 T = SABPF_NODE_TASK;
	fx_task(&stream, 1, 0, 100, 0, "sysops");
	size_t size = offsetof(struct sabpf_node, ns) + sizeof(struct sabpf_ns_attrs);
	struct sabpf_node *n = fx_add(&stream, SABPF_REC_NODE, size);
	n->node = fx_ref(SABPF_NS_ID_BASE | 4026532200u, 0, SABPF_NODE_NAMESPACE);
	n->ctx = stream.ctx;
	n->ns.inum = 4026532200u;
	n->ns.nstype = 0x04000000; /* CLONE_NEWUTS */
	size = offsetof(struct sabpf_node, bpf) + sizeof(struct sabpf_bpf_attrs);
	n = fx_add(&stream, SABPF_REC_NODE, size);
	n->node = fx_ref(3, 0, SABPF_NODE_BPF_MAP);
	n->ctx = stream.ctx;
	n->bpf.id = 12;
	n->bpf.type = 2;
	memcpy(n->bpf.name, "motif_map", 9);
	fx_name_raw(&stream, SABPF_NODE_KMODULE, 4, 0, "net-pf-5", 9, 0, 0);
	fx_edge(&stream, SABPF_REL_SETNS,
		fx_ref(SABPF_NS_ID_BASE | 4026532200u, 0, SABPF_NODE_NAMESPACE), fx_ref(1, 0, T),
		100, 0x04000000);
	fx_edge(&stream, SABPF_REL_BPF_MAP, fx_ref(1, 0, T), fx_ref(3, 0, SABPF_NODE_BPF_MAP), 100,
		3);
	fx_edge(&stream, SABPF_REL_MODULE_REQUEST, fx_ref(1, 1, T),
		fx_ref(4, 0, SABPF_NODE_KMODULE), 100, 0);
	assert_int_equal(fx_feed(&stream, p), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	char *out = read_all(in_dir("system.json"), NULL);
	assert_contains(out, "\"prov:type\":\"namespace\",\"prov:label\":\"namespace "
			     "uts:[4026532200]\"");
	assert_contains(out, "\"cf:inum\":4026532200,\"cf:nstype\":\"uts\"}");
	assert_contains(out, "\"prov:type\":\"bpf_map\",\"prov:label\":\"bpf_map 12 motif_map\"");
	assert_contains(out, "\"cf:bpf_id\":12,\"cf:bpf_type\":2,\"cf:bpf_name\":\"motif_map\"}");
	assert_contains(out, "\"prov:type\":\"kernel_module\",\"prov:label\":\"kernel_module "
			     "net-pf-5\"");
	assert_contains(out, "\"cf:name\":\"net-pf-5\"}");
	assert_contains(out, "\"prov:type\":\"setns\"");
	assert_contains(out, "\"prov:type\":\"module_request\"");
	free(out);
}

/* An xattr node is described by its name, not as an inode. */
static void test_prov_xattr_node(void **state)
{
	(void)state;
	char spec[600];
	struct sabpf_pipeline *p = new_pipeline(NULL, NULL);
	snprintf(spec, sizeof(spec), "prov:%s", in_dir("xattr.json"));
	assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), 0);
	fx_init(&stream, FX_CONTAINER);
	fx_task(&stream, 1, 0, 100, 0, "setfattr");
	fx_name_raw(&stream, SABPF_NODE_XATTR, 2, 0, "user.tag", 9, 0, 0);
	fx_edge(&stream, SABPF_REL_SETXATTR, fx_ref(1, 0, SABPF_NODE_TASK),
		fx_ref(2, 0, SABPF_NODE_XATTR), 1, 0);
	assert_int_equal(fx_feed(&stream, p), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	size_t len;
	char *out = read_all(in_dir("xattr.json"), &len);
	assert_contains(out, "\"prov:type\":\"xattr\",\"prov:label\":\"xattr user.tag\"");
	assert_contains(out, "\"cf:name\":\"user.tag\"}");
	assert_null(strstr(out, "\"cf:ino\""));
	assert_contains(out, "\"prov:type\":\"setxattr\"");
	free(out);
}

/* A packet node: its addresses, ports, protocol, sequence number and
 * length, in prov and spade, between a sending and a receiving socket. */
static void test_packet_node(void **state)
{
	(void)state;
	char spec[600], spade[600];
	snprintf(spec, sizeof(spec), "prov:%s", in_dir("packet.json"));
	snprintf(spade, sizeof(spade), "spade:%s", in_dir("packet.spade"));
	struct sabpf_pipeline *p = new_pipeline(spec, spade);
	const __u16 S = SABPF_NODE_SOCKET, P = SABPF_NODE_PACKET;
	fx_init(&stream, FX_CONTAINER);
	fx_inode(&stream, S, 1, 0, 300, 0140777);
	fx_inode(&stream, S, 2, 0, 301, 0140777);
	fx_packet(&stream, 3, AF_INET, 6, "127.0.0.1", 40000, "127.0.0.1", 6200, 123456, 9);
	fx_packet(&stream, 4, AF_INET6, 17, "::1", 40001, "::1", 6201, 0, 6);
	fx_edge(&stream, SABPF_REL_SEND_PACKET, fx_ref(1, 0, S), fx_ref(3, 0, P), 0, 9);
	fx_edge(&stream, SABPF_REL_RECEIVE_PACKET, fx_ref(3, 0, P), fx_ref(2, 0, S), 0, 9);
	fx_edge(&stream, SABPF_REL_SEND_PACKET, fx_ref(1, 0, S), fx_ref(4, 0, P), 0, 6);
	assert_int_equal(fx_feed(&stream, p), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	size_t len;
	char *out = read_all(in_dir("packet.json"), &len);
	assert_contains(out, "\"prov:type\":\"packet\",\"prov:label\":\"packet tcp "
			     "127.0.0.1:40000>127.0.0.1:6200 seq 123456 len 9\"");
	assert_contains(out, "\"cf:family\":2,\"cf:protocol\":6,\"cf:saddr\":\"127.0.0.1\","
			     "\"cf:sport\":40000,\"cf:daddr\":\"127.0.0.1\",\"cf:dport\":6200,"
			     "\"cf:seq\":123456,\"cf:ip_id\":7,\"cf:len\":9}");
	assert_contains(out, "\"cf:family\":10,\"cf:protocol\":17,\"cf:saddr\":\"::1\","
			     "\"cf:sport\":40001,\"cf:daddr\":\"::1\",\"cf:dport\":6201,"
			     "\"cf:len\":6}");
	assert_contains(out, "\"prov:type\":\"send_packet\"");
	assert_contains(out, "\"prov:type\":\"receive_packet\"");
	assert_null(strstr(out, "\"cf:ino\":0,\"cf:dev\":0")); /* not described as an inode */
	free(out);
	out = read_all(in_dir("packet.spade"), &len);
	assert_contains(out, "{\"type\":\"Artifact\",\"id\":\"n4_v0\",\"annotations\":{"
			     "\"subtype\":\"packet\",\"label\":\"packet udp [::1]:40001>[::1]:6201 "
			     "len 6\"");
	assert_contains(out, "\"seq\":\"123456\"");
	free(out);
}

/* A System V object or message node, as ipc.bpf.c writes it. */
static void fx_ipc(struct fx_stream *s, __u16 kind, __u64 id, __s32 key, __s32 ipc_id, __u64 size,
		   __s64 type)
{
	size_t size_rec = offsetof(struct sabpf_node, task) + sizeof(struct sabpf_ipc_attrs);
	struct sabpf_node *n = fx_add(s, SABPF_REC_NODE, size_rec);
	n->node = fx_ref(id, 0, kind);
	n->ipc.key = key;
	n->ipc.id = ipc_id;
	n->ipc.mode = 0600;
	n->ipc.ipcns = 4026531839u;
	n->ipc.size = size;
	n->ipc.type = type;
}

/* IPC objects and messages: their attributes in prov and spade, their
 * names in jsonl; a POSIX queue is an inode of kind mqueue. */
static void test_ipc_nodes_in_every_format(void **state)
{
	(void)state;
	char spec[600];
	struct sabpf_pipeline *p = new_pipeline(NULL, NULL);
	const char *names[] = {"prov:%s", "spade:%s", "jsonl:%s"};
	const char *files[] = {"ipc.prov", "ipc.spade", "ipc.jsonl"};
	for (int i = 0; i < 3; i++) {
		snprintf(spec, sizeof(spec), names[i], in_dir(files[i]));
		assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), 0);
	}
	fx_init(&stream, FX_CONTAINER);
	fx_task(&stream, 1, 0, 100, 0, "ipc");
	fx_ipc(&stream, SABPF_NODE_MSG_QUEUE, 2, 0x5ab10001, 32768, 16384, 0);
	fx_ipc(&stream, SABPF_NODE_MSG, 3, 0x5ab10001, 32768, 5, 7);
	fx_inode(&stream, SABPF_NODE_MQUEUE, 4, 0, 404, 0100600);
	fx_edge(&stream, SABPF_REL_IPC_CREATE, fx_ref(1, 0, SABPF_NODE_TASK),
		fx_ref(2, 0, SABPF_NODE_MSG_QUEUE), 100, 0x5ab10001);
	fx_edge(&stream, SABPF_REL_MSG_SEND, fx_ref(1, 0, SABPF_NODE_TASK),
		fx_ref(3, 0, SABPF_NODE_MSG), 100, 7);
	fx_edge(&stream, SABPF_REL_MSG_ENQUEUE, fx_ref(3, 0, SABPF_NODE_MSG),
		fx_ref(2, 1, SABPF_NODE_MSG_QUEUE), 100, 5);
	fx_edge(&stream, SABPF_REL_MQ_SEND, fx_ref(1, 0, SABPF_NODE_TASK),
		fx_ref(4, 0, SABPF_NODE_MQUEUE), 100, 8);
	assert_int_equal(fx_feed(&stream, p), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	size_t len;

	char *out = read_all(in_dir("ipc.prov"), &len);
	assert_contains(out, "\"prov:type\":\"msg_queue\",\"prov:label\":\"msg_queue id 32768 key "
			     "0x5ab10001\"");
	assert_contains(out, "\"cf:key\":1521549313,\"cf:ipc_id\":32768,\"cf:ipcns\":4026531839,"
			     "\"cf:uid\":0,\"cf:gid\":0,\"cf:qbytes\":16384,\"cf:mode\":\"0600\","
			     "\"cf:cuid\":0,\"cf:cgid\":0}");
	assert_contains(out, "\"prov:label\":\"msg type 7 on queue 32768\"");
	assert_contains(out, "\"cf:msg_type\":7,\"cf:size\":5}");
	assert_contains(out, "\"prov:type\":\"mqueue\",\"prov:label\":\"mqueue ino 404\"");
	/* the queue's version 1 (implied by the enqueue) keeps its attributes */
	assert_contains(out, "\"sabpf:n2_v1\":{\"prov:type\":\"msg_queue\"");
	assert_contains(out, "\"prov:type\":\"msg_enqueue\"");
	free(out);

	out = read_all(in_dir("ipc.spade"), &len);
	assert_contains(out, "\"subtype\":\"msg\",\"label\":\"msg type 7 on queue 32768\"");
	assert_contains(out, "\"key\":\"1521549313\",\"ipc_id\":\"32768\"");
	assert_contains(out, "{\"type\":\"WasDerivedFrom\",\"from\":\"n2_v1\",\"to\":\"n3_v0\"");
	free(out);

	out = read_all(in_dir("ipc.jsonl"), &len);
	assert_contains(out, "\"action\":\"ipc_create\",\"object_kind\":\"msg_queue\","
			     "\"object\":\"id 32768 key 0x5ab10001\"");
	assert_contains(out, "\"action\":\"msg_send\",\"object_kind\":\"msg\","
			     "\"object\":\"type 7 on queue 32768\"");
	assert_contains(out, "\"action\":\"mq_send\",\"object_kind\":\"mqueue\","
			     "\"object\":\"inode:404\"");
	assert_null(strstr(out, "msg_enqueue")); /* no task at either end */
	free(out);
}

static void test_spade_fields(void **state)
{
	(void)state;
	char *out = scenario_output("spade", "g.spade");

	assert_int_equal(count_lines(out), 24); /* 12 vertices, 12 edges */
	assert_int_equal(
	    find_line(
		out,
		"{\"type\":\"Process\",\"id\":\"n10001_v1\",\"annotations\":{"
		"\"subtype\":\"task\",\"label\":\"task 4242 sh\",\"id\":\"65537\","
		"\"version\":\"1\",\"date\":\"2025-11-29T07:30:00.000001000Z\","
		"\"container\":\"42\",\"uts_ns\":\"4026531838\",\"ipc_ns\":\"4026531839\","
		"\"mnt_ns\":\"4026531841\",\"pid_ns\":\"4026531836\",\"net_ns\":\"4026531840\","
		"\"cgroup_ns\":\"4026531835\",\"ctx_uid\":\"1000\",\"ctx_gid\":\"1000\","
		"\"ctx_euid\":\"1000\",\"ctx_egid\":\"1000\",\"pid\":\"4242\",\"vpid\":\"4143\","
		"\"tid\":\"4242\","
		"\"ppid\":\"1\",\"uid\":\"1000\",\"gid\":\"1000\",\"euid\":\"1000\","
		"\"egid\":\"1000\",\"comm\":\"sh\",\"cgroup_id\":\"42\",\"utsns\":\"0\","
		"\"ipcns\":\"0\",\"mntns\":\"4026531841\",\"pidns\":\"0\",\"netns\":\"0\","
		"\"cgroupns\":\"0\"}}"),
	    0);
	/* SPADE direction: Used goes from the process to the artifact */
	find_line(out, "{\"type\":\"Used\",\"from\":\"n10001_v2\",\"to\":\"n10006_v1\","
		       "\"annotations\":{\"subtype\":\"read\","
		       "\"date\":\"2025-11-29T07:30:00.000014000Z\",\"pid\":\"4242\","
		       "\"tid\":\"4242\",\"uid\":\"1000\",\"container\":\"42\"}}");
	find_line(out, "{\"type\":\"WasGeneratedBy\",\"from\":\"n10008_v2\",\"to\":\"n10001_v2\","
		       "\"annotations\":{\"subtype\":\"write\","
		       "\"date\":\"2025-11-29T07:30:00.000019000Z\",\"pid\":\"4242\","
		       "\"tid\":\"4242\",\"uid\":\"1000\",\"container\":\"42\"}}");
	assert_contains(out,
			"{\"type\":\"WasTriggeredBy\",\"from\":\"n10001_v4\",\"to\":\"n10001_v3\","
			"\"annotations\":{\"subtype\":\"terminate_task\"");
	assert_contains(out,
			"{\"type\":\"WasDerivedFrom\",\"from\":\"n10008_v2\",\"to\":\"n10008_v1\","
			"\"annotations\":{\"subtype\":\"version_entity\"");
	assert_contains(out, "\"annotations\":{\"subtype\":\"open\",\"date\":"
			     "\"2025-11-29T07:30:00.000013000Z\",\"pid\":\"4242\",\"tid\":\"4242\","
			     "\"uid\":\"1000\",\"container\":\"42\",\"relation_arg\":\"32768\"}}");
	/* the implied version vertex comes before the edges that use it */
	int vertex = line_with(out, "{\"type\":\"Artifact\",\"id\":\"n10008_v2\"");
	int derived = line_with(out, "\"subtype\":\"version_entity\"");
	int generated = line_with(out, "{\"type\":\"WasGeneratedBy\"");
	assert_true(vertex < derived && vertex < generated);
	assert_true(line_with(out, "{\"type\":\"Process\",\"id\":\"n10001_v4\"") <
		    line_with(out, "\"subtype\":\"terminate_task\""));
	free(out);
}

static void test_spade_lines_are_json_with_string_annotations(void **state)
{
	(void)state;
	char cmd[768], line[256];
	free(scenario_output("spade", "g.spade"));
	snprintf(cmd, sizeof(cmd),
		 "%s -c 'import json,sys\n"
		 "n = 0\n"
		 "for l in open(sys.argv[1]):\n"
		 "    o = json.loads(l); n += 1\n"
		 "    assert o[\"type\"] in (\"Process\",\"Artifact\",\"Used\",\"WasGeneratedBy\","
		 "\"WasTriggeredBy\",\"WasDerivedFrom\"), o\n"
		 "    assert all(isinstance(v, str) for v in o[\"annotations\"].values()), o\n"
		 "    assert (\"id\" in o) != (\"from\" in o and \"to\" in o), o\n"
		 "print(n)' %s",
		 PY, in_dir("g.spade"));
	assert_int_equal(run(cmd, line, sizeof(line)), 0);
	assert_string_equal(line, "24\n");
}

/* The namespaces of the fixtures' context block, as the jsonl view shows
 * the acting task's. */
#define NS_JSONL                                                                                   \
	"\"uts_ns\":4026531838,\"ipc_ns\":4026531839,\"mnt_ns\":4026531841,"                       \
	"\"pid_ns\":4026531836,\"net_ns\":4026531840,\"cgroup_ns\":4026531835,"

static void test_jsonl_fields(void **state)
{
	(void)state;
	char *out = scenario_output("jsonl", "g.jsonl");

	/* exec_task, exec, arg, open, read, write, terminate_task; no
	 * version or named edges (no task at either end, or pure versions) */
	assert_int_equal(count_lines(out), 7);
	assert_int_equal(
	    find_line(out,
		      "{\"time\":\"2025-11-29T07:30:00.000007000Z\",\"container\":\"web\","
		      "\"container_id\":42,\"pid\":4242,\"tid\":4242,\"comm\":\"cat\","
		      "\"uid\":1000," NS_JSONL "\"action\":\"exec_task\",\"object_kind\":\"task\","
		      "\"object\":\"task:4242\",\"result\":\"ok\"}"),
	    0);
	find_line(
	    out,
	    "{\"time\":\"2025-11-29T07:30:00.000008000Z\",\"container\":\"web\","
	    "\"container_id\":42,\"pid\":4242,\"tid\":4242,\"comm\":\"cat\",\"uid\":1000," NS_JSONL
	    ""
	    "\"action\":\"exec\",\"object_kind\":\"file\",\"object\":\"/bin/cat\","
	    "\"result\":\"ok\"}");
	find_line(
	    out,
	    "{\"time\":\"2025-11-29T07:30:00.000009000Z\",\"container\":\"web\","
	    "\"container_id\":42,\"pid\":4242,\"tid\":4242,\"comm\":\"cat\",\"uid\":1000," NS_JSONL
	    ""
	    "\"action\":\"arg\",\"object_kind\":\"argv\","
	    "\"object\":\"cat /etc/hostname\",\"result\":\"ok\"}");
	find_line(
	    out,
	    "{\"time\":\"2025-11-29T07:30:00.000014000Z\",\"container\":\"web\","
	    "\"container_id\":42,\"pid\":4242,\"tid\":4242,\"comm\":\"cat\",\"uid\":1000," NS_JSONL
	    ""
	    "\"action\":\"read\",\"object_kind\":\"file\",\"object\":\"/etc/hostname\","
	    "\"result\":\"ok\"}");
	find_line(
	    out,
	    "{\"time\":\"2025-11-29T07:30:00.000019000Z\",\"container\":\"web\","
	    "\"container_id\":42,\"pid\":4242,\"tid\":4242,\"comm\":\"cat\",\"uid\":1000," NS_JSONL
	    ""
	    "\"action\":\"write\",\"object_kind\":\"file\",\"object\":\"/tmp/x\","
	    "\"result\":\"ok\"}");
	assert_int_equal(line_with(out, "\"action\":\"terminate_task\""), 6);
	assert_null(strstr(out, "version_"));
	assert_null(strstr(out, "\"named\""));
	free(out);
}

static void test_jsonl_objects_and_lost(void **state)
{
	(void)state;
	char spec[300];
	snprintf(spec, sizeof(spec), "jsonl:%s", in_dir("net.jsonl"));
	struct sabpf_pipeline *p = pipeline_new();
	assert_non_null(p);
	pipeline_set_clock_offset(p, 0);
	assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), 0);

	const __u16 T = SABPF_NODE_TASK, S = SABPF_NODE_SOCKET, A = SABPF_NODE_ADDRESS;
	fx_init(&stream, 7); /* container 7 has no name: its id is shown */
	fx_task(&stream, 1, 1, 300, 0, "curl\"\n\x01\xff");
	fx_inode(&stream, S, 2, 1, 555, 0140777);
	fx_addr_ip(&stream, 3, 1, AF_INET, "10.0.0.1", 80);
	fx_addr_ip(&stream, 4, 1, AF_INET6, "::1", 443);
	fx_addr_unix(&stream, 5, 1, "\0abstract", 9);
	fx_edge(&stream, SABPF_REL_CONNECT, fx_ref(1, 1, T), fx_ref(2, 1, S), 300, 0);
	fx_edge(&stream, SABPF_REL_ADDRESSED, fx_ref(3, 1, A), fx_ref(2, 1, S), 300, 0);
	fx_edge(&stream, SABPF_REL_SEND, fx_ref(1, 1, T), fx_ref(2, 1, S), 300, 10);
	fx_edge(&stream, SABPF_REL_ACCEPT, fx_ref(4, 1, A), fx_ref(1, 1, T), 300, 0);
	fx_edge(&stream, SABPF_REL_ACCEPT, fx_ref(5, 1, A), fx_ref(1, 1, T), 300, 0);
	fx_edge(&stream, SABPF_REL_CLONE, fx_ref(1, 1, T), fx_ref(9, 1, T), 300, 0);
	fx_lost(&stream, 3, 2, 4);
	assert_int_equal(fx_feed(&stream, p), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);

	char *out = read_all(in_dir("net.jsonl"), NULL);
	assert_int_equal(count_lines(out), 6); /* addressed has no task end */
	/* before the ADDRESSED edge the socket is known by its inode only */
	find_line(out,
		  "{\"time\":\"2025-11-29T07:30:00.000006000Z\",\"container\":\"7\","
		  "\"container_id\":7,\"pid\":300,\"tid\":300,"
		  "\"comm\":\"curl\\\"\\n\\u0001\\u00ff\",\"uid\":1000," NS_JSONL ""
		  "\"action\":\"connect\",\"object_kind\":\"socket\",\"object\":\"socket:555\","
		  "\"result\":\"ok\"}");
	assert_contains(out, "\"action\":\"send\",\"object_kind\":\"socket\","
			     "\"object\":\"10.0.0.1:80\"");
	assert_contains(out, "\"action\":\"accept\",\"object_kind\":\"address\","
			     "\"object\":\"[::1]:443\"");
	assert_contains(out, "\"object\":\"unix:@abstract\"");
	/* a clone child not described yet is shown by its node id */
	assert_contains(out, "\"action\":\"clone\",\"object_kind\":\"task\",\"object\":\"node:9\"");
	find_line(out, "{\"time\":\"2025-11-29T07:30:00.000012000Z\",\"container\":\"7\","
		       "\"container_id\":7,\"action\":\"records_lost\",\"cause\":\"ring\","
		       "\"count\":3,\"cpu\":0,\"first_seq\":2,\"last_seq\":4}");
	free(out);
}

/* The output of every format for a file named by a truncated path (cut in
 * the kernel: ".../b/c") and one named by a whole path; `flag` is what the
 * format must say of the first only. */
static void test_truncated_path_in_every_format(void **state)
{
	(void)state;
	static const struct {
		const char *format, *truncated, *whole;
	} cases[] = {
	    {"jsonl", "\"object\":\".../b/c\",\"object_truncated\":true,",
	     "\"object\":\"/etc/whole\",\"result\""},
	    {"prov", "\"cf:pathname\":\".../b/c\",\"cf:truncated\":1",
	     "\"cf:pathname\":\"/etc/whole\"}"},
	    {"spade", "\"pathname\":\".../b/c\",\"truncated\":\"1\"",
	     "\"pathname\":\"/etc/whole\"}"},
	    {"dot", "label=\".../b/c\\nfile v1\\ntruncated path\"",
	     "label=\"/etc/whole\\nfile v1\""},
	    {"summary", ".../b/c", "/etc/whole"},
	};
	const __u16 T = SABPF_NODE_TASK, F = SABPF_NODE_FILE, P = SABPF_NODE_PATH;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char spec[600], name[64];
		snprintf(name, sizeof(name), "trunc.%s", cases[i].format);
		snprintf(spec, sizeof(spec), "%s:%s", cases[i].format, in_dir(name));
		struct sabpf_pipeline *p = new_pipeline(spec, NULL);
		fx_init(&stream, FX_CONTAINER);
		fx_task(&stream, 1, 1, 100, 0, "reader");
		fx_inode(&stream, F, 2, 1, 300, 0100644);
		fx_name_raw(&stream, P, 3, 1, "c\0b\0", 4,
			    SABPF_NAME_REVERSED | SABPF_NAME_TRUNCATED, 0);
		fx_edge(&stream, SABPF_REL_NAMED, fx_ref(3, 1, P), fx_ref(2, 1, F), 100, 0);
		fx_edge(&stream, SABPF_REL_READ, fx_ref(2, 1, F), fx_ref(1, 1, T), 100, 0);
		fx_inode(&stream, F, 4, 1, 301, 0100644);
		fx_path(&stream, 5, 1, "/etc/whole");
		fx_edge(&stream, SABPF_REL_NAMED, fx_ref(5, 1, P), fx_ref(4, 1, F), 100, 0);
		fx_edge(&stream, SABPF_REL_READ, fx_ref(4, 1, F), fx_ref(1, 1, T), 100, 0);
		assert_int_equal(fx_feed(&stream, p), 0);
		assert_int_equal(pipeline_finish(p, true), 0);
		pipeline_free(p);
		char *out = read_all(in_dir(name), NULL);
		if (!strstr(out, cases[i].truncated) || !strstr(out, cases[i].whole))
			fail_msg("%s output lacks '%s' or '%s':\n%s", cases[i].format,
				 cases[i].truncated, cases[i].whole, out);
		/* negative control: the whole path is never presented as cut,
		 * nor the cut one as whole */
		assert_null(strstr(out, "\"/b/c"));
		assert_null(strstr(out, " /b/c"));
		if (strcmp(cases[i].format, "jsonl") == 0)
			assert_int_equal(count_occurrences(out, "object_truncated"), 1);
		free(out);
	}
}

/* Records of two CPUs can name versions of one node out of order: an edge
 * ends at version 3 of a file before another names its version 2 (and one
 * names version 1 after that). Every version named is declared, once. */
static void test_versions_out_of_order_are_all_declared(void **state)
{
	(void)state;
	char spec[600];
	snprintf(spec, sizeof(spec), "prov:%s", in_dir("order.json"));
	struct sabpf_pipeline *p = new_pipeline(spec, NULL);
	const __u16 T = SABPF_NODE_TASK, F = SABPF_NODE_FILE;
	fx_init(&stream, FX_CONTAINER);
	fx_task(&stream, 1, 1, 100, 0, "a");
	fx_inode(&stream, F, 2, 0, 300, 0100644);
	fx_edge(&stream, SABPF_REL_WRITE, fx_ref(1, 1, T), fx_ref(2, 3, F), 100, 0);
	fx_edge(&stream, SABPF_REL_READ, fx_ref(2, 2, F), fx_ref(1, 1, T), 100, 0);
	fx_edge(&stream, SABPF_REL_READ, fx_ref(2, 1, F), fx_ref(1, 1, T), 100, 0);
	fx_edge(&stream, SABPF_REL_READ, fx_ref(2, 2, F), fx_ref(1, 1, T), 100, 0);
	assert_int_equal(fx_feed(&stream, p), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	char *out = read_all(in_dir("order.json"), NULL);
	for (int v = 0; v <= 3; v++) {
		char id[64];
		snprintf(id, sizeof(id), "\"sabpf:n2_v%d\":{\"prov:type\":\"file\"", v);
		assert_int_equal(count_occurrences(out, id), 1);
	}
	/* negative control: a version nothing names is not declared */
	assert_null(strstr(out, "\"sabpf:n2_v4\""));
	free(out);
}

/* LOST records are counted for the container they name, by cause; the ring
 * losses alone are the ones the sequence gaps measure (lost_ring). Records
 * are counted per container too. The pipeline's containers are the named
 * ones and those with records or losses. */
static void test_loss_by_container(void **state)
{
	(void)state;
	struct sabpf_pipeline *p = new_pipeline(NULL, NULL); /* names FX_CONTAINER "web" */
	fx_init(&stream, FX_CONTAINER);
	fx_task(&stream, 1, 1, 100, 0, "a");
	fx_skip_seq(&stream, 2);
	fx_lost(&stream, 2, 2, 3);
	fx_lost_of(&stream, 43, SABPF_LOST_RING, 5);
	fx_lost_of(&stream, 43, SABPF_LOST_DENIAL, 7);
	fx_lost_of(&stream, 43, SABPF_LOST_FILE_MAP, 1);
	fx_lost_of(&stream, 0, SABPF_LOST_STORAGE, 4);
	assert_int_equal(fx_feed(&stream, p), 0);
	struct sabpf_stats st;
	pipeline_get_stats(p, &st);
	assert_int_equal(st.lost, 2 + 5 + 7 + 1 + 4);
	assert_int_equal(st.lost_ring, 2 + 5);
	__u64 by[SABPF_LOST_CAUSE_MAX];
	pipeline_container_loss(p, FX_CONTAINER, by);
	assert_int_equal(by[SABPF_LOST_RING], 2);
	assert_int_equal(by[SABPF_LOST_DENIAL], 0);
	pipeline_container_loss(p, 43, by);
	assert_int_equal(by[SABPF_LOST_RING], 5);
	assert_int_equal(by[SABPF_LOST_DENIAL], 7);
	assert_int_equal(by[SABPF_LOST_FILE_MAP], 1);
	assert_int_equal(by[SABPF_LOST_STORAGE], 0);
	pipeline_container_loss(p, 0, by);
	assert_int_equal(by[SABPF_LOST_STORAGE], 4);
	pipeline_container_loss(p, 44, by); /* none */
	for (int c = 0; c < SABPF_LOST_CAUSE_MAX; c++)
		assert_int_equal(by[c], 0);
	/* records per container: LOST records included; they add up */
	assert_int_equal(pipeline_container_records(p, 43), 3);
	assert_int_equal(pipeline_container_records(p, 0), 1);
	assert_int_equal(pipeline_container_records(p, 44), 0);
	assert_true(pipeline_container_records(p, FX_CONTAINER) >= 2);
	assert_int_equal(pipeline_container_records(p, FX_CONTAINER) +
			     pipeline_container_records(p, 43) + pipeline_container_records(p, 0),
			 st.records);
	__u64 ids[8];
	assert_int_equal(pipeline_containers(p, ids, 8), 3);
	assert_int_equal(ids[0], FX_CONTAINER);
	assert_int_equal(ids[1], 43);
	assert_int_equal(ids[2], 0);
	assert_int_equal(pipeline_containers(p, ids, 2), 2);
	pipeline_free(p);
}

static void test_output_specs(void **state)
{
	(void)state;
	struct sabpf_pipeline *p = pipeline_new();
	assert_non_null(p);
	char spec[300];

	assert_int_equal(pipeline_add_output(p, "xml:/tmp/a", err, sizeof(err)), -1);
	assert_string_equal(err, "unknown output format 'xml' in 'xml:/tmp/a': use prov, spade, "
				 "jsonl, raw, dot, summary or summary-json");
	assert_int_equal(pipeline_add_output(p, "prov", err, sizeof(err)), -1);
	assert_contains(err, "output 'prov' has no ':': use FORMAT:PATH");
	assert_int_equal(pipeline_add_output(p, "jsonl:", err, sizeof(err)), -1);
	assert_contains(err, "output 'jsonl:' has no path after ':'");
	assert_int_equal(
	    pipeline_add_output(p, "prov:/nonexistent-sabpf-dir/g.json", err, sizeof(err)), -1);
	assert_contains(err, "cannot create output file '/nonexistent-sabpf-dir/g.json.tmp' for "
			     "'prov:/nonexistent-sabpf-dir/g.json': No such file or directory");
	snprintf(spec, sizeof(spec), "jsonl:%s", in_dir("same"));
	assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), 0);
	snprintf(spec, sizeof(spec), "spade:%s", in_dir("same"));
	assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), -1);
	assert_contains(err, "is given twice");
	assert_int_equal(pipeline_finish(p, false), 0);
	assert_false(exists(in_dir("same")));
	pipeline_free(p);
}

static void test_temp_files(void **state)
{
	(void)state;
	char spec[300];
	const char *final = in_dir("t.json"), *tmp = in_dir("t.json.tmp");

	/* failure: the temporary file is removed, nothing looks complete */
	snprintf(spec, sizeof(spec), "prov:%s", final);
	struct sabpf_pipeline *p = new_pipeline(spec, NULL);
	fx_cat_scenario(&stream);
	fx_feed(&stream, p);
	assert_int_equal(pipeline_flush(p), 0);
	assert_true(exists(tmp));
	assert_false(exists(final));
	assert_int_equal(pipeline_finish(p, false), 0);
	assert_false(exists(tmp));
	assert_false(exists(final));
	pipeline_free(p);

	/* freed without finishing: same as a failure */
	p = new_pipeline(spec, NULL);
	assert_true(exists(tmp));
	pipeline_free(p);
	assert_false(exists(tmp));
	assert_false(exists(final));

	/* success: renamed into place */
	p = new_pipeline(spec, NULL);
	fx_feed(&stream, p);
	assert_int_equal(pipeline_finish(p, true), 0);
	assert_false(exists(tmp));
	assert_true(exists(final));
	pipeline_free(p);
}

/* Byte offset of record i in a raw file of the stream. */
static long raw_offset(int i)
{
	long off = 32; /* 16-byte header, the 16-byte extension (clock offset, backend) */
	for (int k = 0; k < i; k++)
		off += (long)stream.size[k];
	return off;
}

/* The backend named on the pipeline before its outputs: on every JSON
 * line, every PROV and SPADE node and relation, and in a raw file's header,
 * from which a replay takes it again; with none named, none is written. */
static void test_records_name_their_backend(void **state)
{
	(void)state;
	const char *formats[] = {"jsonl", "prov", "spade", "raw"};
	char *text[4];
	for (int named = 1; named >= 0; named--) {
		struct sabpf_pipeline *p = pipeline_new();
		assert_non_null(p);
		pipeline_set_clock_offset(p, 0);
		if (named)
			pipeline_set_backend(p, "trace");
		for (int i = 0; i < 4; i++) {
			char spec[300], name[32];
			snprintf(name, sizeof(name), "b%d.%s", named, formats[i]);
			snprintf(spec, sizeof(spec), "%s:%s", formats[i], in_dir(name));
			assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), 0);
		}
		fx_cat_scenario(&stream);
		assert_int_equal(fx_feed(&stream, p), 0);
		assert_int_equal(pipeline_finish(p, true), 0);
		pipeline_free(p);
		for (int i = 0; i < 4; i++) {
			char name[32];
			size_t len;
			snprintf(name, sizeof(name), "b%d.%s", named, formats[i]);
			text[i] = read_all(in_dir(name), &len);
			assert_non_null(text[i]);
		}
		if (named) {
			/* every line of jsonl and SPADE, every PROV node and relation */
			for (int i = 0; i < 3; i += 2) {
				char *line = text[i], *end;
				int lines = 0;
				while ((end = strchr(line, '\n'))) {
					*end = '\0';
					assert_non_null(strstr(line, "\"backend\":\"trace\""));
					lines++;
					line = end + 1;
				}
				assert_true(lines > 5);
			}
			size_t ids = 0, tagged = 0;
			for (const char *q = text[1]; (q = strstr(q, "\"cf:date\"")); q++)
				ids++;
			for (const char *q = text[1]; (q = strstr(q, "\"cf:backend\":\"trace\""));
			     q++)
				tagged++;
			assert_true(ids > 5);
			assert_int_equal(tagged, ids);
			__u32 code;
			memcpy(&code, text[3] + 24, sizeof(code));
			assert_int_equal(code, 2);
			/* a replay of the raw file names the backend again */
			struct sabpf_pipeline *r = pipeline_new();
			assert_int_equal(
			    pipeline_replay_file(r, in_dir("b1.raw"), err, sizeof(err)), 0);
			assert_string_equal(pipeline_backend(r), "trace");
			pipeline_free(r);
		} else { /* the negative control */
			for (int i = 0; i < 3; i++)
				assert_null(strstr(text[i], "backend"));
		}
		for (int i = 0; i < 4; i++)
			free(text[i]);
	}
}

static void test_raw_replay_round_trip(void **state)
{
	(void)state;
	char raw_spec[300], jsonl_spec[300], prov_spec[300];
	struct sabpf_stats direct, replayed;

	snprintf(raw_spec, sizeof(raw_spec), "raw:%s", in_dir("r.raw"));
	snprintf(jsonl_spec, sizeof(jsonl_spec), "jsonl:%s", in_dir("direct.jsonl"));
	struct sabpf_pipeline *p = new_pipeline(raw_spec, jsonl_spec);
	snprintf(prov_spec, sizeof(prov_spec), "prov:%s", in_dir("direct.json"));
	assert_int_equal(pipeline_add_output(p, prov_spec, err, sizeof(err)), 0);
	fx_cat_scenario(&stream);
	assert_int_equal(fx_feed(&stream, p), 0);
	/* a malformed record is counted and not written to the raw file */
	assert_int_equal(pipeline_consume(p, "garbage", 7), -1);
	assert_contains(pipeline_last_error(p), "shorter than a header");
	pipeline_get_stats(p, &direct);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);

	size_t raw_len;
	char *raw = read_all(in_dir("r.raw"), &raw_len);
	assert_int_equal(raw_len, (size_t)raw_offset(stream.count));
	assert_memory_equal(raw, "SABPFRAW\x03\0\0\0\x10\0\0\0", 16);
	__s64 clock_offset;
	memcpy(&clock_offset, raw + 16, sizeof(clock_offset));
	assert_int_equal(clock_offset, 0); /* the offset new_pipeline() set */
	__u32 backend;
	memcpy(&backend, raw + 24, sizeof(backend));
	assert_int_equal(backend, 0); /* new_pipeline() names none */
	free(raw);

	snprintf(jsonl_spec, sizeof(jsonl_spec), "jsonl:%s", in_dir("replayed.jsonl"));
	snprintf(prov_spec, sizeof(prov_spec), "prov:%s", in_dir("replayed.json"));
	p = new_pipeline(jsonl_spec, prov_spec);
	if (pipeline_replay_file(p, in_dir("r.raw"), err, sizeof(err)) < 0)
		fail_msg("%s", err);
	pipeline_get_stats(p, &replayed);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);

	assert_int_equal(replayed.records, 21);
	assert_int_equal(replayed.records, direct.records);
	assert_int_equal(replayed.nodes, direct.nodes);
	assert_int_equal(replayed.edges, direct.edges);
	assert_int_equal(direct.malformed, 1);
	assert_int_equal(replayed.malformed, 0);
	char *a = read_all(in_dir("direct.jsonl"), NULL);
	char *b = read_all(in_dir("replayed.jsonl"), NULL);
	assert_string_equal(a, b);
	free(a);
	free(b);
	a = read_all(in_dir("direct.json"), NULL);
	b = read_all(in_dir("replayed.json"), NULL);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

/* Writes the first `len` bytes of r.raw (made by the test above) to name,
 * optionally patching 4 bytes at `at`. */
static void write_raw_variant(const char *name, size_t len, size_t at, __u32 patch)
{
	size_t raw_len;
	char *raw = read_all(in_dir("r.raw"), &raw_len);
	assert_true(len <= raw_len);
	if (at)
		memcpy(raw + at, &patch, sizeof(patch));
	FILE *f = fopen(in_dir(name), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(raw, 1, len, f), len);
	fclose(f);
	free(raw);
}

static void replay_fails(const char *name, const char *want)
{
	struct sabpf_pipeline *p = pipeline_new();
	assert_non_null(p);
	assert_int_equal(pipeline_replay_file(p, in_dir(name), err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
	pipeline_free(p);
}

/* A raw capture carries its machine's clock: converted on another machine
 * (here: another pipeline with the real clock), its times stay the same. */
static void test_raw_keeps_the_capture_clock(void **state)
{
	(void)state;
	char spec[600];
	struct sabpf_pipeline *p = pipeline_new();
	assert_non_null(p);
	/* boot time FX_T0 becomes 2001-09-09T01:46:40Z */
	pipeline_set_clock_offset(p, 1000000000LL * 1000000000LL - (__s64)FX_T0);
	snprintf(spec, sizeof(spec), "raw:%s", in_dir("clock.raw"));
	assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), 0);
	fx_cat_scenario(&stream);
	assert_int_equal(fx_feed(&stream, p), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);

	p = pipeline_new(); /* this machine's clock */
	snprintf(spec, sizeof(spec), "jsonl:%s", in_dir("clock.jsonl"));
	assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), 0);
	if (pipeline_replay_file(p, in_dir("clock.raw"), err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	size_t len;
	char *text = read_all(in_dir("clock.jsonl"), &len);
	assert_contains(text, "\"time\":\"2001-09-09T01:4");
	free(text);
}

static void test_raw_replay_errors(void **state)
{
	(void)state;
	char want[256];
	test_raw_replay_round_trip(state); /* makes r.raw */
	int last = stream.count - 1;

	replay_fails("missing.raw", "cannot open raw file");
	write_raw_variant("short.raw", 10, 0, 0);
	replay_fails("short.raw", "it is 10 bytes, shorter than the 16-byte header");
	write_raw_variant("magic.raw", 64, 4, 0x21212121);
	replay_fails("magic.raw", "is not a sabpf raw file: bad magic at offset 0");
	write_raw_variant("abi.raw", 64, 8, 99);
	replay_fails("abi.raw", "holds records of ABI 99, but this sabpf reads ABI 3");
	/* a capture of ABI 1 (NODE and NAME records without the context block) */
	write_raw_variant("abi1.raw", 64, 8, 1);
	replay_fails("abi1.raw", "holds records of ABI 1, but this sabpf reads ABI 3: convert it "
				 "with the sabpf version that wrote it");
	/* a capture of ABI 2 (LOST records without container and cause) */
	write_raw_variant("abi2.raw", 64, 8, 2);
	replay_fails("abi2.raw", "holds records of ABI 2, but this sabpf reads ABI 3: convert it "
				 "with the sabpf version that wrote it");
	write_raw_variant("ext.raw", 64, 12, 1000);
	replay_fails("ext.raw", "header extension of 1000 bytes");

	write_raw_variant("cut.raw", (size_t)raw_offset(last) + 40, 0, 0);
	snprintf(want, sizeof(want),
		 "is truncated: the record at offset %ld needs 88 bytes but only "
		 "40 remain",
		 raw_offset(last));
	replay_fails("cut.raw", want);

	write_raw_variant("cuthdr.raw", (size_t)raw_offset(last) + 5, 0, 0);
	snprintf(want, sizeof(want), "the record at offset %ld has only 5 of its 32 header bytes",
		 raw_offset(last));
	replay_fails("cuthdr.raw", want);

	/* the size field of record 3 says 8 bytes: the stream cannot be followed */
	write_raw_variant("size.raw", (size_t)raw_offset(stream.count), (size_t)raw_offset(3) + 4,
			  8);
	snprintf(want, sizeof(want), "is corrupt: the record at offset %ld says it is 8 bytes",
		 raw_offset(3));
	replay_fails("size.raw", want);

	/* a well-sized record with a bad relation is counted and reported */
	write_raw_variant("rel.raw", (size_t)raw_offset(stream.count),
			  (size_t)raw_offset(last) + 32, 999);
	snprintf(want, sizeof(want),
		 "holds 1 malformed records (first at offset %ld: EDGE record "
		 "has unknown relation 999",
		 raw_offset(last));
	replay_fails("rel.raw", want);
}

static void test_loss_accounting(void **state)
{
	(void)state;
	struct sabpf_stats st;
	struct sabpf_pipeline *p = pipeline_new();
	assert_non_null(p);
	const __u16 T = SABPF_NODE_TASK;

	fx_init(&stream, 1);
	/* CPU 0: seq 1, 2, then 3..5 lost and reported, then 6, 7 */
	fx_task(&stream, 1, 1, 100, 0, "a");
	fx_task(&stream, 2, 1, 101, 0, "b");
	fx_skip_seq(&stream, 3);
	fx_lost(&stream, 3, 3, 5);
	fx_edge(&stream, SABPF_REL_CLONE, fx_ref(1, 1, T), fx_ref(2, 1, T), 100, 0);
	fx_edge(&stream, SABPF_REL_CLONE, fx_ref(1, 1, T), fx_ref(2, 1, T), 100, 0);
	/* CPU 1: seq 1, then 2 missing and NOT reported, then 3; fed out of order */
	stream.cpu = 1;
	fx_task(&stream, 3, 1, 102, 0, "c");
	fx_skip_seq(&stream, 1);
	fx_task(&stream, 4, 1, 103, 0, "d");
	/* CPU 3: only seq 2 arrives */
	stream.cpu = 3;
	fx_skip_seq(&stream, 1);
	fx_task(&stream, 5, 1, 104, 0, "e");

	for (int i = 0; i < 5; i++)
		assert_int_equal(pipeline_consume(p, fx_record(&stream, i), stream.size[i]), 0);
	assert_int_equal(pipeline_consume(p, fx_record(&stream, 6), stream.size[6]), 0);
	assert_int_equal(pipeline_consume(p, fx_record(&stream, 5), stream.size[5]), 0);
	assert_int_equal(pipeline_consume(p, fx_record(&stream, 7), stream.size[7]), 0);
	assert_int_equal(pipeline_consume(p, fx_record(&stream, 0), 8), -1); /* malformed */

	pipeline_get_stats(p, &st);
	assert_int_equal(st.records, 8);
	assert_int_equal(st.nodes, 5);
	assert_int_equal(st.edges, 2);
	assert_int_equal(st.lost, 3);
	assert_int_equal(st.seq_missing, 3 + 1 + 1);
	assert_int_equal(st.malformed, 1);
	assert_string_equal(pipeline_last_error(p),
			    "record of 8 bytes is shorter than a header (32 bytes)");

	/* the kernel says CPU 0 tried 9 records in all: 8 and 9 were lost at
	 * the very end, which no later record could reveal; a lower count
	 * than what was seen changes nothing */
	pipeline_note_issued(p, 0, 9);
	pipeline_note_issued(p, 1, 2);
	pipeline_get_stats(p, &st);
	assert_int_equal(st.seq_missing, 3 + 2 + 1 + 1);
	pipeline_free(p);
}

/* A write that fails (file size limit) makes finish fail, and neither
 * the file nor its temporary file is left behind. */
static void test_write_failure_leaves_no_file(void **state)
{
	(void)state;
	char spec[300];
	struct rlimit old, small = {.rlim_cur = 1000, .rlim_max = RLIM_INFINITY};
	const char *final = in_dir("big.json"), *tmp = in_dir("big.json.tmp");

	snprintf(spec, sizeof(spec), "prov:%s", final);
	struct sabpf_pipeline *p = new_pipeline(spec, NULL);
	fx_cat_scenario(&stream);
	fx_feed(&stream, p);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN); /* get EFBIG instead */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	int flushed = pipeline_flush(p); /* the document is > 1000 bytes */
	int finished = pipeline_finish(p, true);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, old_handler);
	pipeline_free(p);
	assert_int_equal(flushed, -1);
	assert_int_equal(finished, -1);
	assert_false(exists(final));
	assert_false(exists(tmp));
}

static void test_stdout_output(void **state)
{
	(void)state;
	struct sabpf_pipeline *p = pipeline_new();
	assert_non_null(p);
	assert_int_equal(pipeline_add_output(p, "jsonl:-", err, sizeof(err)), 0);
	/* "-" is standard output: nothing to rename, and it stays open */
	assert_int_equal(pipeline_finish(p, true), 0);
	assert_int_not_equal(fcntl(STDOUT_FILENO, F_GETFD), -1);
	pipeline_free(p);
}

#define DOCKER_ID "cb3a25b42bcca7ddbb2b55a2e8a6feb9b4ad231d41acf1e07467df0c4f671370"

/* The cat scenario with the container given a runtime identity (docker,
 * name, image) in every format of `sabpf audit`: jsonl's "identity" object
 * and display name, the identity_* attributes of PROV and SPADE task nodes,
 * the summary and DOT labels. An identity of sabpf run's own changes
 * nothing (negative control: jsonl as without identity). */
static void test_identity_in_every_format(void **state)
{
	(void)state;
	static const char *const formats[] = {"jsonl", "prov", "spade", "summary", "dot"};
	const size_t nformats = sizeof(formats) / sizeof(formats[0]);
	for (int shown = 1; shown >= 0; shown--) {
		struct sabpf_pipeline *p = new_pipeline(NULL, NULL);
		char spec[300], name[32];
		for (size_t i = 0; i < nformats; i++) {
			snprintf(name, sizeof(name), "id%d.%s", shown, formats[i]);
			snprintf(spec, sizeof(spec), "%s:%s", formats[i], in_dir(name));
			if (pipeline_add_output(p, spec, err, sizeof(err)) < 0)
				fail_msg("%s", err);
		}
		struct sabpf_identity id;
		memset(&id, 0, sizeof(id));
		id.runtime = shown ? SABPF_RT_DOCKER : SABPF_RT_SABPF;
		strcpy(id.id, shown ? DOCKER_ID : "web");
		strcpy(id.name, "web");
		strcpy(id.image, "busybox:1.36");
		assert_int_equal(pipeline_set_identity(p, FX_CONTAINER, &id), 0);
		fx_cat_scenario(&stream);
		assert_int_equal(fx_feed(&stream, p), 0);
		assert_int_equal(pipeline_finish(p, true), 0);
		pipeline_free(p);
	}
	char *jsonl = read_all(in_dir("id1.jsonl"), NULL);
	assert_int_equal(count_lines(jsonl), 7);
	assert_int_equal(count_occurrences(jsonl,
					   "\"container\":\"docker:web\",\"container_id\":42,"
					   "\"identity\":{\"runtime\":\"docker\",\"id\":"
					   "\"" DOCKER_ID "\",\"name\":\"web\",\"image\":"
					   "\"busybox:1.36\"},\"pid\":4242,"),
			 7);
	free(jsonl);
	char *prov = read_all(in_dir("id1.prov"), NULL);
	/* every version of the one task, and no other node */
	int tasks = count_occurrences(prov, "\"prov:type\":\"task\"");
	assert_true(tasks >= 2);
	assert_int_equal(count_occurrences(prov, "\"cf:identity_name\":\"web\""), tasks);
	assert_int_equal(count_occurrences(prov, "\"cf:identity_runtime\":\"docker\""), tasks);
	assert_int_equal(count_occurrences(prov, "\"cf:identity_image\":\"busybox:1.36\""), tasks);
	assert_int_equal(count_occurrences(prov, "\"cf:identity_id\":\"" DOCKER_ID "\""), tasks);
	free(prov);
	char *spade = read_all(in_dir("id1.spade"), NULL);
	assert_int_equal(count_occurrences(spade, "\"identity_name\":\"web\""),
			 count_occurrences(spade, "\"subtype\":\"task\""));
	free(spade);
	char *summary = read_all(in_dir("id1.summary"), NULL);
	assert_contains(summary, "container 42 (docker:web)");
	free(summary);
	char *dot = read_all(in_dir("id1.dot"), NULL);
	assert_contains(dot, "container 42 (docker:web)");
	free(dot);

	/* sabpf run's identity: the outputs of a plain container */
	char *plain = read_all(in_dir("id0.jsonl"), NULL);
	assert_null(strstr(plain, "identity"));
	assert_int_equal(
	    count_occurrences(plain, "\"container\":\"web\",\"container_id\":42,\"pid\""), 7);
	free(plain);
	plain = read_all(in_dir("id0.prov"), NULL);
	assert_null(strstr(plain, "identity"));
	free(plain);
}

/* A denial names the denied task's own cgroup: a container of a runtime
 * started under a registered parent (container 42, task cgroup 77) shows
 * the identity of cgroup 77, and the parent's name as "container". */
static void test_identity_of_a_denial(void **state)
{
	(void)state;
	struct sabpf_pipeline *p = new_pipeline(NULL, NULL);
	char spec[300];
	snprintf(spec, sizeof(spec), "jsonl:%s", in_dir("denial.jsonl"));
	if (pipeline_add_output(p, spec, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	struct sabpf_identity id;
	memset(&id, 0, sizeof(id));
	id.runtime = SABPF_RT_DOCKER;
	strcpy(id.id, DOCKER_ID);
	strcpy(id.name, "late");
	assert_int_equal(pipeline_set_identity(p, 77, &id), 0);
	static const char path[] = "/etc/shadow";
	unsigned char rec[sizeof(struct sabpf_denial) + sizeof(path)];
	struct sabpf_denial d;
	memset(&d, 0, sizeof(d));
	d.hdr.type = SABPF_REC_DENIAL;
	d.hdr.size = sizeof(rec);
	d.hdr.container = FX_CONTAINER;
	d.cgroup_id = 77;
	d.operation = SABPF_OP_FILE_OPEN;
	d.pid = d.tid = 9;
	d.enforced = 1;
	d.error = -1;
	strcpy(d.comm, "cat");
	d.path_len = sizeof(path);
	memcpy(rec, &d, sizeof(d));
	memcpy(rec + sizeof(d), path, sizeof(path));
	assert_int_equal(pipeline_consume(p, rec, sizeof(rec)), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	char *out = read_all(in_dir("denial.jsonl"), NULL);
	assert_int_equal(count_lines(out), 1);
	assert_contains(out, "\"container\":\"web\",\"container_id\":42,\"identity\":{\"runtime\":"
			     "\"docker\",\"id\":\"" DOCKER_ID "\",\"name\":\"late\"},");
	assert_contains(out, "/etc/shadow");
	free(out);
}

/* A container of a runtime under a registered parent (the stream's
 * container 42 is "web", a plain cgroup; its task runs in cgroup 77, a
 * docker container "late"): JSON lines, PROV and SPADE show 77's identity,
 * the summary's process line and the DOT task label say "in docker:late";
 * the clusters stay the parent's. */
static void test_identity_of_a_task_cgroup(void **state)
{
	(void)state;
	static const char *const formats[] = {"jsonl", "prov", "summary", "dot"};
	struct sabpf_pipeline *p = new_pipeline(NULL, NULL);
	char spec[300], name[32];
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		snprintf(name, sizeof(name), "tc.%s", formats[i]);
		snprintf(spec, sizeof(spec), "%s:%s", formats[i], in_dir(name));
		if (pipeline_add_output(p, spec, err, sizeof(err)) < 0)
			fail_msg("%s", err);
	}
	struct sabpf_identity id;
	memset(&id, 0, sizeof(id));
	id.runtime = SABPF_RT_DOCKER;
	strcpy(id.id, DOCKER_ID);
	strcpy(id.name, "late");
	assert_int_equal(pipeline_set_identity(p, 77, &id), 0);
	fx_cat_scenario(&stream);
	int tasks = 0;
	for (int i = 0; i < stream.count; i++) {
		struct sabpf_node *n = (struct sabpf_node *)(stream.buf + stream.off[i]);
		if (n->hdr.type == SABPF_REC_NODE && n->node.kind == SABPF_NODE_TASK) {
			n->task.cgroup_id = 77;
			tasks++;
		}
	}
	assert_true(tasks > 0);
	assert_int_equal(fx_feed(&stream, p), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	char *out = read_all(in_dir("tc.jsonl"), NULL);
	assert_int_equal(count_occurrences(out, "\"container\":\"web\",\"container_id\":42,"
						"\"identity\":{\"runtime\":\"docker\",\"id\":"
						"\"" DOCKER_ID "\",\"name\":\"late\"},"),
			 7);
	free(out);
	out = read_all(in_dir("tc.prov"), NULL);
	assert_int_equal(count_occurrences(out, "\"cf:identity_name\":\"late\""),
			 count_occurrences(out, "\"prov:type\":\"task\""));
	free(out);
	out = read_all(in_dir("tc.summary"), NULL);
	assert_contains(out, "container 42 (web)");
	assert_contains(out, " in docker:late: ");
	free(out);
	out = read_all(in_dir("tc.dot"), NULL);
	assert_contains(out, "container 42 (web)");
	assert_contains(out, "\\ndocker:late");
	free(out);
}

/* A raw capture keeps the identities its records name beside it
 * (FILE.identity.jsonl), which a replay shows again; a capture without
 * identities at the same path removes a stale one; a broken one is an error
 * naming its line. */
static void test_identity_saved_beside_raw(void **state)
{
	(void)state;
	char spec[300], side[300];
	snprintf(spec, sizeof(spec), "raw:%s", in_dir("id.raw"));
	snprintf(side, sizeof(side), "%s.identity.jsonl", in_dir("id.raw"));
	struct sabpf_pipeline *p = new_pipeline(spec, NULL);
	struct sabpf_identity id;
	memset(&id, 0, sizeof(id));
	id.runtime = SABPF_RT_PODMAN;
	strcpy(id.id, DOCKER_ID);
	strcpy(id.name, "db \"1\"");
	strcpy(id.image, "localhost/busybox:test");
	assert_true(identity_add_label(&id, "app", 3, "db", 2));
	/* a label key is data (an image's author sets it): escaped as a key */
	assert_true(identity_add_label(&id, "a\"b", 3, "x", 1));
	assert_int_equal(pipeline_set_identity(p, FX_CONTAINER, &id), 0);
	fx_cat_scenario(&stream);
	assert_int_equal(fx_feed(&stream, p), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	char *saved = read_all(side, NULL);
	assert_string_equal(saved,
			    "{\"cgroup\":42,\"runtime\":\"podman\",\"id\":\"" DOCKER_ID
			    "\",\"name\":\"db \\\"1\\\"\",\"image\":\"localhost/busybox:test\","
			    "\"label.app\":\"db\",\"label.a\\\"b\":\"x\"}\n");
	free(saved);

	snprintf(spec, sizeof(spec), "jsonl:%s", in_dir("id-replayed.jsonl"));
	p = new_pipeline(spec, NULL);
	if (pipeline_replay_file(p, in_dir("id.raw"), err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	char *out = read_all(in_dir("id-replayed.jsonl"), NULL);
	assert_int_equal(count_occurrences(out,
					   "\"container\":\"podman:db \\\"1\\\"\",\"container_id\":"
					   "42,\"identity\":{\"runtime\":\"podman\",\"id\":"
					   "\"" DOCKER_ID "\",\"name\":\"db \\\"1\\\"\",\"image\":"
					   "\"localhost/busybox:test\",\"label.app\":\"db\","
					   "\"label.a\\\"b\":\"x\"},"),
			 7);
	free(out);

	/* broken: the error names the file and line */
	FILE *f = fopen(side, "w");
	assert_non_null(f);
	fputs("{\"cgroup\":42,\"runtime\":\"docker\",\"id\":\"" DOCKER_ID "\"}\n", f);
	fputs("{\"cgroup\":43,\"runtime\":\"rkt\"}\n", f);
	fclose(f);
	p = new_pipeline(NULL, NULL);
	assert_int_equal(pipeline_replay_file(p, in_dir("id.raw"), err, sizeof(err)), -1);
	assert_contains(err, "id.raw.identity.jsonl line 2: \"runtime\" is none of docker");
	pipeline_free(p);

	/* a capture with no identity at the same path: no stale file left */
	snprintf(spec, sizeof(spec), "raw:%s", in_dir("id.raw"));
	p = new_pipeline(spec, NULL);
	fx_cat_scenario(&stream);
	assert_int_equal(fx_feed(&stream, p), 0);
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	assert_int_equal(access(side, F_OK), -1);
}

/* An output path that is a FIFO (or a device such as /dev/null) is written
 * as it is: renaming PATH.tmp over it would replace it with a regular file
 * (as root, /dev/null itself). A regular file still goes through PATH.tmp
 * (the control), a directory is refused, and a FIFO cannot be sealed. */
static void test_output_to_fifo_stays_fifo(void **state)
{
	(void)state;
	char fifo[256], spec[300], err[512];
	snprintf(fifo, sizeof(fifo), "%s", in_dir("out.fifo"));
	assert_int_equal(mkfifo(fifo, 0600), 0);
	int reader = open(fifo, O_RDONLY | O_NONBLOCK);
	assert_true(reader >= 0);
	struct sabpf_pipeline *p = pipeline_new();
	snprintf(spec, sizeof(spec), "jsonl:%s", fifo);
	assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), 0);
	snprintf(spec, sizeof(spec), "jsonl:%s", in_dir("regular.jsonl"));
	assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), 0);
	assert_true(exists(in_dir("regular.jsonl.tmp"))); /* control: the usual way */
	assert_false(exists(in_dir("out.fifo.tmp")));
	assert_int_equal(pipeline_finish(p, true), 0);
	pipeline_free(p);
	close(reader);
	struct stat st;
	assert_int_equal(stat(fifo, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(stat(in_dir("regular.jsonl"), &st), 0);
	assert_true(S_ISREG(st.st_mode));

	p = pipeline_new();
	snprintf(spec, sizeof(spec), "jsonl:%s", dir);
	assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is a directory"));
	reader = open(fifo, O_RDONLY | O_NONBLOCK);
	assert_int_equal(pipeline_set_seal(p, NULL, 0, err, sizeof(err)), 0);
	snprintf(spec, sizeof(spec), "jsonl:%s", fifo);
	assert_int_equal(pipeline_add_output(p, spec, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "a device or FIFO, which cannot be sealed"));
	pipeline_finish(p, false);
	pipeline_free(p);
	close(reader);
	assert_int_equal(stat(fifo, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	unlink(fifo);
	unlink(in_dir("regular.jsonl"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_output_to_fifo_stays_fifo),
	    cmocka_unit_test(test_prov_fields),
	    cmocka_unit_test(test_prov_read_by_python_prov),
	    cmocka_unit_test(test_prov_one_document_per_flush),
	    cmocka_unit_test(test_prov_large_document),
	    cmocka_unit_test(test_prov_check_detects_problems),
	    cmocka_unit_test(test_spade_fields),
	    cmocka_unit_test(test_spade_lines_are_json_with_string_annotations),
	    cmocka_unit_test(test_jsonl_fields),
	    cmocka_unit_test(test_jsonl_objects_and_lost),
	    cmocka_unit_test(test_identity_in_every_format),
	    cmocka_unit_test(test_identity_of_a_denial),
	    cmocka_unit_test(test_identity_of_a_task_cgroup),
	    cmocka_unit_test(test_identity_saved_beside_raw),
	    cmocka_unit_test(test_output_specs),
	    cmocka_unit_test(test_temp_files),
	    cmocka_unit_test(test_raw_replay_round_trip),
	    cmocka_unit_test(test_records_name_their_backend),
	    cmocka_unit_test(test_raw_replay_errors),
	    cmocka_unit_test(test_context_block_in_every_format),
	    cmocka_unit_test(test_truncated_path_in_every_format),
	    cmocka_unit_test(test_loss_by_container),
	    cmocka_unit_test(test_versions_out_of_order_are_all_declared),
	    cmocka_unit_test(test_prov_system_nodes),
	    cmocka_unit_test(test_prov_xattr_node),
	    cmocka_unit_test(test_packet_node),
	    cmocka_unit_test(test_ipc_nodes_in_every_format),
	    cmocka_unit_test(test_raw_keeps_the_capture_clock),
	    cmocka_unit_test(test_loss_accounting),
	    cmocka_unit_test(test_write_failure_leaves_no_file),
	    cmocka_unit_test(test_stdout_output),
	};
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
