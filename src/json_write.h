/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* json_write.h: the one JSON writer of sabpf. A growable byte buffer
 * (struct jbuf), the helpers that append JSON text to it (escaped strings,
 * numbers, ISO-8601 times), and struct jw, a writer that knows where it is:
 * it tracks the objects and arrays open, writes the commas between members
 * and elements, and notes any misuse (a key outside an object, a value
 * without its key, an unbalanced end). Every JSON producer (the jsonl, PROV
 * and SPADE outputs, denials, policies, --stats, verify) writes through it
 * (bpftool's json_writer is the model). Every output format builds its text
 * in a buffer and writes it out in large blocks; the buffer is reused, so
 * appending does not allocate once it has grown.
 *
 * String escaping (json_str): '"' and '\\' are escaped, control characters
 * become \b \f \n \r \t or \u00XX, well-formed UTF-8 is copied unchanged,
 * and every byte that is not part of a well-formed UTF-8 sequence (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF) is written as
 * \u00XX, i.e. read as the Latin-1 character of the same value. The output
 * is therefore always valid JSON and valid UTF-8, and the value of each
 * invalid byte can still be seen. */
#ifndef SABPF_JSON_WRITE_H
#define SABPF_JSON_WRITE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

struct jbuf {
	char *data;
	size_t len;
	size_t cap;
	bool oom; /* an allocation failed: later appends are dropped */
};

void jbuf_init(struct jbuf *b);
void jbuf_free(struct jbuf *b);
/* Empties the buffer, keeping its memory. */
void jbuf_reset(struct jbuf *b);
/* Grows the buffer for n more bytes (jbuf_reserve's slow path). */
bool jbuf_grow(struct jbuf *b, size_t n);
/* Makes room for n more bytes. Returns false (and sets oom) on failure.
 * Inline: every JSON token asks, and it nearly always has room. */
static inline bool jbuf_reserve(struct jbuf *b, size_t n)
{
	if (!b->oom && b->cap - b->len >= n)
		return true;
	return jbuf_grow(b, n);
}
void jbuf_put(struct jbuf *b, const void *s, size_t n);
void jbuf_puts(struct jbuf *b, const char *s);
static inline void jbuf_putc(struct jbuf *b, char c)
{
	if (jbuf_reserve(b, 1))
		b->data[b->len++] = c;
}
/* Decimal text of an unsigned number. */
void jbuf_u64(struct jbuf *b, __u64 v);
/* Lower-case hexadecimal text of an unsigned number, no prefix. */
void jbuf_hex(struct jbuf *b, __u64 v);

/* A quoted, escaped JSON string of n bytes (any bytes, see above). */
void json_str(struct jbuf *b, const char *s, size_t n);
/* Same for a NUL-terminated string. */
void json_cstr(struct jbuf *b, const char *s);
/* A quoted ISO-8601 UTC time with nanoseconds, e.g.
 * "2026-11-29T07:30:00.000000123Z", from nanoseconds since the epoch. */
void json_time(struct jbuf *b, __s64 epoch_ns);

/* ---- the writer ---------------------------------------------------------- */

#define JW_MAX_DEPTH 31

struct jw {
	struct jbuf *b;
	unsigned depth;	  /* objects and arrays open */
	__u32 in_array;	  /* bit d: what is open at depth d is an array */
	__u32 has_member; /* bit d: it has a member or element already */
	bool after_key;	  /* a key was written: its value comes next */
	bool bad;	  /* misused (see above): the text is not valid JSON */
};

/* A writer appending to b, outside any object (a JSON lines output writes
 * one top-level value after another, each followed by jw_newline). The
 * writer owns no memory: it needs no freeing. */
void jw_init(struct jw *w, struct jbuf *b);
/* A writer appending members to an object of b whose braces are written
 * elsewhere (the PROV sections, assembled into a document later):
 * has_members says whether b holds a member of it already. */
void jw_init_in_object(struct jw *w, struct jbuf *b, bool has_members);
/* Writes a line end; only outside any value (else the writer is bad). */
void jw_newline(struct jw *w);
/* 0 when everything opened was closed, nothing was misused and the buffer
 * had memory; -1 otherwise. */
int jw_check(const struct jw *w);

void jw_object_begin(struct jw *w);
void jw_object_end(struct jw *w);
void jw_array_begin(struct jw *w);
void jw_array_end(struct jw *w);
/* A member's name, in an object. Names are string literals of the program
 * (the macros below refuse anything else at compile time), copied as they
 * are: they never need escaping, and the hot path (a jsonl line has about
 * twenty members) pays neither strlen nor a scan. A name that comes from
 * data goes through jw_key_escaped. */
#define jw_key(w, lit) jw_key_lit(w, "" lit "", sizeof("" lit "") - 1)
/* The same for n bytes of text the program composed from such literals and
 * plain characters (as jw_str_plain), e.g. "cf:pid" or "sabpf:e12". */
void jw_key_lit(struct jw *w, const char *key, size_t n);
/* A member's name from data, escaped like any string. */
void jw_key_escaped(struct jw *w, const char *key);

/* Values: an element of an array, the value of the key just written, or a
 * top-level value. */
void jw_str(struct jw *w, const char *s, size_t n);
void jw_cstr(struct jw *w, const char *s);
void jw_u64(struct jw *w, __u64 v);
void jw_s64(struct jw *w, __s64 v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* A finite number with `decimals` digits after the point ("%.*f"; NaN and
 * infinities, which JSON cannot hold, are written as null). */
void jw_fixed(struct jw *w, double v, int decimals);
/* An ISO-8601 time, as json_time. */
void jw_time(struct jw *w, __s64 epoch_ns);
/* A string the program made of characters that need no escaping (letters,
 * digits, ':', '_': node ids), copied as it is. */
void jw_str_plain(struct jw *w, const char *s, size_t n);
/* "<prefix><v>" as one string, v in decimal ("task:42") or hexadecimal. */
void jw_tagged_u64(struct jw *w, const char *prefix, __u64 v);
void jw_tagged_hex(struct jw *w, const char *prefix, __u64 v);

/* A member in one call: jw_key then the value (key: a string literal). */
#define JW_LIT(lit) "" lit "", sizeof("" lit "") - 1
#define jw_key_str(w, lit, s, n) jw_key_str_lit(w, JW_LIT(lit), s, n)
#define jw_key_cstr(w, lit, s) jw_key_cstr_lit(w, JW_LIT(lit), s)
#define jw_key_u64(w, lit, v) jw_key_u64_lit(w, JW_LIT(lit), v)
#define jw_key_s64(w, lit, v) jw_key_s64_lit(w, JW_LIT(lit), v)
#define jw_key_bool(w, lit, v) jw_key_bool_lit(w, JW_LIT(lit), v)
#define jw_key_fixed(w, lit, v, decimals) jw_key_fixed_lit(w, JW_LIT(lit), v, decimals)
/* s, or null when s is NULL. */
#define jw_key_cstr_or_null(w, lit, s) jw_key_cstr_or_null_lit(w, JW_LIT(lit), s)
void jw_key_str_lit(struct jw *w, const char *key, size_t keylen, const char *s, size_t n);
void jw_key_cstr_lit(struct jw *w, const char *key, size_t keylen, const char *s);
void jw_key_u64_lit(struct jw *w, const char *key, size_t keylen, __u64 v);
void jw_key_s64_lit(struct jw *w, const char *key, size_t keylen, __s64 v);
void jw_key_bool_lit(struct jw *w, const char *key, size_t keylen, bool v);
void jw_key_fixed_lit(struct jw *w, const char *key, size_t keylen, double v, int decimals);
void jw_key_cstr_or_null_lit(struct jw *w, const char *key, size_t keylen, const char *s);

/* Length of the well-formed UTF-8 sequence of 2 to 4 bytes starting at s
 * (RFC 3629, table 3-7 of Unicode: no overlong forms, no surrogates,
 * nothing above U+10FFFF), or 0 if s[0] does not start one; n bytes are
 * readable at s. The one UTF-8 check of sabpf. */
size_t utf8_sequence_length(const unsigned char *s, size_t n);

#endif /* SABPF_JSON_WRITE_H */
