/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* names.c: names of node kinds and relations, and the PROV class of an edge.
 * Names follow CamFlow (camflow.org) so that tools written for CamFlow's
 * graphs read ours: e.g. "process_memory", "terminate_task", "inode_create". */
#include "names.h"

#include <linux/types.h>
#include <stddef.h>

#include "sabpf_record.h"

static const char *const kind_names[SABPF_NODE_KIND_MAX] = {
    [SABPF_NODE_TASK] = "task",
    [SABPF_NODE_PROC_MEM] = "process_memory",
    [SABPF_NODE_FILE] = "file",
    [SABPF_NODE_DIRECTORY] = "directory",
    [SABPF_NODE_LINK] = "link",
    [SABPF_NODE_FIFO] = "fifo",
    [SABPF_NODE_SOCKET] = "socket",
    [SABPF_NODE_CHAR] = "char",
    [SABPF_NODE_BLOCK] = "block",
    [SABPF_NODE_PATH] = "path",
    [SABPF_NODE_ADDRESS] = "address",
    [SABPF_NODE_ARGV] = "argv",
    [SABPF_NODE_XATTR] = "xattr",
    [SABPF_NODE_MSG_QUEUE] = "msg_queue",
    [SABPF_NODE_MSG] = "msg",
    [SABPF_NODE_SHM] = "shm",
    [SABPF_NODE_SEM] = "sem",
    [SABPF_NODE_MQUEUE] = "mqueue",
    [SABPF_NODE_PACKET] = "packet",
    [SABPF_NODE_BPF_PROG] = "bpf_prog",
    [SABPF_NODE_BPF_MAP] = "bpf_map",
    [SABPF_NODE_KMODULE] = "kernel_module",
    [SABPF_NODE_NAMESPACE] = "namespace",
};

static const char *const relation_names[SABPF_REL_MAX] = {
    [SABPF_REL_VERSION_ACTIVITY] = "version_activity",
    [SABPF_REL_VERSION_ENTITY] = "version_entity",
    [SABPF_REL_NAMED] = "named",
    [SABPF_REL_ADDRESSED] = "addressed",
    [SABPF_REL_CLONE] = "clone",
    [SABPF_REL_CLONE_MEM] = "clone_mem",
    [SABPF_REL_EXEC] = "exec",
    [SABPF_REL_EXEC_TASK] = "exec_task",
    [SABPF_REL_ARG] = "arg",
    [SABPF_REL_TERMINATE] = "terminate_task",
    [SABPF_REL_MEMORY_READ] = "memory_read",
    [SABPF_REL_MEMORY_WRITE] = "memory_write",
    [SABPF_REL_SETUID] = "setuid",
    [SABPF_REL_SETGID] = "setgid",
    [SABPF_REL_OPEN] = "open",
    [SABPF_REL_READ] = "read",
    [SABPF_REL_WRITE] = "write",
    [SABPF_REL_MMAP_READ] = "mmap_read",
    [SABPF_REL_MMAP_WRITE] = "mmap_write",
    [SABPF_REL_MMAP_EXEC] = "mmap_exec",
    [SABPF_REL_CREATE] = "inode_create",
    [SABPF_REL_UNLINK] = "unlink",
    [SABPF_REL_RENAME] = "rename",
    [SABPF_REL_LINK] = "link",
    [SABPF_REL_SYMLINK] = "symlink",
    [SABPF_REL_SETATTR] = "setattr",
    [SABPF_REL_SOCKET_CREATE] = "socket_create",
    [SABPF_REL_BIND] = "bind",
    [SABPF_REL_CONNECT] = "connect",
    [SABPF_REL_LISTEN] = "listen",
    [SABPF_REL_ACCEPT] = "accept",
    [SABPF_REL_SEND] = "send",
    [SABPF_REL_RECEIVE] = "receive",
    [SABPF_REL_MKDIR] = "mkdir",
    [SABPF_REL_RMDIR] = "rmdir",
    [SABPF_REL_GETATTR] = "getattr",
    [SABPF_REL_SETXATTR] = "setxattr",
    [SABPF_REL_SETXATTR_INODE] = "setxattr_inode",
    [SABPF_REL_GETXATTR_INODE] = "getxattr_inode",
    [SABPF_REL_GETXATTR] = "getxattr",
    [SABPF_REL_LISTXATTR] = "listxattr",
    [SABPF_REL_REMOVEXATTR] = "removexattr",
    [SABPF_REL_REMOVEXATTR_INODE] = "removexattr_inode",
    [SABPF_REL_WRITE_IOCTL] = "write_ioctl",
    [SABPF_REL_READ_IOCTL] = "read_ioctl",
    [SABPF_REL_FILE_LOCK] = "file_lock",
    [SABPF_REL_FCNTL] = "fcntl",
    [SABPF_REL_MPROTECT] = "mprotect",
    [SABPF_REL_MMAP_READ_PRIVATE] = "mmap_read_private",
    [SABPF_REL_MMAP_WRITE_PRIVATE] = "mmap_write_private",
    [SABPF_REL_MMAP_EXEC_PRIVATE] = "mmap_exec_private",
    [SABPF_REL_SOCKET_PAIR_CREATE] = "socket_pair_create",
    [SABPF_REL_SHUTDOWN] = "shutdown",
    [SABPF_REL_CONNECT_UNIX_STREAM] = "connect_unix_stream",
    [SABPF_REL_SEND_UNIX] = "send_unix",
    [SABPF_REL_KILL] = "kill",
    [SABPF_REL_PTRACE_ATTACH_TASK] = "ptrace_attach_task",
    [SABPF_REL_PTRACE_READ_TASK] = "ptrace_read_task",
    [SABPF_REL_PTRACE_TRACEME] = "ptrace_traceme",
    [SABPF_REL_MOUNT] = "mount",
    [SABPF_REL_UMOUNT] = "umount",
    [SABPF_REL_ACCEPT_SOCKET] = "accept_socket",
    [SABPF_REL_FILE_RCV] = "file_rcv",
    [SABPF_REL_FILE_SIGIO] = "file_sigio",
    [SABPF_REL_IPC_CREATE] = "ipc_create",
    [SABPF_REL_IPC_DESTROY] = "ipc_destroy",
    [SABPF_REL_IPC_CTL] = "ipc_ctl",
    [SABPF_REL_MSG_SEND] = "msg_send",
    [SABPF_REL_MSG_ENQUEUE] = "msg_enqueue",
    [SABPF_REL_MSG_DEQUEUE] = "msg_dequeue",
    [SABPF_REL_MSG_RECEIVE] = "msg_receive",
    [SABPF_REL_SHM_READ] = "shm_read",
    [SABPF_REL_SHM_WRITE] = "shm_write",
    [SABPF_REL_SHM_DETACH] = "shm_detach",
    [SABPF_REL_SEM_READ] = "sem_read",
    [SABPF_REL_SEM_WRITE] = "sem_write",
    [SABPF_REL_MQ_SEND] = "mq_send",
    [SABPF_REL_MQ_RECEIVE] = "mq_receive",
    [SABPF_REL_SEND_PACKET] = "send_packet",
    [SABPF_REL_RECEIVE_PACKET] = "receive_packet",
    [SABPF_REL_SETPGID] = "setpgid",
    [SABPF_REL_GETPGID] = "getpgid",
    [SABPF_REL_PRCTL] = "prctl",
    [SABPF_REL_CAPGET] = "capget",
    [SABPF_REL_CAPSET] = "capset",
    [SABPF_REL_CAPABLE] = "capable",
    [SABPF_REL_SETGROUPS] = "setgroups",
    [SABPF_REL_SETNS] = "setns",
    [SABPF_REL_UNSHARE] = "unshare",
    [SABPF_REL_MOVE_MOUNT] = "move_mount",
    [SABPF_REL_PIVOT_ROOT] = "pivot_root",
    [SABPF_REL_KERNEL_READ_FILE] = "kernel_read_file",
    [SABPF_REL_KERNEL_LOAD_DATA] = "kernel_load_data",
    [SABPF_REL_MODULE_REQUEST] = "module_request",
    [SABPF_REL_BPF] = "bpf",
    [SABPF_REL_BPF_MAP] = "bpf_map",
    [SABPF_REL_BPF_PROG] = "bpf_prog",
    [SABPF_REL_PERM_READ] = "perm_read",
    [SABPF_REL_PERM_WRITE] = "perm_write",
    [SABPF_REL_PERM_EXEC] = "perm_exec",
};

bool node_kind_is_valid(__u32 kind)
{
	return kind < SABPF_NODE_KIND_MAX && kind_names[kind] != NULL;
}

bool relation_is_valid(__u32 relation)
{
	return relation < SABPF_REL_MAX && relation_names[relation] != NULL;
}

const char *node_kind_name(__u32 kind)
{
	return node_kind_is_valid(kind) ? kind_names[kind] : NULL;
}

const char *relation_name(__u32 relation)
{
	return relation_is_valid(relation) ? relation_names[relation] : NULL;
}

bool node_kind_is_activity(__u32 kind)
{
	return kind == SABPF_NODE_TASK;
}

const char *nstype_name(__u32 nstype)
{
	switch (nstype) {
	case 0x00020000:
		return "mnt";
	case 0x02000000:
		return "cgroup";
	case 0x04000000:
		return "uts";
	case 0x08000000:
		return "ipc";
	case 0x10000000:
		return "user";
	case 0x20000000:
		return "pid";
	case 0x40000000:
		return "net";
	case 0x00000080:
		return "time";
	default:
		return "ns";
	}
}

bool node_kind_is_inode(__u32 kind)
{
	return (kind >= SABPF_NODE_FILE && kind <= SABPF_NODE_BLOCK) || kind == SABPF_NODE_MQUEUE;
}

bool relation_is_version(__u32 relation)
{
	return relation == SABPF_REL_VERSION_ACTIVITY || relation == SABPF_REL_VERSION_ENTITY;
}

enum prov_class prov_class_of(__u32 from_kind, __u32 to_kind)
{
	bool from_act = node_kind_is_activity(from_kind);
	bool to_act = node_kind_is_activity(to_kind);

	if (from_act && to_act)
		return PROV_WAS_INFORMED_BY;
	if (from_act)
		return PROV_WAS_GENERATED_BY;
	if (to_act)
		return PROV_USED;
	return PROV_WAS_DERIVED_FROM;
}

const char *prov_class_name(enum prov_class c)
{
	switch (c) {
	case PROV_USED:
		return "used";
	case PROV_WAS_GENERATED_BY:
		return "wasGeneratedBy";
	case PROV_WAS_INFORMED_BY:
		return "wasInformedBy";
	case PROV_WAS_DERIVED_FROM:
		return "wasDerivedFrom";
	}
	return "wasDerivedFrom";
}

const char *spade_edge_type(enum prov_class c)
{
	switch (c) {
	case PROV_USED:
		return "Used";
	case PROV_WAS_GENERATED_BY:
		return "WasGeneratedBy";
	case PROV_WAS_INFORMED_BY:
		return "WasTriggeredBy";
	case PROV_WAS_DERIVED_FROM:
		return "WasDerivedFrom";
	}
	return "WasDerivedFrom";
}
