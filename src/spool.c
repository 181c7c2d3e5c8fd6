/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* spool.c: the on-disk queue of the Kafka sink (see spool.h). The file is a
 * sequence of entries, each an 8-byte head (magic "SQ", 2 reserved bytes,
 * the length as a little-endian 32-bit number) followed by that many bytes;
 * NAME.pos holds the offset of the front as decimal text. */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEAD 8
#define ENTRY_MAX (64u << 20)

struct spool {
	int fd;
	char *path;
	char *pos_path;
	__u64 max_bytes;
	__u64 read_off, write_off;
	__u64 entries; /* waiting */
	unsigned char *buf;
	size_t bufcap;
	size_t peeked; /* bytes (head included) of the entry spool_peek returned */
};

static void set_err(char *err, size_t errlen, const char *what, const char *path)
{
	snprintf(err, errlen, "spool: %s '%s': %s", what, path, strerror(errno));
}

static int read_at(int fd, void *buf, size_t n, __u64 off)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

static int write_at(int fd, const void *buf, size_t n, __u64 off)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = pwrite(fd, (const char *)buf + done, n - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

/* Length of the entry at off, or -1 if there is no whole entry there. */
static long long entry_len(const struct spool *s, __u64 off)
{
	unsigned char h[HEAD];
	if (off + HEAD > s->write_off || read_at(s->fd, h, HEAD, off) < 0)
		return -1;
	if (h[0] != 'S' || h[1] != 'Q')
		return -1;
	__u32 len = (__u32)h[4] | (__u32)h[5] << 8 | (__u32)h[6] << 16 | (__u32)h[7] << 24;
	if (len > ENTRY_MAX || off + HEAD + len > s->write_off)
		return -1;
	return len;
}

static int save_pos(struct spool *s)
{
	char tmp[4096], text[32];
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->pos_path);
	int n = snprintf(text, sizeof(text), "%llu\n", (unsigned long long)s->read_off);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write_at(fd, text, (size_t)n, 0) < 0 || close(fd) < 0 || rename(tmp, s->pos_path) < 0)
		return -1;
	return 0;
}

/* Empty: reclaim the file. */
static int reset_if_empty(struct spool *s)
{
	if (s->read_off < s->write_off)
		return 0;
	s->read_off = s->write_off = 0;
	s->entries = 0;
	if (ftruncate(s->fd, 0) < 0)
		return -1;
	return save_pos(s);
}

/* Copies the bytes from `from` to the end into NAME.damaged, and says so. */
static void save_damaged(struct spool *s, __u64 from)
{
	char damaged[4096];
	snprintf(damaged, sizeof(damaged), "%s.damaged", s->path);
	int fd = open(damaged, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		char chunk[65536];
		for (__u64 off = from; off < s->write_off;) {
			size_t n = s->write_off - off < sizeof(chunk) ? (size_t)(s->write_off - off)
								      : sizeof(chunk);
			if (read_at(s->fd, chunk, n, off) < 0 || write(fd, chunk, n) != (ssize_t)n)
				break;
			off += n;
		}
		close(fd);
	}
	fprintf(stderr,
		"sabpf: spool '%s' is damaged at offset %llu: its %llu bytes from there were "
		"moved to '%s' and are not sent\n",
		s->path, (unsigned long long)from, (unsigned long long)(s->write_off - from),
		damaged);
}

/* Sets the rest of a damaged file aside and empties the spool. */
static void set_aside(struct spool *s)
{
	save_damaged(s, s->read_off);
	s->read_off = s->write_off;
	reset_if_empty(s);
}

struct spool *spool_open(const char *dir, const char *name, __u64 max_bytes, char *err,
			 size_t errlen)
{
	struct spool *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "spool: out of memory");
		return NULL;
	}
	s->fd = -1;
	s->max_bytes = max_bytes;
	if (asprintf(&s->path, "%s/%s", dir, name) < 0 ||
	    asprintf(&s->pos_path, "%s/%s.pos", dir, name) < 0) {
		s->path = s->pos_path = NULL;
		snprintf(err, errlen, "spool: out of memory");
		goto fail;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		set_err(err, errlen, "cannot create the directory", dir);
		goto fail;
	}
	s->fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->fd < 0) {
		set_err(err, errlen, "cannot open", s->path);
		goto fail;
	}
	if (flock(s->fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errlen,
			 "spool: '%s' is in use by another sabpf (give each agent its own "
			 "spool=DIR)",
			 s->path);
		goto fail;
	}
	struct stat st;
	if (fstat(s->fd, &st) < 0) {
		set_err(err, errlen, "cannot stat", s->path);
		goto fail;
	}
	s->write_off = (__u64)st.st_size;
	FILE *f = fopen(s->pos_path, "r");
	if (f) {
		unsigned long long pos = 0;
		if (fscanf(f, "%llu", &pos) == 1 && pos <= s->write_off)
			s->read_off = pos;
		fclose(f);
	}
	/* count the entries waiting; a torn last entry (a crash while
	 * appending) is cut off */
	__u64 off = s->read_off;
	long long len;
	while ((len = entry_len(s, off)) >= 0) {
		off += HEAD + (__u64)len;
		s->entries++;
	}
	if (off < s->write_off) {
		unsigned char h[2] = {0, 0};
		bool torn = s->write_off - off < HEAD ||
			    (read_at(s->fd, h, 2, off) == 0 && h[0] == 'S' && h[1] == 'Q');
		if (torn)
			fprintf(stderr,
				"sabpf: spool '%s': %llu bytes of a torn last entry cut off\n",
				s->path, (unsigned long long)(s->write_off - off));
		else
			save_damaged(s, off);
		s->write_off = off;
		if (ftruncate(s->fd, (off_t)off) < 0) {
			set_err(err, errlen, "cannot truncate", s->path);
			goto fail;
		}
	}
	if (reset_if_empty(s) < 0) {
		set_err(err, errlen, "cannot write", s->pos_path);
		goto fail;
	}
	return s;
fail:
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s->pos_path);
	free(s);
	return NULL;
}

int spool_entry(void **buf, size_t *buflen, const void *data, size_t len)
{
	if (len > ENTRY_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	unsigned char *b = realloc(*buf, *buflen + HEAD + len);
	if (!b)
		return -1;
	unsigned char *h = b + *buflen;
	h[0] = 'S';
	h[1] = 'Q';
	h[2] = h[3] = 0;
	h[4] = (unsigned char)len;
	h[5] = (unsigned char)(len >> 8);
	h[6] = (unsigned char)(len >> 16);
	h[7] = (unsigned char)(len >> 24);
	if (len) /* data may be NULL for an empty entry */
		memcpy(h + HEAD, data, len);
	*buf = b;
	*buflen += HEAD + len;
	return 0;
}

int spool_append(struct spool *s, const void *data, size_t len, bool force)
{
	if (!force && spool_pending_bytes(s) + HEAD + len > s->max_bytes)
		return 1;
	if (len > ENTRY_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	unsigned char h[HEAD] = {'S',
				 'Q',
				 0,
				 0,
				 (unsigned char)len,
				 (unsigned char)(len >> 8),
				 (unsigned char)(len >> 16),
				 (unsigned char)(len >> 24)};
	if (write_at(s->fd, h, HEAD, s->write_off) < 0 ||
	    (len && write_at(s->fd, data, len, s->write_off + HEAD) < 0)) {
		int e = errno;
		if (ftruncate(s->fd, (off_t)s->write_off) < 0) { /* no torn entry */
		}
		errno = e;
		return -1;
	}
	s->write_off += HEAD + len;
	s->entries++;
	return 0;
}

int spool_peek(struct spool *s, const void **data, size_t *len)
{
	s->peeked = 0;
	if (s->read_off >= s->write_off)
		return 0;
	long long n = entry_len(s, s->read_off);
	if (n < 0) {
		set_aside(s);
		return -1;
	}
	if ((size_t)n > s->bufcap) {
		unsigned char *b = realloc(s->buf, (size_t)n);
		if (!b)
			return 0; /* try again later */
		s->buf = b;
		s->bufcap = (size_t)n;
	}
	if (n && read_at(s->fd, s->buf, (size_t)n, s->read_off + HEAD) < 0) {
		set_aside(s);
		return -1;
	}
	*data = s->buf;
	*len = (size_t)n;
	s->peeked = HEAD + (size_t)n;
	return 1;
}

/* Rewrites the file as prefix + the entries waiting (front at 0). */
static int rewrite(struct spool *s, const void *prefix, size_t plen)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.new", s->path);
	int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	__u64 out = 0;
	if (plen && write_at(fd, prefix, plen, 0) < 0)
		goto fail;
	out = plen;
	char chunk[65536];
	for (__u64 off = s->read_off; off < s->write_off;) {
		size_t n = s->write_off - off < sizeof(chunk) ? (size_t)(s->write_off - off)
							      : sizeof(chunk);
		if (read_at(s->fd, chunk, n, off) < 0 || write_at(fd, chunk, n, out) < 0)
			goto fail;
		off += n;
		out += n;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || rename(tmp, s->path) < 0)
		goto fail;
	close(s->fd);
	s->fd = fd;
	s->read_off = 0;
	s->write_off = out;
	return save_pos(s);
fail:
	close(fd);
	unlink(tmp);
	return -1;
}

void spool_pop(struct spool *s)
{
	if (!s->peeked)
		return;
	s->read_off += s->peeked;
	s->peeked = 0;
	s->entries--;
	if (reset_if_empty(s) < 0)
		fprintf(stderr, "sabpf: spool '%s': %s\n", s->path, strerror(errno));
	else if (s->read_off > s->max_bytes && s->read_off > spool_pending_bytes(s) &&
		 rewrite(s, NULL, 0) < 0) /* reclaim what was sent */
		fprintf(stderr, "sabpf: spool '%s': %s\n", s->path, strerror(errno));
}

int spool_prepend(struct spool *s, const void *entries, size_t len)
{
	if (!len)
		return 0;
	__u64 n = 0;
	for (size_t off = 0; off + HEAD <= len; n++) {
		const unsigned char *h = (const unsigned char *)entries + off;
		off += HEAD +
		       ((size_t)h[4] | (size_t)h[5] << 8 | (size_t)h[6] << 16 | (size_t)h[7] << 24);
	}
	if (rewrite(s, entries, len) < 0)
		return -1;
	s->entries += n;
	return 0;
}

__u64 spool_pending_bytes(const struct spool *s)
{
	return s->write_off - s->read_off;
}

__u64 spool_pending_entries(const struct spool *s)
{
	return s->entries;
}

int spool_fd(const struct spool *s)
{
	return s->fd;
}

const char *spool_path(const struct spool *s)
{
	return s->path;
}

int spool_close(struct spool *s)
{
	if (!s)
		return 0;
	int rc = save_pos(s);
	if (fsync(s->fd) < 0)
		rc = -1;
	close(s->fd);
	free(s->buf);
	free(s->path);
	free(s->pos_path);
	free(s);
	return rc;
}
