/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* spool.h: a bounded first-in first-out queue of byte strings in one file
 * on disk, for the records the Kafka sink cannot hand to the broker yet
 * (kafka.c). Entries are appended at the end and taken from the front; the
 * position of the front is kept in NAME.pos beside the file, so a spool
 * left by one run is sent by the next. The bound is on the bytes waiting
 * (taken entries are reclaimed when the spool empties, or by rewriting the
 * file once they outweigh the bound). One process at a time: the file is
 * locked. */
#ifndef SABPF_SPOOL_H
#define SABPF_SPOOL_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

struct spool;

/* Opens (creating dir and file if needed) DIR/NAME. Returns NULL with err. */
struct spool *spool_open(const char *dir, const char *name, __u64 max_bytes, char *err,
			 size_t errlen);
/* Appends one entry. Returns 0; 1 if it does not fit in the bound (nothing
 * written; force ignores the bound); -1 on a write error (errno). */
int spool_append(struct spool *s, const void *data, size_t len, bool force);
/* The entry at the front, without taking it: 1 and *data, *len (valid until
 * the next call); 0 if the spool is empty; -1 if the file is damaged there
 * (the rest is set aside as NAME.damaged and the spool is empty). */
int spool_peek(struct spool *s, const void **data, size_t *len);
/* Takes the entry spool_peek() returned. */
void spool_pop(struct spool *s);
/* Puts entries before the front (their bytes: as spool_append writes
 * them, built with spool_entry()). Returns 0 or -1 (errno). */
int spool_prepend(struct spool *s, const void *entries, size_t len);
/* Appends the on-disk form of one entry to *buf (realloc'd); 0 or -1. */
int spool_entry(void **buf, size_t *buflen, const void *data, size_t len);
__u64 spool_pending_bytes(const struct spool *s);
__u64 spool_pending_entries(const struct spool *s);
const char *spool_path(const struct spool *s);
/* The file's descriptor (for the agent's self-protection). */
int spool_fd(const struct spool *s);
/* Saves the front position; closes. Returns 0 or -1 (errno). */
int spool_close(struct spool *s);

#endif /* SABPF_SPOOL_H */
