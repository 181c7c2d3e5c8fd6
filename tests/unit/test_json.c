/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_json.c: unit tests of the JSON text helpers (src/json_write.c):
 * string escaping for any bytes (control characters, quotes, backslashes,
 * valid and invalid UTF-8), numbers and ISO-8601 times; and of the writer
 * (struct jw): commas and nesting, escaping through it, and misuse noticed
 * (the negative controls). */
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

/* The writer's text so far, NUL-terminated. */
static const char *text_of(struct jbuf *b)
{
	jbuf_putc(b, '\0');
	b->len--;
	return b->data;
}

static void test_writer_commas_and_nesting(void **state)
{
	(void)state;
	struct jbuf b;
	struct jw w;
	jbuf_init(&b);
	jw_init(&w, &b);
	jw_object_begin(&w);
	jw_key_u64(&w, "a", 1);
	jw_key(&w, "list");
	jw_array_begin(&w);
	jw_u64(&w, 2);
	jw_object_begin(&w);
	jw_object_end(&w);
	jw_array_begin(&w);
	jw_array_end(&w);
	jw_null(&w);
	jw_bool(&w, false);
	jw_s64(&w, -9223372036854775807LL - 1);
	jw_array_end(&w);
	jw_key(&w, "empty");
	jw_object_begin(&w);
	jw_object_end(&w);
	jw_key_bool(&w, "t", true);
	jw_key_s64(&w, "n", -5);
	jw_key_cstr_or_null(&w, "none", NULL);
	jw_key_cstr_or_null(&w, "some", "x");
	jw_key(&w, "id");
	jw_tagged_u64(&w, "task:", 42);
	jw_key(&w, "node");
	jw_tagged_hex(&w, "node:", 0xbeef);
	jw_object_end(&w);
	jw_newline(&w);
	assert_int_equal(jw_check(&w), 0);
	assert_string_equal(text_of(&b),
			    "{\"a\":1,\"list\":[2,{},[],null,false,-9223372036854775808],"
			    "\"empty\":{},\"t\":true,\"n\":-5,\"none\":null,\"some\":\"x\","
			    "\"id\":\"task:42\",\"node\":\"node:beef\"}\n");
	/* JSON lines: top-level values one after another, no commas */
	jbuf_reset(&b);
	jw_init(&w, &b);
	for (int i = 0; i < 2; i++) {
		jw_object_begin(&w);
		jw_key_u64(&w, "i", (__u64)i);
		jw_object_end(&w);
		jw_newline(&w);
	}
	assert_int_equal(jw_check(&w), 0);
	assert_string_equal(text_of(&b), "{\"i\":0}\n{\"i\":1}\n");
	/* deep nesting up to the limit */
	jbuf_reset(&b);
	jw_init(&w, &b);
	for (int i = 0; i < JW_MAX_DEPTH; i++)
		jw_array_begin(&w);
	for (int i = 0; i < JW_MAX_DEPTH; i++)
		jw_array_end(&w);
	assert_int_equal(jw_check(&w), 0);
	assert_int_equal(b.len, 2 * JW_MAX_DEPTH);
	jbuf_free(&b);
}

static void test_writer_escapes(void **state)
{
	(void)state;
	struct jbuf b;
	struct jw w;
	jbuf_init(&b);
	jw_init(&w, &b);
	jw_object_begin(&w);
	jw_key_str(&w, "s", "q\"b\\c\n\x01\xff\xc3\xa9", 10);
	jw_key_escaped(&w, "k\"\t");
	jw_cstr(&w, "v");
	jw_object_end(&w);
	assert_int_equal(jw_check(&w), 0);
	/* the same escaping as json_str: quote, backslash, control
	 * characters, an invalid byte as \u00XX, valid UTF-8 kept */
	assert_string_equal(text_of(&b), "{\"s\":\"q\\\"b\\\\c\\n\\u0001\\u00ff\xc3\xa9\","
					 "\"k\\\"\\t\":\"v\"}");
	jbuf_free(&b);
}

static void test_writer_fixed(void **state)
{
	(void)state;
	struct jbuf b;
	struct jw w;
	jbuf_init(&b);
	jw_init(&w, &b);
	jw_array_begin(&w);
	jw_fixed(&w, 0.8675971, 6);
	jw_fixed(&w, -2.5, 1);
	jw_fixed(&w, 0.0 / 0.0, 6); /* NaN: not a JSON number */
	jw_fixed(&w, 1e300, 6);	    /* longer than a number we write */
	jw_array_end(&w);
	assert_int_equal(jw_check(&w), 0);
	assert_string_equal(text_of(&b), "[0.867597,-2.5,null,null]");
	jbuf_free(&b);
}

/* Negative controls: each misuse makes jw_check fail. */
static void test_writer_misuse(void **state)
{
	(void)state;
	struct jbuf b;
	struct jw w;
	jbuf_init(&b);
	for (int c = 0; c < 9; c++) {
		jbuf_reset(&b);
		jw_init(&w, &b);
		switch (c) {
		case 0: /* a value in an object without its key */
			jw_object_begin(&w);
			jw_u64(&w, 1);
			jw_object_end(&w);
			break;
		case 1: /* a key in an array */
			jw_array_begin(&w);
			jw_key(&w, "k");
			jw_u64(&w, 1);
			jw_array_end(&w);
			break;
		case 2: /* a key outside any object */
			jw_key_u64(&w, "k", 1);
			break;
		case 3: /* a key without a value */
			jw_object_begin(&w);
			jw_key(&w, "k");
			jw_object_end(&w);
			break;
		case 4: /* an object left open */
			jw_object_begin(&w);
			break;
		case 5: /* an end without a begin */
			jw_object_end(&w);
			break;
		case 6: /* an object closed as an array */
			jw_object_begin(&w);
			jw_array_end(&w);
			break;
		case 7: /* a line end inside a value */
			jw_array_begin(&w);
			jw_newline(&w);
			jw_array_end(&w);
			break;
		case 8: /* nesting past the limit */
			for (int i = 0; i <= JW_MAX_DEPTH; i++)
				jw_array_begin(&w);
			for (int i = 0; i < JW_MAX_DEPTH; i++)
				jw_array_end(&w);
			break;
		}
		if (jw_check(&w) != -1)
			fail_msg("misuse %d was not noticed", c);
	}
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
	    cmocka_unit_test(test_writer_commas_and_nesting),
	    cmocka_unit_test(test_writer_escapes),
	    cmocka_unit_test(test_writer_fixed),
	    cmocka_unit_test(test_writer_misuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
