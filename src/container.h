/* container.h: the built-in minimal container of `sabpf run`: a cgroup v2
 * leaf of its own, new pid, mount, uts and ipc namespaces (optionally a new
 * network namespace and a root filesystem), CMD started directly inside the
 * cgroup (clone3 with CLONE_INTO_CGROUP) so it is in scope from its first
 * instruction. */
#ifndef SABPF_CONTAINER_H
#define SABPF_CONTAINER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

struct container_opts {
	char *const *argv;         /* CMD and its arguments; argv[0] looked up in PATH */
	const char *name;          /* container name (cgroup leaf and hostname); NULL: generated */
	const char *rootfs;        /* NULL: share the host's filesystem (private mounts) */
	const char *cgroup_parent; /* cgroup v2 directory to create the leaf under; NULL: default */
	bool new_net;              /* a new, empty network namespace (loopback up) */
};

struct container;

/* Makes the cgroup leaf; CMD is not started. Returns 0, or -1 with err. */
int container_create(const struct container_opts *opts, struct container **out, char *err,
		     size_t errlen);
__u64 container_cgroup_id(const struct container *c);
const char *container_cgroup_path(const struct container *c);
const char *container_name(const struct container *c);
/* Starts CMD inside the cgroup and namespaces. Returns 0, or -1 with err. */
int container_start(struct container *c, char *err, size_t errlen);
/* Waits for CMD and then for every other process left in the cgroup.
 * *status is CMD's exit code, or 128+signal. Returns 0, or -1 with err. */
int container_wait(struct container *c, int *status, char *err, size_t errlen);
/* Kills anything left in the cgroup, removes it, frees c. */
void container_destroy(struct container *c);

#endif /* SABPF_CONTAINER_H */
