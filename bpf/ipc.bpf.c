/* SPDX-License-Identifier: GPL-2.0 */
/* ipc.bpf.c: System V IPC (message queues and their messages, shared memory
 * segments, semaphore sets) and POSIX message queues, record class ipc.
 *
 * Objects: kern_ipc_perm has no BPF local storage, so a queue, segment or
 * set lives in ipc_map keyed by its kern_ipc_perm pointer, from its alloc
 * hook to its free hook; a message in msg_map keyed by its msg_msg
 * pointer, from msg_msg_alloc_security to msg_msg_free_security. The free
 * hooks delete without any scope check (they often run in RCU callbacks).
 *
 * What has no LSM hook of its own:
 * - the id of a new object is assigned after its alloc hook: the alloc hook
 *   notes the object in the task's ipc_task_store, and fexit/ipcget (the
 *   common tail of msgget, shmget and semget) writes its node and the
 *   ipc_create edge once the id is returned;
 * - shmdt: fentry/shm_close, the close operation of every SysV shm mapping,
 *   gets the mapping; its file is the shm_file_data wrapper that shmat made,
 *   whose `file` is the segment's file, which shm_file_map (filled at shmat)
 *   maps to the segment; munmap, exec and exit end an attachment the same way;
 * - receiving a System V message: msg_queue_msgrcv is a permission check,
 *   called for every candidate message (and in the sender's context for a
 *   receiver already waiting); the message actually taken is the one the
 *   receiver frees in its own msgrcv call (msg_msg_free_security);
 * - mq_timedsend and mq_timedreceive: both copy the message through a
 *   struct msg_msg, so msg_msg_alloc_security (send) and
 *   msg_msg_free_security (receive) run inside the syscall; its number and
 *   the queue's descriptor are read from the task's saved user registers
 *   (bpf_task_pt_regs, x86_64 numbering) and the descriptor resolved through
 *   the task's file table to the mqueue inode.
 * POSIX queues' nodes (mq_map) are lsm/inode.h's. Included into sabpf.bpf.c
 * after file.bpf.c. */

#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_64 0x0100
#define SHM_RDONLY 010000
#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define GETVAL 12
#define SETVAL 16
#define SETALL 17
/* x86_64 system call numbers of the calls recognised in the msg_msg hooks */
#define NR_MSGRCV 70
#define NR_MQ_TIMEDSEND 242
#define NR_MQ_TIMEDRECEIVE 243

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct prov_ipc);
} ipc_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct prov_msg);
} msg_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct prov_shm_file);
} shm_file_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct prov_ipc_task);
} ipc_task_store SEC(".maps");

/* Every inode freed: one test, and the entry of a message queue goes. */
SEC("lsm/inode_free_security")
void BPF_PROG(on_inode_free_security, struct inode *inode)
{
	if (inode->i_sb->s_magic != MQUEUE_MAGIC)
		return;
	__u64 key = as_value(inode);
	bpf_map_delete_elem(&mq_map, &key);
}

/* ---- objects --------------------------------------------------------- */

static __always_inline __u32 current_ipcns(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	return BPF_CORE_READ(task, nsproxy, ipc_ns, ns.inum);
}

/* The kind-specific size of an object: its containing structure starts
 * with the kern_ipc_perm. */
static __always_inline __u64 ipc_size_of(struct kern_ipc_perm *perm, __u16 kind)
{
	__u64 base = as_value(perm);
	if (kind == SABPF_NODE_SHM) {
		struct shmid_kernel *shp =
		    (void *)(base - bpf_core_field_offset(struct shmid_kernel, shm_perm));
		return BPF_CORE_READ(shp, shm_segsz);
	}
	if (kind == SABPF_NODE_SEM) {
		struct sem_array *sma =
		    (void *)(base - bpf_core_field_offset(struct sem_array, sem_perm));
		return BPF_CORE_READ(sma, sem_nsems);
	}
	struct msg_queue *msq = (void *)(base - bpf_core_field_offset(struct msg_queue, q_perm));
	return BPF_CORE_READ(msq, q_qbytes);
}

static __always_inline void ipc_attrs_fill(struct sabpf_ipc_attrs *a, struct kern_ipc_perm *perm)
{
	a->key = BPF_CORE_READ(perm, key);
	a->id = BPF_CORE_READ(perm, id);
	a->mode = BPF_CORE_READ(perm, mode);
	a->uid = BPF_CORE_READ(perm, uid.val);
	a->gid = BPF_CORE_READ(perm, gid.val);
	a->cuid = BPF_CORE_READ(perm, cuid.val);
	a->cgid = BPF_CORE_READ(perm, cgid.val);
	a->ipcns = current_ipcns();
	a->type = 0;
}

/* Writes the NODE record of an object's current version, once. */
static __always_inline void ipc_record(struct prov_ipc *st, struct kern_ipc_perm *perm)
{
	if (st->node.recorded)
		return;
	__u32 size = offsetof(struct sabpf_node, ipc) + sizeof(struct sabpf_ipc_attrs);
	struct sabpf_node *n = record_reserve(size, SABPF_REC_NODE, st->node.container);
	st->node.recorded = 1;
	if (!n)
		return;
	ref_of(&n->node, &st->node);
	ipc_attrs_fill(&n->ipc, perm);
	n->ipc.size = ipc_size_of(perm, st->node.kind);
	record_submit(n);
}

/* The state of an object, made on first use (an object created outside
 * the container, or before sabpf started), recorded. */
static __always_inline struct prov_ipc *ipc_state_of(struct kern_ipc_perm *perm, __u16 kind,
						     __u64 container)
{
	__u64 key = as_value(perm);
	struct prov_ipc *st = bpf_map_lookup_elem(&ipc_map, &key);
	if (!st) {
		struct prov_ipc fresh = {};
		node_init(&fresh.node, kind, container);
		lost_if_failed(bpf_map_update_elem(&ipc_map, &key, &fresh, BPF_NOEXIST), container,
			       SABPF_LOST_OBJECT_MAP);
		st = bpf_map_lookup_elem(&ipc_map, &key);
		if (!st)
			return 0;
	}
	ipc_record(st, perm);
	return st;
}

static __always_inline struct prov_ipc_task *ipc_task_of_current(int create)
{
	struct task_struct *task = bpf_get_current_task_btf();
	return bpf_task_storage_get(&ipc_task_store, task, 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/* An object is being made (its id is not assigned yet): its state now,
 * its node and ipc_create edge when ipcget returns. */
static __always_inline int ipc_alloc(struct kern_ipc_perm *perm, __u16 kind)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_IPC))
		return 0;
	__u64 key = as_value(perm);
	struct prov_ipc fresh = {};
	node_init(&fresh.node, kind, h.container);
	lost_if_failed(bpf_map_update_elem(&ipc_map, &key, &fresh, BPF_ANY), h.container,
		       SABPF_LOST_OBJECT_MAP);
	struct prov_ipc_task *it = ipc_task_of_current(1);
	if (it)
		it->creating = key;
	else
		lost_count(h.container, SABPF_LOST_STORAGE, 0);
	return 0;
}

/* The object is freed (often in an RCU callback): its entries go,
 * whatever the current task. */
static __always_inline void ipc_free(struct kern_ipc_perm *perm)
{
	__u64 key = as_value(perm);
	struct prov_ipc *st = bpf_map_lookup_elem(&ipc_map, &key);
	if (!st)
		return;
	__u64 file = st->shm_file;
	if (file)
		bpf_map_delete_elem(&shm_file_map, &file);
	bpf_map_delete_elem(&ipc_map, &key);
}

/* The common start of the hooks acting on an existing object: the scope,
 * the task's node and the object's (perm NULL: a system-wide query such as
 * IPC_INFO, left out). */
static __always_inline int ipc_hook_begin(struct hook *h, struct kern_ipc_perm *perm, __u16 kind,
					  struct prov_ipc **st)
{
	if (!hook_enter(h, SABPF_CLASS_IPC) || !as_value(perm))
		return -1;
	hook_task(h);
	*st = ipc_state_of(perm, kind, h->container);
	return h->ts && *st ? 0 : -1;
}

/* msgget, shmget or semget of an existing key: the task opens it. */
static __always_inline int ipc_associate(struct kern_ipc_perm *perm, __u16 kind, int flags)
{
	struct hook h;
	struct prov_ipc *st;
	if (ipc_hook_begin(&h, perm, kind, &st))
		return 0;
	edge_write(SABPF_REL_OPEN, &st->node, &h.ts->node, (__u32)flags, h.container);
	return 0;
}

/* Does this control command only read the object? */
static __always_inline int ipc_cmd_reads(int cmd, __u16 kind)
{
	if (cmd == IPC_STAT)
		return 1;
	if (kind == SABPF_NODE_SEM) /* GETPID..GETZCNT, SEM_STAT, SEM_STAT_ANY */
		return (cmd >= 11 && cmd <= 15) || cmd == 18 || cmd == 20;
	if (kind == SABPF_NODE_SHM) /* SHM_STAT, SHM_STAT_ANY */
		return cmd == 13 || cmd == 15;
	return cmd == 11 || cmd == 13; /* MSG_STAT, MSG_STAT_ANY */
}

/* msgctl, shmctl, semctl: removal, reads (object -> task) and changes
 * (task -> object). */
static __always_inline int ipc_ctl(struct kern_ipc_perm *perm, __u16 kind, int cmd)
{
	struct hook h;
	struct prov_ipc *st;
	if (ipc_hook_begin(&h, perm, kind, &st))
		return 0;
	cmd &= ~IPC_64;
	if (cmd == IPC_RMID)
		edge_write(SABPF_REL_IPC_DESTROY, &h.ts->node, &st->node, cmd, h.container);
	else if (ipc_cmd_reads(cmd, kind))
		edge_write(SABPF_REL_IPC_CTL, &st->node, &h.ts->node, cmd, h.container);
	else
		edge_write(SABPF_REL_IPC_CTL, &h.ts->node, &st->node, cmd, h.container);
	return 0;
}

/* ipcget is the common tail of msgget, shmget and semget: when it returns
 * the id of an object this task allocated, the object is complete (key,
 * id, owner): its node, and the task's ipc_create edge. */
SEC("fexit/ipcget")
int BPF_PROG(on_ipcget_exit, struct ipc_namespace *ns, struct ipc_ids *ids,
	     const struct ipc_ops *ops, struct ipc_params *params, int ret)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_IPC))
		return 0;
	struct prov_ipc_task *it = ipc_task_of_current(0);
	if (!it || !it->creating)
		return 0;
	__u64 key = it->creating;
	it->creating = 0;
	struct prov_ipc *st = bpf_map_lookup_elem(&ipc_map, &key);
	struct kern_ipc_perm *perm = (struct kern_ipc_perm *)key;
	if (ret < 0 || !st || BPF_CORE_READ(perm, id) != ret)
		return 0;
	struct prov_task *ts = hook_task(&h);
	if (!ts)
		return 0;
	ipc_record(st, perm);
	edge_write(SABPF_REL_IPC_CREATE, &ts->node, &st->node, (__u32)BPF_CORE_READ(perm, key),
		   h.container);
	return 0;
}

/* ---- message queues -------------------------------------------------- */

SEC("lsm/msg_queue_alloc_security")
int BPF_PROG(on_msg_queue_alloc_security, struct kern_ipc_perm *perm)
{
	return ipc_alloc(perm, SABPF_NODE_MSG_QUEUE);
}

SEC("lsm/msg_queue_free_security")
void BPF_PROG(on_msg_queue_free_security, struct kern_ipc_perm *perm)
{
	ipc_free(perm);
}

SEC("lsm/msg_queue_associate")
int BPF_PROG(on_msg_queue_associate, struct kern_ipc_perm *perm, int msqflg)
{
	return ipc_associate(perm, SABPF_NODE_MSG_QUEUE, msqflg);
}

SEC("lsm/msg_queue_msgctl")
int BPF_PROG(on_msg_queue_msgctl, struct kern_ipc_perm *perm, int cmd)
{
	return ipc_ctl(perm, SABPF_NODE_MSG_QUEUE, cmd);
}

/* The NODE record of a message: its queue's key and id, the sender's ids,
 * its type and size. */
static __always_inline void msg_record(struct prov_msg *m, struct msg_msg *msg,
				       struct kern_ipc_perm *queue)
{
	if (m->node.recorded)
		return;
	__u32 size = offsetof(struct sabpf_node, ipc) + sizeof(struct sabpf_ipc_attrs);
	struct sabpf_node *n = record_reserve(size, SABPF_REC_NODE, m->node.container);
	m->node.recorded = 1;
	if (!n)
		return;
	ref_of(&n->node, &m->node);
	__builtin_memset(&n->ipc, 0, sizeof(n->ipc));
	n->ipc.key = BPF_CORE_READ(queue, key);
	n->ipc.id = BPF_CORE_READ(queue, id);
	__u64 uid_gid = bpf_get_current_uid_gid();
	n->ipc.uid = n->ipc.cuid = (__u32)uid_gid;
	n->ipc.gid = n->ipc.cgid = uid_gid >> 32;
	n->ipc.ipcns = current_ipcns();
	n->ipc.size = BPF_CORE_READ(msg, m_ts);
	n->ipc.type = BPF_CORE_READ(msg, m_type);
	record_submit(n);
}

static __always_inline struct prov_msg *msg_state_of(struct msg_msg *msg, __u64 container)
{
	__u64 key = as_value(msg);
	struct prov_msg *m = bpf_map_lookup_elem(&msg_map, &key);
	if (m)
		return m;
	struct prov_msg fresh = {};
	node_init(&fresh.node, SABPF_NODE_MSG, container);
	lost_if_failed(bpf_map_update_elem(&msg_map, &key, &fresh, BPF_NOEXIST), container,
		       SABPF_LOST_OBJECT_MAP);
	return bpf_map_lookup_elem(&msg_map, &key);
}

/* The number of the system call the current task is in (x86_64), and its
 * first and third arguments. */
struct syscall_args {
	long nr;
	__u64 arg1, arg3;
};

static __always_inline void current_syscall(struct syscall_args *sc)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	sc->nr = BPF_CORE_READ(regs, orig_ax);
	sc->arg1 = BPF_CORE_READ(regs, di);
	sc->arg3 = BPF_CORE_READ(regs, dx);
}

/* The inode of POSIX message queue descriptor fd of the current task (and
 * its open file), or NULL if fd is not an open mqueue. */
static __always_inline struct inode *mqueue_of_fd(__u64 fd, struct file **file_out)
{
	struct file *file = fd_file(fd);
	if (!file)
		return 0;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (BPF_CORE_READ(inode, i_sb, s_magic) != MQUEUE_MAGIC)
		return 0;
	*file_out = file;
	return inode;
}

/* mq_timedsend or mq_timedreceive of the current task: task -> queue
 * (send) or queue -> task (receive), arg: bytes. */
static __always_inline void mqueue_transfer(struct hook *h, __u64 fd, __u32 relation, __u64 bytes)
{
	struct file *file = 0;
	struct inode *inode = mqueue_of_fd(fd, &file);
	if (!inode)
		return;
	struct prov_task *ts = hook_task(h);
	struct prov_inode *is = mqueue_state_of(as_value(inode), h->container);
	if (!ts || !is)
		return;
	/* a queue opened before it came into scope gets its name here */
	inode_named_by_rebuild(is, file, h->container);
	if (relation == SABPF_REL_MQ_SEND)
		edge_write(relation, &ts->node, &is->node, bytes, h->container);
	else
		edge_write(relation, &is->node, &ts->node, bytes, h->container);
}

/* A message is allocated: by msgsnd (a System V message: its node lives
 * until it is freed) or by mq_timedsend (a POSIX message: the send). */
SEC("lsm/msg_msg_alloc_security")
int BPF_PROG(on_msg_msg_alloc_security, struct msg_msg *msg)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_IPC))
		return 0;
	struct syscall_args sc;
	current_syscall(&sc);
	if (sc.nr == NR_MQ_TIMEDSEND) {
		mqueue_transfer(&h, sc.arg1, SABPF_REL_MQ_SEND, sc.arg3);
		return 0;
	}
	msg_state_of(msg, h.container);
	return 0;
}

/* A message is freed: the one a msgrcv took (in the receiver's own call),
 * the one an mq_timedreceive took, or one that was never delivered. */
SEC("lsm/msg_msg_free_security")
void BPF_PROG(on_msg_msg_free_security, struct msg_msg *msg)
{
	__u64 key = as_value(msg);
	struct prov_msg *m = bpf_map_lookup_elem(&msg_map, &key);
	struct hook h;
	if (hook_enter(&h, SABPF_CLASS_IPC)) {
		struct syscall_args sc;
		current_syscall(&sc);
		if (sc.nr == NR_MQ_TIMEDRECEIVE) {
			mqueue_transfer(&h, sc.arg1, SABPF_REL_MQ_RECEIVE,
					BPF_CORE_READ(msg, m_ts));
		} else if (sc.nr == NR_MSGRCV && m && m->queue) {
			__u64 queue_key = m->queue;
			struct prov_ipc *q = bpf_map_lookup_elem(&ipc_map, &queue_key);
			struct prov_task *ts = hook_task(&h);
			if (ts) {
				msg_record(m, msg, (struct kern_ipc_perm *)queue_key);
				if (q)
					edge_write(SABPF_REL_MSG_DEQUEUE, &q->node, &m->node, 0,
						   h.container);
				edge_write(SABPF_REL_MSG_RECEIVE, &m->node, &ts->node,
					   BPF_CORE_READ(msg, m_ts), h.container);
			}
		}
	}
	if (m)
		bpf_map_delete_elem(&msg_map, &key);
}

/* msgsnd: task -> message -> queue, once per message (the hook runs again
 * each time a sender waiting for room wakes up). */
SEC("lsm/msg_queue_msgsnd")
int BPF_PROG(on_msg_queue_msgsnd, struct kern_ipc_perm *perm, struct msg_msg *msg, int msqflg)
{
	struct hook h;
	struct prov_ipc *q;
	if (ipc_hook_begin(&h, perm, SABPF_NODE_MSG_QUEUE, &q))
		return 0;
	struct prov_msg *m = msg_state_of(msg, h.container);
	if (!m || m->sent)
		return 0;
	m->queue = as_value(perm);
	m->sent = 1;
	msg_record(m, msg, perm);
	edge_write(SABPF_REL_MSG_SEND, &h.ts->node, &m->node, BPF_CORE_READ(msg, m_type),
		   h.container);
	edge_write(SABPF_REL_MSG_ENQUEUE, &m->node, &q->node, BPF_CORE_READ(msg, m_ts),
		   h.container);
	return 0;
}

/* msgrcv's permission check on a candidate message, in the receiver's
 * context, or in the sender's for a receiver already waiting (target):
 * the message's queue is noted, so that the receiver's msgrcv, which frees
 * the message it took, can write the receive. */
SEC("lsm/msg_queue_msgrcv")
int BPF_PROG(on_msg_queue_msgrcv, struct kern_ipc_perm *perm, struct msg_msg *msg,
	     struct task_struct *target, long type, int mode)
{
	struct hook h;
	int in_scope = hook_enter(&h, SABPF_CLASS_IPC);
	__u64 container = in_scope ? h.container : 0;
	if (!in_scope) {
		/* an audited receiver waiting, handed a message by a sender out of
		 * scope: its own task state says so */
		if (BPF_CORE_READ(target, pid) == (__u32)bpf_get_current_pid_tgid())
			return 0;
		struct prov_task *rs = bpf_task_storage_get(&task_store, target, 0, 0);
		if (!rs || !(rs->classes & SABPF_CLASS_IPC))
			return 0;
		container = rs->node.container;
	}
	struct prov_msg *m = msg_state_of(msg, container);
	if (m && !m->queue)
		m->queue = as_value(perm);
	return 0;
}

/* ---- shared memory ---------------------------------------------------- */

SEC("lsm/shm_alloc_security")
int BPF_PROG(on_shm_alloc_security, struct kern_ipc_perm *perm)
{
	return ipc_alloc(perm, SABPF_NODE_SHM);
}

SEC("lsm/shm_free_security")
void BPF_PROG(on_shm_free_security, struct kern_ipc_perm *perm)
{
	ipc_free(perm);
}

SEC("lsm/shm_associate")
int BPF_PROG(on_shm_associate, struct kern_ipc_perm *perm, int shmflg)
{
	return ipc_associate(perm, SABPF_NODE_SHM, shmflg);
}

SEC("lsm/shm_shmctl")
int BPF_PROG(on_shm_shmctl, struct kern_ipc_perm *perm, int cmd)
{
	return ipc_ctl(perm, SABPF_NODE_SHM, cmd);
}

/* shmat: the segment informs the task, and a writable attach lets the task
 * write it. The segment's file is remembered for shmdt. */
SEC("lsm/shm_shmat")
int BPF_PROG(on_shm_shmat, struct kern_ipc_perm *perm, char *shmaddr, int shmflg)
{
	struct hook h;
	struct prov_ipc *st;
	if (ipc_hook_begin(&h, perm, SABPF_NODE_SHM, &st))
		return 0;
	if (!st->shm_file) {
		struct shmid_kernel *shp =
		    (void *)(as_value(perm) - bpf_core_field_offset(struct shmid_kernel, shm_perm));
		__u64 file = as_value(BPF_CORE_READ(shp, shm_file));
		struct prov_shm_file sf = {.perm = as_value(perm), .container = h.container};
		if (file && lost_if_failed(bpf_map_update_elem(&shm_file_map, &file, &sf, BPF_ANY),
					   h.container, SABPF_LOST_OBJECT_MAP) == 0)
			st->shm_file = file;
	}
	edge_write(SABPF_REL_SHM_READ, &st->node, &h.ts->node, (__u32)shmflg, h.container);
	if (!(shmflg & SHM_RDONLY))
		edge_write(SABPF_REL_SHM_WRITE, &h.ts->node, &st->node, (__u32)shmflg, h.container);
	return 0;
}

/* The segment (its kern_ipc_perm, 0 if unknown) of a SysV shm mapping: its
 * file is the wrapper shmat made, whose private data (struct
 * shm_file_data) holds the segment's file, which shm_file_map maps to the
 * segment. */
static __always_inline __u64 shm_segment_of_mapping(struct vm_area_struct *vma)
{
	struct file *wrapper = BPF_CORE_READ(vma, vm_file);
	struct shm_file_data *sfd = BPF_CORE_READ(wrapper, private_data);
	__u64 file = as_value(BPF_CORE_READ(sfd, file));
	struct prov_shm_file *sf = bpf_map_lookup_elem(&shm_file_map, &file);
	return sf ? sf->perm : 0;
}

/* shmdt has no LSM hook. shm_close is the vm_ops->close of every SysV shm
 * mapping, called with the mapping as it goes (mmap lock held): by shmdt,
 * and also by munmap, exec and exit, which end an attachment as well. */
SEC("fentry/shm_close")
int BPF_PROG(on_shm_close, struct vm_area_struct *vma)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_IPC))
		return 0;
	__u64 key = shm_segment_of_mapping(vma);
	if (!key)
		return 0;
	struct prov_ipc *st = bpf_map_lookup_elem(&ipc_map, &key);
	struct prov_task *ts = hook_task(&h);
	if (!st || !ts)
		return 0;
	ipc_record(st, (struct kern_ipc_perm *)key);
	edge_write(SABPF_REL_SHM_DETACH, &ts->node, &st->node, 0, h.container);
	return 0;
}

/* ---- semaphores ------------------------------------------------------- */

SEC("lsm/sem_alloc_security")
int BPF_PROG(on_sem_alloc_security, struct kern_ipc_perm *perm)
{
	return ipc_alloc(perm, SABPF_NODE_SEM);
}

SEC("lsm/sem_free_security")
void BPF_PROG(on_sem_free_security, struct kern_ipc_perm *perm)
{
	ipc_free(perm);
}

SEC("lsm/sem_associate")
int BPF_PROG(on_sem_associate, struct kern_ipc_perm *perm, int semflg)
{
	return ipc_associate(perm, SABPF_NODE_SEM, semflg);
}

SEC("lsm/sem_semctl")
int BPF_PROG(on_sem_semctl, struct kern_ipc_perm *perm, int cmd)
{
	return ipc_ctl(perm, SABPF_NODE_SEM, cmd);
}

/* semop: every operation waits on the values (a read); one that alters
 * them also writes. */
SEC("lsm/sem_semop")
int BPF_PROG(on_sem_semop, struct kern_ipc_perm *perm, struct sembuf *sops, unsigned nsops,
	     int alter)
{
	struct hook h;
	struct prov_ipc *st;
	if (ipc_hook_begin(&h, perm, SABPF_NODE_SEM, &st))
		return 0;
	edge_write(SABPF_REL_SEM_READ, &st->node, &h.ts->node, nsops, h.container);
	if (alter)
		edge_write(SABPF_REL_SEM_WRITE, &h.ts->node, &st->node, nsops, h.container);
	return 0;
}
