/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* config.h: the configuration file of `sabpf audit` (/etc/sabpf/sabpf.yaml,
 * or --config FILE; docs/configuration.md): outputs, and containers chosen
 * by the selectors of select.h, each with its record classes:
 *
 *   outputs: [jsonl:/var/log/sabpf/audit.jsonl]
 *   containers:
 *     - select: podman.name=web          # or a list of selectors; or all: true
 *       classes: file,net                # optional: the agent's --classes
 *       policy: web.json                 # optional: an access-control policy
 *
 * A container's classes and policy are those of the first entry of the file
 * that matches it. Read with libyaml; every error names FILE:LINE:COLUMN.
 * Reloaded on SIGHUP (or, with config_watch, when the file or the
 * ConfigMap's ..data link in its directory is replaced): the entries are
 * replaced, the containers followed already get the classes and policy of
 * the new file, the records keep flowing, and what changed is said; a bad
 * file keeps the configuration in use. */
#ifndef SABPF_CONFIG_H
#define SABPF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cmd.h"

#define CONFIG_DEFAULT_PATH "/etc/sabpf/sabpf.yaml"
#define CONFIG_MAX_OUTPUTS 16
#define CONFIG_MAX_ENTRIES 16
#define CONFIG_POLICY_MAX 256

struct selection;

struct config_entry {
	char select[300]; /* one selector ("" with all: true) */
	char classes[64]; /* as written; "" when not given */
	unsigned class_mask;
	/* the policy file, as a path (a relative one is taken from the
	 * configuration file's directory); "" when none */
	char policy[CONFIG_POLICY_MAX];
};

struct sabpf_config {
	char outputs[CONFIG_MAX_OUTPUTS][512];
	int noutputs;
	struct config_entry entries[CONFIG_MAX_ENTRIES];
	int nentries;
};

/* Parses the text (len bytes) of file (named in errors) into c. Returns 0,
 * or -1 with err "FILE:LINE:COLUMN: what is wrong (how to fix it)". */
int config_parse(const char *text, size_t len, const char *file, struct sabpf_config *c, char *err,
		 size_t errlen);
/* Reads and parses the file at path. Returns 0, or -1 with err. */
int config_load(const char *path, struct sabpf_config *c, char *err, size_t errlen);
/* The selection of c's entries (selection_add_config), in *s (made when
 * NULL). Returns 0, or -1 with err. */
int config_selection(const struct sabpf_config *c, struct selection **s, char *err, size_t errlen);
/* Says on out what differs from old to new (entries added, removed; outputs
 * changed, which need a restart). Returns the number of differences. */
int config_diff(const struct sabpf_config *old, const struct sabpf_config *new, FILE *out);

/* The agent's side. config_start: loads path (NULL: CONFIG_DEFAULT_PATH,
 * skipped when it does not exist), adds its entries to *s (made, empty if
 * need be) and, when *noutputs is 0, its outputs to outputs[] (up to max),
 * and takes SIGHUP (without a file, a SIGHUP is only reported). Returns 0
 * with *st set, or -1 with err. */
struct config_state;
int config_start(const char *path, struct selection **s, const char **outputs, int *noutputs,
		 int max, struct config_state **st, char *err, size_t errlen);
/* Also reloads when the file is replaced: an inotify watch on its
 * directory, for a write or a rename onto the file's name or onto "..data"
 * (the link a Kubernetes ConfigMap volume swaps on an update). Returns 0,
 * or -1 with err. */
int config_watch(struct config_state *st, char *err, size_t errlen);
/* Called in the agent's loop: after a SIGHUP (or a change seen by
 * config_watch), reloads the file into s and says what changed on stderr,
 * or why the file was refused (the old configuration stays). Returns 1
 * when a new configuration is in force (the caller applies it to the
 * containers followed already: selection_reapply), else 0. NULL st is
 * fine. */
int config_poll(struct config_state *st, struct selection *s);
void config_free(struct config_state *st);

/* `sabpf config VERB` (argv[0] is "config"): `check [FILE]` validates a
 * file as the agent reads it. Exit status: 0 valid, 1 invalid, 2 usage. */
int cmd_config(int argc, char **argv);
extern const struct cmd config_cmds[];

#endif /* SABPF_CONFIG_H */
