/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_seal.c: unit tests of seal.c and seal_verify.c. A file written with
 * its seal (small blocks, signed or not) verifies whole; then each way of
 * tampering is tried on a copy and must be named: a byte flipped, a block
 * removed, two blocks swapped, the file truncated, both files cut at a block
 * boundary, bytes appended, a seal line altered or removed, the chain
 * recomputed without the key (forged), the wrong key, a key for an unsigned
 * seal. Key files: generated, refused when malformed or already there. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seal.h"
#include "seal_verify.h"
#include "testdir.h"

#define BLOCK 1000
#define BLOCKS 6

struct fx {
	char dir[256];
	char file[300], seal[300], keyprefix[300], key[300], pub[300];
};

static void path(struct fx *f, char *out, const char *name)
{
	(void)f;
	snprintf(out, 300, "%s", in_dir(name));
}

static void write_bytes(const char *p, const char *data, size_t n, int flags)
{
	int fd = open(p, O_WRONLY | O_CREAT | flags, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
}

/* Writes BLOCKS blocks of distinct text (and a short last one) through a
 * seal, the way an output writes: in pieces that do not line up with blocks. */
static void make_sealed(struct fx *f, bool sign)
{
	char err[256];
	struct seal_key key;
	struct seal_key *k = NULL;
	if (sign) {
		assert_int_equal(seal_key_load_secret(f->key, &key, err, sizeof(err)), 0);
		k = &key;
	}
	struct seal *s = seal_open(f->seal, "out.jsonl", k, BLOCK, err, sizeof(err));
	assert_non_null(s);
	int fd = open(f->file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	char line[128];
	for (int i = 0; i < BLOCKS * BLOCK / 50 + 7; i++) {
		int n = snprintf(line, sizeof(line), "{\"record\":%06d,\"pad\":\"%023d\"}\n", i, i);
		assert_int_equal(write(fd, line, (size_t)n), n);
		assert_int_equal(seal_update(s, line, (size_t)n), 0);
		if (i == 3) /* a checkpoint: a short block */
			assert_int_equal(seal_checkpoint(s), 0);
	}
	close(fd);
	assert_int_equal(seal_close(s), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_int_equal(testdir_make("seal"), 0);
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	path(f, f->file, "out.jsonl");
	path(f, f->seal, "out.jsonl.seal");
	path(f, f->keyprefix, "k");
	path(f, f->key, "k.key");
	path(f, f->pub, "k.pub");
	char err[256];
	assert_int_equal(seal_keygen(f->keyprefix, err, sizeof(err)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	testdir_remove();
	free(f);
	return 0;
}

/* verify with the public key (or none): the report */
static int verify(struct fx *f, bool with_key, struct seal_report *r)
{
	char err[256];
	unsigned char pk[SEAL_PK_BYTES];
	if (with_key)
		assert_int_equal(seal_key_load_public(f->pub, pk, err, sizeof(err)), 0);
	memset(r, 0, sizeof(*r));
	int rc = seal_verify(f->file, f->seal, with_key ? pk : NULL, false, r, err, sizeof(err));
	if (rc < 0)
		fail_msg("verify could not run: %s", err);
	return rc;
}

static void expect_problem(struct fx *f, bool with_key, const char *words)
{
	struct seal_report r;
	assert_int_equal(verify(f, with_key, &r), 1);
	assert_false(r.whole);
	if (!strstr(r.problem, words))
		fail_msg("expected a problem with '%s', got '%s'", words, r.problem);
}

static void test_whole(void **state)
{
	struct fx *f = *state;
	struct seal_report r;
	make_sealed(f, true);
	assert_int_equal(verify(f, true, &r), 0);
	assert_true(r.whole && r.closed && r.signed_ && r.authenticated);
	size_t n;
	free(read_all(f->file, &n));
	assert_int_equal(r.sealed_bytes, n);
	/* lines of 50 bytes: the checkpointed block of 4 lines (200 bytes),
	 * (n - 200) / 1000 full blocks, and the final block with the rest */
	assert_int_equal(n % 50, 0);
	assert_int_equal(r.blocks, 1 + (n - 200) / BLOCK + 1);
	make_sealed(f, false);
	assert_int_equal(verify(f, false, &r), 0);
	assert_false(r.signed_);
}

static void test_flipped_byte(void **state)
{
	struct fx *f = *state;
	make_sealed(f, true);
	int fd = open(f->file, O_WRONLY);
	assert_int_equal(pwrite(fd, "X", 1, 2500), 1);
	close(fd);
	/* byte 2500: the first block holds bytes 0-199 (checkpoint after 4
	 * lines of 50), then blocks of 1000: 200-1199, 1200-2199, 2200-3199 */
	expect_problem(f, true, "block 3 (bytes 2200-3199) was altered");
}

static void test_removed_block(void **state)
{
	struct fx *f = *state;
	make_sealed(f, true);
	size_t n;
	char *b = read_all(f->file, &n);
	memmove(b + 1200, b + 2200, n - 2200); /* block 2 (1200-2199) taken out */
	write_bytes(f->file, b, n - 1000, O_TRUNC);
	free(b);
	expect_problem(f, true, "block 2 (bytes 1200-2199) was removed");
}

static void test_swapped_blocks(void **state)
{
	struct fx *f = *state;
	make_sealed(f, true);
	size_t n;
	char *b = read_all(f->file, &n);
	char tmp[1000];
	memcpy(tmp, b + 1200, 1000);
	memcpy(b + 1200, b + 2200, 1000);
	memcpy(b + 2200, tmp, 1000);
	write_bytes(f->file, b, n, O_TRUNC);
	free(b);
	expect_problem(f, true,
		       "block 2 (bytes 1200-2199) was reordered: it holds the bytes "
		       "sealed as block 3");
}

static void test_truncated(void **state)
{
	struct fx *f = *state;
	make_sealed(f, true);
	assert_int_equal(truncate(f->file, 2700), 0);
	expect_problem(f, true, "was truncated: block 3 (bytes 2200-3199) is cut at byte 2700");
}

static void test_both_cut(void **state)
{
	struct fx *f = *state;
	make_sealed(f, true);
	/* the attacker cuts the file at a block end and drops the seal lines
	 * after that block, final line included */
	size_t n;
	char *s = read_all(f->seal, &n);
	char *p = s;
	for (int line = 0; line < 4; line++) /* header + blocks 0, 1, 2 */
		p = strchr(p, '\n') + 1;
	write_bytes(f->seal, s, (size_t)(p - s), O_TRUNC);
	free(s);
	assert_int_equal(truncate(f->file, 2200), 0);
	expect_problem(f, true, "the seal was never closed");
}

static void test_appended(void **state)
{
	struct fx *f = *state;
	make_sealed(f, true);
	write_bytes(f->file, "{\"forged\":1}\n", 13, O_APPEND);
	expect_problem(f, true, "13 bytes after byte");
	expect_problem(f, true, "added after the seal was closed");
}

/* replaces the first occurrence of old with new (same length) in the seal */
static void edit_seal(struct fx *f, const char *old, const char *new)
{
	size_t n;
	char *s = read_all(f->seal, &n);
	char *p = strstr(s, old);
	assert_non_null(p);
	memcpy(p, new, strlen(new));
	write_bytes(f->seal, s, n, O_TRUNC);
	free(s);
}

static void test_seal_line_altered(void **state)
{
	struct fx *f = *state;
	make_sealed(f, false);
	edit_seal(f, "\"length\":1000", "\"length\":1001");
	expect_problem(f, false, "was altered (its chain does not follow)");
}

static void test_seal_line_removed(void **state)
{
	struct fx *f = *state;
	make_sealed(f, false);
	size_t n;
	char *s = read_all(f->seal, &n);
	char *l2 = strchr(s, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
	memmove(l2, l3, n - (size_t)(l3 - s));
	write_bytes(f->seal, s, n - (size_t)(l3 - l2), O_TRUNC);
	free(s);
	expect_problem(f, false, "is block 1 where block 0 was expected");
}

/* Without the key an attacker can rewrite the file and recompute the whole
 * unsigned chain: only a signed seal, checked with the key, catches it. */
static void test_forged_chain(void **state)
{
	struct fx *f = *state;
	make_sealed(f, true);
	/* re-seal altered content with a key of the attacker's */
	char err[256], other[300];
	path(f, other, "attacker");
	assert_int_equal(seal_keygen(other, err, sizeof(err)), 0);
	char okey[320];
	snprintf(okey, sizeof(okey), "%s.key", other);
	struct seal_key k;
	assert_int_equal(seal_key_load_secret(okey, &k, err, sizeof(err)), 0);
	struct seal *s = seal_open(f->seal, "out.jsonl", &k, BLOCK, err, sizeof(err));
	size_t n;
	char *b = read_all(f->file, &n);
	b[10] = 'Z';
	write_bytes(f->file, b, n, O_TRUNC);
	assert_int_equal(seal_update(s, b, n), 0);
	assert_int_equal(seal_close(s), 0);
	free(b);
	struct seal_report r;
	assert_int_equal(verify(f, false, &r), 0); /* consistent in itself... */
	assert_false(r.authenticated);
	expect_problem(f, true, "made with another key"); /* ...but not by our key */
}

static void test_key_for_unsigned(void **state)
{
	struct fx *f = *state;
	make_sealed(f, false);
	expect_problem(f, true, "not signed, but a key was given");
}

static void test_keys(void **state)
{
	struct fx *f = *state;
	char err[256];
	/* never overwrites */
	assert_int_equal(seal_keygen(f->keyprefix, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "never overwritten"));
	struct stat st;
	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* a malformed key */
	write_bytes(f->pub, "abcd\n", 5, O_TRUNC);
	unsigned char pk[SEAL_PK_BYTES];
	assert_int_equal(seal_key_load_public(f->pub, pk, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not a public key (64 hex digits)"));
}

static void test_not_a_seal(void **state)
{
	struct fx *f = *state;
	make_sealed(f, false);
	write_bytes(f->seal, "{\"hello\":1}\n", 12, O_TRUNC);
	struct seal_report r;
	char err[256];
	assert_int_equal(seal_verify(f->file, f->seal, NULL, false, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a version 1 seal header"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flipped_byte, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_removed_block, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_swapped_blocks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_both_cut, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_appended, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_seal_line_altered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_seal_line_removed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_forged_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_for_unsigned, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_a_seal, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
