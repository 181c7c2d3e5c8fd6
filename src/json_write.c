/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* json_write.c: growable output buffer and JSON text helpers (see
 * json_write.h for the escaping rules). */
#include "json_write.h"

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

bool jbuf_reserve(struct jbuf *b, size_t n)
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

void jbuf_putc(struct jbuf *b, char c)
{
	if (!jbuf_reserve(b, 1))
		return;
	b->data[b->len++] = c;
}

void jbuf_u64(struct jbuf *b, __u64 v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jbuf_put(b, tmp + i, sizeof(tmp) - i);
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

/* Length of the well-formed UTF-8 sequence of 2 to 4 bytes starting at s
 * (RFC 3629, table 3-7 of Unicode), or 0 if s[0] does not start one. */
static size_t utf8_sequence_length(const unsigned char *s, size_t n)
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
