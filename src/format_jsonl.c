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

/* Opens the line's object: "time", "container", "container_id", and
 * "identity" for a container of a runtime. cgroup: the acting task's own
 * cgroup, 0 when not known. */
static void put_time_and_container(struct output *o, struct jw *w, const struct sabpf_hdr *h,
				   __u64 cgroup)
{
	const char *name = pipeline_container_name(o->p, h->container);

	jw_init(w, &o->buf);
	jw_object_begin(w);
	jw_key(w, "time");
	jw_time(w, pipeline_wall_ns(o->p, h->time_ns));
	jw_key(w, "container");
	if (name)
		jw_cstr(w, name);
	else
		jw_tagged_u64(w, "", h->container);
	jw_key_u64(w, "container_id", h->container);
	const char *backend = pipeline_backend(o->p);
	if (backend)
		jw_key_cstr(w, "backend", backend);
	const struct sabpf_identity *who = pipeline_identity(o->p, h->container, cgroup);
	if (who) /* "identity":{"runtime":"docker","id":"...","name":"web",...} */
		jw_key_identity(w, who);
}

/* Closes the line's object and ends the line. */
static void end_line(struct jw *w)
{
	jw_object_end(w);
	jw_newline(w);
}

static void put_object(struct jw *w, const struct gnode *n, const struct sabpf_ref *ref)
{
	bool known = n && n->has_attrs;

	if (n && n->text_len && ref->kind != SABPF_NODE_TASK && ref->kind != SABPF_NODE_PROC_MEM) {
		jw_str(w, n->text, n->text_len);
	} else if (ref->kind == SABPF_NODE_TASK && known) {
		jw_tagged_u64(w, "task:", n->a.task.pid);
	} else if (ref->kind == SABPF_NODE_PROC_MEM && known) {
		jw_tagged_u64(w, "task:", n->a.mem.pid);
	} else if (ref->kind == SABPF_NODE_SOCKET && known) {
		jw_tagged_u64(w, "socket:", n->a.inode.ino);
	} else if (node_kind_is_inode(ref->kind) && known) {
		jw_tagged_u64(w, "inode:", n->a.inode.ino);
	} else { /* never described: only its id is known */
		jw_tagged_hex(w, "node:", ref->id);
	}
}

/* "uts_ns":N,... of the acting task's context block. */
static void put_namespaces(struct jw *w, const struct sabpf_ctx *c)
{
	jw_key_u64(w, "uts_ns", c->utsns);
	jw_key_u64(w, "ipc_ns", c->ipcns);
	jw_key_u64(w, "mnt_ns", c->mntns);
	jw_key_u64(w, "pid_ns", c->pidns);
	jw_key_u64(w, "net_ns", c->netns);
	jw_key_u64(w, "cgroup_ns", c->cgroupns);
}

static void jsonl_edge(struct output *o, const struct event *ev)
{
	const struct sabpf_edge *e = &ev->rec->edge;
	bool from_task = e->from.kind == SABPF_NODE_TASK;
	bool to_task = e->to.kind == SABPF_NODE_TASK;
	struct jw w;

	if (relation_is_version(e->relation) || (!from_task && !to_task))
		return;
	const struct gnode *actor = from_task ? ev->from : ev->to;
	bool object_is_from = !from_task;
	const struct gnode *object = object_is_from ? ev->from : ev->to;
	const struct sabpf_ref *object_ref = object_is_from ? &e->from : &e->to;
	bool actor_known = actor && actor->has_attrs && actor->kind == SABPF_NODE_TASK;

	put_time_and_container(o, &w, &e->hdr, actor_known ? actor->a.task.cgroup_id : 0);
	jw_key_u64(&w, "pid", e->pid);
	jw_key_u64(&w, "tid", e->tid);
	if (actor_known)
		jw_key_str(&w, "comm", actor->a.task.comm,
			   strnlen(actor->a.task.comm, SABPF_COMM_LEN));
	else
		jw_key_str(&w, "comm", "", 0);
	jw_key_u64(&w, "uid", e->uid);
	if (actor_known)
		put_namespaces(&w, &actor->ctx);
	jw_key_cstr(&w, "action", relation_name(e->relation));
	jw_key_cstr(&w, "object_kind", node_kind_name(object_ref->kind));
	jw_key(&w, "object");
	put_object(&w, object, object_ref);
	if (object && object->text_len && (object->name_flags & SABPF_NAME_TRUNCATED))
		jw_key_bool(&w, "object_truncated", true);
	jw_key_cstr(&w, "result", "ok");
	end_line(&w);
}

static void jsonl_lost(struct output *o, const struct sabpf_lost *l)
{
	struct jw w;

	put_time_and_container(o, &w, &l->hdr, 0);
	jw_key_cstr(&w, "action", "records_lost");
	jw_key_cstr(&w, "cause", record_lost_cause_name(l->cause));
	jw_key_u64(&w, "count", l->count);
	jw_key_u64(&w, "cpu", l->hdr.cpu);
	jw_key_u64(&w, "first_seq", l->first_seq);
	jw_key_u64(&w, "last_seq", l->last_seq);
	end_line(&w);
}

static void jsonl_denial(struct output *o, const struct record_denial *d)
{
	struct jw w;

	put_time_and_container(o, &w, &d->d.hdr, d->d.cgroup_id);
	denial_json_fields(&w, &d->d, d->path, d->path_len);
	end_line(&w);
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
