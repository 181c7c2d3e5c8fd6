/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* json_read.h: reading small JSON documents (runtime configuration files,
 * seal files) with libyaml, the parser the policy files already use: JSON is
 * YAML. The document is loaded whole into a node tree; these helpers walk it. */
#ifndef SABPF_JSON_READ_H
#define SABPF_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

/* Loads text (len bytes) into doc, whose root must be an object. what names
 * the document in errors ("config.json: not valid JSON: ... at line 3,
 * column 7"). Returns 0 (free doc with yaml_document_delete), or -1 with err. */
int json_load_object(yaml_document_t *doc, const char *text, size_t len, const char *what,
		     char *err, size_t errlen);
/* The same for a document of any kind (object, array, scalar; the root is
 * NULL for an empty one). */
int json_load(yaml_document_t *doc, const char *text, size_t len, const char *what, char *err,
	      size_t errlen);
/* The root object of a loaded document. */
yaml_node_t *json_root(yaml_document_t *doc);
/* The value of key in object map; NULL when map is not an object or has no key. */
yaml_node_t *json_get(yaml_document_t *doc, yaml_node_t *map, const char *key);
/* The text of a scalar (string, number, true/false: as written) and its
 * length; NULL when n is NULL or not a scalar. Not NUL-terminated in general. */
const char *json_scalar(yaml_node_t *n, size_t *len);
/* Copies the scalar at key into dst (NUL-terminated, cut to size - 1).
 * Returns true when it was there and not empty; dst is left alone otherwise. */
bool json_copy_string(yaml_document_t *doc, yaml_node_t *map, const char *key, char *dst,
		      size_t size);

#endif /* SABPF_JSON_READ_H */
