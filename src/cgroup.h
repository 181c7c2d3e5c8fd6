/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cgroup.h: finding cgroup v2 (pure at /sys/fs/cgroup or the hybrid layout's
 * /sys/fs/cgroup/unified, mounting it if absent) and mapping cgroup
 * directories to the ids the kernel reports (bpf_get_current_cgroup_id). */
#ifndef SABPF_CGROUP_H
#define SABPF_CGROUP_H

#include <linux/types.h>
#include <stddef.h>

/* Mount point of cgroup v2 into buf. Returns 0, or -1 with err. */
int cgroup2_root(char *buf, size_t len, char *err, size_t errlen);
/* Id of a cgroup v2 directory (absolute path, or relative to the cgroup v2
 * root; an absolute path that does not exist is also tried under the root,
 * so "/sabpf/web" as /proc/PID/cgroup shows it works). The id is the one
 * bpf_get_current_cgroup_id() returns for tasks in that cgroup. abs_path
 * (may be NULL) receives the resolved real path. Returns 0, or -1 with err
 * (missing, not a directory, not on cgroup v2). */
int cgroup_id_of_path(const char *path, __u64 *id, char *abs_path, size_t abs_len, char *err,
		      size_t errlen);

/* Id of a cgroup v2 directory found by a walk (no path resolution): the
 * kernfs id of its file handle, checked against its inode number. Returns
 * 0, -ENOENT when it is gone (removed meanwhile), or -1 with err (also
 * when it is not on cgroup v2). */
int cgroup_id_of_dir(const char *path, __u64 *id, char *err, size_t errlen);

/* Visits `top` and then every directory below it, top-down (breadth
 * first): each directory is visited BEFORE its children are listed, so a
 * child made after its parent's visit is either listed or was made after
 * the visit (for a cgroup: inherited the parent's scope in the kernel).
 * visit() returns 0 to descend, 1 to skip the directory's subtree, -1 to
 * stop the walk (with err filled). A directory that vanishes before it is
 * listed is skipped. Paths longer than PATH_MAX are an error, never
 * skipped. Returns 0, or -1 with err. */
typedef int (*cgroup_visit_fn)(const char *path, int depth, void *ctx, char *err, size_t errlen);
int cgroup_walk(const char *top, cgroup_visit_fn visit, void *ctx, char *err, size_t errlen);

/* Waits for every cgroup creation under way in the kernel to complete
 * (mkdir holds cgroup_mutex from the cgroup_mkdir tracepoint until the new
 * directory is visible to readdir): an empty write to the cgroup's
 * cgroup.subtree_control takes and releases cgroup_mutex and changes
 * nothing. Returns 0, -ENOENT when the cgroup is gone, or -1 with err. */
int cgroup_sync(const char *path, char *err, size_t errlen);

/* Path of a cgroup v2 directory by id (open_by_handle_at on the mount).
 * Returns 0, or -1 when it does not exist (any more). */
int cgroup_path_of_id(__u64 id, char *buf, size_t len);

/* Whether a cgroup v2 with this id exists: 1 yes, 0 no (the kernel knows
 * no such id, or the cgroup is removed and only waits to be freed), -1
 * cannot tell (no cgroup v2 mount, no permission). Ids are never reused. */
int cgroup_id_exists(__u64 id);

#endif /* SABPF_CGROUP_H */
