/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_record.c: unit tests of the record decoder (src/record.c): each
 * record type decodes to the right fields, NAME strings are joined and
 * cut as specified, and every kind of malformed record is rejected with a
 * message naming the problem, without crashing on random bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "names.h"
#include "record.h"

static struct fx_stream stream;
static char text[RECORD_TEXT_MAX];
static char err[256];

/* Decodes record i of the stream; asserts it is accepted. */
static void decode_ok(int i, struct record *r)
{
	err[0] = '\0';
	int rc = record_decode(fx_record(&stream, i), stream.size[i], r, text, err, sizeof(err));
	if (rc != 0)
		fail_msg("record %d rejected: %s", i, err);
}

/* Decodes size bytes; asserts rejection with a message containing `want`. */
static void decode_rejects(const void *data, size_t size, const char *want)
{
	struct record r;
	err[0] = '\0';
	assert_int_equal(record_decode(data, size, &r, text, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
}

static void test_task_node(void **state)
{
	(void)state;
	struct record r;
	fx_init(&stream, 7);
	fx_task(&stream, 0x123, 3, 500, 1000, "0123456789abcdef"); /* comm fills 16 bytes */
	decode_ok(0, &r);
	assert_int_equal(r.hdr.type, SABPF_REC_NODE);
	assert_int_equal(r.hdr.seq, 1);
	assert_int_equal(r.hdr.container, 7);
	assert_int_equal(r.node.node.id, 0x123);
	assert_int_equal(r.node.node.version, 3);
	assert_int_equal(r.node.node.kind, SABPF_NODE_TASK);
	assert_int_equal(r.node.task.pid, 500);
	assert_int_equal(r.node.task.uid, 1000);
	assert_memory_equal(r.node.task.comm, "0123456789abcdef", 16);
}

static void test_short_inode_node_is_zero_filled(void **state)
{
	(void)state;
	struct record r;
	fx_init(&stream, 7);
	fx_inode(&stream, SABPF_NODE_FILE, 0x55, 1, 99, 0100644);
	/* the record is only as long as the inode member of the union */
	assert_true(stream.size[0] < sizeof(struct sabpf_node));
	decode_ok(0, &r);
	assert_int_equal(r.node.inode.ino, 99);
	assert_int_equal(r.node.inode.mode, 0100644);
	assert_int_equal(r.node.addr.unix_path[100], 0); /* past the record: zero */
}

/* Every NODE and NAME record carries the context block; each field lands
 * where the kernel put it, independent of the node's own attributes. */
static void test_context_block_is_decoded(void **state)
{
	(void)state;
	struct record r;
	fx_init(&stream, 7);
	stream.ctx = (struct sabpf_ctx){.utsns = 11,
					.ipcns = 12,
					.mntns = 13,
					.pidns = 14,
					.netns = 15,
					.cgroupns = 16,
					.uid = 21,
					.gid = 22,
					.euid = 23,
					.egid = 24};
	fx_inode(&stream, SABPF_NODE_SOCKET, 0x55, 1, 99, 0140777);
	fx_path(&stream, 0x56, 1, "/tmp/x");
	decode_ok(0, &r);
	assert_int_equal(r.node.inode.ino, 99);
	assert_int_equal(r.node.inode.uid, 0); /* the owner, not the actor */
	assert_int_equal(r.node.ctx.utsns, 11);
	assert_int_equal(r.node.ctx.ipcns, 12);
	assert_int_equal(r.node.ctx.mntns, 13);
	assert_int_equal(r.node.ctx.pidns, 14);
	assert_int_equal(r.node.ctx.netns, 15);
	assert_int_equal(r.node.ctx.cgroupns, 16);
	assert_int_equal(r.node.ctx.uid, 21);
	assert_int_equal(r.node.ctx.gid, 22);
	assert_int_equal(r.node.ctx.euid, 23);
	assert_int_equal(r.node.ctx.egid, 24);
	decode_ok(1, &r);
	assert_string_equal(r.name.text, "/tmp/x");
	assert_int_equal(r.name.ctx.mntns, 13);
	assert_int_equal(r.name.ctx.netns, 15);
	assert_int_equal(r.name.ctx.egid, 24);
	/* the block sits between the node reference and the attributes */
	assert_int_equal(offsetof(struct sabpf_node, ctx), 48);
	assert_int_equal(offsetof(struct sabpf_node, task), 88);
	assert_int_equal(offsetof(struct sabpf_name, data), 96);
}

/* The system kinds: a namespace and a BPF program in NODE records of
 * their attribute sizes, a kernel module's name in a NAME record (64
 * bytes at most). */
static void test_system_kinds(void **state)
{
	(void)state;
	struct record r;
	fx_init(&stream, 7);
	size_t size = offsetof(struct sabpf_node, ns) + sizeof(struct sabpf_ns_attrs);
	assert_int_equal(record_node_min_size(SABPF_NODE_NAMESPACE), size);
	struct sabpf_node *n = fx_add(&stream, SABPF_REC_NODE, size);
	n->node = fx_ref(SABPF_NS_ID_BASE | 99, 0, SABPF_NODE_NAMESPACE);
	n->ns.inum = 99;
	n->ns.nstype = 0x40000000;
	size = offsetof(struct sabpf_node, bpf) + sizeof(struct sabpf_bpf_attrs);
	assert_int_equal(record_node_min_size(SABPF_NODE_BPF_PROG), size);
	n = fx_add(&stream, SABPF_REC_NODE, size);
	n->node = fx_ref(5, 0, SABPF_NODE_BPF_PROG);
	n->bpf.id = 33;
	memcpy(n->bpf.name, "0123456789abcdef", 16); /* no NUL, like the kernel's */
	fx_name_raw(&stream, SABPF_NODE_KMODULE, 6, 0, "net-pf-5", 9, 0, 0);
	char big[80];
	memset(big, 'm', sizeof(big));
	fx_name_raw(&stream, SABPF_NODE_KMODULE, 7, 0, big, sizeof(big), 0, 0);
	decode_ok(0, &r);
	assert_int_equal(r.node.ns.inum, 99);
	assert_int_equal(r.node.ns.nstype, 0x40000000);
	assert_int_equal(r.node.node.id >> 48, 0xffff);
	decode_ok(1, &r);
	assert_int_equal(r.node.bpf.id, 33);
	assert_memory_equal(r.node.bpf.name, "0123456789abcdef", 16);
	decode_ok(2, &r);
	assert_string_equal(r.name.text, "net-pf-5");
	decode_rejects(fx_record(&stream, 3), stream.size[3],
		       "NAME record of kind kernel_module has len 80, above the limit of 64");
	/* a namespace record cut to the size of an inode's attributes' start */
	n = fx_record(&stream, 0);
	n->hdr.size = offsetof(struct sabpf_node, ns) + 4;
	decode_rejects(n, n->hdr.size, "NODE record of kind namespace is 92 bytes, expected 96");
}

static void test_edge_and_lost(void **state)
{
	(void)state;
	struct record r;
	fx_init(&stream, 9);
	fx_edge(&stream, SABPF_REL_READ, fx_ref(1, 2, SABPF_NODE_FILE),
		fx_ref(3, 4, SABPF_NODE_TASK), 77, 0xabc);
	fx_lost(&stream, 5, 10, 20);
	decode_ok(0, &r);
	assert_int_equal(r.edge.relation, SABPF_REL_READ);
	assert_int_equal(r.edge.from.id, 1);
	assert_int_equal(r.edge.to.version, 4);
	assert_int_equal(r.edge.pid, 77);
	assert_int_equal(r.edge.arg, 0xabc);
	decode_ok(1, &r);
	assert_int_equal(r.hdr.type, SABPF_REC_LOST);
	assert_int_equal(r.hdr.seq, 0);
	assert_int_equal(r.lost.count, 5);
	assert_int_equal(r.lost.first_seq, 10);
	assert_int_equal(r.lost.last_seq, 20);
}

static void test_reversed_path_is_joined(void **state)
{
	(void)state;
	struct record r;
	fx_init(&stream, 1);
	fx_path(&stream, 5, 1, "/etc/hostname");
	fx_path(&stream, 6, 1, "/");
	fx_name_raw(&stream, SABPF_NODE_PATH, 7, 1, "a\0\0b", 4, SABPF_NAME_REVERSED, 0);
	decode_ok(0, &r);
	assert_memory_equal(((struct sabpf_name *)fx_record(&stream, 0))->data, "hostname\0etc\0",
			    13);
	assert_string_equal(r.name.text, "/etc/hostname");
	assert_int_equal(r.name.text_len, 13);
	assert_int_equal(r.name.node.kind, SABPF_NODE_PATH);
	decode_ok(1, &r);
	assert_string_equal(r.name.text, "/");
	decode_ok(2, &r); /* empty components are skipped */
	assert_string_equal(r.name.text, "/b/a");
}

static void test_plain_path_stops_at_nul(void **state)
{
	(void)state;
	struct record r;
	fx_init(&stream, 1);
	fx_name_raw(&stream, SABPF_NODE_PATH, 5, 1, "/usr/bin/env\0junk", 17, 0, 0);
	decode_ok(0, &r);
	assert_string_equal(r.name.text, "/usr/bin/env");
}

static void test_argv_keeps_argc_strings_only(void **state)
{
	(void)state;
	struct record r;
	static const char data[] = "ls\0-l\0/tmp\0SECRET=env\0HOME=/";
	fx_init(&stream, 1);
	fx_name_raw(&stream, SABPF_NODE_ARGV, 5, 1, data, sizeof(data), 0, 3);
	fx_name_raw(&stream, SABPF_NODE_ARGV, 6, 1, "only\0", 5, 0, 0);
	/* cut at the limit: the last string lacks its NUL */
	fx_name_raw(&stream, SABPF_NODE_ARGV, 7, 1, "a\0bc", 4, SABPF_NAME_TRUNCATED, 5);
	decode_ok(0, &r);
	assert_string_equal(r.name.text, "ls -l /tmp");
	assert_int_equal(r.name.argc, 3);
	assert_null(strstr(r.name.text, "SECRET"));
	decode_ok(1, &r);
	assert_string_equal(r.name.text, "");
	assert_int_equal(r.name.argc, 0);
	decode_ok(2, &r); /* cut: the text says so */
	assert_string_equal(r.name.text, "a bc ...");
	assert_int_equal(r.name.argc, 2);
	assert_true(r.name.flags & SABPF_NAME_TRUNCATED);
}

/* A path cut in the kernel (components beyond PATH_DEPTH_MAX, the buffer's
 * size, an unreadable name) keeps its flag and reads ".../b/c": never as a
 * whole path. The same bytes without the flag (negative control) read as
 * the whole path "/b/c". */
static void test_truncated_path_is_marked(void **state)
{
	(void)state;
	struct record r;
	fx_init(&stream, 1);
	fx_name_raw(&stream, SABPF_NODE_PATH, 5, 1, "c\0b\0", 4,
		    SABPF_NAME_REVERSED | SABPF_NAME_TRUNCATED, 0);
	fx_name_raw(&stream, SABPF_NODE_PATH, 6, 1, "c\0b\0", 4, SABPF_NAME_REVERSED, 0);
	fx_name_raw(&stream, SABPF_NODE_PATH, 7, 1, "", 0,
		    SABPF_NAME_REVERSED | SABPF_NAME_TRUNCATED, 0);
	fx_name_raw(&stream, SABPF_NODE_PATH, 8, 1, "/very/long", 10, SABPF_NAME_TRUNCATED, 0);
	decode_ok(0, &r);
	assert_string_equal(r.name.text, ".../b/c");
	assert_int_equal(r.name.text_len, 7);
	assert_true(r.name.flags & SABPF_NAME_TRUNCATED);
	decode_ok(1, &r);
	assert_string_equal(r.name.text, "/b/c");
	assert_false(r.name.flags & SABPF_NAME_TRUNCATED);
	decode_ok(2, &r); /* nothing but the cut */
	assert_string_equal(r.name.text, ".../");
	decode_ok(3, &r); /* one string cut at its end */
	assert_string_equal(r.name.text, "/very/long...");

	/* the longest path fits the text buffer with its mark */
	static char big[SABPF_PATH_MAX];
	for (size_t i = 0; i < sizeof(big); i += 2) {
		big[i] = 'x';
		big[i + 1] = '\0';
	}
	fx_init(&stream, 1);
	fx_name_raw(&stream, SABPF_NODE_PATH, 9, 1, big, sizeof(big),
		    SABPF_NAME_REVERSED | SABPF_NAME_TRUNCATED, 0);
	decode_ok(0, &r);
	assert_int_equal(r.name.text_len, 3 + SABPF_PATH_MAX);
	assert_true(r.name.text_len < RECORD_TEXT_MAX);
	assert_memory_equal(r.name.text, ".../x/x/", 8);
}

/* LOST records name their container and cause; a cause the format does not
 * know is refused, naming the field. */
static void test_lost_cause(void **state)
{
	(void)state;
	struct record r;
	fx_init(&stream, 42);
	fx_lost_of(&stream, 43, SABPF_LOST_FILE_MAP, 2);
	fx_lost_of(&stream, 43, SABPF_LOST_DENIAL, 1);
	fx_lost_of(&stream, 43, 0, 1);
	fx_lost_of(&stream, 43, SABPF_LOST_CAUSE_MAX, 1);
	decode_ok(0, &r);
	assert_int_equal(r.hdr.container, 43);
	assert_int_equal(r.lost.cause, SABPF_LOST_FILE_MAP);
	assert_string_equal(record_lost_cause_name(r.lost.cause), "file_map");
	decode_ok(1, &r);
	assert_string_equal(record_lost_cause_name(r.lost.cause), "denial");
	decode_rejects(fx_record(&stream, 2), stream.size[2], "LOST record has unknown cause 0");
	char want[64];
	snprintf(want, sizeof(want), "unknown cause %d (valid: 1..%d)", SABPF_LOST_CAUSE_MAX,
		 SABPF_LOST_CAUSE_MAX - 1);
	decode_rejects(fx_record(&stream, 3), stream.size[3], want);
	/* every cause has a name */
	for (__u32 c = 1; c < SABPF_LOST_CAUSE_MAX; c++)
		assert_non_null(record_lost_cause_name(c));
	assert_null(record_lost_cause_name(SABPF_LOST_CAUSE_MAX));
}

static void test_rejects_bad_header(void **state)
{
	(void)state;
	_Alignas(8) unsigned char buf[sizeof(struct sabpf_edge)];
	fx_init(&stream, 1);
	fx_edge(&stream, SABPF_REL_READ, fx_ref(1, 1, SABPF_NODE_FILE),
		fx_ref(2, 1, SABPF_NODE_TASK), 1, 0);
	memcpy(buf, fx_record(&stream, 0), sizeof(buf));

	decode_rejects(buf, 10, "shorter than a header");
	decode_rejects(NULL, 0, "shorter than a header");
	decode_rejects(buf, sizeof(buf) - 8, "header says 88 bytes but 80 were received");
	((struct sabpf_hdr *)buf)->type = 9;
	decode_rejects(buf, sizeof(buf), "unknown record type 9");
}

static void test_rejects_bad_edge(void **state)
{
	char want[64];
	(void)state;
	_Alignas(8) unsigned char buf[sizeof(struct sabpf_edge) + 8];
	struct sabpf_edge *e = (struct sabpf_edge *)buf;
	fx_init(&stream, 1);
	fx_edge(&stream, SABPF_REL_READ, fx_ref(1, 1, SABPF_NODE_FILE),
		fx_ref(2, 1, SABPF_NODE_TASK), 1, 0);

	memcpy(buf, fx_record(&stream, 0), sizeof(struct sabpf_edge));
	e->relation = SABPF_REL_MAX;
	snprintf(want, sizeof(want), "unknown relation %d", SABPF_REL_MAX);
	decode_rejects(buf, sizeof(*e), want);
	e->relation = 0;
	decode_rejects(buf, sizeof(*e), "unknown relation 0");

	memcpy(buf, fx_record(&stream, 0), sizeof(struct sabpf_edge));
	e->to.kind = 99;
	decode_rejects(buf, sizeof(*e), "EDGE to node has unknown kind 99");
	e->to.kind = SABPF_NODE_TASK;
	e->from.kind = 0;
	decode_rejects(buf, sizeof(*e), "EDGE from node has unknown kind 0");

	memcpy(buf, fx_record(&stream, 0), sizeof(struct sabpf_edge));
	e->hdr.size = sizeof(*e) + 8;
	decode_rejects(buf, sizeof(*e) + 8, "EDGE record is 96 bytes, expected 88");
}

static void test_rejects_bad_node(void **state)
{
	char want[64];
	(void)state;
	_Alignas(8) unsigned char buf[sizeof(struct sabpf_node) + 8];
	struct sabpf_node *n = (struct sabpf_node *)buf;
	size_t inode_size = record_node_min_size(SABPF_NODE_FILE);
	fx_init(&stream, 1);
	fx_inode(&stream, SABPF_NODE_FILE, 0x55, 1, 99, 0100644);
	assert_int_equal(stream.size[0], inode_size);

	/* an inode-sized record that says it is a task is too short */
	memcpy(buf, fx_record(&stream, 0), inode_size);
	n->node.kind = SABPF_NODE_TASK;
	decode_rejects(buf, inode_size,
		       "NODE record of kind task is 120 bytes, expected 168 to 224");
	n->node.kind = SABPF_NODE_PATH;
	decode_rejects(buf, inode_size, "kind path: this kind comes in NAME records");
	n->node.kind = SABPF_NODE_KIND_MAX;
	snprintf(want, sizeof(want), "NODE node has unknown kind %d", SABPF_NODE_KIND_MAX);
	decode_rejects(buf, inode_size, want);
	/* longer than the whole structure */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, fx_record(&stream, 0), inode_size);
	n->hdr.size = sizeof(buf);
	decode_rejects(buf, sizeof(buf),
		       "NODE record of kind file is 232 bytes, expected 120 to 224");
	/* shorter than even the ref */
	n->hdr.size = sizeof(struct sabpf_hdr) + 4;
	decode_rejects(buf, n->hdr.size, "shorter than its fixed part");
}

/* System V objects and messages carry struct sabpf_ipc_attrs; a POSIX queue
 * (mqueue) the inode attributes. */
static void test_ipc_node_sizes(void **state)
{
	(void)state;
	_Alignas(8) unsigned char buf[sizeof(struct sabpf_node)];
	struct sabpf_node *n = (struct sabpf_node *)buf;
	struct record r;
	char text[RECORD_TEXT_MAX], err[256];
	size_t ipc = offsetof(struct sabpf_node, task) + sizeof(struct sabpf_ipc_attrs);
	const __u16 kinds[] = {SABPF_NODE_MSG_QUEUE, SABPF_NODE_MSG, SABPF_NODE_SHM,
			       SABPF_NODE_SEM};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		assert_int_equal(record_node_min_size(kinds[i]), ipc);
	assert_int_equal(record_node_min_size(SABPF_NODE_MQUEUE),
			 record_node_min_size(SABPF_NODE_FILE));

	memset(buf, 0, sizeof(buf));
	n->hdr.type = SABPF_REC_NODE;
	n->hdr.size = (__u32)ipc;
	n->node.kind = SABPF_NODE_SHM;
	n->ipc.key = 0x5ab10002;
	n->ipc.id = 7;
	n->ipc.size = 4096;
	assert_int_equal(record_decode(buf, ipc, &r, text, err, sizeof(err)), 0);
	assert_int_equal(r.node.ipc.id, 7);
	assert_int_equal(r.node.ipc.size, 4096);
	n->hdr.size = (__u32)ipc - 8; /* without its type field */
	char want[128];
	snprintf(want, sizeof(want), "NODE record of kind shm is %zu bytes, expected %zu to %zu",
		 ipc - 8, ipc, sizeof(struct sabpf_node));
	decode_rejects(buf, ipc - 8, want);
}

static void test_rejects_bad_name(void **state)
{
	(void)state;
	struct sabpf_name *n;
	fx_init(&stream, 1);

	n = fx_name_raw(&stream, SABPF_NODE_PATH, 5, 1, "abc", 3, 0, 0);
	n->len = 4; /* one byte beyond the record */
	decode_rejects(n, stream.size[0], "has len 4 but only 3 data bytes");

	n = fx_name_raw(&stream, SABPF_NODE_FILE, 5, 1, "abc", 3, 0, 0);
	decode_rejects(n, stream.size[1], "NAME record of kind file: only path and argv");

	n = fx_name_raw(&stream, SABPF_NODE_PATH, 5, 1, "abc", 3, 0, 0);
	n->len = SABPF_PATH_MAX + 1;
	decode_rejects(n, stream.size[2], "len 4097, above the limit of 4096");

	n = fx_name_raw(&stream, SABPF_NODE_ARGV, 5, 1, "a\0b\0", 4, 0, 3);
	decode_rejects(n, stream.size[3], "holds 2 strings but says argc is 3");

	n = fx_name_raw(&stream, SABPF_NODE_ARGV, 5, 1, "a\0bc", 4, 0, 2);
	decode_rejects(n, stream.size[4], "ARGV string 2 is not NUL-terminated");

	static char big[SABPF_ARGV_MAX + 1];
	n = fx_name_raw(&stream, SABPF_NODE_ARGV, 5, 1, big, sizeof(big), 0, 1);
	decode_rejects(n, stream.size[5], "len 1025, above the limit of 1024");

	n = fx_name_raw(&stream, SABPF_NODE_PATH, 5, 1, "/a/b/c/d/e", 10, 0, 0);
	n->len = 1;
	decode_rejects(n, stream.size[6],
		       "NAME record is 106 bytes, more than 8 beyond its 1 data");
	n->len = 2; /* 8 bytes of padding are allowed */
	struct record r;
	assert_int_equal(record_decode(n, stream.size[6], &r, text, err, sizeof(err)), 0);
	assert_string_equal(r.name.text, "/a");

	n = fx_name_raw(&stream, SABPF_NODE_PATH, 5, 1, "ab", 2, 0, 0);
	n->hdr.size = 40;
	decode_rejects(n, 40, "shorter than its fixed part");
}

static void test_rejects_bad_lost(void **state)
{
	(void)state;
	struct sabpf_lost *l;
	fx_init(&stream, 1);
	fx_lost(&stream, 0, 1, 2);
	fx_lost(&stream, 3, 9, 2);
	l = fx_record(&stream, 0);
	decode_rejects(l, sizeof(*l), "LOST record has a count of 0");
	l = fx_record(&stream, 1);
	decode_rejects(l, sizeof(*l), "first_seq 9 > last_seq 2");
	decode_rejects(l, sizeof(*l) - 8, "header says");
}

/* Random bytes, and valid records with random bytes changed, must be
 * accepted or rejected but never read out of bounds (ASan watches). */
static void test_random_bytes_never_crash(void **state)
{
	(void)state;
	struct record r;
	int accepted = 0, rejected = 0;
	srand(12345);
	fx_cat_scenario(&stream);
	for (int round = 0; round < 20000; round++) {
		int i = rand() % stream.count;
		size_t size = stream.size[i];
		unsigned char *copy = malloc(size);
		assert_non_null(copy);
		memcpy(copy, fx_record(&stream, i), size);
		int flips = 1 + rand() % 4;
		for (int f = 0; f < flips; f++)
			copy[rand() % size] = (unsigned char)rand();
		size_t cut = rand() % 4 == 0 ? (size_t)rand() % (size + 1) : size;
		if (record_decode(copy, cut, &r, text, err, sizeof(err)) == 0)
			accepted++;
		else
			rejected++;
		free(copy);
	}
	/* both outcomes happen: the mutations do reach the checks */
	assert_true(accepted > 0);
	assert_true(rejected > 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(node_kind_name(SABPF_NODE_PROC_MEM), "process_memory");
	assert_null(node_kind_name(0));
	assert_null(node_kind_name(SABPF_NODE_KIND_MAX));
	assert_string_equal(relation_name(SABPF_REL_TERMINATE), "terminate_task");
	assert_null(relation_name(SABPF_REL_MAX));
	assert_int_equal(prov_class_of(SABPF_NODE_FILE, SABPF_NODE_TASK), PROV_USED);
	assert_int_equal(prov_class_of(SABPF_NODE_TASK, SABPF_NODE_FILE), PROV_WAS_GENERATED_BY);
	assert_int_equal(prov_class_of(SABPF_NODE_TASK, SABPF_NODE_TASK), PROV_WAS_INFORMED_BY);
	assert_int_equal(prov_class_of(SABPF_NODE_PATH, SABPF_NODE_FILE), PROV_WAS_DERIVED_FROM);
	assert_string_equal(spade_edge_type(PROV_WAS_INFORMED_BY), "WasTriggeredBy");
	for (__u32 k = 1; k < SABPF_NODE_KIND_MAX; k++)
		assert_non_null(node_kind_name(k));
	for (__u32 rel = 1; rel < SABPF_REL_MAX; rel++)
		assert_non_null(relation_name(rel));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_task_node),
	    cmocka_unit_test(test_short_inode_node_is_zero_filled),
	    cmocka_unit_test(test_context_block_is_decoded),
	    cmocka_unit_test(test_system_kinds),
	    cmocka_unit_test(test_edge_and_lost),
	    cmocka_unit_test(test_reversed_path_is_joined),
	    cmocka_unit_test(test_plain_path_stops_at_nul),
	    cmocka_unit_test(test_argv_keeps_argc_strings_only),
	    cmocka_unit_test(test_truncated_path_is_marked),
	    cmocka_unit_test(test_lost_cause),
	    cmocka_unit_test(test_rejects_bad_header),
	    cmocka_unit_test(test_rejects_bad_edge),
	    cmocka_unit_test(test_rejects_bad_node),
	    cmocka_unit_test(test_ipc_node_sizes),
	    cmocka_unit_test(test_rejects_bad_name),
	    cmocka_unit_test(test_rejects_bad_lost),
	    cmocka_unit_test(test_random_bytes_never_crash),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
