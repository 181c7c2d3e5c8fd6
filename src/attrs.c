/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* attrs.c: rendering for the formats: socket addresses, packets and IPC
 * objects as text (also the names graph_update.c gives nodes), node ids,
 * and the node and edge attributes shared by the PROV and SPADE writers
 * (struct attr_writer, format.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "pipeline_priv.h"

/* Text of a socket address: 10.0.0.1:80, [::1]:443, [fe80::1%2]:22,
 * unix:/path, unix:@abstract, unix: (unnamed), or family:N. */
size_t format_address(const struct sabpf_addr_attrs *a, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	int n;

	switch (a->family) {
	case AF_INET:
		inet_ntop(AF_INET, a->addr, ip, sizeof(ip));
		n = snprintf(out, cap, "%s:%u", ip, a->port);
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, a->addr, ip, sizeof(ip));
		if (a->scope_id)
			n = snprintf(out, cap, "[%s%%%u]:%u", ip, a->scope_id, a->port);
		else
			n = snprintf(out, cap, "[%s]:%u", ip, a->port);
		break;
	case AF_UNIX: {
		const char *path = a->unix_path;
		size_t max = sizeof(a->unix_path);
		if (path[0] == '\0' && max > 1) { /* abstract: @name */
			size_t len = strnlen(path + 1, max - 1);
			n = snprintf(out, cap, "unix:%s%.*s", len ? "@" : "", (int)len, path + 1);
		} else {
			n = snprintf(out, cap, "unix:%.*s", (int)strnlen(path, max), path);
		}
		break;
	}
	default:
		n = snprintf(out, cap, "family:%u", a->family);
		break;
	}
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Text of one end of a packet: 10.0.0.1:80 or [::1]:443. */
static size_t format_packet_end(__u16 family, const __u8 *addr, __u16 port, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, ip, sizeof(ip));
	int n = snprintf(out, cap, family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Text of a packet: "tcp 10.0.0.1:80>10.0.0.2:5000 seq 1 len 6", or
 * "udp ... len 6" (sending end first). */
size_t format_packet(const struct sabpf_packet_attrs *a, char *out, size_t cap)
{
	char from[INET6_ADDRSTRLEN + 16], to[INET6_ADDRSTRLEN + 16];
	format_packet_end(a->family, a->saddr, a->sport, from, sizeof(from));
	format_packet_end(a->family, a->daddr, a->dport, to, sizeof(to));
	int n;
	if (a->protocol == IPPROTO_TCP)
		n = snprintf(out, cap, "tcp %s>%s seq %u len %u", from, to, a->seq, a->len);
	else if (a->protocol == IPPROTO_UDP)
		n = snprintf(out, cap, "udp %s>%s len %u", from, to, a->len);
	else
		n = snprintf(out, cap, "proto:%u %s>%s len %u", a->protocol, from, to, a->len);
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Text of a System V object, "id 32768 key 0x00001234", or of a message,
 * "type 7 on queue 32768": its name in every view. */
size_t format_ipc(const struct sabpf_ipc_attrs *a, __u16 kind, char *out, size_t cap)
{
	int n;
	if (kind == SABPF_NODE_MSG)
		n = snprintf(out, cap, "type %lld on queue %d", (long long)a->type, a->id);
	else
		n = snprintf(out, cap, "id %d key 0x%08x", a->id, (unsigned)a->key);
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Version bookkeeping shared by every record that names a node. */

/* ---- attributes shared by the PROV and SPADE writers ---- */

/* The key of an attribute: "cf:key" (PROV) or "key" (SPADE); "type" and
 * "label" are PROV's own ("prov:type"), SPADE calls them subtype, label. */
static void attr_key(struct attr_writer *w, const char *key)
{
	char name[64];
	const char *prefix = "";
	if ((key[0] == 't' && strcmp(key, "type") == 0) ||
	    (key[0] == 'l' && strcmp(key, "label") == 0)) {
		if (w->style == ATTR_PROV)
			prefix = "prov:";
		else if (key[0] == 't')
			prefix = "sub";
	} else if (w->style == ATTR_PROV) {
		prefix = "cf:";
	}
	size_t p = strlen(prefix), k = strlen(key);
	if (p + k > sizeof(name))
		k = sizeof(name) - p; /* the keys are the short names below */
	memcpy(name, prefix, p);
	memcpy(name + p, key, k);
	jw_key_lit(w->w, name, p + k);
}

void attr_u64(struct attr_writer *w, const char *key, __u64 v)
{
	attr_key(w, key);
	if (w->style == ATTR_SPADE)
		jw_tagged_u64(w->w, "", v); /* SPADE wants strings */
	else
		jw_u64(w->w, v);
}

void attr_str(struct attr_writer *w, const char *key, const char *s, size_t n)
{
	attr_key(w, key);
	jw_str(w->w, s, n);
}

static void attr_cstr(struct attr_writer *w, const char *key, const char *s)
{
	attr_str(w, key, s, strlen(s));
}

static void attr_octal(struct attr_writer *w, const char *key, __u32 v)
{
	char text[16];
	int n = snprintf(text, sizeof(text), "0%o", v);
	attr_str(w, key, text, (size_t)n);
}

static void attr_date(struct attr_writer *w, __s64 wall_ns)
{
	attr_key(w, "date");
	jw_time(w->w, wall_ns);
}

void put_node_id(struct jbuf *b, __u64 id, __u32 version)
{
	jbuf_putc(b, 'n');
	jbuf_hex(b, id);
	jbuf_puts(b, "_v");
	jbuf_u64(b, version);
}

size_t node_id_text(char *buf, const char *prefix, __u64 id, __u32 version)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[20];
	size_t n = strlen(prefix), i;
	memcpy(buf, prefix, n); /* at most 8 bytes */
	buf[n++] = 'n';
	i = sizeof(tmp);
	do {
		tmp[--i] = hex[id & 0xf];
		id >>= 4;
	} while (id);
	memcpy(buf + n, tmp + i, sizeof(tmp) - i);
	n += sizeof(tmp) - i;
	buf[n++] = '_';
	buf[n++] = 'v';
	i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + version % 10);
		version /= 10;
	} while (version);
	memcpy(buf + n, tmp + i, sizeof(tmp) - i);
	return n + sizeof(tmp) - i;
}

static void attr_task(struct attr_writer *w, const struct sabpf_task_attrs *t)
{
	attr_u64(w, "pid", t->pid);
	attr_u64(w, "vpid", t->vpid);
	attr_u64(w, "tid", t->tid);
	attr_u64(w, "ppid", t->ppid);
	attr_u64(w, "uid", t->uid);
	attr_u64(w, "gid", t->gid);
	attr_u64(w, "euid", t->euid);
	attr_u64(w, "egid", t->egid);
	attr_str(w, "comm", t->comm, strnlen(t->comm, sizeof(t->comm)));
	attr_u64(w, "cgroup_id", t->cgroup_id);
	attr_u64(w, "utsns", t->utsns);
	attr_u64(w, "ipcns", t->ipcns);
	attr_u64(w, "mntns", t->mntns);
	attr_u64(w, "pidns", t->pidns);
	attr_u64(w, "netns", t->netns);
	attr_u64(w, "cgroupns", t->cgroupns);
}

static void attr_inode(struct attr_writer *w, const struct gnode *n)
{
	const struct sabpf_inode_attrs *i = &n->a.inode;
	attr_u64(w, "ino", i->ino);
	attr_u64(w, "dev", i->dev);
	attr_octal(w, "mode", i->mode);
	attr_u64(w, "uid", i->uid);
	attr_u64(w, "gid", i->gid);
	if (n->kind == SABPF_NODE_SOCKET) {
		attr_u64(w, "sock_family", i->sock_family);
		attr_u64(w, "sock_type", i->sock_type);
		attr_u64(w, "sock_protocol", i->sock_protocol);
		if (n->text_len)
			attr_str(w, "address", n->text, n->text_len);
	} else if (n->text_len) {
		attr_str(w, "pathname", n->text, n->text_len);
	}
}

/* The attributes of a packet: addresses as text, as the address nodes. */
static void attr_packet(struct attr_writer *w, const struct sabpf_packet_attrs *p)
{
	char ip[INET6_ADDRSTRLEN];
	int family = p->family == AF_INET6 ? AF_INET6 : AF_INET;
	attr_u64(w, "family", p->family);
	attr_u64(w, "protocol", p->protocol);
	inet_ntop(family, p->saddr, ip, sizeof(ip));
	attr_cstr(w, "saddr", ip);
	attr_u64(w, "sport", p->sport);
	inet_ntop(family, p->daddr, ip, sizeof(ip));
	attr_cstr(w, "daddr", ip);
	attr_u64(w, "dport", p->dport);
	if (p->protocol == IPPROTO_TCP)
		attr_u64(w, "seq", p->seq);
	if (p->family == AF_INET)
		attr_u64(w, "ip_id", p->ip_id);
	attr_u64(w, "len", p->len);
}

/* The context block every node carries: the acting task's namespaces and
 * credentials when the version was recorded (the task's own for tasks).
 * Named apart from a task's own namespaces and an inode's owner. */
static void attr_ctx(struct attr_writer *w, const struct sabpf_ctx *c)
{
	attr_u64(w, "uts_ns", c->utsns);
	attr_u64(w, "ipc_ns", c->ipcns);
	attr_u64(w, "mnt_ns", c->mntns);
	attr_u64(w, "pid_ns", c->pidns);
	attr_u64(w, "net_ns", c->netns);
	attr_u64(w, "cgroup_ns", c->cgroupns);
	attr_u64(w, "ctx_uid", c->uid);
	attr_u64(w, "ctx_gid", c->gid);
	attr_u64(w, "ctx_euid", c->euid);
	attr_u64(w, "ctx_egid", c->egid);
}

/* A System V object or message. The key is written as an unsigned 32-bit
 * number (ipcs shows it in hex). */
static void attr_ipc(struct attr_writer *w, const struct gnode *n)
{
	const struct sabpf_ipc_attrs *a = &n->a.ipc;
	attr_u64(w, "key", (__u32)a->key);
	attr_u64(w, "ipc_id", (__u32)a->id);
	attr_u64(w, "ipcns", a->ipcns);
	attr_u64(w, "uid", a->uid);
	attr_u64(w, "gid", a->gid);
	switch (n->kind) {
	case SABPF_NODE_MSG:
		attr_u64(w, "msg_type", (__u64)a->type);
		attr_u64(w, "size", a->size);
		return;
	case SABPF_NODE_SHM:
		attr_u64(w, "size", a->size);
		break;
	case SABPF_NODE_SEM:
		attr_u64(w, "nsems", a->size);
		break;
	default: /* msg_queue */
		attr_u64(w, "qbytes", a->size);
		break;
	}
	attr_octal(w, "mode", a->mode);
	attr_u64(w, "cuid", a->cuid);
	attr_u64(w, "cgid", a->cgid);
}

/* "task 1234 cat", "file /etc/hostname", "path /tmp/x", ... */
static void build_label(struct jbuf *s, const struct gnode *n)
{
	jbuf_reset(s);
	jbuf_puts(s, node_kind_name(n->kind));
	jbuf_putc(s, ' ');
	if (n->kind == SABPF_NODE_TASK) {
		jbuf_u64(s, n->a.task.pid);
		if (n->a.task.tid != n->a.task.pid) {
			jbuf_putc(s, '/');
			jbuf_u64(s, n->a.task.tid);
		}
		jbuf_putc(s, ' ');
		jbuf_put(s, n->a.task.comm, strnlen(n->a.task.comm, sizeof(n->a.task.comm)));
	} else if (n->kind == SABPF_NODE_PROC_MEM) {
		jbuf_puts(s, "pid ");
		jbuf_u64(s, n->a.mem.pid);
	} else if (n->text_len) {
		jbuf_put(s, n->text, n->text_len);
	} else if (node_kind_is_inode(n->kind)) {
		jbuf_puts(s, "ino ");
		jbuf_u64(s, n->a.inode.ino);
	} else {
		jbuf_puts(s, "id ");
		jbuf_hex(s, n->id);
	}
}

/* identity_<key>; a label whose key is not a PROV local name (letters,
 * digits, '.', '_', '-') is left out of PROV and SPADE (JSON lines has it). */
static void attr_identity_field(const char *key, const char *value, void *ctx)
{
	char name[IDENTITY_LABELS + 16];
	if (strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
	    strlen(key))
		return;
	snprintf(name, sizeof(name), "identity_%s", key);
	attr_cstr(ctx, name, value);
}

/* "key":"value" of an identity's field; the key comes from the identity
 * (label.<key>): escaped. */
static void json_identity_field(const char *key, const char *value, void *ctx)
{
	struct jw *w = ctx;
	jw_key_escaped(w, key);
	jw_cstr(w, value);
}

void jw_key_identity(struct jw *w, const struct sabpf_identity *who)
{
	jw_key(w, "identity");
	jw_object_begin(w);
	identity_fields(who, json_identity_field, w);
	jw_object_end(w);
}

const struct sabpf_identity *node_identity(const struct sabpf_pipeline *p, const struct gnode *n)
{
	if (n->kind != SABPF_NODE_TASK || !n->has_attrs)
		return NULL;
	return pipeline_identity(p, n->container, n->a.task.cgroup_id);
}

void attr_node(struct attr_writer *w, struct jbuf *scratch, const struct gnode *n, __u32 version,
	       __s64 wall_ns, const struct sabpf_identity *who)
{
	build_label(scratch, n);
	attr_cstr(w, "type", node_kind_name(n->kind));
	attr_str(w, "label", scratch->data, scratch->len);
	attr_u64(w, "id", n->id);
	attr_u64(w, "version", version);
	attr_date(w, wall_ns);
	attr_u64(w, "container", n->container);
	if (w->backend)
		attr_cstr(w, "backend", w->backend);
	if (who)
		identity_fields(who, attr_identity_field, w);
	attr_ctx(w, &n->ctx);
	switch (n->kind) {
	case SABPF_NODE_TASK:
		attr_task(w, &n->a.task);
		break;
	case SABPF_NODE_PROC_MEM:
		attr_u64(w, "pid", n->a.mem.pid);
		attr_u64(w, "uid", n->a.mem.uid);
		attr_u64(w, "gid", n->a.mem.gid);
		attr_u64(w, "euid", n->a.mem.euid);
		attr_u64(w, "egid", n->a.mem.egid);
		break;
	case SABPF_NODE_PATH:
		attr_str(w, "pathname", n->text ? n->text : "", n->text_len);
		if (n->name_flags & SABPF_NAME_DELETED)
			attr_u64(w, "deleted", 1);
		if (n->name_flags & SABPF_NAME_FSRELATIVE)
			attr_u64(w, "fs_relative", 1);
		if (n->name_flags & SABPF_NAME_TRUNCATED)
			attr_u64(w, "truncated", 1);
		break;
	case SABPF_NODE_ARGV:
		attr_str(w, "argv", n->text ? n->text : "", n->text_len);
		attr_u64(w, "argc", n->argc);
		if (n->name_flags & SABPF_NAME_TRUNCATED)
			attr_u64(w, "truncated", 1);
		break;
	case SABPF_NODE_ADDRESS:
		attr_str(w, "address", n->text ? n->text : "", n->text_len);
		attr_u64(w, "family", n->a.addr.family);
		attr_u64(w, "port", n->a.addr.port);
		break;
	case SABPF_NODE_XATTR:
	case SABPF_NODE_KMODULE:
		attr_str(w, "name", n->text ? n->text : "", n->text_len);
		if (n->name_flags & SABPF_NAME_TRUNCATED)
			attr_u64(w, "truncated", 1);
		break;
	case SABPF_NODE_PACKET:
		attr_packet(w, &n->a.packet);
		break;
	case SABPF_NODE_NAMESPACE:
		attr_u64(w, "inum", n->a.ns.inum);
		attr_cstr(w, "nstype", nstype_name(n->a.ns.nstype));
		break;
	case SABPF_NODE_BPF_PROG:
	case SABPF_NODE_BPF_MAP:
		attr_u64(w, "bpf_id", n->a.bpf.id);
		attr_u64(w, "bpf_type", n->a.bpf.type);
		attr_str(w, "bpf_name", n->a.bpf.name, strnlen(n->a.bpf.name, SABPF_BPF_NAME_LEN));
		break;
	case SABPF_NODE_MSG_QUEUE:
	case SABPF_NODE_MSG:
	case SABPF_NODE_SHM:
	case SABPF_NODE_SEM:
		attr_ipc(w, n);
		break;
	default:
		attr_inode(w, n);
		if (n->name_flags & SABPF_NAME_TRUNCATED) /* its label's path */
			attr_u64(w, "truncated", 1);
		break;
	}
}

void attr_edge(struct attr_writer *w, const struct sabpf_edge *e, __s64 wall_ns)
{
	attr_cstr(w, "type", relation_name(e->relation));
	attr_date(w, wall_ns);
	attr_u64(w, "pid", e->pid);
	attr_u64(w, "tid", e->tid);
	attr_u64(w, "uid", e->uid);
	attr_u64(w, "container", e->hdr.container);
	if (w->backend)
		attr_cstr(w, "backend", w->backend);
	if (e->arg)
		attr_u64(w, "relation_arg", e->arg);
}

/* Versions are described once each: the highest one described (emitted - 1)
 * and, in a window of 64 below it, those marked in emitted_below. A version
 * further below is taken as described. */
bool node_needs_description(const struct output *o, const struct gnode *n, __u32 version)
{
	if (!n || !n->has_attrs || o->slot < 0)
		return false;
	__u32 emitted = n->emitted[o->slot];
	if (emitted < version + 1u)
		return true;
	__u32 below = emitted - 1u - version; /* 0: the highest itself */
	return below >= 1 && below <= 64 && !(n->emitted_below[o->slot] & (1ULL << (below - 1)));
}

void mark_node_described(const struct output *o, struct gnode *n, __u32 version)
{
	if (o->slot < 0)
		return;
	__u32 emitted = n->emitted[o->slot];
	__u64 *bits = &n->emitted_below[o->slot];
	if (emitted < version + 1u) {
		__u32 shift = version + 1u - emitted; /* the old highest is shift below */
		*bits = shift >= 64 ? 0 : *bits << shift;
		if (emitted > 0 && shift <= 64)
			*bits |= 1ULL << (shift - 1);
		n->emitted[o->slot] = version + 1u;
		return;
	}
	__u32 below = emitted - 1u - version;
	if (below >= 1 && below <= 64)
		*bits |= 1ULL << (below - 1);
}
