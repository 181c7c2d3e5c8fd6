/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* record.c: checks and decodes raw records (see record.h). Each check names
 * the field that is wrong and the values involved, since a malformed record
 * means the kernel programs and the agent disagree about the format. */
#include "record.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "names.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

size_t record_node_min_size(__u32 kind)
{
	size_t base = offsetof(struct sabpf_node, task);

	switch (kind) {
	case SABPF_NODE_TASK:
		return base + sizeof(struct sabpf_task_attrs);
	case SABPF_NODE_PROC_MEM:
		return base + sizeof(struct sabpf_mem_attrs);
	case SABPF_NODE_FILE:
	case SABPF_NODE_DIRECTORY:
	case SABPF_NODE_LINK:
	case SABPF_NODE_FIFO:
	case SABPF_NODE_SOCKET:
	case SABPF_NODE_CHAR:
	case SABPF_NODE_BLOCK:
	case SABPF_NODE_MQUEUE:
		return base + sizeof(struct sabpf_inode_attrs);
	case SABPF_NODE_MSG_QUEUE:
	case SABPF_NODE_MSG:
	case SABPF_NODE_SHM:
	case SABPF_NODE_SEM:
		return base + sizeof(struct sabpf_ipc_attrs);
	case SABPF_NODE_ADDRESS:
		return base + sizeof(struct sabpf_addr_attrs);
	case SABPF_NODE_PACKET:
		return base + sizeof(struct sabpf_packet_attrs);
	case SABPF_NODE_NAMESPACE:
		return base + sizeof(struct sabpf_ns_attrs);
	case SABPF_NODE_BPF_PROG:
	case SABPF_NODE_BPF_MAP:
		return base + sizeof(struct sabpf_bpf_attrs);
	default:
		return 0;
	}
}

static int check_ref(const struct sabpf_ref *ref, const char *which, char *err, size_t errlen)
{
	if (!node_kind_is_valid(ref->kind))
		return fail(err, errlen, "%s node has unknown kind %u (valid: 1..%d)", which,
			    ref->kind, SABPF_NODE_KIND_MAX - 1);
	return 0;
}

/* A record whose type has a fixed size. */
static int check_fixed_size(const char *type, __u32 size, size_t want, char *err, size_t errlen)
{
	if (size != want)
		return fail(err, errlen, "%s record is %u bytes, expected %zu", type, size, want);
	return 0;
}

static int decode_node(const void *data, __u32 size, struct record *r, char *err, size_t errlen)
{
	struct sabpf_ref ref;
	size_t min;

	if (size < offsetof(struct sabpf_node, task))
		return fail(err, errlen,
			    "NODE record is %u bytes, shorter than its fixed part (%zu)", size,
			    offsetof(struct sabpf_node, task));
	memcpy(&ref, (const char *)data + offsetof(struct sabpf_node, node), sizeof(ref));
	if (check_ref(&ref, "NODE", err, errlen))
		return -1;
	min = record_node_min_size(ref.kind);
	if (min == 0)
		return fail(err, errlen, "NODE record of kind %s: this kind comes in NAME records",
			    node_kind_name(ref.kind));
	if (size < min || size > sizeof(struct sabpf_node))
		return fail(err, errlen, "NODE record of kind %s is %u bytes, expected %zu to %zu",
			    node_kind_name(ref.kind), size, min, sizeof(struct sabpf_node));
	memset(&r->node, 0, sizeof(r->node));
	memcpy(&r->node, data, size);
	return 0;
}

static int decode_edge(const void *data, __u32 size, struct record *r, char *err, size_t errlen)
{
	if (check_fixed_size("EDGE", size, sizeof(struct sabpf_edge), err, errlen))
		return -1;
	memcpy(&r->edge, data, sizeof(r->edge));
	if (!relation_is_valid(r->edge.relation))
		return fail(err, errlen, "EDGE record has unknown relation %u (valid: 1..%d)",
			    r->edge.relation, SABPF_REL_MAX - 1);
	if (check_ref(&r->edge.from, "EDGE from", err, errlen) ||
	    check_ref(&r->edge.to, "EDGE to", err, errlen))
		return -1;
	return 0;
}

static int decode_lost(const void *data, __u32 size, struct record *r, char *err, size_t errlen)
{
	if (check_fixed_size("LOST", size, sizeof(struct sabpf_lost), err, errlen))
		return -1;
	memcpy(&r->lost, data, sizeof(r->lost));
	if (r->lost.count == 0)
		return fail(err, errlen, "LOST record has a count of 0");
	if (r->lost.first_seq > r->lost.last_seq)
		return fail(err, errlen, "LOST record has first_seq %llu > last_seq %llu",
			    (unsigned long long)r->lost.first_seq,
			    (unsigned long long)r->lost.last_seq);
	if (!record_lost_cause_name(r->lost.cause))
		return fail(err, errlen, "LOST record has unknown cause %u (valid: 1..%d)",
			    r->lost.cause, SABPF_LOST_CAUSE_MAX - 1);
	return 0;
}

/* One name per enum sabpf_lost_cause: what --stats and the outputs show. */
static const char *const lost_cause_names[SABPF_LOST_CAUSE_MAX] = {
    [SABPF_LOST_RING] = "ring",		[SABPF_LOST_DENIAL] = "denial",
    [SABPF_LOST_STORAGE] = "storage",	[SABPF_LOST_CRED_MAP] = "cred_map",
    [SABPF_LOST_FILE_MAP] = "file_map", [SABPF_LOST_OBJECT_MAP] = "object_map",
    [SABPF_LOST_SPOOL] = "spool",	[SABPF_LOST_BROKER] = "broker",
};

const char *record_lost_cause_name(__u32 cause)
{
	return cause < SABPF_LOST_CAUSE_MAX ? lost_cause_names[cause] : NULL;
}

/* DENIAL: the fixed part, then path_len bytes of path (NUL included). */
static int decode_denial(const void *data, __u32 size, struct record *r, char *text, char *err,
			 size_t errlen)
{
	if (size < sizeof(struct sabpf_denial))
		return fail(err, errlen,
			    "DENIAL record of %u bytes is shorter than its fixed part (%zu)", size,
			    sizeof(struct sabpf_denial));
	memcpy(&r->denial.d, data, sizeof(r->denial.d));
	__u32 path_len = r->denial.d.path_len;
	if (size != sizeof(struct sabpf_denial) + path_len || path_len > SABPF_PATH_MAX)
		return fail(err, errlen,
			    "DENIAL record of %u bytes does not hold its path of %u bytes", size,
			    path_len);
	memcpy(text, (const char *)data + sizeof(struct sabpf_denial), path_len);
	text[path_len] = '\0';
	r->denial.path = text;
	r->denial.path_len = path_len;
	return 0;
}

/* PATH: one string, or NUL-separated components leaf first (REVERSED),
 * joined here root first as "/a/b"; a truncated one as ".../b/c", so that
 * it never reads as a whole path. text gets at most len + 5 bytes. */
static size_t join_path(const char *s, size_t len, bool reversed, bool truncated, char *text)
{
	size_t out = 0;

	if (truncated) {
		memcpy(text, RECORD_TRUNCATED_MARK, strlen(RECORD_TRUNCATED_MARK));
		out = strlen(RECORD_TRUNCATED_MARK);
		if (!reversed) { /* cut at its end */
			size_t n = join_path(s, len, false, false, text + out);
			memmove(text, text + out, n);
			memcpy(text + n, RECORD_TRUNCATED_MARK, out);
			text[n + out] = '\0';
			return n + out;
		}
	}

	if (!reversed) {
		const char *nul = memchr(s, '\0', len);
		out = nul ? (size_t)(nul - s) : len;
		memcpy(text, s, out);
		text[out] = '\0';
		return out;
	}
	/* Walk components from the end of the data (the root side). */
	size_t end = len;
	while (end > 0) {
		while (end > 0 && s[end - 1] == '\0')
			end--;
		if (end == 0)
			break;
		size_t start = end;
		while (start > 0 && s[start - 1] != '\0')
			start--;
		text[out++] = '/';
		memcpy(text + out, s + start, end - start);
		out += end - start;
		end = start;
	}
	if (out == 0 || (truncated && out == strlen(RECORD_TRUNCATED_MARK)))
		text[out++] = '/';
	text[out] = '\0';
	return out;
}

/* ARGV: keeps the first argc NUL-terminated strings, joined with spaces.
 * With the TRUNCATED flag the last one may lack its NUL and fewer than
 * argc may be present. Returns the number kept, or -1. */
static int join_argv(const char *s, size_t len, unsigned argc, bool truncated, char *text,
		     size_t *text_len, char *err, size_t errlen)
{
	size_t pos = 0, out = 0;
	unsigned kept = 0;

	while (kept < argc && pos < len) {
		const char *nul = memchr(s + pos, '\0', len - pos);
		size_t n = nul ? (size_t)(nul - (s + pos)) : len - pos;
		if (!nul && !truncated)
			return fail(
			    err, errlen,
			    "ARGV string %u is not NUL-terminated within the %zu data bytes",
			    kept + 1, len);
		if (kept > 0)
			text[out++] = ' ';
		memcpy(text + out, s + pos, n);
		out += n;
		pos += n + 1;
		kept++;
	}
	if (kept < argc && !truncated)
		return fail(err, errlen, "ARGV record holds %u strings but says argc is %u", kept,
			    argc);
	if (truncated) {
		memcpy(text + out, " " RECORD_TRUNCATED_MARK, strlen(RECORD_TRUNCATED_MARK) + 1);
		out += strlen(RECORD_TRUNCATED_MARK) + 1;
	}
	text[out] = '\0';
	*text_len = out;
	return (int)kept;
}

static int decode_name(const void *data, __u32 size, struct record *r, char *text, char *err,
		       size_t errlen)
{
	struct sabpf_name fixed;
	size_t head = offsetof(struct sabpf_name, data);
	size_t limit;

	if (size < head)
		return fail(err, errlen,
			    "NAME record is %u bytes, shorter than its fixed part (%zu)", size,
			    head);
	memcpy(&fixed, data, head);
	if (check_ref(&fixed.node, "NAME", err, errlen))
		return -1;
	if (fixed.node.kind == SABPF_NODE_PATH)
		limit = SABPF_PATH_MAX;
	else if (fixed.node.kind == SABPF_NODE_ARGV)
		limit = SABPF_ARGV_MAX;
	else if (fixed.node.kind == SABPF_NODE_XATTR)
		limit = SABPF_XATTR_NAME_MAX;
	else if (fixed.node.kind == SABPF_NODE_KMODULE)
		limit = SABPF_KMODULE_NAME_MAX;
	else
		return fail(err, errlen,
			    "NAME record of kind %s: only path and argv nodes, xattr and kernel "
			    "module names come in NAME records",
			    node_kind_name(fixed.node.kind));
	if (fixed.len > limit)
		return fail(err, errlen,
			    "NAME record of kind %s has len %u, above the limit of %zu",
			    node_kind_name(fixed.node.kind), fixed.len, limit);
	if (fixed.len > size - head)
		return fail(err, errlen, "NAME record has len %u but only %zu data bytes",
			    fixed.len, (size_t)(size - head));
	if (size - head - fixed.len > 8)
		return fail(err, errlen,
			    "NAME record is %u bytes, more than 8 beyond its %u data bytes", size,
			    fixed.len);

	const char *s = (const char *)data + head;
	r->name.node = fixed.node;
	r->name.ctx = fixed.ctx;
	r->name.flags = fixed.flags;
	r->name.text = text;
	if (fixed.node.kind == SABPF_NODE_PATH) {
		r->name.argc = 0;
		r->name.text_len = join_path(s, fixed.len, fixed.flags & SABPF_NAME_REVERSED,
					     fixed.flags & SABPF_NAME_TRUNCATED, text);
		return 0;
	}
	if (fixed.node.kind == SABPF_NODE_XATTR || fixed.node.kind == SABPF_NODE_KMODULE) {
		/* one string, like an unreversed path */
		r->name.argc = 0;
		r->name.text_len =
		    join_path(s, fixed.len, false, fixed.flags & SABPF_NAME_TRUNCATED, text);
		return 0;
	}
	int kept = join_argv(s, fixed.len, fixed.argc, fixed.flags & SABPF_NAME_TRUNCATED, text,
			     &r->name.text_len, err, errlen);
	if (kept < 0)
		return -1;
	r->name.argc = (__u16)kept;
	return 0;
}

int record_decode(const void *data, size_t size, struct record *r, char *text, char *err,
		  size_t errlen)
{
	if (!data || size < sizeof(struct sabpf_hdr))
		return fail(err, errlen, "record of %zu bytes is shorter than a header (%zu bytes)",
			    size, sizeof(struct sabpf_hdr));
	memcpy(&r->hdr, data, sizeof(r->hdr));
	if (r->hdr.size != size)
		return fail(err, errlen, "record header says %u bytes but %zu were received",
			    r->hdr.size, size);
	switch (r->hdr.type) {
	case SABPF_REC_NODE:
		return decode_node(data, r->hdr.size, r, err, errlen);
	case SABPF_REC_EDGE:
		return decode_edge(data, r->hdr.size, r, err, errlen);
	case SABPF_REC_NAME:
		return decode_name(data, r->hdr.size, r, text, err, errlen);
	case SABPF_REC_LOST:
		return decode_lost(data, r->hdr.size, r, err, errlen);
	case SABPF_REC_DENIAL:
		return decode_denial(data, r->hdr.size, r, text, err, errlen);
	default:
		return fail(err, errlen, "unknown record type %u (valid: 1..5)", r->hdr.type);
	}
}
