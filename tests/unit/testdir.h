/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* testdir.h: a temporary directory for unit tests that write files, and
 * helpers to name and read files in it. Header-only (static functions):
 * each test program includes it once, after cmocka.h. */
#ifndef SABPF_TESTDIR_H
#define SABPF_TESTDIR_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

/* Makes /tmp/sabpf-test-TAG-XXXXXX. Returns 0, or -1 (a cmocka setup's). */
static int testdir_make(const char *tag)
{
	snprintf(dir, sizeof(dir), "/tmp/sabpf-test-%s-XXXXXX", tag);
	return mkdtemp(dir) ? 0 : -1;
}

static int testdir_remove(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* dir/name, in a static buffer (one of four, so several can be in use). */
static const char *in_dir(const char *name)
{
	static char bufs[4][256];
	static int next;
	char *b = bufs[next++ % 4];
	snprintf(b, 256, "%s/%s", dir, name);
	return b;
}

static inline bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The whole file, NUL-terminated, to be freed; its length in *len_out
 * unless that is NULL. A missing file fails the test. */
static char *read_all(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *data = malloc((size_t)len + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)len, f), (size_t)len);
	data[len] = '\0';
	fclose(f);
	if (len_out)
		*len_out = (size_t)len;
	return data;
}

#endif /* SABPF_TESTDIR_H */
