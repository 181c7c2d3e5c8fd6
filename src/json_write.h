/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* json_write.h: a growable byte buffer and the helpers that append JSON text
 * to it (escaped strings, numbers, ISO-8601 times). Every output format
 * builds its text in such a buffer and writes it out in large blocks; the
 * buffer is reused, so appending does not allocate once it has grown.
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
/* Makes room for n more bytes. Returns false (and sets oom) on failure. */
bool jbuf_reserve(struct jbuf *b, size_t n);
void jbuf_put(struct jbuf *b, const void *s, size_t n);
void jbuf_puts(struct jbuf *b, const char *s);
void jbuf_putc(struct jbuf *b, char c);
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

#endif /* SABPF_JSON_WRITE_H */
