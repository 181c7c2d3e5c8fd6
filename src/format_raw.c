/* format_raw.c: the raw writer: a 16-byte file header (the magic
 * "SABPFRAW", the __u32 SABPF_RECORD_ABI, a __u32 0 reserved; host byte
 * order) then every well-formed record exactly as it came from the ring
 * buffer, back to back. pipeline_replay_file() reads such a file. */
#include <string.h>

#include "format.h"

static int raw_open(struct output *o)
{
	unsigned char head[16];
	__u32 abi = SABPF_RECORD_ABI, reserved = 0;

	memcpy(head, "SABPFRAW", 8);
	memcpy(head + 8, &abi, sizeof(abi));
	memcpy(head + 12, &reserved, sizeof(reserved));
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
