/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* enforce.c: puts a parsed policy (src/policy.h) into the kernel.
 *
 * The policy skeleton (bpf/policy.bpf.c) is opened with its maps pinned by
 * name under ENFORCE_PIN_ROOT, so every `sabpf policy apply` shares the same
 * maps. Applying a policy to a cgroup:
 *   1. compiles its globs and checks the hook budget (the kernel allows lsm_cgroup
 *      programs on at most 10 distinct hooks, system-wide, whoever attached them);
 *   2. writes it into a free slot (head, network rules, file and exec rules);
 *   3. attaches the programs of the hooks it needs to the cgroup, one link per
 *      hook pinned as ENFORCE_PIN_ROOT/links/<cgroup id>/<hook>; a hook the
 *      cgroup already has keeps its link (lsm_cgroup hooks, or with the trace
 *      backend cgroup-bpf socket hooks: network rules only, the rest is
 *      refused before step 1 by enforce_trace_refusal);
 *   4. binds the cgroup to the new slot with one map update: this is the
 *      moment the new policy takes effect, whole;
 *   5. drops the links of hooks the new policy does not need, and frees the
 *      old slot.
 * On any failure before step 4 what steps 2 and 3 made is undone, so a
 * policy is either fully applied or not at all. Before step 1, the slots of
 * cgroups that no longer exist are freed (reclaim_gone); a stopped
 * container's policy is also removed by cgroup id (enforce_remove_id).
 * `sabpf policy log` is in
 * policy_log.c, the `sabpf policy` command and its verb table in
 * policy_cmd.c. */
#include "enforce.h"

#include <dirent.h>
#include <stdarg.h>
#include <sys/sysmacros.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cgroup.h"
#include "denial.h"
#include "denial_slot.h"
#include "doctor.h"
#include "json_write.h"
#include "policy_glob.h"
#include "sabpf_policy.h"
#include "policy.skel.h"

#define BPF_FS_MAGIC 0xcafe4a11
#define LOCK_PATH "/run/sabpf-policy.lock"
#define LINKS_DIR ENFORCE_PIN_ROOT "/links"

/* The hooks, the program on each, and the policy sections that need it.
 * The lsm_cgroup ones serve the LSM backend; the cgroup-bpf socket hooks
 * serve the trace backend (hosts without BPF LSM), which can enforce the
 * network section without families and nothing else (enforce_trace_refusal). */
static const struct hook {
	const char *name;    /* LSM hook, or cgroup-bpf attach point */
	const char *program; /* in bpf/policy.bpf.c */
	__u32 sections;	     /* POL_HAS_* that need it */
	bool lsm;	     /* lsm_cgroup (LSM backend); else cgroup-bpf (trace backend) */
} hooks[] = {
    {"socket_create", "policy_socket_create", POL_HAS_FAMILIES, true},
    {"socket_connect", "policy_socket_connect", POL_HAS_NET, true},
    {"socket_sendmsg", "policy_socket_sendmsg", POL_HAS_NET, true},
    {"socket_bind", "policy_socket_bind", POL_HAS_NET, true},
    {"socket_listen", "policy_socket_listen", POL_HAS_NET, true},
    {"file_open", "policy_file_open", POL_HAS_FILES, true},
    {"bprm_check_security", "policy_bprm_check", POL_HAS_FILES | POL_HAS_EXEC, true},
    {"mmap_file", "policy_mmap_file", POL_HAS_FILES, true},
    {"file_mprotect", "policy_file_mprotect", POL_HAS_FILES, true},
    {"capable", "policy_capable", POL_HAS_FILES | POL_HAS_EXEC, true}, /* mounts, chroot */
    {"connect4", "policy_connect4", POL_HAS_NET, false},
    {"connect6", "policy_connect6", POL_HAS_NET, false},
    {"sendmsg4", "policy_sendmsg4", POL_HAS_NET, false},
    {"sendmsg6", "policy_sendmsg6", POL_HAS_NET, false},
    {"bind4", "policy_bind4", POL_HAS_NET, false},
    {"bind6", "policy_bind6", POL_HAS_NET, false},
    {"sock_create", "policy_sock_create", POL_HAS_NET, false}, /* raw, ICMP, SCTP, MPTCP */
};
#define NHOOKS (sizeof(hooks) / sizeof(hooks[0]))

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- bpffs, lock, skeleton ---------------------------------------------- */

int bpffs_mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0700) && errno != EEXIST ? -1 : 0;
}

/* Makes sure /sys/fs/bpf is a bpffs (mounting it if not) and the pin
 * directories exist. */
static int prepare_bpffs(char *err, size_t errlen)
{
	struct statfs fs;
	if (statfs("/sys/fs/bpf", &fs) || (unsigned long)fs.f_type != BPF_FS_MAGIC) {
		mkdir("/sys/fs/bpf", 0700);
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
			return fail(
			    err, errlen,
			    "/sys/fs/bpf is not a bpf filesystem and mounting one failed: %s "
			    "(policies are pinned there; mount -t bpf bpf /sys/fs/bpf)",
			    strerror(errno));
	}
	if (bpffs_mkdir_p(LINKS_DIR))
		return fail(err, errlen, "cannot create %s: %s", LINKS_DIR, strerror(errno));
	return 0;
}

/* One apply/remove at a time, across processes. */
static int take_lock(char *err, size_t errlen)
{
	int fd = open(LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX)) {
		if (fd >= 0)
			close(fd);
		return fail(err, errlen, "cannot lock %s: %s", LOCK_PATH, strerror(errno));
	}
	return fd;
}

/* Opens and loads the policy skeleton with the programs in `needed` (bits
 * of hooks[]), reusing the pinned maps or pinning new ones. */
static struct policy_bpf *open_skeleton(unsigned needed, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = ENFORCE_PIN_ROOT);
	struct policy_bpf *skel = policy_bpf__open_opts(&opts);
	if (!skel) {
		fail(err, errlen, "cannot open the policy programs: %s", strerror(errno));
		return NULL;
	}
	for (size_t i = 0; i < NHOOKS; i++) {
		struct bpf_program *prog =
		    bpf_object__find_program_by_name(skel->obj, hooks[i].program);
		if (prog)
			bpf_program__set_autoload(prog, (needed >> i) & 1);
	}
	int rc = policy_bpf__load(skel);
	if (rc) {
		fail(err, errlen,
		     "the kernel refused the policy programs: %s (run `sabpf doctor`; "
		     "SABPF_DEBUG=1 shows the verifier log)",
		     strerror(-rc));
		policy_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* ---- the hook budget ---------------------------------------------------- */

/* The LSM hooks that carry lsm_cgroup programs now, system-wide, as BTF ids
 * of their bpf_lsm_* functions. Returns how many (distinct). */
static int hooks_in_use(__u32 *ids, int max)
{
	int n = 0;
	__u32 id = 0;
	while (bpf_link_get_next_id(id, &id) == 0) {
		int fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		struct bpf_link_info link = {0};
		__u32 len = sizeof(link);
		int ok = bpf_obj_get_info_by_fd(fd, &link, &len) == 0 &&
			 link.type == BPF_LINK_TYPE_CGROUP &&
			 link.cgroup.attach_type == BPF_LSM_CGROUP;
		close(fd);
		if (!ok)
			continue;
		int pfd = bpf_prog_get_fd_by_id(link.prog_id);
		if (pfd < 0)
			continue;
		struct bpf_prog_info prog = {0};
		len = sizeof(prog);
		ok = bpf_obj_get_info_by_fd(pfd, &prog, &len) == 0;
		close(pfd);
		if (!ok)
			continue;
		int seen = 0;
		for (int i = 0; i < n; i++)
			seen |= ids[i] == prog.attach_btf_id;
		if (!seen && n < max)
			ids[n++] = prog.attach_btf_id;
	}
	return n;
}

static __u32 hook_btf_id(const struct btf *vmlinux, const char *hook)
{
	char name[96];
	snprintf(name, sizeof(name), "bpf_lsm_%s", hook);
	int id = vmlinux ? btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) : -1;
	return id > 0 ? (__u32)id : 0;
}

/* The budget: the kernel's 10, or fewer when the operator reserves some for
 * other tools with SABPF_POLICY_HOOK_BUDGET=N (1 to 10). */
static int hook_budget(void)
{
	const char *env = getenv("SABPF_POLICY_HOOK_BUDGET");
	int n = env ? atoi(env) : ENFORCE_HOOK_BUDGET;
	return n >= 1 && n <= ENFORCE_HOOK_BUDGET ? n : ENFORCE_HOOK_BUDGET;
}

/* Whether the hooks in `needed` fit in the budget with those in use. */
static int check_budget(unsigned needed, char *err, size_t errlen)
{
	__u32 used[64];
	int n = hooks_in_use(used, 64);
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int extra = 0;
	char names[512] = "";
	for (size_t i = 0; i < NHOOKS; i++) {
		if (!((needed >> i) & 1) || !hooks[i].lsm)
			continue;
		__u32 id = hook_btf_id(vmlinux, hooks[i].name);
		int seen = 0;
		for (int j = 0; j < n; j++)
			seen |= used[j] == id;
		if (!seen) {
			extra++;
			size_t l = strlen(names);
			snprintf(names + l, sizeof(names) - l, "%s%s", l ? ", " : "",
				 hooks[i].name);
		}
	}
	btf__free(vmlinux);
	int budget = hook_budget();
	if (n + extra > budget)
		return fail(err, errlen,
			    "the budget of %d lsm_cgroup hooks is exhausted: %d are in use "
			    "system-wide and this policy needs %d more (%s); remove a policy or a "
			    "tenant program (`sabpf policy show` lists them), or drop a section of "
			    "this policy",
			    budget, n, extra, names[0] ? names : "none new");
	return 0;
}

/* ---- writing a policy into a slot --------------------------------------- */

static void fill_net_rules(struct pol_net_rule *out, const struct policy_net_rule *in, __u32 n)
{
	for (__u32 i = 0; i < n; i++) {
		out[i].port_lo = in[i].port_lo;
		out[i].port_hi = in[i].port_hi;
		out[i].family = in[i].family;
		out[i].prefix_len = in[i].prefix_len;
		memcpy(out[i].addr, in[i].addr, 16);
	}
}

/* Resolves the target executable as the container sees it: under the root
 * of a process of the cgroup when there is one, else on the host. */
static int target_identity(const struct policy *p, const char *cgroup_dir, struct pol_head *h,
			   char *err, size_t errlen)
{
	if (!p->executable[0])
		return 0;
	char path[PATH_MAX + 64], procs[PATH_MAX + 16];
	struct stat st;
	snprintf(path, sizeof(path), "%s", p->executable);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup_dir);
	FILE *f = fopen(procs, "r");
	int pid;
	if (f && fscanf(f, "%d", &pid) == 1)
		snprintf(path, sizeof(path), "/proc/%d/root%s", pid, p->executable);
	if (f)
		fclose(f);
	if (stat(path, &st))
		return fail(err, errlen, "%s:%u:%u: target.executable %s: %s (looked at %s)",
			    p->source, p->target_origin.line, p->target_origin.column,
			    p->executable, strerror(errno), path);
	h->exe_ino = st.st_ino;
	/* the kernel's s_dev encoding (MKDEV: major << 20 | minor) */
	h->exe_dev = (__u32)(major(st.st_dev) << 20 | minor(st.st_dev));
	return 0;
}

static void delete_slot_rules(struct policy_bpf *skel, __u32 slot)
{
	bpf_map__delete_elem(skel->maps.pol_nets, &slot, sizeof(slot), 0);
	for (__u32 i = 0; i < POL_FILE_RULES; i++) {
		__u32 key = pol_rule_key(slot, i);
		bpf_map__delete_elem(skel->maps.pol_files, &key, sizeof(key), 0);
		if (i < POL_EXEC_RULES)
			bpf_map__delete_elem(skel->maps.pol_execs, &key, sizeof(key), 0);
	}
}

static void free_slot(struct policy_bpf *skel, __u32 slot)
{
	struct pol_head empty = {0};
	delete_slot_rules(skel, slot);
	bpf_map__update_elem(skel->maps.pol_heads, &slot, sizeof(slot), &empty, sizeof(empty), 0);
}

static int find_free_slot(struct policy_bpf *skel, __u32 *slot)
{
	for (__u32 s = 0; s < POL_SLOTS; s++) {
		struct pol_head h;
		if (bpf_map__lookup_elem(skel->maps.pol_heads, &s, sizeof(s), &h, sizeof(h), 0) ==
			0 &&
		    !h.in_use) {
			*slot = s;
			return 0;
		}
	}
	return -1;
}

static int write_rules(struct policy_bpf *skel, const struct policy *p, __u32 slot, char *err,
		       size_t errlen)
{
	if (p->net.present) {
		struct pol_nets *nets = calloc(1, sizeof(*nets));
		if (!nets)
			return fail(err, errlen, "out of memory");
		fill_net_rules(nets->egress, p->net.egress, p->net.negress);
		fill_net_rules(nets->bind, p->net.bind, p->net.nbind);
		int rc = bpf_map__update_elem(skel->maps.pol_nets, &slot, sizeof(slot), nets,
					      sizeof(*nets), 0);
		free(nets);
		if (rc)
			return fail(err, errlen, "cannot store the network rules: %s",
				    strerror(errno));
	}
	for (__u32 i = 0; i < p->files.nrules; i++) {
		const struct policy_file_rule *r = &p->files.rules[i];
		struct pol_file_rule k = {.access = r->access};
		__u32 key = pol_rule_key(slot, i);
		if (policy_glob_compile(r->glob, r->recursive, &k.glob, err, errlen) ||
		    bpf_map__update_elem(skel->maps.pol_files, &key, sizeof(key), &k, sizeof(k), 0))
			return fail(err, errlen, "%s:%u:%u: cannot store file rule %u: %s",
				    p->source, r->origin.line, r->origin.column, i,
				    strerror(errno));
	}
	for (__u32 i = 0; i < p->exec.nrules; i++) {
		const struct policy_exec_rule *r = &p->exec.rules[i];
		struct pol_exec_rule k;
		__u32 key = pol_rule_key(slot, i);
		if (policy_glob_compile(r->glob, false, &k.glob, err, errlen) ||
		    bpf_map__update_elem(skel->maps.pol_execs, &key, sizeof(key), &k, sizeof(k), 0))
			return fail(err, errlen, "%s:%u:%u: cannot store exec rule %u: %s",
				    p->source, r->origin.line, r->origin.column, i,
				    strerror(errno));
	}
	return 0;
}

static __u32 sections_of(const struct policy *p)
{
	return (p->net.present ? POL_HAS_NET : 0) |
	       (p->net.present && p->net.families_listed ? POL_HAS_FAMILIES : 0) |
	       (p->files.present ? POL_HAS_FILES : 0) | (p->exec.present ? POL_HAS_EXEC : 0);
}

/* This process's start time in clock ticks since boot (/proc/self/stat
 * field 22), or 0 when it cannot be read (then no child is exempt: the
 * kernel side compares both). */
static __u64 self_start_ticks(void)
{
	char buf[1024];
	FILE *f = fopen("/proc/self/stat", "re");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')'); /* the command name may hold spaces */
	unsigned long long start = 0;
	/* after ") ": state, then fields 4..21, then starttime (22) */
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
			 "%*d %*d %*d %llu",
			 &start) != 1)
		return 0;
	return start;
}

static void fill_head(const struct policy *p, const char *cgroup_path, __u64 cgroup_id,
		      __u32 generation, struct pol_head *h)
{
	memset(h, 0, sizeof(*h));
	h->in_use = 1;
	h->monitor = p->mode == POLICY_MONITOR;
	h->sections = sections_of(p);
	h->net_default_allow = p->net.def == POLICY_ALLOW;
	h->negress = p->net.negress;
	h->nbind = p->net.nbind;
	h->file_default_access = p->files.def_access;
	h->nfiles = p->files.nrules;
	h->exec_default_allow = p->exec.def == POLICY_ALLOW;
	h->nexecs = p->exec.nrules;
	for (__u32 i = 0; i < p->net.nfamilies; i++)
		if (p->net.families[i].family < 64)
			h->family_index[p->net.families[i].family] = (__u16)(i + 1);
	h->generation = generation;
	h->cgroup_id = cgroup_id;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	h->applied_ns = (__u64)now.tv_sec * 1000000000ull + (__u64)now.tv_nsec;
	snprintf(h->cgroup_path, sizeof(h->cgroup_path), "%.*s", (int)sizeof(h->cgroup_path) - 1,
		 cgroup_path);
	snprintf(h->source, sizeof(h->source), "%.*s", (int)sizeof(h->source) - 1, p->source);
	/* this process: a child it starts into the cgroup (sabpf run) may set up
	 * its mounts until it execs; its start time (field 22 of /proc/self/stat)
	 * tells it apart from a later process with the same pid */
	h->applier_start_ticks = self_start_ticks();
	h->applier_tgid = h->applier_start_ticks ? (__u32)getpid() : 0;
}

/* ---- links -------------------------------------------------------------- */

static void link_pin_path(char *buf, size_t len, __u64 cgroup_id, const char *hook)
{
	snprintf(buf, len, "%s/%llu/%s", LINKS_DIR, (unsigned long long)cgroup_id, hook);
}

static bool link_is_pinned(__u64 cgroup_id, const char *hook)
{
	char path[PATH_MAX];
	link_pin_path(path, sizeof(path), cgroup_id, hook);
	return access(path, F_OK) == 0;
}

/* Unpinning the last reference to a link detaches its program. */
static void unpin_link(__u64 cgroup_id, const char *hook)
{
	char path[PATH_MAX];
	link_pin_path(path, sizeof(path), cgroup_id, hook);
	unlink(path);
}

/* Attaches the hooks in `needed` the cgroup does not have yet; *added gets
 * the bits of those it attached (for an undo). */
static int attach_hooks(struct policy_bpf *skel, int cgroup_fd, __u64 cgroup_id, unsigned needed,
			unsigned *added, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%llu", LINKS_DIR, (unsigned long long)cgroup_id);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return fail(err, errlen, "cannot create %s: %s", dir, strerror(errno));
	*added = 0;
	for (size_t i = 0; i < NHOOKS; i++) {
		if (!((needed >> i) & 1) || link_is_pinned(cgroup_id, hooks[i].name))
			continue;
		struct bpf_program *prog =
		    bpf_object__find_program_by_name(skel->obj, hooks[i].program);
		struct bpf_link *link = prog ? bpf_program__attach_cgroup(prog, cgroup_fd) : NULL;
		if (!link) {
			int e = errno;
			return fail(err, errlen, "cannot attach %s/%s: %s%s",
				    hooks[i].lsm ? "lsm_cgroup" : "cgroup", hooks[i].name,
				    strerror(e),
				    e == E2BIG ? " (the kernel's budget of 10 lsm_cgroup hooks is "
						 "used up; `sabpf policy show` lists what holds it)"
					       : "");
		}
		char path[PATH_MAX];
		link_pin_path(path, sizeof(path), cgroup_id, hooks[i].name);
		int rc = bpf_link__pin(link, path);
		bpf_link__destroy(link); /* the pin keeps it */
		if (rc)
			return fail(err, errlen, "cannot pin %s: %s", path, strerror(-rc));
		*added |= 1u << i;
	}
	return 0;
}

/* The hooks of one backend (lsm: the LSM backend's) that the sections need. */
static unsigned hooks_needed(__u32 sections, bool lsm)
{
	unsigned bits = 0;
	for (size_t i = 0; i < NHOOKS; i++)
		if ((hooks[i].sections & sections) && hooks[i].lsm == lsm)
			bits |= 1u << i;
	return bits;
}

/* ---- what the trace backend cannot enforce ------------------------------ */

int enforce_trace_refusal(const struct policy *p, const char *why, char *err, size_t errlen)
{
	struct {
		bool present;
		const char *what;
		struct policy_origin at;
	} lsm_only[] = {
	    {p->net.present && p->net.families_listed,
	     "network.families (sockets of every family but inet and inet6 pass no cgroup-bpf "
	     "hook)",
	     p->net.families_origin},
	    {p->files.present, "files", p->files.def_origin},
	    {p->exec.present, "exec", p->exec.def_origin},
	};
	char more[256] = "";
	int first = -1;
	for (int i = 0; i < (int)(sizeof(lsm_only) / sizeof(lsm_only[0])); i++) {
		if (!lsm_only[i].present)
			continue;
		if (first < 0) {
			first = i;
			continue;
		}
		size_t l = strlen(more);
		snprintf(more + l, sizeof(more) - l, "%s%s at %u:%u",
			 l ? ", " : " (so do: ", lsm_only[i].what, lsm_only[i].at.line,
			 lsm_only[i].at.column);
	}
	if (first < 0)
		return 0;
	if (more[0])
		snprintf(more + strlen(more), sizeof(more) - strlen(more), ")");
	if (!why || !why[0])
		why = "--backend trace";
	const char *remedy = strstr(why, "; remedy:"); /* the doctor's reason, not its advice */
	int why_len = remedy ? (int)(remedy - why) : (int)strlen(why);
	return fail(err, errlen,
		    "%s:%u:%u: %s needs the BPF LSM backend (lsm); this host runs trace: %.*s%s; "
		    "the trace backend enforces only network egress and bind rules "
		    "(docs/backends.md)",
		    p->source, lsm_only[first].at.line, lsm_only[first].at.column,
		    lsm_only[first].what, why_len > 600 ? 600 : why_len, why, more);
}

/* ---- apply, remove, show ------------------------------------------------ */

struct target {
	char path[PATH_MAX];
	__u64 id;
};

static int resolve_cgroup(const char *cgroup, struct target *t, char *err, size_t errlen)
{
	char why[512];
	if (cgroup_id_of_path(cgroup, &t->id, t->path, sizeof(t->path), why, sizeof(why)))
		return fail(err, errlen, "%s", why);
	return 0;
}

/* The slot the cgroup is bound to, or -1. */
static int bound_slot(struct policy_bpf *skel, __u64 cgroup_id, struct pol_binding *b)
{
	return bpf_map__lookup_elem(skel->maps.pol_bind, &cgroup_id, sizeof(cgroup_id), b,
				    sizeof(*b), 0);
}

/* Takes the policy off cgroup id: unbinds it, drops its links, frees its
 * slot. */
static void unbind(struct policy_bpf *skel, __u64 id, __u32 slot)
{
	bpf_map__delete_elem(skel->maps.pol_bind, &id, sizeof(id), 0);
	for (size_t i = 0; i < NHOOKS; i++)
		unpin_link(id, hooks[i].name);
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%llu", LINKS_DIR, (unsigned long long)id);
	rmdir(dir);
	usleep(50 * 1000); /* let programs still reading the slot finish */
	free_slot(skel, slot);
}

/* Frees the slots whose cgroup no longer exists (removed without `policy
 * remove`: the kernel detached their links at rmdir, nothing can run under
 * them any more, and cgroup ids are never reused). Only a cgroup the
 * kernel says is gone counts: one it cannot tell about keeps its slot. */
static void reclaim_gone(struct policy_bpf *skel)
{
	for (__u32 s = 0; s < POL_SLOTS; s++) {
		struct pol_head h;
		struct pol_binding b;
		if (bpf_map__lookup_elem(skel->maps.pol_heads, &s, sizeof(s), &h, sizeof(h), 0) ||
		    !h.in_use || cgroup_id_exists(h.cgroup_id) != 0)
			continue;
		if (bound_slot(skel, h.cgroup_id, &b) == 0 && b.slot == s)
			unbind(skel, h.cgroup_id, s);
		else
			free_slot(skel, s); /* not bound: left by an apply that died */
	}
}

static int apply_locked(struct policy_bpf *skel, const struct policy *p, const struct target *t,
			bool lsm, char *err, size_t errlen)
{
	reclaim_gone(skel);
	unsigned needed = hooks_needed(sections_of(p), lsm);
	struct pol_binding old;
	bool had = bound_slot(skel, t->id, &old) == 0;
	struct pol_head head;
	__u32 slot;
	if (find_free_slot(skel, &slot))
		return fail(err, errlen,
			    "%d policies are applied already, the most at once; "
			    "remove one with `sabpf policy remove`",
			    POL_SLOTS);
	fill_head(p, t->path, t->id, had ? old.generation + 1 : 1, &head);
	if (target_identity(p, t->path, &head, err, errlen))
		return -1;
	if (lsm && check_budget(needed, err, errlen))
		return -1;
	unsigned added = 0;
	int cgroup_fd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgroup_fd < 0)
		return fail(err, errlen, "cannot open %s: %s", t->path, strerror(errno));
	if (write_rules(skel, p, slot, err, errlen) ||
	    bpf_map__update_elem(skel->maps.pol_heads, &slot, sizeof(slot), &head, sizeof(head),
				 0) ||
	    attach_hooks(skel, cgroup_fd, t->id, needed, &added, err, errlen))
		goto undo;
	struct pol_binding now = {.slot = slot, .generation = head.generation};
	if (bpf_map__update_elem(skel->maps.pol_bind, &t->id, sizeof(t->id), &now, sizeof(now),
				 0)) {
		fail(err, errlen, "cannot bind the policy to %s: %s", t->path, strerror(errno));
		goto undo;
	}
	close(cgroup_fd);
	/* the new policy holds; drop what only the old one needed */
	for (size_t i = 0; i < NHOOKS; i++)
		if (!((needed >> i) & 1))
			unpin_link(t->id, hooks[i].name);
	if (had) {
		usleep(50 * 1000); /* let programs still reading the old slot finish */
		free_slot(skel, old.slot);
	}
	return 0;
undo:
	for (size_t i = 0; i < NHOOKS; i++)
		if ((added >> i) & 1)
			unpin_link(t->id, hooks[i].name);
	if (!had) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s/%llu", LINKS_DIR, (unsigned long long)t->id);
		rmdir(dir);
	}
	free_slot(skel, slot);
	close(cgroup_fd);
	return -1;
}

int enforce_apply_on(const struct policy *p, const char *cgroup, enum enforce_backend backend,
		     const char *why, char *err, size_t errlen)
{
	char reason[768] = "";
	if (backend == ENFORCE_AUTO) {
		backend = doctor_require(reason, sizeof(reason)) == 0 ? ENFORCE_LSM : ENFORCE_TRACE;
		why = reason;
	}
	bool lsm = backend == ENFORCE_LSM;
	if (!lsm && enforce_trace_refusal(p, why, err, errlen))
		return -1;
	struct target t;
	if (resolve_cgroup(cgroup ? cgroup : p->cgroup, &t, err, errlen) ||
	    prepare_bpffs(err, errlen))
		return -1;
	int lock = take_lock(err, errlen);
	if (lock < 0)
		return -1;
	struct policy_bpf *skel = open_skeleton(hooks_needed(sections_of(p), lsm), err, errlen);
	int rc = skel ? apply_locked(skel, p, &t, lsm, err, errlen) : -1;
	policy_bpf__destroy(skel);
	close(lock);
	return rc;
}

int enforce_apply(const struct policy *p, const char *cgroup, char *err, size_t errlen)
{
	return enforce_apply_on(p, cgroup, ENFORCE_AUTO, NULL, err, errlen);
}

int enforce_remove(const char *cgroup, char *err, size_t errlen)
{
	struct target t;
	if (resolve_cgroup(cgroup, &t, err, errlen) || prepare_bpffs(err, errlen))
		return -1;
	int lock = take_lock(err, errlen);
	if (lock < 0)
		return -1;
	struct policy_bpf *skel = open_skeleton(0, err, errlen);
	int rc = -1;
	struct pol_binding b;
	if (!skel)
		goto out;
	rc = 1;
	if (bound_slot(skel, t.id, &b)) {
		fail(err, errlen, "no policy is applied to %s", t.path);
		goto out;
	}
	unbind(skel, t.id, b.slot);
	rc = 0;
out:
	policy_bpf__destroy(skel);
	close(lock);
	return rc;
}

int enforce_remove_id(__u64 cgroup_id, char *err, size_t errlen)
{
	if (cgroup_id_exists(cgroup_id) == 1)
		return fail(err, errlen,
			    "cgroup id %llu still exists: its policy is removed by its path "
			    "(sabpf policy remove --cgroup PATH)",
			    (unsigned long long)cgroup_id);
	if (prepare_bpffs(err, errlen))
		return -1;
	int lock = take_lock(err, errlen);
	if (lock < 0)
		return -1;
	struct policy_bpf *skel = open_skeleton(0, err, errlen);
	int rc = -1;
	struct pol_binding b;
	if (skel && bound_slot(skel, cgroup_id, &b)) {
		rc = 1;
		fail(err, errlen, "no policy is bound to cgroup id %llu",
		     (unsigned long long)cgroup_id);
	} else if (skel) {
		unbind(skel, cgroup_id, b.slot);
		rc = 0;
	}
	policy_bpf__destroy(skel);
	close(lock);
	return rc;
}

static const char *sections_text(__u32 s, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", s & POL_HAS_NET ? "network " : "",
		 s & POL_HAS_FAMILIES ? "families " : "", s & POL_HAS_FILES ? "files " : "",
		 s & POL_HAS_EXEC ? "exec " : "");
	size_t l = strlen(buf);
	if (l)
		buf[l - 1] = '\0';
	return buf;
}

/* One applied policy, as text in b, or as a JSON object through w when w
 * is not NULL. */
static void show_one(struct jbuf *b, struct jw *w, __u64 cgroup_id, const struct pol_binding *bind,
		     const struct pol_head *h)
{
	char secs[64], line[1024];
	sections_text(h->sections, secs, sizeof(secs));
	const char *mode = h->monitor ? "monitor" : "enforce";
	if (!w) {
		snprintf(line, sizeof(line),
			 "%s (cgroup id %llu): %s, %s mode, generation %u, sections: %s\n  hooks:",
			 h->cgroup_path, (unsigned long long)cgroup_id, h->source, mode,
			 bind->generation, secs);
		jbuf_puts(b, line);
		for (size_t i = 0; i < NHOOKS; i++) {
			if (link_is_pinned(cgroup_id, hooks[i].name)) {
				jbuf_putc(b, ' ');
				jbuf_puts(b, hooks[i].name);
			}
		}
		jbuf_putc(b, '\n');
		return;
	}
	jw_object_begin(w);
	jw_key_cstr(w, "cgroup", h->cgroup_path);
	jw_key_u64(w, "cgroup_id", cgroup_id);
	jw_key_cstr(w, "source", h->source);
	jw_key_cstr(w, "mode", mode);
	jw_key_u64(w, "generation", bind->generation);
	jw_key_cstr(w, "sections", secs);
	jw_key(w, "hooks");
	jw_array_begin(w);
	for (size_t i = 0; i < NHOOKS; i++)
		if (link_is_pinned(cgroup_id, hooks[i].name))
			jw_cstr(w, hooks[i].name);
	jw_array_end(w);
	jw_object_end(w);
}

int enforce_show(FILE *out, bool json, char *err, size_t errlen)
{
	__u32 used[64];
	int nused = hooks_in_use(used, 64);
	int bind_fd = bpf_obj_get(ENFORCE_PIN_ROOT "/pol_bind");
	int heads_fd = bpf_obj_get(ENFORCE_PIN_ROOT "/pol_heads");
	struct jbuf b;
	struct jw w;
	char line[128];
	jbuf_init(&b);
	jw_init(&w, &b);
	if (json) {
		jw_object_begin(&w);
		jw_key_s64(&w, "hook_budget", hook_budget());
		jw_key_s64(&w, "hooks_in_use", nused);
		jw_key(&w, "policies");
		jw_array_begin(&w);
	} else {
		snprintf(line, sizeof(line), "lsm_cgroup hooks in use system-wide: %d of %d\n",
			 nused, hook_budget());
		jbuf_puts(&b, line);
	}
	int count = 0;
	__u64 key, next;
	const __u64 *prev = NULL;
	while (bind_fd >= 0 && heads_fd >= 0 && bpf_map_get_next_key(bind_fd, prev, &next) == 0) {
		struct pol_binding bind;
		struct pol_head h;
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(bind_fd, &key, &bind) ||
		    bpf_map_lookup_elem(heads_fd, &bind.slot, &h))
			continue;
		show_one(&b, json ? &w : NULL, key, &bind, &h);
		count++;
	}
	if (json) {
		jw_array_end(&w);
		jw_object_end(&w);
		jw_newline(&w);
	} else if (!count) {
		jbuf_puts(&b, "no policy applied\n");
	}
	int rc = jw_check(&w);
	if (rc)
		fail(err, errlen, "out of memory");
	else
		fwrite(b.data, 1, b.len, out);
	jbuf_free(&b);
	if (bind_fd >= 0)
		close(bind_fd);
	if (heads_fd >= 0)
		close(heads_fd);
	return rc;
}
