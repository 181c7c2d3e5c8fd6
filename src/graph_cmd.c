/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* graph_cmd.c: `sabpf graph` (see graph_cmd.h): option parsing, the view
 * options shared with the dot and summary formats, and the containers they
 * saw. The views' hash map is in view_map.c. */
#include "graph_cmd.h"
#include "cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

#define MAX_SEEN 4096 /* containers remembered for error messages */

static const char usage_line[] =
    "usage: sabpf graph [--dot FILE] [--summary FILE|-] [--json] [--container ID|NAME]\n"
    "                   [--collapse] [--max-nodes N] CAPTURE.raw";

/* ---- view options and containers seen ---------------------------------- */

static struct view_options options = {.max_nodes = VIEW_DEFAULT_MAX_NODES};
static __u64 seen[MAX_SEEN];
static size_t nseen;
static bool matched;

void view_options_set(const struct view_options *opt)
{
	static const struct view_options defaults = {.max_nodes = VIEW_DEFAULT_MAX_NODES};
	options = opt ? *opt : defaults;
	nseen = 0;
	matched = false;
}

const struct view_options *view_options_get(void)
{
	return &options;
}

static void note_seen(__u64 container)
{
	for (size_t i = 0; i < nseen; i++)
		if (seen[i] == container)
			return;
	if (nseen < MAX_SEEN)
		seen[nseen++] = container;
}

/* Does the --container text name this container, by cgroup id or name? */
static bool container_matches(const struct sabpf_pipeline *p, const char *want, __u64 container)
{
	char *end;
	errno = 0;
	unsigned long long id = strtoull(want, &end, 10);
	if (*want >= '0' && *want <= '9' && *end == '\0' && errno == 0 && id == container)
		return true;
	const char *name = pipeline_container_name(p, container);
	return name && strcmp(name, want) == 0;
}

bool view_selects(const struct sabpf_pipeline *p, __u64 container)
{
	note_seen(container);
	if (!options.container)
		return true;
	if (!container_matches(p, options.container, container))
		return false;
	matched = true;
	return true;
}

bool view_container_matched(void)
{
	return !options.container || matched;
}

const __u64 *view_containers_seen(size_t *n)
{
	*n = nseen;
	return seen;
}

size_t view_utf8_char_len(const unsigned char *s, size_t len, size_t i)
{
	return s[i] < 0x80 ? 1 : utf8_sequence_length(s + i, len - i);
}

/* ---- the command line --------------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int parse_max_nodes(const char *text, size_t *out, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(text, &end, 10);
	if (*text < '0' || *text > '9' || *end != '\0' || errno || n > VIEW_MAX_NODES_LIMIT) {
		set_err(err, errlen,
			"--max-nodes '%s' is not a count from 0 to %d: give the most nodes to "
			"draw, e.g. --max-nodes 500 (0: no limit)",
			text, VIEW_MAX_NODES_LIMIT);
		return -1;
	}
	*out = (size_t)n;
	return 0;
}

/* Checks that the options make sense together. */
static int check_args(struct graph_args *a, bool max_nodes_given, char *err, size_t errlen)
{
	if (!a->dot && (a->view.collapse || max_nodes_given)) {
		set_err(err, errlen, "%s shapes the DOT graph only: add --dot FILE",
			a->view.collapse ? "--collapse" : "--max-nodes");
		return -1;
	}
	if (a->view.container && a->view.container[0] == '\0') {
		set_err(err, errlen,
			"--container is empty: give a container's cgroup id or name (the summary "
			"lists them)");
		return -1;
	}
	if (!a->dot && !a->summary)
		a->summary = "-";
	if (a->dot && a->summary && strcmp(a->dot, a->summary) == 0) {
		set_err(err, errlen,
			"--dot and --summary both write to '%s': give each its own file (at most "
			"one of them can be -)",
			a->dot);
		return -1;
	}
	return 0;
}

int graph_parse_args(int argc, char **argv, struct graph_args *out, char *err, size_t errlen)
{
	static const struct option longopts[] = {
	    {"dot", required_argument, 0, 'd'}, {"summary", required_argument, 0, 's'},
	    {"json", no_argument, 0, 'j'},	{"container", required_argument, 0, 'c'},
	    {"collapse", no_argument, 0, 'C'},	{"max-nodes", required_argument, 0, 'm'},
	    {"help", no_argument, 0, 'h'},	{0, 0, 0, 0},
	};
	bool max_nodes_given = false;
	int opt;

	*out = (struct graph_args){.json = cmd_json, .view = {.max_nodes = VIEW_DEFAULT_MAX_NODES}};
	cmd_getopt_reset();
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			out->dot = optarg;
			break;
		case 's':
			out->summary = optarg;
			break;
		case 'j':
			out->json = true;
			break;
		case 'c':
			out->view.container = optarg;
			break;
		case 'C':
			out->view.collapse = true;
			break;
		case 'm':
			if (parse_max_nodes(optarg, &out->view.max_nodes, err, errlen) < 0)
				return -1;
			max_nodes_given = true;
			break;
		case 'h':
			set_err(err, errlen, "%s", usage_line);
			return -1;
		case ':':
			set_err(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return -1;
		default:
			set_err(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return -1;
		}
	}
	if (optind >= argc) {
		set_err(err, errlen,
			"no capture given: name a raw capture (sabpf run -o raw:FILE)");
		return -1;
	}
	if (optind < argc - 1) {
		set_err(err, errlen, "one capture at a time: '%s' follows '%s'", argv[optind + 1],
			argv[optind]);
		return -1;
	}
	out->capture = argv[optind];
	return check_args(out, max_nodes_given, err, errlen);
}

/* Adds output "FORMAT:PATH". */
static int add_view(struct sabpf_pipeline *p, const char *format, const char *path, char *err,
		    size_t errlen)
{
	char spec[4096 + 32];
	if ((size_t)snprintf(spec, sizeof(spec), "%s:%s", format, path) >= sizeof(spec)) {
		set_err(err, errlen, "the path '%.64s...' is too long", path);
		return -1;
	}
	return pipeline_add_output(p, spec, err, errlen);
}

/* "57 (demo), 60": the containers of the capture, for an error message. */
static void list_containers(const struct sabpf_pipeline *p, char *out, size_t len)
{
	size_t n, used = 0;
	const __u64 *ids = view_containers_seen(&n);
	out[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		const char *name = pipeline_container_name(p, ids[i]);
		int w = snprintf(out + used, len - used, "%s%llu%s%s%s", i ? ", " : "",
				 (unsigned long long)ids[i], name ? " (" : "", name ? name : "",
				 name ? ")" : "");
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (n == 0)
		snprintf(out, len, "none: it holds no record");
}

/* Replays the capture into the views; returns 0 or 1 (failure, reported). */
static int render(struct sabpf_pipeline *p, const struct graph_args *a)
{
	char err[1024];
	if ((a->dot && add_view(p, "dot", a->dot, err, sizeof(err)) < 0) ||
	    (a->summary &&
	     add_view(p, a->json ? "summary-json" : "summary", a->summary, err, sizeof(err)) < 0)) {
		fprintf(stderr, "sabpf graph: %s\n", err);
		return 1;
	}
	if (pipeline_replay_file(p, a->capture, err, sizeof(err)) < 0) {
		fprintf(stderr, "sabpf graph: %s\n", err);
		return 1;
	}
	if (!view_container_matched()) {
		char list[1024];
		list_containers(p, list, sizeof(list));
		fprintf(stderr,
			"sabpf graph: no container '%s' in '%s': its containers are %s (a raw "
			"capture knows containers by cgroup id, and runtimes' containers by "
			"the names in FILE.identity.jsonl)\n",
			a->view.container, a->capture, list);
		return 1;
	}
	return 0;
}

int cmd_graph(int argc, char **argv)
{
	struct graph_args a;
	char err[1024];
	if (graph_parse_args(argc, argv, &a, err, sizeof(err)) < 0) {
		bool help = strncmp(err, "usage:", 6) == 0;
		if (help) {
			printf("%s\n", usage_line);
			return 0;
		}
		fprintf(stderr, "sabpf graph: %s\n%s\n", err, usage_line);
		return EXIT_USAGE;
	}
	view_options_set(&a.view);
	struct sabpf_pipeline *p = pipeline_new();
	if (!p) {
		fprintf(stderr, "sabpf graph: out of memory\n");
		return 1;
	}
	int rc = render(p, &a);
	if (pipeline_finish(p, rc == 0) < 0 && rc == 0) {
		fprintf(stderr, "sabpf graph: writing the views failed\n");
		rc = 1;
	}
	pipeline_free(p);
	view_options_set(NULL);
	return rc;
}
