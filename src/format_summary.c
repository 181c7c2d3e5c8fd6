/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* format_summary.c: the `summary` and `summary-json` views: what each
 * container did, in a few lines (docs/views.md):
 *
 * - processes: pid, vpid, ppid, first uid, commands, each exec (binary and
 *   argv) and each change of uid or euid (setuid, or an exec that changed
 *   them);
 * - files read, written, created, deleted, renamed (old -> new) and
 *   executed, by path, each once, in the order first seen;
 * - network peers (addresses connected or sent to), addresses bound, and
 *   sockets listened on;
 * - IPC objects used (System V queues, segments, semaphore sets, POSIX
 *   queues), each once, shown only when there are some;
 * - counts of records (nodes, edges) and of lost records.
 *
 * Names come from the pipeline's node table (graph.c) when the record that
 * uses them passes: an inode's last path, a socket's address. The text is
 * written when the output is closed: `summary` as indented text (control
 * characters and bytes that are not UTF-8 as \xNN, a backslash as \\),
 * `summary-json` as one JSON object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "graph_cmd.h"
#include "names.h"

/* Strings, each once, in the order first added. */
struct strset {
	char **items;
	size_t n, cap;
	struct view_map index; /* (hash, length) -> items index */
};

struct sexec {
	char *binary; /* NULL: not recorded */
	char *argv;   /* NULL: not recorded */
	char comm[SABPF_COMM_LEN + 1];
};

struct suid_change {
	__u32 uid_from, euid_from, uid_to, euid_to;
	const char *by; /* "setuid" or "exec" */
};

struct sproc {
	__u32 pid, vpid, ppid;
	__u64 cgroup; /* its own cgroup (last described) */
	bool ids_known;
	__u32 first_uid, first_euid; /* when first seen */
	__u32 uid, euid;	     /* now */
	struct strset comms;
	struct strset tids;
	struct sexec *execs;
	size_t nexecs, cap_execs;
	struct suid_change *uids;
	size_t nuids, cap_uids;
};

struct srename {
	char *from, *to; /* to: NULL until the new name is recorded */
};

enum file_list { F_READ, F_WRITTEN, F_CREATED, F_DELETED, F_EXECUTED, F_COUNT };
enum net_list { N_PEERS, N_BOUND, N_LISTENING, N_COUNT };

static const char *const file_list_names[F_COUNT] = {"read", "written", "created", "deleted",
						     "executed"};
static const char *const net_list_names[N_COUNT] = {"peers", "bound", "listening"};
static const char *const net_list_titles[N_COUNT] = {"network peers", "addresses bound",
						     "listening on"};

struct sctr {
	__u64 id;
	__u64 records, nodes, edges, lost, loss_reports;
	struct sproc *procs;
	size_t nprocs, cap_procs;
	struct view_map proc_by_pid; /* (pid, 0) -> procs index */
	struct strset files[F_COUNT];
	struct strset net[N_COUNT];
	struct strset ipc; /* "msg_queue id 32768 key 0x00001234", "mqueue /q" */
	struct srename *renames;
	size_t nrenames, cap_renames;
	/* (node id, 0) -> relation << 32 | index: what the next `named` or
	 * `addressed` edge to this inode or socket completes */
	struct view_map pending;
};

struct summary_state {
	bool json;
	struct sctr *ctrs;
	size_t nctrs, cap_ctrs;
	bool oom;
};

/* ---- string sets -------------------------------------------------------- */

static __u64 fnv1a(const char *s, size_t len)
{
	__u64 h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

/* Adds s unless present. Returns 0, or -1 on allocation failure. */
static int strset_add(struct strset *set, const char *s)
{
	size_t len = strlen(s);
	bool added;
	size_t *slot = view_map_put(&set->index, fnv1a(s, len), len, set->n, &added);
	if (!slot)
		return -1;
	if (!added && strcmp(set->items[*slot], s) == 0)
		return 0;
	/* new, or a 64-bit hash collision (then kept twice: harmless) */
	char *copy = strdup(s);
	if (!copy || view_reserve(&set->items, &set->cap, set->n + 1, sizeof(char *)) < 0) {
		free(copy);
		return -1;
	}
	set->items[set->n++] = copy;
	return 0;
}

static void strset_free(struct strset *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->items[i]);
	free(set->items);
	view_map_free(&set->index);
}

/* ---- collecting --------------------------------------------------------- */

static int summary_open_as(struct output *o, bool json)
{
	struct summary_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	s->json = json;
	o->state = s;
	return 0;
}

static int summary_open_text(struct output *o)
{
	return summary_open_as(o, false);
}

static int summary_open_json(struct output *o)
{
	return summary_open_as(o, true);
}

static struct sctr *ctr_get(struct summary_state *s, __u64 id)
{
	for (size_t i = 0; i < s->nctrs; i++)
		if (s->ctrs[i].id == id)
			return &s->ctrs[i];
	if (view_reserve(&s->ctrs, &s->cap_ctrs, s->nctrs + 1, sizeof(*s->ctrs)) < 0)
		return NULL;
	s->ctrs[s->nctrs] = (struct sctr){.id = id};
	return &s->ctrs[s->nctrs++];
}

static struct sproc *proc_get(struct summary_state *s, struct sctr *c, __u32 pid)
{
	bool added;
	size_t *slot = view_map_put(&c->proc_by_pid, pid, 0, c->nprocs, &added);
	if (!slot) {
		s->oom = true;
		return NULL;
	}
	if (added) {
		if (view_reserve(&c->procs, &c->cap_procs, c->nprocs + 1, sizeof(*c->procs)) < 0) {
			s->oom = true;
			return NULL;
		}
		c->procs[c->nprocs++] = (struct sproc){.pid = pid};
	}
	return &c->procs[*slot];
}

static void add_uid_change(struct summary_state *s, struct sproc *p, __u32 uid, __u32 euid,
			   const char *by)
{
	if (!p->ids_known) {
		p->ids_known = true;
		p->first_uid = p->uid = uid;
		p->first_euid = p->euid = euid;
		return;
	}
	if (uid == p->uid && euid == p->euid)
		return;
	if (view_reserve(&p->uids, &p->cap_uids, p->nuids + 1, sizeof(*p->uids)) < 0) {
		s->oom = true;
		return;
	}
	p->uids[p->nuids++] = (struct suid_change){p->uid, p->euid, uid, euid, by};
	p->uid = uid;
	p->euid = euid;
}

static void note(struct summary_state *s, int rc)
{
	if (rc < 0)
		s->oom = true;
}

/* A task's NODE record: the process's ids, commands and threads. */
static void task_described(struct summary_state *s, struct sctr *c,
			   const struct sabpf_task_attrs *t)
{
	struct sproc *p = proc_get(s, c, t->pid);
	if (!p)
		return;
	p->vpid = t->vpid;
	p->cgroup = t->cgroup_id;
	if (!p->ppid)
		p->ppid = t->ppid;
	char comm[SABPF_COMM_LEN + 1] = {0};
	memcpy(comm, t->comm, SABPF_COMM_LEN);
	if (comm[0])
		note(s, strset_add(&p->comms, comm));
	char tid[16];
	snprintf(tid, sizeof(tid), "%u", t->tid);
	note(s, strset_add(&p->tids, tid));
	add_uid_change(s, p, t->uid, t->euid, "exec");
}

/* How an object is named in the summary: its path or address, else its
 * kind and inode number. */
static const char *object_name(const struct gnode *n, char *buf, size_t len)
{
	if (!n)
		return "(unknown: out of memory)";
	if (n->text_len)
		return n->text;
	if (node_kind_is_inode(n->kind) && n->has_attrs)
		snprintf(buf, len, "%s ino %llu", node_kind_name(n->kind),
			 (unsigned long long)n->a.inode.ino);
	else
		snprintf(buf, len, "%s node %llx", node_kind_name(n->kind),
			 (unsigned long long)n->id);
	return buf;
}

static void add_file(struct summary_state *s, struct sctr *c, enum file_list l,
		     const struct gnode *n)
{
	char buf[64];
	if (n && n->kind == SABPF_NODE_SOCKET)
		return; /* sockets are in the network part */
	note(s, strset_add(&c->files[l], object_name(n, buf, sizeof(buf))));
}

static void exec_seen(struct summary_state *s, struct sctr *c, const struct sabpf_edge *e,
		      const struct event *ev)
{
	struct sproc *p = proc_get(s, c, e->pid);
	char buf[64];
	if (!p || view_reserve(&p->execs, &p->cap_execs, p->nexecs + 1, sizeof(*p->execs)) < 0) {
		s->oom = true;
		return;
	}
	struct sexec *x = &p->execs[p->nexecs++];
	*x = (struct sexec){.binary = strdup(object_name(ev->from, buf, sizeof(buf)))};
	if (ev->to && ev->to->has_attrs)
		memcpy(x->comm, ev->to->a.task.comm, SABPF_COMM_LEN);
	if (!x->binary)
		s->oom = true;
}

/* The argv of an exec: it follows the exec edge of the same process. */
static void argv_seen(struct summary_state *s, struct sctr *c, const struct sabpf_edge *e,
		      const struct event *ev)
{
	struct sproc *p = proc_get(s, c, e->pid);
	if (!p || !ev->from)
		return;
	if (p->nexecs == 0 || p->execs[p->nexecs - 1].argv) {
		if (view_reserve(&p->execs, &p->cap_execs, p->nexecs + 1, sizeof(*p->execs)) < 0) {
			s->oom = true;
			return;
		}
		p->execs[p->nexecs++] = (struct sexec){0};
	}
	p->execs[p->nexecs - 1].argv = strdup(ev->from->text ? ev->from->text : "");
	if (!p->execs[p->nexecs - 1].argv)
		s->oom = true;
}

static void pending_set(struct summary_state *s, struct sctr *c, __u64 id, __u32 relation,
			size_t index)
{
	size_t *slot = view_map_put(&c->pending, id, 0, 0, NULL);
	if (!slot) {
		s->oom = true;
		return;
	}
	*slot = (size_t)relation << 32 | index;
}

/* Takes what a `named` or `addressed` edge to node id completes (0: none). */
static size_t pending_take(struct sctr *c, __u64 id)
{
	size_t *slot = view_map_find(&c->pending, id, 0);
	size_t v = slot ? *slot : 0;
	if (slot)
		*slot = 0;
	return v;
}

static void rename_seen(struct summary_state *s, struct sctr *c, const struct sabpf_edge *e,
			const struct event *ev)
{
	char buf[64];
	if (view_reserve(&c->renames, &c->cap_renames, c->nrenames + 1, sizeof(*c->renames)) < 0) {
		s->oom = true;
		return;
	}
	struct srename *r = &c->renames[c->nrenames];
	*r = (struct srename){.from = strdup(object_name(ev->to, buf, sizeof(buf)))};
	if (!r->from) {
		s->oom = true;
		return;
	}
	pending_set(s, c, e->to.id, SABPF_REL_RENAME, c->nrenames++);
}

/* A new name of an inode (path -> inode): the new name of a rename or
 * link that came just before. */
static void named_seen(struct summary_state *s, struct sctr *c, const struct sabpf_edge *e,
		       const struct event *ev)
{
	size_t what = pending_take(c, e->to.id);
	if (!what || !ev->from || !ev->from->text_len)
		return;
	if (what >> 32 == SABPF_REL_RENAME) {
		struct srename *r = &c->renames[what & 0xffffffffu];
		free(r->to);
		r->to = strdup(ev->from->text);
		if (!r->to)
			s->oom = true;
	} else if (what >> 32 == SABPF_REL_LINK) {
		note(s, strset_add(&c->files[F_CREATED], ev->from->text));
	}
}

/* An address given to a socket: bound, or the peer of a connect or send. */
static void addressed_seen(struct summary_state *s, struct sctr *c, const struct sabpf_edge *e,
			   const struct event *ev)
{
	size_t what = pending_take(c, e->to.id);
	if (!ev->from || !ev->from->text_len)
		return;
	enum net_list l = what >> 32 == SABPF_REL_BIND ? N_BOUND : N_PEERS;
	note(s, strset_add(&c->net[l], ev->from->text));
}

static void setuid_seen(struct summary_state *s, struct sctr *c, const struct sabpf_edge *e)
{
	struct sproc *p = proc_get(s, c, e->pid);
	if (p)
		add_uid_change(s, p, (__u32)(e->arg >> 32), (__u32)e->arg, "setuid");
}

/* An IPC relation: its end that is an object (not the task, not a message). */
static void ipc_seen(struct summary_state *s, struct sctr *c, const struct event *ev)
{
	const struct gnode *ends[2] = {ev->from, ev->to};
	for (int i = 0; i < 2; i++) {
		const struct gnode *n = ends[i];
		if (!n || n->kind == SABPF_NODE_TASK || n->kind == SABPF_NODE_MSG)
			continue;
		char buf[64], name[SABPF_PATH_MAX + 32];
		if (n->text_len) /* its path or id and key, after its kind */
			snprintf(name, sizeof(name), "%s %s", node_kind_name(n->kind), n->text);
		else
			snprintf(name, sizeof(name), "%s", object_name(n, buf, sizeof(buf)));
		note(s, strset_add(&c->ipc, name));
	}
}

static void edge_seen(struct summary_state *s, struct sctr *c, const struct sabpf_edge *e,
		      const struct event *ev)
{
	char buf[64];
	if (e->pid)
		proc_get(s, c, e->pid); /* every acting process is listed */
	switch (e->relation) {
	case SABPF_REL_EXEC:
		exec_seen(s, c, e, ev);
		add_file(s, c, F_EXECUTED, ev->from);
		break;
	case SABPF_REL_ARG:
		argv_seen(s, c, e, ev);
		break;
	case SABPF_REL_SETUID:
		setuid_seen(s, c, e);
		break;
	case SABPF_REL_READ:
	case SABPF_REL_MMAP_READ:
		add_file(s, c, F_READ, ev->from);
		break;
	case SABPF_REL_MMAP_EXEC:
		add_file(s, c, F_EXECUTED, ev->from);
		break;
	case SABPF_REL_WRITE:
	case SABPF_REL_MMAP_WRITE:
		add_file(s, c, F_WRITTEN, ev->to);
		break;
	case SABPF_REL_CREATE:
	case SABPF_REL_SYMLINK:
		add_file(s, c, F_CREATED, ev->to);
		break;
	case SABPF_REL_UNLINK:
		add_file(s, c, F_DELETED, ev->to);
		break;
	case SABPF_REL_RENAME:
		rename_seen(s, c, e, ev);
		break;
	case SABPF_REL_LINK:
		pending_set(s, c, e->to.id, SABPF_REL_LINK, 0);
		break;
	case SABPF_REL_NAMED:
		named_seen(s, c, e, ev);
		break;
	case SABPF_REL_BIND:
	case SABPF_REL_CONNECT:
	case SABPF_REL_SEND:
		pending_set(s, c, e->to.id, e->relation, 0);
		break;
	case SABPF_REL_ADDRESSED:
		addressed_seen(s, c, e, ev);
		break;
	case SABPF_REL_LISTEN:
		note(s, strset_add(&c->net[N_LISTENING], object_name(ev->to, buf, sizeof(buf))));
		break;
	case SABPF_REL_IPC_CREATE ... SABPF_REL_MQ_RECEIVE:
		ipc_seen(s, c, ev);
		break;
	default:
		break;
	}
}

static void summary_record(struct output *o, const struct event *ev)
{
	struct summary_state *s = o->state;
	const struct record *r = ev->rec;
	if (!view_selects(o->p, r->hdr.container))
		return;
	struct sctr *c = ctr_get(s, r->hdr.container);
	if (!c) {
		s->oom = true;
		return;
	}
	c->records++;
	switch (r->hdr.type) {
	case SABPF_REC_NODE:
		c->nodes++;
		if (r->node.node.kind == SABPF_NODE_TASK)
			task_described(s, c, &r->node.task);
		break;
	case SABPF_REC_NAME:
		c->nodes++;
		break;
	case SABPF_REC_EDGE:
		c->edges++;
		edge_seen(s, c, &r->edge, ev);
		break;
	case SABPF_REC_LOST:
		c->lost += r->lost.count;
		c->loss_reports++;
		break;
	}
}

static void summary_end_batch(struct output *o)
{
	(void)o; /* one summary per file: written at close */
}

/* ---- writing text ------------------------------------------------------- */

/* s for a line of text: control characters and bytes that are not UTF-8
 * as \xNN, a backslash as \\. */
static void put_text(struct jbuf *b, const char *text)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)text;
	size_t len = strlen(text);
	for (size_t i = 0; i < len;) {
		size_t n = view_utf8_char_len(s, len, i);
		if (n == 1 && s[i] >= 0x20 && s[i] != 0x7f) {
			if (s[i] == '\\')
				jbuf_putc(b, '\\');
			jbuf_putc(b, (char)s[i]);
		} else if (n > 1) {
			jbuf_put(b, s + i, n);
		} else {
			char esc[5] = {'\\', 'x', hex[s[i] >> 4], hex[s[i] & 15], '\0'};
			jbuf_puts(b, esc);
			n = 1;
		}
		i += n;
	}
}

static void put_num(struct jbuf *b, const char *before, __u64 v, const char *after)
{
	jbuf_puts(b, before);
	jbuf_u64(b, v);
	jbuf_puts(b, after);
}

/* "  files read (2):" and one indented line per item, or "...: none". */
static void text_list(struct jbuf *b, const char *title, const struct strset *set)
{
	jbuf_puts(b, "  ");
	jbuf_puts(b, title);
	if (set->n == 0) {
		jbuf_puts(b, ": none\n");
		return;
	}
	put_num(b, " (", set->n, "):\n");
	for (size_t i = 0; i < set->n; i++) {
		jbuf_puts(b, "    ");
		put_text(b, set->items[i]);
		jbuf_putc(b, '\n');
	}
}

/* in: the name of the runtime's container a process is in when it is
 * not the container's own (a container under a registered /docker). */
static void text_process(struct output *o, const struct sctr *c, const struct sproc *p)
{
	struct jbuf *b = &o->buf;
	const char *in =
	    p->cgroup && p->cgroup != c->id ? pipeline_identity_name(o->p, p->cgroup) : NULL;
	put_num(b, "    pid ", p->pid, "");
	if (p->vpid)
		put_num(b, " (vpid ", p->vpid, ")");
	if (p->ppid)
		put_num(b, " ppid ", p->ppid, "");
	if (p->ids_known) {
		put_num(b, " uid ", p->first_uid, "");
		if (p->first_euid != p->first_uid)
			put_num(b, " euid ", p->first_euid, "");
	}
	if (p->tids.n > 1)
		put_num(b, " threads ", p->tids.n, "");
	if (in) {
		jbuf_puts(b, " in ");
		put_text(b, in);
	}
	jbuf_puts(b, ":");
	for (size_t i = 0; i < p->comms.n; i++) {
		jbuf_puts(b, i ? ", " : " ");
		put_text(b, p->comms.items[i]);
	}
	jbuf_putc(b, '\n');
	for (size_t i = 0; i < p->nexecs; i++) {
		const struct sexec *x = &p->execs[i];
		jbuf_puts(b, "      exec ");
		put_text(b, x->binary ? x->binary : "?");
		jbuf_puts(b, ": ");
		put_text(b, x->argv ? x->argv : "(argv not recorded)");
		jbuf_putc(b, '\n');
	}
	for (size_t i = 0; i < p->nuids; i++) {
		const struct suid_change *u = &p->uids[i];
		put_num(b, "      uid ", u->uid_from, "");
		put_num(b, " -> ", u->uid_to, "");
		put_num(b, ", euid ", u->euid_from, "");
		put_num(b, " -> ", u->euid_to, " (");
		jbuf_puts(b, u->by);
		jbuf_puts(b, ")\n");
	}
}

static void text_container(struct output *o, const struct sctr *c)
{
	struct jbuf *b = &o->buf;
	const char *name = pipeline_container_name(o->p, c->id);
	put_num(b, "container ", c->id, "");
	if (name) {
		jbuf_puts(b, " (");
		put_text(b, name);
		jbuf_putc(b, ')');
	}
	put_num(b, ": ", c->records, " records");
	put_num(b, " (", c->nodes, " nodes");
	put_num(b, ", ", c->edges, " edges)");
	put_num(b, ", ", c->lost, " lost");
	if (c->loss_reports)
		put_num(b, " (in ", c->loss_reports, " loss reports)");
	put_num(b, "\n  processes (", c->nprocs, "):\n");
	for (size_t i = 0; i < c->nprocs; i++)
		text_process(o, c, &c->procs[i]);
	for (int l = 0; l < F_COUNT; l++) {
		char title[32];
		snprintf(title, sizeof(title), "files %s", file_list_names[l]);
		text_list(b, title, &c->files[l]);
		if (l == F_DELETED) { /* renamed after deleted */
			jbuf_puts(b, "  files renamed");
			if (c->nrenames == 0)
				jbuf_puts(b, ": none\n");
			else
				put_num(b, " (", c->nrenames, "):\n");
			for (size_t i = 0; i < c->nrenames; i++) {
				jbuf_puts(b, "    ");
				put_text(b, c->renames[i].from);
				jbuf_puts(b, " -> ");
				put_text(b, c->renames[i].to ? c->renames[i].to : "?");
				jbuf_putc(b, '\n');
			}
		}
	}
	for (int l = 0; l < N_COUNT; l++)
		text_list(b, net_list_titles[l], &c->net[l]);
	if (c->ipc.n)
		text_list(b, "ipc objects", &c->ipc);
	output_maybe_write(o);
}

static void write_text(struct output *o, const struct summary_state *s,
		       const struct sabpf_stats *st)
{
	struct jbuf *b = &o->buf;
	const char *filter = view_options_get()->container;
	put_num(b, "sabpf summary: ", s->nctrs, s->nctrs == 1 ? " container" : " containers");
	if (filter) {
		jbuf_puts(b, " (--container ");
		put_text(b, filter);
		jbuf_putc(b, ')');
	}
	put_num(b, "; capture: ", st->records, " records");
	put_num(b, ", ", st->lost, " lost");
	put_num(b, ", ", st->seq_missing, " sequence numbers missing");
	put_num(b, ", ", st->malformed, " malformed\n");
	for (size_t i = 0; i < s->nctrs; i++)
		text_container(o, &s->ctrs[i]);
}

/* ---- writing JSON ------------------------------------------------------- */

/* "key":["a","b",...]; key is program text (a literal or a list name). */
static void json_set(struct jw *w, const char *key, const struct strset *set)
{
	jw_key_lit(w, key, strlen(key));
	jw_array_begin(w);
	for (size_t i = 0; i < set->n; i++)
		jw_cstr(w, set->items[i]);
	jw_array_end(w);
}

/* "key":N, or null when not known. */
static void json_u64_or_null(struct jw *w, const char *key, bool known, __u64 v)
{
	jw_key_lit(w, key, strlen(key));
	if (known)
		jw_u64(w, v);
	else
		jw_null(w);
}

static void json_process(struct jw *w, const struct sproc *p)
{
	jw_object_begin(w);
	jw_key_u64(w, "pid", p->pid);
	jw_key_u64(w, "vpid", p->vpid);
	jw_key_u64(w, "ppid", p->ppid);
	json_u64_or_null(w, "uid", p->ids_known, p->first_uid);
	json_u64_or_null(w, "euid", p->ids_known, p->first_euid);
	jw_key_u64(w, "threads", p->tids.n);
	json_set(w, "comms", &p->comms);
	jw_key(w, "execs");
	jw_array_begin(w);
	for (size_t i = 0; i < p->nexecs; i++) {
		jw_object_begin(w);
		jw_key_cstr(w, "comm", p->execs[i].comm);
		jw_key_cstr_or_null(w, "binary", p->execs[i].binary);
		jw_key_cstr_or_null(w, "argv", p->execs[i].argv);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_key(w, "uid_changes");
	jw_array_begin(w);
	for (size_t i = 0; i < p->nuids; i++) {
		const struct suid_change *u = &p->uids[i];
		jw_object_begin(w);
		jw_key_u64(w, "uid_from", u->uid_from);
		jw_key_u64(w, "uid_to", u->uid_to);
		jw_key_u64(w, "euid_from", u->euid_from);
		jw_key_u64(w, "euid_to", u->euid_to);
		jw_key_cstr(w, "by", u->by);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
}

static void json_files(struct jw *w, const struct sctr *c)
{
	jw_key(w, "files");
	jw_object_begin(w);
	for (int l = 0; l < F_COUNT; l++)
		json_set(w, file_list_names[l], &c->files[l]);
	jw_key(w, "renamed");
	jw_array_begin(w);
	for (size_t i = 0; i < c->nrenames; i++) {
		jw_object_begin(w);
		jw_key_cstr(w, "from", c->renames[i].from);
		jw_key_cstr_or_null(w, "to", c->renames[i].to);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
}

static void json_container(struct output *o, struct jw *w, const struct sctr *c)
{
	const char *name = pipeline_container_name(o->p, c->id);
	jw_object_begin(w);
	jw_key_u64(w, "container_id", c->id);
	jw_key(w, "container");
	if (name)
		jw_cstr(w, name);
	else
		jw_tagged_u64(w, "", c->id);
	jw_key_u64(w, "records", c->records);
	jw_key_u64(w, "nodes", c->nodes);
	jw_key_u64(w, "edges", c->edges);
	jw_key_u64(w, "lost", c->lost);
	jw_key_u64(w, "loss_reports", c->loss_reports);
	jw_key(w, "processes");
	jw_array_begin(w);
	for (size_t i = 0; i < c->nprocs; i++)
		json_process(w, &c->procs[i]);
	jw_array_end(w);
	json_files(w, c);
	jw_key(w, "network");
	jw_object_begin(w);
	for (int l = 0; l < N_COUNT; l++)
		json_set(w, net_list_names[l], &c->net[l]);
	jw_object_end(w);
	if (c->ipc.n)
		json_set(w, "ipc", &c->ipc);
	jw_object_end(w);
	output_maybe_write(o);
}

static void write_json(struct output *o, const struct summary_state *s,
		       const struct sabpf_stats *st)
{
	struct jw w;
	jw_init(&w, &o->buf);
	jw_object_begin(&w);
	jw_key_cstr_or_null(&w, "container_filter", view_options_get()->container);
	jw_key(&w, "capture");
	jw_object_begin(&w);
	jw_key_u64(&w, "records", st->records);
	jw_key_u64(&w, "lost", st->lost);
	jw_key_u64(&w, "seq_missing", st->seq_missing);
	jw_key_u64(&w, "malformed", st->malformed);
	jw_object_end(&w);
	jw_key(&w, "containers");
	jw_array_begin(&w);
	for (size_t i = 0; i < s->nctrs; i++)
		json_container(o, &w, &s->ctrs[i]);
	jw_array_end(&w);
	jw_object_end(&w);
	jw_newline(&w);
}

/* ---- closing ------------------------------------------------------------ */

static void proc_free(struct sproc *p)
{
	strset_free(&p->comms);
	strset_free(&p->tids);
	for (size_t i = 0; i < p->nexecs; i++) {
		free(p->execs[i].binary);
		free(p->execs[i].argv);
	}
	free(p->execs);
	free(p->uids);
}

static void ctr_free(struct sctr *c)
{
	for (size_t i = 0; i < c->nprocs; i++)
		proc_free(&c->procs[i]);
	free(c->procs);
	view_map_free(&c->proc_by_pid);
	for (int l = 0; l < F_COUNT; l++)
		strset_free(&c->files[l]);
	for (int l = 0; l < N_COUNT; l++)
		strset_free(&c->net[l]);
	strset_free(&c->ipc);
	for (size_t i = 0; i < c->nrenames; i++) {
		free(c->renames[i].from);
		free(c->renames[i].to);
	}
	free(c->renames);
	view_map_free(&c->pending);
}

static void summary_close(struct output *o)
{
	struct summary_state *s = o->state;
	struct sabpf_stats st;
	pipeline_get_stats(o->p, &st);
	if (s->json)
		write_json(o, s, &st);
	else
		write_text(o, s, &st);
	if (s->oom)
		o->buf.oom = true; /* reported as a write failure */
	for (size_t i = 0; i < s->nctrs; i++)
		ctr_free(&s->ctrs[i]);
	free(s->ctrs);
	free(s);
	o->state = NULL;
}

const struct format_ops format_summary = {
    .name = "summary",
    .describes_nodes = false,
    .open = summary_open_text,
    .record = summary_record,
    .end_batch = summary_end_batch,
    .close = summary_close,
};

const struct format_ops format_summary_json = {
    .name = "summary-json",
    .describes_nodes = false,
    .open = summary_open_json,
    .record = summary_record,
    .end_batch = summary_end_batch,
    .close = summary_close,
};
