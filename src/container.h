/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* container.h: the built-in minimal container of `sabpf run`: a cgroup v2
 * leaf of its own, new pid, mount, uts and ipc namespaces (optionally a new
 * network namespace and a root filesystem), CMD started directly inside the
 * cgroup (clone3 with CLONE_INTO_CGROUP) so it is in scope from its first
 * instruction. By default CMD also gets what a container runtime gives: a
 * cgroup namespace rooted at its leaf, Docker's default capability set and
 * no_new_privs; `privileged` keeps the agent's full root instead. */
#ifndef SABPF_CONTAINER_H
#define SABPF_CONTAINER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

struct container_opts {
	char *const *argv;	   /* CMD and its arguments; argv[0] looked up in PATH */
	const char *name;	   /* container name (cgroup leaf and hostname); NULL: generated */
	const char *rootfs;	   /* NULL: share the host's filesystem (private mounts) */
	const char *cgroup_parent; /* cgroup v2 directory to create the leaf under; NULL: default */
	bool new_net;		   /* a new, empty network namespace (loopback up) */
	bool privileged;	   /* keep every capability, no cgroup namespace, no
				    * no_new_privs (sabpf run --privileged) */
};

/* Docker's default capability set (moby oci/caps/defaults.go): CHOWN,
 * DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW, SETGID, SETUID, SETFCAP,
 * SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE. A default
 * container's bounding, permitted and effective sets are this mask
 * (intersected with the agent's own permitted set); its inheritable and
 * ambient sets are empty, as in Docker since CVE-2022-24769. */
#define CONTAINER_DEFAULT_CAPS 0xa80425fbULL /* container.c checks it against CAP_* */

struct container;

/* Makes the cgroup leaf <cgroup_parent or <cgroup v2 root>/sabpf>/<name>
 * (name generated as sabpf-<pid>-<n> when NULL; a name must be 1 to 64
 * letters, digits, '.', '_' or '-' and not exist yet); CMD is not started.
 * opts->argv must stay valid until container_start() returns.
 * Returns 0, or -1 with err (and nothing left behind). */
int container_create(const struct container_opts *opts, struct container **out, char *err,
		     size_t errlen);
__u64 container_cgroup_id(const struct container *c);
const char *container_cgroup_path(const struct container *c);
const char *container_name(const struct container *c);
/* Starts CMD inside the cgroup and namespaces. Returns 0, or -1 with err.
 * When CMD cannot be executed, err is "cannot execute 'CMD': <strerror>"
 * (callers prefix "sabpf run: ") and a following container_wait() still
 * reports the status: 127 not found, 126 not executable, 125 container
 * setup failed. CMD inherits stdin, stdout and stderr only. */
int container_start(struct container *c, char *err, size_t errlen);

/* CMD's standard output becomes its standard error (call before
 * container_start): `sabpf run -o FORMAT:-` writes records to standard
 * output, which CMD's own output would corrupt. */
void container_stdout_to_stderr(struct container *c);
/* Waits for CMD and then for every other process left in the cgroup.
 * *status is CMD's exit code, or 128+signal. Returns 0, or -1 with err.
 * CMD is pid 1 of its namespace, so it ignores signals it has no handler
 * for; when the wait is interrupted by a signal caught by the caller (a
 * handler installed without SA_RESTART), SIGTERM is passed to CMD the first
 * time and the whole cgroup is SIGKILLed the second time. */
int container_wait(struct container *c, int *status, char *err, size_t errlen);
/* Kills anything left in the cgroup (cgroup.kill, else SIGKILL to each
 * pid), removes it and any cgroups made below it, frees c. NULL is fine. */
void container_destroy(struct container *c);

#endif /* SABPF_CONTAINER_H */
