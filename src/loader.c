/* loader.c: opens the BPF skeleton, keeps the program variants that match
 * the running kernel's LSM hook signatures, loads and attaches, and runs
 * the ring-buffer reader that feeds the output pipeline. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "sabpf_record.h"
#include "sabpf_state.h"
#include "sabpf.skel.h"
#include "loader.h"

struct agent {
	struct sabpf_bpf *skel;
	struct ring_buffer *ring;
	struct sabpf_pipeline *pipeline;
	int ncpus;
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	pipeline_consume(a->pipeline, data, size);
	return 0;
}

/* Number of arguments of an LSM hook in the running kernel, or -1 if the
 * kernel has no such hook. */
static int lsm_hook_arity(const struct btf *vmlinux, const char *hook)
{
	char name[128];
	snprintf(name, sizeof(name), "bpf_lsm_%s", hook);
	int id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC);
	if (id < 0)
		return -1;
	const struct btf_type *func = btf__type_by_id(vmlinux, id);
	const struct btf_type *proto = btf__type_by_id(vmlinux, func->type);
	return proto ? btf_vlen(proto) : -1;
}

/* Keeps the one of two variants of a hook whose arity matches the running
 * kernel: `plain` takes `args` arguments, `idmap` one more (a leading idmap
 * or user namespace, added to some inode hooks over time). */
static void select_variant(const struct btf *vmlinux, const char *hook, int args,
			   struct bpf_program *plain, struct bpf_program *idmap)
{
	int arity = lsm_hook_arity(vmlinux, hook);
	bpf_program__set_autoload(plain, arity == args);
	bpf_program__set_autoload(idmap, arity == args + 1);
	if (arity >= 0 && arity != args && arity != args + 1)
		fprintf(stderr,
			"sabpf: this kernel's LSM hook %s takes %d arguments, sabpf knows %d "
			"or %d: not recorded\n",
			hook, arity, args, args + 1);
}

/* Hooks that newer kernels added, whose operations older kernels cover
 * with another hook: their absence is expected, not worth a warning. */
static bool hook_is_newer_than_6_1(const char *hook)
{
	/* file_truncate (6.2): ftruncate; 6.1 calls path_truncate for it */
	return strcmp(hook, "file_truncate") == 0;
}

/* fentry/fexit programs (IPC operations with no LSM hook: ipcget,
 * shm_close) attach to kernel functions, which a kernel may lack or have
 * inlined: without the function in BTF the program is turned off. */
static void select_traced_function(const struct btf *vmlinux, struct bpf_program *prog,
				   const char *function)
{
	if (btf__find_by_name_kind(vmlinux, function, BTF_KIND_FUNC) >= 0)
		return;
	fprintf(stderr, "sabpf: this kernel has no traceable function %s: not recorded\n",
		function);
	bpf_program__set_autoload(prog, false);
}

/* Turns off the programs this kernel cannot take: hooks it lacks, and the
 * variants of the other signature (inode_setattr, inode_setxattr,
 * inode_removexattr). */
static int select_programs(struct sabpf_bpf *skel, char *err, size_t errlen)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		snprintf(err, errlen,
			 "cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): %s; sabpf needs "
			 "a kernel built with CONFIG_DEBUG_INFO_BTF=y",
			 strerror(errno));
		return -1;
	}
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, skel->obj)
	{
		const char *sec = bpf_program__section_name(prog);
		if (strncmp(sec, "fentry/", 7) == 0 || strncmp(sec, "fexit/", 6) == 0) {
			select_traced_function(vmlinux, prog, strchr(sec, '/') + 1);
			continue;
		}
		if (strncmp(sec, "lsm/", 4) != 0)
			continue;
		int arity = lsm_hook_arity(vmlinux, sec + 4);
		if (arity < 0) {
			if (!hook_is_newer_than_6_1(sec + 4))
				fprintf(stderr,
					"sabpf: this kernel has no LSM hook %s: not recorded\n",
					sec + 4);
			bpf_program__set_autoload(prog, false);
		}
	}
	select_variant(vmlinux, "inode_setattr", 2, skel->progs.on_inode_setattr,
		       skel->progs.on_inode_setattr_idmap);
	select_variant(vmlinux, "inode_setxattr", 5, skel->progs.on_inode_setxattr,
		       skel->progs.on_inode_setxattr_idmap);
	select_variant(vmlinux, "inode_removexattr", 2, skel->progs.on_inode_removexattr,
		       skel->progs.on_inode_removexattr_idmap);
	btf__free(vmlinux);
	return 0;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	if (level == LIBBPF_INFO && !getenv("SABPF_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, args);
}

int agent_open(const struct agent_opts *opts, struct sabpf_pipeline *pipeline, struct agent **out,
	       char *err, size_t errlen)
{
	struct agent *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->pipeline = pipeline;
	a->ncpus = libbpf_num_possible_cpus();
	libbpf_set_print(libbpf_quiet);

	a->skel = sabpf_bpf__open();
	if (!a->skel) {
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		goto fail;
	}
	a->skel->rodata->agent_tgid = getpid();
	a->skel->rodata->wakeup_bytes = opts->wakeup_bytes;
	if (bpf_map__set_max_entries(a->skel->maps.events, opts->ring_bytes)) {
		snprintf(err, errlen, "cannot size the ring buffer to %llu bytes",
			 (unsigned long long)opts->ring_bytes);
		goto fail;
	}
	if (select_programs(a->skel, err, errlen))
		goto fail;
	int rc = sabpf_bpf__load(a->skel);
	if (rc) {
		snprintf(err, errlen,
			 "the kernel refused to load sabpf's BPF programs: %s (run `sabpf doctor` "
			 "for what this kernel allows; SABPF_DEBUG=1 shows the verifier log)",
			 strerror(-rc));
		goto fail;
	}
	rc = sabpf_bpf__attach(a->skel);
	if (rc) {
		snprintf(err, errlen,
			 "the kernel refused to attach sabpf's LSM programs: %s (is `bpf` in "
			 "/sys/kernel/security/lsm? run `sabpf doctor`)",
			 strerror(-rc));
		goto fail;
	}
	a->ring = ring_buffer__new(bpf_map__fd(a->skel->maps.events), on_record, a, NULL);
	if (!a->ring) {
		snprintf(err, errlen, "cannot read the ring buffer: %s", strerror(errno));
		goto fail;
	}
	*out = a;
	return 0;
fail:
	agent_close(a);
	return -1;
}

int agent_scope_add(struct agent *a, __u64 cgroup_id, __u32 classes, char *err, size_t errlen)
{
	struct sabpf_scope scope = {.container = cgroup_id, .classes = classes};
	if (bpf_map__update_elem(a->skel->maps.scope_map, &cgroup_id, sizeof(cgroup_id), &scope,
				 sizeof(scope), BPF_ANY)) {
		snprintf(err, errlen, "cannot add cgroup %llu to the scope map: %s",
			 (unsigned long long)cgroup_id, strerror(errno));
		return -1;
	}
	return 0;
}

int agent_scope_has(struct agent *a, __u64 cgroup_id)
{
	struct sabpf_scope scope;
	return bpf_map__lookup_elem(a->skel->maps.scope_map, &cgroup_id, sizeof(cgroup_id), &scope,
				    sizeof(scope), 0) == 0;
}

int agent_poll(struct agent *a, int timeout_ms)
{
	return ring_buffer__poll(a->ring, timeout_ms);
}

/* The kernel writes a LOST record at the next successful reservation; at
 * the end there may be none, so the counts left are written from here, and
 * the pipeline learns how many records each CPU tried to write in all. */
static void report_pending_loss(struct agent *a)
{
	struct prov_cpu *per_cpu = calloc(a->ncpus, sizeof(*per_cpu));
	__u32 zero = 0;
	if (!per_cpu)
		return;
	if (bpf_map__lookup_elem(a->skel->maps.cpu_states, &zero, sizeof(zero), per_cpu,
				 a->ncpus * sizeof(*per_cpu), 0) == 0) {
		for (int cpu = 0; cpu < a->ncpus; cpu++) {
			if (per_cpu[cpu].seq)
				pipeline_note_issued(a->pipeline, cpu, per_cpu[cpu].seq);
			if (per_cpu[cpu].lost_pending == 0)
				continue;
			struct sabpf_lost lost = {
			    .hdr = {.type = SABPF_REC_LOST,
				    .cpu = cpu,
				    .size = sizeof(lost),
				    .seq = 0},
			    .count = per_cpu[cpu].lost_pending,
			    .first_seq = per_cpu[cpu].lost_first,
			    .last_seq = per_cpu[cpu].lost_last,
			};
			pipeline_consume(a->pipeline, &lost, sizeof(lost));
		}
	}
	free(per_cpu);
}

int agent_finish(struct agent *a)
{
	sabpf_bpf__detach(a->skel);
	int n = ring_buffer__consume(a->ring);
	report_pending_loss(a);
	return n;
}

__u64 agent_lost(struct agent *a, __u64 container)
{
	__u64 *per_cpu = calloc(a->ncpus, sizeof(__u64));
	__u64 total = 0;
	if (!per_cpu)
		return 0;
	if (bpf_map__lookup_elem(a->skel->maps.lost_by_container, &container, sizeof(container),
				 per_cpu, a->ncpus * sizeof(__u64), 0) == 0)
		for (int cpu = 0; cpu < a->ncpus; cpu++)
			total += per_cpu[cpu];
	free(per_cpu);
	return total;
}

/* Finds, in a hash map whose values hold a container id at `offset`, the
 * first key after `after` (NULL: from the start) owned by `container`.
 * Returns 0 with the key in *found, or -1 when there is none. */
static int next_owned_key(struct bpf_map *map, size_t value_size, size_t offset, __u64 container,
			  const __u64 *after, __u64 *found)
{
	int fd = bpf_map__fd(map);
	__u64 key, next;
	const __u64 *prev = after;
	unsigned char value[256];
	if (value_size > sizeof(value) || bpf_map__value_size(map) != value_size)
		return -1;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		__u64 owner;
		if (bpf_map_lookup_elem(fd, &next, value) == 0) {
			memcpy(&owner, value + offset, sizeof(owner));
			if (owner == container) {
				*found = next;
				return 0;
			}
		}
		key = next;
		prev = &key;
	}
	return -1;
}

static unsigned count_entries(struct bpf_map *map, size_t value_size, size_t offset,
			      __u64 container)
{
	__u64 key;
	unsigned count = 0;
	const __u64 *after = NULL;
	while (next_owned_key(map, value_size, offset, container, after, &key) == 0) {
		count++;
		after = &key;
	}
	return count;
}

/* Deletes a container's entries; the walk restarts after each delete, as
 * the key following a deleted one is not defined. */
static unsigned purge_entries(struct bpf_map *map, size_t value_size, size_t offset,
			      __u64 container)
{
	__u64 key;
	unsigned purged = 0;
	while (next_owned_key(map, value_size, offset, container, NULL, &key) == 0 &&
	       bpf_map__delete_elem(map, &key, sizeof(key), 0) == 0)
		purged++;
	return purged;
}

int agent_scope_remove(struct agent *a, __u64 container)
{
	return purge_entries(a->skel->maps.scope_map, sizeof(struct sabpf_scope),
			     offsetof(struct sabpf_scope, container), container);
}

/* The IPC maps: System V objects, messages, shm files, POSIX queues. A
 * container's objects outlive it when it shares an IPC namespace with the
 * outside. */
static unsigned agent_purge_ipc(struct agent *a, __u64 container)
{
	return purge_entries(a->skel->maps.ipc_map, sizeof(struct prov_ipc),
			     offsetof(struct prov_ipc, node.container), container) +
	       purge_entries(a->skel->maps.msg_map, sizeof(struct prov_msg),
			     offsetof(struct prov_msg, node.container), container) +
	       purge_entries(a->skel->maps.shm_file_map, sizeof(struct prov_shm_file),
			     offsetof(struct prov_shm_file, container), container) +
	       purge_entries(a->skel->maps.mq_map, sizeof(struct prov_inode),
			     offsetof(struct prov_inode, node.container), container);
}

unsigned agent_count_ipc_state(struct agent *a, __u64 container)
{
	return count_entries(a->skel->maps.ipc_map, sizeof(struct prov_ipc),
			     offsetof(struct prov_ipc, node.container), container) +
	       count_entries(a->skel->maps.msg_map, sizeof(struct prov_msg),
			     offsetof(struct prov_msg, node.container), container) +
	       count_entries(a->skel->maps.shm_file_map, sizeof(struct prov_shm_file),
			     offsetof(struct prov_shm_file, container), container) +
	       count_entries(a->skel->maps.mq_map, sizeof(struct prov_inode),
			     offsetof(struct prov_inode, node.container), container);
}

unsigned agent_purge_container(struct agent *a, __u64 container)
{
	return purge_entries(a->skel->maps.cred_map, sizeof(struct prov_node),
			     offsetof(struct prov_node, container), container) +
	       purge_entries(a->skel->maps.file_map, sizeof(struct prov_file),
			     offsetof(struct prov_file, container), container) +
	       agent_purge_ipc(a, container);
}

int agent_count_state(struct agent *a, __u64 container, unsigned *creds, unsigned *files)
{
	*creds = count_entries(a->skel->maps.cred_map, sizeof(struct prov_node),
			       offsetof(struct prov_node, container), container);
	*files = count_entries(a->skel->maps.file_map, sizeof(struct prov_file),
			       offsetof(struct prov_file, container), container);
	return 0;
}

void agent_close(struct agent *a)
{
	if (!a)
		return;
	ring_buffer__free(a->ring);
	sabpf_bpf__destroy(a->skel);
	free(a);
}
