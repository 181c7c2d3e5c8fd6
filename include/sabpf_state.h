/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* sabpf_state.h: the per-object provenance state the BPF programs keep in
 * local storage and hash maps. Shared with user space, which reads some of
 * it (loss counters, leftover entries of a container) through the maps. */
#ifndef SABPF_STATE_H
#define SABPF_STATE_H

/* Per-CPU counters: record sequence, node ids, pending loss. seq and
 * next_id are advanced with atomic adds: a program in softirq (packets) can
 * interrupt one in process context on the same CPU. */
struct prov_cpu {
	__u64 seq;
	__u64 next_id;
	__u64 lost_pending; /* losses counted in lost_by_container, not yet reported */
};

/* Key of lost_by_container: one counter per container and cause. */
struct prov_lost_key {
	__u64 container; /* 0: the table was full, container not known */
	__u32 cause;	 /* enum sabpf_lost_cause */
	__u32 pad;
};

/* Value of lost_by_container, per CPU: losses counted (total) and already
 * written in a LOST record (reported); the sequence numbers of the first
 * and last ring loss not yet reported. */
struct prov_lost {
	__u64 total;
	__u64 reported;
	__u64 first_seq;
	__u64 last_seq;
};

/* The provenance state of one node version, kept with its kernel object. */
struct prov_node {
	__u64 id;
	__u32 version;
	__u16 kind;
	__u8 recorded;	   /* a NODE record was written for this id */
	__u8 has_outgoing; /* this version already informed another node */
	__u64 container;
	/* the last relation into this version: repeats of it are merged */
	__u64 last_from_id;
	__u32 last_from_version;
	__u32 last_relation;
};

struct prov_task {
	struct prov_node node;
	__u64 pending_mnt;    /* vfsmount of the last path_* hook, for inode_* paths */
	__u32 classes;	      /* SABPF_CLASS_* of its container when first seen; 0 for a
				 task out of scope that an audited one acted on (signal,
				 ptrace): it has a node but records nothing itself */
	__u32 clone_flags;    /* low 32 bits, from task_alloc to sched_process_fork */
	__u32 rename_flags;   /* of the last path_rename, for inode_rename */
	__u32 accept_version; /* the listening socket of the accept under way, */
	__u64 accept_id;      /* from socket_accept to sock_graft (0: none) */
};

struct prov_inode {
	struct prov_node node;
	__u64 name_key; /* (mount ^ dentry) of the last name written for it */
};

/* A socket node, with the peer address last linked to it. */
struct prov_sock {
	struct prov_node node;
	__u64 peer_key; /* the address last linked to it (address_key) */
	__u32 bare;	/* recorded from a struct sock without its socket (the server
			   end of a unix stream connection, before accept): no inode */
	__u32 pad;
};

/* An open file of an audited task (struct file has no local storage). */
struct prov_file {
	__u64 inode_id;
	__u64 container;
	__u32 flags;
	__u32 named;
};

/* A packet sent by an audited socket and not yet received (packet_map,
 * keyed by a hash of the packet's identity: the attributes that both the
 * sending and the receiving end read from its headers). The receiving end
 * takes its node, and deletes the entry. */
struct prov_packet {
	struct prov_node node;
	struct sabpf_packet_attrs attrs;
};

/* A System V IPC object (message queue, shared memory segment, semaphore
 * set), in ipc_map keyed by its struct kern_ipc_perm; deleted by the
 * msg_queue, shm and sem free hooks. */
struct prov_ipc {
	struct prov_node node;
	__u64 shm_file; /* SHM: the segment's struct file, key of its shm_file_map
			   entry (set at the first shmat in scope; 0: none) */
};

/* A System V message, in msg_map keyed by its struct msg_msg; deleted by
 * msg_msg_free_security. */
struct prov_msg {
	struct prov_node node;
	__u64 queue; /* kern_ipc_perm of the queue it was sent to or is received
			from (0: not known yet) */
	__u32 sent;  /* its msg_send/msg_enqueue edges were written */
	__u32 pad;
};

/* shm_file_map value: the segment (kern_ipc_perm) of a SysV shm file, to
 * tell which segment a mapping that goes (shmdt, munmap, exit) detaches. */
struct prov_shm_file {
	__u64 perm;
	__u64 container;
};

/* Per-task IPC work in progress (task local storage, ipc_task_store). */
struct prov_ipc_task {
	__u64 creating; /* kern_ipc_perm allocated by the msgget/shmget/semget
			   under way, until ipcget returns its id */
};

/* Cgroups made under an audited one that could not be put in scope
 * (scope_map full): scope_failed, keyed by container, and the total in
 * scope_failed_total. Read by the agent, which reports them. */
struct scope_fail {
	__u64 count;	   /* cgroups of this container left out of scope */
	__u64 last_cgroup; /* the id of the last of them */
	__s64 last_error;  /* what the map update returned (-E2BIG: full) */
};

#endif /* SABPF_STATE_H */
