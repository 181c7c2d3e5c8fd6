/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* guardprobe.c: tries one action that self-protection (bpf/guard.bpf.c)
 * refuses to audited containers, and prints what the kernel answered, for
 * tests/vm/scenarios/85-guard.sh:
 *
 *   guardprobe bpf                 bpf(BPF_MAP_CREATE) of a one-entry array
 *   guardprobe kill PID            kill(PID, 0)
 *   guardprobe procmem PID         open /proc/PID/mem (a ptrace access check)
 *   guardprobe ptrace PID          PTRACE_SEIZE, then stop and detach at once
 *   guardprobe bpfget PATH         bpf(BPF_OBJ_GET) of the object pinned at PATH
 *   guardprobe bpf-grab            every map by id (BPF_MAP_GET_FD_BY_ID): prints how
 *                                  many it got and how many were refused
 *   guardprobe cgmove DIR          write our pid into DIR/cgroup.procs
 *   guardprobe openw FILE          open FILE for writing (O_APPEND), write nothing
 *   guardprobe unlink FILE         unlink FILE
 *   guardprobe truncate FILE       truncate FILE to its size (no change)
 *   guardprobe mkdir DIR | rmdir DIR
 *   guardprobe mount TYPE DIR [OPTS]  mount TYPE on DIR (with OPTS), unmount it again
 *                                  if that worked
 *   guardprobe umount DIR
 *   guardprobe finit FILE          finit_module(FILE)
 *   guardprobe init                init_module() of 64 zero bytes
 *   guardprobe cgput DIR PID       write PID into DIR/cgroup.procs
 *   guardprobe clone3 DIR FILE     clone3(CLONE_INTO_CGROUP) into DIR (an O_RDONLY
 *                                  fd of it); the child creates FILE, writes a line
 *                                  to it and exits; the parent waits
 *   guardprobe writefd FD [TEXT]   write TEXT (nothing: 0 bytes) to inherited fd FD
 *   guardprobe kexec               kexec_load() of no segments (unloads: nothing loaded)
 *   guardprobe kexec-file FILE     kexec_file_load() of FILE, no initramfs
 *   guardprobe nice PID            setpriority(PID) to its current value
 *   guardprobe affinity PID        sched_setaffinity(PID) to its current mask
 *   guardprobe ioprio PID          ioprio_set(PID) to its current value
 *   guardprobe prlimit PID         prlimit(PID, RLIMIT_NOFILE) to its current value
 *
 * Prints "ACTION ARGS: ok" or "ACTION ARGS: errno=N NAME" and exits 0; 2 on
 * bad usage. With GUARD_MARK=FILE set, then appends that line to FILE (an
 * action after the attempt, which the audit must still record). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_bpf_map_create(void)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	int fd = (int)syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int sys_bpf_obj_get(const char *path)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (__u64)(unsigned long)path;
	int fd = (int)syscall(SYS_bpf, BPF_OBJ_GET, &attr, sizeof(attr));
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int seize(pid_t pid)
{
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0)
		return errno;
	ptrace(PTRACE_INTERRUPT, pid, NULL, NULL);
	waitpid(pid, NULL, __WALL);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return 0;
}

/* Tries to open every map of the system by id. */
static int grab_maps(int *got, int *refused)
{
	union bpf_attr attr;
	__u32 id = 0;
	*got = *refused = 0;
	for (;;) {
		memset(&attr, 0, sizeof(attr));
		attr.start_id = id;
		if (syscall(SYS_bpf, BPF_MAP_GET_NEXT_ID, &attr, sizeof(attr)) < 0)
			return errno == ENOENT ? 0 : errno;
		id = attr.next_id;
		memset(&attr, 0, sizeof(attr));
		attr.map_id = id;
		int fd = (int)syscall(SYS_bpf, BPF_MAP_GET_FD_BY_ID, &attr, sizeof(attr));
		if (fd >= 0) {
			(*got)++;
			close(fd);
		} else if (errno == EPERM) {
			(*refused)++;
		}
	}
}

static int open_close(const char *path, int flags)
{
	int fd = open(path, flags);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int cgroup_move(const char *dir)
{
	char path[4096], pid[32];
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	int n = snprintf(pid, sizeof(pid), "%d\n", getpid());
	int e = write(fd, pid, (size_t)n) == n ? 0 : errno;
	close(fd);
	return e;
}

static int mount_and_back(const char *type, const char *dir, const char *opts)
{
	if (mount("none", dir, type, 0, opts) < 0)
		return errno;
	umount(dir);
	return 0;
}

static int truncate_same(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return errno;
	return truncate(path, st.st_size) < 0 ? errno : 0;
}

static int finit(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno;
	int e = syscall(SYS_finit_module, fd, "", 0) < 0 ? errno : 0;
	close(fd);
	return e;
}

static int init(void)
{
	static char image[64];
	return syscall(SYS_init_module, image, sizeof(image), "") < 0 ? errno : 0;
}

static int cgroup_put(const char *dir, const char *pid)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	int e = write(fd, pid, strlen(pid)) == (ssize_t)strlen(pid) ? 0 : errno;
	close(fd);
	return e;
}

static int clone_into(const char *dir, const char *file)
{
	int cfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (cfd < 0)
		return errno;
	struct clone_args args;
	memset(&args, 0, sizeof(args));
	args.flags = CLONE_INTO_CGROUP;
	args.exit_signal = SIGCHLD;
	args.cgroup = (__u64)cfd;
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0) {
		int e = errno;
		close(cfd);
		return e;
	}
	if (pid == 0) {
		int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(1);
		int ok = write(fd, "cloned\n", 7) == 7;
		close(fd);
		_exit(ok ? 0 : 1);
	}
	close(cfd);
	int status;
	if (waitpid((pid_t)pid, &status, 0) < 0)
		return errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : ECHILD;
}

static int write_fd(int fd, const char *text)
{
	size_t n = strlen(text);
	ssize_t w = write(fd, text, n);
	return w == (ssize_t)n ? 0 : w < 0 ? errno : EIO;
}

static int prlimit_same(pid_t pid)
{
	if (pid < 0)
		return ESRCH;
	struct rlimit cur;
	if (prlimit(pid, RLIMIT_NOFILE, NULL, &cur) < 0)
		return errno;
	return prlimit(pid, RLIMIT_NOFILE, &cur, NULL) < 0 ? errno : 0;
}

static int nice_same(pid_t pid)
{
	errno = 0;
	int v = getpriority(PRIO_PROCESS, (id_t)pid);
	if (v == -1 && errno)
		return errno;
	return setpriority(PRIO_PROCESS, (id_t)pid, v) < 0 ? errno : 0;
}

static int affinity_same(pid_t pid)
{
	cpu_set_t set;
	if (sched_getaffinity(pid, sizeof(set), &set) < 0)
		return errno;
	return sched_setaffinity(pid, sizeof(set), &set) < 0 ? errno : 0;
}

static int ioprio_same(pid_t pid)
{
	long v = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, pid);
	if (v < 0)
		return errno;
	return syscall(SYS_ioprio_set, 1, pid, v) < 0 ? errno : 0;
}

static int kexec_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno;
	int e =
	    syscall(SYS_kexec_file_load, fd, -1, 0UL, NULL, 4UL /* NO_INITRAMFS */) < 0 ? errno : 0;
	close(fd);
	return e;
}

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case ENOENT:
		return "ENOENT";
	case ENOEXEC:
		return "ENOEXEC";
	case EINVAL:
		return "EINVAL";
	case EBUSY:
		return "EBUSY";
	case ESRCH:
		return "ESRCH";
	case EBADF:
		return "EBADF";
	case ENOSYS:
		return "ENOSYS";
	case ECHILD:
		return "ECHILD";
	case EKEYREJECTED:
		return "EKEYREJECTED";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	default:
		return "other";
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: guardprobe ACTION ARGS... (see the top of guardprobe.c)\n");
		return 2;
	}
	const char *op = argv[1], *arg = argc > 2 ? argv[2] : "";
	int e;
	if (strcmp(op, "bpf") == 0)
		e = sys_bpf_map_create();
	else if (strcmp(op, "bpfget") == 0 && argc == 3)
		e = sys_bpf_obj_get(arg);
	else if (strcmp(op, "kill") == 0 && argc == 3)
		e = kill(atoi(arg), 0) < 0 ? errno : 0;
	else if (strcmp(op, "procmem") == 0 && argc == 3) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/mem", atoi(arg));
		e = open_close(path, O_RDONLY);
	} else if (strcmp(op, "ptrace") == 0 && argc == 3) {
		e = seize(atoi(arg));
	} else if (strcmp(op, "bpf-grab") == 0) {
		int got, refused;
		e = grab_maps(&got, &refused);
		if (!e) {
			printf("bpf-grab: got=%d refused=%d\n", got, refused);
			return 0;
		}
	} else if (strcmp(op, "cgmove") == 0 && argc == 3)
		e = cgroup_move(arg);
	else if (strcmp(op, "openw") == 0 && argc == 3)
		e = open_close(arg, O_WRONLY | O_APPEND);
	else if (strcmp(op, "unlink") == 0 && argc == 3)
		e = unlink(arg) < 0 ? errno : 0;
	else if (strcmp(op, "truncate") == 0 && argc == 3)
		e = truncate_same(arg);
	else if (strcmp(op, "mkdir") == 0 && argc == 3)
		e = mkdir(arg, 0700) < 0 ? errno : 0;
	else if (strcmp(op, "rmdir") == 0 && argc == 3)
		e = rmdir(arg) < 0 ? errno : 0;
	else if (strcmp(op, "mount") == 0 && (argc == 4 || argc == 5))
		e = mount_and_back(arg, argv[3], argc == 5 ? argv[4] : NULL);
	else if (strcmp(op, "umount") == 0 && argc == 3)
		e = umount(arg) < 0 ? errno : 0;
	else if (strcmp(op, "finit") == 0 && argc == 3)
		e = finit(arg);
	else if (strcmp(op, "init") == 0)
		e = init();
	else if (strcmp(op, "cgput") == 0 && argc == 4)
		e = cgroup_put(arg, argv[3]);
	else if (strcmp(op, "clone3") == 0 && argc == 4)
		e = clone_into(arg, argv[3]);
	else if (strcmp(op, "writefd") == 0 && (argc == 3 || argc == 4))
		e = write_fd(atoi(arg), argc == 4 ? argv[3] : "");
	else if (strcmp(op, "kexec") == 0)
		e = syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL) < 0 ? errno : 0;
	else if (strcmp(op, "kexec-file") == 0 && argc == 3)
		e = kexec_file(arg);
	else if (strcmp(op, "nice") == 0 && argc == 3)
		e = nice_same(atoi(arg));
	else if (strcmp(op, "affinity") == 0 && argc == 3)
		e = affinity_same(atoi(arg));
	else if (strcmp(op, "ioprio") == 0 && argc == 3)
		e = ioprio_same(atoi(arg));
	else if (strcmp(op, "prlimit") == 0 && argc == 3)
		e = prlimit_same(atoi(arg));

	else {
		fprintf(stderr, "guardprobe: unknown action or wrong arguments: %s\n", op);
		return 2;
	}
	char line[512];
	size_t n = 0;
	for (int i = 1; i < argc && n < sizeof(line); i++)
		n +=
		    (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", i > 1 ? " " : "", argv[i]);
	if (n < sizeof(line)) {
		if (e)
			snprintf(line + n, sizeof(line) - n, ": errno=%d %s\n", e, errno_name(e));
		else
			snprintf(line + n, sizeof(line) - n, ": ok\n");
	}
	fputs(line, stdout);
	fflush(stdout);
	const char *mark = getenv("GUARD_MARK");
	if (mark) {
		int fd = open(mark, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0 || write(fd, line, strlen(line)) < 0)
			fprintf(stderr, "guardprobe: cannot write the mark %s: %s\n", mark,
				strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return 0;
}
