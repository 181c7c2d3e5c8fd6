/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* sabpf_policy.h: the form an access-control policy takes in the kernel, in
 * the maps of bpf/policy.bpf.c, shared by those programs and the agent
 * (src/enforce.c), which fills them from a parsed struct policy
 * (src/policy.h). One source of truth, like sabpf_record.h.
 *
 * A policy lives in a slot: a head (pol_heads[slot]), its network rules
 * (pol_nets[slot]), its file rules (pol_files[slot * POL_FILE_RULES + i])
 * and its exec rules (pol_execs[slot * POL_EXEC_RULES + i]). The binding
 * map pol_bind says which slot governs which cgroup (and its descendants).
 * A new policy is written into a free slot and then bound with a single
 * map update, so a program sees the old policy or the new one, never a
 * mixture. */
#ifndef SABPF_POLICY_MAPS_H
#define SABPF_POLICY_MAPS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define POL_SLOTS 64	    /* policies applied at once, system-wide */
#define POL_NET_RULES 256   /* = POLICY_MAX_NET_RULES */
#define POL_FILE_RULES 256  /* = POLICY_MAX_FILE_RULES */
#define POL_EXEC_RULES 64   /* = POLICY_MAX_EXEC_RULES */
#define POL_GLOB_MAX 256    /* = POLICY_PATH_MAX */
#define POL_CGROUP_DEPTH 16 /* deepest cgroup level searched for a binding */
#define POL_DEFAULT_INDEX 0xffffu
#define POL_UNRESOLVED_INDEX 0xfffeu /* denied: the path could not be resolved whole */
#define POL_HARDLINK_INDEX 0xfffdu   /* denied: a rule's grant on a file with other names */
#define POL_MOUNT_INDEX 0xfffcu	     /* denied: a mount, chroot or namespace change */
/* denied (trace backend): an inet socket no cgroup hook sees */
#define POL_UNHOOKED_INDEX 0xfffbu

/* Denial delivery: each reader (an agent) claims one of POL_DENIAL_SLOTS
 * slots of pol_slots and puts a ring buffer of its own there; the policy
 * programs write every denial into every occupied slot (src/denial_slot.c). */
#define POL_DENIAL_SLOTS 16

/* Key of pol_slot_lost: denial records a slot's ring had no room for, per
 * task cgroup (cgroup_id 0: the map was full, cgroup not known). */
struct pol_lost_key {
	__u64 cgroup_id;
	__u32 slot;
	__u32 pad;
};

/* The helpers a tenant program may not call (src/tenant.c), also refused to
 * programs a container loads with --allow-bpf (bpf/guard.bpf.c). */
#define SABPF_REFUSED_HELPERS 6

/* Rule classes, as in src/policy.h (enum policy_class). */
#define POL_CLASS_EGRESS 1
#define POL_CLASS_BIND 2
#define POL_CLASS_FAMILY 3
#define POL_CLASS_FILE 4
#define POL_CLASS_EXEC 5
#define POL_CLASS_GUARD 6 /* self-protection, always on for audited containers */

/* File rights, as in src/policy.h (enum policy_file_access). */
#define POL_FILE_READ 0x1
#define POL_FILE_WRITE 0x2
#define POL_FILE_EXEC 0x4
#define POL_FILE_MAP_EXEC 0x8

/* Bits of pol_head.sections: which parts of the policy are present. */
#define POL_HAS_NET 0x1
#define POL_HAS_FAMILIES 0x2
#define POL_HAS_FILES 0x4
#define POL_HAS_EXEC 0x8

struct pol_net_rule {
	__u16 port_lo, port_hi;
	__u16 family; /* 0: both, AF_INET, AF_INET6 */
	__u8 prefix_len;
	__u8 pad;
	__u8 addr[16]; /* network order */
};

struct pol_nets {
	struct pol_net_rule egress[POL_NET_RULES];
	struct pol_net_rule bind[POL_NET_RULES];
};

/* A glob compiled by src/policy_glob.c into tokens the kernel matcher
 * (include/sabpf_glob.h) steps through: no escapes, no bracket parsing left. */
#define POL_GLOB_SETS 8 /* [...] sets in one glob */
struct pol_glob {
	__u8 tok[POL_GLOB_MAX];	      /* GLOB_* tokens, GLOB_END last */
	__u8 sets[POL_GLOB_SETS][32]; /* a bitmap of the bytes each set matches */
	__u32 recursive;	      /* the glob ended in a final "/" "**" (cut off) */
	__u32 pad;
};

struct pol_file_rule {
	struct pol_glob glob;
	__u32 access; /* POL_FILE_* */
	__u32 pad;
};

struct pol_exec_rule {
	struct pol_glob glob;
};

/* Key of pol_files and pol_execs: slot << 16 | rule index. */
static inline __u32 pol_rule_key(__u32 slot, __u32 index)
{
	return slot << 16 | (index & 0xffffu);
}

struct pol_head {
	__u32 in_use;
	__u32 monitor;	/* 1: record would-be denials, block nothing */
	__u32 sections; /* POL_HAS_* */
	__u32 net_default_allow;
	__u32 negress, nbind;
	__u32 file_default_access; /* POL_FILE_* */
	__u32 nfiles;
	__u32 exec_default_allow;
	__u32 nexecs;
	/* families: family_index[AF] = index of the allowing entry + 1, 0: not listed */
	__u16 family_index[64];
	/* the target executable (dev, ino), 0: every process of the cgroup */
	__u64 exe_ino;
	__u32 exe_dev;
	__u32 generation; /* bumped at every apply, shown by `policy show` */
	__u64 cgroup_id;  /* the cgroup it was applied to */
	__u64 applied_ns; /* CLOCK_REALTIME of the apply */
	char cgroup_path[POL_GLOB_MAX];
	char source[POL_GLOB_MAX]; /* the policy file */
	/* The process that applied the policy (tgid, start time in clock ticks
	 * as /proc/PID/stat gives it): a child it started into the cgroup may
	 * set up its mounts until its first exec (sabpf run). */
	__u32 applier_tgid;
	__u32 pad2;
	__u64 applier_start_ticks;
};

/* Value of pol_bind (key: cgroup id). */
struct pol_binding {
	__u32 slot;
	__u32 generation;
};

/* The operations a denial record names (sabpf_denial.operation). */
enum sabpf_operation {
	SABPF_OP_SOCKET_CREATE = 1,
	SABPF_OP_CONNECT = 2,
	SABPF_OP_SENDMSG = 3,
	SABPF_OP_BIND = 4,
	SABPF_OP_LISTEN = 5,
	SABPF_OP_FILE_OPEN = 6,
	SABPF_OP_EXEC = 7,
	SABPF_OP_MMAP_EXEC = 8,
	SABPF_OP_MPROTECT_EXEC = 9,
	/* self-protection (bpf/guard.bpf.c): rule id POL_CLASS_GUARD << 16 | op */
	SABPF_OP_BPF = 10,	    /* bpf() from a container */
	SABPF_OP_SIGNAL_AGENT = 11, /* a signal to the agent */
	SABPF_OP_PTRACE_AGENT = 12, /* ptrace (or /proc/PID/mem) of the agent */
	SABPF_OP_CGROUP_WRITE = 13, /* a cgroup file outside its subtree (task moves, clone3) */
	SABPF_OP_MOUNT = 14,	    /* mounting bpffs or securityfs */
	SABPF_OP_UMOUNT = 15,	    /* unmounting them */
	SABPF_OP_BPFFS_WRITE = 16,  /* writing, creating or removing in bpffs or securityfs */
	SABPF_OP_MODULE_LOAD = 17,  /* init_module, finit_module */
	SABPF_OP_AGENT_FILE = 18, /* writing, truncating, renaming or removing the agent's files */
	SABPF_OP_CGROUP_DIR = 19, /* making, removing, renaming a cgroup outside its subtree */
	SABPF_OP_SYSCTL = 20,	  /* writing a guarded sysctl, sysrq-trigger, binfmt_misc */
	SABPF_OP_KEXEC = 21,	  /* kexec_load, kexec_file_load */
	SABPF_OP_DEVICE_WRITE = 22, /* writing a block device, /dev/mem, /dev/kmem, /dev/port */
	SABPF_OP_PTRACE_HOST = 23,  /* ptrace (or /proc/PID/mem) of a task outside its subtree */
	SABPF_OP_SCHED_AGENT = 24,  /* the agent's nice, scheduler, ioprio, prlimit, /proc/PID */
	SABPF_OP_MAX
};

#endif /* SABPF_POLICY_MAPS_H */
