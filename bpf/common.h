/* SPDX-License-Identifier: GPL-2.0 */
/* common.h: maps and helpers shared by every sabpf BPF program: the scope
 * check that is the first step of each hook, node identity and versioning
 * (CamFlow's rules, which keep the graph acyclic), and writing records to the
 * ring buffer with sequence numbers and exact loss accounting.
 *
 * The per-class files (task.bpf.c, file.bpf.c, inode.bpf.c, socket.bpf.c,
 * cgroup.bpf.c) are included into sabpf.bpf.c after this header, so the
 * whole kernel side is one object, one skeleton and one set of maps. */
#ifndef SABPF_BPF_COMMON_H
#define SABPF_BPF_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "sabpf_record.h"
#include "sabpf_state.h"

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
#define FMODE_CREATED 0x100000
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

#define NAME_BUF_SIZE 8192     /* scratch for one string; twice the longest path */
#define NAME_COMPONENT_MAX 256 /* NAME_MAX + 1 */
#define PATH_DEPTH_MAX 64      /* components a rebuilt path may have */
#define PATH_MOUNTS_MAX 16     /* mount points a rebuilt path may cross */

/* Set by the loader before load. */
const volatile __u32 agent_tgid = 0;
/* Wake the reader only when this many bytes wait in the ring (batching, as
 * a wakeup per record costs ~1.6 us); the reader also polls on a timer. */
const volatile __u64 wakeup_bytes = 65536;

/* cgroup id -> struct sabpf_scope: which cgroups are audited, and how. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct sabpf_scope);
} scope_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* set by the loader from --ring-size */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct prov_cpu);
} cpu_states SEC(".maps");

/* (container, cause) -> losses, per CPU: the exact counts the agent
 * reports (struct prov_lost). The agent puts an entry (0, cause) for every
 * cause in it before loading: a loss whose own entry cannot be made (the
 * table is full) is counted there, with the container unknown. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct prov_lost_key);
	__type(value, struct prov_lost);
} lost_by_container SEC(".maps");

/* Task local storage: one task_state per thread. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct prov_task);
} task_store SEC(".maps");

/* Inode local storage: files, directories, pipes, sockets, devices. */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct prov_inode);
} inode_store SEC(".maps");

/* Socket local storage: socket nodes, with the peer address last linked. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct prov_sock);
} sock_store SEC(".maps");

/* struct cred has no local storage upstream: a hash keyed by the kernel
 * pointer holds the process-memory node (CamFlow keeps process memory with
 * the credentials), emptied by the cred_free hook. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct prov_node);
} cred_map SEC(".maps");

/* struct file has none either: open files of audited tasks, emptied by the
 * file_free_security hook. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct prov_file);
} file_map SEC(".maps");

/* Scratch for variable-length NAME records (paths, argv): the fixed part
 * of the record, then its string, contiguous, sent with bpf_ringbuf_output. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wgnu-variable-sized-type-not-at-end"
struct prov_scratch {
	struct sabpf_name rec;
	char data[NAME_BUF_SIZE];
};
#pragma clang diagnostic pop

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct prov_scratch);
} name_scratch_map SEC(".maps");

/* Bounds a length for the verifier: v & mask, with a compiler barrier so
 * clang cannot drop the mask when it believes v is already in range (the
 * verifier may not know it). */
static __always_inline __u32 bounded(__u32 v, __u32 mask)
{
	asm volatile("" : "+r"(v));
	return v & mask;
}

/* A kernel pointer as a plain number: the verifier forbids arithmetic
 * and mixing on typed pointers, so they are laundered through memory. */
static __always_inline __u64 as_value(const void *ptr)
{
	__u64 value = 0;
	bpf_probe_read_kernel(&value, sizeof(value), &ptr);
	return value;
}

/* ---- scope ---------------------------------------------------------- */

/* The first step of every hook: is the current task in an audited cgroup,
 * with this record class on, and not the agent? Out-of-scope tasks pay one
 * hash lookup and nothing more. */
static __always_inline struct sabpf_scope *scope_of_current(__u32 class)
{
	__u64 cgroup_id = bpf_get_current_cgroup_id();
	struct sabpf_scope *scope = bpf_map_lookup_elem(&scope_map, &cgroup_id);

	if (!scope || !(scope->classes & class))
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (tgid == agent_tgid)
		return 0; /* the agent is opaque: it never records itself */
	/* A child the agent forked to start a container runs the agent's code
	 * until its exec commits (its exec id then moves past its parent's):
	 * it is the agent, and opaque, until then. */
	struct task_struct *task = bpf_get_current_task_btf();
	if (task->real_parent->tgid == agent_tgid && task->self_exec_id == task->parent_exec_id)
		return 0;
	return scope;
}

/* ---- records -------------------------------------------------------- */

static __always_inline struct prov_cpu *cpu_state_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&cpu_states, &zero);
}

/* Node ids and sequence numbers are taken with atomic adds: a packet
 * program in softirq may interrupt a program in process context on the
 * same CPU between its read and its write of the counter (a plain ++ would
 * then hand out one number twice). On x86 this is one locked add on a
 * line of this CPU's own. */
static __always_inline __u64 new_node_id(void)
{
	struct prov_cpu *cs = cpu_state_get();
	if (!cs)
		return 0;
	__u64 id = __sync_fetch_and_add(&cs->next_id, 1) + 1;
	return ((__u64)(bpf_get_smp_processor_id() + 1) << 48) | id;
}

static __always_inline __u64 next_seq(struct prov_cpu *cs)
{
	return __sync_fetch_and_add(&cs->seq, 1) + 1;
}

static __always_inline void fill_hdr(struct sabpf_hdr *h, __u16 type, __u32 size, __u64 seq,
				     __u64 container)
{
	h->type = type;
	h->cpu = bpf_get_smp_processor_id();
	h->size = size;
	h->seq = seq;
	h->time_ns = bpf_ktime_get_boot_ns();
	h->container = container;
}

static __always_inline __u64 wakeup_flags(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* Counts one loss of `cause` for `container` (seq: the sequence number of
 * a record lost from the ring, else 0), for the next LOST record of this
 * CPU and in the container's total: the one helper every site that loses
 * a record or a piece of state calls. The total is added to atomically (an
 * interrupting program may count too); first_seq/last_seq are informative. */
static __always_inline void lost_count(__u64 container, __u32 cause, __u64 seq)
{
	struct prov_lost_key key = {.container = container, .cause = cause};
	struct prov_lost *v = bpf_map_lookup_elem(&lost_by_container, &key);
	if (!v) {
		struct prov_lost zero = {};
		bpf_map_update_elem(&lost_by_container, &key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&lost_by_container, &key);
	}
	if (!v) {
		key.container = 0; /* the table is full: put in by the agent */
		v = bpf_map_lookup_elem(&lost_by_container, &key);
		if (!v)
			return;
	}
	if (v->total == v->reported)
		v->first_seq = seq;
	v->last_seq = seq;
	__sync_fetch_and_add(&v->total, 1);
	struct prov_cpu *cs = cpu_state_get();
	if (cs)
		__sync_fetch_and_add(&cs->lost_pending, 1);
}

/* The form guard.bpf.c calls: a record that could not be written, in the
 * sequence (seq > 0: a ring loss) or outside it (seq 0: a denial). */
static __always_inline void note_lost(struct prov_cpu *cs, __u64 seq, __u64 container)
{
	(void)cs;
	lost_count(container, seq ? SABPF_LOST_RING : SABPF_LOST_DENIAL, seq);
}

/* A map insert that failed, counted as a loss of `cause` (rc: what
 * bpf_map_update_elem returned; -EEXIST, an entry another CPU made
 * meanwhile, is none). Only its low 32 bits count: kernels before 6.4 call
 * the map's int-returning update directly from JITed code, so -E2BIG
 * arrives as 0x00000000fffffff9, positive as a long. Returns the error. */
static __always_inline long lost_if_failed(long rc, __u64 container, __u32 cause)
{
	int err = (int)rc;
	if (err < 0 && err != -17 /* EEXIST */)
		lost_count(container, cause, 0);
	return err;
}

/* One entry of lost_by_container (this CPU's value) with losses not yet
 * reported: a LOST record for them, if there is room (else stop). The
 * compare-and-swap on `reported` makes sure that, when a program in softirq
 * interrupts this one and flushes too, each loss is reported once. */
static long lost_flush_one(struct bpf_map *map, const struct prov_lost_key *key,
			   struct prov_lost *v, void *ctx)
{
	__u64 total = v->total, reported = v->reported;
	if (total == reported)
		return 0;
	struct sabpf_lost *lost = bpf_ringbuf_reserve(&events, sizeof(*lost), 0);
	if (!lost)
		return 1;
	if (__sync_val_compare_and_swap(&v->reported, reported, total) != reported) {
		bpf_ringbuf_discard(lost, 0);
		return 0;
	}
	fill_hdr(&lost->hdr, SABPF_REC_LOST, sizeof(*lost), 0, key->container);
	lost->count = total - reported;
	lost->first_seq = key->cause == SABPF_LOST_RING ? v->first_seq : 0;
	lost->last_seq = key->cause == SABPF_LOST_RING ? v->last_seq : 0;
	if (lost->first_seq > lost->last_seq) /* an interrupting loss moved them */
		lost->first_seq = lost->last_seq;
	lost->cause = key->cause;
	lost->pad = 0;
	struct prov_cpu *cs = cpu_state_get();
	if (cs)
		__sync_fetch_and_add(&cs->lost_pending, -(total - reported));
	bpf_ringbuf_submit(lost, BPF_RB_FORCE_WAKEUP);
	return 0;
}

/* Writes the pending LOST records of this CPU, if any and if there is
 * room: one per container and cause. LOST records carry seq 0: they are
 * not part of the sequence. */
static __always_inline void flush_lost(struct prov_cpu *cs)
{
	if (cs->lost_pending == 0)
		return;
	bpf_for_each_map_elem(&lost_by_container, lost_flush_one, 0, 0);
}

/* pid of a task inside its own pid namespace, and that namespace's inode. */
static __always_inline void task_vpid(struct task_struct *task, __u32 *vpid, __u32 *pidns)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid upid = {};
	__u64 addr = (__u64)pid + bpf_core_field_offset(struct pid, numbers) +
		     (__u64)(level & 31) * sizeof(struct upid);

	bpf_probe_read_kernel(&upid, sizeof(upid), (void *)addr);
	*vpid = upid.nr;
	*pidns = BPF_CORE_READ(upid.ns, ns.inum);
}

/* The context block of a node version: the namespaces and credentials of
 * `task` (the acting task, or a task node's own). Reads go through
 * BPF_CORE_READ, so an exiting task without nsproxy gives zeros. */
static __always_inline void ctx_fill(struct sabpf_ctx *c, struct task_struct *task)
{
	const struct cred *cred = BPF_CORE_READ(task, real_cred);
	struct nsproxy *ns = BPF_CORE_READ(task, nsproxy);
	__u32 vpid;

	c->utsns = BPF_CORE_READ(ns, uts_ns, ns.inum);
	c->ipcns = BPF_CORE_READ(ns, ipc_ns, ns.inum);
	c->mntns = BPF_CORE_READ(ns, mnt_ns, ns.inum);
	c->netns = BPF_CORE_READ(ns, net_ns, ns.inum);
	c->cgroupns = BPF_CORE_READ(ns, cgroup_ns, ns.inum);
	task_vpid(task, &vpid, &c->pidns);
	c->uid = BPF_CORE_READ(cred, uid.val);
	c->gid = BPF_CORE_READ(cred, gid.val);
	c->euid = BPF_CORE_READ(cred, euid.val);
	c->egid = BPF_CORE_READ(cred, egid.val);
}

/* Reserves a fixed-size record and fills its header; a NODE record also
 * gets the context block of `actor`. NULL when the ring is full: the loss
 * is then counted. */
static __always_inline void *record_reserve_as(__u32 size, __u16 type, __u64 container,
					       struct task_struct *actor)
{
	struct prov_cpu *cs = cpu_state_get();
	if (!cs)
		return 0;
	__u64 seq = next_seq(cs);
	flush_lost(cs);
	struct sabpf_hdr *h = bpf_ringbuf_reserve(&events, size, 0);
	if (!h) {
		lost_count(container, SABPF_LOST_RING, seq);
		return 0;
	}
	fill_hdr(h, type, size, seq, container);
	if (type == SABPF_REC_NODE)
		ctx_fill(&((struct sabpf_node *)h)->ctx, actor);
	return h;
}

/* record_reserve_as with the current task as the actor: what every hook
 * uses (NODE records thus carry the acting task's context). */
static __always_inline void *record_reserve(__u32 size, __u16 type, __u64 container)
{
	return record_reserve_as(size, type, container, bpf_get_current_task_btf());
}

static __always_inline void record_submit(void *rec)
{
	bpf_ringbuf_submit(rec, wakeup_flags());
}

/* ---- nodes ---------------------------------------------------------- */

static __always_inline void node_init(struct prov_node *n, __u16 kind, __u64 container)
{
	n->id = new_node_id();
	n->version = 0;
	n->kind = kind;
	n->recorded = 0;
	n->has_outgoing = 0;
	n->container = container;
	n->last_from_id = 0;
	n->last_from_version = 0;
	n->last_relation = 0;
}

static __always_inline void ref_of(struct sabpf_ref *r, const struct prov_node *n)
{
	r->id = n->id;
	r->version = n->version;
	r->kind = n->kind;
	r->flags = 0;
}

static __always_inline __u16 inode_kind_of_mode(__u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return SABPF_NODE_DIRECTORY;
	case S_IFLNK:
		return SABPF_NODE_LINK;
	case S_IFIFO:
		return SABPF_NODE_FIFO;
	case S_IFSOCK:
		return SABPF_NODE_SOCKET;
	case S_IFCHR:
		return SABPF_NODE_CHAR;
	case S_IFBLK:
		return SABPF_NODE_BLOCK;
	default:
		return SABPF_NODE_FILE;
	}
}

#define MQUEUE_MAGIC 0x19800202

/* The node kind of an inode: by its mode, except the inodes of the mqueue
 * filesystem (POSIX message queues, regular files by mode). */
static __always_inline __u16 inode_kind_of(struct inode *inode)
{
	if (BPF_CORE_READ(inode, i_sb, s_magic) == MQUEUE_MAGIC)
		return SABPF_NODE_MQUEUE;
	return inode_kind_of_mode(BPF_CORE_READ(inode, i_mode));
}

/* Gives node n its next version and returns it. Atomic: two CPUs may
 * version one node at once (a socket's receive in softirq on one, its
 * task's recvmsg on another), and each must get a version of its own, each
 * declared by its version edge. `version` is the low half of the 64-bit
 * word it shares with kind, recorded and has_outgoing (little-endian x86):
 * adding 1 to the word changes it alone. */
_Static_assert(__builtin_offsetof(struct prov_node, version) % 8 == 0,
	       "prov_node.version must start an aligned 64-bit word");
static __always_inline __u32 version_bump(struct prov_node *n)
{
	return (__u32)__sync_fetch_and_add((__u64 *)&n->version, 1) + 1;
}

/* Writes one edge, by CamFlow's rules, with pid_tgid and uid as its actor:
 * a repeat of the last relation into `to` is merged (nothing written); if
 * `to` already informed another node, it first gets a new version, linked
 * to the old by a version edge, so no node version ever receives
 * information after giving some: the graph stays acyclic. Both ends must
 * already be recorded. */
static __always_inline void edge_write_as(__u32 relation, struct prov_node *from,
					  struct prov_node *to, __u64 arg, __u64 container,
					  __u64 pid_tgid, __u32 uid)
{
	if (to->last_relation == relation && to->last_from_id == from->id &&
	    to->last_from_version == from->version)
		return;

	__u32 to_version;
	if (to->has_outgoing) {
		to->has_outgoing = 0;
		struct sabpf_edge *v = record_reserve(sizeof(*v), SABPF_REC_EDGE, container);
		to_version = version_bump(to);
		if (v) {
			v->relation = to->kind == SABPF_NODE_TASK ? SABPF_REL_VERSION_ACTIVITY
								  : SABPF_REL_VERSION_ENTITY;
			v->pid = pid_tgid >> 32;
			v->tid = (__u32)pid_tgid;
			v->uid = uid;
			ref_of(&v->from, to);
			v->from.version = to_version - 1;
			ref_of(&v->to, to);
			v->to.version = to_version;
			v->arg = 0;
			record_submit(v);
		}
	} else {
		to_version = to->version;
	}

	struct sabpf_edge *e = record_reserve(sizeof(*e), SABPF_REC_EDGE, container);
	if (e) {
		e->relation = relation;
		e->pid = pid_tgid >> 32;
		e->tid = (__u32)pid_tgid;
		e->uid = uid;
		ref_of(&e->from, from);
		ref_of(&e->to, to);
		e->to.version = to_version;
		e->arg = arg;
		record_submit(e);
	}
	from->has_outgoing = 1;
	to->last_relation = relation;
	to->last_from_id = from->id;
	to->last_from_version = from->version;
}

/* edge_write with the current task as the actor (pid, tid, uid of the
 * record). edge_write_as names another actor: 0 for the packet edges,
 * written in softirq context, where the current task is unrelated. */
static __always_inline void edge_write(__u32 relation, struct prov_node *from, struct prov_node *to,
				       __u64 arg, __u64 container)
{
	edge_write_as(relation, from, to, arg, container, bpf_get_current_pid_tgid(),
		      (__u32)bpf_get_current_uid_gid());
}

/* A node of the current version that gets new attributes (a task after
 * exec): a new version, with a NODE record written by the caller. */
static __always_inline void node_new_version(struct prov_node *n)
{
	n->version++;
	n->has_outgoing = 0;
	n->recorded = 0;
	n->last_from_id = 0;
	n->last_relation = 0;
}

/* ---- names ---------------------------------------------------------- */

static __always_inline struct prov_scratch *name_scratch_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&name_scratch_map, &zero);
}

/* Sends the NAME record prepared in `s` (data and len filled in) as node
 * `node`. Returns 0, or -1 if it was lost. */
static __always_inline int name_send(struct prov_scratch *s, struct prov_node *node,
				     __u64 container)
{
	struct prov_cpu *cs = cpu_state_get();
	if (!cs)
		return -1;
	__u64 seq = next_seq(cs);
	flush_lost(cs);
	__u32 len = s->rec.len;
	if (len > NAME_BUF_SIZE / 2) {
		len = NAME_BUF_SIZE / 2;
		s->rec.flags |= SABPF_NAME_TRUNCATED;
	}
	__u32 size = sizeof(struct sabpf_name) + len;
	fill_hdr(&s->rec.hdr, SABPF_REC_NAME, size, seq, container);
	ref_of(&s->rec.node, node);
	ctx_fill(&s->rec.ctx, bpf_get_current_task_btf());
	if (bpf_ringbuf_output(&events, s, bounded(size, NAME_BUF_SIZE - 1), wakeup_flags())) {
		lost_count(container, SABPF_LOST_RING, seq);
		return -1;
	}
	node->recorded = 1;
	return 0;
}

/* State of one path rebuild, walked one component per bpf_loop step so
 * the verifier checks the step once, not once per component. Pointers are
 * held as plain values and read with BPF_CORE_READ. The offset reached is
 * kept in the scratch map value (s->rec.len), not here on the stack: a
 * value the verifier cannot know lets it see, after one step, that the
 * next one is the same (kernels from 6.8 verify a callback until its
 * states repeat, which a counter on the stack never does). */
struct path_walk {
	struct prov_scratch *s;
	__u64 dentry, vfsmnt, mnt; /* mnt: the struct mount around vfsmnt */
	__u64 root_dentry, root_mnt;
};

/* The walk reached the top: the path is whole (path_rebuild flags it as
 * truncated until then, so a walk cut short by PATH_DEPTH_MAX, the buffer's
 * size or an unreadable name keeps the flag). */
static __always_inline long path_walk_done(struct prov_scratch *s)
{
	s->rec.flags &= ~SABPF_NAME_TRUNCATED;
	return 1;
}

static long path_walk_step(__u32 index, void *ctx)
{
	struct path_walk *w = ctx;
	struct prov_scratch *s = w->s;
	if (!s)
		return 1;
	if (w->dentry == w->root_dentry && w->vfsmnt == w->root_mnt)
		return path_walk_done(s);
	struct vfsmount *vfsmnt = (struct vfsmount *)w->vfsmnt;
	struct mount *mnt = (struct mount *)w->mnt;
	struct dentry *dentry = (struct dentry *)w->dentry;
	if (w->dentry == (__u64)BPF_CORE_READ(vfsmnt, mnt_root)) {
		struct mount *parent = BPF_CORE_READ(mnt, mnt_parent);
		if (!w->mnt || (__u64)parent == w->mnt)
			return path_walk_done(s); /* the top of the mount tree */
		w->dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = (__u64)parent;
		w->vfsmnt = w->mnt + bpf_core_field_offset(struct mount, mnt);
		return 0;
	}
	struct dentry *parent_dentry = BPF_CORE_READ(dentry, d_parent);
	if (!parent_dentry || (__u64)parent_dentry == w->dentry)
		return path_walk_done(s); /* the filesystem's root */
	if (s->rec.argc >= PATH_DEPTH_MAX)
		return 1; /* a component beyond the limit: flagged as truncated */
	const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
	__u32 off = s->rec.len;
	long n = bpf_probe_read_kernel_str(&s->data[bounded(off, NAME_BUF_SIZE / 2 - 1)],
					   NAME_COMPONENT_MAX, name);
	if (n <= 0)
		return 1; /* unreadable name: the path stays flagged as truncated */
	off += n;
	s->rec.len = off;
	s->rec.argc++; /* components read (reset by path_rebuild) */
	if (off > NAME_BUF_SIZE / 2 - NAME_COMPONENT_MAX) {
		return 1; /* the buffer is full: flagged as truncated */
	}
	w->dentry = (__u64)parent_dentry;
	return 0;
}

/* Rebuilds the path of (vfsmount, dentry) as NUL-separated components,
 * leaf first, crossing mount points, up to the current task's root (as
 * d_path would). Used where bpf_d_path is not allowed. vfsmnt 0: stop at
 * the filesystem's root. Returns the length written into s->data. */
static __always_inline __u32 path_rebuild(struct prov_scratch *s, __u64 vfsmnt, __u64 dentry)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct path_walk w = {
	    .s = s,
	    .dentry = dentry,
	    .vfsmnt = vfsmnt,
	    .mnt = vfsmnt ? vfsmnt - bpf_core_field_offset(struct mount, mnt) : 0,
	    .root_dentry = (__u64)BPF_CORE_READ(task, fs, root.dentry),
	    .root_mnt = (__u64)BPF_CORE_READ(task, fs, root.mnt),
	};
	s->rec.flags = SABPF_NAME_REVERSED | SABPF_NAME_TRUNCATED; /* until the walk ends */
	s->rec.len = 0;
	s->rec.argc = 0;
	/* steps: one per component, one per mount crossed, and one more that
	 * can only find the top; out of steps, the path stays flagged */
	bpf_loop(PATH_DEPTH_MAX + PATH_MOUNTS_MAX + 1, path_walk_step, &w, 0);
	s->rec.argc = 0; /* ARGV only, in the record */
	return s->rec.len;
}

/* The mount to rebuild a dentry's path from in an inode_* hook: the one
 * the path_* hook of the same operation left (ts->pending_mnt) when its
 * superblock matches; otherwise the task's working directory's or root's
 * mount when one matches (operations with no path_* hook, e.g. utimensat);
 * otherwise 0 (unknown). The pending mount is kept until the next path_*
 * hook: RENAME_EXCHANGE calls inode_rename twice in one operation. */
static __always_inline __u64 dentry_mount(struct prov_task *ts, struct dentry *dentry_ptr)
{
	struct super_block *sb = BPF_CORE_READ(dentry_ptr, d_sb);
	struct vfsmount *mnt = (struct vfsmount *)ts->pending_mnt;
	if (mnt && BPF_CORE_READ(mnt, mnt_sb) == sb)
		return (__u64)mnt;
	struct task_struct *task = bpf_get_current_task_btf();
	mnt = BPF_CORE_READ(task, fs, pwd.mnt);
	if (mnt && BPF_CORE_READ(mnt, mnt_sb) == sb)
		return (__u64)mnt;
	mnt = BPF_CORE_READ(task, fs, root.mnt);
	if (mnt && BPF_CORE_READ(mnt, mnt_sb) == sb)
		return (__u64)mnt;
	return 0;
}

/* Path of a dentry in an inode_* hook, from the mount dentry_mount finds;
 * without one, relative to the filesystem's root (flagged). One call of
 * path_rebuild, so its loop is verified once per program. */
static __always_inline __u32 dentry_path(struct prov_scratch *s, struct prov_task *ts,
					 struct dentry *dentry_ptr)
{
	__u64 mnt = dentry_mount(ts, dentry_ptr);
	__u32 off = path_rebuild(s, mnt, as_value(dentry_ptr));
	if (!mnt)
		s->rec.flags |= SABPF_NAME_FSRELATIVE;
	return off;
}

#endif /* SABPF_BPF_COMMON_H */
