/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* doctor.c: `sabpf doctor`, what this host can run. Each probe really does
 * the thing the agent needs (loads and attaches a minimal lsm/ program, an
 * lsm_cgroup/ program on a temporary cgroup, a tp_btf/cgroup_mkdir program,
 * creates a ring buffer, ...) and tears it down at once: no program stays
 * attached and no cgroup is left behind. A failing probe says how to fix it.
 *
 * The probe programs are two hand-written instructions ("r0 = N; exit"),
 * loaded with libbpf's low-level API: they only ask the kernel whether it
 * accepts a program of that type at that hook. */
#include "doctor.h"
#include "cgroup.h"
#include "cmd.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>

#define BPFFS_DIR "/sys/fs/bpf"
#define SECURITYFS_DIR "/sys/kernel/security"
#define LSM_LIST_FILE SECURITYFS_DIR "/lsm"
#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"
#define MIN_KERNEL_MAJOR 6
#define MIN_KERNEL_MINOR 1
#define PROBE_HOOK "file_open" /* the LSM hook the probe programs attach to */
#define RINGBUF_PROBE_SIZE (256 * 1024)

#define TRAMPOLINE_REMEDY                                                                          \
	"this kernel refuses BPF trampoline programs (lsm/, lsm_cgroup/, fentry/ and fexit/ "      \
	"loads fail with EPERM and an empty verifier log), so the LSM backend cannot run on this " \
	"host (the trace backend can: --backend trace); the LSM integration tests and the demo "   \
	"run in the test VM instead: `make test`, `scripts/demo.sh`"

/* The outcome of one probe. */
struct probe {
	const char *what; /* the thing checked, as printed */
	bool ok;
	char detail[256]; /* what was seen */
	char remedy[512]; /* how to fix it, for a failure */
};

static void __attribute__((format(printf, 3, 4)))
set_text(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
probe_detail(struct probe *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
probe_remedy(struct probe *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->remedy, sizeof(p->remedy), fmt, ap);
	va_end(ap);
}

/* ---- mounts ------------------------------------------------------------ */

static bool fs_mounted_at(const char *dir, long magic)
{
	struct statfs fs;

	return statfs(dir, &fs) == 0 && fs.f_type == magic;
}

/* Mounts fstype at dir unless it is there already. *mounted_now tells
 * which. Returns 0, or -1 with err. */
static int ensure_fs(const char *dir, long magic, const char *fstype, bool *mounted_now, char *err,
		     size_t errlen)
{
	*mounted_now = false;
	if (fs_mounted_at(dir, magic))
		return 0;
	if (mount(fstype, dir, fstype, MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
		set_text(err, errlen,
			 "%s is not mounted at %s and mounting it failed: %s (as root: "
			 "mount -t %s %s %s)",
			 fstype, dir, strerror(errno), fstype, fstype, dir);
		return -1;
	}
	*mounted_now = true;
	return 0;
}

int ensure_kernel_mounts(char *err, size_t errlen)
{
	bool mounted_now;

	if (ensure_fs(BPFFS_DIR, BPF_FS_MAGIC, "bpf", &mounted_now, err, errlen) != 0)
		return -1;
	return ensure_fs(SECURITYFS_DIR, SECURITYFS_MAGIC, "securityfs", &mounted_now, err, errlen);
}

/* ---- minimal BPF programs --------------------------------------------- */

/* "r0 = ret; exit": a whole program. */
static void return_program(struct bpf_insn insns[2], int ret)
{
	memset(insns, 0, 2 * sizeof(insns[0]));
	insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
	insns[0].dst_reg = BPF_REG_0;
	insns[0].imm = ret;
	insns[1].code = BPF_JMP | BPF_EXIT;
}

/* The last non-empty line of a verifier log, or "" when it is empty. */
static const char *last_log_line(char *log)
{
	char *end = log + strlen(log);

	while (end > log && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	while (end > log && end[-1] != '\n')
		end--;
	return end;
}

/* True when bpf() works for us at all (a plain array map can be created):
 * tells "not privileged" apart from "this program type is refused". */
static bool bpf_syscall_allowed(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sabpf_p_priv", 4, 4, 1, NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Explains a failed load of a program that attaches through a BPF
 * trampoline (lsm/, lsm_cgroup/). */
static void explain_trampoline_load_error(struct probe *p, int error, char *log)
{
	const char *line = last_log_line(log);

	probe_detail(p, "bpf_prog_load: %s (%s)%s%s", strerror(error),
		     error == EPERM ? "EPERM" : "errno",
		     line[0] ? ", verifier: " : ", empty verifier log", line);
	if (error == EPERM && !bpf_syscall_allowed())
		probe_remedy(p, "run as root (the agent needs CAP_BPF, CAP_PERFMON and "
				"CAP_SYS_ADMIN)");
	else if (error == EPERM && !line[0])
		probe_remedy(p, TRAMPOLINE_REMEDY);
	else
		probe_remedy(p,
			     "use Linux >= %d.%d built with CONFIG_BPF_LSM=y, "
			     "CONFIG_BPF_SYSCALL=y, CONFIG_DEBUG_INFO_BTF=y",
			     MIN_KERNEL_MAJOR, MIN_KERNEL_MINOR);
}

/* The BTF id of the LSM hook the probes use; 0 with the probe filled on
 * failure. */
static int lsm_hook_btf_id(struct probe *p, enum bpf_attach_type type)
{
	int id = libbpf_find_vmlinux_btf_id(PROBE_HOOK, type);

	if (id > 0)
		return id;
	p->ok = false;
	probe_detail(p, "no bpf_lsm_" PROBE_HOOK " in the kernel's BTF (%s)", strerror(-id));
	probe_remedy(p, "use a kernel built with CONFIG_BPF_LSM=y and CONFIG_DEBUG_INFO_BTF=y");
	return 0;
}

/* Loads an LSM program at file_open; returns its fd or -1 with p filled. */
static int load_lsm_program(struct probe *p, const char *name, enum bpf_attach_type type, int ret)
{
	char log[4096] = "";
	struct bpf_insn insns[2];
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type, .log_buf = log,
		    .log_size = sizeof(log), .log_level = 1);
	int fd;

	opts.attach_btf_id = lsm_hook_btf_id(p, type);
	if (!opts.attach_btf_id)
		return -1;
	return_program(insns, ret);
	fd = bpf_prog_load(BPF_PROG_TYPE_LSM, name, "GPL", insns, 2, &opts);
	if (fd < 0) {
		p->ok = false;
		explain_trampoline_load_error(p, errno, log);
	}
	return fd;
}

/* ---- the probes -------------------------------------------------------- */

static void probe_kernel_release(struct probe *p)
{
	struct utsname u;
	int major = 0, minor = 0;

	p->what = "kernel release";
	uname(&u);
	sscanf(u.release, "%d.%d", &major, &minor);
	p->ok =
	    major > MIN_KERNEL_MAJOR || (major == MIN_KERNEL_MAJOR && minor >= MIN_KERNEL_MINOR);
	probe_detail(p, "%s (>= %d.%d required)", u.release, MIN_KERNEL_MAJOR, MIN_KERNEL_MINOR);
	probe_remedy(p, "boot Linux >= %d.%d (BPF_LSM_CGROUP, BPF ring buffer, cgroup.kill)",
		     MIN_KERNEL_MAJOR, MIN_KERNEL_MINOR);
}

static void probe_btf(struct probe *p)
{
	struct btf *btf;

	p->what = "kernel BTF";
	btf = btf__load_vmlinux_btf();
	p->ok = btf != NULL;
	if (btf) {
		probe_detail(p, VMLINUX_BTF " parsed (%u types)", btf__type_cnt(btf));
		btf__free(btf);
		return;
	}
	probe_detail(p, "cannot load " VMLINUX_BTF ": %s", strerror(errno));
	probe_remedy(p, "use a kernel built with CONFIG_DEBUG_INFO_BTF=y");
}

static void probe_securityfs(struct probe *p)
{
	char err[256];
	bool mounted_now;

	p->what = "securityfs";
	p->ok = ensure_fs(SECURITYFS_DIR, SECURITYFS_MAGIC, "securityfs", &mounted_now, err,
			  sizeof(err)) == 0;
	if (p->ok) {
		probe_detail(p, "mounted at " SECURITYFS_DIR "%s",
			     mounted_now ? " (mounted it now)" : "");
		return;
	}
	probe_detail(p, "%s", err);
	probe_remedy(p, "run as root on a kernel with CONFIG_SECURITYFS=y");
}

/* Is `bpf` in the comma-separated list of active LSMs? */
static bool lsm_list_has_bpf(const char *list)
{
	const char *s = list;

	while ((s = strstr(s, "bpf")) != NULL) {
		bool starts = s == list || s[-1] == ',';
		bool ends = s[3] == '\0' || s[3] == ',' || s[3] == '\n';

		if (starts && ends)
			return true;
		s += 3;
	}
	return false;
}

static void probe_bpf_lsm_active(struct probe *p)
{
	char list[512] = "";
	FILE *f = fopen(LSM_LIST_FILE, "re");

	p->what = "bpf in the active LSM list";
	if (!f) {
		p->ok = false;
		probe_detail(p, "cannot read " LSM_LIST_FILE ": %s", strerror(errno));
		probe_remedy(p, "mount securityfs (mount -t securityfs securityfs " SECURITYFS_DIR
				") and use a kernel with CONFIG_SECURITY=y, CONFIG_BPF_LSM=y");
		return;
	}
	if (!fgets(list, sizeof(list), f))
		list[0] = '\0';
	fclose(f);
	list[strcspn(list, "\n")] = '\0';
	p->ok = lsm_list_has_bpf(list);
	probe_detail(p, LSM_LIST_FILE ": %s", list[0] ? list : "(empty)");
	probe_remedy(p,
		     "boot with lsm=%s%sbpf on the kernel command line, on a kernel built with "
		     "CONFIG_BPF_LSM=y",
		     list, list[0] ? "," : "");
}

/* Attaches a global LSM program: a BPF link, or on older kernels a raw
 * tracepoint open, which attaches LSM programs too. */
static int attach_lsm_program(int prog_fd)
{
	int fd = bpf_link_create(prog_fd, 0, BPF_LSM_MAC, NULL);

	if (fd < 0 && errno == EINVAL)
		fd = bpf_raw_tracepoint_open(NULL, prog_fd);
	return fd;
}

static void probe_lsm_program(struct probe *p, bool attach)
{
	int prog_fd, link_fd;

	p->what = attach ? "lsm/ program load and attach" : "lsm/ program load";
	p->ok = true;
	prog_fd = load_lsm_program(p, "sabpf_p_lsm", BPF_LSM_MAC, 0);
	if (prog_fd < 0)
		return;
	if (!attach) {
		probe_detail(p, "lsm/" PROBE_HOOK " loaded");
		close(prog_fd);
		return;
	}
	link_fd = attach_lsm_program(prog_fd);
	if (link_fd < 0) {
		p->ok = false;
		probe_detail(p, "lsm/" PROBE_HOOK " loaded but attaching it failed: %s",
			     strerror(errno));
		probe_remedy(p, "boot with bpf in the lsm= list on a kernel with CONFIG_BPF_LSM=y");
	} else {
		probe_detail(p, "lsm/" PROBE_HOOK " loaded, attached and detached");
		close(link_fd);
	}
	close(prog_fd);
}

/* Makes an empty temporary cgroup for the lsm_cgroup probe. */
static int make_probe_cgroup(struct probe *p, char *path, size_t len)
{
	char root[PATH_MAX], err[512];

	if (cgroup2_root(root, sizeof(root), err, sizeof(err)) != 0) {
		probe_detail(p, "%s", err);
		probe_remedy(p, "use a kernel with cgroup v2 (CONFIG_CGROUPS=y) and run as root");
		return -1;
	}
	if ((size_t)snprintf(path, len, "%s/sabpf-doctor-%d", root, (int)getpid()) >= len) {
		probe_detail(p, "cgroup v2 root path %s is too long", root);
		return -1;
	}
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		probe_detail(p, "cannot create the temporary cgroup %s: %s", path, strerror(errno));
		probe_remedy(p, "run as root");
		return -1;
	}
	return 0;
}

static void attach_lsm_cgroup(struct probe *p, int prog_fd, const char *cgroup)
{
	int cg_fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int link_fd = -1;

	if (cg_fd >= 0)
		link_fd = bpf_link_create(prog_fd, cg_fd, BPF_LSM_CGROUP, NULL);
	p->ok = link_fd >= 0;
	if (p->ok) {
		probe_detail(p, "lsm_cgroup/" PROBE_HOOK " attached to a temporary cgroup and "
				"detached");
	} else {
		probe_detail(p,
			     "lsm_cgroup/" PROBE_HOOK " loaded but attaching it to %s failed: %s",
			     cgroup, strerror(errno));
		probe_remedy(p, errno == E2BIG
				    ? "at most 10 LSM hooks can carry per-cgroup programs "
				      "system-wide: detach other lsm_cgroup programs"
				    : "use Linux >= 6.0 with CONFIG_CGROUP_BPF=y");
	}
	if (link_fd >= 0)
		close(link_fd);
	if (cg_fd >= 0)
		close(cg_fd);
}

static void probe_lsm_cgroup_program(struct probe *p)
{
	char cgroup[PATH_MAX];
	int prog_fd;

	p->what = "lsm_cgroup/ program load and attach";
	p->ok = false;
	if (make_probe_cgroup(p, cgroup, sizeof(cgroup)) != 0)
		return;
	/* A per-cgroup LSM program returns 1 to allow. */
	prog_fd = load_lsm_program(p, "sabpf_p_lsmcg", BPF_LSM_CGROUP, 1);
	if (prog_fd >= 0) {
		attach_lsm_cgroup(p, prog_fd, cgroup);
		close(prog_fd);
	}
	if (rmdir(cgroup) != 0) {
		p->ok = false;
		probe_detail(p, "cannot remove the temporary cgroup %s: %s", cgroup,
			     strerror(errno));
		probe_remedy(p, "remove it by hand: rmdir %s", cgroup);
	}
}

/* Loads and attaches a minimal tp_btf/ program at tracepoint tp, then
 * detaches it. */
static void probe_tp_btf(struct probe *p, const char *what, const char *tp)
{
	char log[4096] = "";
	struct bpf_insn insns[2];
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP,
		    .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	int prog_fd, link_fd, id;

	p->what = what;
	p->ok = false;
	id = libbpf_find_vmlinux_btf_id(tp, BPF_TRACE_RAW_TP);
	if (id <= 0) {
		probe_detail(p, "no btf_trace_%s in the kernel's BTF (%s)", tp, strerror(-id));
		probe_remedy(p, "use a kernel built with CONFIG_DEBUG_INFO_BTF=y");
		return;
	}
	opts.attach_btf_id = id;
	return_program(insns, 0);
	prog_fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "sabpf_p_tpbtf", "GPL", insns, 2, &opts);
	if (prog_fd < 0) {
		probe_detail(p, "bpf_prog_load: %s%s%s", strerror(errno),
			     log[0] ? ", verifier: " : "", last_log_line(log));
		probe_remedy(p, "run as root on Linux >= %d.%d with CONFIG_DEBUG_INFO_BTF=y",
			     MIN_KERNEL_MAJOR, MIN_KERNEL_MINOR);
		return;
	}
	link_fd = bpf_raw_tracepoint_open(NULL, prog_fd);
	p->ok = link_fd >= 0;
	if (p->ok) {
		probe_detail(p, "loaded, attached and detached");
		close(link_fd);
	} else {
		probe_detail(p, "loaded but attaching it failed: %s", strerror(errno));
		probe_remedy(p, "use Linux >= %d.%d", MIN_KERNEL_MAJOR, MIN_KERNEL_MINOR);
	}
	close(prog_fd);
}

static void probe_tp_btf_program(struct probe *p)
{
	probe_tp_btf(p, "tp_btf/cgroup_mkdir program", "cgroup_mkdir");
}

/* The trace backend's dispatcher hangs on sys_exit. */
static void probe_sys_exit_program(struct probe *p)
{
	probe_tp_btf(p, "tp_btf/sys_exit program", "sys_exit");
}

/* Task local storage: task nodes of both backends. */
static void probe_task_storage(struct probe *p)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd, btf_fd;
	struct btf *btf = btf__new_empty();

	p->what = "task local storage";
	p->ok = false;
	if (!btf) {
		probe_detail(p, "cannot build BTF for the probe map");
		probe_remedy(p, "out of memory?");
		return;
	}
	/* task storage maps need BTF for their key (int) and value */
	int int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	btf_fd = btf__load_into_kernel(btf) == 0 ? btf__fd(btf) : -1;
	opts.btf_fd = btf_fd;
	opts.btf_key_type_id = int_id;
	opts.btf_value_type_id = int_id + 1;
	fd = bpf_map_create(BPF_MAP_TYPE_TASK_STORAGE, "sabpf_p_task", 4, 8, 0, &opts);
	p->ok = fd >= 0;
	if (p->ok) {
		probe_detail(p, "a task storage map created");
		close(fd);
	} else {
		probe_detail(p, "bpf_map_create(BPF_MAP_TYPE_TASK_STORAGE): %s", strerror(errno));
		probe_remedy(p, "use Linux >= 5.11 with CONFIG_BPF_SYSCALL=y");
	}
	btf__free(btf);
}

static void probe_ringbuf(struct probe *p)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "sabpf_p_rb", 0, 0, RINGBUF_PROBE_SIZE, NULL);

	p->what = "BPF ring buffer";
	p->ok = fd >= 0;
	if (p->ok) {
		probe_detail(p, "a %d KiB ring buffer map created", RINGBUF_PROBE_SIZE / 1024);
		close(fd);
		return;
	}
	probe_detail(p, "bpf_map_create(BPF_MAP_TYPE_RINGBUF): %s", strerror(errno));
	probe_remedy(p, errno == EPERM ? "run as root" : "use Linux >= 5.8 (ring buffer maps)");
}

static void probe_cgroup2(struct probe *p)
{
	char root[PATH_MAX], err[512];

	p->what = "cgroup v2";
	p->ok = cgroup2_root(root, sizeof(root), err, sizeof(err)) == 0;
	if (p->ok) {
		probe_detail(p, "mounted at %s", root);
		return;
	}
	probe_detail(p, "%s", err);
	probe_remedy(p, "use a kernel with cgroup v2 and run as root; sabpf mounts it when absent");
}

static void probe_bpffs(struct probe *p)
{
	char err[256];
	bool mounted_now;

	p->what = "bpffs";
	p->ok = ensure_fs(BPFFS_DIR, BPF_FS_MAGIC, "bpf", &mounted_now, err, sizeof(err)) == 0;
	if (p->ok) {
		probe_detail(p, "mounted at " BPFFS_DIR "%s",
			     mounted_now ? " (mounted it now)" : "");
		return;
	}
	probe_detail(p, "%s", err);
	probe_remedy(p, "run as root on a kernel with CONFIG_BPF_SYSCALL=y");
}

static void probe_lsm_load_and_attach(struct probe *p)
{
	probe_lsm_program(p, true);
}

static void probe_lsm_load_only(struct probe *p)
{
	probe_lsm_program(p, false);
}

/* ---- reports ----------------------------------------------------------- */

typedef void (*probe_fn)(struct probe *p);

#define FOR_LSM 0x1   /* the LSM backend needs it */
#define FOR_TRACE 0x2 /* the trace backend needs it */

/* Every probe of `sabpf doctor`, in the order printed, with the backends
 * that need it. */
static const struct {
	probe_fn fn;
	unsigned backends;
} all_probes[] = {
    {probe_kernel_release, FOR_LSM | FOR_TRACE},
    {probe_btf, FOR_LSM | FOR_TRACE},
    {probe_securityfs, FOR_LSM},
    {probe_bpf_lsm_active, FOR_LSM},
    {probe_cgroup2, FOR_LSM | FOR_TRACE},
    {probe_bpffs, FOR_LSM | FOR_TRACE},
    {probe_ringbuf, FOR_LSM | FOR_TRACE},
    {probe_tp_btf_program, FOR_LSM | FOR_TRACE},
    {probe_lsm_load_and_attach, FOR_LSM},
    {probe_lsm_cgroup_program, FOR_LSM},
    {probe_sys_exit_program, FOR_TRACE},
    {probe_task_storage, FOR_LSM | FOR_TRACE},
};

/* The quick subsets the agent checks before it starts: mounts first, since
 * the LSM list is read through securityfs. */
static const probe_fn required_probes[] = {
    probe_bpffs,	  probe_securityfs, probe_btf,
    probe_bpf_lsm_active, probe_cgroup2,    probe_lsm_load_only,
};
static const probe_fn trace_required_probes[] = {
    probe_bpffs, probe_btf, probe_cgroup2, probe_sys_exit_program, probe_task_storage,
};

static void print_probe(FILE *out, const struct probe *p)
{
	fprintf(out, "%-4s  %-36s %s", p->ok ? "ok" : "FAIL", p->what, p->detail);
	if (!p->ok)
		fprintf(out, "; remedy: %s", p->remedy);
	fputc('\n', out);
}

int doctor_run(FILE *out)
{
	size_t n = sizeof(all_probes) / sizeof(all_probes[0]);
	int failed = 0;
	unsigned broken = 0; /* backends a failed probe rules out */

	for (size_t i = 0; i < n; i++) {
		struct probe p = {0};

		all_probes[i].fn(&p);
		print_probe(out, &p);
		failed += !p.ok;
		if (!p.ok)
			broken |= all_probes[i].backends;
	}
	fprintf(out, "backend lsm:   %s\n",
		broken & FOR_LSM ? "cannot run here (a probe it needs failed)"
				 : "can run here (recording, access control, self-protection)");
	fprintf(out, "backend trace: %s\n",
		broken & FOR_TRACE
		    ? "cannot run here (a probe it needs failed)"
		    : "can run here (tracepoints: recording only, docs/backends.md)");
	if (!failed)
		fprintf(out, "sabpf doctor: all %zu probes passed: the agent can run here\n", n);
	else if (!(broken & FOR_TRACE))
		fprintf(out,
			"sabpf doctor: %d of %zu probes failed: the agent can run here with the "
			"trace backend only (--backend trace, or auto)\n",
			failed, n);
	else
		fprintf(out, "sabpf doctor: %d of %zu probes failed: the agent cannot run here\n",
			failed, n);
	fflush(out);
	if (!(broken & FOR_LSM))
		return 0;
	return broken & FOR_TRACE ? 1 : DOCTOR_TRACE_ONLY;
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	int opt;
	cmd_getopt_reset();
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			printf("usage: sabpf doctor\n  check what this host can run (exit 0: "
			       "every backend, %d: the trace backend only, 1: none)\n",
			       DOCTOR_TRACE_ONLY);
			return 0;
		}
		return cmd_usage_error("sabpf doctor", "takes no options");
	}
	if (optind < argc)
		return cmd_usage_error("sabpf doctor", "unexpected argument '%s'", argv[optind]);
	return doctor_run(stdout);
}

static int require(const probe_fn *probes, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		struct probe p = {0};

		probes[i](&p);
		if (!p.ok) {
			set_text(err, errlen, "%s: %s; remedy: %s", p.what, p.detail, p.remedy);
			return -1;
		}
	}
	return 0;
}

int doctor_require(char *err, size_t errlen)
{
	return require(required_probes, sizeof(required_probes) / sizeof(required_probes[0]), err,
		       errlen);
}

int doctor_require_trace(char *err, size_t errlen)
{
	return require(trace_required_probes,
		       sizeof(trace_required_probes) / sizeof(trace_required_probes[0]), err,
		       errlen);
}
