/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* names.h: the vocabulary of the graph: names of node kinds and relations
 * (CamFlow's where CamFlow has one), and the W3C PROV class of a relation,
 * which follows from the kinds of its two ends (see sabpf_record.h). */
#ifndef SABPF_NAMES_H
#define SABPF_NAMES_H

#include <linux/types.h>
#include <stdbool.h>

enum prov_class {
	PROV_USED,	       /* entity   -> activity */
	PROV_WAS_GENERATED_BY, /* activity -> entity   */
	PROV_WAS_INFORMED_BY,  /* activity -> activity */
	PROV_WAS_DERIVED_FROM, /* entity   -> entity   */
};

/* "task", "file", ...; NULL for a kind that does not exist. */
const char *node_kind_name(__u32 kind);
/* "read", "version_entity", ...; NULL for a relation that does not exist. */
const char *relation_name(__u32 relation);
bool node_kind_is_valid(__u32 kind);
bool relation_is_valid(__u32 relation);
/* Only tasks are PROV activities. */
bool node_kind_is_activity(__u32 kind);
/* Inode kinds: file, directory, link, fifo, socket, char, block, mqueue. */
/* Short name of a namespace type (CLONE_NEWNET -> "net"), as /proc/PID/ns
 * names it; "ns" for an unknown one. */
const char *nstype_name(__u32 nstype);
bool node_kind_is_inode(__u32 kind);
/* VERSION_ACTIVITY and VERSION_ENTITY: edges that only step a version. */
bool relation_is_version(__u32 relation);

enum prov_class prov_class_of(__u32 from_kind, __u32 to_kind);
/* PROV-JSON section name: "used", "wasGeneratedBy", ... */
const char *prov_class_name(enum prov_class c);
/* SPADE edge type: "Used", "WasGeneratedBy", "WasTriggeredBy", "WasDerivedFrom". */
const char *spade_edge_type(enum prov_class c);

#endif /* SABPF_NAMES_H */
