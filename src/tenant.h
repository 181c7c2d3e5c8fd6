/* tenant.h: `sabpf load | list | detach`, tenant-supplied lsm_cgroup
 * programs confined to one container (src/tenant.c, docs/tenant.md). */
#ifndef SABPF_TENANT_H
#define SABPF_TENANT_H

/* cmd is "load", "list" or "detach"; argv[0] is cmd. Returns the exit status. */
int tenant_main(const char *cmd, int argc, char **argv);

#endif
