/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* config.c: the configuration file of `sabpf audit` (config.h): parsed
 * with libyaml into outputs and container entries (selectors of select.c
 * with record classes and a policy file), checked term by term with
 * FILE:LINE:COLUMN in every error, and reloaded on SIGHUP or an inotify
 * event on its directory by the agent's loop (config_poll); and `sabpf
 * config check`, which validates a file as the agent would read it. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "policy.h"
#include "select.h"

#define CONFIG_FILE_MAX (1 << 20)

/* An error at node n of file. */
static int at(char *err, size_t errlen, const char *file, const yaml_node_t *n, const char *fmt,
	      ...) __attribute__((format(printf, 5, 6)));
static int at(char *err, size_t errlen, const char *file, const yaml_node_t *n, const char *fmt,
	      ...)
{
	int k = snprintf(err, errlen, "%s:%zu:%zu: ", file, n ? n->start_mark.line + 1 : 1,
			 n ? n->start_mark.column + 1 : 1);
	if (k < 0 || (size_t)k >= errlen)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err + k, errlen - k, fmt, ap);
	va_end(ap);
	return -1;
}

/* The scalar n as a NUL-terminated string in buf, or -1 with err. */
static int scalar(yaml_node_t *n, char *buf, size_t size, const char *what, const char *file,
		  char *err, size_t errlen)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return at(err, errlen, file, n, "%s must be a string", what);
	size_t len = n->data.scalar.length;
	if (len == 0 || len >= size || memchr(n->data.scalar.value, '\0', len))
		return at(err, errlen, file, n, "%s must be 1 to %zu characters", what, size - 1);
	memcpy(buf, n->data.scalar.value, len);
	buf[len] = '\0';
	return 0;
}

static int check_selector(const char *text, yaml_node_t *n, const char *file, char *err,
			  size_t errlen)
{
	struct selection *scratch = NULL;
	char why[1024];
	int rc = selection_add(&scratch, text, why, sizeof(why));
	selection_free(scratch);
	return rc ? at(err, errlen, file, n, "select: %s", why) : 0;
}

/* policy: FILE of an entry, into path (relative to the configuration
 * file's directory), checked now: it must exist and be a valid policy. */
static int parse_policy(yaml_node_t *n, const char *file, char *path, char *err, size_t errlen)
{
	char text[CONFIG_POLICY_MAX];
	if (scalar(n, text, sizeof(text), "policy", file, err, errlen))
		return -1;
	const char *slash = strrchr(file, '/');
	int dirlen = text[0] == '/' || !slash ? 0 : (int)(slash - file + 1);
	if (snprintf(path, CONFIG_POLICY_MAX, "%.*s%s", dirlen, file, text) >= CONFIG_POLICY_MAX)
		return at(err, errlen, file, n, "policy: the path %.*s%s is longer than %d bytes",
			  dirlen, file, text, CONFIG_POLICY_MAX - 1);
	struct policy *p = NULL;
	char why[1024];
	if (policy_load_file(path, &p, why, sizeof(why)))
		return at(err, errlen, file, n,
			  "policy: %s (give a policy file, docs/policy.md; a relative path is "
			  "taken from the configuration file's directory)",
			  why);
	policy_free(p);
	return 0;
}

static int parse_entry(yaml_document_t *doc, yaml_node_t *n, const char *file,
		       struct sabpf_config *c, char *err, size_t errlen)
{
	if (n->type != YAML_MAPPING_NODE)
		return at(err, errlen, file, n,
			  "a containers entry must be a mapping with select (or all: true) and "
			  "optional classes");
	char classes[64] = "";
	unsigned mask = 0;
	char policy[CONFIG_POLICY_MAX] = "";
	yaml_node_t *sel = NULL, *all = NULL, *cls = NULL, *pol = NULL;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		char key[32];
		if (scalar(k, key, sizeof(key), "a key", file, err, errlen))
			return -1;
		if (strcmp(key, "select") == 0)
			sel = v;
		else if (strcmp(key, "all") == 0)
			all = v;
		else if (strcmp(key, "classes") == 0)
			cls = v;
		else if (strcmp(key, "policy") == 0)
			pol = v;
		else
			return at(err, errlen, file, k,
				  "unknown key '%s' in a containers entry (keys: select, all, "
				  "classes, policy)",
				  key);
	}
	if (!sel == !all)
		return at(err, errlen, file, n,
			  "a containers entry needs select: SELECTOR (or a list of them) or "
			  "all: true, not %s",
			  sel ? "both" : "neither");
	if (cls) {
		__u32 m;
		char why[512];
		if (scalar(cls, classes, sizeof(classes), "classes", file, err, errlen))
			return -1;
		if (cli_parse_classes(classes, &m, why, sizeof(why)))
			return at(err, errlen, file, cls, "classes: %s", why);
		mask = m;
	}
	if (pol && parse_policy(pol, file, policy, err, errlen))
		return -1;
	yaml_node_t *one[1];
	yaml_node_t **items = one;
	size_t nitems = 1;
	char text[300];
	if (all) {
		if (scalar(all, text, sizeof(text), "all", file, err, errlen))
			return -1;
		if (strcmp(text, "true"))
			return at(err, errlen, file, all,
				  "all: must be true (leave the entry out otherwise)");
		one[0] = NULL;
	} else if (sel->type == YAML_SEQUENCE_NODE) {
		nitems = sel->data.sequence.items.top - sel->data.sequence.items.start;
		if (nitems == 0)
			return at(err, errlen, file, sel, "select: the list is empty");
		items = calloc(nitems, sizeof(*items));
		if (!items)
			return at(err, errlen, file, sel, "out of memory");
		for (size_t i = 0; i < nitems; i++)
			items[i] = yaml_document_get_node(doc, sel->data.sequence.items.start[i]);
	} else {
		one[0] = sel;
	}
	int rc = 0;
	for (size_t i = 0; i < nitems && rc == 0; i++) {
		if (c->nentries == CONFIG_MAX_ENTRIES) {
			rc = at(err, errlen, file, items[i] ? items[i] : n,
				"at most %d selectors in containers", CONFIG_MAX_ENTRIES);
			break;
		}
		text[0] = '\0';
		if (items[i] &&
		    (scalar(items[i], text, sizeof(text), "select", file, err, errlen) ||
		     check_selector(text, items[i], file, err, errlen))) {
			rc = -1;
			break;
		}
		struct config_entry *e = &c->entries[c->nentries++];
		snprintf(e->select, sizeof(e->select), "%s", text);
		snprintf(e->classes, sizeof(e->classes), "%s", classes);
		e->class_mask = mask;
		snprintf(e->policy, sizeof(e->policy), "%s", policy);
	}
	if (items != one)
		free(items);
	return rc;
}

static int parse_outputs(yaml_document_t *doc, yaml_node_t *n, const char *file,
			 struct sabpf_config *c, char *err, size_t errlen)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return at(err, errlen, file, n,
			  "outputs must be a list of FORMAT:PATH, e.g. [jsonl:/var/log/sabpf/"
			  "audit.jsonl]");
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++) {
		yaml_node_t *v = yaml_document_get_node(doc, *i);
		if (c->noutputs == CONFIG_MAX_OUTPUTS)
			return at(err, errlen, file, v, "at most %d outputs", CONFIG_MAX_OUTPUTS);
		char *o = c->outputs[c->noutputs];
		if (scalar(v, o, sizeof(c->outputs[0]), "an output", file, err, errlen))
			return -1;
		if (!strchr(o, ':'))
			return at(err, errlen, file, v,
				  "output '%s' has no ':': use FORMAT:PATH, e.g. jsonl:-", o);
		c->noutputs++;
	}
	return 0;
}

int config_parse(const char *text, size_t len, const char *file, struct sabpf_config *c, char *err,
		 size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	memset(c, 0, sizeof(*c));
	if (!yaml_parser_initialize(&parser))
		return at(err, errlen, file, NULL, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu:%zu: not valid YAML: %s", file,
			 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			 parser.problem ? parser.problem : "unknown error");
		yaml_parser_delete(&parser);
		return -1;
	}
	yaml_parser_delete(&parser);
	int rc = 0;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root) {
		rc =
		    at(err, errlen, file, NULL,
		       "the file is empty: give outputs and/or containers (docs/configuration.md)");
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		rc = at(err, errlen, file, root,
			"the top level must be a mapping with outputs and containers");
		goto out;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top && rc == 0; p++) {
		yaml_node_t *k = yaml_document_get_node(&doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&doc, p->value);
		char key[32];
		if (scalar(k, key, sizeof(key), "a key", file, err, errlen)) {
			rc = -1;
		} else if (strcmp(key, "outputs") == 0) {
			rc = parse_outputs(&doc, v, file, c, err, errlen);
		} else if (strcmp(key, "containers") == 0) {
			if (v->type != YAML_SEQUENCE_NODE) {
				rc = at(err, errlen, file, v,
					"containers must be a list of entries (- select: ...)");
				break;
			}
			for (yaml_node_item_t *i = v->data.sequence.items.start;
			     i < v->data.sequence.items.top && rc == 0; i++)
				rc = parse_entry(&doc, yaml_document_get_node(&doc, *i), file, c,
						 err, errlen);
		} else {
			rc = at(err, errlen, file, k,
				"unknown key '%s' (keys: outputs, containers)", key);
		}
	}
out:
	yaml_document_delete(&doc);
	return rc;
}

int config_load(const char *path, struct sabpf_config *c, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "cannot read configuration file %s: %s", path,
			 strerror(errno));
		return -1;
	}
	char *text = malloc(CONFIG_FILE_MAX + 1);
	size_t len = text ? fread(text, 1, CONFIG_FILE_MAX + 1, f) : 0;
	int bad = !text || ferror(f);
	fclose(f);
	if (bad || len > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "%s: %s", path,
			 bad ? "cannot be read" : "larger than 1 MiB: not a configuration file");
		free(text);
		return -1;
	}
	int rc = config_parse(text, len, path, c, err, errlen);
	free(text);
	return rc;
}

int config_selection(const struct sabpf_config *c, struct selection **s, char *err, size_t errlen)
{
	for (int i = 0; i < c->nentries; i++)
		if (selection_add_config(s, c->entries[i].select, c->entries[i].class_mask,
					 c->entries[i].policy, err, errlen))
			return -1;
	return 0;
}

static bool has_entry(const struct sabpf_config *c, const struct config_entry *e)
{
	for (int i = 0; i < c->nentries; i++)
		if (!strcmp(c->entries[i].select, e->select) &&
		    !strcmp(c->entries[i].classes, e->classes) &&
		    !strcmp(c->entries[i].policy, e->policy))
			return true;
	return false;
}

static void say_entry(FILE *out, const char *what, const struct config_entry *e)
{
	fprintf(out, "sabpf: configuration: %s %s%s%s%s%s%s\n", what,
		e->select[0] ? "select " : "all", e->select, e->classes[0] ? ", classes " : "",
		e->classes, e->policy[0] ? ", policy " : "", e->policy);
}

int config_diff(const struct sabpf_config *old, const struct sabpf_config *new, FILE *out)
{
	int n = 0;
	for (int i = 0; i < old->nentries; i++)
		if (!has_entry(new, &old->entries[i]) && ++n)
			say_entry(out, "removed", &old->entries[i]);
	for (int i = 0; i < new->nentries; i++)
		if (!has_entry(old, &new->entries[i]) && ++n)
			say_entry(out, "added", &new->entries[i]);
	bool same = old->noutputs == new->noutputs;
	for (int i = 0; same && i < old->noutputs; i++)
		same = !strcmp(old->outputs[i], new->outputs[i]);
	if (!same && ++n)
		fprintf(out, "sabpf: configuration: outputs changed: kept as they are until the "
			     "agent restarts\n");
	return n;
}

/* ---- the agent's side ----------------------------------------------------- */

struct config_state {
	char path[PATH_MAX];
	struct sabpf_config cur;
	int watch_fd; /* config_watch's inotify descriptor, or -1 */
};

static volatile sig_atomic_t reload_requested;

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

/* SIGHUP is taken by the agent whether or not it has a file: a reload
 * (systemctl reload) must never stop it without writing its outputs. */
static void arm_sighup(void)
{
	struct sigaction sa = {.sa_handler = on_hup};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
}

int config_start(const char *path, struct selection **s, const char **outputs, int *noutputs,
		 int max, struct config_state **st, char *err, size_t errlen)
{
	struct stat sb;
	struct config_state *c = calloc(1, sizeof(*c));
	*st = NULL;
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->watch_fd = -1;
	if (!path && stat(CONFIG_DEFAULT_PATH, &sb) && errno == ENOENT) {
		*st = c; /* no file: the command line only; SIGHUP says so */
		arm_sighup();
		return 0;
	}
	if (!path)
		path = CONFIG_DEFAULT_PATH;
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (config_load(path, &c->cur, err, errlen) || config_selection(&c->cur, s, err, errlen)) {
		free(c);
		return -1;
	}
	if (!*s && !(*s = selection_new())) { /* followed on SIGHUP too, even if empty now */
		snprintf(err, errlen, "out of memory");
		free(c);
		return -1;
	}
	if (*noutputs == 0)
		for (int i = 0; i < c->cur.noutputs && *noutputs < max; i++)
			outputs[(*noutputs)++] = c->cur.outputs[i];
	arm_sighup();
	*st = c;
	return 0;
}

int config_watch(struct config_state *st, char *err, size_t errlen)
{
	if (!st || !st->path[0]) {
		snprintf(err, errlen,
			 "--watch-config: no configuration file to watch (give --config FILE)");
		return -1;
	}
	char dir[PATH_MAX] = ".";
	const char *slash = strrchr(st->path, '/');
	if (slash == st->path)
		snprintf(dir, sizeof(dir), "/");
	else if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - st->path), st->path);
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0 || inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
		snprintf(err, errlen, "--watch-config: cannot watch %s: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	st->watch_fd = fd;
	return 0;
}

/* Whether the watch saw the file, or a ConfigMap's ..data link, replaced
 * or written since the last call (every pending event is read). */
static bool watch_changed(struct config_state *st)
{
	if (st->watch_fd < 0)
		return false;
	const char *slash = strrchr(st->path, '/');
	const char *base = slash ? slash + 1 : st->path;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t n;
	while ((n = read(st->watch_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			if ((ev->mask & IN_Q_OVERFLOW) ||
			    (ev->len && (!strcmp(ev->name, base) || !strcmp(ev->name, "..data"))))
				changed = true; /* an overflow may have hidden one */
			p += sizeof(*ev) + ev->len;
		}
	}
	return changed;
}

int config_poll(struct config_state *st, struct selection *s)
{
	if (!st)
		return 0;
	const char *why = "SIGHUP";
	if (!reload_requested) {
		if (!watch_changed(st))
			return 0;
		why = "file changed";
	}
	reload_requested = 0;
	if (!st->path[0]) {
		fprintf(stderr,
			"sabpf: SIGHUP: no configuration file to reload (%s did not exist "
			"at start and no --config was given): restart the agent to use one\n",
			CONFIG_DEFAULT_PATH);
		return 0;
	}
	char err[1024];
	struct sabpf_config *next = malloc(sizeof(*next));
	struct selection *fresh = NULL;
	int reloaded = 0;
	if (!next) {
		fprintf(stderr, "sabpf: %s: out of memory: configuration unchanged\n", why);
		return 0;
	}
	if (config_load(st->path, next, err, sizeof(err)) ||
	    config_selection(next, &fresh, err, sizeof(err)) ||
	    selection_replace_config(s, fresh, err, sizeof(err))) {
		fprintf(stderr,
			"sabpf: %s: configuration not reloaded, the one in use stays: "
			"%s\n",
			why, err);
	} else {
		int n = config_diff(&st->cur, next, stderr);
		/* outputs stay those in use (their strings are st->cur's) */
		memcpy(next->outputs, st->cur.outputs, sizeof(next->outputs));
		next->noutputs = st->cur.noutputs;
		st->cur = *next;
		fprintf(stderr, "sabpf: %s: configuration %s reloaded (%d change%s)\n", why,
			st->path, n, n == 1 ? "" : "s");
		reloaded = 1;
	}
	selection_free(fresh);
	free(next);
	return reloaded;
}

void config_free(struct config_state *st)
{
	if (st && st->watch_fd >= 0)
		close(st->watch_fd);
	free(st);
}

/* ---- sabpf config check ---------------------------------------------------- */

static int cmd_config_check(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: sabpf config check [FILE]\n"
		       "validate a configuration file (default " CONFIG_DEFAULT_PATH
		       ") as `sabpf audit` reads it, policy files included, and print its "
		       "entries\n");
		return 0;
	}
	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return cmd_usage_error("sabpf config check", "expected at most one FILE");
	const char *path = argc == 2 ? argv[1] : CONFIG_DEFAULT_PATH;
	struct sabpf_config *c = malloc(sizeof(*c));
	struct selection *s = NULL;
	char err[1024];
	if (!c) {
		fprintf(stderr, "sabpf config check: out of memory\n");
		return 1;
	}
	int rc =
	    config_load(path, c, err, sizeof(err)) || config_selection(c, &s, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "sabpf config check: %s\n", err);
	} else {
		for (int i = 0; i < c->noutputs; i++)
			printf("output %s\n", c->outputs[i]);
		for (int i = 0; i < c->nentries; i++) {
			const struct config_entry *e = &c->entries[i];
			printf("%d: %s%s classes %s policy %s\n", i + 1,
			       e->select[0] ? "select " : "all", e->select,
			       e->classes[0] ? e->classes : "(the agent's --classes)",
			       e->policy[0] ? e->policy : "(none)");
		}
		printf("%s: valid (%d output%s, %d selector%s)\n", path, c->noutputs,
		       c->noutputs == 1 ? "" : "s", c->nentries, c->nentries == 1 ? "" : "s");
	}
	selection_free(s);
	free(c);
	return rc ? 1 : 0;
}

const struct cmd config_cmds[] = {
    {"check", cmd_config_check, "[FILE]",
     "validate a configuration file (policy files included) and print its entries", 0, NULL},
    {0},
};

int cmd_config(int argc, char **argv)
{
	if (argc < 2) {
		cmd_print_table(stderr, config_cmds, "sabpf config");
		return EXIT_USAGE;
	}
	return cmd_select(config_cmds, "sabpf config", argc - 1, argv + 1);
}
