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

#endif /* SABPF_CGROUP_H */
