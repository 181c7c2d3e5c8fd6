/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cmd.c: dispatch through the command tables of `sabpf` (cmd.h) and the
 * help text printed from them. */
#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include "cmd.h"

bool cmd_json;

/* The column where the help of a line starts. */
#define HELP_COLUMN 34

static bool is_help(const char *word)
{
	return strcmp(word, "help") == 0 || strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0;
}

static void print_line(FILE *out, int indent, const char *name, const struct cmd *c)
{
	int n = fprintf(out, "%*s%s%s%s", indent, "", name, c->synopsis ? " " : "",
			c->synopsis ? c->synopsis : "");
	if (n >= HELP_COLUMN - 1)
		fprintf(out, "\n%*s%s\n", HELP_COLUMN, "", c->help);
	else
		fprintf(out, "%*s%s\n", HELP_COLUMN - n, "", c->help);
}

/* "command" at the top, "verb" in a family's table ("sabpf policy"). */
static const char *word(const char *prefix)
{
	return strchr(prefix, ' ') ? "verb" : "command";
}

static const struct cmd *find(const struct cmd *cmds, const char *name)
{
	for (const struct cmd *c = cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void cmd_print_table(FILE *out, const struct cmd *cmds, const char *prefix)
{
	fprintf(out, "usage: %s [-j|--json] %s [OPTIONS]\n\n", prefix,
		strchr(prefix, ' ') ? "VERB" : "COMMAND");
	for (const struct cmd *c = cmds; c->name; c++) {
		print_line(out, 2, c->name, c);
		for (const struct cmd *v = c->verbs; v && v->name; v++) {
			char name[64];
			snprintf(name, sizeof(name), "%s %s", c->name, v->name);
			print_line(out, 4, name, v);
		}
	}
	if (!find(cmds, "help"))
		print_line(out, 2, "help", &(struct cmd){.help = "this list"});
	fprintf(out, "\n-j, --json: JSON instead of text on stdout, for:");
	for (const struct cmd *c = cmds; c->name; c++) {
		if (c->flags & CMD_JSON)
			fprintf(out, " %s", c->name);
		for (const struct cmd *v = c->verbs; v && v->name; v++)
			if (v->flags & CMD_JSON)
				fprintf(out, " '%s %s'", c->name, v->name);
	}
	fputs("\n", out);
}

/* The names of the table, "a, b or c", for messages. */
static void list_names(FILE *out, const struct cmd *cmds)
{
	for (const struct cmd *c = cmds; c->name; c++)
		fprintf(out, "%s%s", c == cmds ? "" : c[1].name ? ", " : " or ", c->name);
}

int cmd_select(const struct cmd *cmds, const char *prefix, int argc, char **argv)
{
	if (argc < 1 || !argv[0]) {
		fprintf(stderr, "%s: give a %s: ", prefix, word(prefix));
		list_names(stderr, cmds);
		fprintf(stderr, " (`%s help` says what each does)\n", prefix);
		return EXIT_USAGE;
	}
	const struct cmd *c = find(cmds, argv[0]);
	if (c) {
		if (cmd_json && !(c->flags & CMD_JSON) && !c->verbs) {
			fprintf(stderr, "%s %s: has no JSON output: drop -j/--json\n", prefix,
				c->name);
			return EXIT_USAGE;
		}
		return c->fn(argc, argv);
	}
	if (is_help(argv[0])) {
		cmd_print_table(stdout, cmds, prefix);
		return 0;
	}
	fprintf(stderr, "%s: unknown %s '%s': expected ", prefix, word(prefix), argv[0]);
	list_names(stderr, cmds);
	fprintf(stderr, " (`%s help` says what each does)\n", prefix);
	return EXIT_USAGE;
}

void cmd_getopt_reset(void)
{
	optind = 0;
}

int cmd_usage_error(const char *prefix, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prefix);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see `%s --help`)\n", prefix);
	return EXIT_USAGE;
}
