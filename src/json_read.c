/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* json_read.c: JSON documents read with libyaml (see json_read.h). */
#include <stdio.h>
#include <string.h>

#include "json_read.h"

int json_load(yaml_document_t *doc, const char *text, size_t len, const char *what, char *err,
	      size_t errlen)
{
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", what);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, doc)) {
		snprintf(err, errlen, "%s: not valid JSON: %s at line %zu, column %zu", what,
			 parser.problem ? parser.problem : "parse error",
			 parser.problem_mark.line + 1, parser.problem_mark.column + 1);
		yaml_parser_delete(&parser);
		return -1;
	}
	yaml_parser_delete(&parser);
	return 0;
}

int json_load_object(yaml_document_t *doc, const char *text, size_t len, const char *what,
		     char *err, size_t errlen)
{
	if (json_load(doc, text, len, what, err, errlen))
		return -1;
	yaml_node_t *root = yaml_document_get_root_node(doc);
	if (!root || root->type != YAML_MAPPING_NODE) {
		snprintf(err, errlen, "%s: the document is not a JSON object", what);
		yaml_document_delete(doc);
		return -1;
	}
	return 0;
}

yaml_node_t *json_root(yaml_document_t *doc)
{
	return yaml_document_get_root_node(doc);
}

const char *json_scalar(yaml_node_t *n, size_t *len)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	*len = n->data.scalar.length;
	return (const char *)n->data.scalar.value;
}

yaml_node_t *json_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	size_t want = strlen(key);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		size_t n;
		const char *k = json_scalar(yaml_document_get_node(doc, p->key), &n);
		if (k && n == want && memcmp(k, key, n) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

bool json_copy_string(yaml_document_t *doc, yaml_node_t *map, const char *key, char *dst,
		      size_t size)
{
	size_t n;
	const char *v = json_scalar(json_get(doc, map, key), &n);
	if (!v || !n || !size)
		return false;
	if (n >= size)
		n = size - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return true;
}
