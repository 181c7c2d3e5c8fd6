/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* graph_cmd.h: the `sabpf graph` command, which renders a raw capture as
 * views a person can read (docs/views.md):
 *
 *   sabpf graph [--dot FILE] [--summary FILE|-] [--json] [--container ID|NAME]
 *               [--collapse] [--max-nodes N] CAPTURE.raw
 *
 * and what its two views share. The views are output formats of the
 * pipeline (format_dot.c: `dot`, format_summary.c: `summary` and
 * `summary-json`), so `sabpf run -o dot:FILE` works too, with the default
 * view options. `sabpf graph` sets the options before it adds its outputs;
 * an output reads them when it is opened. */
#ifndef SABPF_GRAPH_CMD_H
#define SABPF_GRAPH_CMD_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "output.h"
#include "view_map.h"

/* Nodes drawn at most unless --max-nodes says otherwise. */
#define VIEW_DEFAULT_MAX_NODES 500
/* The largest --max-nodes accepted (0 means no limit). */
#define VIEW_MAX_NODES_LIMIT 10000000

struct view_options {
	const char *container; /* --container: cgroup id or name; NULL: every container */
	bool collapse;	       /* dot: one node per object instead of one per version */
	size_t max_nodes;      /* dot: nodes drawn at most; 0: no limit */
};

/* Replaces the options of outputs opened from now on (NULL: the defaults)
 * and forgets the containers seen so far. The string is not copied. */
void view_options_set(const struct view_options *opt);
const struct view_options *view_options_get(void);
/* Whether records of `container` are shown under the current options.
 * Also notes the container as seen (see view_container_matched()). */
bool view_selects(const struct sabpf_pipeline *p, __u64 container);
/* Whether any record so far belonged to the --container given (true when
 * none was given). */
bool view_container_matched(void);
/* The containers seen since view_options_set(), in the order first seen;
 * n receives how many. */
const __u64 *view_containers_seen(size_t *n);

/* Length of the UTF-8 character at s[i] (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0 if the byte there starts no
 * well-formed character. i < len. The check is json_write.h's
 * utf8_sequence_length(), the one UTF-8 check. */
size_t view_utf8_char_len(const unsigned char *s, size_t len, size_t i);

/* Command-line arguments of `sabpf graph`. */
struct graph_args {
	const char *dot;     /* --dot FILE */
	const char *summary; /* --summary FILE or - */
	bool json;	     /* --json: the summary as JSON */
	struct view_options view;
	const char *capture; /* the raw capture */
};

/* Parses argv (argv[0] is "graph"). Returns 0, or -1 with a message in err
 * for bad usage. Without --dot or --summary the summary goes to standard
 * output. */
int graph_parse_args(int argc, char **argv, struct graph_args *out, char *err, size_t errlen);
/* The command: 0 on success, 1 on failure, 2 on bad usage. */
int cmd_graph(int argc, char **argv);

#endif /* SABPF_GRAPH_CMD_H */
