/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* graph_update.c: the decode-to-graph step of the pipeline: keep the node
 * table (graph.h) up to date from each NODE, NAME and EDGE record (kind,
 * version, names and attributes), before the record goes to the formats. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline_priv.h"

/* ---- node table updates ---- */

static void note_version(struct gnode *n, const struct sabpf_ref *ref)
{
	n->kind = ref->kind;
	if (ref->version > n->version)
		n->version = ref->version;
}

/* The table entry of the node a NODE or NAME record describes. *newest
 * says whether the record's attributes are to be taken: an old version that
 * arrives late must not overwrite newer attributes. */
static struct gnode *gnode_described(struct sabpf_pipeline *p, const struct sabpf_ref *ref,
				     __u64 container, const struct sabpf_ctx *ctx, bool *newest)
{
	struct gnode *n = graph_get(p->graph, ref->id, ref->kind);
	if (!n)
		return NULL;
	*newest = !n->has_attrs || ref->version >= n->version;
	note_version(n, ref);
	if (*newest) {
		n->has_attrs = true;
		n->container = container;
		n->ctx = *ctx;
	}
	return n;
}

struct gnode *update_from_node(struct sabpf_pipeline *p, const struct record *r)
{
	const struct sabpf_node *rec = &r->node;
	bool newest;
	struct gnode *n = gnode_described(p, &rec->node, rec->hdr.container, &rec->ctx, &newest);
	if (!n || !newest)
		return n;
	switch (rec->node.kind) {
	case SABPF_NODE_TASK:
		n->a.task = rec->task;
		break;
	case SABPF_NODE_PROC_MEM:
		n->a.mem = rec->mem;
		break;
	case SABPF_NODE_ADDRESS: {
		char text[SABPF_UNIX_PATH_MAX + 16];
		size_t len = format_address(&rec->addr, text, sizeof(text));
		n->a.addr.family = rec->addr.family;
		n->a.addr.port = rec->addr.port;
		gnode_set_text(n, text, len);
		break;
	}
	case SABPF_NODE_PACKET: {
		char text[2 * INET6_ADDRSTRLEN + 80];
		size_t len = format_packet(&rec->packet, text, sizeof(text));
		n->a.packet = rec->packet;
		gnode_set_text(n, text, len);
		break;
	}
	case SABPF_NODE_NAMESPACE: {
		char text[48];
		int len = snprintf(text, sizeof(text), "%s:[%u]", nstype_name(rec->ns.nstype),
				   rec->ns.inum);
		n->a.ns = rec->ns;
		gnode_set_text(n, text, (size_t)len);
		break;
	}
	case SABPF_NODE_BPF_PROG:
	case SABPF_NODE_BPF_MAP: {
		char text[48];
		int len = snprintf(text, sizeof(text), "%u %.*s", rec->bpf.id,
				   (int)strnlen(rec->bpf.name, SABPF_BPF_NAME_LEN), rec->bpf.name);
		n->a.bpf = rec->bpf;
		gnode_set_text(n, text, (size_t)len);
		break;
	}
	case SABPF_NODE_MSG_QUEUE:
	case SABPF_NODE_MSG:
	case SABPF_NODE_SHM:
	case SABPF_NODE_SEM: {
		char text[64];
		n->a.ipc = rec->ipc;
		gnode_set_text(n, text, format_ipc(&rec->ipc, rec->node.kind, text, sizeof(text)));
		break;
	}
	default: /* inodes; their text (last path) is kept */
		n->a.inode = rec->inode;
		break;
	}
	return n;
}

struct gnode *update_from_name(struct sabpf_pipeline *p, const struct record *r)
{
	const struct record_name *rec = &r->name;
	bool newest;
	struct gnode *n = gnode_described(p, &rec->node, r->hdr.container, &rec->ctx, &newest);
	if (!n || !newest)
		return n;
	n->name_flags = rec->flags;
	n->argc = rec->argc;
	gnode_set_text(n, rec->text, rec->text_len);
	return n;
}

void update_from_edge(struct sabpf_pipeline *p, const struct sabpf_edge *e, struct gnode **from,
		      struct gnode **to)
{
	*from = graph_get(p->graph, e->from.id, e->from.kind);
	if (*from)
		note_version(*from, &e->from);
	*to = graph_get(p->graph, e->to.id, e->to.kind);
	if (*to)
		note_version(*to, &e->to);
	if (!*from || !*to || (*from)->text_len == 0)
		return;
	/* An inode takes the last path it was named by; a socket the address
	 * it was bound or connected to. */
	if (e->relation == SABPF_REL_NAMED || e->relation == SABPF_REL_ADDRESSED) {
		gnode_set_text(*to, (*from)->text, (*from)->text_len);
		/* whether that name is whole goes with it */
		(*to)->name_flags = (*from)->name_flags & SABPF_NAME_TRUNCATED;
	}
}
