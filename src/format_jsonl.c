/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* format_jsonl.c: the flat audit view for log pipelines. One JSON object per
 * line for each relation that has a task at one end (pure version steps are
 * skipped):
 *   {"time":"2026-11-29T07:30:00.000000001Z","container":"web","container_id":42,
 *    "pid":7,"tid":7,"comm":"cat","uid":0,"action":"read","object_kind":"file",
 *    "mnt_ns":4026531841,...,"object":"/etc/hostname","result":"ok"}
 * and one for each LOST record:
 *   {"time":...,"container":...,"container_id":N,"action":"records_lost",
 *    "cause":"ring","count":N,"cpu":N,"first_seq":N,"last_seq":N}
 * (the container whose records or state were lost, 0 when not known; the
 * causes are those of enum sabpf_lost_cause, named in docs/formats.md)
 * The acting task is the task end (the `from` end when both are tasks); the
 * object is the other end, or the task's new version for task -> task steps
 * such as exec_task and terminate_task. Objects are shown as: the last path
 * an inode was named by (else inode:<ino>), a socket's address (else
 * socket:<ino>), an address as 10.0.0.1:80, [::1]:443 or unix:/path, a path,
 * the argv string, task:<pid> for tasks and process memory. When the acting
 * task's node was described, its namespaces follow "uid": uts_ns, ipc_ns,
 * mnt_ns, pid_ns, net_ns, cgroup_ns (inode numbers, from its context block).
 * An object whose path or argv was cut (SABPF_NAME_TRUNCATED) has
 * "object_truncated":true, and its text shows "..." where it was cut.
 * For a container of a runtime (the acting task's cgroup, else the record's
 * container: docs/identity.md) "identity":{"runtime":..,"id":..,"name":..,
 * "image":..,"pod_name":..} follows "container_id", with the fields known;
 * "container" is then its display name. */
#include <string.h>

#include "denial.h"
#include "format.h"
#include "identity.h"
#include "names.h"

static int jsonl_open(struct output *o)
{
	o->state = NULL;
	return 0;
}

struct identity_writer {
	struct jbuf *b;
	bool first;
};

static void put_identity_field(const char *key, const char *value, void *ctx)
{
	struct identity_writer *w = ctx;
	jbuf_puts(w->b, w->first ? "\"" : ",\"");
	w->first = false;
	jbuf_puts(w->b, key);
	jbuf_puts(w->b, "\":");
	json_cstr(w->b, value);
}

/* cgroup: the acting task's own cgroup, 0 when not known. */
static void put_time_and_container(struct output *o, const struct sabpf_hdr *h, __u64 cgroup)
{
	struct jbuf *b = &o->buf;
	const char *name = pipeline_container_name(o->p, h->container);

	jbuf_puts(b, "{\"time\":");
	json_time(b, pipeline_wall_ns(o->p, h->time_ns));
	jbuf_puts(b, ",\"container\":");
	if (name) {
		json_cstr(b, name);
	} else {
		jbuf_putc(b, '"');
		jbuf_u64(b, h->container);
		jbuf_putc(b, '"');
	}
	jbuf_puts(b, ",\"container_id\":");
	jbuf_u64(b, h->container);
	const struct sabpf_identity *who = pipeline_identity(o->p, h->container, cgroup);
	if (who) { /* ,"identity":{"runtime":"docker","id":"...","name":"web",...} */
		struct identity_writer w = {.b = b, .first = true};
		jbuf_puts(b, ",\"identity\":{");
		identity_fields(who, put_identity_field, &w);
		jbuf_putc(b, '}');
	}
}

/* "<prefix><number>" as a JSON string. */
static void put_tagged_number(struct jbuf *b, const char *prefix, __u64 v)
{
	jbuf_putc(b, '"');
	jbuf_puts(b, prefix);
	jbuf_u64(b, v);
	jbuf_putc(b, '"');
}

static void put_object(struct jbuf *b, const struct gnode *n, const struct sabpf_ref *ref)
{
	bool known = n && n->has_attrs;

	if (n && n->text_len && ref->kind != SABPF_NODE_TASK && ref->kind != SABPF_NODE_PROC_MEM) {
		json_str(b, n->text, n->text_len);
	} else if (ref->kind == SABPF_NODE_TASK && known) {
		put_tagged_number(b, "task:", n->a.task.pid);
	} else if (ref->kind == SABPF_NODE_PROC_MEM && known) {
		put_tagged_number(b, "task:", n->a.mem.pid);
	} else if (ref->kind == SABPF_NODE_SOCKET && known) {
		put_tagged_number(b, "socket:", n->a.inode.ino);
	} else if (node_kind_is_inode(ref->kind) && known) {
		put_tagged_number(b, "inode:", n->a.inode.ino);
	} else { /* never described: only its id is known */
		jbuf_puts(b, "\"node:");
		jbuf_hex(b, ref->id);
		jbuf_putc(b, '"');
	}
}

/* ,"uts_ns":N,... of the acting task's context block. */
static void put_namespaces(struct jbuf *b, const struct sabpf_ctx *c)
{
	const struct {
		const char *key;
		__u32 inum;
	} ns[] = {{",\"uts_ns\":", c->utsns}, {",\"ipc_ns\":", c->ipcns},
		  {",\"mnt_ns\":", c->mntns}, {",\"pid_ns\":", c->pidns},
		  {",\"net_ns\":", c->netns}, {",\"cgroup_ns\":", c->cgroupns}};
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		jbuf_puts(b, ns[i].key);
		jbuf_u64(b, ns[i].inum);
	}
}

static void jsonl_edge(struct output *o, const struct event *ev)
{
	const struct sabpf_edge *e = &ev->rec->edge;
	bool from_task = e->from.kind == SABPF_NODE_TASK;
	bool to_task = e->to.kind == SABPF_NODE_TASK;
	struct jbuf *b = &o->buf;

	if (relation_is_version(e->relation) || (!from_task && !to_task))
		return;
	const struct gnode *actor = from_task ? ev->from : ev->to;
	bool object_is_from = !from_task;
	const struct gnode *object = object_is_from ? ev->from : ev->to;
	const struct sabpf_ref *object_ref = object_is_from ? &e->from : &e->to;

	bool actor_known = actor && actor->has_attrs && actor->kind == SABPF_NODE_TASK;
	put_time_and_container(o, &e->hdr, actor_known ? actor->a.task.cgroup_id : 0);
	jbuf_puts(b, ",\"pid\":");
	jbuf_u64(b, e->pid);
	jbuf_puts(b, ",\"tid\":");
	jbuf_u64(b, e->tid);
	jbuf_puts(b, ",\"comm\":");
	if (actor && actor->has_attrs && actor->kind == SABPF_NODE_TASK)
		json_str(b, actor->a.task.comm, strnlen(actor->a.task.comm, SABPF_COMM_LEN));
	else
		jbuf_puts(b, "\"\"");
	jbuf_puts(b, ",\"uid\":");
	jbuf_u64(b, e->uid);
	if (actor && actor->has_attrs && actor->kind == SABPF_NODE_TASK)
		put_namespaces(b, &actor->ctx);
	jbuf_puts(b, ",\"action\":\"");
	jbuf_puts(b, relation_name(e->relation));
	jbuf_puts(b, "\",\"object_kind\":\"");
	jbuf_puts(b, node_kind_name(object_ref->kind));
	jbuf_puts(b, "\",\"object\":");
	put_object(b, object, object_ref);
	if (object && object->text_len && (object->name_flags & SABPF_NAME_TRUNCATED))
		jbuf_puts(b, ",\"object_truncated\":true");
	jbuf_puts(b, ",\"result\":\"ok\"}\n");
}

static void jsonl_lost(struct output *o, const struct sabpf_lost *l)
{
	struct jbuf *b = &o->buf;

	put_time_and_container(o, &l->hdr, 0);
	jbuf_puts(b, ",\"action\":\"records_lost\",\"cause\":\"");
	jbuf_puts(b, record_lost_cause_name(l->cause));
	jbuf_puts(b, "\",\"count\":");
	jbuf_u64(b, l->count);
	jbuf_puts(b, ",\"cpu\":");
	jbuf_u64(b, l->hdr.cpu);
	jbuf_puts(b, ",\"first_seq\":");
	jbuf_u64(b, l->first_seq);
	jbuf_puts(b, ",\"last_seq\":");
	jbuf_u64(b, l->last_seq);
	jbuf_puts(b, "}\n");
}

static void jsonl_denial(struct output *o, const struct record_denial *d)
{
	put_time_and_container(o, &d->d.hdr, d->d.cgroup_id);
	denial_json_fields(&o->buf, &d->d, d->path, d->path_len);
	jbuf_puts(&o->buf, "}\n");
}

static void jsonl_record(struct output *o, const struct event *ev)
{
	if (ev->rec->hdr.type == SABPF_REC_EDGE)
		jsonl_edge(o, ev);
	else if (ev->rec->hdr.type == SABPF_REC_LOST)
		jsonl_lost(o, &ev->rec->lost);
	else if (ev->rec->hdr.type == SABPF_REC_DENIAL)
		jsonl_denial(o, &ev->rec->denial);
}

static void jsonl_end_batch(struct output *o)
{
	(void)o;
}

static void jsonl_close(struct output *o)
{
	(void)o;
}

const struct format_ops format_jsonl = {
    .name = "jsonl",
    .describes_nodes = false,
    .open = jsonl_open,
    .record = jsonl_record,
    .end_batch = jsonl_end_batch,
    .close = jsonl_close,
};
