/* SPDX-License-Identifier: GPL-2.0 */
/* sabpf.bpf.c: the kernel side of sabpf, one object: the library tier
 * (bpf/lib/: maps, records, nodes and versioning, paths, tasks, inodes, and
 * the hook prelude, shared with trace.bpf.c), this object's inode nodes
 * (bpf/lsm/inode.h), then one file per object class. Every LSM program
 * starts with the scope check of lib/scope.h; the cgroup tracepoints keep
 * the scope hierarchical. */
#include "lib/scope.h"
#include "lib/path.h"
#include "lib/task.h"
#include "lib/inode.h"
#include "lib/mmap.h"
#include "lsm/inode.h"

char LICENSE[] SEC("license") = "GPL";

/* First: the kernel runs the programs of one hook newest-attached first, and
 * the skeleton attaches in this order, so self-protection runs after the
 * recording programs: an attempt is recorded, then refused. */
#include "guard.bpf.c"
#include "task.bpf.c"
#include "file.bpf.c"
#include "inode.bpf.c"
#include "mount.bpf.c"
#include "system.bpf.c"
#include "socket.bpf.c"
#include "packet.bpf.c"
#include "cgroup.bpf.c"
#include "ipc.bpf.c"
#include "perm.bpf.c"
