/* SPDX-License-Identifier: GPL-2.0 */
/* system.bpf.c: system objects and process attributes: process groups
 * (task_setpgid, task_getpgid), prctl, capabilities (capget, capset, and
 * capable: each capability once per task version), supplementary groups
 * (task_fix_setgroups, or the setgroups syscall's exit where the kernel
 * lacks that hook), mounts moved and root pivoted (move_mount,
 * sb_pivotroot), kernel loading (kernel_read_file, kernel_load_data,
 * kernel_module_request), BPF (bpf, bpf_map, bpf_prog, and the free hooks
 * that forget the objects), and namespaces changed by setns and unshare.
 *
 * setns and unshare have no LSM hook (6.1 or 6.12): they are recorded at
 * the exit of their system call (fexit on the syscall entry points, which
 * are never inlined), and only when the call succeeded, so the task's new
 * namespaces are read from the task itself (lib/ns.h, shared with the
 * trace backend). unshare(CLONE_NEWUSER) also
 * passes cred_prepare, which keeps the process memory node going.
 *
 * Classes: setpgid, getpgid, prctl and setgroups are SABPF_CLASS_PROC (they
 * change or read the process, like setuid); the rest is SABPF_CLASS_SYS.
 * Included into sabpf.bpf.c after mount.bpf.c. */

#define CAP_OPT_NOAUDIT 0x2 /* a probe (has_capability_noaudit), not a use */

/* Per-task state of this file, freed with the task by the kernel. */
struct sys_task {
	__u64 caps_node; /* task node id and version the bitmap is for */
	__u32 caps_version;
	__u32 last_bpf_cmd; /* of the last bpf edge: a repeat of it is merged */
	__u64 caps_used;    /* capabilities recorded for that version (bit = cap) */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sys_task);
} sys_task_store SEC(".maps");

/* BPF maps (by struct bpf_map) and programs (by struct bpf_prog_aux) an
 * audited task got a descriptor for; emptied by the free hooks. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct prov_node);
} bpf_obj_map SEC(".maps");

/* ---- the task and its own process memory -------------------------------- */

/* The current task informs its process memory (setpgid on itself, prctl,
 * bpf, kernel_load_data). */
static __always_inline void task_to_mem(struct hook *h, __u32 relation, __u64 arg)
{
	struct prov_task *ts = hook_task(h);
	struct prov_node *m = current_mem_state(h->container);
	if (ts && m)
		edge_write(relation, &ts->node, m, arg, h->container);
}

/* The current task reads another task's process state (getpgid, capget);
 * reading its own, it reads its process memory. */
static __always_inline void task_reads_task(struct hook *h, struct task_struct *target,
					    __u32 relation)
{
	if (BPF_CORE_READ(target, pid) != (__u32)bpf_get_current_pid_tgid()) {
		task_to_task(h, target, relation, 0, 1);
		return;
	}
	struct prov_task *ts = hook_task(h);
	struct prov_node *m = current_mem_state(h->container);
	if (ts && m)
		edge_write(relation, m, &ts->node, 0, h->container);
}

/* ---- process groups, prctl --------------------------------------------- */

SEC("lsm/task_setpgid")
int BPF_PROG(on_task_setpgid, struct task_struct *p, pid_t pgid)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_PROC))
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_node *m = mem_state_of_cred(p->real_cred, p->tgid, h.container);
	if (ts && m)
		edge_write(SABPF_REL_SETPGID, &ts->node, m, (__u32)pgid, h.container);
	return 0;
}

SEC("lsm/task_getpgid")
int BPF_PROG(on_task_getpgid, struct task_struct *p)
{
	struct hook h;
	if (hook_enter(&h, SABPF_CLASS_PROC))
		task_reads_task(&h, p, SABPF_REL_GETPGID);
	return 0;
}

/* task_prctl's default is -ENOSYS ("no LSM handled this option"): any other
 * value would make prctl return it without doing anything. */
SEC("lsm/task_prctl")
int BPF_PROG(on_task_prctl, int option)
{
	struct hook h;
	if (hook_enter(&h, SABPF_CLASS_PROC))
		task_to_mem(&h, SABPF_REL_PRCTL, (__u32)option);
	return -ENOSYS;
}

/* ---- capabilities, groups ----------------------------------------------- */

SEC("lsm/capget")
int BPF_PROG(on_capget, struct task_struct *target)
{
	struct hook h;
	if (hook_enter(&h, SABPF_CLASS_SYS))
		task_reads_task(&h, target, SABPF_REL_CAPGET);
	return 0;
}

SEC("lsm/capset")
int BPF_PROG(on_capset, struct cred *new, const struct cred *old)
{
	struct hook h;
	if (hook_enter(&h, SABPF_CLASS_SYS))
		cred_change(&h, new, SABPF_REL_CAPSET, 0);
	return 0;
}

/* A capability the task used. The BPF LSM runs after the capability
 * module, so this hook sees only granted capabilities. It fires very
 * often: each capability is recorded once per task version (a bitmap in
 * the task's storage), probes (CAP_OPT_NOAUDIT) are left out. */
SEC("lsm/capable")
int BPF_PROG(on_capable, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_SYS) || (opts & CAP_OPT_NOAUDIT) || cap < 0 || cap > 63)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct sys_task *st =
	    bpf_task_storage_get(&sys_task_store, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		lost_count(h.container, SABPF_LOST_STORAGE, 0);
	struct prov_task *ts = hook_task(&h);
	if (!st || !ts)
		return 0;
	__u64 bit = 1ULL << cap;
	if (st->caps_node == ts->node.id && st->caps_version == ts->node.version &&
	    (st->caps_used & bit))
		return 0;
	struct prov_node *m = current_mem_state(h.container);
	if (!m)
		return 0;
	ts->node.last_relation = 0; /* another capability is not a repeat */
	edge_write(SABPF_REL_CAPABLE, m, &ts->node, cap, h.container);
	if (st->caps_node != ts->node.id || st->caps_version != ts->node.version)
		st->caps_used = 0;
	st->caps_node = ts->node.id;
	st->caps_version = ts->node.version;
	st->caps_used |= bit;
	return 0;
}

SEC("lsm/task_fix_setgroups")
int BPF_PROG(on_task_fix_setgroups, struct cred *new, const struct cred *old)
{
	struct hook h;
	if (hook_enter(&h, SABPF_CLASS_PROC))
		cred_change(&h, new, SABPF_REL_SETGROUPS, BPF_CORE_READ(new, group_info, ngroups));
	return 0;
}

/* Kernels without task_fix_setgroups (6.1): setgroups(2) has committed the
 * new credentials when it returns 0; the loader keeps this program only
 * there. */
SEC("fexit/__x64_sys_setgroups")
int BPF_PROG(on_setgroups_exit, const struct pt_regs *regs, long ret)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_PROC) || ret != 0)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct cred *cred = (struct cred *)BPF_CORE_READ(task, real_cred);
	cred_change(&h, cred, SABPF_REL_SETGROUPS, (__u32)BPF_CORE_READ(regs, di));
	return 0;
}

/* ---- mounts ------------------------------------------------------------- */

/* The current task changes what a directory shows (move_mount's target,
 * pivot_root's new root): an edge to it, named by its rebuilt path. */
static __always_inline void task_to_mount_dir(struct hook *h, const struct path *path,
					      __u32 relation)
{
	struct prov_task *ts = hook_task(h);
	struct dentry *dentry = path->dentry; /* BTF pointers: inode storage wants them */
	struct prov_inode *is = inode_state_of(dentry->d_inode, h->container);
	if (!ts || !is)
		return;
	inode_named_by_mount(is, as_value(path->mnt), as_value(dentry), h->container);
	edge_write(relation, &ts->node, &is->node, 0, h->container);
}

SEC("lsm/move_mount")
int BPF_PROG(on_move_mount, const struct path *from_path, const struct path *to_path)
{
	struct hook h;
	if (hook_enter(&h, SABPF_CLASS_SYS))
		task_to_mount_dir(&h, to_path, SABPF_REL_MOVE_MOUNT);
	return 0;
}

SEC("lsm/sb_pivotroot")
int BPF_PROG(on_sb_pivotroot, const struct path *old_path, const struct path *new_path)
{
	struct hook h;
	if (hook_enter(&h, SABPF_CLASS_SYS))
		task_to_mount_dir(&h, new_path, SABPF_REL_PIVOT_ROOT);
	return 0;
}

/* ---- kernel loading ------------------------------------------------------ */

/* A file the kernel reads for the task (finit_module, firmware, kexec,
 * policy): id is enum kernel_read_file_id (READING_MODULE = 2, ...). */
SEC("lsm/kernel_read_file")
int BPF_PROG(on_kernel_read_file, struct file *file, int id)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_SYS) || !as_value(file))
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *is = inode_state_of(file->f_inode, h.container);
	if (!ts || !is)
		return 0;
	inode_named_by_mount(is, as_value(file->f_path.mnt), as_value(file->f_path.dentry),
			     h.container);
	edge_write(SABPF_REL_KERNEL_READ_FILE, &ts->node, &is->node, (__u32)id, h.container);
	return 0;
}

/* Data the task hands the kernel from memory (init_module: LOADING_MODULE). */
SEC("lsm/kernel_load_data")
int BPF_PROG(on_kernel_load_data, int id)
{
	struct hook h;
	if (hook_enter(&h, SABPF_CLASS_SYS))
		task_to_mem(&h, SABPF_REL_KERNEL_LOAD_DATA, (__u32)id);
	return 0;
}

/* A module the task made the kernel ask for (request_module: an unknown
 * socket family, filesystem type, ...): a kernel_module node by name. */
SEC("lsm/kernel_module_request")
int BPF_PROG(on_kernel_module_request, char *kmod_name)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_SYS))
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_scratch *s = name_scratch_get();
	if (!ts || !s)
		return 0;
	long n = bpf_probe_read_kernel_str(s->data, SABPF_KMODULE_NAME_MAX, kmod_name);
	if (n <= 0)
		return 0;
	s->rec.len = n;
	s->rec.flags = 0;
	s->rec.argc = 0;
	struct prov_node module;
	node_init(&module, SABPF_NODE_KMODULE, h.container);
	if (name_send(s, &module, h.container) == 0)
		edge_write(SABPF_REL_MODULE_REQUEST, &ts->node, &module, 0, h.container);
	return 0;
}

/* ---- BPF ----------------------------------------------------------------- */

/* Every bpf(2) command: the task -> its process memory, arg the command.
 * Consecutive calls of one command merge into one edge. (The agent's own
 * calls are out of scope: scope_of_current.) */
SEC("lsm/bpf")
int BPF_PROG(on_bpf, int cmd)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_SYS))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct sys_task *st =
	    bpf_task_storage_get(&sys_task_store, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		lost_count(h.container, SABPF_LOST_STORAGE, 0);
	struct prov_task *ts = hook_task(&h);
	struct prov_node *m = current_mem_state(h.container);
	if (!st || !ts || !m)
		return 0;
	if (st->last_bpf_cmd != (__u32)cmd + 1)
		m->last_relation = 0; /* another command: not a repeat */
	edge_write(SABPF_REL_BPF, &ts->node, m, (__u32)cmd, h.container);
	st->last_bpf_cmd = (__u32)cmd + 1;
	return 0;
}

/* The node of a BPF map or program, made and recorded on first sight. */
static __always_inline struct prov_node *bpf_obj_state(__u64 key, __u16 kind, __u32 id, __u32 type,
						       const char *name, __u64 container)
{
	struct prov_node *n = bpf_map_lookup_elem(&bpf_obj_map, &key);
	if (!n) {
		struct prov_node fresh;
		node_init(&fresh, kind, container);
		lost_if_failed(bpf_map_update_elem(&bpf_obj_map, &key, &fresh, BPF_NOEXIST),
			       container, SABPF_LOST_OBJECT_MAP);
		n = bpf_map_lookup_elem(&bpf_obj_map, &key);
		if (!n)
			return 0;
	}
	if (n->recorded)
		return n;
	__u32 size = offsetof(struct sabpf_node, bpf) + sizeof(struct sabpf_bpf_attrs);
	struct sabpf_node *rec = record_reserve(size, SABPF_REC_NODE, container);
	n->recorded = 1;
	if (!rec)
		return n;
	ref_of(&rec->node, n);
	rec->bpf.id = id;
	rec->bpf.type = type;
	bpf_probe_read_kernel_str(rec->bpf.name, sizeof(rec->bpf.name), name);
	record_submit(rec);
	return n;
}

/* A descriptor for a map (made at BPF_MAP_CREATE, or got by id or pin):
 * writable, the task informs the map; readable, the map informs the task. */
SEC("lsm/bpf_map")
int BPF_PROG(on_bpf_map, struct bpf_map *map, unsigned int fmode)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_SYS))
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_node *n = bpf_obj_state(as_value(map), SABPF_NODE_BPF_MAP, map->id,
					    map->map_type, map->name, h.container);
	if (!ts || !n)
		return 0;
	if (fmode & FMODE_WRITE)
		edge_write(SABPF_REL_BPF_MAP, &ts->node, n, fmode, h.container);
	if (fmode & FMODE_READ)
		edge_write(SABPF_REL_BPF_MAP, n, &ts->node, fmode, h.container);
	return 0;
}

/* A descriptor for a program (made at BPF_PROG_LOAD, or got by id or pin). */
SEC("lsm/bpf_prog")
int BPF_PROG(on_bpf_prog, struct bpf_prog *prog)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_SYS))
		return 0;
	struct bpf_prog_aux *aux = prog->aux;
	struct prov_task *ts = hook_task(&h);
	struct prov_node *n = bpf_obj_state(as_value(aux), SABPF_NODE_BPF_PROG, aux->id, prog->type,
					    aux->name, h.container);
	if (ts && n)
		edge_write(SABPF_REL_BPF_PROG, &ts->node, n, 0, h.container);
	return 0;
}

/* The free hooks: 6.1 names them *_free_security (a program by its aux),
 * 6.9 and later bpf_map_free and bpf_prog_free; the loader keeps those the
 * kernel has. Every object is forgotten, whoever frees it. */
static __always_inline void bpf_obj_forget(__u64 key)
{
	bpf_map_delete_elem(&bpf_obj_map, &key);
}

SEC("lsm/bpf_map_free_security")
void BPF_PROG(on_bpf_map_free_security, struct bpf_map *map)
{
	bpf_obj_forget(as_value(map));
}

SEC("lsm/bpf_map_free")
void BPF_PROG(on_bpf_map_free, struct bpf_map *map)
{
	bpf_obj_forget(as_value(map));
}

SEC("lsm/bpf_prog_free_security")
void BPF_PROG(on_bpf_prog_free_security, struct bpf_prog_aux *aux)
{
	bpf_obj_forget(as_value(aux));
}

SEC("lsm/bpf_prog_free")
void BPF_PROG(on_bpf_prog_free, struct bpf_prog *prog)
{
	bpf_obj_forget(as_value(prog->aux));
}

/* ---- namespaces ---------------------------------------------------------- */

SEC("fexit/__x64_sys_setns")
int BPF_PROG(on_setns_exit, const struct pt_regs *regs, long ret)
{
	struct hook h;
	if (hook_enter(&h, SABPF_CLASS_SYS) && ret == 0)
		setns_done(h.scope, (int)BPF_CORE_READ(regs, di), (__u32)BPF_CORE_READ(regs, si),
			   h.container);
	return 0;
}

/* unshare(2): a new version of the task, with its new namespaces, informs
 * its process memory; arg: the flags. */
SEC("fexit/__x64_sys_unshare")
int BPF_PROG(on_unshare_exit, const struct pt_regs *regs, long ret)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_SYS) || ret != 0)
		return 0;
	struct prov_task *ts = task_state_of(bpf_get_current_task_btf(), h.scope);
	struct prov_node *m = current_mem_state(h.container);
	if (ts && m)
		unshare_done(ts, m, BPF_CORE_READ(regs, di), h.container);
	return 0;
}
