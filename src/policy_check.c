/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* policy_check.c: `sabpf policy check`: validate a policy file
 * (policy_parse.c) and print it normalized (policy_print.c), as text or
 * JSON. The other `policy` verbs are in enforce.c. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
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
