/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_container.c: unit tests of container.c, run as root on the host:
 * CMD starts as pid 1 inside its cgroup leaf with the container's hostname,
 * exit statuses propagate (exit code, 128+signal, 126/127 for exec
 * failures), leftover processes are killed, names are checked, the leaf is
 * removed on every path, a rootfs is entered, a new network namespace has
 * only loopback, up. A default container has Docker's default capabilities,
 * no_new_privs and a cgroup namespace rooted at its leaf (mount(2) and
 * setuid-root binaries give nothing); a --privileged one keeps the test's
 * full root (the negative controls). The program is also its own helper
 * inside containers: `test_container mount DIR`. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "container.h"

#define BUSYBOX "/bin/busybox"

static char cg_root[256];
static char self_exe[PATH_MAX]; /* this program, the helper inside containers */

/* Docker's default capability set (moby oci/caps/defaults.go) as
 * /proc/PID/status prints it: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID
 * SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE
 * SETFCAP. Spelled out here, not taken from container.h. */
#define DOCKER_CAPS "00000000a80425fb"

/* What one container run produced. */
struct run_result {
	int create_rc, start_rc, wait_rc;
	int status;
	char err[512];
	char output[8192];
	char name[80];
	char cgroup_path[PATH_MAX];
	__u64 cgroup_id;
};

static bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		rc = -errno;
	close(fd);
	return rc;
}

/* Creates, starts and waits for a container with CMD's stdout captured in
 * r->output, then destroys it. */
static void run_captured(const struct container_opts *opts, struct run_result *r)
{
	struct container *c = NULL;
	int out_fd = memfd_create("sabpf-test-out", MFD_CLOEXEC);
	int saved;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	assert_true(out_fd >= 0);
	r->create_rc = container_create(opts, &c, r->err, sizeof(r->err));
	if (r->create_rc != 0) {
		close(out_fd);
		return;
	}
	snprintf(r->name, sizeof(r->name), "%s", container_name(c));
	snprintf(r->cgroup_path, sizeof(r->cgroup_path), "%s", container_cgroup_path(c));
	r->cgroup_id = container_cgroup_id(c);

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(out_fd, STDOUT_FILENO);
	r->start_rc = container_start(c, r->err, sizeof(r->err));
	r->wait_rc = container_wait(c, &r->status, r->start_rc ? NULL : r->err,
				    r->start_rc ? 0 : sizeof(r->err));
	dup2(saved, STDOUT_FILENO);
	close(saved);

	container_destroy(c);
	n = pread(out_fd, r->output, sizeof(r->output) - 1, 0);
	r->output[n > 0 ? n : 0] = '\0';
	close(out_fd);
}

static void run_sh(const char *script, struct run_result *r)
{
	char *argv[] = {"sh", "-c", (char *)script, NULL};
	struct container_opts opts = {.argv = argv};

	run_captured(&opts, r);
}

static int setup(void **state)
{
	char err[512];

	(void)state;
	if (cgroup2_root(cg_root, sizeof(cg_root), err, sizeof(err)) != 0) {
		fprintf(stderr, "cgroup2_root: %s\n", err);
		return -1;
	}
	return 0;
}

static void test_cmd_is_pid1_in_leaf_with_hostname(void **state)
{
	char *argv[] = {"sh", "-c", "echo $$; cat /proc/self/cgroup; hostname", NULL};
	char name[64], expect[PATH_MAX + 64], err[512];
	/* privileged: in the host's cgroup namespace the leaf's path shows */
	struct container_opts opts = {.argv = argv, .name = name, .privileged = true};
	struct run_result r;
	__u64 id = 0;

	(void)state;
	snprintf(name, sizeof(name), "sabpf-t-ns-%d", (int)getpid());
	run_captured(&opts, &r);
	assert_int_equal(r.create_rc, 0);
	assert_int_equal(r.start_rc, 0);
	assert_int_equal(r.wait_rc, 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.name, name);
	snprintf(expect, sizeof(expect), "%s/sabpf/%s", cg_root, name);
	assert_string_equal(r.cgroup_path, expect);
	assert_true(strncmp(r.output, "1\n", 2) == 0);
	snprintf(expect, sizeof(expect), "\n0::/sabpf/%s\n", name);
	assert_non_null(strstr(r.output, expect));
	snprintf(expect, sizeof(expect), "\n%s\n", name);
	assert_non_null(strstr(r.output, expect));
	assert_true(r.cgroup_id > 1);
	/* The leaf is gone after destroy, and its id was the directory's. */
	assert_false(path_exists(r.cgroup_path));
	assert_int_equal(cgroup_id_of_path(r.cgroup_path, &id, NULL, 0, err, sizeof(err)), -1);
}

static void test_id_is_the_leaf_directory_id(void **state)
{
	char *argv[] = {"true", NULL};
	struct container_opts opts = {.argv = argv};
	struct container *c = NULL;
	char err[512], path[PATH_MAX];
	__u64 id = 0;

	(void)state;
	assert_int_equal(container_create(&opts, &c, err, sizeof(err)), 0);
	assert_int_equal(
	    cgroup_id_of_path(container_cgroup_path(c), &id, NULL, 0, err, sizeof(err)), 0);
	assert_true(id == container_cgroup_id(c));
	snprintf(path, sizeof(path), "%s", container_cgroup_path(c));
	/* Destroyed without ever starting: the leaf still goes away. */
	container_destroy(c);
	assert_false(path_exists(path));
}

static void test_generated_names_are_distinct(void **state)
{
	char *argv[] = {"true", NULL};
	struct container_opts opts = {.argv = argv};
	struct container *a = NULL, *b = NULL;
	char err[512], prefix[64], pa[PATH_MAX], pb[PATH_MAX];

	(void)state;
	snprintf(prefix, sizeof(prefix), "sabpf-%d-", (int)getpid());
	assert_int_equal(container_create(&opts, &a, err, sizeof(err)), 0);
	assert_int_equal(container_create(&opts, &b, err, sizeof(err)), 0);
	assert_true(strncmp(container_name(a), prefix, strlen(prefix)) == 0);
	assert_true(strncmp(container_name(b), prefix, strlen(prefix)) == 0);
	assert_string_not_equal(container_name(a), container_name(b));
	snprintf(pa, sizeof(pa), "%s", container_cgroup_path(a));
	snprintf(pb, sizeof(pb), "%s", container_cgroup_path(b));
	assert_true(path_exists(pa) && path_exists(pb));
	container_destroy(a);
	container_destroy(b);
	assert_false(path_exists(pa));
	assert_false(path_exists(pb));
}

static void test_exit_code_propagates(void **state)
{
	struct run_result r;

	(void)state;
	run_sh("exit 3", &r);
	assert_int_equal(r.start_rc, 0);
	assert_int_equal(r.wait_rc, 0);
	assert_int_equal(r.status, 3);
	assert_false(path_exists(r.cgroup_path));
}

/* SIGKILL from outside the container kills CMD: status 128+9. */
static void test_sigkill_from_outside_gives_137(void **state)
{
	char *argv[] = {"sleep", "30", NULL};
	struct container_opts opts = {.argv = argv};
	struct container *c = NULL;
	char err[512], kill_file[PATH_MAX + 16];
	int status = -1;
	time_t t0 = time(NULL);

	(void)state;
	assert_int_equal(container_create(&opts, &c, err, sizeof(err)), 0);
	assert_int_equal(container_start(c, err, sizeof(err)), 0);
	snprintf(kill_file, sizeof(kill_file), "%s/cgroup.kill", container_cgroup_path(c));
	assert_int_equal(write_file(kill_file, "1"), 0);
	assert_int_equal(container_wait(c, &status, err, sizeof(err)), 0);
	assert_int_equal(status, 137);
	assert_true(time(NULL) - t0 < 10);
	container_destroy(c);
}

/* CMD is an init: `kill -9 $$` from inside is ignored by the kernel, so
 * the shell goes on to its exit 5. Documents the pid 1 semantics. */
static void test_pid1_ignores_its_own_sigkill(void **state)
{
	struct run_result r;

	(void)state;
	run_sh("kill -9 $$; exit 5", &r);
	assert_int_equal(r.wait_rc, 0);
	assert_int_equal(r.status, 5);
}

/* A process below CMD killed by a signal: the status CMD reports for it
 * comes through unchanged. */
static void test_signal_status_of_cmd_child(void **state)
{
	struct run_result r;

	(void)state;
	run_sh("sh -c 'kill -9 $$'; exit $?", &r);
	assert_int_equal(r.wait_rc, 0);
	assert_int_equal(r.status, 137);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Runs argv with SIGALRM (handled without SA_RESTART, like the agent's
 * SIGINT handler) arriving every second while container_wait waits. */
static int wait_with_alarms(char **argv, time_t *took)
{
	struct sigaction sa = {.sa_handler = on_alarm}, old;
	struct itimerval every_second = {{1, 0}, {1, 0}}, off = {{0, 0}, {0, 0}};
	struct container_opts opts = {.argv = argv};
	struct container *c = NULL;
	char err[512];
	int status = -1;
	time_t t0 = time(NULL);

	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(container_create(&opts, &c, err, sizeof(err)), 0);
	assert_int_equal(container_start(c, err, sizeof(err)), 0);
	setitimer(ITIMER_REAL, &every_second, NULL);
	assert_int_equal(container_wait(c, &status, err, sizeof(err)), 0);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	container_destroy(c);
	*took = time(NULL) - t0;
	return status;
}

/* An interrupted wait passes SIGTERM on to a CMD that handles it. */
static void test_interrupt_forwards_sigterm(void **state)
{
	char *argv[] = {"sh", "-c", "trap 'exit 7' TERM; sleep 30 & wait", NULL};
	time_t took;

	(void)state;
	assert_int_equal(wait_with_alarms(argv, &took), 7);
	assert_true(took < 10);
}

/* CMD ignores SIGTERM (an init without a handler): the second
 * interruption kills the container. */
static void test_second_interrupt_kills(void **state)
{
	char *argv[] = {"sleep", "30", NULL};
	time_t took;

	(void)state;
	assert_int_equal(wait_with_alarms(argv, &took), 137);
	assert_true(took < 10);
}

static void test_missing_command_is_127(void **state)
{
	char *argv[] = {"sabpf-no-such-command", "x", NULL};
	struct container_opts opts = {.argv = argv};
	struct run_result r;

	(void)state;
	run_captured(&opts, &r);
	assert_int_equal(r.create_rc, 0);
	assert_int_equal(r.start_rc, -1);
	assert_string_equal(r.err, "cannot execute 'sabpf-no-such-command': No such file or "
				   "directory");
	assert_int_equal(r.wait_rc, 0);
	assert_int_equal(r.status, 127);
	assert_false(path_exists(r.cgroup_path));
}

static void test_not_executable_is_126(void **state)
{
	char file[64];
	char *argv[] = {file, NULL};
	struct container_opts opts = {.argv = argv};
	struct run_result r;
	int fd;

	(void)state;
	snprintf(file, sizeof(file), "/tmp/sabpf-test-noexec-%d", (int)getpid());
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	run_captured(&opts, &r);
	unlink(file);
	assert_int_equal(r.start_rc, -1);
	assert_non_null(strstr(r.err, "cannot execute '/tmp/sabpf-test-noexec-"));
	assert_non_null(strstr(r.err, "': Permission denied"));
	assert_int_equal(r.status, 126);
	assert_false(path_exists(r.cgroup_path));
}

/* A background process CMD leaves behind dies with it (pid namespace), and
 * wait returns once the cgroup is empty. */
static void test_background_process_killed_with_cmd(void **state)
{
	struct run_result r;
	time_t t0 = time(NULL);

	(void)state;
	run_sh("sleep 1000 & echo started $!", &r);
	assert_int_equal(r.wait_rc, 0);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.output, "started "));
	assert_true(time(NULL) - t0 < 10);
	assert_false(path_exists(r.cgroup_path));
}

/* A process that joined the cgroup from outside the container is killed
 * by destroy, and the leaf is still removed. */
static void test_destroy_kills_leftover_process(void **state)
{
	char *argv[] = {"true", NULL};
	struct container_opts opts = {.argv = argv};
	struct container *c = NULL;
	char err[512], procs[PATH_MAX + 16], pid_text[16], path[PATH_MAX];
	int wstatus = 0;
	pid_t stray;

	(void)state;
	assert_int_equal(container_create(&opts, &c, err, sizeof(err)), 0);
	stray = fork();
	assert_true(stray >= 0);
	if (stray == 0) {
		execlp("sleep", "sleep", "1000", (char *)NULL);
		_exit(99);
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", container_cgroup_path(c));
	snprintf(pid_text, sizeof(pid_text), "%d", (int)stray);
	assert_int_equal(write_file(procs, pid_text), 0);
	snprintf(path, sizeof(path), "%s", container_cgroup_path(c));
	container_destroy(c);
	assert_int_equal(waitpid(stray, &wstatus, 0), stray);
	assert_true(WIFSIGNALED(wstatus));
	assert_int_equal(WTERMSIG(wstatus), SIGKILL);
	assert_false(path_exists(path));
}

static void test_bad_names_are_refused(void **state)
{
	char *argv[] = {"true", NULL};
	struct container_opts opts = {.argv = argv, .name = "a/b"};
	struct container *c = NULL, *dup = NULL;
	char err[512] = "", name[64], path[PATH_MAX];

	(void)state;
	assert_int_equal(container_create(&opts, &c, err, sizeof(err)), -1);
	assert_null(c);
	assert_non_null(strstr(err, "invalid container name 'a/b' (it contains '/')"));
	opts.name = "..";
	assert_int_equal(container_create(&opts, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid container name '..'"));
	opts.name = "";
	assert_int_equal(container_create(&opts, &c, err, sizeof(err)), -1);

	snprintf(name, sizeof(name), "sabpf-t-dup-%d", (int)getpid());
	opts.name = name;
	assert_int_equal(container_create(&opts, &c, err, sizeof(err)), 0);
	assert_int_equal(container_create(&opts, &dup, err, sizeof(err)), -1);
	assert_null(dup);
	assert_non_null(strstr(err, "is already in use"));
	/* The refused second create left the first one's cgroup alone. */
	snprintf(path, sizeof(path), "%s", container_cgroup_path(c));
	assert_true(path_exists(path));
	container_destroy(c);
	assert_false(path_exists(path));
}

static void test_bad_options_are_refused(void **state)
{
	char *argv[] = {"true", NULL};
	char *empty[] = {NULL};
	struct container_opts opts = {.argv = empty};
	struct container *c = NULL;
	char err[512] = "";
	int status;

	(void)state;
	assert_int_equal(container_create(&opts, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no command given"));
	opts.argv = argv;
	opts.rootfs = "/etc/hostname";
	assert_int_equal(container_create(&opts, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rootfs '/etc/hostname' is not a directory"));
	opts.rootfs = "/nonexistent-sabpf-rootfs";
	assert_int_equal(container_create(&opts, &c, err, sizeof(err)), -1);
	assert_non_null(
	    strstr(err, "rootfs '/nonexistent-sabpf-rootfs': No such file or directory"));
	opts.rootfs = NULL;
	opts.cgroup_parent = "sabpf-no-such-parent";
	assert_int_equal(container_create(&opts, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/sabpf-no-such-parent' does not exist"));
	assert_null(c);
	opts.cgroup_parent = NULL;
	assert_int_equal(container_create(&opts, &c, err, sizeof(err)), 0);
	assert_int_equal(container_wait(c, &status, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "was not started"));
	container_destroy(c);
}

static void test_custom_cgroup_parent(void **state)
{
	char parent[PATH_MAX], rel[64], expect[PATH_MAX + 64];
	struct run_result r;
	char *argv[] = {"cat", "/proc/self/cgroup", NULL};
	struct container_opts opts = {
	    .argv = argv, .cgroup_parent = rel, .name = "inner", .privileged = true};

	(void)state;
	snprintf(rel, sizeof(rel), "sabpf-t-parent-%d", (int)getpid());
	snprintf(parent, sizeof(parent), "%s/%s", cg_root, rel);
	assert_int_equal(mkdir(parent, 0755), 0);
	run_captured(&opts, &r);
	assert_int_equal(r.status, 0);
	snprintf(expect, sizeof(expect), "0::/%s/inner\n", rel);
	assert_non_null(strstr(r.output, expect));
	assert_false(path_exists(r.cgroup_path));
	assert_int_equal(rmdir(parent), 0);
}

/* Makes a tiny rootfs: busybox as sh, ls, cat and hostname, a marker file,
 * and no /proc (the container makes it). */
static void make_rootfs(const char *dir)
{
	static const char *applets[] = {"sh", "ls", "cat", "hostname"};
	char path[PATH_MAX], cmd[PATH_MAX + 64];

	snprintf(cmd, sizeof(cmd), "mkdir -p %s/bin && cp " BUSYBOX " %s/bin/busybox", dir, dir);
	assert_int_equal(system(cmd), 0);
	for (size_t i = 0; i < sizeof(applets) / sizeof(applets[0]); i++) {
		snprintf(path, sizeof(path), "%s/bin/%s", dir, applets[i]);
		assert_int_equal(symlink("busybox", path), 0);
	}
	snprintf(path, sizeof(path), "%s/sabpf-rootfs-marker", dir);
	assert_int_equal(close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)), 0);
}

static void test_rootfs_becomes_root(void **state)
{
	char dir[64], cmd[128];
	char *argv[] = {"/bin/sh", "-c", "ls /; echo pid=$$; cat /proc/self/cgroup", NULL};
	struct container_opts opts = {.argv = argv, .rootfs = dir};
	struct run_result r;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sabpf-test-rootfs-%d", (int)getpid());
	make_rootfs(dir);
	run_captured(&opts, &r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(r.start_rc, 0);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.output, "sabpf-rootfs-marker\n"));
	assert_null(strstr(r.output, "etc\n")); /* the host's / is not visible */
	assert_non_null(strstr(r.output, "pid=1\n"));
	/* a default container: the mounts are made before the capabilities go,
	 * and the cgroup namespace is rooted at the leaf */
	assert_non_null(strstr(r.output, "\n0::/\n"));
	/* The host's /proc is untouched by the container's mounts. */
	assert_true(path_exists("/proc/self/status"));
}

static void test_new_net_has_only_loopback_up(void **state)
{
	char *argv[] = {"ip", "-o", "link", "show", NULL};
	struct container_opts opts = {.argv = argv, .new_net = true};
	struct run_result r;

	(void)state;
	run_captured(&opts, &r);
	assert_int_equal(r.status, 0);
	assert_true(strncmp(r.output, "1: lo: <LOOPBACK,UP,LOWER_UP>", 29) == 0);
	assert_null(strstr(r.output, "\n2: "));
}

/* The value of the "NAME:\t" line of a /proc/PID/status text, in out. */
static void status_field(const char *text, const char *name, char *out, size_t len)
{
	char key[64];
	const char *p;
	size_t n = 0;

	snprintf(key, sizeof(key), "%s:\t", name);
	p = strstr(text, key);
	out[0] = '\0';
	if (!p)
		return;
	if (p != text && p[-1] != '\n')
		return;
	p += strlen(key);
	while (p[n] && p[n] != '\n' && n + 1 < len)
		n++;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* What a container shows of its privileges: its status lines, its
 * /proc/self/cgroup, a mount, and a setuid-root copy of id(1) run as
 * nobody. */
struct priv_view {
	struct run_result r;
	char inh[32], prm[32], eff[32], bnd[32], amb[32], nnp[8];
};

static void run_priv_probe(bool privileged, struct priv_view *v)
{
	char script[4 * PATH_MAX], suid[64], mnt[64], cmd[PATH_MAX + 64];
	char *argv[] = {"sh", "-c", script, NULL};
	struct container_opts opts = {.argv = argv, .privileged = privileged};

	snprintf(suid, sizeof(suid), "/tmp/sabpf-test-suid-id-%d", (int)getpid());
	snprintf(mnt, sizeof(mnt), "/tmp/sabpf-test-mnt-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "cp /usr/bin/id %s && chmod 4755 %s", suid, suid);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(mkdir(mnt, 0755), 0);
	snprintf(script, sizeof(script),
		 "grep -E '^(Cap|NoNewPrivs)' /proc/self/status; cat /proc/self/cgroup; "
		 "%s mount %s; "
		 "echo suid_euid=$(setpriv --reuid=65534 --regid=65534 --clear-groups %s -u)",
		 self_exe, mnt, suid);
	run_captured(&opts, &v->r);
	unlink(suid);
	rmdir(mnt);
	assert_int_equal(v->r.start_rc, 0);
	assert_int_equal(v->r.status, 0);
	status_field(v->r.output, "CapInh", v->inh, sizeof(v->inh));
	status_field(v->r.output, "CapPrm", v->prm, sizeof(v->prm));
	status_field(v->r.output, "CapEff", v->eff, sizeof(v->eff));
	status_field(v->r.output, "CapBnd", v->bnd, sizeof(v->bnd));
	status_field(v->r.output, "CapAmb", v->amb, sizeof(v->amb));
	status_field(v->r.output, "NoNewPrivs", v->nnp, sizeof(v->nnp));
}

/* A default container: exactly Docker's default set in the bounding,
 * permitted and effective sets, nothing inheritable or ambient,
 * no_new_privs, the leaf as cgroup root; mount(2) is EPERM and a
 * setuid-root binary leaves nobody nobody. */
static void test_default_container_is_not_full_root(void **state)
{
	struct priv_view v;

	(void)state;
	run_priv_probe(false, &v);
	assert_string_equal(v.bnd, DOCKER_CAPS);
	assert_string_equal(v.prm, DOCKER_CAPS);
	assert_string_equal(v.eff, DOCKER_CAPS);
	assert_string_equal(v.inh, "0000000000000000");
	assert_string_equal(v.amb, "0000000000000000");
	assert_string_equal(v.nnp, "1");
	assert_non_null(strstr(v.r.output, "\n0::/\n"));
	assert_non_null(strstr(v.r.output, "\nmount=1\n")); /* EPERM */
	assert_non_null(strstr(v.r.output, "\nsuid_euid=65534\n"));
}

/* The negative control: --privileged is the test's own root, unchanged. */
static void test_privileged_container_keeps_full_root(void **state)
{
	char own[8192], bnd[32], expect[PATH_MAX];
	struct priv_view v;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	(void)state;
	assert_true(fd >= 0);
	n = read(fd, own, sizeof(own) - 1);
	close(fd);
	own[n > 0 ? n : 0] = '\0';
	status_field(own, "CapBnd", bnd, sizeof(bnd));
	assert_string_not_equal(bnd, DOCKER_CAPS);
	run_priv_probe(true, &v);
	assert_string_equal(v.bnd, bnd);
	assert_string_equal(v.prm, bnd);
	assert_string_equal(v.eff, bnd);
	assert_string_equal(v.nnp, "0");
	snprintf(expect, sizeof(expect), "\n0::/sabpf/%s\n", v.r.name);
	assert_non_null(strstr(v.r.output, expect));
	assert_non_null(strstr(v.r.output, "\nmount=0\n"));
	assert_non_null(strstr(v.r.output, "\nsuid_euid=0\n"));
}

/* Inside a container: `mount DIR` prints "mount=ERRNO" (0 on success; the
 * mount is undone at once). */
static int helper_main(int argc, char **argv)
{
	int rc;

	errno = 0;
	if (argc == 3 && strcmp(argv[1], "mount") == 0) {
		rc = mount("sabpf-test", argv[2], "tmpfs", MS_NOSUID, "size=64k");
		printf("mount=%d\n", rc == 0 ? 0 : errno);
		if (rc == 0)
			umount2(argv[2], MNT_DETACH);
		return 0;
	}
	fprintf(stderr, "usage: test_container [mount DIR]\n");
	return 2;
}

int main(int argc, char **argv)
{
	ssize_t n;

	if (argc > 1)
		return helper_main(argc, argv);
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0)
		return 1;
	self_exe[n] = '\0';

	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cmd_is_pid1_in_leaf_with_hostname),
	    cmocka_unit_test(test_id_is_the_leaf_directory_id),
	    cmocka_unit_test(test_generated_names_are_distinct),
	    cmocka_unit_test(test_exit_code_propagates),
	    cmocka_unit_test(test_sigkill_from_outside_gives_137),
	    cmocka_unit_test(test_pid1_ignores_its_own_sigkill),
	    cmocka_unit_test(test_signal_status_of_cmd_child),
	    cmocka_unit_test(test_interrupt_forwards_sigterm),
	    cmocka_unit_test(test_second_interrupt_kills),
	    cmocka_unit_test(test_missing_command_is_127),
	    cmocka_unit_test(test_not_executable_is_126),
	    cmocka_unit_test(test_background_process_killed_with_cmd),
	    cmocka_unit_test(test_destroy_kills_leftover_process),
	    cmocka_unit_test(test_bad_names_are_refused),
	    cmocka_unit_test(test_bad_options_are_refused),
	    cmocka_unit_test(test_custom_cgroup_parent),
	    cmocka_unit_test(test_rootfs_becomes_root),
	    cmocka_unit_test(test_new_net_has_only_loopback_up),
	    cmocka_unit_test(test_default_container_is_not_full_root),
	    cmocka_unit_test(test_privileged_container_keeps_full_root),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
