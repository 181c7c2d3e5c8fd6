/* sabpf.bpf.c: the kernel side of sabpf, one object: the shared maps and
 * helpers (common.h), then one file per object class. Every LSM program
 * starts with the scope check of common.h; the cgroup tracepoints keep the
 * scope hierarchical. */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

#include "task.bpf.c"
#include "file.bpf.c"
#include "inode.bpf.c"
#include "mount.bpf.c"
#include "socket.bpf.c"
#include "cgroup.bpf.c"
#include "ipc.bpf.c"
#include "perm.bpf.c"
