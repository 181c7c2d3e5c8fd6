/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_doctor.c: unit tests of doctor.c. The expected verdict of each probe
 * is measured here independently (the test loads its own lsm/ program,
 * creates its own ring buffer, ...), so the tests hold on this host, where
 * the kernel refuses lsm programs, and on a kernel that runs them. Also
 * checks that the probes leave no program and no cgroup behind, and that
 * bpffs and securityfs get mounted when absent (in a private mount
 * namespace, so the host is untouched). Runs as root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "doctor.h"

#define TRAMPOLINE_TEXT "this kernel refuses BPF trampoline programs"
#define VM_TEXT                                                                                    \
	"the LSM integration tests and the demo run in the test VM instead: `make test`, "         \
	"`scripts/demo.sh`"
#define PROBE_COUNT 12

/* The output of one doctor_run and its return value. */
static char *doctor_out;
static int doctor_rc;

static int setup(void **state)
{
	size_t len = 0;
	FILE *f = open_memstream(&doctor_out, &len);

	(void)state;
	if (!f)
		return -1;
	doctor_rc = doctor_run(f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(doctor_out);
	return 0;
}

/* The output line of the probe named what, copied into line ("" if none). */
static void probe_line(const char *what, char *line, size_t len)
{
	const char *s = doctor_out;

	line[0] = '\0';
	while (s && *s) {
		const char *end = strchr(s, '\n');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		const char *name = s + 6; /* after "ok    " or "FAIL  " */

		if (n > 6 && strncmp(name, what, strlen(what)) == 0 && name[strlen(what)] == ' ') {
			snprintf(line, len, "%.*s", (int)n, s);
			return;
		}
		s = end ? end + 1 : NULL;
	}
}

static bool line_ok(const char *line)
{
	return strncmp(line, "ok    ", 6) == 0;
}

static bool line_failed(const char *line)
{
	return strncmp(line, "FAIL  ", 6) == 0;
}

/* errno of loading the same minimal lsm/file_open program, 0 if it loads. */
static int own_lsm_load_error(void)
{
	struct bpf_insn insns[2] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_LSM_MAC);
	int fd, error;

	opts.attach_btf_id = libbpf_find_vmlinux_btf_id("file_open", BPF_LSM_MAC);
	assert_true(opts.attach_btf_id > 0);
	fd = bpf_prog_load(BPF_PROG_TYPE_LSM, "sabpf_t_lsm", "GPL", insns, 2, &opts);
	error = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	return error;
}

static bool kernel_at_least_6_1(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	assert_int_equal(uname(&u), 0);
	assert_int_equal(sscanf(u.release, "%d.%d", &major, &minor), 2);
	return major > 6 || (major == 6 && minor >= 1);
}

static void test_one_line_per_probe_and_exit_code(void **state)
{
	int oks = 0, fails = 0;
	const char *s;

	(void)state;
	for (s = doctor_out; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
		oks += line_ok(s);
		fails += line_failed(s);
	}
	assert_int_equal(oks + fails, PROBE_COUNT);
	if (!fails) {
		assert_int_equal(doctor_rc, 0);
		assert_non_null(strstr(doctor_out, "the agent can run here\n"));
	} else if (doctor_rc == DOCTOR_TRACE_ONLY) {
		assert_non_null(strstr(doctor_out, "backend lsm:   cannot run here"));
		assert_non_null(strstr(doctor_out, "backend trace: can run here"));
		assert_non_null(strstr(doctor_out, "the agent can run here with the trace backend "
						   "only"));
	} else {
		assert_int_equal(doctor_rc, 1);
		assert_non_null(strstr(doctor_out, "the agent cannot run here\n"));
	}
}

static void test_lsm_probes_match_the_kernel(void **state)
{
	char lsm[2048], lsm_cgroup[2048];
	int error = own_lsm_load_error();

	(void)state;
	probe_line("lsm/ program load and attach", lsm, sizeof(lsm));
	probe_line("lsm_cgroup/ program load and attach", lsm_cgroup, sizeof(lsm_cgroup));
	assert_true(lsm[0] && lsm_cgroup[0]);
	if (error == 0) {
		assert_true(line_ok(lsm));
		return;
	}
	/* The kernel refuses lsm programs: the LSM backend cannot run; the
	 * trace backend can where tp_btf/sys_exit loads. */
	assert_true(line_failed(lsm));
	assert_true(doctor_rc == 1 || doctor_rc == DOCTOR_TRACE_ONLY);
	assert_non_null(strstr(doctor_out, "backend lsm:   cannot run here"));
	if (error == EPERM) {
		assert_non_null(strstr(lsm, "Operation not permitted (EPERM), empty verifier log"));
		assert_non_null(strstr(lsm, "; remedy: " TRAMPOLINE_TEXT));
		assert_non_null(strstr(lsm, VM_TEXT));
		/* lsm_cgroup/ goes through the same trampoline. */
		assert_true(line_failed(lsm_cgroup));
		assert_non_null(strstr(lsm_cgroup, TRAMPOLINE_TEXT));
	}
}

/* The trace backend's verdict follows its own probes: a tp_btf/sys_exit
 * program the test loads itself, and the task storage probe. */
static void test_trace_backend_verdict(void **state)
{
	char sys_exit[1024], task[1024];
	struct bpf_insn insns[2] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP);

	(void)state;
	probe_line("tp_btf/sys_exit program", sys_exit, sizeof(sys_exit));
	probe_line("task local storage", task, sizeof(task));
	opts.attach_btf_id = libbpf_find_vmlinux_btf_id("sys_exit", BPF_TRACE_RAW_TP);
	assert_true(opts.attach_btf_id > 0);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "sabpf_t_exit", "GPL", insns, 2, &opts);
	assert_true(fd >= 0 ? line_ok(sys_exit) : line_failed(sys_exit));
	if (fd >= 0)
		close(fd);
	bool trace_ok = line_ok(sys_exit) && line_ok(task);
	if (!trace_ok)
		assert_non_null(strstr(doctor_out, "backend trace: cannot run here"));
	else
		assert_non_null(strstr(doctor_out, "backend trace: can run here"));
	/* exit 1 only when neither backend can run */
	if (doctor_rc == 1)
		assert_false(trace_ok);
	char err[1024];
	assert_int_equal(doctor_require_trace(err, sizeof(err)) == 0, trace_ok);
}

static void test_ringbuf_probe_matches_the_kernel(void **state)
{
	char line[1024];
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "sabpf_t_rb", 0, 0, 4096, NULL);

	(void)state;
	probe_line("BPF ring buffer", line, sizeof(line));
	assert_true(fd >= 0 ? line_ok(line) : line_failed(line));
	if (fd >= 0)
		close(fd);
}

static void test_cgroup2_probe_names_the_mount(void **state)
{
	char line[1024], root[PATH_MAX], err[512];
	struct statfs fs;

	(void)state;
	probe_line("cgroup v2", line, sizeof(line));
	assert_int_equal(cgroup2_root(root, sizeof(root), err, sizeof(err)), 0);
	assert_int_equal(statfs(root, &fs), 0);
	assert_true(fs.f_type == CGROUP2_SUPER_MAGIC);
	assert_true(line_ok(line));
	assert_non_null(strstr(line, root));
}

static void test_kernel_and_mount_probes(void **state)
{
	char line[1024];

	(void)state;
	probe_line("kernel release", line, sizeof(line));
	assert_true(kernel_at_least_6_1() ? line_ok(line) : line_failed(line));
	probe_line("bpffs", line, sizeof(line));
	assert_true(line_ok(line));
	probe_line("securityfs", line, sizeof(line));
	assert_true(line_ok(line));
	probe_line("kernel BTF", line, sizeof(line));
	assert_true(access("/sys/kernel/btf/vmlinux", R_OK) == 0 ? line_ok(line)
								 : line_failed(line));
}

/* True while a BPF program whose name starts with "sabpf_p_" exists. */
static bool probe_program_exists(void)
{
	__u32 id = 0;

	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    strncmp(info.name, "sabpf_p_", 8) == 0) {
			close(fd);
			return true;
		}
		close(fd);
	}
	return false;
}

static void test_nothing_left_behind(void **state)
{
	char root[PATH_MAX], err[512], leftover[PATH_MAX + 64];
	struct timespec tick = {0, 20 * 1000 * 1000};
	struct stat st;
	int tries = 0;

	(void)state;
	/* Freeing a program after its last fd closes may lag a moment. */
	while (probe_program_exists() && tries++ < 100)
		nanosleep(&tick, NULL);
	assert_false(probe_program_exists());
	assert_int_equal(cgroup2_root(root, sizeof(root), err, sizeof(err)), 0);
	snprintf(leftover, sizeof(leftover), "%s/sabpf-doctor-%d", root, (int)getpid());
	assert_int_equal(stat(leftover, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_require_matches_lsm_verdict(void **state)
{
	char err[2048] = "";
	int error = own_lsm_load_error();
	int rc = doctor_require(err, sizeof(err));

	(void)state;
	if (error == 0) {
		assert_int_equal(rc, 0);
		return;
	}
	assert_int_equal(rc, -1);
	assert_true(strncmp(err, "lsm/ program load: ", 19) == 0);
	if (error == EPERM) {
		assert_non_null(strstr(err, "; remedy: " TRAMPOLINE_TEXT));
		assert_non_null(strstr(err, VM_TEXT));
	}
}

static bool mounted(const char *dir, long magic)
{
	struct statfs fs;

	return statfs(dir, &fs) == 0 && fs.f_type == magic;
}

/* In a child with a private mount namespace: unmount bpffs and securityfs,
 * then ensure_kernel_mounts must mount both again. Exit code = failed step. */
static void __attribute__((noreturn)) remount_in_private_namespace(void)
{
	char err[512];

	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		_exit(10);
	while (umount2("/sys/fs/bpf", MNT_DETACH) == 0)
		;
	while (umount2("/sys/kernel/security", MNT_DETACH) == 0)
		;
	if (mounted("/sys/fs/bpf", BPF_FS_MAGIC) ||
	    mounted("/sys/kernel/security", SECURITYFS_MAGIC))
		_exit(11);
	if (ensure_kernel_mounts(err, sizeof(err)) != 0)
		_exit(12);
	if (!mounted("/sys/fs/bpf", BPF_FS_MAGIC))
		_exit(13);
	if (!mounted("/sys/kernel/security", SECURITYFS_MAGIC))
		_exit(14);
	if (ensure_kernel_mounts(err, sizeof(err)) != 0) /* idempotent */
		_exit(15);
	_exit(0);
}

static void test_ensure_kernel_mounts_mounts_when_absent(void **state)
{
	int wstatus = -1;
	pid_t pid;

	(void)state;
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		remount_in_private_namespace();
	assert_int_equal(waitpid(pid, &wstatus, 0), pid);
	assert_true(WIFEXITED(wstatus));
	assert_int_equal(WEXITSTATUS(wstatus), 0);
	/* The host's own mounts are still there. */
	assert_true(mounted("/sys/fs/bpf", BPF_FS_MAGIC));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_line_per_probe_and_exit_code),
	    cmocka_unit_test(test_lsm_probes_match_the_kernel),
	    cmocka_unit_test(test_trace_backend_verdict),
	    cmocka_unit_test(test_ringbuf_probe_matches_the_kernel),
	    cmocka_unit_test(test_cgroup2_probe_names_the_mount),
	    cmocka_unit_test(test_kernel_and_mount_probes),
	    cmocka_unit_test(test_nothing_left_behind),
	    cmocka_unit_test(test_require_matches_lsm_verdict),
	    cmocka_unit_test(test_ensure_kernel_mounts_mounts_when_absent),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
