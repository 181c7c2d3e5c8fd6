/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* format_spade.c: the SPADE JSON writer. One JSON object per line:
 *   {"type":"Process"|"Artifact","id":"n<id hex>_v<ver>","annotations":{...}}
 *   {"type":"Used"|"WasGeneratedBy"|"WasTriggeredBy"|"WasDerivedFrom",
 *    "from":"...","to":"...","annotations":{...}}
 * Annotation values are all strings, as SPADE wants. SPADE's edges point
 * from the effect to the cause, the opposite of the flow of information
 * that our edges follow, so `from` and `to` are swapped: Used goes from the
 * process to the artifact, WasGeneratedBy from the artifact to the process,
 * WasTriggeredBy from the informed process to the informant, WasDerivedFrom
 * from the derived artifact to its source. A vertex is written before the
 * first edge that needs it. */
#include "format.h"
#include "names.h"

static int spade_open(struct output *o)
{
	o->state = NULL;
	return 0;
}

/* "key":"n<id>_v<version>" */
static void put_id(struct jw *w, const char *key, size_t keylen, __u64 id, __u32 version)
{
	char text[NODE_ID_MAX];
	jw_key_lit(w, key, keylen);
	jw_str_plain(w, text, node_id_text(text, "", id, version));
}

/* Ends the annotations and the line's object. */
static void end_line(struct jw *w)
{
	jw_object_end(w);
	jw_object_end(w);
	jw_newline(w);
}

static void write_vertex(struct output *o, struct gnode *n, __u32 version, __u64 boot_ns)
{
	struct jw jw;
	struct attr_writer w = {.w = &jw, .style = ATTR_SPADE, .backend = pipeline_backend(o->p)};

	jw_init(&jw, &o->buf);
	jw_object_begin(&jw);
	jw_key_cstr(&jw, "type", node_kind_is_activity(n->kind) ? "Process" : "Artifact");
	put_id(&jw, JW_LIT("id"), n->id, version);
	jw_key(&jw, "annotations");
	jw_object_begin(&jw);
	attr_node(&w, &o->scratch, n, version, pipeline_wall_ns(o->p, boot_ns),
		  node_identity(o->p, n));
	end_line(&jw);
	mark_node_described(o, n, version);
}

static void vertex_if_needed(struct output *o, struct gnode *n, __u32 version, __u64 boot_ns)
{
	if (node_needs_description(o, n, version))
		write_vertex(o, n, version, boot_ns);
}

static void write_edge(struct output *o, const struct sabpf_edge *e)
{
	struct jw jw;
	struct attr_writer w = {.w = &jw, .style = ATTR_SPADE, .backend = pipeline_backend(o->p)};

	jw_init(&jw, &o->buf);
	jw_object_begin(&jw);
	jw_key_cstr(&jw, "type", spade_edge_type(prov_class_of(e->from.kind, e->to.kind)));
	put_id(&jw, JW_LIT("from"), e->to.id, e->to.version);	/* the effect */
	put_id(&jw, JW_LIT("to"), e->from.id, e->from.version); /* the cause */
	jw_key(&jw, "annotations");
	jw_object_begin(&jw);
	attr_edge(&w, e, pipeline_wall_ns(o->p, e->hdr.time_ns));
	end_line(&jw);
}

static void spade_record(struct output *o, const struct event *ev)
{
	const struct record *r = ev->rec;

	switch (r->hdr.type) {
	case SABPF_REC_NODE:
		if (ev->node)
			vertex_if_needed(o, ev->node, r->node.node.version, r->hdr.time_ns);
		break;
	case SABPF_REC_NAME:
		if (ev->node)
			vertex_if_needed(o, ev->node, r->name.node.version, r->hdr.time_ns);
		break;
	case SABPF_REC_EDGE:
		vertex_if_needed(o, ev->from, r->edge.from.version, r->hdr.time_ns);
		vertex_if_needed(o, ev->to, r->edge.to.version, r->hdr.time_ns);
		write_edge(o, &r->edge);
		break;
	default: /* LOST: counted in the statistics */
		break;
	}
}

static void spade_end_batch(struct output *o)
{
	(void)o; /* every line is complete as soon as it is written */
}

static void spade_close(struct output *o)
{
	(void)o;
}

const struct format_ops format_spade = {
    .name = "spade",
    .describes_nodes = true,
    .open = spade_open,
    .record = spade_record,
    .end_batch = spade_end_batch,
    .close = spade_close,
};
