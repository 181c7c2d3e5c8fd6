/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* loader.c: opens the BPF skeleton, keeps the program variants that match
 * the running kernel's LSM hook signatures, loads and attaches, and runs
 * the ring-buffer reader that feeds the output pipeline. With the trace
 * backend it loads bpf/trace.bpf.c instead (src/trace.c): the maps both
 * objects share (scope, ring, per-CPU counters, loss) are reached through
 * the agent's own pointers, and the LSM-only parts (self-protection, the
 * cred, file and IPC maps) are absent. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "sabpf_record.h"
#include "sabpf_state.h"
#include "sabpf.skel.h"
#include "cgroup.h"
#include "trace.skel.h"
#include "trace.h"
#include "denial_slot.h"
#include "enforce.h"
#include "sabpf_policy.h"
#include "loader.h"
#include "pin.h"
#include "tenant.h"

/* How an agent gets the policy programs' denials (src/denial_slot.h). */
enum denial_mode {
	DENIALS_NONE = 0, /* no policy maps yet: looked for once a second */
	DENIALS_SLOT,	  /* its own slot: every denial, and the slot's drops */
	DENIALS_COUNTED,  /* no slot to be had: every denial of its cgroups counted lost */
};

struct agent {
	struct sabpf_bpf *skel;	 /* the LSM backend, or NULL */
	struct trace_bpf *trace; /* the trace backend, or NULL */
	/* the maps both backends have (bpf/lib/maps.h, cgroup.bpf.c) */
	struct bpf_map *scope_map, *cpu_states, *lost_by_container, *events;
	struct bpf_map *scope_failed, *scope_failed_total;
	struct bpf_map *agent_map; /* slot 0: the pid the programs take for the agent */
	struct ring_buffer *ring;
	struct sabpf_pipeline *pipeline;
	int ncpus;
	bool quiet;
	enum denial_mode denials;
	struct denial_slot slot;       /* DENIALS_SLOT */
	int pol_denied_fd;	       /* DENIALS_COUNTED: the policy's count of denials */
	struct timespec denials_tried; /* when the agent last looked for the slots */
	__u64 scope_failed_seen;       /* scope failures already reported */
	struct timespec scope_checked; /* when scope_failed was last read */
	struct timespec drops_read;    /* when the drop counts were last read */
	struct denial_drops *drops;    /* per task cgroup: the count last read */
	size_t ndrops;
	struct kernel_loss *denial_loss; /* per container: denial drops reported */
	size_t ndenial_loss;
	struct pin *pin;	   /* --pin: the kernel side kept across restarts, or NULL */
	bool unpin;		   /* --unpin: detach and remove the pins at the end */
	bool drain_note;	   /* resumed: say what the first read drained */
	struct timespec pin_saved; /* when the sequence accounting was last saved */
};

/* A count of the policy programs for one task cgroup, summed over CPUs, as
 * last read: records the agent's slot had no room for (DENIALS_SLOT), or
 * denials made (DENIALS_COUNTED). */
struct denial_drops {
	__u64 cgroup_id;
	__u64 seen;
};

struct kernel_loss {
	__u64 container;
	__u64 count;
};

static int guard_agent(struct agent *a, char *err, size_t errlen);
static int guard_fd(struct agent *a, int fd);
static int loss_table_init(struct agent *a, char *err, size_t errlen);

/* SABPF_TIMING=1: how long loading, attaching and detaching took, on
 * stderr (start-up and shut-down cost, docs/performance.md). */
static double timing_mark(const char *what, double since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double t = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
	if (what && getenv("SABPF_TIMING"))
		fprintf(stderr, "sabpf: timing: %s %.3f s\n", what, t - since);
	return t;
}

/* SABPF_TIMING=2 also: each loaded program's verified instructions (the
 * verifier's work, which is most of the start-up time under emulation). */
static void timing_verified(struct bpf_object *obj)
{
	const char *t = getenv("SABPF_TIMING");
	if (!t || strcmp(t, "2") != 0)
		return;
	struct bpf_program *prog;
	unsigned long long total = 0;
	bpf_object__for_each_program(prog, obj)
	{
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		total += info.verified_insns;
		fprintf(stderr, "sabpf: timing: verified %u %s\n", info.verified_insns,
			bpf_program__name(prog));
	}
	fprintf(stderr, "sabpf: timing: verified %llu in all\n", total);
}

/* Slot 0 of agent_map (bpf/lib/maps.h): the pid the programs take for the
 * agent's. Returns 0, or -1 (errno). */
static int agent_pid_set(struct bpf_map *map, __u32 pid)
{
	__u32 zero = 0;
	return bpf_map__update_elem(map, &zero, sizeof(zero), &pid, sizeof(pid), BPF_ANY) ? -1 : 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	pipeline_consume(a->pipeline, data, size);
	return 0;
}

/* A denial from the policy programs (every denial reaches every agent's
 * slot): it belongs to the container that audits the task's cgroup (the
 * policy may be bound higher, to the pod); denials in cgroups this agent
 * does not audit are other agents' to report. */
static int on_denial(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	struct sabpf_scope scope;
	unsigned char copy[sizeof(struct sabpf_denial) + SABPF_PATH_MAX];
	if (size < sizeof(struct sabpf_denial) || size > sizeof(copy))
		return pipeline_consume(a->pipeline, data, size), 0; /* counted as malformed */
	memcpy(copy, data, size);
	struct sabpf_denial *d = (struct sabpf_denial *)copy;
	if (bpf_map__lookup_elem(a->scope_map, &d->cgroup_id, sizeof(d->cgroup_id), &scope,
				 sizeof(scope), 0))
		return 0;
	d->hdr.container = scope.container;
	pipeline_consume(a->pipeline, copy, size);
	return 0;
}

/* Denials this agent did not receive, counted by the policy programs per
 * task cgroup: those its slot's ring had no room for (pol_slot_lost), or,
 * without a slot, every denial (pol_denied). What grew since the last read,
 * for cgroups this agent audits, becomes a LOST record of cause
 * SABPF_LOST_DENIAL for the container (cgroup 0, a full count map: for
 * container 0, not known). A slot's counts start at 0 when it is claimed;
 * pol_denied's, read first as a baseline, are older or other agents'. */
static struct denial_drops *drops_of(struct agent *a, __u64 cgroup_id)
{
	for (size_t i = 0; i < a->ndrops; i++)
		if (a->drops[i].cgroup_id == cgroup_id)
			return &a->drops[i];
	struct denial_drops *d = realloc(a->drops, (a->ndrops + 1) * sizeof(*d));
	if (!d)
		return NULL;
	a->drops = d;
	a->drops[a->ndrops] = (struct denial_drops){.cgroup_id = cgroup_id};
	return &a->drops[a->ndrops++];
}

static void add_denial_loss(struct agent *a, __u64 container, __u64 count)
{
	for (size_t i = 0; i < a->ndenial_loss; i++) {
		if (a->denial_loss[i].container == container) {
			a->denial_loss[i].count += count;
			return;
		}
	}
	struct kernel_loss *k = realloc(a->denial_loss, (a->ndenial_loss + 1) * sizeof(*k));
	if (!k)
		return;
	a->denial_loss = k;
	a->denial_loss[a->ndenial_loss++] = (struct kernel_loss){container, count};
}

struct drops_read {
	struct agent *agent;
	bool baseline;
};

static void note_drops(void *ctx, __u64 cgroup_id, __u64 sum)
{
	struct drops_read *r = ctx;
	struct agent *a = r->agent;
	struct denial_drops *d = drops_of(a, cgroup_id);
	if (!d)
		return;
	__u64 grown = sum - d->seen;
	d->seen = sum;
	struct sabpf_scope scope = {.container = 0};
	if (r->baseline || grown == 0 ||
	    (cgroup_id && bpf_map__lookup_elem(a->scope_map, &cgroup_id, sizeof(cgroup_id), &scope,
					       sizeof(scope), 0)))
		return;
	struct sabpf_lost lost = {
	    .hdr = {.type = SABPF_REC_LOST, .size = sizeof(lost), .container = scope.container},
	    .count = grown,
	    .cause = SABPF_LOST_DENIAL,
	};
	add_denial_loss(a, scope.container, grown);
	pipeline_consume(a->pipeline, &lost, sizeof(lost));
}

static void read_denial_drops(struct agent *a, bool baseline)
{
	struct drops_read r = {a, baseline};
	if (a->denials == DENIALS_SLOT) {
		denial_slot_lost(&a->slot, a->ncpus, note_drops, &r);
		return;
	}
	if (a->denials != DENIALS_COUNTED)
		return;
	__u64 *per_cpu = calloc(a->ncpus, sizeof(__u64));
	__u64 key, next, *prev = NULL;
	if (!per_cpu)
		return;
	while (bpf_map_get_next_key(a->pol_denied_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(a->pol_denied_fd, &key, per_cpu))
			continue;
		__u64 sum = 0;
		for (int cpu = 0; cpu < a->ncpus; cpu++)
			sum += per_cpu[cpu];
		note_drops(&r, key, sum);
	}
	free(per_cpu);
}

/* No slot: from now on every denial of the agent's cgroups is counted lost
 * (pol_denied, read now as the baseline). */
static void count_denials(struct agent *a)
{
	a->denials = DENIALS_COUNTED; /* whatever happens: not looked for again */
	a->pol_denied_fd = bpf_obj_get(ENFORCE_PIN_ROOT "/pol_denied");
	if (a->pol_denied_fd < 0) {
		fprintf(stderr,
			"sabpf: WARNING: cannot open %s/pol_denied: %s: policy denials in the "
			"audited containers are NEITHER recorded NOR counted\n",
			ENFORCE_PIN_ROOT, strerror(errno));
		return;
	}
	__u64 *zero = calloc(a->ncpus, sizeof(__u64)), unknown = 0;
	if (zero) /* where the programs count when the map is full */
		bpf_map_update_elem(a->pol_denied_fd, &unknown, zero, BPF_NOEXIST);
	free(zero);
	a->ndrops = 0;
	read_denial_drops(a, true);
}

/* Reads the drop counts at most once a second (now: at once), and checks
 * that the slot is still the agent's. */
static void watch_denial_drops(struct agent *a, bool now)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (a->denials == DENIALS_NONE || (!now && t.tv_sec - a->drops_read.tv_sec < 1))
		return;
	a->drops_read = t;
	read_denial_drops(a, false);
	if (a->denials == DENIALS_SLOT && !denial_slot_held(&a->slot)) {
		fprintf(stderr,
			"sabpf: WARNING: denial slot %d no longer holds this agent's ring (another "
			"process replaced it; were %s/denial-slot-*.lock removed?): from now on "
			"policy denials in the audited containers are counted lost, not recorded\n",
			a->slot.index, DENIAL_SLOT_LOCK_DIR);
		count_denials(a);
	}
}

/* Claims a denial slot once a policy has made the slots (looked for at most
 * once a second), and adds its ring to the reader; when every slot is
 * taken, says so and counts the denials it cannot receive. */
static void watch_denials(struct agent *a)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (a->denials != DENIALS_NONE ||
	    (a->denials_tried.tv_sec && now.tv_sec - a->denials_tried.tv_sec < 1))
		return;
	a->denials_tried = now;
	char err[256];
	if (denial_slot_claim(&a->slot, err, sizeof(err))) {
		if (errno == ENOENT)
			return; /* no policy yet */
		fprintf(stderr,
			"sabpf: WARNING: %s: this agent does NOT receive policy denials; each one "
			"in its containers is counted as a lost record (cause denial) instead; "
			"stop an agent and restart this one to receive them\n",
			err);
		count_denials(a);
		return;
	}
	if (ring_buffer__add(a->ring, a->slot.ring_fd, on_denial, a)) {
		fprintf(stderr,
			"sabpf: WARNING: cannot read denial slot %d: %s; its denials are counted "
			"lost instead\n",
			a->slot.index, strerror(errno));
		denial_slot_release(&a->slot);
		count_denials(a);
		return;
	}
	a->denials = DENIALS_SLOT;
	a->ndrops = 0;
	clock_gettime(CLOCK_MONOTONIC, &a->drops_read);
	if (a->skel)
		guard_fd(a, a->slot.lock_fd); /* containers may not remove the lock */
	if (!a->quiet)
		fprintf(stderr, "sabpf: policy denials: slot %d of %d\n", a->slot.index,
			POL_DENIAL_SLOTS);
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

/* Hooks one of the supported kernels lacks, whose operations it covers
 * with another hook or another name: their absence is expected, not worth
 * a warning. */
static bool hook_is_expected_missing(const char *hook)
{
	static const char *const hooks[] = {
	    "file_truncate",	      /* 6.2: ftruncate; 6.1 calls path_truncate for it */
	    "task_fix_setgroups",     /* 6.3: 6.1 has fexit/__x64_sys_setgroups instead */
	    "bpf_map_free_security",  /* up to 6.8; then bpf_map_free */
	    "bpf_prog_free_security", /* up to 6.8; then bpf_prog_free */
	    "bpf_map_free",	      /* 6.9 */
	    "bpf_prog_free",	      /* 6.9 */
	};
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if (strcmp(hook, hooks[i]) == 0)
			return true;
	return false;
}

/* fentry/fexit programs (setns, unshare, setgroups on 6.1; sock_recvmsg, the
 * end of a blocking receive; ipcget, shm_close): off, with a warning, when
 * the kernel has no such function in BTF (absent or inlined). */
static void select_tracing(const struct btf *vmlinux, struct bpf_program *prog, const char *func)
{
	if (btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC) >= 0)
		return;
	fprintf(stderr, "sabpf: this kernel has no function %s to trace: not recorded\n", func);
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
			select_tracing(vmlinux, prog, strchr(sec, '/') + 1);
			continue;
		}
		if (strncmp(sec, "lsm/", 4) != 0)
			continue;
		int arity = lsm_hook_arity(vmlinux, sec + 4);
		if (arity < 0) {
			if (!hook_is_expected_missing(sec + 4))
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
	/* setgroups: the LSM hook where there is one, else the syscall's exit */
	if (lsm_hook_arity(vmlinux, "task_fix_setgroups") >= 0)
		bpf_program__set_autoload(skel->progs.on_setgroups_exit, false);
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

/* SABPF_TEST_STATE_ENTRIES=N (tests only): cred_map and file_map hold N
 * entries instead of 65536, so that a test can fill them and check that
 * every entry that did not fit is counted (causes cred_map, file_map). */
static int size_state_maps(struct sabpf_bpf *skel, char *err, size_t errlen)
{
	const char *v = getenv("SABPF_TEST_STATE_ENTRIES");
	if (!v)
		return 0;
	char *end;
	unsigned long n = strtoul(v, &end, 10);
	if (*v == '\0' || *end || n < 1 || n > 65536) {
		snprintf(err, errlen,
			 "SABPF_TEST_STATE_ENTRIES='%s': give a number of entries from 1 to 65536",
			 v);
		return -1;
	}
	if (bpf_map__set_max_entries(skel->maps.cred_map, n) ||
	    bpf_map__set_max_entries(skel->maps.file_map, n)) {
		snprintf(err, errlen, "cannot size cred_map and file_map to %lu entries", n);
		return -1;
	}
	return 0;
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
	a->quiet = opts->quiet;
	denial_slot_init(&a->slot);
	a->pol_denied_fd = -1;
	a->ncpus = libbpf_num_possible_cpus();
	libbpf_set_print(libbpf_quiet);

	a->unpin = opts->unpin;
	char settings[160];
	snprintf(settings, sizeof(settings),
		 "backend %s, --ring-size %llu, --scope-size %u, --allow-bpf %d, wakeup %llu",
		 opts->backend == SABPF_BACKEND_TRACE ? "trace" : "lsm",
		 (unsigned long long)opts->ring_bytes, (unsigned)opts->scope_entries,
		 (int)opts->allow_bpf, (unsigned long long)opts->wakeup_bytes);
	if (opts->backend == SABPF_BACKEND_TRACE) {
		a->trace =
		    trace_load(getpid(), opts->ring_bytes, opts->wakeup_bytes, opts->scope_entries,
			       opts->pin_dir, settings, &a->pin, err, errlen);
		if (!a->trace)
			goto fail;
		a->scope_map = a->trace->maps.scope_map;
		a->scope_failed = a->trace->maps.scope_failed;
		a->scope_failed_total = a->trace->maps.scope_failed_total;
		a->cpu_states = a->trace->maps.cpu_states;
		a->lost_by_container = a->trace->maps.lost_by_container;
		a->agent_map = a->trace->maps.agent_map;
		a->events = a->trace->maps.events;
		goto ring; /* no self-protection: its hooks are LSM programs */
	}
	a->skel = sabpf_bpf__open();
	if (!a->skel) {
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		goto fail;
	}
	a->skel->rodata->wakeup_bytes = opts->wakeup_bytes;
	a->skel->rodata->guard_allow_bpf = opts->allow_bpf;
	if (opts->allow_bpf &&
	    tenant_refused_helper_calls(a->skel->rodata->guard_refused_call, err, errlen))
		goto fail;
	if (bpf_map__set_max_entries(a->skel->maps.events, opts->ring_bytes)) {
		snprintf(err, errlen, "cannot size the ring buffer to %llu bytes",
			 (unsigned long long)opts->ring_bytes);
		goto fail;
	}
	if (opts->scope_entries &&
	    bpf_map__set_max_entries(a->skel->maps.scope_map, opts->scope_entries)) {
		snprintf(err, errlen, "cannot size the scope map to %u entries",
			 (unsigned)opts->scope_entries);
		goto fail;
	}
	if (size_state_maps(a->skel, err, errlen) || select_programs(a->skel, err, errlen))
		goto fail;
	size_t elf_size;
	const void *elf = sabpf_bpf__elf_bytes(&elf_size);
	if (opts->pin_dir &&
	    pin_prepare(opts->pin_dir, a->skel->obj, elf, elf_size, settings, &a->pin, err, errlen))
		goto fail;
	a->skel->rodata->build_tag = pin_build_of(elf, elf_size); /* bpf/lib/maps.h */
	double t0 = timing_mark(NULL, 0);
	int rc = sabpf_bpf__load(a->skel);
	double t1 = timing_mark("load", t0);
	if (!rc)
		timing_verified(a->skel->obj);
	if (rc) {
		snprintf(err, errlen,
			 "the kernel refused to load sabpf's BPF programs: %s (run `sabpf doctor` "
			 "for what this kernel allows; SABPF_DEBUG=1 shows the verifier log)",
			 strerror(-rc));
		goto fail;
	}
	/* the agent, before anything is attached (or, taking over, the new
	 * agent in place of the last: the guard protects this one) */
	if (agent_pid_set(a->skel->maps.agent_map, (__u32)getpid())) {
		snprintf(err, errlen, "cannot tell the programs the agent's pid: %s",
			 strerror(errno));
		goto fail;
	}
	/* this build records from the start, unless it takes over another
	 * build's side: then only from the hand-over (pin_upgrade_commit) */
	__u32 zero = 0;
	__u64 tag = a->skel->rodata->build_tag;
	if (!pin_took_over(a->pin) &&
	    bpf_map__update_elem(a->skel->maps.build_map, &zero, sizeof(zero), &tag, sizeof(tag),
				 BPF_ANY)) {
		snprintf(err, errlen, "cannot make this build the active one: %s", strerror(errno));
		goto fail;
	}
	/* taking over pinned links: nothing to attach (pin.h) */
	rc = pin_resumed(a->pin) ? 0 : sabpf_bpf__attach(a->skel);
	timing_mark("attach", t1);
	if (rc) {
		snprintf(err, errlen,
			 "the kernel refused to attach sabpf's LSM programs: %s (is `bpf` in "
			 "/sys/kernel/security/lsm? run `sabpf doctor`)",
			 strerror(-rc));
		goto fail;
	}
	if (pin_upgrading(a->pin)
		? pin_upgrade_commit(a->pin, a->skel->skeleton, a->skel->obj, err, errlen)
		: a->pin && !pin_resumed(a->pin) &&
		      pin_links(a->pin, a->skel->skeleton, err, errlen))
		goto fail;
	if (guard_agent(a, err, errlen))
		goto fail;
	a->scope_map = a->skel->maps.scope_map;
	a->scope_failed = a->skel->maps.scope_failed;
	a->scope_failed_total = a->skel->maps.scope_failed_total;
	a->cpu_states = a->skel->maps.cpu_states;
	a->lost_by_container = a->skel->maps.lost_by_container;
	a->agent_map = a->skel->maps.agent_map;
	a->events = a->skel->maps.events;
ring:
	/* resumed: the loss table holds the counts so far, and the sequence
	 * accounting goes on from where the last agent saved it */
	if (!pin_took_over(a->pin) && loss_table_init(a, err, errlen))
		goto fail;
	if (pin_took_over(a->pin) && pin_load_seq(a->pin, pipeline)) {
		snprintf(err, errlen, "--pin %s: cannot read the saved sequence accounting: %s",
			 opts->pin_dir, strerror(errno));
		goto fail;
	}
	a->drain_note = pin_took_over(a->pin);
	if (pin_upgraded_from(a->pin))
		fprintf(stderr,
			"sabpf: upgraded the pinned kernel side in place: build %016llx -> "
			"%016llx\n",
			(unsigned long long)pin_upgraded_from(a->pin),
			(unsigned long long)pin_build(a->pin));
	if (pin_run(a->pin)) /* one run for every agent of the pinned side */
		pipeline_set_run(pipeline, pin_run(a->pin));
	a->ring = ring_buffer__new(bpf_map__fd(a->events), on_record, a, NULL);
	if (!a->ring) {
		snprintf(err, errlen, "cannot read the ring buffer: %s", strerror(errno));
		goto fail;
	}
	watch_denials(a);
	*out = a;
	return 0;
fail:
	if (pin_upgrading(a->pin))
		pin_upgrade_abort(a->pin); /* the old build's side records on */
	else if (a->pin && !pin_resumed(a->pin))
		pin_remove(a->pin, true); /* half made: nothing to keep */
	agent_close(a);
	return -1;
}

/* ---- self-protection (bpf/guard.bpf.c) ---- */

static int guard_id(struct agent *a, __u64 kind, __u32 id)
{
	__u64 key = kind << 32 | id;
	__u32 one = 1;
	return bpf_map__update_elem(a->skel->maps.guarded_ids, &key, sizeof(key), &one, sizeof(one),
				    BPF_ANY);
}

/* Guards a file by its descriptor: (dev << 32 ^ ino), dev as the kernel
 * encodes it (MKDEV: major << 20 | minor). */
static int guard_fd(struct agent *a, int fd)
{
	struct stat st;
	if (fstat(fd, &st))
		return -1;
	__u64 dev = (__u64)(major(st.st_dev) << 20 | minor(st.st_dev));
	__u64 key = dev << 32 ^ (__u64)st.st_ino;
	__u32 one = 1;
	return bpf_map__update_elem(a->skel->maps.guarded_inodes, &key, sizeof(key), &one,
				    sizeof(one), BPF_ANY);
}

/* Tells the guard programs what is the agent's: its maps and programs, its
 * binary and its output files. */
static int guard_agent(struct agent *a, char *err, size_t errlen)
{
	struct bpf_map *map;
	struct bpf_program *prog;
	bpf_object__for_each_map(map, a->skel->obj)
	{
		struct bpf_map_info info = {0};
		__u32 len = sizeof(info);
		if (bpf_map__fd(map) >= 0 &&
		    bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len) == 0 &&
		    guard_id(a, 1, info.id))
			goto fail;
	}
	bpf_object__for_each_program(prog, a->skel->obj)
	{
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		if (bpf_program__fd(prog) >= 0 &&
		    bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0 &&
		    guard_id(a, 2, info.id))
			goto fail;
	}
	int fds[16];
	int n = pipeline_output_fds(a->pipeline, fds, 16);
	int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe >= 0) {
		guard_fd(a, exe);
		close(exe);
	}
	for (int i = 0; i < n; i++)
		if (guard_fd(a, fds[i]))
			goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot fill the self-protection maps: %s", strerror(errno));
	return -1;
}

int agent_scope_put(struct agent *a, __u64 cgroup_id, __u64 container, __u32 classes, char *err,
		    size_t errlen)
{
	struct sabpf_scope scope = {.container = container, .classes = classes};
	if (bpf_map__update_elem(a->scope_map, &cgroup_id, sizeof(cgroup_id), &scope, sizeof(scope),
				 BPF_ANY)) {
		if (errno == E2BIG || errno == ENOMEM)
			snprintf(err, errlen,
				 "cannot put cgroup %llu in scope: the scope map is full (%u "
				 "entries, one per audited cgroup); raise --scope-size",
				 (unsigned long long)cgroup_id, agent_scope_capacity(a));
		else
			snprintf(err, errlen, "cannot put cgroup %llu in scope: %s",
				 (unsigned long long)cgroup_id, strerror(errno));
		return -1;
	}
	if (a->trace && trace_scope_changed(a->trace)) {
		/* the entry is there, but a dispatcher that saw the cgroup
		 * before may go on believing what it saw: the put failed */
		snprintf(err, errlen,
			 "cannot put cgroup %llu in scope: stepping the trace backend's "
			 "scope generation failed: %s",
			 (unsigned long long)cgroup_id, strerror(errno));
		return -1;
	}
	return 0;
}

int agent_scope_add(struct agent *a, __u64 cgroup_id, __u32 classes, char *err, size_t errlen)
{
	return agent_scope_put(a, cgroup_id, cgroup_id, classes, err, errlen);
}

int agent_scope_get(struct agent *a, __u64 cgroup_id, __u64 *container, __u32 *classes)
{
	struct sabpf_scope scope;
	if (bpf_map__lookup_elem(a->scope_map, &cgroup_id, sizeof(cgroup_id), &scope, sizeof(scope),
				 0))
		return -1;
	*container = scope.container;
	*classes = scope.classes;
	return 0;
}

/* After entries left scope_map: the trace dispatcher forgets what it
 * remembered of them (a cgroup seen in scope would stay recorded). */
static void scope_removed(struct agent *a)
{
	if (a->trace && trace_scope_changed(a->trace))
		fprintf(stderr,
			"sabpf: warning: stepping the trace backend's scope generation failed: %s; "
			"cgroups just removed from scope may stay recorded until the next change\n",
			strerror(errno));
}

void agent_scope_delete(struct agent *a, __u64 cgroup_id)
{
	if (bpf_map__delete_elem(a->scope_map, &cgroup_id, sizeof(cgroup_id), 0) == 0)
		scope_removed(a);
}

__u32 agent_scope_capacity(struct agent *a)
{
	return bpf_map__max_entries(a->scope_map);
}

__u64 agent_scope_failed_total(struct agent *a)
{
	__u32 zero = 0;
	__u64 total = 0;
	if (bpf_map__lookup_elem(a->scope_failed_total, &zero, sizeof(zero), &total, sizeof(total),
				 0))
		return 0;
	return total;
}

__u64 agent_scope_failed(struct agent *a, __u64 container)
{
	struct scope_fail f;
	if (bpf_map__lookup_elem(a->scope_failed, &container, sizeof(container), &f, sizeof(f), 0))
		return 0;
	return f.count;
}

void agent_scope_report(struct agent *a, bool force)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && a->scope_checked.tv_sec && now.tv_sec - a->scope_checked.tv_sec < 1)
		return;
	a->scope_checked = now;
	__u64 total = agent_scope_failed_total(a);
	if (total == a->scope_failed_seen)
		return;
	fprintf(stderr,
		"sabpf: WARNING: %llu cgroup(s) made under audited containers are NOT audited: "
		"the scope map is full (%u entries); raise --scope-size\n",
		(unsigned long long)(total - a->scope_failed_seen), agent_scope_capacity(a));
	a->scope_failed_seen = total;
	int fd = bpf_map__fd(a->scope_failed);
	__u64 key, next;
	const __u64 *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct scope_fail f;
		char container[4096] = "(removed)", child[4096] = "(removed)";
		if (bpf_map_lookup_elem(fd, &next, &f) == 0) {
			cgroup_path_of_id(next, container, sizeof(container));
			cgroup_path_of_id(f.last_cgroup, child, sizeof(child));
			fprintf(stderr,
				"sabpf: container %s (cgroup id %llu): %llu cgroup(s) not in scope "
				"in all, the last %s (cgroup id %llu, error %lld%s)\n",
				container, (unsigned long long)next, (unsigned long long)f.count,
				child, (unsigned long long)f.last_cgroup, (long long)f.last_error,
				f.last_error == -E2BIG ? ": map full" : "");
		}
		key = next;
		prev = &key;
	}
}

int agent_scope_has(struct agent *a, __u64 cgroup_id)
{
	struct sabpf_scope scope;
	return bpf_map__lookup_elem(a->scope_map, &cgroup_id, sizeof(cgroup_id), &scope,
				    sizeof(scope), 0) == 0;
}

void agent_watch_denials(struct agent *a)
{
	a->denials_tried.tv_sec = 0;
	watch_denials(a);
}

/* --pin: every second (and at the end), flushes the outputs, then saves
 * the sequence accounting of what they hold: an agent killed after this
 * leaves its successor a baseline at which every record it consumed since
 * counts as missing (docs/operations.md, Restarts). */
static void pin_checkpoint(struct agent *a, bool now)
{
	if (!a->pin)
		return;
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (!now && t.tv_sec - a->pin_saved.tv_sec < 1)
		return;
	a->pin_saved = t;
	pipeline_flush(a->pipeline);
	if (pin_save_seq(a->pin, a->pipeline))
		fprintf(stderr, "sabpf: cannot save the sequence accounting under --pin: %s\n",
			strerror(errno));
}

int agent_poll(struct agent *a, int timeout_ms)
{
	watch_denials(a);
	watch_denial_drops(a, false);
	agent_scope_report(a, false);
	int n = ring_buffer__poll(a->ring, timeout_ms);
	if (n < 0)
		return n;
	/* The kernel wakes the reader only once wakeup_bytes are waiting
	 * (BPF_RB_NO_WAKEUP below that): without this, a quiet container's
	 * records would wait in the ring until others fill it, however long
	 * that takes. One call per poll bounds their delay by the poll
	 * timeout. */
	int more = ring_buffer__consume(a->ring);
	pipeline_poll(a->pipeline); /* a quiet container: the spool still drains */
	if (a->drain_note && more >= 0) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		fprintf(stderr,
			"sabpf: took over the pinned kernel side: drained %d records that "
			"waited (at %lld.%06ld)\n",
			n + more, (long long)now.tv_sec, now.tv_nsec / 1000);
		a->drain_note = false;
	}
	pin_checkpoint(a, false);
	return more < 0 ? more : n + more;
}

/* The kernel writes the LOST records of a CPU at its next successful
 * reservation; at the end there may be none, so the counts left
 * (total - reported of each container and cause, per CPU) are written from
 * here, and the pipeline learns how many records each CPU tried to write in
 * all. */
static void report_pending_loss(struct agent *a)
{
	struct prov_cpu *per_cpu = calloc(a->ncpus, sizeof(*per_cpu));
	struct prov_lost *lost_cpu = calloc(a->ncpus, sizeof(*lost_cpu));
	__u32 zero = 0;
	if (!per_cpu || !lost_cpu)
		goto out;
	if (bpf_map__lookup_elem(a->cpu_states, &zero, sizeof(zero), per_cpu,
				 a->ncpus * sizeof(*per_cpu), 0) == 0)
		for (int cpu = 0; cpu < a->ncpus; cpu++)
			if (per_cpu[cpu].seq)
				pipeline_note_issued(a->pipeline, cpu, per_cpu[cpu].seq);
	struct bpf_map *map = a->lost_by_container;
	struct prov_lost_key key, next, *prev = NULL;
	while (bpf_map__get_next_key(map, prev, &next, sizeof(next)) == 0) {
		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), lost_cpu,
					 a->ncpus * sizeof(*lost_cpu), 0))
			continue;
		for (int cpu = 0; cpu < a->ncpus; cpu++) {
			struct prov_lost *v = &lost_cpu[cpu];
			if (v->total == v->reported)
				continue;
			struct sabpf_lost lost = {
			    .hdr = {.type = SABPF_REC_LOST,
				    .cpu = cpu,
				    .size = sizeof(lost),
				    .container = key.container},
			    .count = v->total - v->reported,
			    .first_seq = key.cause == SABPF_LOST_RING ? v->first_seq : 0,
			    .last_seq = key.cause == SABPF_LOST_RING ? v->last_seq : 0,
			    .cause = key.cause,
			};
			if (lost.first_seq > lost.last_seq)
				lost.first_seq = lost.last_seq;
			pipeline_consume(a->pipeline, &lost, sizeof(lost));
		}
	}
out:
	free(per_cpu);
	free(lost_cpu);
}

int agent_finish(struct agent *a)
{
	if (a->pin && !a->unpin) {
		/* the programs stay attached, and keep writing into the ring for
		 * the next agent: drain what is there, leave the kernel's pending
		 * loss counts for it (reported from here, they would be reported
		 * twice), and save where the sequence stands */
		int n = ring_buffer__consume(a->ring);
		agent_scope_report(a, true);
		pin_checkpoint(a, true);
		/* no agent until the next takes over: none is left out or
		 * guarded as the agent (a reused pid would be) */
		if (agent_pid_set(a->agent_map, 0))
			fprintf(stderr,
				"sabpf: cannot clear the agent's pid in the pinned agent_map: %s\n",
				strerror(errno));
		return n;
	}
	if (a->pin)
		pin_remove(a->pin, false); /* the links go with the agent's descriptors */
	double t0 = timing_mark(NULL, 0);
	if (a->skel)
		sabpf_bpf__detach(a->skel);
	else
		trace_bpf__detach(a->trace);
	timing_mark("detach", t0);
	/* the ring out of the slot first: then what the denial ring holds and
	 * the slot's drop counts are final */
	if (a->denials == DENIALS_SLOT)
		denial_slot_stop(&a->slot);
	int n = ring_buffer__consume(a->ring);
	report_pending_loss(a);
	read_denial_drops(a, false);
	agent_scope_report(a, true);
	if (a->pin)
		pin_remove(a->pin, true);
	return n;
}

/* Puts the entries (0, cause) in the loss table: where the kernel counts a
 * loss whose own entry it cannot make (the table is full). */
static int loss_table_init(struct agent *a, char *err, size_t errlen)
{
	struct prov_lost *zero = calloc(a->ncpus, sizeof(*zero));
	if (!zero) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = 0;
	for (__u32 cause = 1; cause < SABPF_LOST_CAUSE_MAX && rc == 0; cause++) {
		struct prov_lost_key key = {.container = 0, .cause = cause};
		rc = bpf_map__update_elem(a->lost_by_container, &key, sizeof(key), zero,
					  a->ncpus * sizeof(*zero), BPF_ANY);
		if (rc)
			snprintf(err, errlen, "cannot prepare the loss table: %s", strerror(-rc));
	}
	free(zero);
	return rc;
}

void agent_kernel_loss(struct agent *a, __u64 container, __u64 by_cause[SABPF_LOST_CAUSE_MAX])
{
	memset(by_cause, 0, SABPF_LOST_CAUSE_MAX * sizeof(__u64));
	struct prov_lost *per_cpu = calloc(a->ncpus, sizeof(*per_cpu));
	if (!per_cpu)
		return;
	for (__u32 cause = 1; cause < SABPF_LOST_CAUSE_MAX; cause++) {
		struct prov_lost_key key = {.container = container, .cause = cause};
		if (bpf_map__lookup_elem(a->lost_by_container, &key, sizeof(key), per_cpu,
					 a->ncpus * sizeof(*per_cpu), 0) == 0)
			for (int cpu = 0; cpu < a->ncpus; cpu++)
				by_cause[cause] += per_cpu[cpu].total;
	}
	free(per_cpu);
	for (size_t i = 0; i < a->ndenial_loss; i++)
		if (a->denial_loss[i].container == container)
			by_cause[SABPF_LOST_DENIAL] += a->denial_loss[i].count;
}

__u64 agent_lost(struct agent *a, __u64 container)
{
	__u64 by_cause[SABPF_LOST_CAUSE_MAX], total = 0;
	agent_kernel_loss(a, container, by_cause);
	for (int cause = 1; cause < SABPF_LOST_CAUSE_MAX; cause++)
		total += by_cause[cause];
	return total;
}

size_t agent_loss_containers(struct agent *a, __u64 *ids, size_t max)
{
	struct bpf_map *map = a->lost_by_container;
	struct prov_lost_key key, next, *prev = NULL;
	size_t n = 0;
	while (bpf_map__get_next_key(map, prev, &next, sizeof(next)) == 0) {
		key = next;
		prev = &key;
		bool known = false;
		for (size_t i = 0; i < n; i++)
			known |= ids[i] == key.container;
		if (!known && n < max)
			ids[n++] = key.container;
	}
	for (size_t j = 0; j < a->ndenial_loss; j++) {
		bool known = false;
		for (size_t i = 0; i < n; i++)
			known |= ids[i] == a->denial_loss[j].container;
		if (!known && n < max)
			ids[n++] = a->denial_loss[j].container;
	}
	return n;
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
	unsigned purged = purge_entries(a->scope_map, sizeof(struct sabpf_scope),
					offsetof(struct sabpf_scope, container), container);
	if (purged)
		scope_removed(a);
	return purged;
}

/* Packets a container's sockets sent that no audited socket of this host
 * received (they left the host, or were dropped). */
static unsigned purge_packets(struct agent *a, __u64 container)
{
	return purge_entries(a->skel->maps.packet_map, sizeof(struct prov_packet),
			     offsetof(struct prov_packet, node.container), container);
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
	if (!a->skel)
		return 0; /* the trace backend keeps no IPC state */
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
	if (!a->skel)
		return 0; /* the trace backend keeps no per-object state but its
			     inode LRU, shared by every container */
	return purge_entries(a->skel->maps.cred_map, sizeof(struct prov_node),
			     offsetof(struct prov_node, container), container) +
	       purge_entries(a->skel->maps.file_map, sizeof(struct prov_file),
			     offsetof(struct prov_file, container), container) +
	       purge_packets(a, container) + agent_purge_ipc(a, container);
}

int agent_count_state(struct agent *a, __u64 container, unsigned *creds, unsigned *files)
{
	if (!a->skel) {
		*creds = *files = 0;
		return 0;
	}
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
	denial_slot_release(&a->slot);
	if (a->pol_denied_fd >= 0)
		close(a->pol_denied_fd);
	free(a->drops);
	free(a->denial_loss);
	sabpf_bpf__destroy(a->skel);
	trace_bpf__destroy(a->trace);
	pin_free(a->pin);
	free(a);
}

const char *agent_backend_name(const struct agent *a)
{
	return a->trace ? "trace" : "lsm";
}

const char *agent_trace_reads(const struct agent *a)
{
	return a->trace ? trace_reads_name(a->trace) : NULL;
}

int agent_ring_usage(struct agent *a, __u64 *used, __u64 *size)
{
	/* The ring's two position pages, mapped read-only: the consumer's
	 * position, then the producer's (the kernel allows a read-only map of
	 * both; only the consumer page may be mapped writable). */
	long page = sysconf(_SC_PAGESIZE);
	int fd = bpf_map__fd(a->events);
	void *pos = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, 0);
	if (pos == MAP_FAILED)
		return -1;
	__u64 cons = __atomic_load_n((__u64 *)pos, __ATOMIC_ACQUIRE);
	__u64 prod = __atomic_load_n((__u64 *)((char *)pos + page), __ATOMIC_ACQUIRE);
	munmap(pos, 2 * page);
	*size = bpf_map__max_entries(a->events);
	*used = prod >= cons ? prod - cons : 0;
	return 0;
}

void agent_prog_stats(struct agent *a,
		      void (*fn)(void *ctx, const char *name, __u64 run_cnt, __u64 run_time_ns),
		      void *ctx)
{
	struct bpf_object *obj = a->trace ? a->trace->obj : a->skel->obj;
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
	{
		int fd = bpf_program__fd(prog);
		if (fd < 0)
			continue; /* a variant not loaded on this kernel */
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		fn(ctx, bpf_program__name(prog), info.run_cnt, info.run_time_ns);
	}
}

size_t agent_known_containers(struct agent *a, __u64 *ids, size_t max)
{
	size_t n = pipeline_containers(a->pipeline, ids, max);
	__u64 more[256];
	size_t m = agent_loss_containers(a, more, 256);
	for (size_t i = 0; i < m; i++) {
		bool known = false;
		for (size_t j = 0; j < n; j++)
			known |= ids[j] == more[i];
		if (!known && n < max)
			ids[n++] = more[i];
	}
	return n;
}
