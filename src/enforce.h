/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* enforce.h: applying access-control policies to live cgroups with the
 * lsm_cgroup programs of bpf/policy.bpf.c (or, without BPF LSM, its
 * cgroup-bpf socket programs for the network section), and the `sabpf policy
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

/* Which programs enforce a policy: the lsm_cgroup ones (LSM backend), or
 * cgroup-bpf socket hooks (trace backend: the network section without
 * families, nothing else), or auto: lsm where doctor_require() passes. */
enum enforce_backend {
	ENFORCE_AUTO = 0,
	ENFORCE_LSM,
	ENFORCE_TRACE,
};

/* Applies p to cgroup (NULL: p->cgroup), replacing the policy it had, in one
 * step, with the programs of `backend`; why says why the host runs trace
 * (for the refusal). Nothing is left attached when it fails. Returns 0, or
 * -1 with err. */
int enforce_apply_on(const struct policy *p, const char *cgroup, enum enforce_backend backend,
		     const char *why, char *err, size_t errlen);
/* enforce_apply_on with ENFORCE_AUTO. */
int enforce_apply(const struct policy *p, const char *cgroup, char *err, size_t errlen);

/* Whether the trace backend can enforce p: 0, or -1 with "FILE:LINE:COLUMN:
 * SECTION needs the BPF LSM backend (lsm); this host runs trace: WHY" in err
 * for the first rule it cannot (the others named after it). */
int enforce_trace_refusal(const struct policy *p, const char *why, char *err, size_t errlen);

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
