/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* lineage.c: `sabpf lineage` (see lineage.h): the capture as a graph of
 * node versions with timed edges (in and out lists), the time-respecting
 * walk, packets joined across containers, and the list, JSON and DOT
 * writers. */
#include "lineage.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "format.h"
#include "graph_cmd.h" /* view_map, view_reserve */
#include "json_write.h"
#include "names.h"
#include "output.h"

#define EXIT_USAGE 2
#define SAME_PACKET 0 /* the relation of the edges that join packets */
#define NONE 0	      /* end of an in or out list (indexes are + 1) */

struct lvert {
	struct sabpf_ref ref;
	__u64 container;
	char *text; /* path, address, argv, packet flow; an inode's path */
	char comm[SABPF_COMM_LEN + 1];
	__u32 pid;
	__u32 in_head, out_head; /* edge index + 1 */
	/* the walk */
	__u64 bound; /* backward: latest time, forward: earliest, it was reached at */
	__u32 depth;
	bool in_set, start;
};

struct ledge {
	__u32 from, to;
	__u32 relation;
	__u64 time;
	__u32 next_in, next_out;
};

struct lineage {
	struct lvert *v;
	size_t nv, cap_v;
	struct ledge *e;
	size_t ne, cap_e;
	struct view_map index; /* (id, version) -> vertex */
	bool backward;
	bool oom;
	bool joined; /* lineage_load joined the packets for good */
	struct sabpf_pipeline *pipe;
};

struct lineage *lineage_new(void)
{
	return calloc(1, sizeof(struct lineage));
}

void lineage_free(struct lineage *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nv; i++)
		free(l->v[i].text);
	free(l->v);
	free(l->e);
	view_map_free(&l->index);
	free(l);
}

/* Copies what the node table knows of n into vertex x (n describes its
 * newest version: taken for x when x is that version, or has nothing yet). */
static void describe(struct lineage *l, struct lvert *x, const struct gnode *n)
{
	if (!n || (n->version != x->ref.version && (x->text || x->comm[0])))
		return;
	if (n->text_len && (!x->text || strcmp(x->text, n->text) != 0)) {
		char *t = strdup(n->text);
		if (!t) {
			l->oom = true;
			return;
		}
		free(x->text);
		x->text = t;
	}
	if (n->kind == SABPF_NODE_TASK && n->has_attrs) {
		memcpy(x->comm, n->a.task.comm, SABPF_COMM_LEN);
		x->comm[SABPF_COMM_LEN] = '\0';
		x->pid = n->a.task.pid;
	}
}

/* The vertex of ref, made if new; -1 when out of memory. */
static long vertex(struct lineage *l, const struct sabpf_ref *ref, const struct gnode *n,
		   __u64 container)
{
	bool added;
	if (view_reserve(&l->v, &l->cap_v, l->nv + 1, sizeof(*l->v)) < 0)
		return -1;
	size_t *slot = view_map_put(&l->index, ref->id, ref->version, l->nv, &added);
	if (!slot)
		return -1;
	if (added) {
		l->v[l->nv] = (struct lvert){.ref = *ref, .container = container};
		l->nv++;
	}
	describe(l, &l->v[*slot], n);
	return (long)*slot;
}

static int add_edge(struct lineage *l, __u32 from, __u32 to, __u32 relation, __u64 time)
{
	if (view_reserve(&l->e, &l->cap_e, l->ne + 1, sizeof(*l->e)) < 0)
		return -1;
	l->e[l->ne] = (struct ledge){.from = from,
				     .to = to,
				     .relation = relation,
				     .time = time,
				     .next_in = l->v[to].in_head,
				     .next_out = l->v[from].out_head};
	l->ne++;
	l->v[to].in_head = (__u32)l->ne;
	l->v[from].out_head = (__u32)l->ne;
	return 0;
}

void lineage_observe(void *ctx, const struct event *ev)
{
	struct lineage *l = ctx;
	const struct record *r = ev->rec;
	if (r->hdr.type == SABPF_REC_NODE || r->hdr.type == SABPF_REC_NAME) {
		const struct sabpf_ref *ref =
		    r->hdr.type == SABPF_REC_NODE ? &r->node.node : &r->name.node;
		if (vertex(l, ref, ev->node, r->hdr.container) < 0)
			l->oom = true;
		return;
	}
	if (r->hdr.type != SABPF_REC_EDGE)
		return;
	const struct sabpf_edge *x = &r->edge;
	long from = vertex(l, &x->from, ev->from, r->hdr.container);
	long to = from < 0 ? -1 : vertex(l, &x->to, ev->to, r->hdr.container);
	if (to < 0 || add_edge(l, (__u32)from, (__u32)to, x->relation, x->hdr.time_ns) < 0)
		l->oom = true;
}

static bool has_edge(const struct lineage *l, size_t vi, __u32 relation, bool in)
{
	for (__u32 e = in ? l->v[vi].in_head : l->v[vi].out_head; e;
	     e = in ? l->e[e - 1].next_in : l->e[e - 1].next_out)
		if (l->e[e - 1].relation == relation)
			return true;
	return false;
}

static __u64 first_edge_time(const struct lineage *l, size_t vi, __u32 relation)
{
	__u64 t = ~0ULL;
	for (__u32 e = l->v[vi].in_head; e; e = l->e[e - 1].next_in)
		if (l->e[e - 1].relation == relation && l->e[e - 1].time < t)
			t = l->e[e - 1].time;
	return t;
}

static const struct lineage *sort_ctx;
static int by_text(const void *a, const void *b)
{
	const struct lvert *x = &sort_ctx->v[*(const __u32 *)a],
			   *y = &sort_ctx->v[*(const __u32 *)b];
	return strcmp(x->text, y->text);
}

/* Joins a packet sent (socket -> packet) to the packets of the same flow,
 * sequence and length received (packet -> socket) under another node. */
static int join_packets(struct lineage *l)
{
	__u32 *pk = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < l->nv; i++) {
		if (l->v[i].ref.kind != SABPF_NODE_PACKET || !l->v[i].text)
			continue;
		if (view_reserve(&pk, &cap, n + 1, sizeof(*pk)) < 0) {
			free(pk);
			return -1;
		}
		pk[n++] = (__u32)i;
	}
	sort_ctx = l;
	qsort(pk, n, sizeof(*pk), by_text);
	int rc = 0;
	for (size_t a = 0; a < n && rc == 0;) {
		size_t b = a + 1;
		while (b < n && strcmp(l->v[pk[a]].text, l->v[pk[b]].text) == 0)
			b++;
		for (size_t s = a; s < b && rc == 0; s++) {
			if (!has_edge(l, pk[s], SABPF_REL_SEND_PACKET, true))
				continue;
			__u64 t = first_edge_time(l, pk[s], SABPF_REL_SEND_PACKET);
			for (size_t d = a; d < b && rc == 0; d++)
				if (d != s && has_edge(l, pk[d], SABPF_REL_RECEIVE_PACKET, false))
					rc = add_edge(l, pk[s], pk[d], SAME_PACKET, t);
		}
		a = b;
	}
	free(pk);
	return rc;
}

int lineage_load(struct lineage *l, const char *path, char *err, size_t errlen)
{
	struct sabpf_pipeline *p = pipeline_new();
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pipeline_set_observer(p, lineage_observe, l);
	int rc = pipeline_replay_file(p, path, err, errlen);
	pipeline_finish(p, true);
	pipeline_free(p);
	if (rc == 0 && (l->oom || join_packets(l) < 0)) {
		snprintf(err, errlen, "out of memory reading '%s'", path);
		rc = -1;
	}
	l->joined = true;
	return rc;
}

/* Takes back the edges added since the graph had ne of them (the packets
 * joined for one picture): each was the head of its two lists. */
static void unjoin_packets(struct lineage *l, size_t ne)
{
	while (l->ne > ne) {
		const struct ledge *e = &l->e[--l->ne];
		l->v[e->to].in_head = e->next_in;
		l->v[e->from].out_head = e->next_out;
	}
}

static bool inode_like(__u16 kind)
{
	return node_kind_is_inode(kind);
}

long lineage_select(struct lineage *l, const char *spec, char *err, size_t errlen)
{
	long n = 0;
	if (spec[0] == 'n' && spec[1]) {
		char *end;
		errno = 0;
		unsigned long long id = strtoull(spec + 1, &end, 16);
		bool all = *end == '\0';
		unsigned long version = 0;
		if (!all && strncmp(end, "_v", 2) == 0 && end[2]) {
			char *vend;
			version = strtoul(end + 2, &vend, 10);
			if (*vend)
				goto bad;
		} else if (!all) {
			goto bad;
		}
		if (errno || spec[1] == '-' || spec[1] == '+')
			goto bad;
		for (size_t i = 0; i < l->nv; i++)
			if (l->v[i].ref.id == id && (all || l->v[i].ref.version == version)) {
				l->v[i].start = true;
				n++;
			}
	} else if (spec[0] == '/') {
		for (size_t i = 0; i < l->nv; i++)
			if (inode_like(l->v[i].ref.kind) && l->v[i].text &&
			    strcmp(l->v[i].text, spec) == 0) {
				l->v[i].start = true;
				n++;
			}
	} else {
		goto bad;
	}
	if (n == 0)
		snprintf(err, errlen,
			 "nothing in the capture is '%s': give a node as the prov, jsonl or dot "
			 "outputs name it (n<hex id>_v<version>, or n<hex id> for every version), "
			 "or the path of a file the capture names",
			 spec);
	return n ? n : -1;
bad:
	snprintf(err, errlen,
		 "'%s' is neither a node (n<hex id>_v<version>, or n<hex id>) nor an absolute path",
		 spec);
	return -1;
}

void lineage_walk(struct lineage *l, bool backward, unsigned max_depth)
{
	__u32 *stack = NULL;
	size_t n = 0, cap = 0;
	l->backward = backward;
	for (size_t i = 0; i < l->nv; i++) {
		struct lvert *x = &l->v[i];
		x->in_set = x->start;
		x->depth = 0;
		x->bound = backward ? ~0ULL : 0;
		if (x->start) {
			if (view_reserve(&stack, &cap, n + 1, sizeof(*stack)) < 0) {
				l->oom = true;
				break;
			}
			stack[n++] = (__u32)i;
		}
	}
	while (n > 0) {
		__u32 vi = stack[--n];
		const struct lvert *x = &l->v[vi];
		if (max_depth && x->depth >= max_depth)
			continue;
		for (__u32 e = backward ? x->in_head : x->out_head; e;
		     e = backward ? l->e[e - 1].next_in : l->e[e - 1].next_out) {
			const struct ledge *ed = &l->e[e - 1];
			if (backward ? ed->time > x->bound : ed->time < x->bound)
				continue;
			struct lvert *y = &l->v[backward ? ed->from : ed->to];
			/* again when reached later (backward) or earlier (forward),
			 * or closer: both only improve, so the walk ends */
			bool later =
			    !y->in_set || (backward ? ed->time > y->bound : ed->time < y->bound);
			bool closer = !y->in_set || x->depth + 1 < y->depth;
			if (!later && !closer)
				continue;
			if (closer)
				y->depth = x->depth + 1;
			if (later)
				y->bound = ed->time;
			y->in_set = true;
			if (view_reserve(&stack, &cap, n + 1, sizeof(*stack)) < 0) {
				l->oom = true;
				free(stack);
				return;
			}
			stack[n++] = backward ? ed->from : ed->to;
			x = &l->v[vi];
		}
	}
	free(stack);
}

bool lineage_has(const struct lineage *l, __u64 id, __u32 version)
{
	size_t *vi = view_map_find(&l->index, id, version);
	return vi && l->v[*vi].in_set;
}

bool lineage_has_text(const struct lineage *l, const char *text)
{
	for (size_t i = 0; i < l->nv; i++)
		if (l->v[i].in_set && ((l->v[i].text && strcmp(l->v[i].text, text) == 0) ||
				       strcmp(l->v[i].comm, text) == 0))
			return true;
	return false;
}

size_t lineage_count(const struct lineage *l)
{
	size_t n = 0;
	for (size_t i = 0; i < l->nv; i++)
		n += l->v[i].in_set;
	return n;
}

int lineage_write_backward_dot(struct lineage *l, const struct sabpf_ref *refs, size_t n,
			       unsigned max_depth, FILE *f, char *err, size_t errlen)
{
	size_t ne = l->ne;
	if (l->oom || (!l->joined && join_packets(l) < 0)) {
		unjoin_packets(l, ne);
		snprintf(err, errlen, "out of memory keeping the graph for its picture");
		return -1;
	}
	for (size_t i = 0; i < l->nv; i++)
		l->v[i].start = false;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t *vi = view_map_find(&l->index, refs[i].id, refs[i].version);
		if (vi) {
			l->v[*vi].start = true;
		} else {
			char id[NODE_ID_MAX];
			node_id_text(id, "", refs[i].id, refs[i].version);
			snprintf(err, errlen, "node %s is not in the graph", id);
			rc = -1;
		}
	}
	if (rc == 0) {
		lineage_walk(l, true, max_depth);
		if (l->oom) {
			snprintf(err, errlen, "out of memory walking the graph");
			rc = -1;
		} else {
			lineage_write_dot(l, f);
		}
	}
	if (!l->joined)
		unjoin_packets(l, ne);
	return rc;
}

/* ---- writers ------------------------------------------------------------- */

/* Is edge e part of the walk: both ends in it, in time order? */
static bool edge_walked(const struct lineage *l, const struct ledge *e)
{
	const struct lvert *a = &l->v[e->from], *b = &l->v[e->to];
	if (!a->in_set || !b->in_set)
		return false;
	return l->backward ? e->time <= b->bound : e->time >= a->bound;
}

static const char *relation_text(__u32 relation)
{
	if (relation == SAME_PACKET)
		return "same_packet";
	const char *s = relation_name(relation);
	return s ? s : "unknown";
}

/* Vertex indexes of the lineage, by depth, then in order of appearance. */
static __u32 *ordered(const struct lineage *l, size_t *n)
{
	size_t count = lineage_count(l), k = 0;
	__u32 *out = malloc((count ? count : 1) * sizeof(*out));
	if (!out) {
		*n = 0;
		return NULL;
	}
	__u32 maxd = 0;
	for (size_t i = 0; i < l->nv; i++)
		if (l->v[i].in_set && l->v[i].depth > maxd)
			maxd = l->v[i].depth;
	for (__u32 d = 0; d <= maxd && k < count; d++)
		for (size_t i = 0; i < l->nv; i++)
			if (l->v[i].in_set && l->v[i].depth == d)
				out[k++] = (__u32)i;
	*n = k;
	return out;
}

static void put_vertex_desc(struct jbuf *b, const struct lvert *x)
{
	if (x->ref.kind == SABPF_NODE_TASK && x->comm[0]) {
		jbuf_puts(b, x->comm);
		jbuf_puts(b, " pid ");
		jbuf_u64(b, x->pid);
	} else if (x->text) {
		jbuf_puts(b, x->text);
	}
}

void lineage_write_text(const struct lineage *l, FILE *f)
{
	size_t n;
	__u32 *order = ordered(l, &n);
	size_t edges = 0;
	for (size_t i = 0; i < l->ne; i++)
		edges += edge_walked(l, &l->e[i]);
	fprintf(f, "%s lineage: %zu nodes, %zu edges (depth, kind, node, what)\n",
		l->backward ? "backward" : "forward", n, edges);
	struct jbuf b;
	jbuf_init(&b);
	for (size_t i = 0; i < n; i++) {
		const struct lvert *x = &l->v[order[i]];
		jbuf_reset(&b);
		put_node_id(&b, x->ref.id, x->ref.version);
		jbuf_putc(&b, '\0');
		fprintf(f, "%4u  %-10s %-24s ", x->depth, node_kind_name(x->ref.kind), b.data);
		jbuf_reset(&b);
		put_vertex_desc(&b, x);
		jbuf_putc(&b, '\0');
		/* one line per node: control bytes as \xHH, as the summary shows them */
		for (const char *c = b.oom ? "" : b.data; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				fprintf(f, "\\x%02x", (unsigned char)*c);
			else
				fputc(*c, f);
		fputc('\n', f);
	}
	jbuf_free(&b);
	free(order);
}

/* "key":"n<id>_v<version>" */
static void put_id(struct jw *w, const char *key, const struct sabpf_ref *ref)
{
	char text[NODE_ID_MAX];
	jw_key_lit(w, key, strlen(key));
	jw_str_plain(w, text, node_id_text(text, "", ref->id, ref->version));
}

void lineage_write_json(const struct lineage *l, FILE *f)
{
	size_t n;
	__u32 *order = ordered(l, &n);
	struct jbuf b;
	struct jw w;
	jbuf_init(&b);
	jw_init(&w, &b);
	jw_object_begin(&w);
	jw_key_cstr(&w, "direction", l->backward ? "backward" : "forward");
	jw_key(&w, "nodes");
	jw_array_begin(&w);
	for (size_t i = 0; i < n; i++) {
		const struct lvert *x = &l->v[order[i]];
		jw_object_begin(&w);
		put_id(&w, "id", &x->ref);
		jw_key_cstr(&w, "kind", node_kind_name(x->ref.kind));
		jw_key_u64(&w, "depth", x->depth);
		jw_key_bool(&w, "start", x->start);
		jw_key_u64(&w, "container", x->container);
		if (x->ref.kind == SABPF_NODE_TASK && x->comm[0]) {
			jw_key_cstr(&w, "comm", x->comm);
			jw_key_u64(&w, "pid", x->pid);
		}
		if (x->text)
			jw_key_cstr(&w, "text", x->text);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_key(&w, "edges");
	jw_array_begin(&w);
	for (size_t i = 0; i < l->ne; i++) {
		const struct ledge *e = &l->e[i];
		if (!edge_walked(l, e))
			continue;
		jw_object_begin(&w);
		put_id(&w, "from", &l->v[e->from].ref);
		put_id(&w, "to", &l->v[e->to].ref);
		jw_key_cstr(&w, "relation", relation_text(e->relation));
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	jw_newline(&w);
	fwrite(b.data, 1, b.len, f);
	jbuf_free(&b);
	free(order);
}

/* A DOT string's content: quotes and backslashes escaped, control bytes
 * shown as spaces. */
static void dot_text(struct jbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			jbuf_putc(b, '\\');
		jbuf_putc(b, (unsigned char)*s < 0x20 ? ' ' : *s);
	}
}

void lineage_write_dot(const struct lineage *l, FILE *f)
{
	size_t n;
	__u32 *order = ordered(l, &n);
	struct jbuf b, d;
	jbuf_init(&b);
	jbuf_init(&d);
	jbuf_puts(&b, l->backward ? "digraph backward_lineage {\n" : "digraph forward_lineage {\n");
	jbuf_puts(&b, "  rankdir=LR;\n  node [fontsize=10];\n  edge [fontsize=9];\n");
	for (size_t i = 0; i < n; i++) {
		const struct lvert *x = &l->v[order[i]];
		jbuf_puts(&b, "  \"");
		put_node_id(&b, x->ref.id, x->ref.version);
		jbuf_puts(&b, "\" [label=\"");
		jbuf_puts(&b, node_kind_name(x->ref.kind));
		jbuf_puts(&b, "\\n");
		jbuf_reset(&d);
		put_vertex_desc(&d, x);
		jbuf_putc(&d, '\0');
		if (!d.oom)
			dot_text(&b, d.data);
		jbuf_puts(&b, x->ref.kind == SABPF_NODE_TASK
				  ? "\", shape=box, style=filled, fillcolor=\"#9fb1fc\""
				  : "\", shape=ellipse, style=filled, fillcolor=\"#fffc87\"");
		if (x->start)
			jbuf_puts(&b, ", penwidth=3");
		jbuf_puts(&b, "];\n");
	}
	for (size_t i = 0; i < l->ne; i++) {
		const struct ledge *e = &l->e[i];
		if (!edge_walked(l, e))
			continue;
		jbuf_puts(&b, "  \"");
		put_node_id(&b, l->v[e->from].ref.id, l->v[e->from].ref.version);
		jbuf_puts(&b, "\" -> \"");
		put_node_id(&b, l->v[e->to].ref.id, l->v[e->to].ref.version);
		jbuf_puts(&b, "\" [label=\"");
		jbuf_puts(&b, relation_text(e->relation));
		jbuf_puts(&b, "\"];\n");
	}
	jbuf_puts(&b, "}\n");
	fwrite(b.data, 1, b.len, f);
	jbuf_free(&b);
	jbuf_free(&d);
	free(order);
}

/* ---- the command --------------------------------------------------------- */

static const char usage_text[] =
    "usage: sabpf lineage CAPTURE.raw --backward SPEC | --forward SPEC [--json] [--dot FILE]\n"
    "                     [--max-depth N]\n"
    "  SPEC: n<hex id>_v<version>, n<hex id> (every version), or an absolute path\n";

int cmd_lineage(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"backward", required_argument, 0, 'b'},
	    {"forward", required_argument, 0, 'f'},
	    {"json", no_argument, 0, 'j'},
	    {"dot", required_argument, 0, 'd'},
	    {"max-depth", required_argument, 0, 'm'},
	    {0, 0, 0, 0},
	};
	const char *spec = NULL, *dot = NULL;
	bool backward = true, json = cmd_json;
	unsigned long max_depth = 0;
	int opt;
	cmd_getopt_reset(); /* optind 0: glibc re-reads the optstring mode */
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end;
		switch (opt) {
		case 'b':
		case 'f':
			if (spec) {
				fprintf(stderr,
					"sabpf lineage: give one of --backward and --forward, "
					"once\n");
				return EXIT_USAGE;
			}
			spec = optarg;
			backward = opt == 'b';
			break;
		case 'j':
			json = true;
			break;
		case 'd':
			dot = optarg;
			break;
		case 'm':
			errno = 0;
			max_depth = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || optarg[0] == '-' ||
			    max_depth > 1000000) {
				fprintf(stderr,
					"sabpf lineage: --max-depth '%s' is not a whole number "
					"from 0 (no limit) to 1000000\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (!spec || optind != argc - 1) {
		fprintf(stderr, "sabpf lineage: %s\n%s",
			!spec ? "no --backward or --forward" : "give one capture", usage_text);
		return EXIT_USAGE;
	}
	char err[1024];
	struct lineage *l = lineage_new();
	if (!l) {
		fprintf(stderr, "sabpf lineage: out of memory\n");
		return 1;
	}
	int rc = 0;
	if (lineage_load(l, argv[optind], err, sizeof(err)) < 0 ||
	    lineage_select(l, spec, err, sizeof(err)) < 0) {
		fprintf(stderr, "sabpf lineage: %s\n", err);
		rc = 1;
	}
	if (rc == 0) {
		lineage_walk(l, backward, (unsigned)max_depth);
		if (l->oom) {
			fprintf(stderr, "sabpf lineage: out of memory walking the graph\n");
			rc = 1;
		}
	}
	if (rc == 0 && dot) {
		FILE *f = strcmp(dot, "-") == 0 ? stdout : fopen(dot, "w");
		if (!f) {
			fprintf(stderr, "sabpf lineage: cannot create '%s': %s\n", dot,
				strerror(errno));
			rc = 1;
		} else {
			lineage_write_dot(l, f);
			if (f != stdout && fclose(f) != 0) {
				fprintf(stderr, "sabpf lineage: writing '%s' failed\n", dot);
				rc = 1;
			}
		}
	}
	if (rc == 0 && !(dot && strcmp(dot, "-") == 0)) {
		if (json)
			lineage_write_json(l, stdout);
		else
			lineage_write_text(l, stdout);
	}
	lineage_free(l);
	return rc;
}
