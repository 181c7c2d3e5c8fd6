/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* doctor.h: what this host can run. `sabpf doctor` prints every probe; the
 * other commands call doctor_require() to fail early with the same remedy. */
#ifndef SABPF_DOCTOR_H
#define SABPF_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit status of `sabpf doctor` when only the trace backend can run. */
#define DOCTOR_TRACE_ONLY 3

/* Runs every probe, prints one line per probe with the remedy for a
 * failure, then which backends can run. Returns 0 when the agent can run
 * with every backend (scripts test this to run the LSM scenarios natively),
 * DOCTOR_TRACE_ONLY when only with the trace backend, 1 when with none. */
int doctor_run(FILE *out);
/* `sabpf doctor` (argv[0] is "doctor"): doctor_run on stdout. */
int cmd_doctor(int argc, char **argv);
/* Quick checks the agent needs (BTF, bpf in the LSM list, an lsm/ program
 * loads, cgroup v2, bpffs and securityfs mounted, mounting them if absent).
 * Returns 0, or -1 with the first failure and its remedy in err. */
int doctor_require(char *err, size_t errlen);
/* The same for the trace backend (BTF, cgroup v2, a tp_btf/sys_exit
 * program loads and attaches, task local storage). */
int doctor_require_trace(char *err, size_t errlen);
/* Mounts bpffs at /sys/fs/bpf and securityfs at /sys/kernel/security when
 * they are not mounted. Returns 0, or -1 with err. */
int ensure_kernel_mounts(char *err, size_t errlen);

#endif /* SABPF_DOCTOR_H */
