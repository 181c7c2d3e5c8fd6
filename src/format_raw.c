/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* format_raw.c: the raw writer: a 16-byte file header (the magic
 * "SABPFRAW", the __u32 SABPF_RECORD_ABI, the __u32 length of the header
 * extension that follows; host byte order), the extension (today 8 bytes:
 * the __s64 offset from CLOCK_BOOTTIME to wall-clock time of the capturing
 * machine, so a capture converted elsewhere keeps its times), then every
 * well-formed record exactly as it came from the ring buffer, back to back.
 * pipeline_replay_file() reads such a file; one with an extension length of
 * 0 (the first version) gets the converting machine's clock. */
#include <string.h>

#include "format.h"

static int raw_open(struct output *o)
{
	unsigned char head[24];
	__u32 abi = SABPF_RECORD_ABI, extension = 8;
	__s64 clock_offset = pipeline_wall_ns(o->p, 0);

	memcpy(head, "SABPFRAW", 8);
	memcpy(head + 8, &abi, sizeof(abi));
	memcpy(head + 12, &extension, sizeof(extension));
	memcpy(head + 16, &clock_offset, sizeof(clock_offset));
	jbuf_put(&o->buf, head, sizeof(head));
	o->state = NULL;
	return o->buf.oom ? -1 : 0;
}

static void raw_record(struct output *o, const struct event *ev)
{
	jbuf_put(&o->buf, ev->raw, ev->raw_size);
}

static void raw_end_batch(struct output *o)
{
	(void)o;
}

static void raw_close(struct output *o)
{
	(void)o;
}

const struct format_ops format_raw = {
	.name = "raw",
	.describes_nodes = false,
	.open = raw_open,
	.record = raw_record,
	.end_batch = raw_end_batch,
	.close = raw_close,
};
