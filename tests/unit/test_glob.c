/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_glob.c: the kernel's path-glob matcher (include/sabpf_glob.h, run in
 * user space by policy_glob_run) against the reference semantics of the
 * policy language (policy_glob_match, fnmatch with FNM_PATHNAME): the table
 * of docs/policy.md, then many random globs and paths, which must all agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"
#include "policy_glob.h"

static bool kernel_match(const char *glob, const char *path)
{
	size_t len = strlen(glob);
	bool recursive = len >= 3 && strcmp(glob + len - 3, "/**") == 0;
	char body[POLICY_PATH_MAX];
	snprintf(body, sizeof(body), "%.*s", (int)(recursive ? len - 3 : len), glob);
	struct pol_glob g;
	char err[512];
	assert_int_equal(policy_glob_compile(body, recursive, &g, err, sizeof(err)), 0);
	bool kernel = policy_glob_run(&g, path);
	bool reference = policy_glob_match(body, recursive, path);
	if (kernel != reference)
		fail_msg("glob '%s' path '%s': kernel %d, reference %d", glob, path, kernel,
			 reference);
	return kernel;
}

static void test_documented_table(void **state)
{
	(void)state;
	assert_true(kernel_match("/tmp/*", "/tmp/x"));
	assert_true(kernel_match("/tmp/*", "/tmp/.x"));
	assert_false(kernel_match("/tmp/*", "/tmp"));
	assert_false(kernel_match("/tmp/*", "/tmp/a/b"));
	assert_false(kernel_match("/tmp/*", "/tmpx/y"));
	assert_true(kernel_match("/tmp/**", "/tmp/x"));
	assert_true(kernel_match("/tmp/**", "/tmp/a/b/c"));
	assert_false(kernel_match("/tmp/**", "/tmp"));
	assert_false(kernel_match("/tmp/**", "/tmp/"));
	assert_false(kernel_match("/tmp/**", "/tmpx/y"));
	assert_true(kernel_match("/lib/ld-*.so*", "/lib/ld-linux-x86-64.so.2"));
	assert_false(kernel_match("/lib/ld-*.so*", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"));
	assert_true(kernel_match("/lib/lib*.so*", "/lib/libc.so.6"));
	assert_false(kernel_match("/lib/lib*.so*", "/lib/libc.a"));
	assert_false(kernel_match("/lib/lib*.so*", "/lib/security/libx.so"));
	assert_true(kernel_match("/bin/?ash", "/bin/bash"));
	assert_false(kernel_match("/bin/?ash", "/bin/ash"));
	assert_true(kernel_match("/var/log/[a-z]*.log", "/var/log/app.log"));
	assert_false(kernel_match("/var/log/[a-z]*.log", "/var/log/1.log"));
	assert_true(kernel_match("/a/[!b]", "/a/c"));
	assert_false(kernel_match("/a/[!b]", "/a/b"));
	assert_true(kernel_match("/a/[]x]", "/a/]"));
	assert_true(kernel_match("/a/\\*", "/a/*"));
	assert_false(kernel_match("/a/\\*", "/a/b"));
	assert_true(kernel_match("/**", "/etc/passwd"));
	assert_true(kernel_match("/*/**", "/etc/ssl/certs"));
}

static void test_compile_errors(void **state)
{
	(void)state;
	struct pol_glob g;
	char err[512];
	assert_int_equal(policy_glob_compile("/a/[[:alpha:]]", false, &g, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "character classes"));
	assert_int_equal(
	    policy_glob_compile("/[a][b][c][d][e][f][g][h][i]", false, &g, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 8 [...] sets"));
	assert_int_equal(policy_glob_compile("/[a", false, &g, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "never closed"));
}

/* A random string over an alphabet chosen to make globs and paths collide. */
static void random_text(char *out, size_t max, const char *const *parts, size_t nparts,
			unsigned *seed)
{
	size_t n = 1 + (size_t)rand_r(seed) % 6;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *p = parts[(size_t)rand_r(seed) % nparts];
		if (strlen(out) + strlen(p) + 1 < max)
			strcat(out, p);
	}
}

static void test_random_globs_agree_with_fnmatch(void **state)
{
	(void)state;
	static const char *const glob_parts[] = {"/",	 "a",	"b",  ".",  "*",     "?",  "[ab]",
						 "[!a]", "\\*", "ab", "/a", "[a-c]", "x*y"};
	static const char *const path_parts[] = {"/",  "a",  "b",  ".", "*", "c",
						 "ab", "/a", "xy", "x", "y"};
	unsigned seed = 12345;
	unsigned matches = 0, checked = 0;
	for (int i = 0; i < 4000; i++) {
		char glob[64] = "/", path[64] = "/";
		random_text(glob + 1, sizeof(glob) - 4, glob_parts, 13, &seed);
		random_text(path + 1, sizeof(path) - 1, path_parts, 11, &seed);
		if (rand_r(&seed) % 4 == 0)
			strcat(glob, "/**");
		/* only globs the policy parser accepts: no "**" inside, no "//" */
		const char *body_end = glob + strlen(glob) - (strstr(glob, "/**") ? 3 : 0);
		bool bad = false;
		for (const char *p = glob; p < body_end; p++)
			bad |= (p[0] == '*' && p[1] == '*') || (p[0] == '/' && p[1] == '/') ||
			       (p[0] == '/' && p[1] == '.');
		if (bad || (body_end > glob + 1 && body_end[-1] == '/'))
			continue;
		checked++;
		matches += kernel_match(glob, path);
	}
	/* the sample must exercise both answers, or it proves little */
	assert_true(checked > 1000);
	assert_true(matches > 50);
	assert_true(matches < checked - 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_documented_table),
	    cmocka_unit_test(test_compile_errors),
	    cmocka_unit_test(test_random_globs_agree_with_fnmatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
