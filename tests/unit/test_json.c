/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_json.c: unit tests of the JSON text helpers (src/json_write.c):
 * string escaping for any bytes (control characters, quotes, backslashes,
 * valid and invalid UTF-8), numbers and ISO-8601 times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "json_write.h"

/* json_str of n bytes, as a NUL-terminated string to compare. */
static void assert_escapes(const char *in, size_t n, const char *want)
{
	struct jbuf b;
	jbuf_init(&b);
	json_str(&b, in, n);
	jbuf_putc(&b, '\0');
	assert_false(b.oom);
	assert_string_equal(b.data, want);
	jbuf_free(&b);
}

static void test_ascii_escapes(void **state)
{
	(void)state;
	assert_escapes("plain text", 10, "\"plain text\"");
	assert_escapes("", 0, "\"\"");
	assert_escapes("a\"b\\c/", 6, "\"a\\\"b\\\\c/\"");
	assert_escapes("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
	assert_escapes("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\"");
	assert_escapes("a\0b", 3, "\"a\\u0000b\"");
}

static void test_utf8(void **state)
{
	(void)state;
	/* well-formed sequences of 2, 3 and 4 bytes are kept */
	assert_escapes("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
		       "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* invalid bytes become \u00XX, one by one */
	assert_escapes("\xff", 1, "\"\\u00ff\"");
	assert_escapes("\xc0\xaf", 2, "\"\\u00c0\\u00af\"");		/* overlong '/' */
	assert_escapes("\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\""); /* surrogate */
	assert_escapes("\xf4\x90\x80\x80", 4,
		       "\"\\u00f4\\u0090\\u0080\\u0080\"");	  /* above U+10FFFF */
	assert_escapes("\xe2\x82", 2, "\"\\u00e2\\u0082\"");	  /* cut short */
	assert_escapes("\xc3\xa9\x80", 3, "\"\xc3\xa9\\u0080\""); /* stray continuation */
}

static void test_every_byte_gives_valid_output(void **state)
{
	(void)state;
	char in[256];
	struct jbuf b;
	for (int i = 0; i < 256; i++)
		in[i] = (char)i;
	jbuf_init(&b);
	json_str(&b, in, sizeof(in));
	/* no raw control character and no byte >= 0x80 survives: every one
	 * of 0x80..0xff alone is invalid UTF-8 */
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.data[i];
		assert_true(c >= 0x20 && c < 0x80);
	}
	jbuf_free(&b);
}

static void test_numbers_and_time(void **state)
{
	(void)state;
	struct jbuf b;
	jbuf_init(&b);
	jbuf_u64(&b, 0);
	jbuf_putc(&b, ' ');
	jbuf_u64(&b, 18446744073709551615ULL);
	jbuf_putc(&b, ' ');
	jbuf_hex(&b, 0x10001);
	jbuf_putc(&b, ' ');
	json_time(&b, 1764401400000000001LL);
	jbuf_putc(&b, ' ');
	json_time(&b, 0);
	jbuf_putc(&b, ' ');
	json_time(&b, -1); /* before the epoch */
	jbuf_putc(&b, ' ');
	json_time(&b, 1764401401999999999LL); /* the next second */
	jbuf_putc(&b, '\0');
	assert_string_equal(b.data, "0 18446744073709551615 10001 "
				    "\"2025-11-29T07:30:00.000000001Z\" "
				    "\"1970-01-01T00:00:00.000000000Z\" "
				    "\"1969-12-31T23:59:59.999999999Z\" "
				    "\"2025-11-29T07:30:01.999999999Z\"");
	jbuf_reset(&b);
	assert_int_equal(b.len, 0);
	jbuf_free(&b);
}

static void test_buffer_grows(void **state)
{
	(void)state;
	struct jbuf b;
	jbuf_init(&b);
	for (int i = 0; i < 100000; i++)
		jbuf_puts(&b, "0123456789");
	assert_int_equal(b.len, 1000000);
	assert_true(b.cap >= b.len);
	assert_memory_equal(b.data + 999990, "0123456789", 10);
	jbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ascii_escapes),
	    cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_every_byte_gives_valid_output),
	    cmocka_unit_test(test_numbers_and_time),
	    cmocka_unit_test(test_buffer_grows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
