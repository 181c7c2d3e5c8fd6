/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_lineage.c: unit tests of `sabpf lineage` (src/lineage.c) on a
 * synthetic capture of two audited containers: a server (httpd) reads
 * /srv/payload and sends it; the client (wget) receives the packet and
 * writes /tmp/payload, which is executed and writes /tmp/out; wget reads
 * /etc/late only after it wrote the download, and another process (cat)
 * copies /etc/unrelated to /tmp/other. The backward lineage of /tmp/out
 * must reach the download and the server's file, through the packet, and
 * leave out /etc/late and cat's files; the forward lineage of the server's
 * file must reach /tmp/out. Negative controls: a packet that is not the
 * one sent (another sequence number) breaks the chain; bad and unknown
 * node specs are refused with a message. The picture of a graph kept as
 * its records come (`detect watch --dot`) is that of the capture read so
 * far, at any point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "lineage.h"
#include "output.h"
#include "testdir.h"

enum {
	HTTPD = 0x100,
	SRV_FILE,
	SRV_PATH,
	SRV_SOCK,
	PKT_SENT,
	PKT_RECV,
	CLI_SOCK,
	WGET,
	DL_FILE,
	DL_PATH,
	PAYLOAD_TASK,
	OUT_FILE,
	OUT_PATH,
	LATE_FILE,
	LATE_PATH,
	CAT,
	UNREL_FILE,
	UNREL_PATH,
	OTHER_FILE,
	OTHER_PATH,
};

static void file(struct fx_stream *s, __u64 id, __u64 path_id, const char *path)
{
	fx_inode(s, SABPF_NODE_FILE, id, 0, id, 0100644);
	fx_path(s, path_id, 0, path);
	fx_edge(s, SABPF_REL_NAMED, fx_ref(path_id, 0, SABPF_NODE_PATH),
		fx_ref(id, 0, SABPF_NODE_FILE), 1, 0);
}

static struct sabpf_ref R(__u64 id, __u32 v, __u16 kind) {
	return fx_ref(id, v, kind);
}

/* The scenario's records, as write_capture() last wrote them. */
static struct fx_stream s;

/* Writes the first n records of the scenario (s) to dir/name. */
static const char *write_records(const char *name, int n)
{
	const char *path = in_dir(name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	__u32 abi = SABPF_RECORD_ABI, ext = 0;
	fwrite("SABPFRAW", 1, 8, f);
	fwrite(&abi, 4, 1, f);
	fwrite(&ext, 4, 1, f);
	for (int i = 0; i < n; i++)
		fwrite(s.buf + s.off[i], 1, s.size[i], f);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* Writes the scenario to dir/name; recv_seq: the received packet's
 * sequence number (1: the packet sent). */
static const char *write_capture(const char *name, __u32 recv_seq)
{
	const __u16 T = SABPF_NODE_TASK, F = SABPF_NODE_FILE, K = SABPF_NODE_SOCKET,
		    P = SABPF_NODE_PACKET;
	fx_init(&s, 10); /* the server's container */
	fx_task(&s, HTTPD, 0, 200, 0, "httpd");
	file(&s, SRV_FILE, SRV_PATH, "/srv/payload");
	fx_inode(&s, K, SRV_SOCK, 0, 1, 0140777);
	fx_edge(&s, SABPF_REL_READ, R(SRV_FILE, 0, F), R(HTTPD, 0, T), 200, 0);
	fx_edge(&s, SABPF_REL_SEND, R(HTTPD, 0, T), R(SRV_SOCK, 0, K), 200, 6);
	fx_packet(&s, PKT_SENT, AF_INET, 6, "10.0.0.1", 80, "10.0.0.2", 5000, 1, 6);
	fx_edge(&s, SABPF_REL_SEND_PACKET, R(SRV_SOCK, 0, K), R(PKT_SENT, 0, P), 200, 6);
	s.container = 20; /* the client's */
	fx_task(&s, WGET, 0, 300, 0, "wget");
	fx_inode(&s, K, CLI_SOCK, 0, 2, 0140777);
	fx_packet(&s, PKT_RECV, AF_INET, 6, "10.0.0.1", 80, "10.0.0.2", 5000, recv_seq, 6);
	fx_edge(&s, SABPF_REL_RECEIVE_PACKET, R(PKT_RECV, 0, P), R(CLI_SOCK, 0, K), 300, 6);
	fx_edge(&s, SABPF_REL_RECEIVE, R(CLI_SOCK, 0, K), R(WGET, 0, T), 300, 6);
	file(&s, DL_FILE, DL_PATH, "/tmp/payload");
	fx_edge(&s, SABPF_REL_WRITE, R(WGET, 0, T), R(DL_FILE, 1, F), 300, 0);
	fx_edge(&s, SABPF_REL_VERSION_ENTITY, R(DL_FILE, 0, F), R(DL_FILE, 1, F), 300, 0);
	file(&s, LATE_FILE, LATE_PATH, "/etc/late"); /* read after the write */
	fx_edge(&s, SABPF_REL_READ, R(LATE_FILE, 0, F), R(WGET, 0, T), 300, 0);
	fx_task(&s, PAYLOAD_TASK, 0, 301, 0, "payload");
	fx_edge(&s, SABPF_REL_EXEC, R(DL_FILE, 1, F), R(PAYLOAD_TASK, 0, T), 301, 0);
	file(&s, OUT_FILE, OUT_PATH, "/tmp/out");
	fx_edge(&s, SABPF_REL_WRITE, R(PAYLOAD_TASK, 0, T), R(OUT_FILE, 1, F), 301, 0);
	fx_edge(&s, SABPF_REL_VERSION_ENTITY, R(OUT_FILE, 0, F), R(OUT_FILE, 1, F), 301, 0);
	/* an unrelated process of the same container */
	fx_task(&s, CAT, 0, 400, 0, "cat");
	file(&s, UNREL_FILE, UNREL_PATH, "/etc/unrelated");
	file(&s, OTHER_FILE, OTHER_PATH, "/tmp/other");
	fx_edge(&s, SABPF_REL_READ, R(UNREL_FILE, 0, F), R(CAT, 0, T), 400, 0);
	fx_edge(&s, SABPF_REL_WRITE, R(CAT, 0, T), R(OTHER_FILE, 1, F), 400, 0);
	return write_records(name, s.count);
}

static struct lineage *walk(const char *capture, const char *spec, bool backward)
{
	char err[512];
	struct lineage *l = lineage_new();
	assert_non_null(l);
	if (lineage_load(l, capture, err, sizeof(err)) < 0)
		fail_msg("load: %s", err);
	if (lineage_select(l, spec, err, sizeof(err)) < 0)
		fail_msg("select %s: %s", spec, err);
	lineage_walk(l, backward, 0);
	return l;
}

static int setup(void **state)
{
	(void)state;
	return testdir_make("lineage");
}

static int teardown(void **state)
{
	(void)state;
	(void)read_all; /* testdir.h's, not needed here */
	return testdir_remove();
}

static void test_backward_reaches_download_and_server(void **state)
{
	(void)state;
	const char *cap = write_capture("dl.raw", 1);
	struct lineage *l = walk(cap, "/tmp/out", true);
	assert_true(lineage_has_text(l, "/tmp/payload"));
	assert_true(lineage_has_text(l, "wget"));
	assert_true(lineage_has_text(l, "/srv/payload")); /* across the packet */
	assert_true(lineage_has_text(l, "httpd"));
	assert_true(lineage_has(l, PKT_SENT, 0));
	assert_true(lineage_has(l, PKT_RECV, 0));
	/* not what wget read after writing, nor the other process's files */
	assert_false(lineage_has_text(l, "/etc/late"));
	assert_false(lineage_has_text(l, "/etc/unrelated"));
	assert_false(lineage_has_text(l, "/tmp/other"));
	assert_false(lineage_has_text(l, "cat"));
	lineage_free(l);

	/* the same by node id (OUT_FILE is 0x10b): every version, and one */
	l = walk(cap, "n10b", true);
	assert_true(lineage_has_text(l, "/srv/payload"));
	lineage_free(l);
	l = walk(cap, "n10b_v0", true); /* before the write: only its name */
	assert_false(lineage_has_text(l, "/tmp/payload"));
	lineage_free(l);
}

static void test_forward_from_server_file(void **state)
{
	(void)state;
	const char *cap = write_capture("dl.raw", 1);
	struct lineage *l = walk(cap, "/srv/payload", false);
	assert_true(lineage_has_text(l, "/tmp/out"));
	assert_true(lineage_has_text(l, "payload"));
	assert_false(lineage_has_text(l, "/tmp/other"));
	assert_false(lineage_has_text(l, "/etc/late"));
	/* /etc/late's forward lineage: wget after the write, not the download */
	lineage_free(l);
	l = walk(cap, "/etc/late", false);
	assert_true(lineage_has_text(l, "wget"));
	assert_false(lineage_has_text(l, "/tmp/payload"));
	assert_false(lineage_has_text(l, "/tmp/out"));
	lineage_free(l);
}

static void test_other_packet_breaks_the_chain(void **state)
{
	(void)state;
	const char *cap = write_capture("other.raw", 99);
	struct lineage *l = walk(cap, "/tmp/out", true);
	assert_true(lineage_has_text(l, "/tmp/payload"));
	assert_false(lineage_has_text(l, "/srv/payload"));
	assert_false(lineage_has_text(l, "httpd"));
	lineage_free(l);
}

/* The backward picture of specs (each a node version) from capture, as
 * `sabpf lineage` draws it: load, select, walk, DOT. To be freed. */
static char *picture_of_capture(const char *capture, const char *const *specs, int n)
{
	char err[512], *text = NULL;
	size_t len;
	struct lineage *l = lineage_new();
	assert_non_null(l);
	assert_int_equal(lineage_load(l, capture, err, sizeof(err)), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(lineage_select(l, specs[i], err, sizeof(err)), 1);
	lineage_walk(l, true, 0);
	FILE *f = open_memstream(&text, &len);
	lineage_write_dot(l, f);
	fclose(f);
	lineage_free(l);
	return text;
}

/* The picture of the graph l holds now, as `detect watch --dot` draws it. */
static char *picture_now(struct lineage *l, const struct sabpf_ref *refs, size_t n)
{
	char err[512], *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);
	if (lineage_write_backward_dot(l, refs, n, 0, f, err, sizeof(err)) < 0)
		fail_msg("picture: %s", err);
	fclose(f);
	return text;
}

static int count_of(const char *text, const char *what)
{
	int n = 0;
	for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

/* A graph kept as its records come (lineage_observe on a pipeline): its
 * picture after the download (the packets joined for it, then taken
 * back) is that of the capture cut there, and after the last record that
 * of the whole capture, with the packets joined once. Negative controls:
 * the two pictures differ, and a node the graph does not have yet is
 * refused. Walks with no depth limit: the packets are 4 edges back. */
static void test_picture_as_records_come(void **state)
{
	(void)state;
	const char *full = write_capture("dl.raw", 1);
	const int cut = 19; /* ... wget's write of /tmp/payload and its version */
	const char *head = write_records("head.raw", cut);
	const __u16 F = SABPF_NODE_FILE;
	const struct sabpf_ref refs[] = {R(DL_FILE, 1, F), R(OUT_FILE, 1, F)};
	const char *specs[] = {"n108_v1", "n10b_v1"};
	char err[512];

	struct lineage *l = lineage_new();
	struct sabpf_pipeline *p = pipeline_new();
	assert_non_null(l);
	assert_non_null(p);
	pipeline_set_observer(p, lineage_observe, l);
	for (int i = 0; i < cut; i++)
		assert_int_equal(pipeline_consume(p, s.buf + s.off[i], s.size[i]), 0);
	/* /tmp/out is not written yet */
	FILE *devnull = fopen("/dev/null", "w");
	assert_int_equal(lineage_write_backward_dot(l, refs, 2, 0, devnull, err, sizeof(err)), -1);
	fclose(devnull);
	assert_non_null(strstr(err, "node n10b_v1 is not in the graph"));
	char *at_cut = picture_now(l, refs, 1);
	char *want_cut = picture_of_capture(head, specs, 1);
	assert_string_equal(at_cut, want_cut);
	assert_int_equal(count_of(at_cut, "same_packet"), 1); /* through the packet */
	for (int i = cut; i < s.count; i++)
		assert_int_equal(pipeline_consume(p, s.buf + s.off[i], s.size[i]), 0);
	char *at_end = picture_now(l, refs, 2);
	char *want_end = picture_of_capture(full, specs, 2);
	assert_string_equal(at_end, want_end);
	assert_int_equal(count_of(at_end, "same_packet"), 1);
	assert_string_not_equal(at_cut, at_end);
	free(at_cut);
	free(want_cut);
	free(at_end);
	free(want_end);
	pipeline_free(p);
	lineage_free(l);
}

static void test_bad_specs(void **state)
{
	(void)state;
	const char *cap = write_capture("dl.raw", 1);
	char err[512];
	struct lineage *l = lineage_new();
	assert_int_equal(lineage_load(l, cap, err, sizeof(err)), 0);
	assert_int_equal(lineage_select(l, "tmp/out", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "neither a node"));
	assert_int_equal(lineage_select(l, "n10b_vx", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "neither a node"));
	assert_int_equal(lineage_select(l, "/no/such/file", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nothing in the capture is '/no/such/file'"));
	assert_int_equal(lineage_select(l, "nfff_v0", err, sizeof(err)), -1);
	/* negative control: a valid spec selects */
	assert_int_equal(lineage_select(l, "n10b_v1", err, sizeof(err)), 1);
	lineage_free(l);
	l = lineage_new();
	assert_int_equal(lineage_load(l, in_dir("missing.raw"), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open raw file"));
	lineage_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backward_reaches_download_and_server),
	    cmocka_unit_test(test_forward_from_server_file),
	    cmocka_unit_test(test_other_packet_breaks_the_chain),
	    cmocka_unit_test(test_bad_specs),
	    cmocka_unit_test(test_picture_as_records_come),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
