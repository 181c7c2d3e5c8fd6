/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cmd.h: the command tables of `sabpf`. Every command is one line of a
 * table {name, function, synopsis, help}; a command family (`policy`,
 * `ctl`) has a verb table of the same kind. cmd_select() runs the entry
 * named by argv[0], the help text is printed from the tables, and the JSON
 * switch (-j/--json) means the same on every command: print JSON instead of
 * text on stdout. Adding a command: one table line (src/main.c, or the
 * family's verb table) and the file holding its cmd_<name>() function. */
#ifndef SABPF_CMD_H
#define SABPF_CMD_H

#include <stdbool.h>
#include <stdio.h>

/* Exit status of bad usage (unknown command, verb or option; missing
 * argument). */
#define EXIT_USAGE 2

/* The command prints JSON on stdout when -j/--json is given. */
#define CMD_JSON 1u

struct cmd {
	const char *name;
	/* Runs the command: argv[0] is its name, options and operands
	 * follow (parse them with getopt_long after cmd_getopt_reset()).
	 * Returns the exit status. */
	int (*fn)(int argc, char **argv);
	const char *synopsis;	 /* what follows the name, e.g. "[--json] FILE" */
	const char *help;	 /* one line: what the command does */
	unsigned flags;		 /* CMD_JSON */
	const struct cmd *verbs; /* a family: its verb table (for the help text) */
};

/* -j/--json: set by the global option (sabpf -j COMMAND) or by the
 * command's own --json. Commands that print read it. */
extern bool cmd_json;

/* The long option every command with CMD_JSON accepts (short form -j). */
#define CMD_JSON_OPTION                                                                            \
	{                                                                                          \
		"json", no_argument, 0, 'j'                                                        \
	}

/* Runs the entry of cmds (ended by a zero entry) named argv[0], with argc
 * and argv as they are. prefix names the table in messages ("sabpf",
 * "sabpf policy"). "help", "--help" and "-h" print the table on stdout
 * (exit 0). An unknown or missing name, or -j given to a command without
 * JSON output, is reported on stderr and gives EXIT_USAGE. */
int cmd_select(const struct cmd *cmds, const char *prefix, int argc, char **argv);
/* Prints the table as help text: one line a command, a family's verbs
 * indented under it. */
void cmd_print_table(FILE *out, const struct cmd *cmds, const char *prefix);
/* Makes the next getopt_long() start afresh at argv[1] (glibc keeps the
 * ordering of the first call otherwise). */
void cmd_getopt_reset(void);
/* The message for a bad option or operand, then the way to get help, on
 * stderr. Returns EXIT_USAGE. */
int cmd_usage_error(const char *prefix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* SABPF_CMD_H */
