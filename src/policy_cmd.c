/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* policy_cmd.c: the `sabpf policy` command family in one place: its verb
 * table (check, apply, show, remove, log), the options of each verb, and
 * `policy check` (validate a file with policy_parse.c and print it
 * normalized with policy_print.c). Applying and removing are in enforce.c,
 * the denial log in policy_log.c. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "enforce.h"
#include "policy.h"

static int policy_usage(FILE *out)
{
	fprintf(out,
		"usage: sabpf policy check [--json] FILE\n"
		"  validate a policy (JSON or YAML, docs/policy.md) and print it normalized\n");
	return out == stdout ? 0 : EXIT_USAGE;
}

int cmd_policy_check(int argc, char **argv)
{
	static const struct option opts[] = {
	    CMD_JSON_OPTION,
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	bool json = cmd_json;
	int opt;
	cmd_getopt_reset();
	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			return policy_usage(stdout);
		default:
			return policy_usage(stderr);
		}
	}
	if (optind != argc - 1)
		return policy_usage(stderr);
	const char *path = argv[optind];
	char err[1024];
	struct policy *p = NULL;
	if (policy_load_file(path, &p, err, sizeof(err))) {
		fprintf(stderr, "sabpf policy check: %s\n", err);
		return 1;
	}
	if (json)
		policy_print_json(p, stdout);
	else
		policy_print_text(p, stdout);
	policy_free(p);
	return 0;
}

static int enforce_usage(FILE *out)
{
	fprintf(out, "usage: sabpf policy check [--json] FILE\n"
		     "       sabpf policy apply FILE [--cgroup PATH]\n"
		     "       sabpf policy show [--json]\n"
		     "       sabpf policy remove --cgroup PATH\n"
		     "       sabpf policy log [--follow] [--json]\n"
		     "apply enforces FILE on its target cgroup (or PATH) now, replacing the "
		     "policy it had in one step;\nit stays in force (pinned in " ENFORCE_PIN_ROOT
		     ") until removed. See docs/policy.md.\n");
	return out == stdout ? 0 : EXIT_USAGE;
}

/* The options of the policy verbs (each takes the ones it names). */
struct verb_args {
	const char *file;   /* the one operand, when the verb takes it */
	const char *cgroup; /* --cgroup PATH */
	bool follow;	    /* --follow */
	bool json;	    /* --json or the global -j */
};

enum { VERB_CGROUP = 1, VERB_FOLLOW = 2, VERB_JSON = 4, VERB_FILE = 8 };

/* Parses argv (argv[0] is the verb) for the options in `takes`. Returns 0,
 * 1 after --help (printed), or EXIT_USAGE (message printed). */
static int parse_verb(int argc, char **argv, unsigned takes, struct verb_args *a)
{
	static const struct option all[] = {
	    {"cgroup", required_argument, 0, 'c'},
	    {"follow", no_argument, 0, 'f'},
	    CMD_JSON_OPTION,
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	struct option opts[5];
	size_t n = 0;
	if (takes & VERB_CGROUP)
		opts[n++] = all[0];
	if (takes & VERB_FOLLOW)
		opts[n++] = all[1];
	if (takes & VERB_JSON)
		opts[n++] = all[2];
	opts[n++] = all[3];
	opts[n] = all[4];
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "sabpf policy %s", argv[0]);
	*a = (struct verb_args){.json = cmd_json};
	int opt;
	cmd_getopt_reset();
	while ((opt = getopt_long(argc, argv, takes & VERB_JSON ? "jh" : "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			a->cgroup = optarg;
			break;
		case 'f':
			a->follow = true;
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			enforce_usage(stdout);
			return 1;
		default:
			enforce_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc && (takes & VERB_FILE))
		a->file = argv[optind++];
	if (optind < argc)
		return cmd_usage_error(prefix, "unexpected argument '%s'", argv[optind]);
	if ((takes & VERB_FILE) && !a->file)
		return cmd_usage_error(prefix, "give the policy FILE");
	return 0;
}

static int cmd_policy_apply(int argc, char **argv)
{
	struct verb_args a;
	int rc = parse_verb(argc, argv, VERB_FILE | VERB_CGROUP, &a);
	if (rc)
		return rc == 1 ? 0 : rc;
	char err[1024];
	struct policy *p = NULL;
	if (policy_load_file(a.file, &p, err, sizeof(err))) {
		fprintf(stderr, "sabpf policy apply: %s\n", err);
		return 1;
	}
	rc = enforce_apply(p, a.cgroup, err, sizeof(err));
	if (rc)
		fprintf(stderr, "sabpf policy apply: %s; nothing was changed\n", err);
	else
		printf("applied %s to %s (%s mode)\n", a.file, a.cgroup ? a.cgroup : p->cgroup,
		       p->mode == POLICY_MONITOR ? "monitor" : "enforce");
	policy_free(p);
	return rc ? 1 : 0;
}

static int cmd_policy_remove(int argc, char **argv)
{
	struct verb_args a;
	int rc = parse_verb(argc, argv, VERB_CGROUP, &a);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (!a.cgroup)
		return cmd_usage_error("sabpf policy remove", "give --cgroup PATH");
	char err[1024];
	rc = enforce_remove(a.cgroup, err, sizeof(err));
	if (rc)
		fprintf(stderr, "sabpf policy remove: %s\n", err);
	else
		printf("removed the policy of %s\n", a.cgroup);
	return rc ? 1 : 0;
}

/* Denials are JSON lines with or without --json. */
static int cmd_policy_log(int argc, char **argv)
{
	struct verb_args a;
	int rc = parse_verb(argc, argv, VERB_FOLLOW | VERB_JSON, &a);
	if (rc)
		return rc == 1 ? 0 : rc;
	return enforce_log(a.follow);
}

static int cmd_policy_show(int argc, char **argv)
{
	struct verb_args a;
	int rc = parse_verb(argc, argv, VERB_JSON, &a);
	if (rc)
		return rc == 1 ? 0 : rc;
	char err[1024];
	return enforce_show(stdout, a.json, err, sizeof(err)) ? 1 : 0;
}

const struct cmd policy_cmds[] = {
    {"check", cmd_policy_check, "[--json] FILE",
     "validate an access-control policy and print it normalized", CMD_JSON, NULL},
    {"apply", cmd_policy_apply, "FILE [--cgroup P]",
     "enforce a policy on a live cgroup, atomically", 0, NULL},
    {"show", cmd_policy_show, "[--json]", "the policies applied and the lsm_cgroup hook budget",
     CMD_JSON, NULL},
    {"remove", cmd_policy_remove, "--cgroup P", "stop enforcing the policy of a cgroup", 0, NULL},
    {"log", cmd_policy_log, "[--follow]",
     "denials made with no agent running (--follow: and every new one), as JSON lines", CMD_JSON,
     NULL},
    {0},
};

int cmd_policy(int argc, char **argv)
{
	/* `sabpf policy --json check FILE` was accepted: -j/--json before the
	 * verb means what it means before the command */
	while (argc >= 2 && (strcmp(argv[1], "--json") == 0 || strcmp(argv[1], "-j") == 0)) {
		cmd_json = true;
		argc--;
		argv++;
	}
	if (argc < 2) {
		enforce_usage(stderr);
		return EXIT_USAGE;
	}
	return cmd_select(policy_cmds, "sabpf policy", argc - 1, argv + 1);
}
