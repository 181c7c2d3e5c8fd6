/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* format_dot.c: the `dot` view, the provenance graph as Graphviz DOT
 * (docs/views.md). Rendered with `dot -Tsvg FILE > FILE.svg`.
 *
 * The graph is collected while records pass and written when the output is
 * closed, since nodes are grouped into one cluster per container. Node
 * attributes come from the pipeline's node table (graph.c) at the moment a
 * record names the node; they are copied, because the table forgets a task
 * at its end. Shapes follow the PROV convention: tasks (activities) are blue
 * boxes "comm pid vN", entities yellow ellipses labelled with their path or
 * address, argv a note. Edges go the way information flows and carry the
 * relation's name; a step from one version of a node to the next is dashed.
 * The relations between two nodes share one arrow, one line each, with
 * their count when more than one ("open\nread ×3").
 *
 * View options (graph_cmd.h): --container keeps one container's records,
 * --collapse draws one node per object (versions merged, version steps
 * dropped), --max-nodes keeps the first N nodes and says what was cut. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "graph_cmd.h"
#include "names.h"
#include "record.h"

#define LABEL_CHARS 48 /* longest text shown in a label, in characters */
#define COMMS_MAX 64   /* collapsed task: its commands, "sh,cat" */
#define NONE ((size_t)-1)

/* One object (node id): what every version of it shares. */
struct dobj {
	__u64 id;
	__u16 kind;
	__u64 container;
	char *text; /* path, address or argv; an inode's latest path */
	__u64 ino;  /* inodes */
	char comms[COMMS_MAX];
	__u32 vmin, vmax; /* versions seen */
	bool has_versions;
};

/* One node drawn: a version of an object (or the object, collapsed). */
struct dvert {
	size_t obj;
	__u32 version;
	char *text;    /* an inode's path while at this version (NULL: the object's) */
	bool has_task; /* task attributes below are known */
	__u32 pid, tid;
	__u64 cgroup; /* the task's own cgroup */
	char comm[SABPF_COMM_LEN + 1];
};

/* An arrow: every relation between two nodes, in the order first seen. */
struct dedge {
	size_t from, to;
	size_t first_rel, last_rel; /* list in rels */
};

struct drel {
	__u32 relation;
	__u64 count;
	size_t next; /* NONE at the end */
};

struct dcontainer {
	__u64 id;
	__u64 records;
	__u64 lost;
};

struct dot_state {
	struct view_options opt;
	struct dobj *objs;
	size_t nobjs, cap_objs;
	struct dvert *verts;
	size_t nverts, cap_verts;
	struct dedge *edges;
	size_t nedges, cap_edges;
	struct drel *rels;
	size_t nrels, cap_rels;
	struct dcontainer *ctrs;
	size_t nctrs, cap_ctrs;
	struct view_map obj_by_id;    /* (id, 0) -> objs index */
	struct view_map vert_by_ref;  /* (id, version) -> verts index, NONE if cut */
	struct view_map edge_by_ends; /* (from, to) -> edges index */
	struct view_map rel_by_key;   /* (edge, relation) -> rels index */
	__u64 verts_cut;	      /* distinct node versions left out */
	__u64 edges_cut;	      /* relations left out with them */
	bool oom;
};

static int dot_open(struct output *o)
{
	struct dot_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	s->opt = *view_options_get();
	o->state = s;
	return 0;
}

/* ---- collecting --------------------------------------------------------- */

static struct dcontainer *container_get(struct dot_state *s, __u64 id)
{
	for (size_t i = 0; i < s->nctrs; i++)
		if (s->ctrs[i].id == id)
			return &s->ctrs[i];
	if (view_reserve(&s->ctrs, &s->cap_ctrs, s->nctrs + 1, sizeof(*s->ctrs)) < 0)
		return NULL;
	s->ctrs[s->nctrs] = (struct dcontainer){.id = id};
	return &s->ctrs[s->nctrs++];
}

static size_t obj_get(struct dot_state *s, __u64 id, __u16 kind, __u64 container)
{
	bool added;
	size_t *slot = view_map_put(&s->obj_by_id, id, 0, s->nobjs, &added);
	if (!slot)
		return NONE;
	if (!added)
		return *slot;
	if (view_reserve(&s->objs, &s->cap_objs, s->nobjs + 1, sizeof(*s->objs)) < 0 ||
	    !container_get(s, container)) {
		*slot = NONE; /* never used: the output is marked failed */
		return NONE;
	}
	s->objs[s->nobjs] = (struct dobj){.id = id, .kind = kind, .container = container};
	return s->nobjs++;
}

/* Replaces *text by the node's text, unless it is the same. */
static void take_text(char **text, const struct gnode *n, struct dot_state *s)
{
	if (n->text_len == 0 || (*text && strcmp(*text, n->text) == 0))
		return;
	char *copy = strdup(n->text);
	if (!copy) {
		s->oom = true;
		return;
	}
	free(*text);
	*text = copy;
}

/* Adds comm to a collapsed task's list of commands, unless it is there. */
static void add_comm(struct dobj *ob, const char *comm)
{
	size_t len = strlen(ob->comms), clen = strlen(comm);
	for (const char *p = ob->comms; *p;) {
		const char *end = strchr(p, ',');
		size_t l = end ? (size_t)(end - p) : strlen(p);
		if (l == clen && memcmp(p, comm, l) == 0)
			return;
		p += l + (end ? 1 : 0);
	}
	if (clen == 0 || len + clen + 2 > sizeof(ob->comms))
		return;
	if (len)
		ob->comms[len++] = ',';
	memcpy(ob->comms + len, comm, clen + 1);
}

/* Copies what the node table knows of node n into vertex v. The table
 * holds the attributes of n's newest version: a task's are taken for v
 * when v is that version, or when v has none yet. */
static void refresh_vertex(struct dot_state *s, struct dvert *v, const struct gnode *n,
			   __u32 version)
{
	struct dobj *ob = &s->objs[v->obj];
	if (!n)
		return;
	/* an inode's name: the last one given while at this version */
	take_text(&ob->text, n, s);
	if (!v->text || version == n->version)
		take_text(&v->text, n, s);
	if (node_kind_is_inode(n->kind) && n->has_attrs)
		ob->ino = n->a.inode.ino;
	if (n->kind == SABPF_NODE_TASK && n->has_attrs && (!v->has_task || version == n->version)) {
		v->has_task = true;
		v->pid = n->a.task.pid;
		v->tid = n->a.task.tid;
		v->cgroup = n->a.task.cgroup_id;
		memcpy(v->comm, n->a.task.comm, SABPF_COMM_LEN);
		v->comm[SABPF_COMM_LEN] = '\0';
		if (s->opt.collapse)
			add_comm(ob, v->comm);
	} else if (n->kind == SABPF_NODE_PROC_MEM && n->has_attrs) {
		v->pid = n->a.mem.pid;
	}
}

/* The range of versions of an object, shown when it is collapsed. */
static void note_version(struct dobj *ob, __u32 version)
{
	if (!ob->has_versions || version < ob->vmin)
		ob->vmin = version;
	if (!ob->has_versions || version > ob->vmax)
		ob->vmax = version;
	ob->has_versions = true;
}

static size_t vertex_add(struct dot_state *s, const struct sabpf_ref *ref, __u64 container,
			 size_t *slot)
{
	size_t obj = obj_get(s, ref->id, ref->kind, container);
	if (obj == NONE ||
	    view_reserve(&s->verts, &s->cap_verts, s->nverts + 1, sizeof(*s->verts)) < 0) {
		s->oom = true;
		return *slot = NONE;
	}
	s->verts[s->nverts] = (struct dvert){.obj = obj, .version = ref->version};
	return *slot = s->nverts++;
}

/* The vertex of ref (made if new), or NONE when it is left out by
 * --max-nodes. n is the node table's entry (may be NULL). */
static size_t vertex_of(struct dot_state *s, const struct sabpf_ref *ref, const struct gnode *n,
			__u64 record_container)
{
	__u32 key_version = s->opt.collapse ? 0 : ref->version;
	bool added;
	size_t *slot = view_map_put(&s->vert_by_ref, ref->id, key_version, NONE, &added);
	if (!slot) {
		s->oom = true;
		return NONE;
	}
	if (added) {
		if (s->opt.max_nodes && s->nverts >= s->opt.max_nodes) {
			s->verts_cut++;
			return NONE;
		}
		__u64 container = n && n->has_attrs ? n->container : record_container;
		if (vertex_add(s, ref, container, slot) == NONE)
			return NONE;
	}
	if (*slot == NONE)
		return NONE;
	struct dvert *v = &s->verts[*slot];
	note_version(&s->objs[v->obj], ref->version);
	refresh_vertex(s, v, n, ref->version);
	return *slot;
}

/* The arrow from -> to, made if new; NONE on allocation failure. */
static size_t arrow_of(struct dot_state *s, size_t from, size_t to)
{
	bool added;
	size_t *slot = view_map_put(&s->edge_by_ends, from, to, s->nedges, &added);
	if (!slot)
		return NONE;
	if (added) {
		if (view_reserve(&s->edges, &s->cap_edges, s->nedges + 1, sizeof(*s->edges)) < 0)
			return *slot = NONE;
		s->edges[s->nedges++] =
		    (struct dedge){.from = from, .to = to, .first_rel = NONE, .last_rel = NONE};
	}
	return *slot;
}

/* Counts one more `relation` on the arrow from -> to. */
static void edge_add(struct dot_state *s, size_t from, size_t to, __u32 relation)
{
	size_t arrow = arrow_of(s, from, to);
	bool added;
	size_t *slot =
	    arrow == NONE ? NULL : view_map_put(&s->rel_by_key, arrow, relation, s->nrels, &added);
	if (!slot ||
	    (added && view_reserve(&s->rels, &s->cap_rels, s->nrels + 1, sizeof(*s->rels)) < 0)) {
		s->oom = true;
		return;
	}
	if (added) {
		struct dedge *e = &s->edges[arrow];
		s->rels[s->nrels] = (struct drel){.relation = relation, .next = NONE};
		if (e->last_rel == NONE)
			e->first_rel = s->nrels;
		else
			s->rels[e->last_rel].next = s->nrels;
		e->last_rel = s->nrels++;
	}
	s->rels[*slot].count++;
}

static void dot_edge(struct dot_state *s, const struct sabpf_edge *e, const struct event *ev)
{
	size_t from = vertex_of(s, &e->from, ev->from, e->hdr.container);
	size_t to = vertex_of(s, &e->to, ev->to, e->hdr.container);
	if (from == NONE || to == NONE) {
		s->edges_cut++;
		return;
	}
	if (from == to) /* collapsed: a step between versions of one object */
		return;
	edge_add(s, from, to, e->relation);
}

static void dot_record(struct output *o, const struct event *ev)
{
	struct dot_state *s = o->state;
	const struct record *r = ev->rec;
	if (!view_selects(o->p, r->hdr.container))
		return;
	struct dcontainer *c = container_get(s, r->hdr.container);
	if (!c) {
		s->oom = true;
		return;
	}
	c->records++;
	switch (r->hdr.type) {
	case SABPF_REC_NODE:
		vertex_of(s, &r->node.node, ev->node, r->hdr.container);
		break;
	case SABPF_REC_NAME:
		vertex_of(s, &r->name.node, ev->node, r->hdr.container);
		break;
	case SABPF_REC_EDGE:
		dot_edge(s, &r->edge, ev);
		break;
	case SABPF_REC_LOST:
		c->lost += r->lost.count;
		break;
	}
}

static void dot_end_batch(struct output *o)
{
	(void)o; /* one graph per file: written at close */
}

/* ---- writing ------------------------------------------------------------ */

/* Bytes of the character at s[i]: a bad byte counts as one character. */
static size_t char_bytes(const unsigned char *s, size_t len, size_t i)
{
	size_t n = view_utf8_char_len(s, len, i);
	return n ? n : 1;
}

/* One character, escaped for a DOT string: \" and \\, and a control
 * character or a byte of no well-formed UTF-8 as the text \xNN. */
static void put_char(struct jbuf *b, const unsigned char *s, size_t len, size_t i)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = view_utf8_char_len(s, len, i);
	unsigned char c = s[i];
	if (n == 1 && c >= 0x20 && c != 0x7f) {
		if (c == '"' || c == '\\')
			jbuf_putc(b, '\\');
		jbuf_putc(b, (char)c);
	} else if (n > 1) {
		jbuf_put(b, s + i, n);
	} else {
		char esc[6] = {'\\', '\\', 'x', hex[c >> 4], hex[c & 15], '\0'};
		jbuf_puts(b, esc);
	}
}

/* Text for a label, escaped, cut to LABEL_CHARS characters: keeping its
 * end (paths: the file name matters most) or its start (argv). */
static void put_label_text(struct jbuf *b, const char *text, bool keep_end)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t len = strlen(text), chars = 0, i;
	for (i = 0; i < len; i += char_bytes(s, len, i))
		chars++;
	size_t skip_to = 0, stop_at = len; /* byte range shown */
	if (chars > LABEL_CHARS) {
		size_t keep = LABEL_CHARS - 1, k = 0;
		for (i = 0; i < len; i += char_bytes(s, len, i), k++) {
			if (keep_end && k == chars - keep)
				skip_to = i;
			if (!keep_end && k == keep)
				stop_at = i;
		}
		if (keep_end)
			jbuf_puts(b, "…");
	}
	for (i = skip_to; i < stop_at; i += char_bytes(s, len, i))
		put_char(b, s, len, i);
	if (chars > LABEL_CHARS && !keep_end)
		jbuf_puts(b, "…");
}

static void put_dot_id(struct jbuf *b, const struct dot_state *s, const struct dvert *v)
{
	jbuf_putc(b, '"');
	if (s->opt.collapse) {
		jbuf_putc(b, 'n');
		jbuf_hex(b, s->objs[v->obj].id);
	} else {
		put_node_id(b, s->objs[v->obj].id, v->version);
	}
	jbuf_putc(b, '"');
}

/* " v3", or " v1-4" for a collapsed object of several versions. */
static void put_versions(struct jbuf *b, const struct dot_state *s, const struct dvert *v)
{
	const struct dobj *ob = &s->objs[v->obj];
	jbuf_puts(b, " v");
	if (!s->opt.collapse) {
		jbuf_u64(b, v->version);
		return;
	}
	jbuf_u64(b, ob->vmin);
	if (ob->vmax != ob->vmin) {
		jbuf_putc(b, '-');
		jbuf_u64(b, ob->vmax);
	}
}

/* "cat 4242 v2", "cat 4242/4250 v2" for a thread, "sh,cat 4242 v1-4";
 * then the runtime's container it is in when that is not its cluster's
 * (a container under a registered /docker): "\ndocker:web". */
static void put_task_label(struct jbuf *b, const struct dot_state *s, const struct dvert *v,
			   const char *in)
{
	const struct dobj *ob = &s->objs[v->obj];
	if (!v->has_task) {
		jbuf_puts(b, "task ");
		jbuf_hex(b, ob->id);
	} else {
		put_label_text(b, s->opt.collapse && ob->comms[0] ? ob->comms : v->comm, false);
		jbuf_putc(b, ' ');
		jbuf_u64(b, v->pid);
		if (v->tid != v->pid) {
			jbuf_putc(b, '/');
			jbuf_u64(b, v->tid);
		}
	}
	put_versions(b, s, v);
	if (in) {
		jbuf_puts(b, "\\n");
		put_label_text(b, in, true);
	}
}

/* Shape, colours and label of an entity kind. */
struct entity_style {
	const char *shape;
	const char *fill;
};

static struct entity_style entity_style(__u16 kind)
{
	switch (kind) {
	case SABPF_NODE_ARGV:
		return (struct entity_style){"note", "#FFFFFF"};
	case SABPF_NODE_PATH:
		return (struct entity_style){"ellipse", "#FFFDE0"};
	case SABPF_NODE_DIRECTORY:
		return (struct entity_style){"folder", "#FFFC87"};
	case SABPF_NODE_ADDRESS:
		return (struct entity_style){"hexagon", "#C8F0C8"};
	case SABPF_NODE_SOCKET:
		return (struct entity_style){"ellipse", "#C8F0C8"};
	case SABPF_NODE_PACKET:
		return (struct entity_style){"cds", "#C8F0C8"};
	case SABPF_NODE_MSG_QUEUE: /* IPC objects: "id 32768 key 0x00001234" */
	case SABPF_NODE_MQUEUE:
	case SABPF_NODE_SEM:
	case SABPF_NODE_SHM:
		return (struct entity_style){"box3d", "#F0D8F0"};
	case SABPF_NODE_MSG: /* "type 7 on queue 32768" */
		return (struct entity_style){"note", "#F0D8F0"};
	default:
		return (struct entity_style){"ellipse", "#FFFC87"};
	}
}

/* Line 1: the path, address or argv (or "ino N", "pid N"); line 2: the
 * kind and version, e.g. "/etc/hostname\nfile v1"; line 3, for a path cut
 * in the kernel (its text starts with ".../"): "truncated path", since a
 * long label is shortened for display anyway ("…/b/c"). */
static void put_entity_label(struct jbuf *b, const struct dot_state *s, const struct dvert *v)
{
	const struct dobj *ob = &s->objs[v->obj];
	if (ob->kind == SABPF_NODE_ARGV) {
		jbuf_puts(b, "argv: ");
		put_label_text(b, ob->text ? ob->text : "", false);
		return;
	}
	const char *text = !s->opt.collapse && v->text ? v->text : ob->text;
	if (text) {
		put_label_text(b, text, true);
	} else if (ob->kind == SABPF_NODE_PROC_MEM) {
		jbuf_puts(b, "pid ");
		jbuf_u64(b, v->pid);
	} else if (ob->ino) {
		jbuf_puts(b, "ino ");
		jbuf_u64(b, ob->ino);
	} else {
		jbuf_puts(b, "node ");
		jbuf_hex(b, ob->id);
	}
	jbuf_puts(b, "\\n");
	jbuf_puts(b, node_kind_name(ob->kind));
	put_versions(b, s, v);
	if (text &&
	    strncmp(text, RECORD_TRUNCATED_MARK "/", strlen(RECORD_TRUNCATED_MARK) + 1) == 0)
		jbuf_puts(b, "\\ntruncated path");
}

static void write_vertex(struct output *o, const struct dot_state *s, const struct dvert *v)
{
	struct jbuf *b = &o->buf;
	const struct dobj *ob = &s->objs[v->obj];
	jbuf_puts(b, "    ");
	put_dot_id(b, s, v);
	if (ob->kind == SABPF_NODE_TASK) {
		const char *in = v->has_task && v->cgroup && v->cgroup != ob->container
				     ? pipeline_identity_name(o->p, v->cgroup)
				     : NULL;
		jbuf_puts(b, " [shape=box, fillcolor=\"#9FB1FC\", label=\"");
		put_task_label(b, s, v, in);
	} else {
		struct entity_style st = entity_style(ob->kind);
		jbuf_puts(b, " [shape=");
		jbuf_puts(b, st.shape);
		jbuf_puts(b, ", fillcolor=\"");
		jbuf_puts(b, st.fill);
		jbuf_puts(b, "\", label=\"");
		put_entity_label(b, s, v);
	}
	jbuf_puts(b, "\"];\n");
}

/* subgraph "cluster_57" { label="container 57 (demo)\n21 records"; nodes } */
static void write_cluster(struct output *o, const struct dot_state *s, const struct dcontainer *c)
{
	struct jbuf *b = &o->buf;
	const char *name = pipeline_container_name(o->p, c->id);
	jbuf_puts(b, "  subgraph \"cluster_");
	jbuf_u64(b, c->id);
	jbuf_puts(b, "\" {\n    label=\"container ");
	jbuf_u64(b, c->id);
	if (name) {
		jbuf_puts(b, " (");
		put_label_text(b, name, true);
		jbuf_putc(b, ')');
	}
	jbuf_puts(b, "\\n");
	jbuf_u64(b, c->records);
	jbuf_puts(b, " records");
	if (c->lost) {
		jbuf_puts(b, ", ");
		jbuf_u64(b, c->lost);
		jbuf_puts(b, " LOST");
	}
	jbuf_puts(b, "\";\n    style=rounded; color=\"#808080\";\n");
	for (size_t i = 0; i < s->nverts; i++) {
		if (s->objs[s->verts[i].obj].container == c->id)
			write_vertex(o, s, &s->verts[i]);
		output_maybe_write(o);
	}
	jbuf_puts(b, "  }\n");
}

static void write_edge(struct jbuf *b, const struct dot_state *s, const struct dedge *e)
{
	const struct dvert *from = &s->verts[e->from], *to = &s->verts[e->to];
	jbuf_puts(b, "  ");
	put_dot_id(b, s, from);
	jbuf_puts(b, " -> ");
	put_dot_id(b, s, to);
	jbuf_puts(b, " [label=\"");
	for (size_t i = e->first_rel; i != NONE; i = s->rels[i].next) {
		if (i != e->first_rel)
			jbuf_puts(b, "\\n");
		jbuf_puts(b, relation_name(s->rels[i].relation));
		if (s->rels[i].count > 1) {
			jbuf_puts(b, " ×");
			jbuf_u64(b, s->rels[i].count);
		}
	}
	jbuf_putc(b, '"');
	if (from->obj == to->obj) /* a new version of the same object */
		jbuf_puts(b, ", style=dashed, color=\"#606060\"");
	jbuf_puts(b, "];\n");
}

/* The graph's title: what it shows, and what it does not. */
static void write_title(struct jbuf *b, const struct dot_state *s)
{
	__u64 lost = 0;
	for (size_t i = 0; i < s->nctrs; i++)
		lost += s->ctrs[i].lost;
	jbuf_puts(b, "  label=\"sabpf provenance graph: ");
	jbuf_u64(b, s->nverts);
	jbuf_puts(b, s->opt.collapse ? " objects (versions collapsed), " : " node versions, ");
	jbuf_u64(b, s->nrels);
	jbuf_puts(b, " edges");
	if (s->opt.container) {
		jbuf_puts(b, ", container ");
		put_label_text(b, s->opt.container, true);
		jbuf_puts(b, " only");
	}
	if (s->verts_cut) {
		jbuf_puts(b, "\\nCUT: only the first ");
		jbuf_u64(b, s->nverts);
		jbuf_puts(b, " of ");
		jbuf_u64(b, s->nverts + s->verts_cut);
		jbuf_puts(b, " nodes are drawn (--max-nodes); ");
		jbuf_u64(b, s->edges_cut);
		jbuf_puts(b, " edges to the others are left out. Use --container, --collapse or "
			     "a larger --max-nodes.");
	}
	if (lost) {
		jbuf_puts(b, "\\nINCOMPLETE: ");
		jbuf_u64(b, lost);
		jbuf_puts(b, " records were lost (ring buffer full).");
	}
	jbuf_puts(b, "\";\n  labelloc=t;\n");
}

static void write_graph(struct output *o, struct dot_state *s)
{
	struct jbuf *b = &o->buf;
	jbuf_puts(b, "// sabpf provenance graph: render with dot -Tsvg FILE > FILE.svg\n");
	if (s->verts_cut) {
		jbuf_puts(b, "// CUT by --max-nodes: ");
		jbuf_u64(b, s->verts_cut);
		jbuf_puts(b, " nodes and ");
		jbuf_u64(b, s->edges_cut);
		jbuf_puts(b, " edges are not drawn\n");
	}
	jbuf_puts(b, "digraph sabpf {\n"
		     "  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=12];\n"
		     "  node [style=filled, fontname=\"Helvetica\", fontsize=10];\n"
		     "  edge [fontname=\"Helvetica\", fontsize=9];\n");
	write_title(b, s);
	for (size_t i = 0; i < s->nctrs; i++)
		write_cluster(o, s, &s->ctrs[i]);
	for (size_t i = 0; i < s->nedges; i++) {
		write_edge(b, s, &s->edges[i]);
		output_maybe_write(o);
	}
	jbuf_puts(b, "}\n");
}

static void dot_close(struct output *o)
{
	struct dot_state *s = o->state;
	write_graph(o, s);
	if (s->verts_cut)
		fprintf(stderr,
			"sabpf: dot: graph cut: %zu of %llu nodes drawn (--max-nodes %zu), %llu "
			"edges left out\n",
			s->nverts, (unsigned long long)(s->nverts + s->verts_cut), s->opt.max_nodes,
			(unsigned long long)s->edges_cut);
	if (s->oom)
		o->buf.oom = true; /* reported as a write failure */
	for (size_t i = 0; i < s->nobjs; i++)
		free(s->objs[i].text);
	for (size_t i = 0; i < s->nverts; i++)
		free(s->verts[i].text);
	free(s->objs);
	free(s->verts);
	free(s->edges);
	free(s->rels);
	free(s->ctrs);
	view_map_free(&s->obj_by_id);
	view_map_free(&s->vert_by_ref);
	view_map_free(&s->edge_by_ends);
	view_map_free(&s->rel_by_key);
	free(s);
	o->state = NULL;
}

const struct format_ops format_dot = {
    .name = "dot",
    .describes_nodes = false,
    .open = dot_open,
    .record = dot_record,
    .end_batch = dot_end_batch,
    .close = dot_close,
};
