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
 *                              the agent as parent)
 *   cgroup.procs, .threads,    written for a cgroup outside the container's
 *   .subtree_control           own subtree
 *   bpffs, securityfs          mounted, unmounted, written, created in, removed from
 *   kernel modules             init_module and finit_module
 *   the agent's files          its outputs and binary: written, truncated,
 *                              renamed over or removed
 *
 * Included into sabpf.bpf.c right after common.h, before the recording
 * programs: the skeleton attaches them first, and the kernel runs the
 * programs of a hook newest-attached first, so these run last. An attempt
 * is recorded as the operation it is and, when refused, also as a denial. */

#include "sabpf_policy.h"

#define CGROUP2_SUPER_MAGIC 0x63677270
#define BPF_FS_MAGIC 0xcafe4a11
#define SECURITYFS_MAGIC 0x73636673
#define GUARD_EPERM 1
#define GUARD_PATH_MAX 256
#define GUARD_FMODE_WRITE 0x2

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

/* The scope of the current task for self-protection: every audited
 * container, whatever record classes it has on. */
static __always_inline struct sabpf_scope *guarded_scope(void)
{
	return scope_of_current(0xffffffff);
}

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
static __always_inline int guard_deny(struct sabpf_scope *scope, struct guard_buf *g, __u32 op)
{
	if (!g)
		return -GUARD_EPERM;
	struct sabpf_denial *r = &g->rec;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 size = sizeof(struct sabpf_denial) + bounded(r->path_len, GUARD_PATH_MAX - 1);
	fill_hdr(&r->hdr, SABPF_REC_DENIAL, size, 0, scope->container);
	r->cgroup_id = bpf_get_current_cgroup_id();
	r->operation = op;
	r->rule_id = (POL_CLASS_GUARD << 16) | op;
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->uid = (__u32)bpf_get_current_uid_gid();
	r->enforced = 1;
	r->error = -GUARD_EPERM;
	r->family = 0;
	r->port = 0;
	r->generation = 0;
	__builtin_memset(r->addr, 0, sizeof(r->addr));
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	if (bpf_ringbuf_output(&events, g, size, BPF_RB_FORCE_WAKEUP)) {
		struct prov_cpu *cs = cpu_state_get();
		if (cs)
			note_lost(cs, 0, scope->container);
	}
	return -GUARD_EPERM;
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

/* ---- bpf() ------------------------------------------------------------ */

#define GUARD_BPF_CALL 0x85 /* BPF_JMP | BPF_CALL */
#define GUARD_S_IFMT 0170000
#define GUARD_S_IFDIR 0040000
#define GUARD_CGROUP_DEPTH 32 /* levels walked up from an attach target */

/* Refuses a bpf() command from a container; why names the rule broken. */
static __always_inline int guard_bpf_refuse(struct sabpf_scope *scope, __u32 cmd, const char *why,
					    __u32 why_len)
{
	struct guard_buf *g = guard_buf_get();
	if (g) {
		g->rec.access = cmd;
		bpf_probe_read_kernel_str(g->path, why_len, why);
		g->rec.path_len = why_len;
	}
	return guard_deny(scope, g, SABPF_OP_BPF);
}

#define GUARD_BPF_REFUSE(scope, cmd, why) guard_bpf_refuse(scope, cmd, why, sizeof(why))

/* Whether fd of the current task is a cgroup of the container's own
 * subtree: 1 yes, 0 no, -1 the fd table is shared (another thread could
 * swap the fd between this check and the kernel's own look-up, so a shared
 * table is refused rather than raced). Reads kernel memory only. */
static __always_inline int fd_is_own_cgroup(struct sabpf_scope *scope, __u32 fd)
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
	    (BPF_CORE_READ(inode, i_mode) & GUARD_S_IFMT) != GUARD_S_IFDIR)
		return 0;
	/* a cgroup directory's kernfs node holds its cgroup: the container's
	 * own cgroup (by id) must be that cgroup or one of its ancestors */
	struct kernfs_node *kn = BPF_CORE_READ(inode, i_private);
	struct cgroup *cgrp = BPF_CORE_READ(kn, priv);
	for (int i = 0; i < GUARD_CGROUP_DEPTH && cgrp; i++) {
		if (BPF_CORE_READ(cgrp, kn, id) == scope->container)
			return 1;
		cgrp = BPF_CORE_READ(cgrp, self.parent, cgroup);
	}
	return 0;
}

/* An attach or detach: lsm_cgroup only, on a cgroup of the container. */
static __always_inline int guard_bpf_attach(struct sabpf_scope *scope, __u32 cmd, __u32 attach_type,
					    __u32 target_fd)
{
	if (attach_type != BPF_LSM_CGROUP)
		return GUARD_BPF_REFUSE(scope, cmd, "attach type is not lsm_cgroup");
	int own = fd_is_own_cgroup(scope, target_fd);
	if (own < 0)
		return GUARD_BPF_REFUSE(scope, cmd, "fd table shared with another task");
	if (!own)
		return GUARD_BPF_REFUSE(scope, cmd, "target is not a cgroup of the container");
	return 0;
}

/* The attr is the kernel's copy (bpf() copies it before this hook), so
 * what is checked here is what the kernel acts on. */
SEC("lsm/bpf")
int BPF_PROG(guard_bpf, int cmd, union bpf_attr *attr, unsigned int size)
{
	struct sabpf_scope *scope = guarded_scope();
	if (!scope)
		return 0;
	if (!guard_allow_bpf)
		return GUARD_BPF_REFUSE(scope, cmd, "bpf() is not allowed (--allow-bpf)");
	switch (cmd) {
	case BPF_MAP_CREATE: /* its own maps; struct_ops would act for the whole host */
		if (BPF_CORE_READ(attr, map_type) == BPF_MAP_TYPE_STRUCT_OPS)
			return GUARD_BPF_REFUSE(scope, cmd, "map type struct_ops");
		return 0;
	case BPF_PROG_LOAD:
		if (BPF_CORE_READ(attr, prog_type) != BPF_PROG_TYPE_LSM ||
		    BPF_CORE_READ(attr, expected_attach_type) != BPF_LSM_CGROUP)
			return GUARD_BPF_REFUSE(scope, cmd, "program type is not lsm_cgroup");
		return 0; /* its helpers are checked once verified, in guard_bpf_prog */
	case BPF_LINK_CREATE:
		return guard_bpf_attach(scope, cmd, BPF_CORE_READ(attr, link_create.attach_type),
					BPF_CORE_READ(attr, link_create.target_fd));
	case BPF_PROG_ATTACH:
	case BPF_PROG_DETACH:
		return guard_bpf_attach(scope, cmd, BPF_CORE_READ(attr, attach_type),
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
	return GUARD_BPF_REFUSE(scope, cmd, "command not allowed to containers");
}

static __always_inline int guard_bpf_object(__u64 key)
{
	struct sabpf_scope *scope = guarded_scope();
	if (!scope || !bpf_map_lookup_elem(&guarded_ids, &key))
		return 0;
	struct guard_buf *g = guard_buf_get();
	if (g)
		g->rec.access = (__u32)key;
	return guard_deny(scope, g, SABPF_OP_BPF);
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
		struct sabpf_scope *scope = guarded_scope();
		if (!scope)
			return 0;
		struct guard_buf *g = guard_buf_get();
		if (g)
			g->rec.access = BPF_CORE_READ(map, id);
		return guard_deny(scope, g, SABPF_OP_BPF);
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
	struct sabpf_scope *scope = guarded_scope();
	if (!scope)
		return 0;
	/* insnsi is the flexible array that ends struct bpf_prog */
	struct helper_scan s = {.insns = (__u64)prog + bpf_core_type_size(struct bpf_prog),
				.len = BPF_CORE_READ(prog, len)};
	bpf_loop(1 << 20, helper_scan_step, &s, 0); /* BPF_COMPLEXITY_LIMIT_INSNS */
	if (s.found == 0 && s.len <= (1 << 20))
		return 0;
	return GUARD_BPF_REFUSE(scope, BPF_PROG_LOAD, "program calls a refused helper");
}

/* ---- signals and ptrace ------------------------------------------------ */

/* Refuses an action aimed at the agent (target_tgid), from a container:
 * detail is the signal or the ptrace mode. */
static __always_inline int guard_agent_target(__u32 target_tgid, __u32 detail, __u32 op)
{
	if (target_tgid != agent_tgid)
		return 0;
	struct sabpf_scope *scope = guarded_scope();
	if (!scope)
		return 0;
	struct guard_buf *g = guard_buf_get();
	if (g) {
		g->rec.access = detail;
		g->rec.target_pid = agent_tgid;
	}
	return guard_deny(scope, g, op);
}

SEC("lsm/task_kill")
int BPF_PROG(guard_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred)
{
	return guard_agent_target(p->tgid, sig, SABPF_OP_SIGNAL_AGENT);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(guard_ptrace_access_check, struct task_struct *child, unsigned int mode)
{
	return guard_agent_target(child->tgid, mode, SABPF_OP_PTRACE_AGENT);
}

SEC("lsm/ptrace_traceme")
int BPF_PROG(guard_ptrace_traceme, struct task_struct *parent)
{
	return guard_agent_target(parent->tgid, 0, SABPF_OP_PTRACE_AGENT);
}

/* ---- files: cgroup membership, bpffs and securityfs, the agent's files -- */

/* Whether a cgroup.procs, cgroup.threads or cgroup.subtree_control file is
 * being opened for writing; its name is in the dentry. */
static __always_inline int is_cgroup_control(struct dentry *dentry)
{
	char name[24] = {};
	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(dentry, d_name.name));
	return str_equals(name, "cgroup.procs", 13) || str_equals(name, "cgroup.threads", 15) ||
	       str_equals(name, "cgroup.subtree_control", 23);
}

SEC("lsm/file_open")
int BPF_PROG(guard_file_open, struct file *file)
{
	if (!(file->f_mode & GUARD_FMODE_WRITE))
		return 0;
	struct sabpf_scope *scope = guarded_scope();
	if (!scope)
		return 0;
	struct inode *inode = file->f_inode;
	__u64 magic = BPF_CORE_READ(inode, i_sb, s_magic);
	__u32 op = 0;
	if (magic == CGROUP2_SUPER_MAGIC) {
		struct dentry *dentry = file->f_path.dentry;
		if (!is_cgroup_control(dentry))
			return 0;
		/* the directory's inode number is the cgroup's id: inside the
		 * container's own subtree is allowed */
		__u64 target = BPF_CORE_READ(dentry, d_parent, d_inode, i_ino);
		struct sabpf_scope *there = bpf_map_lookup_elem(&scope_map, &target);
		if (there && there->container == scope->container)
			return 0;
		op = SABPF_OP_CGROUP_WRITE;
	} else if (magic_is_guarded(magic)) {
		op = SABPF_OP_BPFFS_WRITE;
	} else if (inode_is_agents(inode)) {
		op = SABPF_OP_AGENT_FILE;
	} else {
		return 0;
	}
	struct guard_buf *g = guard_buf_get();
	guard_path(g, (struct path *)&file->f_path);
	return guard_deny(scope, g, op);
}

/* Creating, removing or renaming in bpffs or securityfs (unpinning the
 * agent's objects, say), or removing or renaming over the agent's files. */
static __always_inline int guard_dir_change(struct inode *dir, struct dentry *dentry)
{
	struct sabpf_scope *scope = guarded_scope();
	if (!scope)
		return 0;
	__u32 op;
	if (magic_is_guarded(BPF_CORE_READ(dir, i_sb, s_magic)))
		op = SABPF_OP_BPFFS_WRITE;
	else if (inode_is_agents(BPF_CORE_READ(dentry, d_inode)))
		op = SABPF_OP_AGENT_FILE;
	else
		return 0;
	struct guard_buf *g = guard_buf_get();
	guard_name(g, dentry);
	return guard_deny(scope, g, op);
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
	struct sabpf_scope *scope = guarded_scope();
	if (!scope)
		return 0;
	struct guard_buf *g = guard_buf_get();
	guard_name(g, dentry); /* bpf_d_path is refused in this hook */
	return guard_deny(scope, g, SABPF_OP_AGENT_FILE);
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
	struct sabpf_scope *scope = guarded_scope();
	if (!scope)
		return 0;
	struct guard_buf *g = guard_buf_get();
	if (g) {
		__builtin_memcpy(g->path, fstype, sizeof(fstype));
		g->rec.path_len = sizeof(fstype);
		g->rec.access = flags;
	}
	return guard_deny(scope, g, SABPF_OP_MOUNT);
}

SEC("lsm/sb_umount")
int BPF_PROG(guard_sb_umount, struct vfsmount *mnt, int flags)
{
	if (!magic_is_guarded(BPF_CORE_READ(mnt, mnt_sb, s_magic)))
		return 0;
	struct sabpf_scope *scope = guarded_scope();
	if (!scope)
		return 0;
	struct guard_buf *g = guard_buf_get();
	if (g)
		g->rec.access = flags;
	return guard_deny(scope, g, SABPF_OP_UMOUNT);
}

/* ---- kernel modules ------------------------------------------------------ */

SEC("lsm/kernel_read_file")
int BPF_PROG(guard_kernel_read_file, struct file *file, enum kernel_read_file_id id, bool contents)
{
	if (id != READING_MODULE)
		return 0;
	struct sabpf_scope *scope = guarded_scope();
	if (!scope)
		return 0;
	struct guard_buf *g = guard_buf_get();
	if (g) {
		g->rec.access = id;
		if (file)
			guard_path(g, (struct path *)&file->f_path);
	}
	return guard_deny(scope, g, SABPF_OP_MODULE_LOAD);
}

SEC("lsm/kernel_load_data")
int BPF_PROG(guard_kernel_load_data, enum kernel_load_data_id id, bool contents)
{
	if (id != LOADING_MODULE)
		return 0;
	struct sabpf_scope *scope = guarded_scope();
	if (!scope)
		return 0;
	struct guard_buf *g = guard_buf_get();
	if (g)
		g->rec.access = id;
	return guard_deny(scope, g, SABPF_OP_MODULE_LOAD);
}
