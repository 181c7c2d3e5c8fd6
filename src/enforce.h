/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* enforce.h: applying access-control policies to live cgroups with the
 * lsm_cgroup programs of bpf/policy.bpf.c, and the `sabpf policy
 * check|apply|show|remove|log` verb table. Policies are pinned in bpffs under
 * ENFORCE_PIN_ROOT: they hold without any sabpf process running, and an
 * agent started later finds them there, and claims a slot for their denials
 * (src/denial_slot.h). */
#ifndef SABPF_ENFORCE_H
#define SABPF_ENFORCE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cmd.h"
#include "policy.h"

#define ENFORCE_PIN_ROOT "/sys/fs/bpf/sabpf/policy"
#define ENFORCE_HOOK_BUDGET 10 /* the kernel's CGROUP_LSM_NUM */

/* Applies p to cgroup (NULL: p->cgroup), replacing the policy it had, in one
 * step. Nothing is left attached when it fails. Returns 0, or -1 with err. */
int enforce_apply(const struct policy *p, const char *cgroup, char *err, size_t errlen);

/* Removes the policy of cgroup. Returns 0, 1 when it had none, -1 on error. */
int enforce_remove(const char *cgroup, char *err, size_t errlen);

/* Removes the policy bound to a cgroup that no longer exists, by its id
 * (a container that stopped: its path is gone). Refused (-1) while a
 * cgroup with that id exists. Returns 0, 1 when it had none, -1 on
 * error. `apply` also frees the slots of cgroups gone, first. */
int enforce_remove_id(__u64 cgroup_id, char *err, size_t errlen);

/* Prints the policies applied and the hook budget. Returns 0 or -1. */
int enforce_show(FILE *out, bool json, char *err, size_t errlen);

/* `sabpf policy log [--follow]` (policy_log.c): prints the denials of the
 * pinned log ring as JSON lines, and with follow every new one until
 * SIGINT or SIGTERM. Exit status. */
int enforce_log(bool follow);

/* `sabpf policy VERB ...` (argv[0] is "policy", policy_cmd.c): runs the
 * verb of policy_cmds; exit status. */
int cmd_policy(int argc, char **argv);
/* The verbs of `sabpf policy`: check, apply, show, remove, log. */
extern const struct cmd policy_cmds[];

/* mkdir -p with mode 0700 (pin directories in bpffs). Returns 0 or -1
 * with errno. */
int bpffs_mkdir_p(const char *path);

#endif
