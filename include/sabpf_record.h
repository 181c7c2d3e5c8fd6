/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* sabpf_record.h: the record format written by the BPF programs into the ring
 * buffer and read by the agent. This file is the one source of truth for it:
 * the kernel side includes it after vmlinux.h, user space after
 * <linux/types.h>. Every structure is fixed-layout, naturally aligned and
 * starts with struct sabpf_hdr, whose `size` is the record's full length.
 *
 * The graph model is CamFlow's: nodes are versioned; a relation (edge) links
 * one node version to another in the direction information flows (`from` ->
 * `to`). Its W3C PROV class follows from the kinds of its two ends:
 *   entity   -> activity : used
 *   activity -> entity   : wasGeneratedBy
 *   activity -> activity : wasInformedBy
 *   entity   -> entity   : wasDerivedFrom
 * Node attributes are sent once, in a NODE (or NAME) record, when a node or a
 * version with new attributes first appears; a version edge implies a new
 * version that keeps the attributes of the previous one.
 */
#ifndef SABPF_RECORD_H
#define SABPF_RECORD_H

#ifndef __VMLINUX_H__ /* user space; the BPF side has vmlinux.h */
#include <linux/types.h>
#endif

#define SABPF_RECORD_ABI                                                                           \
	3 /* 2: every NODE and NAME record has a struct sabpf_ctx;                                 \
	     3: LOST records name their container and cause */

#define SABPF_COMM_LEN 16
#define SABPF_PATH_MAX 4096	  /* longest path string a NAME record carries */
#define SABPF_ARGV_MAX 1024	  /* longest argv block a NAME record carries */
#define SABPF_XATTR_NAME_MAX 256  /* longest xattr name a NAME record carries (NUL included) */
#define SABPF_KMODULE_NAME_MAX 64 /* longest module name a NAME record carries (NUL included) */
#define SABPF_UNIX_PATH_MAX 108	  /* sizeof(sockaddr_un.sun_path) */

/* What a record is. */
enum sabpf_record_type {
	SABPF_REC_NODE = 1,   /* struct sabpf_node: a node (version) and its attributes */
	SABPF_REC_EDGE = 2,   /* struct sabpf_edge: a relation between two node versions */
	SABPF_REC_NAME = 3,   /* struct sabpf_name: a path or argv node with its string */
	SABPF_REC_LOST = 4,   /* struct sabpf_lost: records or state this CPU lost */
	SABPF_REC_DENIAL = 5, /* struct sabpf_denial: an access refused (or, in monitor
				 mode, that would have been) */
};

/* Node kinds. TASK is the only PROV activity; every other kind is an entity. */
enum sabpf_node_kind {
	SABPF_NODE_TASK = 1,	 /* a thread */
	SABPF_NODE_PROC_MEM = 2, /* a process's memory and credentials (CamFlow process_memory) */
	SABPF_NODE_FILE = 3,	 /* regular file inode */
	SABPF_NODE_DIRECTORY = 4,
	SABPF_NODE_LINK = 5,	 /* symbolic link inode */
	SABPF_NODE_FIFO = 6,	 /* pipe or FIFO inode */
	SABPF_NODE_SOCKET = 7,	 /* socket inode */
	SABPF_NODE_CHAR = 8,	 /* character device inode */
	SABPF_NODE_BLOCK = 9,	 /* block device inode */
	SABPF_NODE_PATH = 10,	 /* a name of an inode (CamFlow file_name) */
	SABPF_NODE_ADDRESS = 11, /* a network or unix socket address */
	SABPF_NODE_ARGV = 12,	 /* the argument vector of an exec */
	SABPF_NODE_XATTR = 13,	 /* an extended attribute, by name (NAME record) */
	/* issue 3, IPC and network (numbers reserved before the hooks landed) */
	SABPF_NODE_MSG_QUEUE = 14, /* a System V message queue */
	SABPF_NODE_MSG = 15,	   /* one System V message (CamFlow msg) */
	SABPF_NODE_SHM = 16,	   /* a System V shared memory segment */
	SABPF_NODE_SEM = 17,	   /* a System V semaphore set */
	SABPF_NODE_MQUEUE = 18,	   /* a POSIX message queue (inode of the mqueue fs) */
	SABPF_NODE_PACKET = 19,	   /* a network packet */
	/* issue 3, system objects */
	SABPF_NODE_BPF_PROG = 20,  /* a BPF program */
	SABPF_NODE_BPF_MAP = 21,   /* a BPF map */
	SABPF_NODE_KMODULE = 22,   /* a kernel module, by name (NAME record) */
	SABPF_NODE_NAMESPACE = 23, /* a namespace (its inode number) */
	SABPF_NODE_KIND_MAX
};

/* Relations, named after CamFlow's. The comment gives the usual ends
 * (from -> to) and what `arg` of struct sabpf_edge carries. */
enum sabpf_relation {
	/* versioning and naming */
	SABPF_REL_VERSION_ACTIVITY = 1, /* task vN -> task vN+1 */
	SABPF_REL_VERSION_ENTITY = 2,	/* entity vN -> entity vN+1 */
	SABPF_REL_NAMED = 3,		/* path -> inode */
	SABPF_REL_ADDRESSED = 4,	/* address -> socket */
	/* process life */
	SABPF_REL_CLONE = 5,	     /* parent task -> child task; arg: clone flags */
	SABPF_REL_CLONE_MEM = 6,     /* parent proc_mem -> child proc_mem; arg: clone flags */
	SABPF_REL_EXEC = 7,	     /* executable inode -> task (new version) */
	SABPF_REL_EXEC_TASK = 8,     /* task vN -> task vN+1 at exec (image replaced) */
	SABPF_REL_ARG = 9,	     /* argv -> task */
	SABPF_REL_TERMINATE = 10,    /* task vN -> task vN+1, the task is freed */
	SABPF_REL_MEMORY_READ = 11,  /* proc_mem -> task */
	SABPF_REL_MEMORY_WRITE = 12, /* task -> proc_mem */
	SABPF_REL_SETUID = 13,	     /* task -> proc_mem; arg: new uid<<32 | new euid */
	SABPF_REL_SETGID = 14,	     /* task -> proc_mem; arg: new gid<<32 | new egid */
	/* files */
	SABPF_REL_OPEN = 15,	   /* inode -> task; arg: file flags (O_*). Also a System V
				      object -> task when msgget, shmget or semget finds an
				      existing one; arg: the get flags */
	SABPF_REL_READ = 16,	   /* inode -> task */
	SABPF_REL_WRITE = 17,	   /* task -> inode */
	SABPF_REL_MMAP_READ = 18,  /* inode -> task; arg: prot<<32 | flags */
	SABPF_REL_MMAP_WRITE = 19, /* task -> inode (shared writable map); arg: prot<<32 | flags */
	SABPF_REL_MMAP_EXEC = 20,  /* inode -> task (executable map); arg: prot<<32 | flags */
	SABPF_REL_CREATE = 21,	   /* task -> directory (a name was added); arg: mode */
	SABPF_REL_UNLINK = 22,	   /* task -> inode */
	SABPF_REL_RENAME = 23,	   /* task -> inode; arg: rename flags */
	SABPF_REL_LINK = 24,	   /* task -> inode (a new hard link) */
	SABPF_REL_SYMLINK = 25,	   /* task -> directory (a symlink was made in it) */
	SABPF_REL_SETATTR = 26,	   /* task -> inode; arg: ia_valid<<32 | ia_mode */
	/* sockets */
	SABPF_REL_SOCKET_CREATE = 27, /* task -> socket; arg: family<<32 | type<<16 | protocol */
	SABPF_REL_BIND = 28,	      /* task -> socket */
	SABPF_REL_CONNECT = 29,	      /* task -> socket */
	SABPF_REL_LISTEN = 30,	      /* task -> socket; arg: backlog */
	SABPF_REL_ACCEPT = 31,	      /* listening socket -> task */
	SABPF_REL_SEND = 32,	      /* task -> socket; arg: bytes */
	SABPF_REL_RECEIVE = 33,	      /* socket -> task; arg: bytes */
	/* directories, attributes (issue 3) */
	SABPF_REL_MKDIR = 34,	       /* task -> path of the new directory; arg: S_IFDIR | mode */
	SABPF_REL_RMDIR = 35,	       /* task -> directory */
	SABPF_REL_GETATTR = 36,	       /* inode -> task (stat) */
	SABPF_REL_SETXATTR = 37,       /* task -> xattr; arg: flags (XATTR_CREATE...) */
	SABPF_REL_SETXATTR_INODE = 38, /* xattr -> inode */
	SABPF_REL_GETXATTR_INODE = 39, /* inode -> xattr */
	SABPF_REL_GETXATTR = 40,       /* xattr -> task */
	SABPF_REL_LISTXATTR = 41,      /* inode -> task */
	SABPF_REL_REMOVEXATTR = 42,    /* task -> xattr */
	SABPF_REL_REMOVEXATTR_INODE = 43, /* xattr -> inode */
	/* open files, memory */
	SABPF_REL_WRITE_IOCTL = 44, /* task -> inode; arg: cmd */
	SABPF_REL_READ_IOCTL = 45,  /* inode -> task; arg: cmd */
	SABPF_REL_FILE_LOCK = 46,   /* task -> inode; arg: cmd (LOCK_SH, LOCK_EX, F_RDLCK...) */
	SABPF_REL_FCNTL = 47,	    /* task -> inode; arg: cmd (F_SETFL, ...) */
	SABPF_REL_MPROTECT = 48,    /* task -> proc_mem (anonymous memory); arg: prot */
	SABPF_REL_MMAP_READ_PRIVATE = 49,  /* inode -> task (MAP_PRIVATE); arg: prot<<32 | flags */
	SABPF_REL_MMAP_WRITE_PRIVATE = 50, /* inode -> task (MAP_PRIVATE, writable copy) */
	SABPF_REL_MMAP_EXEC_PRIVATE = 51,  /* inode -> task (MAP_PRIVATE, executable) */
	/* sockets */
	SABPF_REL_SOCKET_PAIR_CREATE = 52,  /* task -> socket, for both ends of a socketpair */
	SABPF_REL_SHUTDOWN = 53,	    /* task -> socket; arg: how (SHUT_RD...) */
	SABPF_REL_CONNECT_UNIX_STREAM = 54, /* connecting socket -> the server's new socket */
	SABPF_REL_SEND_UNIX = 55,	    /* unix socket -> receiving socket (datagram: each
					       send; stream, seqpacket: its peer); arg: bytes
					       for stream and seqpacket sends */
	/* tasks */
	SABPF_REL_KILL = 56,		   /* sender task -> target task; arg: signal */
	SABPF_REL_PTRACE_ATTACH_TASK = 57, /* tracer task -> traced task; arg: ptrace mode */
	SABPF_REL_PTRACE_READ_TASK = 58,   /* traced task -> tracer task; arg: ptrace mode */
	SABPF_REL_PTRACE_TRACEME = 59,	   /* task -> its parent, which will trace it */
	/* mounts */
	SABPF_REL_MOUNT = 60,	      /* task -> mount point directory; arg: mount flags (MS_*) */
	SABPF_REL_UMOUNT = 61,	      /* task -> root directory of the mount; arg: umount flags */
	SABPF_REL_ACCEPT_SOCKET = 62, /* listening socket -> the socket accept returns */
	/* issue 3: open files passed or signalled (numbers reserved ahead) */
	SABPF_REL_FILE_RCV = 63,   /* inode of a descriptor received (SCM_RIGHTS) -> task;
				      arg: the open file's flags (O_*) */
	SABPF_REL_FILE_SIGIO = 64, /* inode -> the task sent SIGIO for it; arg: signal */
	/* issue 3: System V IPC and POSIX message queues */
	SABPF_REL_IPC_CREATE = 65,  /* task -> new queue, segment or semaphore set; arg: key */
	SABPF_REL_IPC_DESTROY = 66, /* task -> the object it removes (IPC_RMID); arg: cmd */
	SABPF_REL_IPC_CTL = 67,	    /* task -> object for commands that change it (IPC_SET,
				       SETVAL, SETALL, SHM_LOCK...), object -> task for those
				       that read it (IPC_STAT, GETVAL, GETALL...); arg: cmd */
	SABPF_REL_MSG_SEND = 68,    /* task -> message; arg: message type */
	SABPF_REL_MSG_ENQUEUE = 69, /* message -> queue; arg: bytes */
	SABPF_REL_MSG_DEQUEUE = 70, /* queue -> message */
	SABPF_REL_MSG_RECEIVE = 71, /* message -> task; arg: bytes */
	SABPF_REL_SHM_READ = 72,    /* segment -> task (shmat); arg: shmflg */
	SABPF_REL_SHM_WRITE = 73,   /* task -> segment (shmat, writable); arg: shmflg */
	SABPF_REL_SHM_DETACH = 74,  /* task -> segment (shmdt; also munmap, exec or exit
				       of an attachment) */
	SABPF_REL_SEM_READ = 75,    /* semaphore set -> task (semop); arg: nsops */
	SABPF_REL_SEM_WRITE = 76,   /* task -> semaphore set (semop that alters); arg: nsops */
	SABPF_REL_MQ_SEND = 77,	    /* task -> POSIX queue; arg: bytes */
	SABPF_REL_MQ_RECEIVE = 78,  /* POSIX queue -> task; arg: bytes */
	/* issue 3: packets */
	SABPF_REL_SEND_PACKET = 79,    /* socket -> packet; arg: payload bytes */
	SABPF_REL_RECEIVE_PACKET = 80, /* packet -> socket; arg: payload bytes */
	/* issue 3: tasks, capabilities, namespaces */
	SABPF_REL_SETPGID = 81,	  /* task -> proc_mem; arg: pgid */
	SABPF_REL_GETPGID = 82,	  /* target task -> task (its process memory when the
				     target is the caller itself) */
	SABPF_REL_PRCTL = 83,	  /* task -> proc_mem; arg: option */
	SABPF_REL_CAPGET = 84,	  /* target task -> task (its process memory when the
				     target is the caller itself) */
	SABPF_REL_CAPSET = 85,	  /* task -> proc_mem (new version: the new credentials) */
	SABPF_REL_CAPABLE = 86,	  /* proc_mem -> task (a capability used); arg: cap.
				     Once per capability and task version */
	SABPF_REL_SETGROUPS = 87, /* task -> proc_mem; arg: number of groups */
	SABPF_REL_SETNS = 88,	  /* namespace -> task (a new version, with its new
				     namespaces); arg: nstype */
	SABPF_REL_UNSHARE = 89,	  /* task (a new version, with its new namespaces)
				     -> proc_mem; arg: unshare flags */
	/* issue 3: mounts, kernel loading, BPF */
	SABPF_REL_MOVE_MOUNT = 90,	 /* task -> mount point directory */
	SABPF_REL_PIVOT_ROOT = 91,	 /* task -> new root directory */
	SABPF_REL_KERNEL_READ_FILE = 92, /* task -> inode the kernel reads; arg: id */
	SABPF_REL_KERNEL_LOAD_DATA = 93, /* task -> proc_mem; arg: id */
	SABPF_REL_MODULE_REQUEST = 94,	 /* task -> kernel module name (NAME, kmodule) */
	SABPF_REL_BPF = 95,		 /* task -> proc_mem; arg: bpf command */
	SABPF_REL_BPF_MAP = 96,		 /* task -> map (fmode has FMODE_WRITE), map -> task
					    (FMODE_READ); arg: fmode */
	SABPF_REL_BPF_PROG = 97,	 /* task -> program (loaded, or a new fd to it) */
	/* issue 3: inode_permission, opt-in (SABPF_CLASS_PERM): it fires per path component */
	SABPF_REL_PERM_READ = 98,  /* inode -> task; arg: mask (MAY_*) */
	SABPF_REL_PERM_WRITE = 99, /* inode -> task; arg: mask */
	SABPF_REL_PERM_EXEC = 100, /* inode -> task; arg: mask */
	SABPF_REL_MAX
};

/* One version of one node. `id` is unique for the life of the loaded
 * programs: the CPU that made it in the top 16 bits, a counter below. */
struct sabpf_ref {
	__u64 id;
	__u32 version;
	__u16 kind;  /* enum sabpf_node_kind */
	__u16 flags; /* reserved, 0 */
};

/* Every record starts with this. `seq` counts every record this CPU tried
 * to write, written or not, so a gap in one CPU's sequence is a loss. It
 * starts at 1 on each CPU when the programs are loaded. LOST records carry
 * seq 0: they are outside the sequence.
 *
 * Ordering: a NODE (or NAME) record for a node version comes before the
 * edges that make it, except that an edge may name a task version whose
 * NODE record comes later (a child at clone, whose pid is not yet known). */
struct sabpf_hdr {
	__u16 type; /* enum sabpf_record_type */
	__u16 cpu;
	__u32 size; /* bytes, header included */
	__u64 seq;
	__u64 time_ns;	 /* CLOCK_BOOTTIME */
	__u64 container; /* cgroup id of the registered container (scope root) */
};

/* The context every node version carries (NODE and NAME records): the
 * namespaces (inode numbers) and credentials (real_cred) of the task that
 * acted when the version was recorded. For a task node they are the task's
 * own (a task recorded as the peer of a signal, or at its exit, was not the
 * acting one); for every other node the current task's. The container is
 * the header's. Zero where the task had no namespaces left (exiting). */
struct sabpf_ctx {
	__u32 utsns, ipcns, mntns, pidns, netns, cgroupns;
	__u32 uid, gid, euid, egid;
};

/* Attributes of a task (activity). Namespaces are inode numbers. */
struct sabpf_task_attrs {
	__u32 pid; /* thread group id, as seen from the initial pid namespace */
	__u32 tid;
	__u32 ppid;
	__u32 uid, gid, euid, egid;
	__u32 vpid; /* pid inside the task's own pid namespace */
	__u64 cgroup_id;
	__u32 utsns, ipcns, mntns, pidns, netns, cgroupns;
	char comm[SABPF_COMM_LEN];
};

/* Attributes of a process's memory (CamFlow process_memory). */
struct sabpf_mem_attrs {
	__u32 pid;
	__u32 uid, gid, euid, egid;
	__u32 pad;
};

/* Attributes of an inode (file, directory, link, fifo, socket, device). */
struct sabpf_inode_attrs {
	__u64 ino;
	__u32 dev; /* kernel dev_t of the superblock */
	__u32 mode;
	__u32 uid, gid;
	__u32 sock_family; /* sockets only */
	__u16 sock_type;
	__u16 sock_protocol;
};

/* Attributes of a socket address. */
struct sabpf_addr_attrs {
	__u16 family; /* AF_INET, AF_INET6, AF_UNIX */
	__u16 port;   /* host byte order */
	__u32 scope_id;
	__u8 addr[16];			     /* IPv4 in the first 4 bytes */
	char unix_path[SABPF_UNIX_PATH_MAX]; /* AF_UNIX; abstract names start with '\0' */
};

/* Attributes of a packet (one TCP segment or UDP datagram that carries
 * data). Addresses are those of the IP header, ports of the TCP or UDP
 * header, all as sent: saddr/sport is the sending end. */
struct sabpf_packet_attrs {
	__u16 family;  /* AF_INET, AF_INET6 */
	__u8 protocol; /* IPPROTO_TCP (6), IPPROTO_UDP (17) */
	__u8 pad;
	__u16 sport; /* host byte order */
	__u16 dport;
	__u32 seq;   /* TCP: the segment's sequence number; UDP: 0 */
	__u32 len;   /* bytes of payload */
	__u16 ip_id; /* IPv4: the identification field; IPv6: 0 */
	__u16 pad2;
	__u8 saddr[16]; /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
};

/* Attributes of a namespace. Its node id is SABPF_NS_ID_BASE | inum: one
 * node per live namespace, with no kernel state to keep (namespaces only
 * inform tasks, they never receive an edge, so they stay at version 0). */
#define SABPF_NS_ID_BASE (0xffffULL << 48)
struct sabpf_ns_attrs {
	__u32 inum;   /* the inode number ls -l /proc/PID/ns shows */
	__u32 nstype; /* CLONE_NEWNS, CLONE_NEWNET, ... */
};

#define SABPF_BPF_NAME_LEN 16 /* BPF_OBJ_NAME_LEN */

/* Attributes of a BPF program or map. */
struct sabpf_bpf_attrs {
	__u32 id;   /* the kernel's program or map id (bpftool prog/map show) */
	__u32 type; /* enum bpf_prog_type or enum bpf_map_type */
	char name[SABPF_BPF_NAME_LEN];
};

/* Attributes of a System V IPC object (MSG_QUEUE, SHM, SEM) or of one
 * System V message (MSG: key, id, ipcns of its queue; uid/gid of the sender). */
struct sabpf_ipc_attrs {
	__s32 key;	  /* IPC key; 0 is IPC_PRIVATE */
	__s32 id;	  /* msqid, shmid or semid */
	__u32 mode;	  /* permission bits */
	__u32 uid, gid;	  /* owner */
	__u32 cuid, cgid; /* creator */
	__u32 ipcns;	  /* inode number of the IPC namespace of the task that recorded it */
	__u64 size;	  /* SHM: bytes; SEM: semaphores in the set; MSG_QUEUE: max bytes (qbytes);
			     MSG: bytes of the message */
	__s64 type;	  /* MSG: message type (mtype); 0 otherwise */
};

struct sabpf_node {
	struct sabpf_hdr hdr;
	struct sabpf_ref node;
	struct sabpf_ctx ctx;
	union {
		struct sabpf_task_attrs task;
		struct sabpf_mem_attrs mem;
		struct sabpf_inode_attrs inode;
		struct sabpf_addr_attrs addr;
		struct sabpf_packet_attrs packet;
		struct sabpf_ns_attrs ns;   /* NAMESPACE */
		struct sabpf_bpf_attrs bpf; /* BPF_PROG, BPF_MAP */
		struct sabpf_ipc_attrs ipc;
	};
};

/* A relation. pid/tid/uid are the acting task's, for the flat audit view. */
struct sabpf_edge {
	struct sabpf_hdr hdr;
	__u32 relation; /* enum sabpf_relation */
	__u32 pid;
	__u32 tid;
	__u32 uid;
	struct sabpf_ref from;
	struct sabpf_ref to;
	__u64 arg; /* relation-specific, see enum sabpf_relation */
};

/* Bits of sabpf_name.flags */
#define SABPF_NAME_REVERSED                                                                        \
	0x1			 /* PATH: NUL-separated components, leaf first,                    \
				    to be joined in reverse order with '/' */
#define SABPF_NAME_TRUNCATED 0x2 /* the string was cut at the size limit */
#define SABPF_NAME_DELETED 0x4	 /* PATH: the file was already unlinked */
#define SABPF_NAME_FSRELATIVE                                                                      \
	0x8 /* PATH: relative to its filesystem's root,                                            \
	       the mount point was not known */

/* A PATH, ARGV or XATTR node with its string. `len` bytes of `data` follow the
 * fixed part; record size = offsetof(data) + len. A PATH from bpf_d_path is
 * one NUL-terminated string; ARGV is `argc` NUL-terminated strings; XATTR
 * is the attribute's name ("user.comment"), one NUL-terminated string. */
struct sabpf_name {
	struct sabpf_hdr hdr;
	struct sabpf_ref node;
	struct sabpf_ctx ctx;
	__u32 len;
	__u16 flags;
	__u16 argc; /* ARGV only */
	char data[];
};

/* Why a LOST record counts a loss (sabpf_lost.cause). Only RING losses are
 * records of the sequence (gaps in hdr.seq); the others are losses of
 * fidelity: something the programs could not write or keep. A new cause is
 * one value here and one name in src/record.c (record_lost_cause_name). */
enum sabpf_lost_cause {
	SABPF_LOST_RING = 1,	   /* records not written: the ring buffer was full */
	SABPF_LOST_DENIAL = 2,	   /* denial records not written: their ring was full
				      (the policy's denial ring, or the audit ring for
				      self-protection denials) */
	SABPF_LOST_STORAGE = 3,	   /* local storage of a task, inode, socket could not be
				      created: the object has no node (its edges are missing) */
	SABPF_LOST_CRED_MAP = 4,   /* cred_map full: a process-memory node was not kept */
	SABPF_LOST_FILE_MAP = 5,   /* file_map full: an open file was not kept */
	SABPF_LOST_OBJECT_MAP = 6, /* another object map full (System V IPC objects and
				      messages, POSIX queues, BPF objects): no node */
	SABPF_LOST_SPOOL = 7,	   /* records not sent to Kafka: the agent's disk spool was
				      full (written by the agent, src/kafka.c) */
	SABPF_LOST_BROKER = 8,	   /* records the Kafka broker refused for good (written by
				      the agent) */
	SABPF_LOST_CAUSE_MAX
};

/* `count` losses of cause `cause` on this CPU, of the container in
 * hdr.container (0: not known, the kernel's loss table was full). For RING
 * losses first_seq..last_seq are the sequence numbers of the first and last
 * record lost (not necessarily contiguous); 0 for the other causes. Written
 * by the kernel into the stream as soon as there is room again, one record
 * per container and cause; what is left at the end, by the agent. */
struct sabpf_lost {
	struct sabpf_hdr hdr;
	__u64 count;
	__u64 first_seq;
	__u64 last_seq;
	__u32 cause; /* enum sabpf_lost_cause */
	__u32 pad;
};

/* An access the policy of the task's cgroup refused (enforce mode), or would
 * have refused (monitor mode): written by bpf/policy.bpf.c into its own ring,
 * outside the per-CPU sequence (seq 0). hdr.container is the cgroup the
 * policy is bound to. For file and exec operations the path follows the
 * fixed part: `path_len` bytes, NUL included (0 for network operations);
 * record size = sizeof(struct sabpf_denial) + path_len. */
struct sabpf_denial {
	struct sabpf_hdr hdr;
	__u64 cgroup_id; /* the task's own cgroup */
	__u32 operation; /* enum sabpf_operation (sabpf_policy.h) */
	__u32 rule_id;	 /* class << 16 | index, as in src/policy.h */
	__u32 pid, tid, uid;
	__u32 enforced;	  /* 1: refused; 0: monitor mode, allowed */
	__s32 error;	  /* the error returned (-EPERM), 0 in monitor mode */
	__u32 access;	  /* file rights asked (POL_FILE_*); self-protection: the
			     bpf command, signal, ptrace mode or module id */
	__u16 family;	  /* network operations: AF_INET, AF_INET6 */
	__u16 port;	  /* host order */
	__u32 generation; /* of the policy that decided */
	__u8 addr[16];	  /* network order */
	char comm[SABPF_COMM_LEN];
	__u32 path_len;
	__u32 target_pid; /* signals and ptrace aimed at the agent: its pid */
};

/* Record classes a container can switch on or off (struct sabpf_scope). */
#define SABPF_CLASS_PROC 0x1  /* tasks, exec, credentials */
#define SABPF_CLASS_FILE 0x2  /* open, read, write, mmap, namespace operations */
#define SABPF_CLASS_NET 0x4   /* sockets, packets */
#define SABPF_CLASS_IPC 0x8   /* System V IPC, POSIX message queues */
#define SABPF_CLASS_SYS 0x10  /* mounts, modules, BPF, capabilities, namespaces */
#define SABPF_CLASS_PERM 0x20 /* inode_permission: opt-in, not part of "all" */
#define SABPF_CLASS_ALL                                                                            \
	(SABPF_CLASS_PROC | SABPF_CLASS_FILE | SABPF_CLASS_NET | SABPF_CLASS_IPC | SABPF_CLASS_SYS)

/* Value of the scope map, keyed by cgroup id (__u64). A cgroup made under an
 * audited one gets a copy of its parent's entry, in the kernel. */
struct sabpf_scope {
	__u64 container; /* cgroup id of the registered root of this container */
	__u32 classes;	 /* SABPF_CLASS_* bits */
	__u32 pad;
};

#endif /* SABPF_RECORD_H */
