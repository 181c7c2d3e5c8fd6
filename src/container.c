/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* container.c: the built-in minimal container of `sabpf run`.
 *
 * container_create() makes a cgroup v2 leaf (default parent: <cgroup v2
 * root>/sabpf). The agent registers that cgroup in the kernel's scope map,
 * then container_start() starts CMD with clone3(CLONE_INTO_CGROUP) so CMD is
 * in the cgroup, hence audited, from its first instruction. CMD also gets new
 * pid, mount, uts and ipc namespaces (and optionally a new network namespace
 * with only loopback, up): it is pid 1, its hostname is the container name,
 * its mounts are private, it sees a fresh /proc, and with a rootfs it is
 * pivoted (or, where pivot_root is impossible, chrooted) into it.
 *
 * By default CMD gets what a container runtime gives: right after clone3 put
 * it in the leaf, it unshares a cgroup namespace, so the leaf is its cgroup
 * root (`0::/` in /proc/self/cgroup). Unsharing after the move does not
 * depend on how a kernel roots a CLONE_NEWCGROUP given to clone3 together
 * with CLONE_INTO_CGROUP (namespaces are copied before the child is moved).
 * Last, right before exec, once the mounts that need CAP_SYS_ADMIN are
 * made, it keeps only Docker's default capabilities (bounding, permitted and
 * effective sets; inheritable and ambient empty) and sets no_new_privs, so
 * no exec of a setuid or file-capability binary gives privilege back. With
 * `privileged` none of the three happens: CMD is root with the agent's
 * capabilities in the agent's cgroup namespace, as before --privileged
 * existed.
 *
 * CMD runs as pid 1 of its pid namespace. Like every init, it does not die
 * of signals sent from inside the container for which it installed no
 * handler (`kill -9 $$` in CMD does nothing); signals from outside, such as
 * container_destroy()'s SIGKILL, work. When CMD exits, the kernel kills every
 * other process of the pid namespace.
 *
 * A failure in the child before CMD runs (setup or exec) travels back to the
 * parent as {stage, errno} through a close-on-exec pipe: an empty read means
 * exec succeeded. Exit statuses follow the shell and container runtimes: 127
 * command not found, 126 command not executable, 125 the container itself
 * could not be set up.
 *
 * Everything the child needs is prepared before clone3(): the child only
 * makes system calls, then execs, so it is safe in a multithreaded agent. */
#include "container.h"
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NAME_MAX_LEN 64 /* HOST_NAME_MAX: the name is also the hostname */
#define DEFAULT_PARENT "sabpf"

/* CONTAINER_DEFAULT_CAPS spelled with the kernel's names. */
#define CAPBIT(c) (1ULL << (c))
_Static_assert(CONTAINER_DEFAULT_CAPS ==
		   (CAPBIT(CAP_CHOWN) | CAPBIT(CAP_DAC_OVERRIDE) | CAPBIT(CAP_FSETID) |
		    CAPBIT(CAP_FOWNER) | CAPBIT(CAP_MKNOD) | CAPBIT(CAP_NET_RAW) |
		    CAPBIT(CAP_SETGID) | CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETFCAP) |
		    CAPBIT(CAP_SETPCAP) | CAPBIT(CAP_NET_BIND_SERVICE) | CAPBIT(CAP_SYS_CHROOT) |
		    CAPBIT(CAP_KILL) | CAPBIT(CAP_AUDIT_WRITE)),
	       "CONTAINER_DEFAULT_CAPS is not Docker's default capability set");

#define STATUS_SETUP_FAILED 125
#define STATUS_NOT_EXECUTABLE 126
#define STATUS_NOT_FOUND 127

/* What the child was doing when it failed. */
enum child_stage {
	STAGE_HOSTNAME,
	STAGE_MOUNT_PRIVATE,
	STAGE_LOOPBACK,
	STAGE_ROOTFS_BIND,
	STAGE_ROOTFS_ENTER,
	STAGE_PROC,
	STAGE_CGROUPNS,
	STAGE_CAPS,
	STAGE_NO_NEW_PRIVS,
	STAGE_STDOUT,
	STAGE_EXEC,
};

/* Sent by the child through the report pipe when it fails. */
struct child_report {
	int stage;
	int error;
};

struct container {
	char name[NAME_MAX_LEN + 1];
	char cgroup_path[PATH_MAX];
	__u64 cgroup_id;
	int cgroup_fd; /* the leaf, for CLONE_INTO_CGROUP */
	char *const *argv;
	char rootfs[PATH_MAX]; /* empty: the host's file system */
	bool new_net;
	bool privileged;       /* full root: no cgroup namespace, no capability drop */
	__u64 caps;	       /* the capabilities CMD keeps, unless privileged */
	bool stdout_to_stderr; /* container_stdout_to_stderr() */
	pid_t pid;	       /* CMD; 0 until started */
	bool reaped;	       /* CMD's status has been collected */
	int status;	       /* CMD's exit code or 128+signal, once reaped */
	int interrupts;	       /* signals that interrupted container_wait */
};

static void kill_cgroup_tree(const char *path);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* ---- names and the cgroup leaf ---------------------------------------- */

static bool name_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '_' || ch == '-';
}

/* A name is a cgroup directory name and a hostname: 1 to 64 letters,
 * digits, '.', '_' or '-', starting with a letter or digit. */
static int check_name(const char *name, char *err, size_t errlen)
{
	size_t n = strlen(name);
	bool ok = n > 0 && n <= NAME_MAX_LEN && name[0] != '.' && name[0] != '-' && name[0] != '_';

	for (size_t i = 0; ok && i < n; i++)
		ok = name_char_ok(name[i]);
	if (ok)
		return 0;
	set_err(err, errlen,
		"invalid container name '%s'%s: use 1 to %d letters, digits, '.', '_' or '-', "
		"starting with a letter or digit (it names the cgroup and the hostname)",
		name, strchr(name, '/') ? " (it contains '/')" : "", NAME_MAX_LEN);
	return -1;
}

/* The directory the leaf goes under: the caller's, or <root>/sabpf. */
static int resolve_parent(const char *parent, char *abs_path, size_t len, char *err, size_t errlen)
{
	char root[PATH_MAX], dflt[PATH_MAX + 8];
	__u64 id;

	if (parent)
		return cgroup_id_of_path(parent, &id, abs_path, len, err, errlen);
	if (cgroup2_root(root, sizeof(root), err, errlen) != 0)
		return -1;
	snprintf(dflt, sizeof(dflt), "%s/%s", root, DEFAULT_PARENT);
	if (mkdir(dflt, 0755) != 0 && errno != EEXIST) {
		set_err(err, errlen, "cannot create the cgroup %s: %s (run as root)", dflt,
			strerror(errno));
		return -1;
	}
	return cgroup_id_of_path(dflt, &id, abs_path, len, err, errlen);
}

/* Makes the leaf cgroup: under the given name, or sabpf-<pid>-<n> with the
 * first n not taken. Fills c->name and c->cgroup_path. */
static int make_leaf(struct container *c, const char *parent, const char *name, char *err,
		     size_t errlen)
{
	static unsigned counter;

	for (int tries = 0; tries < 1000; tries++) {
		if (name)
			snprintf(c->name, sizeof(c->name), "%s", name);
		else
			snprintf(c->name, sizeof(c->name), "sabpf-%d-%u", (int)getpid(), counter++);
		if ((size_t)snprintf(c->cgroup_path, sizeof(c->cgroup_path), "%s/%s", parent,
				     c->name) >= sizeof(c->cgroup_path)) {
			set_err(err, errlen, "cgroup path %s/%s is too long", parent, c->name);
			return -1;
		}
		if (mkdir(c->cgroup_path, 0755) == 0)
			return 0;
		if (errno == EEXIST && !name)
			continue;
		if (errno == EEXIST)
			set_err(err, errlen,
				"container name '%s' is already in use: the cgroup %s exists "
				"(choose another name, or remove that cgroup with rmdir)",
				name, c->cgroup_path);
		else
			set_err(err, errlen, "cannot create the cgroup %s: %s", c->cgroup_path,
				strerror(errno));
		return -1;
	}
	set_err(err, errlen, "no free container name under %s", parent);
	return -1;
}

static int check_rootfs(struct container *c, const char *rootfs, char *err, size_t errlen)
{
	struct stat st;

	if (!rootfs) {
		c->rootfs[0] = '\0';
		return 0;
	}
	if (stat(rootfs, &st) != 0) {
		set_err(err, errlen,
			"rootfs '%s': %s (give a directory holding the container's files, "
			"e.g. an unpacked busybox image)",
			rootfs, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		set_err(err, errlen,
			"rootfs '%s' is not a directory (give a directory holding the "
			"container's files)",
			rootfs);
		return -1;
	}
	if (!realpath(rootfs, c->rootfs)) {
		set_err(err, errlen, "rootfs '%s': %s", rootfs, strerror(errno));
		return -1;
	}
	return 0;
}

int container_create(const struct container_opts *opts, struct container **out, char *err,
		     size_t errlen)
{
	char parent[PATH_MAX];
	struct container *c;

	*out = NULL;
	if (!opts->argv || !opts->argv[0] || !opts->argv[0][0]) {
		set_err(err, errlen, "no command given: sabpf run needs a CMD to start");
		return -1;
	}
	if (opts->name && check_name(opts->name, err, errlen) != 0)
		return -1;
	c = calloc(1, sizeof(*c));
	if (!c) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	c->cgroup_fd = -1;
	c->argv = opts->argv;
	c->new_net = opts->new_net;
	c->privileged = opts->privileged;
	if (check_rootfs(c, opts->rootfs, err, errlen) != 0 ||
	    resolve_parent(opts->cgroup_parent, parent, sizeof(parent), err, errlen) != 0 ||
	    make_leaf(c, parent, opts->name, err, errlen) != 0) {
		free(c);
		return -1;
	}
	c->cgroup_fd = open(c->cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->cgroup_fd < 0) {
		set_err(err, errlen, "cannot open the cgroup %s: %s", c->cgroup_path,
			strerror(errno));
		container_destroy(c);
		return -1;
	}
	if (cgroup_id_of_path(c->cgroup_path, &c->cgroup_id, NULL, 0, err, errlen) != 0) {
		container_destroy(c);
		return -1;
	}
	*out = c;
	return 0;
}

__u64 container_cgroup_id(const struct container *c)
{
	return c->cgroup_id;
}

const char *container_cgroup_path(const struct container *c)
{
	return c->cgroup_path;
}

const char *container_name(const struct container *c)
{
	return c->name;
}

/* ---- the child, between clone3() and exec ----------------------------- */

/* Reports the failing stage and errno to the parent, then exits. */
static void __attribute__((noreturn)) child_fail(int report_fd, enum child_stage stage)
{
	struct child_report r = {stage, errno};
	ssize_t n = write(report_fd, &r, sizeof(r));

	(void)n;
	if (stage != STAGE_EXEC)
		_exit(STATUS_SETUP_FAILED);
	_exit(r.error == ENOENT ? STATUS_NOT_FOUND : STATUS_NOT_EXECUTABLE);
}

static int bring_loopback_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = -1;

	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return rc;
}

/* Makes rootfs the root: a bind mount of it becomes / through pivot_root,
 * and the old root is detached. pivot_root is impossible when the current
 * root is the initramfs (EINVAL); then chroot is used, which keeps the old
 * root reachable for a root process that tries hard: documented. */
static void enter_rootfs(const char *rootfs, int report_fd)
{
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) != 0)
		child_fail(report_fd, STAGE_ROOTFS_BIND);
	if (chdir(rootfs) != 0)
		child_fail(report_fd, STAGE_ROOTFS_ENTER);
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		/* The old root is now stacked on top of the new one at "/". */
		if (umount2(".", MNT_DETACH) != 0)
			child_fail(report_fd, STAGE_ROOTFS_ENTER);
	} else if (chroot(".") != 0) {
		child_fail(report_fd, STAGE_ROOTFS_ENTER);
	}
	if (chdir("/") != 0)
		child_fail(report_fd, STAGE_ROOTFS_ENTER);
}

/* Signal dispositions and mask are inherited across exec; CMD should start
 * with defaults whatever the agent had set up. */
static void reset_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Keeps only c->caps: every other capability leaves the bounding set (the
 * loop ends at the kernel's last capability, where PR_CAPBSET_DROP says
 * EINVAL), permitted and effective become c->caps, and inheritable and
 * ambient are emptied (as Docker does since CVE-2022-24769: an inheritable
 * set lets file-inheritable capabilities reach a non-root user's exec).
 * Root's exec keeps exactly the bounding set. Then no_new_privs: setuid and
 * setgid bits and file capabilities give nothing on exec. */
static void drop_privileges(const struct container *c, int report_fd)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	for (int cap = 0; cap < 64; cap++) {
		if (c->caps & CAPBIT(cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
			if (errno == EINVAL)
				break;
			child_fail(report_fd, STAGE_CAPS);
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
		child_fail(report_fd, STAGE_CAPS);
	memset(data, 0, sizeof(data));
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		__u32 word = (__u32)(c->caps >> (32 * i));

		data[i].effective = data[i].permitted = word;
		data[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &hdr, data) != 0)
		child_fail(report_fd, STAGE_CAPS);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		child_fail(report_fd, STAGE_NO_NEW_PRIVS);
}

static void __attribute__((noreturn)) child_main(struct container *c, int report_fd)
{
	reset_signals();
	/* clone3 has put this task in the leaf: the new cgroup namespace is
	 * rooted there. First, while every capability is still there. */
	if (!c->privileged && unshare(CLONE_NEWCGROUP) != 0)
		child_fail(report_fd, STAGE_CGROUPNS);
	if (sethostname(c->name, strlen(c->name)) != 0)
		child_fail(report_fd, STAGE_HOSTNAME);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		child_fail(report_fd, STAGE_MOUNT_PRIVATE);
	if (c->new_net && bring_loopback_up() != 0)
		child_fail(report_fd, STAGE_LOOPBACK);
	if (c->rootfs[0])
		enter_rootfs(c->rootfs, report_fd);
	mkdir("/proc", 0555); /* a rootfs may lack it; EEXIST is the usual case */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		child_fail(report_fd, STAGE_PROC);
	/* CMD inherits stdin, stdout and stderr only; stdout is stderr when
	 * the agent writes records there. */
	if (c->stdout_to_stderr && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		child_fail(report_fd, STAGE_STDOUT);
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	/* Last: the set-up above needs CAP_SYS_ADMIN (mounts, hostname). */
	if (!c->privileged)
		drop_privileges(c, report_fd);
	execvp(c->argv[0], c->argv);
	child_fail(report_fd, STAGE_EXEC);
}

/* ---- the parent -------------------------------------------------------- */

static int decode_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return STATUS_SETUP_FAILED;
}

/* Waits for CMD and records its status. With forward set, an interrupted
 * wait (the agent caught a signal such as SIGINT or SIGTERM) is passed on:
 * the first time as SIGTERM to CMD, which reaches it only when CMD handles
 * SIGTERM (it is an init), the next time as SIGKILL to the whole cgroup, so
 * a second Ctrl-C always ends the run. */
static int reap_cmd(struct container *c, bool forward)
{
	int wstatus;

	if (c->reaped)
		return 0;
	while (waitpid(c->pid, &wstatus, 0) < 0) {
		if (errno != EINTR)
			return -1;
		if (!forward)
			continue;
		if (c->interrupts++ == 0)
			kill(c->pid, SIGTERM);
		else
			kill_cgroup_tree(c->cgroup_path);
	}
	c->reaped = true;
	c->status = decode_status(wstatus);
	return 0;
}

static const char *stage_text(enum child_stage stage)
{
	switch (stage) {
	case STAGE_HOSTNAME:
		return "setting the hostname";
	case STAGE_MOUNT_PRIVATE:
		return "making mounts private";
	case STAGE_LOOPBACK:
		return "bringing up loopback in the new network namespace";
	case STAGE_ROOTFS_BIND:
		return "bind-mounting the rootfs";
	case STAGE_ROOTFS_ENTER:
		return "entering the rootfs (pivot_root, chroot)";
	case STAGE_PROC:
		return "mounting /proc";
	case STAGE_CGROUPNS:
		return "creating the cgroup namespace";
	case STAGE_CAPS:
		return "dropping capabilities to the default set";
	case STAGE_NO_NEW_PRIVS:
		return "setting no_new_privs";
	case STAGE_STDOUT:
		return "sending its standard output to standard error";
	case STAGE_EXEC:
		break;
	}
	return "starting the command";
}

/* Turns the child's report into the caller's message. */
static void report_child_failure(struct container *c, const struct child_report *r, char *err,
				 size_t errlen)
{
	if (r->stage == STAGE_EXEC)
		set_err(err, errlen, "cannot execute '%s': %s", c->argv[0], strerror(r->error));
	else
		set_err(err, errlen, "container setup failed while %s: %s%s", stage_text(r->stage),
			strerror(r->error),
			r->stage == STAGE_PROC && c->rootfs[0] ? " (does the rootfs have /proc?)"
							       : "");
}

/* The agent's permitted capabilities: a container cannot keep more. */
static int agent_permitted(__u64 *out, char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0) {
		set_err(err, errlen, "capget: %s", strerror(errno));
		return -1;
	}
	*out = 0;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		*out |= (__u64)data[i].permitted << (32 * i);
	return 0;
}

static void clone3_error(int error, char *err, size_t errlen)
{
	if (error == ENOSYS || error == E2BIG)
		set_err(err, errlen,
			"clone3 with CLONE_INTO_CGROUP is not supported by this kernel "
			"(%s): Linux >= 5.7 is required",
			strerror(error));
	else
		set_err(err, errlen,
			"clone3 into the cgroup with new namespaces failed: %s "
			"(run as root; the cgroup must be a cgroup v2 leaf)",
			strerror(error));
}

void container_stdout_to_stderr(struct container *c)
{
	c->stdout_to_stderr = true;
}

int container_start(struct container *c, char *err, size_t errlen)
{
	struct clone_args args;
	struct child_report report;
	int pipefd[2];
	ssize_t n;
	long pid;

	if (c->pid != 0) {
		set_err(err, errlen, "container %s was already started", c->name);
		return -1;
	}
	if (!c->privileged) {
		__u64 permitted;

		if (agent_permitted(&permitted, err, errlen) != 0)
			return -1;
		c->caps = CONTAINER_DEFAULT_CAPS & permitted;
	}
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		set_err(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	memset(&args, 0, sizeof(args));
	args.flags = CLONE_INTO_CGROUP | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
	if (c->new_net)
		args.flags |= CLONE_NEWNET;
	args.exit_signal = SIGCHLD;
	args.cgroup = (__u64)c->cgroup_fd;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0) {
		int error = errno;

		close(pipefd[0]);
		close(pipefd[1]);
		clone3_error(error, err, errlen);
		return -1;
	}
	if (pid == 0) {
		close(pipefd[0]);
		child_main(c, pipefd[1]);
	}
	c->pid = (pid_t)pid;
	close(pipefd[1]);
	do
		n = read(pipefd[0], &report, sizeof(report));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == 0)
		return 0; /* exec closed the pipe: CMD runs */
	reap_cmd(c, false);
	if (n != (ssize_t)sizeof(report)) {
		set_err(err, errlen, "lost contact with the container's first process");
		return -1;
	}
	report_child_failure(c, &report, err, errlen);
	return -1;
}

/* ---- waiting, killing, removing --------------------------------------- */

/* 1 when the cgroup (or a descendant) has processes, 0 when empty, -1 when
 * cgroup.events cannot be read. */
static int cgroup_populated(int events_fd)
{
	char buf[256];
	ssize_t n = pread(events_fd, buf, sizeof(buf) - 1, 0);
	const char *p;

	if (n < 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "populated ");
	if (!p)
		return -1;
	return p[10] == '1';
}

/* Waits until the cgroup is empty, at most timeout_ms (-1: forever). The
 * kernel signals changes of cgroup.events with POLLPRI; the poll timeout
 * re-reads it anyway. Returns 0 when empty, -1 otherwise. */
static int wait_cgroup_empty(const char *cgroup_path, long timeout_ms)
{
	char path[PATH_MAX + 16];
	struct pollfd pfd;
	long waited = 0;
	int fd, populated;

	snprintf(path, sizeof(path), "%s/cgroup.events", cgroup_path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	while ((populated = cgroup_populated(fd)) == 1) {
		if (timeout_ms >= 0 && waited >= timeout_ms)
			break;
		pfd.fd = fd;
		pfd.events = POLLPRI;
		poll(&pfd, 1, 100);
		waited += 100;
	}
	close(fd);
	return populated == 0 ? 0 : -1;
}

int container_wait(struct container *c, int *status, char *err, size_t errlen)
{
	if (c->pid == 0) {
		set_err(err, errlen, "container %s was not started", c->name);
		return -1;
	}
	if (reap_cmd(c, true) != 0) {
		set_err(err, errlen, "waiting for the command failed: %s", strerror(errno));
		return -1;
	}
	if (wait_cgroup_empty(c->cgroup_path, -1) != 0) {
		set_err(err, errlen, "cannot read %s/cgroup.events: %s", c->cgroup_path,
			strerror(errno));
		return -1;
	}
	*status = c->status;
	return 0;
}

/* SIGKILLs every process of the cgroup subtree: one write to cgroup.kill
 * (Linux >= 5.14), else each pid of cgroup.procs, here and below. */
static void kill_cgroup_tree(const char *path)
{
	char file[PATH_MAX + 16];
	struct dirent *e;
	FILE *procs;
	DIR *d;
	int fd, pid;

	snprintf(file, sizeof(file), "%s/cgroup.kill", path);
	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = write(fd, "1", 1);

		close(fd);
		if (n == 1)
			return;
	}
	snprintf(file, sizeof(file), "%s/cgroup.procs", path);
	procs = fopen(file, "re");
	if (procs) {
		while (fscanf(procs, "%d", &pid) == 1)
			kill(pid, SIGKILL);
		fclose(procs);
	}
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		kill_cgroup_tree(file);
	}
	closedir(d);
}

/* rmdir of the cgroup and of any cgroups made inside it, deepest first.
 * An rmdir right after the last process died can see EBUSY for a moment. */
static int remove_cgroup_tree(const char *path)
{
	char child[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(path);

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
		remove_cgroup_tree(child);
	}
	closedir(d);
	for (int tries = 0; tries < 200; tries++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -1;
		sleep_ms(10);
	}
	return -1;
}

void container_destroy(struct container *c)
{
	if (!c)
		return;
	kill_cgroup_tree(c->cgroup_path);
	if (c->pid > 0)
		reap_cmd(c, false);
	if (wait_cgroup_empty(c->cgroup_path, 5000) != 0) {
		kill_cgroup_tree(c->cgroup_path);
		wait_cgroup_empty(c->cgroup_path, 2000);
	}
	if (c->cgroup_fd >= 0)
		close(c->cgroup_fd);
	if (c->cgroup_path[0] && remove_cgroup_tree(c->cgroup_path) != 0)
		fprintf(stderr, "sabpf: warning: could not remove the cgroup %s: %s\n",
			c->cgroup_path, strerror(errno));
	free(c);
}
