/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* format_raw.c: the raw writer: a 16-byte file header (the magic
 * "SABPFRAW", the __u32 SABPF_RECORD_ABI, the __u32 length of the header
 * extension that follows; host byte order), the extension (today 16 bytes:
 * the __s64 offset from CLOCK_BOOTTIME to wall-clock time of the capturing
 * machine, so a capture converted elsewhere keeps its times, then the
 * __u32 backend that made the records, 0 not known, 1 lsm, 2 trace, and
 * __u32 0; a reader takes what it knows of a longer one), then every
 * well-formed record exactly as it came from the ring buffer, back to back.
 * pipeline_replay_file() (below: the raw reader) reads such a file back
 * into a pipeline; one with an extension length of 0 (the first version)
 * gets the converting machine's clock. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "pipeline_priv.h"

#define RAW_MAGIC "SABPFRAW"

/* The file header, written with the first record (or at the end of a
 * capture of none), not at open: `sabpf convert` learns the capture's
 * clock offset and backend from the input's header only when its replay
 * starts, after the outputs were opened. A Kafka output has no file
 * header (each message stands alone). */
static char header_written; /* o->state once the header is in o->buf */

static void raw_header(struct output *o)
{
	unsigned char head[32] = {0};
	__u32 abi = SABPF_RECORD_ABI, extension = 16;
	__s64 clock_offset = pipeline_wall_ns(o->p, 0);
	const char *backend = pipeline_backend(o->p);
	__u32 code = !backend ? 0 : strcmp(backend, "lsm") == 0 ? 1 : 2;

	if (o->state || o->kafka)
		return;
	memcpy(head, "SABPFRAW", 8);
	memcpy(head + 8, &abi, sizeof(abi));
	memcpy(head + 12, &extension, sizeof(extension));
	memcpy(head + 16, &clock_offset, sizeof(clock_offset));
	memcpy(head + 24, &code, sizeof(code));
	jbuf_put(&o->buf, head, sizeof(head));
	o->state = &header_written;
}

static int raw_open(struct output *o)
{
	o->state = NULL;
	return 0;
}

static void raw_record(struct output *o, const struct event *ev)
{
	raw_header(o);
	jbuf_put(&o->buf, ev->raw, ev->raw_size);
}

static void raw_end_batch(struct output *o)
{
	(void)o;
}

static void raw_close(struct output *o)
{
	raw_header(o); /* a capture of no record still gets its header */
}

const struct format_ops format_raw = {
    .name = "raw",
    .describes_nodes = false,
    .open = raw_open,
    .record = raw_record,
    .end_batch = raw_end_batch,
    .close = raw_close,
};

/* ---- replaying a raw file ---- */

/* Reads up to n bytes; returns how many were read (less only at EOF). */
static size_t read_fully(FILE *f, void *buf, size_t n)
{
	return fread(buf, 1, n, f);
}

static int replay_records(struct sabpf_pipeline *p, FILE *f, const char *path,
			  unsigned long long offset, char *err, size_t errlen)
{
	_Alignas(8) unsigned char buf[RECORD_MAX_SIZE];
	unsigned long long malformed = 0, first_bad_offset = 0;
	char first_bad[256] = "";

	for (;;) {
		struct sabpf_hdr h;
		size_t got = read_fully(f, buf, sizeof(h));
		if (got == 0)
			break;
		if (got < sizeof(h)) {
			pipeline_set_err(
			    err, errlen,
			    "'%s' is truncated: the record at offset %llu has only %zu of its "
			    "%zu header bytes",
			    path, offset, got, sizeof(h));
			return -1;
		}
		memcpy(&h, buf, sizeof(h));
		if (h.size < sizeof(h) || h.size > RECORD_MAX_SIZE) {
			pipeline_set_err(
			    err, errlen,
			    "'%s' is corrupt: the record at offset %llu says it is %u bytes "
			    "(valid: %zu to %zu)",
			    path, offset, h.size, sizeof(h), (size_t)RECORD_MAX_SIZE);
			return -1;
		}
		size_t rest = h.size - sizeof(h);
		got = read_fully(f, buf + sizeof(h), rest);
		if (got < rest) {
			pipeline_set_err(
			    err, errlen,
			    "'%s' is truncated: the record at offset %llu needs %u bytes but "
			    "only %zu remain",
			    path, offset, h.size, sizeof(h) + got);
			return -1;
		}
		if (pipeline_consume(p, buf, h.size) < 0 && malformed++ == 0) {
			first_bad_offset = offset;
			snprintf(first_bad, sizeof(first_bad), "%s", p->last_error);
		}
		offset += h.size;
	}
	if (ferror(f)) {
		pipeline_set_err(err, errlen, "reading '%s' failed at offset %llu: %s", path,
				 offset, strerror(errno));
		return -1;
	}
	if (malformed) {
		pipeline_set_err(err, errlen,
				 "'%s' holds %llu malformed records (first at offset %llu: %s)",
				 path, malformed, first_bad_offset, first_bad);
		return -1;
	}
	return 0;
}

/* PATH.identity.jsonl, if the capture has one (save_identities). */
static int load_identities(struct sabpf_pipeline *p, const char *path, char *err, size_t errlen)
{
	char side[PATH_MAX];
	snprintf(side, sizeof(side), "%s.identity.jsonl", path);
	FILE *f = fopen(side, "re");
	if (!f)
		return 0;
	struct jbuf b;
	char chunk[4096];
	size_t n;
	jbuf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		jbuf_put(&b, chunk, n);
	int rc = 0;
	if (ferror(f) || b.oom) {
		pipeline_set_err(err, errlen, "cannot read '%s'", side);
		rc = -1;
	} else if (make_identity_table(p) ||
		   identity_table_load(p->identities, b.data ? b.data : "", b.len, side, err,
				       errlen)) {
		rc = -1;
	}
	fclose(f);
	jbuf_free(&b);
	return rc;
}

int pipeline_replay_file(struct sabpf_pipeline *p, const char *path, char *err, size_t errlen)
{
	unsigned char head[16];
	__u32 abi;

	if (load_identities(p, path, err, errlen))
		return -1;

	FILE *f = fopen(path, "rb");
	if (!f) {
		pipeline_set_err(err, errlen, "cannot open raw file '%s': %s", path,
				 strerror(errno));
		return -1;
	}
	size_t got = read_fully(f, head, sizeof(head));
	if (got < sizeof(head) || memcmp(head, RAW_MAGIC, 8) != 0) {
		if (got < sizeof(head))
			pipeline_set_err(
			    err, errlen,
			    "'%s' is not a sabpf raw file: it is %zu bytes, shorter than the "
			    "16-byte header",
			    path, got);
		else
			pipeline_set_err(
			    err, errlen,
			    "'%s' is not a sabpf raw file: bad magic at offset 0 (expected "
			    "\"" RAW_MAGIC "\"; write one with --output raw:FILE)",
			    path);
		fclose(f);
		return -1;
	}
	memcpy(&abi, head + 8, sizeof(abi));
	if (abi != SABPF_RECORD_ABI) {
		pipeline_set_err(
		    err, errlen,
		    "'%s' holds records of ABI %u, but this sabpf reads ABI %d: convert it "
		    "with the sabpf version that wrote it",
		    path, abi, SABPF_RECORD_ABI);
		fclose(f);
		return -1;
	}
	/* the header extension: the capture's clock offset, if it has one */
	__u32 extension;
	memcpy(&extension, head + 12, sizeof(extension));
	unsigned char ext[64];
	if (extension > sizeof(ext) || read_fully(f, ext, extension) < extension) {
		pipeline_set_err(
		    err, errlen,
		    "'%s' is corrupt: its header extension of %u bytes is longer than %zu "
		    "or cut short",
		    path, extension, sizeof(ext));
		fclose(f);
		return -1;
	}
	if (extension >= sizeof(__s64)) {
		__s64 clock_offset;
		memcpy(&clock_offset, ext, sizeof(clock_offset));
		pipeline_set_clock_offset(p, clock_offset);
	}
	if (extension >= sizeof(__s64) + sizeof(__u32)) {
		__u32 code;
		memcpy(&code, ext + sizeof(__s64), sizeof(code));
		pipeline_set_backend(p, code == 1 ? "lsm" : code == 2 ? "trace" : NULL);
	}
	int rc = replay_records(p, f, path, 16 + extension, err, errlen);
	fclose(f);
	return rc;
}
