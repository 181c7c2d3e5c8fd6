/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* oci_hook.h: `sabpf oci-hook`, an OCI createRuntime hook. The runtime
 * (runc under podman, CRI-O or containerd) runs it after the container's
 * cgroup is made and before the container's first instruction, with the
 * container's state JSON on stdin; it asks the running agent (`sabpf audit
 * --control SOCKET --select ...`) to register that container if selected,
 * and waits for the answer. If the agent cannot be reached, --fail open
 * (default) lets the container start and --fail closed makes the runtime
 * refuse it; either is said on stderr (the runtime's log). */
#ifndef SABPF_OCI_HOOK_H
#define SABPF_OCI_HOOK_H

#include <stddef.h>

/* The default control socket of the hook and of deploy/ (docs). */
#define OCI_HOOK_DEFAULT_SOCKET "/run/sabpf/control.sock"

/* Reads the OCI state document (text, len bytes): "id" into id (at most
 * idlen - 1 characters, which must be a container id: letters, digits,
 * '-', '_', '.'), "pid" into *pid (> 0). Returns 0, or -1 with err. */
int oci_state_parse(const char *text, size_t len, char *id, size_t idlen, int *pid, char *err,
		    size_t errlen);
/* `sabpf oci-hook [--control SOCKET] [--fail open|closed] [--timeout S]`. */
int cmd_oci_hook(int argc, char **argv);

#endif /* SABPF_OCI_HOOK_H */
