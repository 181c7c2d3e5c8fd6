/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_cli.c: unit tests of cli.c, the parsing of command-line values:
 * ring-buffer sizes, record-class lists and --cgroup PATH[:CLASSES]. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sabpf_record.h"
#include "cli.h"

static void test_ring_sizes_accepted(void **state)
{
	(void)state;
	char err[256];
	__u64 bytes = 0;
	assert_int_equal(cli_parse_ring_size("4096", &bytes, err, sizeof(err)), 0);
	assert_int_equal(bytes, 4096);
	assert_int_equal(cli_parse_ring_size("16M", &bytes, err, sizeof(err)), 0);
	assert_int_equal(bytes, 16ULL << 20);
	assert_int_equal(cli_parse_ring_size("64k", &bytes, err, sizeof(err)), 0);
	assert_int_equal(bytes, 64ULL << 10);
	assert_int_equal(cli_parse_ring_size("1G", &bytes, err, sizeof(err)), 0);
	assert_int_equal(bytes, 1ULL << 30);
}

static void test_ring_sizes_rejected(void **state)
{
	(void)state;
	static const struct {
		const char *text, *message;
	} bad[] = {
	    {"1000", "power of two"},
	    {"2048", "at least 4096"},
	    {"3M", "power of two"},
	    {"2G", "1G maximum"},
	    {"16X", "unknown suffix"},
	    {"", "not a size"},
	    {"-4096", "not a size"},
	    {"M", "not a size"},
	    {"99999999999999999999", "not a size"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "";
		__u64 bytes = 7;
		assert_int_equal(cli_parse_ring_size(bad[i].text, &bytes, err, sizeof(err)), -1);
		assert_non_null(strstr(err, bad[i].message));
		assert_int_equal(bytes, 7); /* untouched on error */
	}
}

static void test_scope_sizes(void **state)
{
	char err[256];
	__u32 n = 77;
	(void)state;
	assert_int_equal(cli_parse_scope_size("1", &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cli_parse_scope_size("16384", &n, err, sizeof(err)), 0);
	assert_int_equal(n, 16384);
	assert_int_equal(cli_parse_scope_size("1048576", &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1048576);
	static const struct {
		const char *text, *says;
	} bad[] = {
	    {"0", "--scope-size '0': must be from 1 to 1048576"},
	    {"1048577", "--scope-size '1048577': must be from 1 to 1048576"},
	    {"18446744073709551617", "must be from 1 to 1048576"},
	    {"", "--scope-size '': not a number of entries"},
	    {"abc", "--scope-size 'abc': not a number of entries"},
	    {"-4", "--scope-size '-4': not a number of entries"},
	    {"+4", "--scope-size '+4': not a number of entries"},
	    {" 4", "--scope-size ' 4': not a number of entries"},
	    {"4k", "--scope-size '4k': not a number of entries"},
	    {"0x10", "--scope-size '0x10': not a number of entries"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 77;
		err[0] = '\0';
		assert_int_equal(cli_parse_scope_size(bad[i].text, &n, err, sizeof(err)), -1);
		if (!strstr(err, bad[i].says))
			fail_msg("'%s': got '%s'", bad[i].text, err);
		assert_int_equal(n, 77);
	}
}

static void test_classes(void **state)
{
	(void)state;
	char err[256];
	__u32 classes = 0;
	assert_int_equal(cli_parse_classes("all", &classes, err, sizeof(err)), 0);
	assert_int_equal(classes, SABPF_CLASS_ALL);
	assert_int_equal(cli_parse_classes("file", &classes, err, sizeof(err)), 0);
	assert_int_equal(classes, SABPF_CLASS_FILE);
	assert_int_equal(cli_parse_classes("proc,net", &classes, err, sizeof(err)), 0);
	assert_int_equal(classes, SABPF_CLASS_PROC | SABPF_CLASS_NET);
	/* perm (inode_permission) is opt-in: all leaves it out, all,perm adds it */
	assert_int_equal(SABPF_CLASS_ALL & SABPF_CLASS_PERM, 0);
	assert_int_equal(cli_parse_classes("all,perm", &classes, err, sizeof(err)), 0);
	assert_int_equal(classes, SABPF_CLASS_ALL | SABPF_CLASS_PERM);
	assert_int_equal(cli_parse_classes("proc,file,net,sys", &classes, err, sizeof(err)), 0);
	assert_int_equal(classes & SABPF_CLASS_IPC, 0);

	assert_int_equal(cli_parse_classes("proc,disk", &classes, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown record class 'disk'"));
	assert_int_equal(cli_parse_classes("proc,", &classes, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ends with a comma"));
	assert_int_equal(cli_parse_classes("", &classes, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty class list"));
	assert_int_equal(cli_parse_classes("files", &classes, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'files'"));
}

static void test_cgroup_specs(void **state)
{
	(void)state;
	char err[256], path[64];
	__u32 classes = 0;
	assert_int_equal(cli_parse_cgroup_spec("/sys/fs/cgroup/pod", path, sizeof(path), &classes,
					       err, sizeof(err)),
			 0);
	assert_string_equal(path, "/sys/fs/cgroup/pod");
	assert_int_equal(classes, SABPF_CLASS_ALL);
	assert_int_equal(
	    cli_parse_cgroup_spec("pod:file,net", path, sizeof(path), &classes, err, sizeof(err)),
	    0);
	assert_string_equal(path, "pod");
	assert_int_equal(classes, SABPF_CLASS_FILE | SABPF_CLASS_NET);

	assert_int_equal(
	    cli_parse_cgroup_spec(":file", path, sizeof(path), &classes, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "path is empty"));
	assert_int_equal(
	    cli_parse_cgroup_spec("pod:bogus", path, sizeof(path), &classes, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown record class 'bogus'"));
	char longpath[128];
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(
	    cli_parse_cgroup_spec(longpath, path, sizeof(path), &classes, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ring_sizes_accepted), cmocka_unit_test(test_ring_sizes_rejected),
	    cmocka_unit_test(test_scope_sizes),		cmocka_unit_test(test_classes),
	    cmocka_unit_test(test_cgroup_specs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
