/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* json_write.c: growable output buffer, JSON text helpers and the writer
 * that tracks objects, arrays and commas (see json_write.h for the escaping
 * rules). */
#include "json_write.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void jbuf_init(struct jbuf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = false;
}

void jbuf_free(struct jbuf *b)
{
	free(b->data);
	jbuf_init(b);
}

void jbuf_reset(struct jbuf *b)
{
	b->len = 0;
}

bool jbuf_grow(struct jbuf *b, size_t n)
{
	if (b->oom)
		return false;
	if (b->cap - b->len >= n)
		return true;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap - b->len < n) {
		if (cap > ((size_t)-1) / 2) {
			b->oom = true;
			return false;
		}
		cap *= 2;
	}
	char *data = realloc(b->data, cap);
	if (!data) {
		b->oom = true;
		return false;
	}
	b->data = data;
	b->cap = cap;
	return true;
}

void jbuf_put(struct jbuf *b, const void *s, size_t n)
{
	if (n == 0 || !jbuf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

void jbuf_puts(struct jbuf *b, const char *s)
{
	jbuf_put(b, s, strlen(s));
}

#define U64_DIGITS 20

/* The decimal digits of v at the end of tmp; returns where they start. */
static inline size_t u64_digits(char tmp[U64_DIGITS], __u64 v)
{
	size_t i = U64_DIGITS;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return i;
}

void jbuf_u64(struct jbuf *b, __u64 v)
{
	char tmp[U64_DIGITS];
	size_t i = u64_digits(tmp, v);
	jbuf_put(b, tmp + i, U64_DIGITS - i);
}

void jbuf_hex(struct jbuf *b, __u64 v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = digits[v & 0xf];
		v >>= 4;
	} while (v);
	jbuf_put(b, tmp + i, sizeof(tmp) - i);
}

static bool is_continuation(unsigned char c)
{
	return c >= 0x80 && c <= 0xbf;
}

size_t utf8_sequence_length(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
	size_t len;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* no overlong 3-byte forms */
	else if (c == 0xed)
		hi = 0x9f; /* no surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* no overlong 4-byte forms */
	else if (c == 0xf4)
		hi = 0x8f; /* nothing above U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (!is_continuation(s[i]))
			return 0;
	return len;
}

static void put_u00(struct jbuf *b, unsigned char c)
{
	static const char digits[] = "0123456789abcdef";
	char esc[6] = {'\\', 'u', '0', '0', digits[c >> 4], digits[c & 0xf]};
	jbuf_put(b, esc, sizeof(esc));
}

/* Escape sequence of an ASCII byte that needs one, or NULL. */
static const char *short_escape(unsigned char c)
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	default:
		return NULL;
	}
}

void json_str(struct jbuf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	/* Worst case: every byte becomes \u00XX. Reserving once keeps the
	 * common case to plain copies. */
	jbuf_reserve(b, n + 2);
	jbuf_putc(b, '"');
	while (i < n) {
		size_t run = i;
		while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' &&
		       s[run] != '\\')
			run++;
		jbuf_put(b, s + i, run - i);
		i = run;
		if (i >= n)
			break;
		unsigned char c = s[i];
		if (c < 0x80) {
			const char *esc = short_escape(c);
			if (esc)
				jbuf_puts(b, esc);
			else
				put_u00(b, c);
			i++;
			continue;
		}
		size_t len = utf8_sequence_length(s + i, n - i);
		if (len) {
			jbuf_put(b, s + i, len);
			i += len;
		} else {
			put_u00(b, c);
			i++;
		}
	}
	jbuf_putc(b, '"');
}

void json_cstr(struct jbuf *b, const char *s)
{
	json_str(b, s, strlen(s));
}

/* Appends v as exactly `width` decimal digits. */
static void put_digits(struct jbuf *b, __u64 v, int width)
{
	char tmp[20];
	for (int i = width - 1; i >= 0; i--) {
		tmp[i] = (char)('0' + v % 10);
		v /= 10;
	}
	jbuf_put(b, tmp, (size_t)width);
}

void json_time(struct jbuf *b, __s64 epoch_ns)
{
	__s64 sec = epoch_ns / 1000000000;
	__s64 nsec = epoch_ns % 1000000000;
	if (nsec < 0) {
		nsec += 1000000000;
		sec -= 1;
	}
	/* Records come in time order: the text of the last second formatted
	 * is kept, so most calls skip gmtime_r. */
	static __thread bool cached;
	static __thread __s64 cached_sec;
	static __thread char cached_text[64]; /* "YYYY-MM-DDTHH:MM:SS" */
	if (!cached || sec != cached_sec) {
		time_t t = (time_t)sec;
		struct tm tm;
		if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
			jbuf_puts(b, "\"1970-01-01T00:00:00.000000000Z\"");
			return;
		}
		snprintf(cached_text, sizeof(cached_text), "%04d-%02d-%02dT%02d:%02d:%02d",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
		cached_sec = sec;
		cached = true;
	}
	jbuf_putc(b, '"');
	jbuf_puts(b, cached_text);
	jbuf_putc(b, '.');
	put_digits(b, (__u64)nsec, 9);
	jbuf_puts(b, "Z\"");
}

/* ---- the writer ---------------------------------------------------------- */

void jw_init(struct jw *w, struct jbuf *b)
{
	*w = (struct jw){.b = b};
}

void jw_init_in_object(struct jw *w, struct jbuf *b, bool has_members)
{
	*w = (struct jw){.b = b, .depth = 1, .has_member = has_members ? 2u : 0u};
}

int jw_check(const struct jw *w)
{
	return w->bad || w->depth || w->after_key || w->b->oom ? -1 : 0;
}

void jw_newline(struct jw *w)
{
	if (w->depth || w->after_key)
		w->bad = true;
	jbuf_putc(w->b, '\n');
}

/* Before a value: the comma before an array element, nothing after a key;
 * a value in an object without its key is misuse. */
static inline void before_value(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	__u32 bit = 1u << w->depth;
	if (!(w->in_array & bit))
		w->bad = true;
	if (w->has_member & bit)
		jbuf_putc(w->b, ',');
	w->has_member |= bit;
}

static void open_container(struct jw *w, char c, bool array)
{
	before_value(w);
	if (w->depth == JW_MAX_DEPTH) {
		w->bad = true;
		return;
	}
	jbuf_putc(w->b, c);
	w->depth++;
	__u32 bit = 1u << w->depth;
	w->has_member &= ~bit;
	if (array)
		w->in_array |= bit;
	else
		w->in_array &= ~bit;
}

static void close_container(struct jw *w, char c, bool array)
{
	__u32 bit = 1u << w->depth;
	if (w->depth == 0 || w->after_key || !(w->in_array & bit) != !array) {
		w->bad = true;
		return;
	}
	jbuf_putc(w->b, c);
	w->depth--;
}

void jw_object_begin(struct jw *w)
{
	open_container(w, '{', false);
}

void jw_object_end(struct jw *w)
{
	close_container(w, '}', false);
}

void jw_array_begin(struct jw *w)
{
	open_container(w, '[', true);
}

void jw_array_end(struct jw *w)
{
	close_container(w, ']', true);
}

/* Before a member: the checks (in an object, not right after a key) and
 * the comma when the object has a member already. */
static inline bool key_comma(struct jw *w)
{
	__u32 bit = 1u << w->depth;
	if (w->depth == 0 || (w->in_array & bit) || w->after_key)
		w->bad = true;
	bool comma = w->has_member & bit;
	w->has_member |= bit;
	w->after_key = true;
	return comma;
}

/* Writes ,"key": (key a literal of n bytes) and reserves `more` bytes
 * after it for the value. Returns where the value goes, or NULL when out
 * of memory. */
static inline char *put_key(struct jw *w, const char *key, size_t n, size_t more)
{
	bool comma = key_comma(w);
	if (!jbuf_reserve(w->b, n + 4 + more))
		return NULL;
	char *p = w->b->data + w->b->len;
	*p = ',';
	p += comma;
	*p++ = '"';
	memcpy(p, key, n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	w->b->len = (size_t)(p - w->b->data);
	return p;
}

void jw_key_lit(struct jw *w, const char *key, size_t n)
{
	put_key(w, key, n, 0);
}

void jw_key_escaped(struct jw *w, const char *key)
{
	if (key_comma(w))
		jbuf_putc(w->b, ',');
	json_cstr(w->b, key);
	jbuf_putc(w->b, ':');
}

void jw_str(struct jw *w, const char *s, size_t n)
{
	before_value(w);
	json_str(w->b, s, n);
}

void jw_cstr(struct jw *w, const char *s)
{
	before_value(w);
	json_str(w->b, s, strlen(s));
}

void jw_u64(struct jw *w, __u64 v)
{
	before_value(w);
	jbuf_u64(w->b, v);
}

void jw_s64(struct jw *w, __s64 v)
{
	before_value(w);
	if (v < 0) {
		jbuf_putc(w->b, '-');
		jbuf_u64(w->b, -(__u64)v);
	} else {
		jbuf_u64(w->b, (__u64)v);
	}
}

void jw_bool(struct jw *w, bool v)
{
	before_value(w);
	jbuf_puts(w->b, v ? "true" : "false");
}

void jw_null(struct jw *w)
{
	before_value(w);
	jbuf_puts(w->b, "null");
}

void jw_fixed(struct jw *w, double v, int decimals)
{
	char text[64];
	before_value(w);
	if (!isfinite(v)) {
		jbuf_puts(w->b, "null");
		return;
	}
	int n = snprintf(text, sizeof(text), "%.*f", decimals, v);
	if (n < 0 || (size_t)n >= sizeof(text))
		jbuf_puts(w->b, "null"); /* beyond 1e50: not a latency */
	else
		jbuf_put(w->b, text, (size_t)n);
}

void jw_time(struct jw *w, __s64 epoch_ns)
{
	before_value(w);
	json_time(w->b, epoch_ns);
}

void jw_str_plain(struct jw *w, const char *s, size_t n)
{
	before_value(w);
	if (!jbuf_reserve(w->b, n + 2))
		return;
	char *p = w->b->data + w->b->len;
	*p++ = '"';
	memcpy(p, s, n);
	p[n] = '"';
	w->b->len += n + 2;
}

void jw_tagged_u64(struct jw *w, const char *prefix, __u64 v)
{
	before_value(w);
	jbuf_putc(w->b, '"');
	jbuf_puts(w->b, prefix); /* a literal of the program: nothing to escape */
	jbuf_u64(w->b, v);
	jbuf_putc(w->b, '"');
}

void jw_tagged_hex(struct jw *w, const char *prefix, __u64 v)
{
	before_value(w);
	jbuf_putc(w->b, '"');
	jbuf_puts(w->b, prefix);
	jbuf_hex(w->b, v);
	jbuf_putc(w->b, '"');
}

void jw_key_str_lit(struct jw *w, const char *key, size_t keylen, const char *s, size_t n)
{
	jw_key_lit(w, key, keylen);
	jw_str(w, s, n);
}

void jw_key_cstr_lit(struct jw *w, const char *key, size_t keylen, const char *s)
{
	jw_key_lit(w, key, keylen);
	jw_cstr(w, s);
}

void jw_key_u64_lit(struct jw *w, const char *key, size_t keylen, __u64 v)
{
	char *p = put_key(w, key, keylen, U64_DIGITS);
	w->after_key = false;
	if (!p)
		return;
	/* a fixed-size copy (a few moves, no call): the digits, then what
	 * follows them in tmp, into the room reserved; only the digits count */
	char tmp[2 * U64_DIGITS] = {0};
	size_t i = u64_digits(tmp, v);
	memcpy(p, tmp + i, U64_DIGITS);
	w->b->len += U64_DIGITS - i;
}

void jw_key_s64_lit(struct jw *w, const char *key, size_t keylen, __s64 v)
{
	jw_key_lit(w, key, keylen);
	jw_s64(w, v);
}

void jw_key_bool_lit(struct jw *w, const char *key, size_t keylen, bool v)
{
	jw_key_lit(w, key, keylen);
	jw_bool(w, v);
}

void jw_key_fixed_lit(struct jw *w, const char *key, size_t keylen, double v, int decimals)
{
	jw_key_lit(w, key, keylen);
	jw_fixed(w, v, decimals);
}

void jw_key_cstr_or_null_lit(struct jw *w, const char *key, size_t keylen, const char *s)
{
	jw_key_lit(w, key, keylen);
	if (s)
		jw_cstr(w, s);
	else
		jw_null(w);
}
