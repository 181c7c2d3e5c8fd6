/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tenant.h: `sabpf load | list | detach`, tenant-supplied lsm_cgroup
 * programs confined to one container (src/tenant.c, docs/tenant.md). */
#ifndef SABPF_TENANT_H
#define SABPF_TENANT_H

#include <stddef.h>

/* `sabpf load`, `sabpf list`, `sabpf detach` (argv[0] is the command's
 * name). Return the exit status. */
int cmd_load(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_detach(int argc, char **argv);

/* The SABPF_REFUSED_HELPERS helpers a tenant program may not call, as the
 * immediates of their calls in a verified program (the helper's kernel
 * address minus __bpf_call_base, from /proc/kallsyms): what bpf/guard.bpf.c
 * compares a program a container loads with --allow-bpf against. Fills
 * imm[SABPF_REFUSED_HELPERS] (0 for a helper this kernel does not have);
 * -1 with a message in err when the addresses cannot be read. */
int tenant_refused_helper_calls(int imm[], char *err, size_t errlen);

#endif
