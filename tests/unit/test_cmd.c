/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_cmd.c: unit tests of cmd.c, the command tables of `sabpf`: an entry
 * runs with its own argv, an unknown or missing name and -j on a command
 * without JSON output are usage errors (exit 2) that run nothing, and the
 * help text lists every entry and verb from the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char *ran; /* the name of the last function run */
static int ran_argc;
static char **ran_argv;

static int cmd_alpha(int argc, char **argv)
{
	ran = "alpha";
	ran_argc = argc;
	ran_argv = argv;
	return 7;
}

static int cmd_beta_get(int argc, char **argv)
{
	ran = "beta get";
	ran_argc = argc;
	ran_argv = argv;
	return 0;
}

static const struct cmd beta_cmds[] = {
    {"get", cmd_beta_get, "[--json] KEY", "read one key", CMD_JSON, NULL},
    {0},
};

static int cmd_beta(int argc, char **argv)
{
	return cmd_select(beta_cmds, "tool beta", argc - 1, argv + 1);
}

static const struct cmd cmds[] = {
    {"alpha", cmd_alpha, "FILE", "the first command", 0, NULL},
    {"beta", cmd_beta, "VERB", "a family", 0, beta_cmds},
    {0},
};

static int setup(void **state)
{
	(void)state;
	ran = NULL;
	ran_argc = -1;
	ran_argv = NULL;
	cmd_json = false;
	return 0;
}

static int select_words(int argc, char **argv)
{
	/* stderr of the usage errors is not what is tested here */
	FILE *saved = stderr;
	stderr = fopen("/dev/null", "w");
	int rc = cmd_select(cmds, "tool", argc, argv);
	fclose(stderr);
	stderr = saved;
	return rc;
}

static void test_dispatch(void **state)
{
	(void)state;
	char *argv[] = {"alpha", "x.raw", NULL};
	assert_int_equal(select_words(2, argv), 7);
	assert_string_equal(ran, "alpha");
	assert_int_equal(ran_argc, 2);
	assert_ptr_equal(ran_argv, argv);
	/* a verb: argv[0] is the verb */
	char *verb[] = {"beta", "get", "k", NULL};
	assert_int_equal(select_words(3, verb), 0);
	assert_string_equal(ran, "beta get");
	assert_int_equal(ran_argc, 2);
	assert_string_equal(ran_argv[0], "get");
}

static void test_unknown_is_usage_error(void **state)
{
	(void)state;
	/* negative control: a prefix or a near miss runs nothing */
	char *prefix[] = {"alph", NULL};
	assert_int_equal(select_words(1, prefix), EXIT_USAGE);
	char *upper[] = {"Alpha", NULL};
	assert_int_equal(select_words(1, upper), EXIT_USAGE);
	char *verb[] = {"beta", "put", NULL};
	assert_int_equal(select_words(2, verb), EXIT_USAGE);
	char *none[] = {"beta", NULL};
	assert_int_equal(select_words(1, none), EXIT_USAGE);
	assert_int_equal(select_words(0, none + 1), EXIT_USAGE);
	assert_null(ran);
}

static void test_json_only_where_it_exists(void **state)
{
	(void)state;
	cmd_json = true;
	char *alpha[] = {"alpha", NULL};
	assert_int_equal(select_words(1, alpha), EXIT_USAGE);
	assert_null(ran);
	char *get[] = {"beta", "get", NULL};
	assert_int_equal(select_words(2, get), 0);
	assert_string_equal(ran, "beta get");
}

static void test_help_from_table(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	cmd_print_table(f, cmds, "tool");
	fclose(f);
	assert_non_null(strstr(text, "usage: tool [-j|--json] COMMAND [OPTIONS]\n"));
	assert_non_null(strstr(text, "\n  alpha FILE"));
	assert_non_null(strstr(text, "the first command\n"));
	assert_non_null(strstr(text, "\n    beta get [--json] KEY"));
	assert_non_null(strstr(text, "\n  help "));
	assert_non_null(strstr(text, "for: 'beta get'\n"));
	assert_null(strstr(text, "for: alpha")); /* alpha has no JSON output */
	free(text);
	/* help, --help and -h print it and run nothing */
	char *help[] = {"--help", NULL};
	FILE *saved = stdout;
	stdout = fopen("/dev/null", "w");
	int rc = cmd_select(cmds, "tool", 1, help);
	fclose(stdout);
	stdout = saved;
	assert_int_equal(rc, 0);
	assert_null(ran);
}

/* cmd_getopt_reset: a command parsing with permutation after one that
 * stopped at its first operand still sees options after operands. */
static void test_getopt_reset(void **state)
{
	(void)state;
	static const struct option opts[] = {{"key", required_argument, 0, 'k'}, {0, 0, 0, 0}};
	char *first[] = {"sabpf", "verify", "--key", "p", NULL};
	cmd_getopt_reset();
	while (getopt_long(4, first, "+", opts, NULL) != -1)
		;
	assert_int_equal(optind, 1);
	char *second[] = {"verify", "FILE", "--key", "PUB", NULL};
	const char *key = NULL;
	int opt;
	cmd_getopt_reset();
	while ((opt = getopt_long(4, second, "", opts, NULL)) != -1)
		if (opt == 'k')
			key = optarg;
	assert_non_null(key);
	assert_string_equal(key, "PUB");
	assert_int_equal(optind, 3);
	assert_string_equal(second[optind], "FILE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_dispatch, setup),
	    cmocka_unit_test_setup(test_unknown_is_usage_error, setup),
	    cmocka_unit_test_setup(test_json_only_where_it_exists, setup),
	    cmocka_unit_test_setup(test_help_from_table, setup),
	    cmocka_unit_test_setup(test_getopt_reset, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
