/* SPDX-License-Identifier: GPL-2.0 */
/* lib/consts.h: the kernel constants the BPF programs need (vmlinux.h
 * carries types, not #defines) and the sizes of the path and name
 * scratch, in one place for both objects (sabpf.bpf.c, trace.bpf.c). */
#ifndef SABPF_LIB_CONSTS_H
#define SABPF_LIB_CONSTS_H

/* vmlinux.h carries no #defines. */
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define MAY_WRITE 0x2
#define MAY_READ 0x4
#define MAY_APPEND 0x8
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define MAP_SHARED 0x01
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_PRIVATE 0x02
#define VM_SHARED 0x08
#define CLONE_THREAD 0x00010000
#define CLONE_VM 0x00000100
#define CLONE_VFORK 0x00004000
#define CSIGNAL 0x000000ff
#define FMODE_CREATED 0x100000
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define MAY_EXEC 0x1
#define FMODE_READ 0x1
#define FMODE_WRITE 0x2
#define AT_FDCWD -100
#define TS_COMPAT 0x0002 /* x86 thread_info.status: in an ia32 system call */
#define PTRACE_MODE_READ 0x01
#define PTRACE_MODE_ATTACH 0x02
#define PTRACE_MODE_NOAUDIT 0x04
#define EPERM 1
#define ENOSYS 38
#define EINPROGRESS 115
#define CLONE_NEWTIME 0x00000080
#define CLONE_NEWNS 0x00020000
#define CLONE_NEWCGROUP 0x02000000
#define CLONE_NEWUTS 0x04000000
#define CLONE_NEWIPC 0x08000000
#define CLONE_NEWUSER 0x10000000
#define CLONE_NEWPID 0x20000000
#define CLONE_NEWNET 0x40000000

/* Filesystem magic numbers (include/uapi/linux/magic.h). */
#define MQUEUE_MAGIC 0x19800202
#define NSFS_MAGIC 0x6e736673
#define CGROUP_SUPER_MAGIC 0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270
#define BPF_FS_MAGIC 0xcafe4a11
#define SECURITYFS_MAGIC 0x73636673
#define PROC_SUPER_MAGIC 0x9fa0
#define BINFMTFS_MAGIC 0x42494e4d

#define NAME_BUF_SIZE 8192     /* scratch for one string; twice the longest path */
#define NAME_COMPONENT_MAX 256 /* NAME_MAX + 1 */
#define PATH_DEPTH_MAX 64      /* components a rebuilt path may have */
#define PATH_MOUNTS_MAX 16     /* mount points a rebuilt path may cross */

#endif /* SABPF_LIB_CONSTS_H */
