/* SPDX-License-Identifier: GPL-2.0 */
/* policy.bpf.c: access-control enforcement, a BPF object of its own (the
 * policy skeleton), apart from the audit programs of sabpf.bpf.c, so that a
 * policy outlives the agent: its maps and links are pinned under
 * /sys/fs/bpf/sabpf/policy (src/enforce.c).
 *
 * Every program is an lsm_cgroup/ program (BPF_LSM_CGROUP): attached to a
 * container's (or pod's) cgroup, the kernel runs it only for tasks of that
 * cgroup and its descendants, and at most 10 distinct hooks can carry such
 * programs system-wide; but for the cgroup-bpf socket programs (cgroup/
 * connect4 ..., below) that enforce the network section where BPF LSM is
 * not available (the trace backend). Each program
 *   1. finds the policy bound to the nearest audited ancestor of the task's
 *      cgroup (pol_bind), and its slot (pol_heads ...);
 *   2. decides as the reference functions of src/policy.c do (verdict and
 *      rule id), globs with the matcher of include/sabpf_glob.h in bpf_loop;
 *   3. on a denial writes a struct sabpf_denial into the ring of every
 *      reader's slot (pol_slots; the `denials` log ring when none), and
 *      returns 0 (the kernel turns it into -EPERM) unless the policy is in
 *      monitor mode. An lsm_cgroup program returns 1 to allow.
 * Decisions fail closed: a path that cannot be resolved whole (bpf_d_path
 * fails or would be cut, a rebuilt path reaches its depth or length limit,
 * the file is on a detached mount), a match that runs out of steps, or a
 * scratch map that cannot be had is denied, with rule index
 * POL_UNRESOLVED_INDEX where a record can be written (docs/policy.md). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "sabpf_record.h"
#include "sabpf_policy.h"
#include "sabpf_glob.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM 1
#define AF_INET 2
#define AF_INET6 10
#define FMODE_READ 0x1
#define FMODE_WRITE 0x2
#define PROT_EXEC 0x4
#define VM_EXEC 0x4
#define S_IFMT 0170000
#define S_IFREG 0100000
#define CAP_SYS_CHROOT 18
#define CAP_SYS_ADMIN 21
#define TS_COMPAT 0x0002	   /* thread_info.status: an ia32 system call */
#define X32_SYSCALL_BIT 0x40000000 /* x32 system calls: the x86_64 numbers with it */
#define TICK_NS 10000000ull	   /* NSEC_PER_SEC / USER_HZ: /proc/PID/stat's starttime */
#define MATCH_STEPS_MAX (1 << 20)  /* bpf_loop iterations for one decision */
#define WALK_DEPTH 32		   /* components of a path rebuilt by path_by_walk */
#define WALK_NAME_MAX 256	   /* bytes of one component, NUL included */

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((void *)(ptr) - __builtin_offsetof(type, member)))
#endif

#define ALLOW 1
#define DENY 0

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64); /* cgroup id */
	__type(value, struct pol_binding);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pol_bind SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, POL_SLOTS);
	__type(key, __u32);
	__type(value, struct pol_head);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pol_heads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, POL_SLOTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32); /* slot */
	__type(value, struct pol_nets);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pol_nets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, POL_SLOTS * 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32); /* pol_rule_key(slot, index) */
	__type(value, struct pol_file_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pol_files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, POL_SLOTS * 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct pol_exec_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pol_execs SEC(".maps");

/* Denial delivery (src/denial_slot.c). Every reader of denials (an agent)
 * claims a slot of pol_slots and puts a ring buffer of its own in it; each
 * denial is written into every occupied slot, so no reader takes a denial
 * from another: each keeps those of the cgroups it audits. */
struct pol_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, POL_DENIAL_SLOTS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct pol_ring);
} pol_slots SEC(".maps");

/* The log ring: denials made while no slot was occupied (no agent ran),
 * kept for `sabpf policy log` (src/enforce.c), which alone reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} denials SEC(".maps");

/* Per CPU: [0] decisions made, [1] denials, [2] denial records lost (a
 * slot's ring full, once per slot), [3] decisions cut short (the matcher's
 * step budget ran out). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pol_counters SEC(".maps");

/* (task cgroup id, slot) -> denial records that slot's ring had no room
 * for, per CPU: the slot's agent reports those of the cgroups it audits as
 * LOST records of cause SABPF_LOST_DENIAL (src/loader.c). When the map is
 * full they are counted under cgroup 0 (an entry the agent makes when it
 * claims the slot). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pol_lost_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pol_slot_lost SEC(".maps");

/* Task cgroup id -> denials made, per CPU (cgroup 0: the map was full): an
 * agent that could not claim a slot reports the growth for the cgroups it
 * audits as denials lost (src/loader.c). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pol_denied SEC(".maps");

/* Per CPU: denials the log ring had no room for (`sabpf policy log` says
 * how many). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pol_log_lost SEC(".maps");

/* Adds one to a per-CPU hash entry, made when missing; returns 0, or -1
 * when the map has no room for it. */
static __always_inline int bump(void *map, void *key)
{
	__u64 *n = bpf_map_lookup_elem(map, key);
	if (!n) {
		__u64 zero = 0;
		bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);
		n = bpf_map_lookup_elem(map, key);
	}
	if (!n)
		return -1;
	__sync_fetch_and_add(n, 1); /* a preempted program's task may share the CPU */
	return 0;
}

/* Counts a denial record slot `slot`'s ring had no room for, under the
 * task's cgroup (cgroup 0 when the count map is full). */
static __always_inline void denial_lost(__u64 cgroup_id, __u32 slot)
{
	__u32 which = 2;
	__u64 *c = bpf_map_lookup_elem(&pol_counters, &which);
	if (c)
		*c += 1;
	struct pol_lost_key key = {.cgroup_id = cgroup_id, .slot = slot};
	if (bump(&pol_slot_lost, &key)) {
		key.cgroup_id = 0;
		bump(&pol_slot_lost, &key);
	}
}

/* Counts a denial of the task's cgroup (for agents without a slot). */
static __always_inline void denial_made(__u64 cgroup_id)
{
	if (bump(&pol_denied, &cgroup_id)) {
		__u64 zero = 0;
		bump(&pol_denied, &zero);
	}
}

/* One denial record with room for its path, which follows it directly
 * (sizeof(struct sabpf_denial) is a multiple of 8); the path is also what the
 * glob matcher reads. */
struct denial_buf {
	struct sabpf_denial rec;
	char path[GLOB_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct denial_buf);
} denial_scratch SEC(".maps");

/* The state of one delivery (deliver_step in bpf_loop): in a per-CPU map,
 * as the states of the other loops (loop_states, below). */
struct deliver_state {
	__u64 size;
	__u64 cgroup_id;
	__u32 delivered;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct deliver_state);
} deliver_states SEC(".maps");

/* Writes the denial record (the scratch buffer's) into slot i's ring, if
 * the slot is occupied. A callback, verified once, rather than a loop the
 * verifier would walk POL_DENIAL_SLOTS times at every denial site. */
static int deliver_step(__u32 i, void *unused)
{
	__u32 zero = 0, slot = i;
	struct deliver_state *st = bpf_map_lookup_elem(&deliver_states, &zero);
	struct denial_buf *d = bpf_map_lookup_elem(&denial_scratch, &zero);
	if (!st || !d)
		return 1;
	void *ring = bpf_map_lookup_elem(&pol_slots, &slot);
	if (!ring)
		return 0;
	st->delivered = 1;
	__u64 size = st->size;
	if (size > sizeof(*d))
		return 1;
	if (bpf_ringbuf_output(ring, d, size, 0))
		denial_lost(st->cgroup_id, slot);
	return 0;
}

/* Writes a denial record (d: the scratch buffer) into every occupied slot,
 * or into the log ring when there is none. */
static __always_inline void deliver(struct denial_buf *d, __u64 size, __u64 cgroup_id)
{
	__u32 zero = 0;
	denial_made(cgroup_id);
	struct deliver_state *st = bpf_map_lookup_elem(&deliver_states, &zero);
	if (st) {
		st->size = size;
		st->cgroup_id = cgroup_id;
		st->delivered = 0;
		bpf_loop(POL_DENIAL_SLOTS, deliver_step, NULL, 0);
	}
	if ((!st || !st->delivered) && bpf_ringbuf_output(&denials, d, size, 0)) {
		__u64 *c = bpf_map_lookup_elem(&pol_log_lost, &zero);
		if (c)
			__sync_fetch_and_add(c, 1);
	}
}

/* The policy that governs the current task, or NULL. */
struct governing {
	__u32 slot;
	__u32 generation;
	__u64 bound_cgroup;
	struct pol_head *head;
};

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&pol_counters, &which);
	if (c)
		*c += 1;
}

/* Whether the task runs the policy's target executable (when it has one). */
static __always_inline int runs_target(struct task_struct *task, const struct pol_head *h)
{
	if (h->exe_ino == 0)
		return 1;
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	if (!exe)
		return 0;
	__u64 ino = BPF_CORE_READ(exe, f_inode, i_ino);
	__u32 dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
	return ino == h->exe_ino && dev == h->exe_dev;
}

static __always_inline int governed_by(struct governing *g, struct task_struct *task, __u64 id,
				       struct pol_binding *b)
{
	__u32 slot = b->slot;
	struct pol_head *h = bpf_map_lookup_elem(&pol_heads, &slot);
	if (!h || !h->in_use || !runs_target(task, h))
		return 0;
	g->slot = slot;
	g->generation = b->generation;
	g->bound_cgroup = id;
	g->head = h;
	return 1;
}

/* Finds the binding of the nearest ancestor (the task's own cgroup first):
 * 1 found, 0 none (or the task is not the policy's target), -1 none found
 * although the task is deeper than the search reaches. These programs run
 * only in the subtree of a cgroup a policy is attached to, so a task nested
 * more than POL_CGROUP_DEPTH levels below its policy must not escape it: the
 * top POL_CGROUP_DEPTH levels are searched too (the deepest binding there
 * governs), and -1 (deny) is left for a policy bound deeper still. */
static __always_inline int governing_policy(struct governing *g)
{
	struct task_struct *task = bpf_get_current_task_btf();
	int level = BPF_CORE_READ(task, cgroups, dfl_cgrp, level);
	struct pol_binding *b = NULL;
	__u64 id = 0;
	for (int i = 0; i < POL_CGROUP_DEPTH && !b; i++) {
		int l = level - i;
		if (l < 0)
			return 0;
		id = bpf_get_current_ancestor_cgroup_id(l);
		b = bpf_map_lookup_elem(&pol_bind, &id);
	}
	for (int l = POL_CGROUP_DEPTH - 1; l >= 0 && !b; l--) {
		id = bpf_get_current_ancestor_cgroup_id(l);
		b = bpf_map_lookup_elem(&pol_bind, &id);
	}
	if (!b) {
		count(1);
		count(2); /* a denial without a record: no policy to name */
		return -1;
	}
	return governed_by(g, task, id, b);
}

/* What a hook returns when governing_policy() did not give 1. */
#define UNGOVERNED(rc) ((rc) < 0 ? DENY : ALLOW)

static __always_inline struct denial_buf *denial_buf_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&denial_scratch, &zero);
}

/* Writes the denial (path_len bytes of d->path with it) and returns what the
 * hook must return: DENY, or ALLOW in monitor mode. */
static __always_inline int deny(struct governing *g, struct denial_buf *d, __u32 op, __u32 rule_id,
				__u32 path_len)
{
	int enforce = !g->head->monitor;
	struct sabpf_denial *r = &d->rec;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	r->hdr.type = SABPF_REC_DENIAL;
	r->hdr.cpu = bpf_get_smp_processor_id();
	r->hdr.seq = 0;
	r->hdr.time_ns = bpf_ktime_get_boot_ns();
	r->hdr.container = g->bound_cgroup;
	r->cgroup_id = bpf_get_current_cgroup_id();
	r->operation = op;
	r->rule_id = rule_id;
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->uid = (__u32)bpf_get_current_uid_gid();
	r->enforced = enforce;
	r->error = enforce ? -EPERM : 0;
	r->generation = g->generation;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->path_len = path_len;
	__u32 size = sizeof(struct sabpf_denial) + (glob_bound(path_len, GLOB_PATH_MAX - 1));
	r->hdr.size = size;
	count(1);
	deliver(d, size, r->cgroup_id);
	return enforce ? DENY : ALLOW;
}

/* A denial that cannot be recorded (no scratch buffer): counted as a denial
 * and a lost record. */
static __always_inline int deny_unrecorded(struct governing *g)
{
	count(1);
	count(2);
	return g->head->monitor ? ALLOW : DENY;
}

/* ---- network ------------------------------------------------------------ */

/* Where a connect or bind goes, as the rules compare it. */
struct net_target {
	__u16 family;
	__u16 port;
	__u8 addr[16];
};

/* Reads a sockaddr (IPv4-mapped IPv6 as IPv4); 0 when not inet/inet6. */
static __always_inline int read_sockaddr(struct sockaddr *address, int addrlen,
					 struct net_target *t)
{
	__u16 family = BPF_CORE_READ(address, sa_family);
	if (family == AF_INET && addrlen >= (int)sizeof(struct sockaddr_in)) {
		struct sockaddr_in *in = (struct sockaddr_in *)address;
		t->family = AF_INET;
		t->port = bpf_ntohs(BPF_CORE_READ(in, sin_port));
		__u32 a = BPF_CORE_READ(in, sin_addr.s_addr);
		__builtin_memcpy(t->addr, &a, 4);
		return 1;
	}
	if (family == AF_INET6 && addrlen >= (int)sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)address;
		t->port = bpf_ntohs(BPF_CORE_READ(in6, sin6_port));
		bpf_probe_read_kernel(t->addr, 16, &in6->sin6_addr);
		__u32 w0, w1, w2;
		__builtin_memcpy(&w0, t->addr, 4);
		__builtin_memcpy(&w1, t->addr + 4, 4);
		__builtin_memcpy(&w2, t->addr + 8, 4);
		if (w0 == 0 && w1 == 0 && w2 == bpf_htonl(0xffff)) {
			__builtin_memcpy(t->addr, t->addr + 12, 4); /* ::ffff:a.b.c.d */
			t->family = AF_INET;
		} else {
			t->family = AF_INET6;
		}
		return 1;
	}
	return 0;
}

static __always_inline int prefix_matches(const struct pol_net_rule *r, const __u8 *addr)
{
	__u32 bits = r->prefix_len;
	for (int i = 0; i < 16; i++) {
		if (bits == 0)
			return 1;
		__u8 mask = bits >= 8 ? 0xff : (__u8)(0xff00u >> bits);
		if ((r->addr[i] & mask) != (addr[i] & mask))
			return 0;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return 1;
}

struct net_scan {
	__u32 slot;
	__u32 n;
	__u32 bind;  /* 0: egress rules, 1: bind rules */
	__u32 found; /* index of the first matching rule + 1 */
	struct net_target t;
};

static struct net_scan *net_scan_state(void);

static int net_scan_step(__u32 i, void *unused)
{
	struct net_scan *s = net_scan_state();
	if (!s || i >= s->n || i >= POL_NET_RULES)
		return 1;
	struct pol_nets *nets = bpf_map_lookup_elem(&pol_nets, &s->slot);
	if (!nets)
		return 1;
	__u32 k = glob_bound(i, POL_NET_RULES - 1);
	struct pol_net_rule *r = s->bind ? &nets->bind[k] : &nets->egress[k];
	if (s->t.port < r->port_lo || s->t.port > r->port_hi)
		return 0;
	if (r->family && r->family != s->t.family)
		return 0;
	if (!prefix_matches(r, s->t.addr))
		return 0;
	s->found = i + 1;
	return 1;
}

/* policy_decide_connect / policy_decide_bind. */
static __always_inline int decide_net(struct governing *g, __u32 op, struct net_target *t)
{
	struct pol_head *h = g->head;
	int bind = op == SABPF_OP_BIND || op == SABPF_OP_LISTEN;
	__u32 cls = bind ? POL_CLASS_BIND : POL_CLASS_EGRESS;
	if (!(h->sections & POL_HAS_NET))
		return ALLOW;
	struct net_scan *s = net_scan_state();
	if (!s)
		return deny_unrecorded(g);
	s->slot = g->slot;
	s->n = bind ? h->nbind : h->negress;
	s->bind = bind;
	s->found = 0;
	s->t = *t;
	count(0);
	bpf_loop(POL_NET_RULES, net_scan_step, NULL, 0);
	if (s->found || h->net_default_allow)
		return ALLOW;
	struct denial_buf *d = denial_buf_get();
	if (!d)
		return deny_unrecorded(g);
	d->rec.family = t->family;
	d->rec.port = t->port;
	d->rec.access = 0;
	__builtin_memcpy(d->rec.addr, t->addr, 16);
	return deny(g, d, op, (cls << 16) | POL_DEFAULT_INDEX, 0);
}

SEC("lsm_cgroup/socket_create")
int BPF_PROG(policy_socket_create, int family, int type, int protocol, int kern)
{
	struct governing g;
	if (kern)
		return ALLOW;
	int gp = governing_policy(&g);
	if (gp != 1)
		return UNGOVERNED(gp);
	if (!(g.head->sections & POL_HAS_FAMILIES))
		return ALLOW;
	count(0);
	if (family >= 0 && family < 64 && g.head->family_index[glob_bound(family, 63)])
		return ALLOW;
	struct denial_buf *d = denial_buf_get();
	if (!d)
		return deny_unrecorded(&g);
	d->rec.family = family;
	d->rec.port = 0;
	d->rec.access = type;
	__builtin_memset(d->rec.addr, 0, 16);
	return deny(&g, d, SABPF_OP_SOCKET_CREATE, (POL_CLASS_FAMILY << 16) | POL_DEFAULT_INDEX, 0);
}

SEC("lsm_cgroup/socket_connect")
int BPF_PROG(policy_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen)
{
	struct governing g;
	struct net_target t = {};
	int gp = governing_policy(&g);
	if (gp != 1)
		return UNGOVERNED(gp);
	if (!read_sockaddr(address, addrlen, &t))
		return ALLOW;
	return decide_net(&g, SABPF_OP_CONNECT, &t);
}

/* A datagram sent to an address (sendto) is egress too; a connected
 * socket's peer was checked at connect. */
SEC("lsm_cgroup/socket_sendmsg")
int BPF_PROG(policy_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size)
{
	struct governing g;
	struct net_target t = {};
	struct sockaddr *name = BPF_CORE_READ(msg, msg_name);
	int namelen = BPF_CORE_READ(msg, msg_namelen);
	if (!name)
		return ALLOW;
	int gp = governing_policy(&g);
	if (gp != 1)
		return UNGOVERNED(gp);
	if (!read_sockaddr(name, namelen, &t))
		return ALLOW;
	return decide_net(&g, SABPF_OP_SENDMSG, &t);
}

SEC("lsm_cgroup/socket_bind")
int BPF_PROG(policy_socket_bind, struct socket *sock, struct sockaddr *address, int addrlen)
{
	struct governing g;
	struct net_target t = {};
	int gp = governing_policy(&g);
	if (gp != 1)
		return UNGOVERNED(gp);
	if (!read_sockaddr(address, addrlen, &t))
		return ALLOW;
	return decide_net(&g, SABPF_OP_BIND, &t);
}

/* listen on the socket's local address (bound, or chosen by the kernel). */
SEC("lsm_cgroup/socket_listen")
int BPF_PROG(policy_socket_listen, struct socket *sock, int backlog)
{
	struct governing g;
	int gp = governing_policy(&g);
	if (gp != 1)
		return UNGOVERNED(gp);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	struct net_target t = {.family = family};
	if (family == AF_INET) {
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__builtin_memcpy(t.addr, &a, 4);
	} else if (family == AF_INET6) {
		BPF_CORE_READ_INTO(&t.addr, sk, __sk_common.skc_v6_rcv_saddr);
	} else {
		return ALLOW;
	}
	t.port = BPF_CORE_READ(sk, __sk_common.skc_num);
	return decide_net(&g, SABPF_OP_LISTEN, &t);
}

/* ---- the same network decisions from cgroup-bpf hooks (trace backend) ----
 * On a host without BPF LSM (docs/backends.md) a policy whose only section
 * is `network` without `families` is enforced by these programs instead
 * (src/enforce.c refuses any other rule there, before attaching anything).
 * They decide with decide_net above, from the same maps, and write the same
 * denial records. The kernel runs a cgroup/connect*, sendmsg*, bind*
 * program for the inet and inet6 sockets of the cgroup it is attached to
 * and its descendants, and turns a 0 into -EPERM, as for lsm_cgroup.
 *
 * What no cgroup-bpf hook sees: raw and ICMP (ping) sockets, SCTP and MPTCP
 * send, connect or bind without passing connect4/6, sendmsg4/6 or bind4/6.
 * Under `network.default: deny` the sock_create program therefore refuses
 * to create any inet or inet6 socket but TCP and UDP (UDP-Lite), with rule
 * index POL_UNHOOKED_INDEX: what could reach the network around the hooks
 * does not exist. */

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_UDPLITE 136

/* The address of a sock_addr hook as read_sockaddr gives it (IPv4-mapped
 * IPv6 as IPv4). */
static __always_inline void sock_addr_target(struct bpf_sock_addr *ctx, int v6,
					     struct net_target *t)
{
	t->port = bpf_ntohs((__u16)ctx->user_port);
	if (!v6) {
		__u32 a = ctx->user_ip4;
		t->family = AF_INET;
		__builtin_memcpy(t->addr, &a, 4);
		return;
	}
	__u32 w[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
	if (w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0xffff)) {
		t->family = AF_INET; /* ::ffff:a.b.c.d */
		__builtin_memcpy(t->addr, &w[3], 4);
	} else {
		t->family = AF_INET6;
		__builtin_memcpy(t->addr, w, 16);
	}
}

static __always_inline int sock_addr_decide(struct bpf_sock_addr *ctx, int v6, __u32 op)
{
	struct governing g;
	struct net_target t = {};
	int gp = governing_policy(&g);
	if (gp != 1)
		return UNGOVERNED(gp);
	sock_addr_target(ctx, v6, &t);
	return decide_net(&g, op, &t);
}

SEC("cgroup/connect4")
int policy_connect4(struct bpf_sock_addr *ctx)
{
	return sock_addr_decide(ctx, 0, SABPF_OP_CONNECT);
}

SEC("cgroup/connect6")
int policy_connect6(struct bpf_sock_addr *ctx)
{
	return sock_addr_decide(ctx, 1, SABPF_OP_CONNECT);
}

/* A datagram sent to an address (sendto, sendmsg, sendmmsg on an
 * unconnected or connected UDP socket); the peer of a connected socket sent
 * to without an address was checked at connect. */
SEC("cgroup/sendmsg4")
int policy_sendmsg4(struct bpf_sock_addr *ctx)
{
	return sock_addr_decide(ctx, 0, SABPF_OP_SENDMSG);
}

SEC("cgroup/sendmsg6")
int policy_sendmsg6(struct bpf_sock_addr *ctx)
{
	return sock_addr_decide(ctx, 1, SABPF_OP_SENDMSG);
}

SEC("cgroup/bind4")
int policy_bind4(struct bpf_sock_addr *ctx)
{
	return sock_addr_decide(ctx, 0, SABPF_OP_BIND);
}

SEC("cgroup/bind6")
int policy_bind6(struct bpf_sock_addr *ctx)
{
	return sock_addr_decide(ctx, 1, SABPF_OP_BIND);
}

/* Runs for inet and inet6 sockets only (inet_create, inet6_create), never
 * for the kernel's own. */
SEC("cgroup/sock_create")
int policy_sock_create(struct bpf_sock *sk)
{
	struct governing g;
	int gp = governing_policy(&g);
	if (gp != 1)
		return UNGOVERNED(gp);
	struct pol_head *h = g.head;
	if (!(h->sections & POL_HAS_NET) || h->net_default_allow)
		return ALLOW;
	__u32 type = sk->type, proto = sk->protocol;
	count(0);
	if ((type == SOCK_STREAM && proto == IPPROTO_TCP) ||
	    (type == SOCK_DGRAM && (proto == IPPROTO_UDP || proto == IPPROTO_UDPLITE)))
		return ALLOW;
	struct denial_buf *d = denial_buf_get();
	if (!d)
		return deny_unrecorded(&g);
	d->rec.family = sk->family;
	d->rec.port = 0;
	d->rec.access = type; /* as policy_socket_create */
	__builtin_memset(d->rec.addr, 0, 16);
	return deny(&g, d, SABPF_OP_SOCKET_CREATE, (POL_CLASS_EGRESS << 16) | POL_UNHOOKED_INDEX,
		    0);
}

/* ---- files and exec ----------------------------------------------------- */

/* The state of one file or exec decision, stepped by bpf_loop: rule after
 * rule, each glob step by step. */
struct file_scan {
	__u32 slot;
	__u32 n;
	__u32 exec_rules; /* 0: pol_files (files section), 1: pol_execs (exec section) */
	__u32 want;	  /* rights asked (files) */
	__u32 granted;	  /* rights granted so far */
	__u32 decider;	  /* the rule index that decided, or POL_DEFAULT_INDEX */
	__u32 i;	  /* the rule being matched */
	__u32 running;	  /* a match of rule i is under way */
	__u32 done;
	struct glob_run run;
};

static __always_inline void next_rule(struct file_scan *s)
{
	s->i++;
	s->running = 0;
	glob_run_reset(&s->run);
}

static struct file_scan *file_scan_state(void);

static int file_scan_step(__u32 step, void *unused)
{
	struct file_scan *s = file_scan_state();
	if (!s)
		return 1;
	if (s->i >= s->n || s->i >= POL_FILE_RULES) {
		s->done = 1;
		return 1;
	}
	__u32 key = pol_rule_key(s->slot, s->i);
	struct pol_glob *glob;
	__u32 access = 0;
	if (s->exec_rules) {
		struct pol_exec_rule *r = bpf_map_lookup_elem(&pol_execs, &key);
		glob = r ? &r->glob : NULL;
	} else {
		struct pol_file_rule *r = bpf_map_lookup_elem(&pol_files, &key);
		glob = r ? &r->glob : NULL;
		access = r ? r->access : 0;
	}
	if (!glob) {
		next_rule(s);
		return 0;
	}
	/* policy_decide_file: a rule counts only while rights are missing and
	 * only if it grants one of them */
	if (!s->exec_rules && !s->running) {
		if (!(s->want & ~s->granted)) {
			s->done = 1;
			return 1;
		}
		if (!(access & s->want & ~s->granted)) {
			next_rule(s);
			return 0;
		}
	}
	s->running = 1;
	__u32 zero = 0;
	struct denial_buf *d = bpf_map_lookup_elem(&denial_scratch, &zero);
	if (!d)
		return 1;
	int r = glob_step(glob, d->path, &s->run);
	if (r == GLOB_RUNNING)
		return 0;
	if (r == GLOB_MATCH) {
		s->decider = s->i;
		if (s->exec_rules) {
			s->done = 1;
			return 1;
		}
		s->granted |= access;
	}
	next_rule(s);
	return 0;
}

static __always_inline void file_scan_start(struct file_scan *s, __u32 slot, __u32 n,
					    __u32 exec_rules)
{
	s->slot = slot;
	s->n = n;
	s->exec_rules = exec_rules;
	s->want = 0;
	s->granted = 0;
	s->decider = POL_DEFAULT_INDEX;
	s->i = 0;
	s->running = 0;
	s->done = 0;
}

/* Runs one scan to its end; 0 if the step budget ran out first. */
static __always_inline int run_scan(struct file_scan *s)
{
	glob_run_reset(&s->run);
	bpf_loop(MATCH_STEPS_MAX, file_scan_step, NULL, 0);
	if (!s->done)
		count(3);
	return s->done;
}

/* Whether a mount is detached (open_tree(OPEN_TREE_CLONE), fsmount not yet
 * moved into place): its paths start at its own root, not the task's, so a
 * path there says nothing about where the file is. Kernel-internal mounts
 * (pipes, sockets, memfd: mnt_ns MNT_NS_INTERNAL) are not detached. */
struct mnt_namespace___seq { /* up to 6.17: is_anon_ns() is seq == 0 */
	u64 seq;
} __attribute__((preserve_access_index));

struct mnt_namespace___nsid { /* 6.18: is_anon_ns() is ns.ns_id == 0 */
	struct {
		u64 ns_id;
	} ns;
} __attribute__((preserve_access_index));

static __always_inline int on_detached_mount(struct vfsmount *vfsmnt)
{
	struct mount *mnt = container_of(vfsmnt, struct mount, mnt);
	void *ns = BPF_CORE_READ(mnt, mnt_ns);
	if ((unsigned long)ns == 1) /* MNT_NS_INTERNAL */
		return 0;
	if (!ns)
		return 1;
	struct mnt_namespace___seq *old = ns;
	if (bpf_core_field_exists(old->seq))
		return BPF_CORE_READ(old, seq) == 0;
	struct mnt_namespace___nsid *cur = ns;
	return BPF_CORE_READ(cur, ns.ns_id) == 0;
}

/* Fills d->path with the path of f; its length with the NUL, or 0 when it
 * cannot be had whole (too long for the buffer: bpf_d_path fails rather
 * than cut it) or says nothing (a detached mount). */
static __always_inline __u32 path_of(struct denial_buf *d, struct path *f)
{
	if (on_detached_mount(BPF_CORE_READ(f, mnt)))
		return 0;
	long n = bpf_d_path(f, d->path, sizeof(d->path));
	return n > 0 ? (__u32)n : 0;
}

/* policy_decide_file for the path in d->path; returns the rule id and sets
 * *allow. */
static __always_inline __u32 decide_file(struct governing *g, __u32 want, int *allow)
{
	struct pol_head *h = g->head;
	struct file_scan *s = file_scan_state();
	*allow = 0;
	if (!s)
		return (POL_CLASS_FILE << 16) | POL_UNRESOLVED_INDEX;
	file_scan_start(s, g->slot, h->nfiles, 0);
	s->want = want;
	s->granted = h->file_default_access;
	count(0);
	if (!run_scan(s)) /* the step budget ran out: undecided is denied */
		return (POL_CLASS_FILE << 16) | POL_UNRESOLVED_INDEX;
	*allow = !(want & ~s->granted);
	return (POL_CLASS_FILE << 16) | (*allow ? s->decider : POL_DEFAULT_INDEX);
}

/* policy_decide_exec for the path in d->path. */
static __always_inline __u32 decide_exec(struct governing *g, int *allow)
{
	struct pol_head *h = g->head;
	struct file_scan *s = file_scan_state();
	*allow = h->exec_default_allow;
	if (!s)
		return (POL_CLASS_EXEC << 16) | POL_UNRESOLVED_INDEX;
	file_scan_start(s, g->slot, h->nexecs, 1);
	count(0);
	int complete = run_scan(s);
	*allow = s->decider != POL_DEFAULT_INDEX || h->exec_default_allow;
	if (!complete && !*allow) /* undecided: no rule matched before the budget ran out */
		return (POL_CLASS_EXEC << 16) | POL_UNRESOLVED_INDEX;
	return (POL_CLASS_EXEC << 16) | s->decider;
}

/* Refuses (or, in monitor mode, records) an access to the file whose path
 * (len bytes) is in d->path: access is the rights asked. */
static __always_inline int deny_path(struct governing *g, struct denial_buf *d, __u32 op,
				     __u32 rule, __u32 len, __u32 access)
{
	d->rec.family = 0;
	d->rec.port = 0;
	d->rec.access = access;
	__builtin_memset(d->rec.addr, 0, 16);
	return deny(g, d, op, rule, len);
}

/* Refuses an access whose path could not be resolved (fail closed): the
 * record carries the file's own name and rule index POL_UNRESOLVED_INDEX. */
static __always_inline int unresolved(struct governing *g, struct denial_buf *d,
				      struct dentry *dentry, __u32 op, __u32 cls, __u32 access)
{
	long n =
	    bpf_probe_read_kernel_str(d->path, WALK_NAME_MAX, BPF_CORE_READ(dentry, d_name.name));
	return deny_path(g, d, op, (cls << 16) | POL_UNRESOLVED_INDEX, n > 0 ? (__u32)n : 0,
			 access);
}

/* The files section's verdict on the path (len bytes) in d->path, for an
 * access to inode. A regular file with more than one name (hard links) gets
 * no right from a rule beyond what the default gives: the rule saw one of its
 * names, and another (a denied one) may be what the file really is; a link
 * can be made without any capability, after the policy was applied. */
static __always_inline int file_verdict(struct governing *g, struct denial_buf *d, __u32 len,
					__u32 want, __u32 op, struct inode *inode)
{
	int allow;
	__u32 rule = decide_file(g, want, &allow);
	if (!allow)
		return deny_path(g, d, op, rule, len, want);
	__u32 by_rule = want & ~g->head->file_default_access & (POL_FILE_READ | POL_FILE_WRITE);
	if (by_rule && (BPF_CORE_READ(inode, i_mode) & S_IFMT) == S_IFREG &&
	    BPF_CORE_READ(inode, i_nlink) > 1)
		return deny_path(g, d, op, (POL_CLASS_FILE << 16) | POL_HARDLINK_INDEX, len, want);
	return ALLOW;
}

/* The files section's verdict on one access to f. */
static __always_inline int check_file(struct governing *g, struct path *f, __u32 want, __u32 op)
{
	if (!(want & ~g->head->file_default_access))
		return ALLOW; /* the default grants it: no path needed */
	struct denial_buf *d = denial_buf_get();
	if (!d)
		return deny_unrecorded(g);
	__u32 len = path_of(d, f);
	if (!len)
		return unresolved(g, d, BPF_CORE_READ(f, dentry), op, POL_CLASS_FILE, want);
	return file_verdict(g, d, len, want, op, BPF_CORE_READ(f, dentry, d_inode));
}

SEC("lsm_cgroup/file_open")
int BPF_PROG(policy_file_open, struct file *file)
{
	struct governing g;
	int gp = governing_policy(&g);
	if (gp != 1)
		return UNGOVERNED(gp);
	if (!(g.head->sections & POL_HAS_FILES))
		return ALLOW;
	__u32 mode = BPF_CORE_READ(file, f_mode);
	__u32 want =
	    (mode & FMODE_READ ? POL_FILE_READ : 0) | (mode & FMODE_WRITE ? POL_FILE_WRITE : 0);
	if (!want)
		return ALLOW;
	return check_file(&g, (struct path *)&file->f_path, want, SABPF_OP_FILE_OPEN);
}

SEC("lsm_cgroup/bprm_check_security")
int BPF_PROG(policy_bprm_check, struct linux_binprm *bprm)
{
	struct governing g;
	int gp = governing_policy(&g);
	if (gp != 1)
		return UNGOVERNED(gp);
	__u32 sections = g.head->sections;
	struct file *file = bprm->file;
	if (!file)
		return ALLOW;
	if (sections & POL_HAS_FILES) {
		if (check_file(&g, (struct path *)&file->f_path, POL_FILE_READ | POL_FILE_EXEC,
			       SABPF_OP_EXEC) == DENY)
			return DENY;
	}
	if (!(sections & POL_HAS_EXEC) || g.head->exec_default_allow)
		return ALLOW; /* the default allows every binary: no path needed */
	struct denial_buf *d = denial_buf_get();
	if (!d)
		return deny_unrecorded(&g);
	__u32 len = path_of(d, (struct path *)&file->f_path);
	if (!len)
		return unresolved(&g, d, file->f_path.dentry, SABPF_OP_EXEC, POL_CLASS_EXEC,
				  POL_FILE_EXEC);
	int allow;
	__u32 rule = decide_exec(&g, &allow);
	return allow ? ALLOW : deny_path(&g, d, SABPF_OP_EXEC, rule, len, POL_FILE_EXEC);
}

SEC("lsm_cgroup/mmap_file")
int BPF_PROG(policy_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags)
{
	struct governing g;
	if (!file || !(prot & PROT_EXEC))
		return ALLOW;
	int gp = governing_policy(&g);
	if (gp != 1)
		return UNGOVERNED(gp);
	if (!(g.head->sections & POL_HAS_FILES))
		return ALLOW;
	return check_file(&g, (struct path *)&file->f_path, POL_FILE_READ | POL_FILE_MAP_EXEC,
			  SABPF_OP_MMAP_EXEC);
}

/* ---- paths where bpf_d_path is not allowed ------------------------------ */

/* The dentries of a path, leaf first, collected by walk_step. */
struct walk_dentries {
	__u64 dentry[WALK_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk_dentries);
} walk_scratch SEC(".maps");

/* Where the walk is. */
struct walk {
	__u32 depth;
	__u32 done;		   /* the walk reached the task's root (or the top of the tree) */
	__u64 cur_dentry, cur_mnt; /* struct dentry *, struct mount * as values */
	__u64 root_dentry, root_mnt;
};

/* One step up: the parent, crossing mount points, until the task's root. */
static struct walk *walk_state(void);

static int walk_step(__u32 i, void *unused)
{
	__u32 zero = 0;
	struct walk_dentries *out = bpf_map_lookup_elem(&walk_scratch, &zero);
	struct walk *w = walk_state();
	if (!w)
		return 1;
	struct dentry *dentry = (struct dentry *)w->cur_dentry;
	struct mount *mnt = (struct mount *)w->cur_mnt;
	if (!out)
		return 1;
	if (w->cur_dentry == w->root_dentry && (__u64)&mnt->mnt == w->root_mnt) {
		w->done = 1;
		return 1;
	}
	if (w->depth >= WALK_DEPTH)
		return 1; /* deeper than the walk goes: not done, unresolved */
	struct dentry *mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
	if (dentry == mnt_root) {
		struct mount *parent = BPF_CORE_READ(mnt, mnt_parent);
		if (parent == mnt) {
			w->done = 1; /* the top of the mount tree, as d_path stops */
			return 1;
		}
		w->cur_dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
		w->cur_mnt = (__u64)parent;
		return 0;
	}
	struct dentry *up = BPF_CORE_READ(dentry, d_parent);
	if (up == dentry) {
		w->done = 1; /* a filesystem root that is no mount's root */
		return 1;
	}
	out->dentry[glob_bound(w->depth, WALK_DEPTH - 1)] = w->cur_dentry;
	w->depth++;
	w->cur_dentry = (__u64)up;
	return 0;
}

/* Writes the path of (mnt, dentry) into d->path as d_path would, relative
 * to the task's root, for hooks where bpf_d_path is refused. Returns its
 * length with the NUL, or 0 when it cannot be had whole: more than
 * WALK_DEPTH components, more than GLOB_PATH_MAX / 2 bytes, or a name that
 * cannot be read (the caller denies: fail closed). */
static __always_inline __u32 path_by_walk(struct denial_buf *d, struct vfsmount *vfsmnt,
					  struct dentry *dentry)
{
	__u32 zero = 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct walk *w = walk_state();
	if (!w)
		return 0;
	w->depth = 0;
	w->done = 0;
	w->cur_dentry = (__u64)dentry;
	w->cur_mnt = (__u64)container_of(vfsmnt, struct mount, mnt);
	w->root_dentry = (__u64)BPF_CORE_READ(task, fs, root.dentry);
	w->root_mnt = (__u64)BPF_CORE_READ(task, fs, root.mnt);
	bpf_loop(WALK_DEPTH * 2, walk_step, NULL, 0);
	struct walk_dentries *found = bpf_map_lookup_elem(&walk_scratch, &zero);
	if (!found || !w->done)
		return 0;
	__u32 off = 0;
	for (int i = WALK_DEPTH - 1; i >= 0; i--) {
		if (i >= (int)w->depth)
			continue;
		struct dentry *de = (struct dentry *)found->dentry[i];
		const unsigned char *name = BPF_CORE_READ(de, d_name.name);
		if (off >= GLOB_PATH_MAX / 2 - WALK_NAME_MAX)
			return 0; /* the next name might not fit: never a cut path */
		__u32 at = glob_bound(off, GLOB_PATH_MAX / 2 - 1);
		d->path[at] = '/';
		long n = bpf_probe_read_kernel_str(&d->path[at + 1], WALK_NAME_MAX, name);
		if (n <= 0)
			return 0;
		off = at + n; /* n counts the NUL, which the next '/' replaces */
	}
	if (off == 0) {
		d->path[0] = '/';
		off = 1;
	}
	d->path[glob_bound(off, GLOB_PATH_MAX - 1)] = '\0';
	return off + 1;
}

SEC("lsm_cgroup/file_mprotect")
int BPF_PROG(policy_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot)
{
	struct governing g;
	if (!(prot & PROT_EXEC) || (BPF_CORE_READ(vma, vm_flags) & VM_EXEC))
		return ALLOW;
	struct file *file = vma->vm_file;
	if (!file)
		return ALLOW;
	int gp = governing_policy(&g);
	if (gp != 1)
		return UNGOVERNED(gp);
	if (!(g.head->sections & POL_HAS_FILES))
		return ALLOW;
	/* the default never grants map_exec, so there is always a path to match */
	struct denial_buf *d = denial_buf_get();
	if (!d)
		return deny_unrecorded(&g);
	struct vfsmount *mnt = BPF_CORE_READ(file, f_path.mnt);
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	__u32 len = on_detached_mount(mnt) ? 0 : path_by_walk(d, mnt, dentry);
	if (!len)
		return unresolved(&g, d, dentry, SABPF_OP_MPROTECT_EXEC, POL_CLASS_FILE,
				  POL_FILE_READ | POL_FILE_MAP_EXEC);
	return file_verdict(&g, d, len, POL_FILE_READ | POL_FILE_MAP_EXEC, SABPF_OP_MPROTECT_EXEC,
			    BPF_CORE_READ(file, f_inode));
}

/* ---- mounts, chroot, namespaces ------------------------------------------
 * Paths are decided as the task sees them (bpf_d_path: from its root,
 * through its mounts). A bind mount, a moved or cloned mount tree, a chroot
 * or a new mount namespace would let a task show a denied file under an
 * allowed name, so under a policy with a files or exec section the
 * capability checks of the system calls that do those (CAP_SYS_ADMIN,
 * CAP_SYS_CHROOT) fail, in any user namespace: mount, umount, pivot_root,
 * chroot, unshare, setns, clone/clone3 with new namespaces, and the new
 * mount API (open_tree, move_mount, fsopen, fsconfig, fsmount, fspick,
 * mount_setattr). One hook (capable) covers them all within the lsm_cgroup
 * hook budget; the system call is read from the task's registers (x86_64,
 * with its ia32 and x32 numbers). Mounts that existed when the policy was
 * applied, and mounts the host makes, are trusted (docs/policy.md).
 *
 * The one exception: a child started into the cgroup by the process that
 * applied the policy (sabpf run), until its first exec, sets up the
 * container's mounts. */

static __always_inline int is_mount_syscall(long nr, int compat)
{
	switch (nr) { /* numbers shared by every ABI */
	case 428:     /* open_tree */
	case 429:     /* move_mount */
	case 430:     /* fsopen */
	case 431:     /* fsconfig */
	case 432:     /* fsmount */
	case 433:     /* fspick */
	case 435:     /* clone3 */
	case 442:     /* mount_setattr */
		return 1;
	}
	if (compat) {
		switch (nr) { /* i386 */
		case 21:      /* mount */
		case 22:      /* umount */
		case 52:      /* umount2 */
		case 61:      /* chroot */
		case 120:     /* clone */
		case 217:     /* pivot_root */
		case 310:     /* unshare */
		case 346:     /* setns */
			return 1;
		}
		return 0;
	}
	switch (nr) { /* x86_64 */
	case 56:      /* clone */
	case 155:     /* pivot_root */
	case 161:     /* chroot */
	case 165:     /* mount */
	case 166:     /* umount2 */
	case 272:     /* unshare */
	case 308:     /* setns */
		return 1;
	}
	return 0;
}

/* Whether task is the not-yet-exec'd child of the process that applied the
 * policy (a process is known by its tgid and start time). */
static __always_inline int setting_up(struct task_struct *task, const struct pol_head *h)
{
	if (!h->applier_tgid ||
	    BPF_CORE_READ(task, self_exec_id) != BPF_CORE_READ(task, parent_exec_id))
		return 0;
	struct task_struct *parent = BPF_CORE_READ(task, real_parent);
	if (BPF_CORE_READ(parent, tgid) != h->applier_tgid)
		return 0;
	return BPF_CORE_READ(parent, group_leader, start_boottime) / TICK_NS ==
	       h->applier_start_ticks;
}

SEC("lsm_cgroup/capable")
int BPF_PROG(policy_capable, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts)
{
	if (cap != CAP_SYS_ADMIN && cap != CAP_SYS_CHROOT)
		return ALLOW;
	struct task_struct *task = bpf_get_current_task_btf();
	if ((__u64)cred != (__u64)BPF_CORE_READ(task, cred))
		return ALLOW; /* a question about another task's credentials */
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	long nr = BPF_CORE_READ(regs, orig_ax);
	int compat = BPF_CORE_READ(task, thread_info.status) & TS_COMPAT;
	if (!compat)
		nr &= ~(long)X32_SYSCALL_BIT;
	if (!is_mount_syscall(nr, compat))
		return ALLOW;
	struct governing g;
	int gp = governing_policy(&g);
	if (gp != 1)
		return UNGOVERNED(gp);
	__u32 sections = g.head->sections;
	if (!(sections & (POL_HAS_FILES | POL_HAS_EXEC)) || setting_up(task, g.head))
		return ALLOW;
	struct denial_buf *d = denial_buf_get();
	if (!d)
		return deny_unrecorded(&g);
	__u32 cls = sections & POL_HAS_FILES ? POL_CLASS_FILE : POL_CLASS_EXEC;
	/* access: the system call number (ia32 ones with bit 31 set) */
	return deny_path(&g, d, SABPF_OP_MOUNT, (cls << 16) | POL_MOUNT_INDEX, 0,
			 (__u32)nr | (compat ? 0x80000000u : 0));
}

/* ---- loop states ---------------------------------------------------------
 * The state of every bpf_loop lives in this per-CPU map, not on the stack:
 * kernels before 6.7 verify a bpf_loop callback once, with the values the
 * caller's stack holds at the call, and remove the branches those values
 * make look dead (a star's backtracking, with has_star still 0). Values in
 * a map are unknown to the verifier, so every branch stays. */
struct loop_state {
	struct net_scan net;
	struct file_scan file;
	struct walk walk;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct loop_state);
} loop_states SEC(".maps");

static struct loop_state *loop_state(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&loop_states, &zero);
}

static struct net_scan *net_scan_state(void)
{
	struct loop_state *ls = loop_state();
	return ls ? &ls->net : NULL;
}

static struct file_scan *file_scan_state(void)
{
	struct loop_state *ls = loop_state();
	return ls ? &ls->file : NULL;
}

static struct walk *walk_state(void)
{
	struct loop_state *ls = loop_state();
	return ls ? &ls->walk : NULL;
}
