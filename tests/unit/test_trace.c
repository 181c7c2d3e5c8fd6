/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_trace.c: unit tests of trace.c: the syscall table of the trace
 * backend names programs that exist in bpf/trace.bpf.c, every number once,
 * within the program array; and the check refuses a table that breaks any
 * of these (negative controls); every number is the one the kernel's
 * uapi headers give its name, in both the x86_64 and the ia32 table.
 * Needs no kernel support (ELF only). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

/* The number the kernel's uapi header gives a system call, -1 when the
 * header (Debian's linux-libc-dev, older than the call) lacks it. */
static long header_nr(const char *header, const char *name)
{
	FILE *f = fopen(header, "r");
	assert_non_null(f);
	char line[256], want[128];
	snprintf(want, sizeof(want), "#define __NR_%s ", name);
	long nr = -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, want, strlen(want)) == 0)
			nr = strtol(line + strlen(want), NULL, 10);
	fclose(f);
	return nr;
}

#define UNISTD_64 "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
#define UNISTD_32 "/usr/include/x86_64-linux-gnu/asm/unistd_32.h"

/* Every number of both tables is the kernel's for its name (the names the
 * header has; the newest calls are checked by number in the unified range
 * above 402, the same in both ABIs). */
static void test_the_numbers_are_the_kernels(void **state)
{
	(void)state;
	size_t checked = 0;
	for (size_t i = 0; i < trace_nsyscalls; i++) {
		long nr = header_nr(UNISTD_64, trace_syscalls[i].name);
		if (nr < 0) {
			assert_true(trace_syscalls[i].nr > 402);
			continue;
		}
		assert_int_equal(nr, trace_syscalls[i].nr);
		checked++;
	}
	assert_true(checked > trace_nsyscalls / 2); /* the header was read */
	checked = 0;
	for (size_t i = 0; i < trace_nsyscalls32; i++) {
		long nr = header_nr(UNISTD_32, trace_syscalls32[i].name);
		if (nr < 0) {
			assert_true(trace_syscalls32[i].nr32 > 402);
			continue;
		}
		assert_int_equal(nr, trace_syscalls32[i].nr32);
		checked++;
	}
	assert_true(checked > trace_nsyscalls32 / 2);
}

/* The ia32 table: consistent, every 64-bit call but accept (reached by
 * socketcall only) has its ia32 number, and the checks refuse a bad one. */
static void test_the_ia32_table(void **state)
{
	char err[512] = "";
	(void)state;
	assert_int_equal(
	    trace_check_table32(trace_syscalls32, trace_nsyscalls32, NULL, err, sizeof(err)), 0);
	for (size_t i = 0; i < trace_nsyscalls; i++) {
		size_t k = 0;
		while (k < trace_nsyscalls32 &&
		       !(trace_syscalls32[k].as &&
			 strcmp(trace_syscalls32[k].as, trace_syscalls[i].name) == 0))
			k++;
		if (strcmp(trace_syscalls[i].name, "accept") != 0)
			assert_true(k < trace_nsyscalls32);
	}
	unsigned nr64[2];
	const struct trace_syscall32 ok[] = {{5, "open", "open"}, {102, "socketcall", NULL}};
	assert_int_equal(trace_check_table32(ok, 2, nr64, err, sizeof(err)), 0);
	assert_int_equal(nr64[0], 2);
	assert_int_equal(nr64[1], 0);
	const struct trace_syscall32 unknown[] = {{20, "getpid", "getpid"}};
	assert_int_equal(trace_check_table32(unknown, 1, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "getpid is recorded as getpid, which the 64-bit table"));
	const struct trace_syscall32 twice[] = {{5, "open", "open"}, {5, "creat", "creat"}};
	assert_int_equal(trace_check_table32(twice, 2, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "open and creat share number 5"));
	const struct trace_syscall32 far[] = {{600, "far", "open"}};
	assert_int_equal(trace_check_table32(far, 1, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "far: number 600 is past the 512 slots"));
}

static void test_the_table_is_consistent(void **state)
{
	char err[512] = "";
	(void)state;
	assert_int_equal(trace_check_table(trace_syscalls, trace_nsyscalls, err, sizeof(err)), 0);
	/* the families of this step are all there */
	const char *wanted[] = {"openat", "read",      "pwritev2", "unlinkat",
				"mkdir",  "renameat2", "sendfile"};
	for (size_t w = 0; w < sizeof(wanted) / sizeof(wanted[0]); w++) {
		int found = 0;
		for (size_t i = 0; i < trace_nsyscalls; i++)
			found += strcmp(trace_syscalls[i].name, wanted[w]) == 0;
		assert_int_equal(found, 1);
	}
}

static void test_a_missing_program_is_refused(void **state)
{
	const struct trace_syscall bad[] = {{0, "read", "trace_read"}, {1, "write", "trace_nope"}};
	char err[512] = "";
	(void)state;
	assert_int_equal(trace_check_table(bad, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "write: no program trace_nope"));
}

static void test_a_number_twice_is_refused(void **state)
{
	const struct trace_syscall bad[] = {{0, "read", "trace_read"}, {0, "write", "trace_write"}};
	char err[512] = "";
	(void)state;
	assert_int_equal(trace_check_table(bad, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "read and write share number 0"));
}

static void test_a_number_past_the_slots_is_refused(void **state)
{
	const struct trace_syscall bad[] = {{TRACE_SYSCALL_SLOTS, "far", "trace_read"}};
	char err[512] = "";
	(void)state;
	assert_int_equal(trace_check_table(bad, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "far: number 512 is past the 512 slots"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_the_table_is_consistent),
	    cmocka_unit_test(test_a_missing_program_is_refused),
	    cmocka_unit_test(test_a_number_twice_is_refused),
	    cmocka_unit_test(test_a_number_past_the_slots_is_refused),
	    cmocka_unit_test(test_the_numbers_are_the_kernels),
	    cmocka_unit_test(test_the_ia32_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
