/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_oci_hook.c: unit tests of oci_hook.c: the OCI state document that a
 * runtime gives `sabpf oci-hook` on stdin (runc's, as podman runs it) is
 * read (id, pid), and broken ones are refused with a specific error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "oci_hook.h"

#define ID "eddd2f1181b60c243d0cf608314c077c50c31ca499db91f6b5bf6c860c71d3a7"

/* runc 1.1's state at createRuntime (podman 4.3), bundle shortened */
static const char runc_state[] =
    "{\"ociVersion\":\"1.0.2-dev\",\"id\":\"" ID "\",\"status\":\"creating\",\"pid\":5321,"
    "\"bundle\":\"/var/lib/containers/storage/vfs-containers/" ID "/userdata\","
    "\"annotations\":{\"io.container.manager\":\"libpod\","
    "\"org.opencontainers.image.stopSignal\":\"15\"}}";

static void test_state(void **state)
{
	(void)state;
	char id[65], err[512];
	int pid = 0;
	assert_int_equal(
	    oci_state_parse(runc_state, strlen(runc_state), id, sizeof(id), &pid, err, sizeof(err)),
	    0);
	assert_string_equal(id, ID);
	assert_int_equal(pid, 5321);
}

static void bad(const char *text, const char *want)
{
	char id[65] = "", err[512] = "";
	int pid = 0;
	assert_int_equal(
	    oci_state_parse(text, strlen(text), id, sizeof(id), &pid, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("error '%s' does not say '%s'", err, want);
	assert_int_equal(pid, 0);
}

static void test_errors(void **state)
{
	(void)state;
	bad("", "OCI state (stdin)");
	bad("[1]", "OCI state (stdin)");
	bad("{\"pid\":12}", "no \"id\"");
	bad("{\"id\":\"\",\"pid\":12}", "no \"id\"");
	bad("{\"id\":\"" ID "0\",\"pid\":12}", "no \"id\" of 1 to 64 characters");
	bad("{\"id\":\"a b\",\"pid\":12}", "\"id\" has a character other than");
	bad("{\"id\":\"x\\ny\",\"pid\":12}", "\"id\" has a character other than");
	bad("{\"id\":\"abc\"}", "no \"pid\"");
	bad("{\"id\":\"abc\",\"pid\":0}", "\"pid\" 0 is not a process id");
	bad("{\"id\":\"abc\",\"pid\":-4}", "is not a process id");
	bad("{\"id\":\"abc\",\"pid\":\"12x\"}", "\"pid\" 12x is not a process id");
	/* negative control: a good document does not give an error */
	char id[65], err[512];
	int pid;
	assert_int_equal(oci_state_parse("{\"id\":\"abc\",\"pid\":7}", 20, id, sizeof(id), &pid,
					 err, sizeof(err)),
			 0);
	assert_string_equal(id, "abc");
	assert_int_equal(pid, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_state),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
