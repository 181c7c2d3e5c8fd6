/* SPDX-License-Identifier: GPL-2.0 */
/* guard.bpf.c: self-protection. Tasks of an audited container, even root
 * with every capability, must not blind, alter or escape the audit: these
 * global lsm/ programs refuse, for tasks in scope only, what would let them
 * (docs/security.md), and write a DENIAL record into the audit stream for
 * each refusal. The same actions from the host are not looked at.
 *
 *   bpf()                      all of it by default; with --allow-bpf what a
 *                              tenant object may not do (src/tenant.c): load
 *                              a program that is not lsm_cgroup or calls a
 *                              refused helper, attach one outside the
 *                              container's cgroups, create struct_ops maps,
 *                              pin, or reach any object by id or by pin
 *   signals, ptrace            aimed at the agent (and PTRACE_TRACEME with
 *                              the agent as parent); ptrace and /proc/PID/mem
 *                              of any task outside the container's subtree
 *   nice, scheduler, ioprio,   aimed at the agent
 *   prlimit, /proc/PID files
 *   cgroups (v2 and v1)        any write to a cgroup outside the container's
 *                              own subtree (cgroup_rule: control files,
 *                              cgroup.procs/threads, clone3 CLONE_INTO_CGROUP,
 *                              making, removing, renaming cgroups), the
 *                              delegation root's own control files, v1
 *                              release_agent (written, or a mount option)
 *                              and task moves
 *   sysctls and kernel knobs   guarded_knobs below: those that start host
 *                              processes or weaken the kernel, sysrq-trigger,
 *                              binfmt_misc
 *   raw devices                block devices, /dev/mem, /dev/kmem, /dev/port:
 *                              opened for writing, or written through an fd
 *   bpffs, securityfs          mounted, unmounted, written, created in, removed from
 *   kernel modules, kexec      init_module, finit_module, kexec_load, kexec_file_load
 *   the agent's files          its outputs and binary: written, truncated,
 *                              renamed over or removed
 *
 * Included into sabpf.bpf.c right after the bpf/lib headers, before the recording
 * programs: the skeleton attaches them first, and the kernel runs the
 * programs of a hook newest-attached first, so these run last. An attempt
 * is recorded as the operation it is and, when refused, also as a denial. */

#include "sabpf_policy.h"

#define GUARD_PATH_MAX 256
#define GUARD_CLASSES 0xffffffff /* every audited container, whatever classes it has on */
#define GUARD_NR_PRLIMIT64 302	 /* x86_64 */
#define GUARD_PRLIMIT_WRITE 0x2	 /* LSM_PRLIMIT_WRITE */
#define GUARD_CGROUP_DEPTH 32	 /* deepest cgroup level searched for an ancestor */
#define GUARD_NAMES 8		 /* path components a rebuilt name keeps (the last ones) */
#define GUARD_NAME_MAX 64	 /* bytes kept of one component */

/* Set by the loader: 1 lets containers use bpf() for their own objects. */
const volatile __u32 guard_allow_bpf = 0;

/* Set by the loader with --allow-bpf (src/tenant.c): the immediates of calls
 * of the helpers a tenant program may not call, as a verified program holds
 * them (the helper's address minus __bpf_call_base); 0: not in this kernel. */
const volatile __s32 guard_refused_call[SABPF_REFUSED_HELPERS] = {};

/* The agent's maps and programs, by id (key: kind << 32 | id, kind 1 map,
 * 2 program), filled by the loader after load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u32);
} guarded_ids SEC(".maps");

/* The agent's files: (dev << 32 ^ ino) of its binary and outputs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u32);
} guarded_inodes SEC(".maps");

struct guard_buf {
	struct sabpf_denial rec;
	char path[GUARD_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct guard_buf);
} guard_scratch SEC(".maps");

static __always_inline struct guard_buf *guard_buf_get(void)
{
	__u32 zero = 0;
	struct guard_buf *g = bpf_map_lookup_elem(&guard_scratch, &zero);
	if (g) {
		g->rec.path_len = 0;
		g->rec.target_pid = 0;
		g->rec.access = 0;
	}
	return g;
}

/* Writes the denial in g (its path_len bytes of path with it) into the
 * audit stream; returns -EPERM for the hook to return. */
static __always_inline int guard_deny(struct hook *h, struct guard_buf *g, __u32 op)
{
	if (!g)
		return -EPERM;
	struct sabpf_denial *r = &g->rec;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 size = sizeof(struct sabpf_denial) + bounded(r->path_len, GUARD_PATH_MAX - 1);
	fill_hdr(&r->hdr, SABPF_REC_DENIAL, size, 0, h->container);
	r->cgroup_id = bpf_get_current_cgroup_id();
	r->operation = op;
	r->rule_id = (POL_CLASS_GUARD << 16) | op;
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->uid = (__u32)bpf_get_current_uid_gid();
	r->enforced = 1;
	r->error = -EPERM;
	r->family = 0;
	r->port = 0;
	r->generation = 0;
	__builtin_memset(r->addr, 0, sizeof(r->addr));
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	if (bpf_ringbuf_output(&events, g, size, BPF_RB_FORCE_WAKEUP)) {
		struct prov_cpu *cs = cpu_state_get();
		if (cs)
			note_lost(cs, 0, h->container);
	}
	return -EPERM;
}

/* Names the file of a refusal (hooks that allow bpf_d_path). */
static __always_inline void guard_path(struct guard_buf *g, struct path *path)
{
	if (!g)
		return;
	long n = bpf_d_path(path, g->path, sizeof(g->path));
	g->rec.path_len = n > 0 ? (__u32)n : 0;
}

/* Whether the NUL-terminated string s (in a buffer of at least n bytes)
 * equals want, n bytes with its NUL. */
static __always_inline int str_equals(const char *s, const char *want, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] != want[i])
			return 0;
	return 1;
}

/* Names the file of a refusal by its last component (hooks where
 * bpf_d_path is refused, or that have a dentry only). */
static __always_inline void guard_name(struct guard_buf *g, struct dentry *dentry)
{
	if (!g)
		return;
	long n =
	    bpf_probe_read_kernel_str(g->path, sizeof(g->path), BPF_CORE_READ(dentry, d_name.name));
	g->rec.path_len = n > 0 ? (__u32)n : 0;
}

static __always_inline int magic_is_guarded(__u64 magic)
{
	return magic == BPF_FS_MAGIC || magic == SECURITYFS_MAGIC;
}

static __always_inline __u64 inode_key(struct inode *inode)
{
	__u64 dev = BPF_CORE_READ(inode, i_sb, s_dev);
	return dev << 32 ^ BPF_CORE_READ(inode, i_ino);
}

static __always_inline int inode_is_agents(struct inode *inode)
{
	__u64 key = inode_key(inode);
	return inode && bpf_map_lookup_elem(&guarded_inodes, &key) != NULL;
}

/* One component of guard_join (a bpf_loop step: the verifier checks it
 * once rather than once per component and call site, which made the
 * agent's start-up slow). */
struct join_ctx {
	const char *names[GUARD_NAMES];
	__u32 n;
	__u32 off;
	__u64 kn; /* kernfs_step: the node whose parents are next */
};

static int join_step(__u32 k, struct join_ctx *c)
{
	__u32 zero = 0;
	struct guard_buf *g = bpf_map_lookup_elem(&guard_scratch, &zero);
	__u32 n = c->n;
	if (!g || k >= n || n > GUARD_NAMES)
		return 1;
	__u32 i = bounded(n - 1 - k, GUARD_NAMES - 1); /* last first */
	__u32 o = bounded(c->off, GUARD_PATH_MAX - 1);
	if (o > GUARD_PATH_MAX - GUARD_NAME_MAX - 2)
		return 1;
	g->path[o] = '/';
	o = bounded(o + 1, GUARD_PATH_MAX - 1);
	if (o > GUARD_PATH_MAX - GUARD_NAME_MAX - 1)
		return 1;
	long r = bpf_probe_read_kernel_str(&g->path[o], GUARD_NAME_MAX, c->names[i]);
	c->off = o + (r > 0 && r <= GUARD_NAME_MAX ? (__u32)r - 1 : 0);
	return 0;
}

/* Writes prefix and then "/" name for each of the n kernel strings of
 * c->names, last first (names[0] is the leaf), into g's path: a name rebuilt
 * from a chain of parents. Components past GUARD_NAMES or the buffer are
 * left out (the path then starts with the deepest ones that fit). */
static __always_inline void guard_join(struct guard_buf *g, const char *prefix, int prefix_len,
				       struct join_ctx *c)
{
	if (!g)
		return;
	__u32 off = 0;
	for (int i = 0; i < 16 && i < prefix_len; i++)
		g->path[bounded(off++, 15)] = prefix[i];
	c->off = off;
	bpf_loop(GUARD_NAMES, join_step, c, 0);
	off = c->off;
	if (c->n == 0)
		g->path[bounded(off++, GUARD_PATH_MAX - 1)] = '/';
	off = bounded(off, GUARD_PATH_MAX - 1);
	g->path[off] = 0;
	g->rec.path_len = off + 1;
}

/* ---- cgroups ------------------------------------------------------------- */

/* The cgroup rule. A task in scope may change a cgroup (write one of its
 * files, make or remove a child, place a task in it) only inside its own
 * subtree; the kernel asks for MAY_WRITE on the cgroup.procs file of the
 * common ancestor before moving a task (cgroup.procs, cgroup.threads, and
 * clone3 CLONE_INTO_CGROUP, which asks for the destination's cgroup.procs
 * first: cgroup_may_write in kernel/cgroup/cgroup.c), so checking every
 * MAY_WRITE on cgroupfs closes all three at once.
 *
 *   cgroup v2: the subtree is the container's registered cgroup
 *              (scope->container) and its descendants. Its root is the
 *              delegation point: there only cgroup.procs, cgroup.threads and
 *              cgroup.subtree_control may be written (the kernel's delegation
 *              model, Documentation/admin-guide/cgroup-v2.rst); its limits,
 *              cgroup.freeze and cgroup.kill belong to the host.
 *   cgroup v1: the subtree is the task's own cgroup of that hierarchy, and
 *              none when that is the hierarchy's root (a container never
 *              placed in it shares it with the host). Inside it, cgroup.procs
 *              and tasks stay refused: v1 checks no common ancestor, so a
 *              write there could pull a host task (the agent) in. The root's
 *              release_agent is therefore always refused.
 *
 * Each hook says what it checks: a file of cgroup cgrp (CG_FILE, with the
 * file's name), a cgroup to make a child in (CG_PARENT), a cgroup to remove
 * or rename (CG_VICTIM). Returns 1 when allowed. */
#define CG_FILE 0
#define CG_PARENT 1
#define CG_VICTIM 2

/* 0: cgrp is not anc nor below it; 1: it is anc; 2: it is below anc. By
 * pointer (anc_id 0) or by cgroup id. */
static __always_inline int cgroup_relation(struct cgroup *cgrp, struct cgroup *anc, __u64 anc_id)
{
	struct cgroup *c = cgrp;
	for (int i = 0; i < GUARD_CGROUP_DEPTH && c; i++) {
		if (anc_id ? BPF_CORE_READ(c, kn, id) == anc_id : c == anc)
			return i == 0 ? 1 : 2;
		/* struct cgroup starts with its own css, whose parent is the parent's */
		c = (struct cgroup *)BPF_CORE_READ(c, self.parent);
	}
	return 0;
}

/* The current task's cgroup in the v1 hierarchy of root, or NULL (a named
 * hierarchy without controllers: no css to find it by). */
static __always_inline struct cgroup *own_v1_cgroup(struct cgroup_root *root)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct css_set *cset = task->cgroups;
	int count = bpf_core_enum_value(enum cgroup_subsys_id, CGROUP_SUBSYS_COUNT);
	for (int i = 0; i < 16 && i < count; i++) {
		struct cgroup_subsys_state *css = 0;
		bpf_probe_read_kernel(&css, sizeof(css), &cset->subsys[i]);
		struct cgroup *c = BPF_CORE_READ(css, cgroup);
		if (c && BPF_CORE_READ(c, root) == root)
			return c;
	}
	return 0;
}

/* Whether name (a kernel string) is one of the files a v2 delegation root
 * gives its container, or (v1) one that moves tasks. */
static __always_inline int cgroup_file_is(const char *kname, int v1)
{
	char name[24] = {};
	bpf_probe_read_kernel_str(name, sizeof(name), kname);
	if (str_equals(name, "cgroup.procs", 13))
		return 1;
	if (v1)
		return str_equals(name, "tasks", 6);
	return str_equals(name, "cgroup.threads", 15) ||
	       str_equals(name, "cgroup.subtree_control", 23);
}

static __always_inline int cgroup_rule(struct hook *h, struct cgroup *cgrp, int what,
				       const char *name)
{
	if (!cgrp)
		return 0; /* fail closed: a cgroupfs object without its cgroup */
	if (BPF_CORE_READ(cgrp, root, hierarchy_id) == 0) {
		int rel = cgroup_relation(cgrp, 0, h->container);
		if (rel == 2)
			return 1;
		if (rel == 1)
			return what == CG_PARENT || (what == CG_FILE && cgroup_file_is(name, 0));
		return 0;
	}
	struct cgroup *own = own_v1_cgroup(BPF_CORE_READ(cgrp, root));
	if (!own || BPF_CORE_READ(own, level) == 0)
		return 0;
	int rel = cgroup_relation(cgrp, own, 0);
	if (what == CG_PARENT)
		return rel != 0;
	if (what == CG_VICTIM)
		return rel == 2;
	return rel == 2 && !cgroup_file_is(name, 1);
}

/* kernfs_node's parent is "parent" up to 6.14 (6.1 and 6.12 among them),
 * "__parent" since. */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(((struct kernfs_node___old *)0)->parent))
		return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
	return BPF_CORE_READ(kn, __parent);
}

static __always_inline int magic_is_cgroup(__u64 magic)
{
	return magic == CGROUP2_SUPER_MAGIC || magic == CGROUP_SUPER_MAGIC;
}

/* The cgroup of a cgroupfs inode: a directory's kernfs node holds its
 * cgroup, a file's node holds its cftype and its parent the cgroup. */
static __always_inline struct cgroup *cgroupfs_cgroup(struct inode *inode)
{
	struct kernfs_node *kn = BPF_CORE_READ(inode, i_private);
	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFDIR)
		kn = kn_parent(kn);
	return (struct cgroup *)BPF_CORE_READ(kn, priv);
}

/* One parent of a kernfs node into c's names (a bpf_loop step, checked
 * once). */
static int kernfs_step(__u32 i, struct join_ctx *c)
{
	struct kernfs_node *kn = (struct kernfs_node *)c->kn;
	if (!kn)
		return 1;
	struct kernfs_node *parent = kn_parent(kn);
	if (!parent)
		return 1;
	__u32 n = c->n;
	if (n < GUARD_NAMES) {
		c->names[bounded(n, GUARD_NAMES - 1)] = BPF_CORE_READ(kn, name);
		c->n = n + 1;
	}
	c->kn = as_value(parent);
	return 0;
}

/* Names a cgroupfs object in g: "cgroup2:/a/b/cgroup.procs" (v2) or
 * "cgroup:/a/release_agent" (v1), from its hierarchy's root. */
static __always_inline void guard_kernfs_name(struct guard_buf *g, struct kernfs_node *kn,
					      __u64 magic, const char *child)
{
	struct join_ctx c = {.kn = as_value(kn)};
	if (child)
		c.names[c.n++] = child;
	bpf_loop(GUARD_NAMES + 8, kernfs_step, &c, 0);
	if (magic == CGROUP2_SUPER_MAGIC)
		guard_join(g, "cgroup2:", 8, &c);
	else
		guard_join(g, "cgroup:", 7, &c);
}

/* Refuses what the cgroup rule refuses: inode is a cgroupfs file being
 * written, or for CG_PARENT and CG_VICTIM, the directory of the cgroup
 * (child: the name of the cgroup being made in it, for the record). */
static __always_inline int guard_cgroup(struct hook *h, struct inode *inode, int what, __u32 access,
					const char *child)
{
	struct kernfs_node *kn = BPF_CORE_READ(inode, i_private);
	if (cgroup_rule(h, cgroupfs_cgroup(inode), what, BPF_CORE_READ(kn, name)))
		return 0;
	struct guard_buf *g = guard_buf_get();
	if (g)
		g->rec.access = access;
	guard_kernfs_name(g, kn, BPF_CORE_READ(inode, i_sb, s_magic), child);
	return guard_deny(h, g, what == CG_FILE ? SABPF_OP_CGROUP_WRITE : SABPF_OP_CGROUP_DIR);
}

/* ---- sysctls and kernel knobs ------------------------------------------- */

/* The one list of the kernel knobs a container may not write, by their
 * path in procfs (a trailing '*' matches any rest). Why each is here is in
 * docs/security.md ("Sysctls"); in short:
 *   start host processes as root: the core dump pipe, module loader, uevent
 *     and poweroff helpers, the capabilities given to such helpers;
 *   weaken the kernel for every process: kexec, module and BPF restrictions,
 *     the JIT's hardening, ptrace scope, pointer and log restrictions, perf,
 *     ASLR, the mmap floor, link and fifo protections, setuid core dumps,
 *     line discipline autoloading, io_uring and user namespace switches,
 *     ftrace (which BPF programs ride on);
 *   stop or crash the host: sysrq, the panic switches, the panic-on-oom.
 * binfmt_misc (a filesystem of its own) is refused by its magic. */
#define GUARD_KNOB_LEN 48
static const char guarded_knobs[][GUARD_KNOB_LEN] = {
    "/proc/sys/kernel/core_pattern",
    "/proc/sys/kernel/modprobe",
    "/proc/sys/kernel/hotplug",
    "/proc/sys/kernel/poweroff_cmd",
    "/proc/sys/kernel/usermodehelper/*",
    "/proc/sys/kernel/kexec_load_disabled",
    "/proc/sys/kernel/kexec_load_limit_*",
    "/proc/sys/kernel/modules_disabled",
    "/proc/sys/kernel/unprivileged_bpf_disabled",
    "/proc/sys/kernel/bpf_stats_enabled",
    "/proc/sys/net/core/bpf_jit_*",
    "/proc/sys/kernel/yama/*",
    "/proc/sys/kernel/kptr_restrict",
    "/proc/sys/kernel/dmesg_restrict",
    "/proc/sys/kernel/perf_event_paranoid",
    "/proc/sys/kernel/randomize_va_space",
    "/proc/sys/kernel/io_uring_disabled",
    "/proc/sys/kernel/unprivileged_userns_clone",
    "/proc/sys/kernel/ftrace_enabled",
    "/proc/sys/vm/mmap_min_addr",
    "/proc/sys/vm/unprivileged_userfaultfd",
    "/proc/sys/fs/suid_dumpable",
    "/proc/sys/fs/protected_*",
    "/proc/sys/dev/tty/ldisc_autoload",
    "/proc/sys/dev/tty/legacy_tiocsti",
    "/proc/sys/kernel/sysrq",
    "/proc/sysrq-trigger",
    "/proc/sys/kernel/panic*",
    "/proc/sys/kernel/softlockup_panic",
    "/proc/sys/kernel/hardlockup_panic",
    "/proc/sys/kernel/hung_task_panic",
    "/proc/sys/kernel/unknown_nmi_panic",
    "/proc/sys/vm/panic_on_oom",
};

static __always_inline int knob_matches(struct guard_buf *g, __u32 k)
{
	for (int j = 0; j < GUARD_KNOB_LEN; j++) {
		char c = guarded_knobs[k][j];
		if (c == '*')
			return 1;
		if (c != g->path[j])
			return 0;
		if (!c)
			return 1;
	}
	return 0;
}

#define GUARD_KNOBS (sizeof(guarded_knobs) / sizeof(guarded_knobs[0]))

/* One knob of the list against the name in the scratch buffer (bpf_loop:
 * the verifier checks this once, not once per knob and call site, which
 * kept the agent's start-up slow). */
static int knob_step(__u32 k, __u32 *found)
{
	__u32 zero = 0;
	struct guard_buf *g = bpf_map_lookup_elem(&guard_scratch, &zero);
	asm volatile("" : "+r"(k)); /* the verifier bounds the register compared */
	if (!g || k >= GUARD_KNOBS)
		return 1;
	if (!knob_matches(g, k))
		return 0;
	*found = 1;
	return 1;
}

/* Whether dentry (of a procfs file) is a guarded knob; names it in g. The
 * name comes from the dentry chain up to the procfs root, so where procfs is
 * mounted, or the file bind-mounted, does not matter. */
static __always_inline int proc_knob_is_guarded(struct guard_buf *g, struct dentry *dentry)
{
	if (!g)
		return 1; /* fail closed */
	struct join_ctx c = {};
	int n = 0;
	struct dentry *d = dentry;
	for (int i = 0; i < GUARD_NAMES; i++) {
		struct dentry *parent = BPF_CORE_READ(d, d_parent);
		if (parent == d)
			break;
		c.names[n++] = (const char *)BPF_CORE_READ(d, d_name.name);
		d = parent;
	}
	c.n = n;
	guard_join(g, "/proc", 5, &c);
	__u32 found = 0;
	bpf_loop(GUARD_KNOBS, knob_step, &found, 0);
	return found;
}

/* The task a /proc/PID/... (or /proc/PID/task/TID/...) file belongs to, or
 * NULL for the other procfs files: struct proc_inode holds the file's
 * struct pid, whose first PIDTYPE_PID task is the one. */
struct proc_inode___guard {
	struct pid *pid;
	struct inode vfs_inode;
} __attribute__((preserve_access_index));

static __always_inline struct task_struct *proc_task(struct inode *inode)
{
	__u64 pi = (__u64)inode - bpf_core_field_offset(struct proc_inode___guard, vfs_inode);
	struct pid *pid = BPF_CORE_READ((struct proc_inode___guard *)pi, pid);
	if (!pid)
		return 0;
	struct hlist_node *first = BPF_CORE_READ(pid, tasks[0].first); /* PIDTYPE_PID */
	if (!first)
		return 0;
	return (struct task_struct *)((__u64)first -
				      bpf_core_field_offset(struct task_struct, pid_links));
}

/* Block devices (below every filesystem, so below file provenance), and
 * the memory devices /dev/mem, /dev/kmem, /dev/port (1:1, 1:2, 1:4). */
static __always_inline int is_raw_device(struct inode *inode)
{
	__u32 mode = BPF_CORE_READ(inode, i_mode) & S_IFMT;
	if (mode == S_IFBLK)
		return 1;
	__u32 rdev = BPF_CORE_READ(inode, i_rdev); /* major << 20 | minor */
	return mode == S_IFCHR && rdev >> 20 == 1 &&
	       ((rdev & 0xfffff) == 1 || (rdev & 0xfffff) == 2 || (rdev & 0xfffff) == 4);
}

/* The verdict on writing file (its dentry and inode) from a task in scope:
 * 0 or the operation refused, with its name in g. Shared by file_open
 * (opened for writing) and file_permission (written through an fd opened
 * before, elsewhere, or passed in). */
static __always_inline __u32 guard_write_op(struct guard_buf *g, struct dentry *dentry,
					    struct inode *inode)
{
	__u64 magic = BPF_CORE_READ(inode, i_sb, s_magic);
	if (magic == PROC_SUPER_MAGIC) {
		if (proc_knob_is_guarded(g, dentry))
			return SABPF_OP_SYSCTL;
		/* the agent's oom_score_adj, timerslack_ns, ...: named as above */
		struct task_struct *t = proc_task(inode);
		__u32 agent = agent_pid();
		if (!t || !agent || BPF_CORE_READ(t, tgid) != agent)
			return 0;
		if (g)
			g->rec.target_pid = agent;
		return SABPF_OP_SCHED_AGENT;
	}
	if (magic == BINFMTFS_MAGIC) {
		guard_name(g, dentry);
		return SABPF_OP_SYSCTL;
	}
	if (is_raw_device(inode)) {
		guard_name(g, dentry);
		return SABPF_OP_DEVICE_WRITE;
	}
	return 0;
}

/* ---- bpf() ------------------------------------------------------------ */

#define GUARD_BPF_CALL 0x85 /* BPF_JMP | BPF_CALL */

/* Refuses a bpf() command from a container; why names the rule broken. */
static __always_inline int guard_bpf_refuse(struct hook *h, __u32 cmd, const char *why,
					    __u32 why_len)
{
	struct guard_buf *g = guard_buf_get();
	if (g) {
		g->rec.access = cmd;
		bpf_probe_read_kernel_str(g->path, why_len, why);
		g->rec.path_len = why_len;
	}
	return guard_deny(h, g, SABPF_OP_BPF);
}

#define GUARD_BPF_REFUSE(h, cmd, why) guard_bpf_refuse(h, cmd, why, sizeof(why))

/* Whether fd of the current task is a cgroup of the container's own
 * subtree: 1 yes, 0 no, -1 the fd table is shared (another thread could
 * swap the fd between this check and the kernel's own look-up, so a shared
 * table is refused rather than raced). Reads kernel memory only. */
static __always_inline int fd_is_own_cgroup(struct hook *h, __u32 fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct files_struct *files = BPF_CORE_READ(task, files);
	if (!files || BPF_CORE_READ(files, count.counter) != 1)
		return -1;
	struct fdtable *fdt = BPF_CORE_READ(files, fdt);
	if (fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return 0;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (BPF_CORE_READ(inode, i_sb, s_magic) != CGROUP2_SUPER_MAGIC ||
	    (BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFDIR)
		return 0;
	/* a cgroup directory's kernfs node holds its cgroup: the container's
	 * own cgroup (by id) must be that cgroup or one of its ancestors */
	struct kernfs_node *kn = BPF_CORE_READ(inode, i_private);
	struct cgroup *cgrp = BPF_CORE_READ(kn, priv);
	for (int i = 0; i < GUARD_CGROUP_DEPTH && cgrp; i++) {
		if (BPF_CORE_READ(cgrp, kn, id) == h->container)
			return 1;
		cgrp = BPF_CORE_READ(cgrp, self.parent, cgroup);
	}
	return 0;
}

/* An attach or detach: lsm_cgroup only, on a cgroup of the container. */
static __always_inline int guard_bpf_attach(struct hook *h, __u32 cmd, __u32 attach_type,
					    __u32 target_fd)
{
	if (attach_type != BPF_LSM_CGROUP)
		return GUARD_BPF_REFUSE(h, cmd, "attach type is not lsm_cgroup");
	int own = fd_is_own_cgroup(h, target_fd);
	if (own < 0)
		return GUARD_BPF_REFUSE(h, cmd, "fd table shared with another task");
	if (!own)
		return GUARD_BPF_REFUSE(h, cmd, "target is not a cgroup of the container");
	return 0;
}

/* The attr is the kernel's copy (bpf() copies it before this hook), so
 * what is checked here is what the kernel acts on. */
SEC("lsm/bpf")
int BPF_PROG(guard_bpf, int cmd, union bpf_attr *attr, unsigned int size)
{
	struct hook h;
	if (!hook_enter(&h, GUARD_CLASSES))
		return 0;
	if (!guard_allow_bpf)
		return GUARD_BPF_REFUSE(&h, cmd, "bpf() is not allowed (--allow-bpf)");
	switch (cmd) {
	case BPF_MAP_CREATE: /* its own maps; struct_ops would act for the whole host */
		if (BPF_CORE_READ(attr, map_type) == BPF_MAP_TYPE_STRUCT_OPS)
			return GUARD_BPF_REFUSE(&h, cmd, "map type struct_ops");
		return 0;
	case BPF_PROG_LOAD:
		if (BPF_CORE_READ(attr, prog_type) != BPF_PROG_TYPE_LSM ||
		    BPF_CORE_READ(attr, expected_attach_type) != BPF_LSM_CGROUP)
			return GUARD_BPF_REFUSE(&h, cmd, "program type is not lsm_cgroup");
		return 0; /* its helpers are checked once verified, in guard_bpf_prog */
	case BPF_LINK_CREATE:
		return guard_bpf_attach(&h, cmd, BPF_CORE_READ(attr, link_create.attach_type),
					BPF_CORE_READ(attr, link_create.target_fd));
	case BPF_PROG_ATTACH:
	case BPF_PROG_DETACH:
		return guard_bpf_attach(&h, cmd, BPF_CORE_READ(attr, attach_type),
					BPF_CORE_READ(attr, target_fd));
	/* on objects it holds fds of (made by itself: nothing else is reachable) */
	case BPF_MAP_LOOKUP_ELEM:
	case BPF_MAP_UPDATE_ELEM:
	case BPF_MAP_DELETE_ELEM:
	case BPF_MAP_GET_NEXT_KEY:
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM:
	case BPF_MAP_FREEZE:
	case BPF_MAP_LOOKUP_BATCH:
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
	case BPF_MAP_UPDATE_BATCH:
	case BPF_MAP_DELETE_BATCH:
	case BPF_OBJ_GET_INFO_BY_FD:
	case BPF_BTF_LOAD:
	case BPF_PROG_TEST_RUN:
	case BPF_PROG_BIND_MAP:
	case BPF_LINK_UPDATE:
	case BPF_LINK_DETACH:
	/* ids only: an id opens nothing (the *_GET_FD_BY_ID commands are refused) */
	case BPF_PROG_GET_NEXT_ID:
	case BPF_MAP_GET_NEXT_ID:
	case BPF_BTF_GET_NEXT_ID:
	case BPF_LINK_GET_NEXT_ID:
		return 0;
	}
	/* by id or by pin (another container's or the agent's objects), pinning,
	 * global attachments (raw tracepoints, iterators), global statistics */
	return GUARD_BPF_REFUSE(&h, cmd, "command not allowed to containers");
}

static __always_inline int guard_bpf_object(__u64 key)
{
	struct hook h;
	if (!hook_enter(&h, GUARD_CLASSES) || !bpf_map_lookup_elem(&guarded_ids, &key))
		return 0;
	struct guard_buf *g = guard_buf_get();
	if (g)
		g->rec.access = (__u32)key;
	return guard_deny(&h, g, SABPF_OP_BPF);
}

/* The pinned maps of the enforcement programs (bpf/policy.bpf.c) outlive
 * any agent, so they are known by name: "pol_*" and "denials". */
static __always_inline int is_policy_map(struct bpf_map *map)
{
	char name[8] = {};
	bpf_probe_read_kernel(name, sizeof(name), &map->name);
	return str_equals(name, "pol_", 4) || str_equals(name, "denials", 8);
}

SEC("lsm/bpf_map")
int BPF_PROG(guard_bpf_map, struct bpf_map *map, fmode_t fmode)
{
	if (is_policy_map(map)) {
		struct hook h;
		if (!hook_enter(&h, GUARD_CLASSES))
			return 0;
		struct guard_buf *g = guard_buf_get();
		if (g)
			g->rec.access = BPF_CORE_READ(map, id);
		return guard_deny(&h, g, SABPF_OP_BPF);
	}
	return guard_bpf_object(1ull << 32 | BPF_CORE_READ(map, id));
}

/* A scan of a verified program's instructions for calls of refused helpers. */
struct helper_scan {
	__u64 insns; /* address of prog->insnsi */
	__u32 len;
	__u32 found; /* 1 + the index of the refused helper called, 0xff unreadable */
};

static int helper_scan_step(__u32 i, struct helper_scan *s)
{
	if (i >= s->len)
		return 1;
	struct bpf_insn insn = {};
	if (bpf_probe_read_kernel(&insn, sizeof(insn), (void *)(s->insns + (__u64)i * 8))) {
		s->found = 0xff;
		return 1;
	}
	if (insn.code != GUARD_BPF_CALL)
		return 0;
	for (int k = 0; k < SABPF_REFUSED_HELPERS; k++) {
		if (guard_refused_call[k] && insn.imm == guard_refused_call[k]) {
			s->found = k + 1;
			return 1;
		}
	}
	return 0;
}

/* Runs when a program gets an fd: at BPF_PROG_LOAD, after verification,
 * when its helper calls are fixed up (imm = helper - __bpf_call_base) and
 * can no longer change. A program a container loads (--allow-bpf) that
 * calls a refused helper is refused here, and the kernel frees it. */
SEC("lsm/bpf_prog")
int BPF_PROG(guard_bpf_prog, struct bpf_prog *prog)
{
	int rc = guard_bpf_object(2ull << 32 | BPF_CORE_READ(prog, aux, id));
	if (rc || !guard_allow_bpf)
		return rc;
	struct hook h;
	if (!hook_enter(&h, GUARD_CLASSES))
		return 0;
	/* insnsi is the flexible array that ends struct bpf_prog */
	struct helper_scan s = {.insns = (__u64)prog + bpf_core_type_size(struct bpf_prog),
				.len = BPF_CORE_READ(prog, len)};
	bpf_loop(1 << 20, helper_scan_step, &s, 0); /* BPF_COMPLEXITY_LIMIT_INSNS */
	if (s.found == 0 && s.len <= (1 << 20))
		return 0;
	return GUARD_BPF_REFUSE(&h, BPF_PROG_LOAD, "program calls a refused helper");
}

/* ---- signals and ptrace ------------------------------------------------ */

/* Refuses an action aimed at the agent (target_tgid), from a container:
 * detail is the signal or the ptrace mode. */
static __always_inline int guard_agent_target(__u32 target_tgid, __u32 detail, __u32 op)
{
	if (!target_tgid || target_tgid != agent_pid())
		return 0;
	struct hook h;
	if (!hook_enter(&h, GUARD_CLASSES))
		return 0;
	struct guard_buf *g = guard_buf_get();
	if (g) {
		g->rec.access = detail;
		g->rec.target_pid = target_tgid;
	}
	return guard_deny(&h, g, op);
}

SEC("lsm/task_kill")
int BPF_PROG(guard_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred)
{
	return guard_agent_target(p->tgid, sig, SABPF_OP_SIGNAL_AGENT);
}

/* Whether task is in the current container's subtree (its cgroup v2). */
static __always_inline int task_in_subtree(struct hook *h, struct task_struct *task)
{
	return cgroup_relation(BPF_CORE_READ(task, cgroups, dfl_cgrp), 0, h->container) != 0;
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(guard_ptrace_access_check, struct task_struct *child, unsigned int mode)
{
	if (child->tgid && child->tgid == agent_pid())
		return guard_agent_target(child->tgid, mode, SABPF_OP_PTRACE_AGENT);
	struct hook h;
	if (!hook_enter(&h, GUARD_CLASSES) || task_in_subtree(&h, child))
		return 0;
	/* a task outside: the host's, or another container's. Quiet probes
	 * (/proc/PID/stat fields) are refused without a record. */
	if (mode & PTRACE_MODE_NOAUDIT)
		return -EPERM;
	struct guard_buf *g = guard_buf_get();
	if (g) {
		g->rec.access = mode;
		g->rec.target_pid = child->tgid;
	}
	return guard_deny(&h, g, SABPF_OP_PTRACE_HOST);
}

SEC("lsm/ptrace_traceme")
int BPF_PROG(guard_ptrace_traceme, struct task_struct *parent)
{
	return guard_agent_target(parent->tgid, 0, SABPF_OP_PTRACE_AGENT);
}

/* ---- the agent's scheduling and limits ---------------------------------- */

SEC("lsm/task_setnice")
int BPF_PROG(guard_task_setnice, struct task_struct *p, int nice)
{
	return guard_agent_target(p->tgid, nice, SABPF_OP_SCHED_AGENT);
}

SEC("lsm/task_setscheduler")
int BPF_PROG(guard_task_setscheduler, struct task_struct *p)
{
	/* sched_setscheduler, sched_setattr, sched_setaffinity */
	return guard_agent_target(p->tgid, 0, SABPF_OP_SCHED_AGENT);
}

SEC("lsm/task_setioprio")
int BPF_PROG(guard_task_setioprio, struct task_struct *p, int ioprio)
{
	return guard_agent_target(p->tgid, ioprio, SABPF_OP_SCHED_AGENT);
}

/* prlimit64 on another task: the hook has the credentials only, so the
 * target is the syscall's pid argument. A number means the agent only to a
 * caller in the initial pid namespace (the agent's): elsewhere the agent has
 * no pid at all. Only the agent's main thread is known by number: `audit`
 * has no other thread, and `run`'s reader thread is out of its container's
 * pid namespace (docs/security.md). Reading limits is not refused. */
SEC("lsm/task_prlimit")
int BPF_PROG(guard_task_prlimit, const struct cred *cred, const struct cred *tcred,
	     unsigned int flags)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (BPF_CORE_READ(regs, orig_ax) != GUARD_NR_PRLIMIT64)
		return 0;
	__u32 pid = (__u32)BPF_CORE_READ(regs, di);
	if (BPF_CORE_READ(task, thread_pid, level) != 0)
		return 0;
	__u32 agent = agent_pid();
	if (!agent || pid != agent || !(flags & GUARD_PRLIMIT_WRITE))
		return 0;
	struct hook h;
	if (!hook_enter(&h, GUARD_CLASSES))
		return 0;
	struct guard_buf *g = guard_buf_get();
	if (g) {
		g->rec.access = flags;
		g->rec.target_pid = agent;
	}
	return guard_deny(&h, g, SABPF_OP_SCHED_AGENT);
}

/* ---- files: cgroups, kernel knobs, block devices, bpffs and securityfs,
 * the agent's files ------------------------------------------------------- */

/* Writing a file of cgroupfs: every path that writes one asks for MAY_WRITE
 * here (opening it for writing, and the common ancestor's cgroup.procs for
 * a task move or clone3 CLONE_INTO_CGROUP). Directories (MAY_WRITE to make
 * or remove a child) are left to inode_mkdir/rmdir/rename, which know the
 * child. */
SEC("lsm/inode_permission")
int BPF_PROG(guard_inode_permission, struct inode *inode, int mask)
{
	if (!(mask & (MAY_WRITE | MAY_APPEND)))
		return 0;
	if (!magic_is_cgroup(BPF_CORE_READ(inode, i_sb, s_magic)) ||
	    (BPF_CORE_READ(inode, i_mode) & S_IFMT) == S_IFDIR)
		return 0;
	struct hook h;
	if (!hook_enter(&h, GUARD_CLASSES))
		return 0;
	return guard_cgroup(&h, inode, CG_FILE, mask, 0);
}

SEC("lsm/file_open")
int BPF_PROG(guard_file_open, struct file *file)
{
	if (!(file->f_mode & FMODE_WRITE))
		return 0;
	struct hook h;
	if (!hook_enter(&h, GUARD_CLASSES))
		return 0;
	struct inode *inode = file->f_inode;
	__u64 magic = BPF_CORE_READ(inode, i_sb, s_magic);
	struct guard_buf *g = guard_buf_get();
	__u32 op = guard_write_op(g, file->f_path.dentry, inode);
	if (op && magic == PROC_SUPER_MAGIC)
		return guard_deny(&h, g, op); /* named from procfs's root */
	if (!op) {
		if (magic_is_guarded(magic))
			op = SABPF_OP_BPFFS_WRITE;
		else if (inode_is_agents(inode))
			op = SABPF_OP_AGENT_FILE;
		else
			return 0;
	}
	guard_path(g, (struct path *)&file->f_path);
	return guard_deny(&h, g, op);
}

/* Writing through an fd opened before the task was in scope, or passed to
 * it: the same verdicts as opening for writing (cgroupfs, kernel knobs,
 * block devices). Reads are not looked at. */
SEC("lsm/file_permission")
int BPF_PROG(guard_file_permission, struct file *file, int mask)
{
	if (!(mask & (MAY_WRITE | MAY_APPEND)))
		return 0;
	struct inode *inode = file->f_inode;
	__u64 magic = BPF_CORE_READ(inode, i_sb, s_magic);
	int cg = magic_is_cgroup(magic);
	if (!cg && magic != PROC_SUPER_MAGIC && magic != BINFMTFS_MAGIC && !is_raw_device(inode))
		return 0;
	struct hook h;
	if (!hook_enter(&h, GUARD_CLASSES))
		return 0;
	if (cg)
		return guard_cgroup(&h, inode, CG_FILE, mask, 0);
	struct guard_buf *g = guard_buf_get();
	__u32 op = guard_write_op(g, file->f_path.dentry, inode);
	return op ? guard_deny(&h, g, op) : 0;
}

/* Creating, removing or renaming in bpffs or securityfs (unpinning the
 * agent's objects, say), or removing or renaming over the agent's files. */
static __always_inline int guard_dir_change(struct inode *dir, struct dentry *dentry)
{
	struct hook h;
	if (!hook_enter(&h, GUARD_CLASSES))
		return 0;
	__u32 op;
	if (magic_is_cgroup(BPF_CORE_READ(dir, i_sb, s_magic))) {
		/* a child made in dir; or the cgroup of dentry removed or renamed */
		struct inode *victim = BPF_CORE_READ(dentry, d_inode);
		if (victim)
			return guard_cgroup(&h, victim, CG_VICTIM, 0, 0);
		return guard_cgroup(&h, dir, CG_PARENT, 0,
				    (const char *)BPF_CORE_READ(dentry, d_name.name));
	}
	if (magic_is_guarded(BPF_CORE_READ(dir, i_sb, s_magic)))
		op = SABPF_OP_BPFFS_WRITE;
	else if (inode_is_agents(BPF_CORE_READ(dentry, d_inode)))
		op = SABPF_OP_AGENT_FILE;
	else
		return 0;
	struct guard_buf *g = guard_buf_get();
	guard_name(g, dentry);
	return guard_deny(&h, g, op);
}

SEC("lsm/inode_unlink")
int BPF_PROG(guard_inode_unlink, struct inode *dir, struct dentry *dentry)
{
	return guard_dir_change(dir, dentry);
}

SEC("lsm/inode_rename")
int BPF_PROG(guard_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry)
{
	int rc = guard_dir_change(old_dir, old_dentry);
	return rc ? rc : guard_dir_change(new_dir, new_dentry);
}

SEC("lsm/inode_create")
int BPF_PROG(guard_inode_create, struct inode *dir, struct dentry *dentry, umode_t mode)
{
	return guard_dir_change(dir, dentry);
}

SEC("lsm/inode_mkdir")
int BPF_PROG(guard_inode_mkdir, struct inode *dir, struct dentry *dentry, umode_t mode)
{
	return guard_dir_change(dir, dentry);
}

SEC("lsm/inode_rmdir")
int BPF_PROG(guard_inode_rmdir, struct inode *dir, struct dentry *dentry)
{
	return guard_dir_change(dir, dentry);
}

SEC("lsm/path_truncate")
int BPF_PROG(guard_path_truncate, const struct path *path)
{
	struct dentry *dentry = BPF_CORE_READ(path, dentry);
	if (!inode_is_agents(BPF_CORE_READ(dentry, d_inode)))
		return 0;
	struct hook h;
	if (!hook_enter(&h, GUARD_CLASSES))
		return 0;
	struct guard_buf *g = guard_buf_get();
	guard_name(g, dentry); /* bpf_d_path is refused in this hook */
	return guard_deny(&h, g, SABPF_OP_AGENT_FILE);
}

/* ---- mounts ------------------------------------------------------------ */

SEC("lsm/sb_mount")
int BPF_PROG(guard_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data)
{
	char fstype[16] = {};
	if (!type)
		return 0;
	bpf_probe_read_kernel_str(fstype, sizeof(fstype), type);
	if (!str_equals(fstype, "bpf", 4) && !str_equals(fstype, "securityfs", 11))
		return 0;
	struct hook h;
	if (!hook_enter(&h, GUARD_CLASSES))
		return 0;
	struct guard_buf *g = guard_buf_get();
	if (g) {
		__builtin_memcpy(g->path, fstype, sizeof(fstype));
		g->rec.path_len = sizeof(fstype);
		g->rec.access = flags;
	}
	return guard_deny(&h, g, SABPF_OP_MOUNT);
}

/* A cgroup v1 release_agent set by mount or remount option (mount(2),
 * fsconfig, a remount of an existing hierarchy: every path parses its
 * options through this hook): the program the kernel runs as host root when
 * a cgroup with notify_on_release empties. Allowing returns 0, which lets
 * the kernel go on to the filesystem's own parser. */
SEC("lsm/fs_context_parse_param")
int BPF_PROG(guard_fs_context_parse_param, struct fs_context *fc, struct fs_parameter *param)
{
	char key[16] = {}, fstype[8] = {};
	bpf_probe_read_kernel_str(key, sizeof(key), BPF_CORE_READ(param, key));
	if (!str_equals(key, "release_agent", 14))
		return 0;
	bpf_probe_read_kernel_str(fstype, sizeof(fstype), BPF_CORE_READ(fc, fs_type, name));
	if (!str_equals(fstype, "cgroup", 7))
		return 0;
	struct hook h;
	if (!hook_enter(&h, GUARD_CLASSES))
		return 0;
	struct guard_buf *g = guard_buf_get();
	if (g) {
		__builtin_memcpy(g->path, "cgroup:release_agent", 21);
		g->rec.path_len = 21;
	}
	return guard_deny(&h, g, SABPF_OP_MOUNT);
}

SEC("lsm/sb_umount")
int BPF_PROG(guard_sb_umount, struct vfsmount *mnt, int flags)
{
	if (!magic_is_guarded(BPF_CORE_READ(mnt, mnt_sb, s_magic)))
		return 0;
	struct hook h;
	if (!hook_enter(&h, GUARD_CLASSES))
		return 0;
	struct guard_buf *g = guard_buf_get();
	if (g)
		g->rec.access = flags;
	return guard_deny(&h, g, SABPF_OP_UMOUNT);
}

/* ---- kernel modules and kexec ------------------------------------------- */

SEC("lsm/kernel_read_file")
int BPF_PROG(guard_kernel_read_file, struct file *file, enum kernel_read_file_id id, bool contents)
{
	if (id != READING_MODULE && id != READING_KEXEC_IMAGE && id != READING_KEXEC_INITRAMFS)
		return 0;
	struct hook h;
	if (!hook_enter(&h, GUARD_CLASSES))
		return 0;
	struct guard_buf *g = guard_buf_get();
	if (g) {
		g->rec.access = id;
		if (file)
			guard_path(g, (struct path *)&file->f_path);
	}
	return guard_deny(&h, g, id == READING_MODULE ? SABPF_OP_MODULE_LOAD : SABPF_OP_KEXEC);
}

SEC("lsm/kernel_load_data")
int BPF_PROG(guard_kernel_load_data, enum kernel_load_data_id id, bool contents)
{
	if (id != LOADING_MODULE && id != LOADING_KEXEC_IMAGE && id != LOADING_KEXEC_INITRAMFS)
		return 0;
	struct hook h;
	if (!hook_enter(&h, GUARD_CLASSES))
		return 0;
	struct guard_buf *g = guard_buf_get();
	if (g)
		g->rec.access = id;
	return guard_deny(&h, g, id == LOADING_MODULE ? SABPF_OP_MODULE_LOAD : SABPF_OP_KEXEC);
}
