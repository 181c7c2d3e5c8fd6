/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* fixtures.h: builds synthetic streams of raw records, laid out exactly as
 * the BPF programs write them into the ring buffer, for the unit tests of
 * the decoder and the output formats. Header-only: each test program
 * includes it once.
 *
 * A stream is a buffer of records at 8-byte aligned offsets. Every record
 * gets the next sequence number of the current CPU (LOST records get 0, as
 * in the kernel) and a time 1000 ns after the previous one. */
#ifndef SABPF_TEST_FIXTURES_H
#define SABPF_TEST_FIXTURES_H

#include <linux/types.h>
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "output.h"
#include "sabpf_record.h"

#define FX_MAX_RECORDS 256
#define FX_BUF_SIZE (64 * 1024)
#define FX_MAX_CPUS 8

/* 2025-11-29T07:30:00Z in nanoseconds since the epoch: with a clock
 * offset of 0, record i (from 1) is at FX_T0 + i * 1000. */
#define FX_T0 1764401400000000000ULL

struct fx_stream {
	_Alignas(8) unsigned char buf[FX_BUF_SIZE];
	size_t len;
	size_t off[FX_MAX_RECORDS];
	size_t size[FX_MAX_RECORDS];
	int count;
	__u64 next_seq[FX_MAX_CPUS];
	__u16 cpu; /* CPU of the next records */
	__u64 time_ns;
	__u64 container;
	struct sabpf_ctx ctx; /* context block of the next NODE and NAME records */
};

/* The context block fx_init gives every node: namespace inode numbers as
 * in the initial namespaces of a stock kernel, and uid/gid 1000. */
#define FX_UTSNS 4026531838u
#define FX_IPCNS 4026531839u
#define FX_MNTNS 4026531841u
#define FX_PIDNS 4026531836u
#define FX_NETNS 4026531840u
#define FX_CGROUPNS 4026531835u

static inline void fx_init(struct fx_stream *s, __u64 container)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < FX_MAX_CPUS; i++)
		s->next_seq[i] = 1;
	s->time_ns = FX_T0;
	s->container = container;
	s->ctx = (struct sabpf_ctx){.utsns = FX_UTSNS,
				    .ipcns = FX_IPCNS,
				    .mntns = FX_MNTNS,
				    .pidns = FX_PIDNS,
				    .netns = FX_NETNS,
				    .cgroupns = FX_CGROUPNS,
				    .uid = 1000,
				    .gid = 1000,
				    .euid = 1000,
				    .egid = 1000};
}

static inline struct sabpf_ref fx_ref(__u64 id, __u32 version, __u16 kind)
{
	struct sabpf_ref r = {.id = id, .version = version, .kind = kind, .flags = 0};
	return r;
}

/* Appends a zeroed record of `size` bytes with its header filled in. */
static inline void *fx_add(struct fx_stream *s, __u16 type, size_t size)
{
	size_t off = (s->len + 7) & ~(size_t)7;
	if (s->count >= FX_MAX_RECORDS || off + size > FX_BUF_SIZE)
		abort(); /* a test built too big a stream */
	struct sabpf_hdr *h = (struct sabpf_hdr *)(s->buf + off);
	memset(h, 0, size);
	h->type = type;
	h->cpu = s->cpu;
	h->size = (__u32)size;
	h->seq = type == SABPF_REC_LOST ? 0 : s->next_seq[s->cpu]++;
	s->time_ns += 1000;
	h->time_ns = s->time_ns;
	h->container = s->container;
	s->off[s->count] = off;
	s->size[s->count] = size;
	s->count++;
	s->len = off + size;
	return h;
}

/* A sequence number the "kernel" used for a record that never arrived. */
static inline void fx_skip_seq(struct fx_stream *s, __u64 n)
{
	s->next_seq[s->cpu] += n;
}

static inline void *fx_record(struct fx_stream *s, int i)
{
	return s->buf + s->off[i];
}

static inline void fx_task(struct fx_stream *s, __u64 id, __u32 version, __u32 pid, __u32 uid,
			   const char *comm)
{
	size_t size = offsetof(struct sabpf_node, task) + sizeof(struct sabpf_task_attrs);
	struct sabpf_node *n = fx_add(s, SABPF_REC_NODE, size);
	n->node = fx_ref(id, version, SABPF_NODE_TASK);
	n->ctx = s->ctx;
	n->task.pid = pid;
	n->task.tid = pid;
	n->task.ppid = 1;
	n->task.vpid = pid - 99;
	n->task.uid = n->task.euid = uid;
	n->task.gid = n->task.egid = uid;
	n->task.cgroup_id = s->container;
	n->task.mntns = 4026531841u;
	/* like the kernel's comm: may fill all 16 bytes with no NUL */
	size_t len = strlen(comm);
	memcpy(n->task.comm, comm, len < SABPF_COMM_LEN ? len : SABPF_COMM_LEN);
}

static inline void fx_inode(struct fx_stream *s, __u16 kind, __u64 id, __u32 version, __u64 ino,
			    __u32 mode)
{
	size_t size = offsetof(struct sabpf_node, task) + sizeof(struct sabpf_inode_attrs);
	struct sabpf_node *n = fx_add(s, SABPF_REC_NODE, size);
	n->node = fx_ref(id, version, kind);
	n->ctx = s->ctx;
	n->inode.ino = ino;
	n->inode.dev = (8u << 20) | 1;
	n->inode.mode = mode;
}

/* An AF_INET or AF_INET6 address node from its text. */
static inline void fx_addr_ip(struct fx_stream *s, __u64 id, __u32 version, int family,
			      const char *ip, __u16 port)
{
	size_t size = offsetof(struct sabpf_node, task) + sizeof(struct sabpf_addr_attrs);
	struct sabpf_node *n = fx_add(s, SABPF_REC_NODE, size);
	n->node = fx_ref(id, version, SABPF_NODE_ADDRESS);
	n->ctx = s->ctx;
	n->addr.family = (__u16)family;
	n->addr.port = port;
	inet_pton(family, ip, n->addr.addr);
}

/* A TCP (protocol 6) or UDP (17) packet over IPv4 or IPv6. */
static inline void fx_packet(struct fx_stream *s, __u64 id, int family, __u8 protocol,
			     const char *saddr, __u16 sport, const char *daddr, __u16 dport,
			     __u32 seq, __u32 len)
{
	size_t size = offsetof(struct sabpf_node, task) + sizeof(struct sabpf_packet_attrs);
	struct sabpf_node *n = fx_add(s, SABPF_REC_NODE, size);
	n->node = fx_ref(id, 0, SABPF_NODE_PACKET);
	n->packet.family = (__u16)family;
	n->packet.protocol = protocol;
	n->packet.sport = sport;
	n->packet.dport = dport;
	n->packet.seq = seq;
	n->packet.len = len;
	n->packet.ip_id = family == AF_INET ? 7 : 0;
	inet_pton(family, saddr, n->packet.saddr);
	inet_pton(family, daddr, n->packet.daddr);
}

static inline void fx_addr_unix(struct fx_stream *s, __u64 id, __u32 version, const char *path,
				size_t len)
{
	size_t size = offsetof(struct sabpf_node, task) + sizeof(struct sabpf_addr_attrs);
	struct sabpf_node *n = fx_add(s, SABPF_REC_NODE, size);
	n->node = fx_ref(id, version, SABPF_NODE_ADDRESS);
	n->ctx = s->ctx;
	n->addr.family = AF_UNIX;
	memcpy(n->addr.unix_path, path, len);
}

/* A NAME record with exactly these data bytes. */
static inline struct sabpf_name *fx_name_raw(struct fx_stream *s, __u16 kind, __u64 id,
					     __u32 version, const void *data, __u32 len,
					     __u16 flags, __u16 argc)
{
	size_t size = offsetof(struct sabpf_name, data) + len;
	struct sabpf_name *n = fx_add(s, SABPF_REC_NAME, size);
	n->node = fx_ref(id, version, kind);
	n->ctx = s->ctx;
	n->len = len;
	n->flags = flags;
	n->argc = argc;
	memcpy(n->data, data, len);
	return n;
}

/* A PATH as the kernel sends it: "/etc/hostname" becomes the components
 * "hostname\0etc\0", leaf first, with SABPF_NAME_REVERSED. */
static inline void fx_path(struct fx_stream *s, __u64 id, __u32 version, const char *path)
{
	char data[SABPF_PATH_MAX];
	size_t len = 0, end = strlen(path);

	while (end > 0) {
		size_t start = end;
		while (start > 0 && path[start - 1] != '/')
			start--;
		if (end > start) {
			memcpy(data + len, path + start, end - start);
			len += end - start;
			data[len++] = '\0';
		}
		end = start > 0 ? start - 1 : 0;
	}
	fx_name_raw(s, SABPF_NODE_PATH, id, version, data, (__u32)len, SABPF_NAME_REVERSED, 0);
}

static inline void fx_edge(struct fx_stream *s, __u32 relation, struct sabpf_ref from,
			   struct sabpf_ref to, __u32 pid, __u64 arg)
{
	struct sabpf_edge *e = fx_add(s, SABPF_REC_EDGE, sizeof(*e));
	e->relation = relation;
	e->pid = pid;
	e->tid = pid;
	e->uid = 1000;
	e->from = from;
	e->to = to;
	e->arg = arg;
}

/* A LOST record of ring losses, of the stream's container. */
static inline struct sabpf_lost *fx_lost(struct fx_stream *s, __u64 count, __u64 first, __u64 last)
{
	struct sabpf_lost *l = fx_add(s, SABPF_REC_LOST, sizeof(*l));
	l->count = count;
	l->first_seq = first;
	l->last_seq = last;
	l->cause = SABPF_LOST_RING;
	return l;
}

/* A LOST record of another cause (no sequence numbers) for a container. */
static inline void fx_lost_of(struct fx_stream *s, __u64 container, __u32 cause, __u64 count)
{
	struct sabpf_lost *l = fx_lost(s, count, 0, 0);
	l->hdr.container = container;
	l->cause = cause;
}

/* Feeds every record to the pipeline; returns how many were rejected. */
static inline int fx_feed(const struct fx_stream *s, struct sabpf_pipeline *p)
{
	int rejected = 0;
	for (int i = 0; i < s->count; i++)
		if (pipeline_consume(p, s->buf + s->off[i], s->size[i]) < 0)
			rejected++;
	return rejected;
}

/* Node ids of the scenario below. */
#define FX_TASK 0x10001ULL
#define FX_CAT_BIN 0x10003ULL
#define FX_CAT_PATH 0x10004ULL
#define FX_ARGV 0x10005ULL
#define FX_HOST 0x10006ULL
#define FX_HOST_PATH 0x10007ULL
#define FX_TMPX 0x10008ULL
#define FX_TMPX_PATH 0x10009ULL
#define FX_PID 4242
#define FX_CONTAINER 42

/* The scenario every format test describes: task 4242 ("sh") execs
 * /bin/cat with argv "cat /etc/hostname" (followed by environment bytes
 * that must be dropped), opens and reads /etc/hostname, writes /tmp/x
 * (a new version of it), steps a version and terminates. Versions v3 and
 * v4 of the task and v2 of /tmp/x are implied by edges only.
 *
 * 12 node versions (4 activities, 8 entities) and 12 relations: used 4
 * (exec, arg, open, read), wasGeneratedBy 1 (write), wasInformedBy 3
 * (exec_task, version_activity, terminate_task), wasDerivedFrom 4 (named
 * x3, version_entity). Records 1..21, at FX_T0 + i * 1000 ns. */
static inline void fx_cat_scenario(struct fx_stream *s)
{
	static const char argv[] = "cat\0/etc/hostname\0PATH=/bin\0HOME=/root";
	const __u16 T = SABPF_NODE_TASK, F = SABPF_NODE_FILE, P = SABPF_NODE_PATH;

	fx_init(s, FX_CONTAINER);
	fx_task(s, FX_TASK, 1, FX_PID, 1000, "sh");	       /* 1 */
	fx_inode(s, F, FX_CAT_BIN, 1, 100, 0100755);	       /* 2 */
	fx_path(s, FX_CAT_PATH, 1, "/bin/cat");		       /* 3 */
	fx_edge(s, SABPF_REL_NAMED, fx_ref(FX_CAT_PATH, 1, P), /* 4 */
		fx_ref(FX_CAT_BIN, 1, F), FX_PID, 0);
	fx_name_raw(s, SABPF_NODE_ARGV, FX_ARGV, 1, argv, sizeof(argv), 0, 2); /* 5 */
	fx_task(s, FX_TASK, 2, FX_PID, 1000, "cat");			       /* 6 */
	fx_edge(s, SABPF_REL_EXEC_TASK, fx_ref(FX_TASK, 1, T),		       /* 7 */
		fx_ref(FX_TASK, 2, T), FX_PID, 0);
	fx_edge(s, SABPF_REL_EXEC, fx_ref(FX_CAT_BIN, 1, F), /* 8 */
		fx_ref(FX_TASK, 2, T), FX_PID, 0);
	fx_edge(s, SABPF_REL_ARG, fx_ref(FX_ARGV, 1, SABPF_NODE_ARGV), /* 9 */
		fx_ref(FX_TASK, 2, T), FX_PID, 0);
	fx_inode(s, F, FX_HOST, 1, 200, 0100644);		/* 10 */
	fx_path(s, FX_HOST_PATH, 1, "/etc/hostname");		/* 11 */
	fx_edge(s, SABPF_REL_NAMED, fx_ref(FX_HOST_PATH, 1, P), /* 12 */
		fx_ref(FX_HOST, 1, F), FX_PID, 0);
	fx_edge(s, SABPF_REL_OPEN, fx_ref(FX_HOST, 1, F), /* 13 */
		fx_ref(FX_TASK, 2, T), FX_PID, 0x8000);
	fx_edge(s, SABPF_REL_READ, fx_ref(FX_HOST, 1, F), /* 14 */
		fx_ref(FX_TASK, 2, T), FX_PID, 0);
	fx_inode(s, F, FX_TMPX, 1, 300, 0100600);		/* 15 */
	fx_path(s, FX_TMPX_PATH, 1, "/tmp/x");			/* 16 */
	fx_edge(s, SABPF_REL_NAMED, fx_ref(FX_TMPX_PATH, 1, P), /* 17 */
		fx_ref(FX_TMPX, 1, F), FX_PID, 0);
	fx_edge(s, SABPF_REL_VERSION_ENTITY, fx_ref(FX_TMPX, 1, F), /* 18 */
		fx_ref(FX_TMPX, 2, F), FX_PID, 0);
	fx_edge(s, SABPF_REL_WRITE, fx_ref(FX_TASK, 2, T), /* 19 */
		fx_ref(FX_TMPX, 2, F), FX_PID, 0);
	fx_edge(s, SABPF_REL_VERSION_ACTIVITY, fx_ref(FX_TASK, 2, T), /* 20 */
		fx_ref(FX_TASK, 3, T), FX_PID, 0);
	fx_edge(s, SABPF_REL_TERMINATE, fx_ref(FX_TASK, 3, T), /* 21 */
		fx_ref(FX_TASK, 4, T), FX_PID, 0);
}

#endif /* SABPF_TEST_FIXTURES_H */
