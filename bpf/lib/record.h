/* SPDX-License-Identifier: GPL-2.0 */
/* lib/record.h: writing records to the ring buffer: per-CPU sequence
 * numbers and node ids, the header and context block of each record, NAME
 * records of variable length, and exact loss accounting (lost_count, and
 * the LOST records flush_lost writes when there is room again). */
#ifndef SABPF_LIB_RECORD_H
#define SABPF_LIB_RECORD_H

#include "lib/maps.h"
#include "lib/bounds.h"

/* A reference to the current version of node n, in a record. */
static __always_inline void ref_of(struct sabpf_ref *r, const struct prov_node *n)
{
	r->id = n->id;
	r->version = n->version;
	r->kind = n->kind;
	r->flags = 0;
}

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

#endif /* SABPF_LIB_RECORD_H */
