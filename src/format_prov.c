/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* format_prov.c: the W3C PROV-JSON writer, with CamFlow's vocabulary.
 *
 * Each pipeline_flush() ends one complete PROV-JSON document, written as a
 * single line: {"prefix":{...},"activity":{...},"entity":{...},"used":{...},
 * "wasGeneratedBy":{...},"wasInformedBy":{...},"wasDerivedFrom":{...}}.
 * Because PROV-JSON groups records by class, each section is collected in
 * its own buffer until the document ends. Nodes are "sabpf:n<id hex>_v<ver>",
 * relations "sabpf:e<counter>" (the counter runs over the whole file). A node
 * version is described once per output, in the document of the record that
 * describes it or of the first relation that implies it (a version edge).
 * Attribute names are listed in docs/formats.md. */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "names.h"

/* A document is ended early when its sections hold this much. */
#define PROV_DOCUMENT_MAX (64u * 1024 * 1024)

enum prov_section {
	SEC_ACTIVITY,
	SEC_ENTITY,
	SEC_USED,
	SEC_GENERATED,
	SEC_INFORMED,
	SEC_DERIVED,
	SEC_COUNT
};

static const char *const section_names[SEC_COUNT] = {
    "activity", "entity", "used", "wasGeneratedBy", "wasInformedBy", "wasDerivedFrom",
};

struct prov_state {
	struct jbuf sections[SEC_COUNT];
	size_t pending; /* bytes in all sections */
	__u64 edges;	/* relations written, for their identifiers */
	__u64 documents;
};

static int prov_open(struct output *o)
{
	struct prov_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	for (int i = 0; i < SEC_COUNT; i++)
		jbuf_init(&s->sections[i]);
	o->state = s;
	return 0;
}

/* A writer for a member of a section (an object whose braces
 * prov_end_document writes). *counted: where the bytes that count towards
 * PROV_DOCUMENT_MAX start, after the comma and the `"sabpf:` of the key
 * (where documents are cut does not change with the writer). */
static struct jbuf *begin_member(struct prov_state *s, enum prov_section sec, struct jw *w,
				 size_t *counted)
{
	struct jbuf *b = &s->sections[sec];
	*counted = b->len + (b->len > 0) + sizeof("\"sabpf:") - 1;
	jw_init_in_object(w, b, b->len > 0);
	return b;
}

/* `"prov:<role>":"sabpf:n..._v..."` (key: "prov:<role>"). */
static void put_ref(struct jw *w, const char *key, const struct sabpf_ref *ref)
{
	char text[NODE_ID_MAX];
	jw_key_lit(w, key, strlen(key));
	jw_str_plain(w, text, node_id_text(text, "sabpf:", ref->id, ref->version));
}

static void describe_node(struct output *o, struct gnode *n, __u32 version, __u64 boot_ns)
{
	struct prov_state *s = o->state;
	enum prov_section sec = node_kind_is_activity(n->kind) ? SEC_ACTIVITY : SEC_ENTITY;
	struct jw jw;
	size_t before;
	struct jbuf *b = begin_member(s, sec, &jw, &before);
	struct attr_writer w = {.w = &jw, .style = ATTR_PROV, .backend = pipeline_backend(o->p)};
	char key[NODE_ID_MAX];

	jw_key_lit(&jw, key, node_id_text(key, "sabpf:", n->id, version));
	jw_object_begin(&jw);
	attr_node(&w, &o->scratch, n, version, pipeline_wall_ns(o->p, boot_ns),
		  node_identity(o->p, n));
	jw_object_end(&jw);
	s->pending += b->len - before;
	mark_node_described(o, n, version);
}

static void describe_if_needed(struct output *o, struct gnode *n, __u32 version, __u64 boot_ns)
{
	if (node_needs_description(o, n, version))
		describe_node(o, n, version, boot_ns);
}

static void write_relation(struct output *o, const struct sabpf_edge *e)
{
	static const char *const roles[][2] = {
	    /* {key of `to`, key of `from`} per enum prov_class */
	    [PROV_USED] = {"prov:activity", "prov:entity"},
	    [PROV_WAS_GENERATED_BY] = {"prov:entity", "prov:activity"},
	    [PROV_WAS_INFORMED_BY] = {"prov:informed", "prov:informant"},
	    [PROV_WAS_DERIVED_FROM] = {"prov:generatedEntity", "prov:usedEntity"},
	};
	struct prov_state *s = o->state;
	enum prov_class c = prov_class_of(e->from.kind, e->to.kind);
	struct jw jw;
	size_t before;
	struct jbuf *b = begin_member(s, (enum prov_section)(SEC_USED + c), &jw, &before);
	struct attr_writer w = {.w = &jw, .style = ATTR_PROV, .backend = pipeline_backend(o->p)};
	char key[32] = "sabpf:e", digits[20];
	size_t n = 7, i = sizeof(digits);
	__u64 v = ++s->edges;
	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(key + n, digits + i, sizeof(digits) - i);
	n += sizeof(digits) - i;

	jw_key_lit(&jw, key, n);
	jw_object_begin(&jw);
	put_ref(&jw, roles[c][0], &e->to);
	put_ref(&jw, roles[c][1], &e->from);
	attr_edge(&w, e, pipeline_wall_ns(o->p, e->hdr.time_ns));
	jw_object_end(&jw);
	s->pending += b->len - before;
}

static void prov_end_document(struct output *o, bool even_if_empty)
{
	struct prov_state *s = o->state;
	if (s->pending == 0 && !even_if_empty)
		return;
	struct jw w;
	jw_init(&w, &o->buf);
	jw_object_begin(&w);
	jw_key(&w, "prefix");
	jw_object_begin(&w);
	jw_key_cstr(&w, "prov", "http://www.w3.org/ns/prov#");
	jw_key_cstr(&w, "cf", "http://www.camflow.org");
	jw_key_cstr(&w, "sabpf", "https://sabpf.invalid/ns#");
	jw_object_end(&w);
	for (int i = 0; i < SEC_COUNT; i++) {
		struct jbuf *sec = &s->sections[i];
		if (sec->len == 0)
			continue;
		jw_key_lit(&w, section_names[i], strlen(section_names[i]));
		jw_object_begin(&w);
		/* the members, written by their own writers (begin_member) */
		output_put_large(o, sec->data, sec->len);
		jw_object_end(&w);
		if (sec->oom)
			o->buf.oom = true; /* reported as a write failure */
		jbuf_reset(sec);
	}
	jw_object_end(&w);
	jw_newline(&w);
	s->pending = 0;
	s->documents++;
}

static void prov_record(struct output *o, const struct event *ev)
{
	struct prov_state *s = o->state;
	const struct record *r = ev->rec;

	switch (r->hdr.type) {
	case SABPF_REC_NODE:
		if (ev->node)
			describe_if_needed(o, ev->node, r->node.node.version, r->hdr.time_ns);
		break;
	case SABPF_REC_NAME:
		if (ev->node)
			describe_if_needed(o, ev->node, r->name.node.version, r->hdr.time_ns);
		break;
	case SABPF_REC_EDGE:
		/* Versions implied by this edge (version, exec_task and
		 * terminate_task steps) are described from the table. */
		describe_if_needed(o, ev->from, r->edge.from.version, r->hdr.time_ns);
		describe_if_needed(o, ev->to, r->edge.to.version, r->hdr.time_ns);
		write_relation(o, &r->edge);
		break;
	default: /* LOST: counted in the statistics, not a PROV record */
		break;
	}
	if (s->pending >= PROV_DOCUMENT_MAX)
		prov_end_document(o, false);
}

static void prov_end_batch(struct output *o)
{
	prov_end_document(o, false);
}

static void prov_close(struct output *o)
{
	struct prov_state *s = o->state;
	/* A file that holds no document would not be valid PROV-JSON. */
	prov_end_document(o, s->documents == 0);
	for (int i = 0; i < SEC_COUNT; i++)
		jbuf_free(&s->sections[i]);
	free(s);
	o->state = NULL;
}

const struct format_ops format_prov = {
    .name = "prov",
    .describes_nodes = true,
    .open = prov_open,
    .record = prov_record,
    .end_batch = prov_end_batch,
    .close = prov_close,
};
