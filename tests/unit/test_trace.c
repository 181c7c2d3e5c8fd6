/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_trace.c: unit tests of trace.c: the syscall table of the trace
 * backend names programs that exist in bpf/trace.bpf.c, every number once,
 * within the program array; and the check refuses a table that breaks any
 * of these (negative controls). Needs no kernel support (ELF only). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "trace.h"

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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
