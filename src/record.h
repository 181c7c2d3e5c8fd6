/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* record.h: checking and decoding one raw record from the ring buffer (or a
 * raw file). The decoder trusts nothing: every length, type, kind and
 * relation is checked, and a malformed record is rejected with a message
 * saying what is wrong. A decoded record is a naturally aligned copy, so the
 * raw bytes may sit at any address. */
#ifndef SABPF_RECORD_DECODE_H
#define SABPF_RECORD_DECODE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "sabpf_record.h"

/* Room a caller must give record_decode() for the text of a NAME record:
 * a joined path is at most one byte longer than its record's data, plus
 * the marker of a truncated one. */
#define RECORD_TEXT_MAX (SABPF_PATH_MAX + 2 + sizeof(RECORD_TRUNCATED_MARK))

/* What the text of a truncated name shows where it was cut: before the
 * components of a path rebuilt leaf first (the root side is missing), after
 * the strings of an argv. The TRUNCATED flag also stays in
 * record_name.flags, and every output format shows it. */
#define RECORD_TRUNCATED_MARK "..."

/* Largest valid record: a NAME with a full path and up to 8 bytes of
 * padding after its data (bytes after `len` are allowed and ignored). */
#define RECORD_MAX_SIZE (offsetof(struct sabpf_name, data) + SABPF_PATH_MAX + 8)

/* A decoded NAME record. */
struct record_name {
	struct sabpf_ref node;
	struct sabpf_ctx ctx; /* the context block, as in the record */
	__u16 flags;	      /* SABPF_NAME_* */
	__u16 argc;	      /* ARGV: strings kept (<= the record's argc) */
	/* PATH: the path, reversed components already joined as "/a/b".
	 * ARGV: the argc strings joined with single spaces; anything after
	 * the argc-th string (e.g. the environment) is dropped.
	 * NUL-terminated, in the caller's text buffer. */
	const char *text;
	size_t text_len;
};

/* A decoded DENIAL record: its fixed part and its path (in the text buffer). */
struct record_denial {
	struct sabpf_denial d;
	const char *path; /* "" for network operations */
	size_t path_len;  /* 0 for network operations */
};

struct record {
	struct sabpf_hdr hdr;
	union {
		/* NODE: attributes past the end of the record read as zero */
		struct sabpf_node node;
		struct sabpf_edge edge;
		struct sabpf_lost lost;
		struct record_name name;
		struct record_denial denial;
	};
};

/* Smallest and largest valid size of a NODE record of this kind; 0 for
 * kinds that never come in NODE records (path and argv come in NAME). */
size_t record_node_min_size(__u32 kind);

/* The name of a loss cause (enum sabpf_lost_cause: "ring", "denial", ...),
 * or NULL for a value that is none. */
const char *record_lost_cause_name(__u32 cause);

/* Checks and decodes size bytes at data. text must hold RECORD_TEXT_MAX
 * bytes (used by NAME records). Returns 0, or -1 with a message in err. */
int record_decode(const void *data, size_t size, struct record *r, char *text, char *err,
		  size_t errlen);

#endif /* SABPF_RECORD_DECODE_H */
