/* guardprobe.c: tries one action that self-protection (bpf/guard.bpf.c)
 * refuses to audited containers, and prints what the kernel answered, for
 * tests/vm/scenarios/85-guard.sh:
 *
 *   guardprobe bpf                 bpf(BPF_MAP_CREATE) of a one-entry array
 *   guardprobe kill PID            kill(PID, 0)
 *   guardprobe procmem PID         open /proc/PID/mem (a ptrace access check)
 *   guardprobe ptrace PID          PTRACE_SEIZE, then stop and detach at once
 *   guardprobe bpf-grab            every map by id (BPF_MAP_GET_FD_BY_ID): prints how
 *                                  many it got and how many were refused
 *   guardprobe cgmove DIR          write our pid into DIR/cgroup.procs
 *   guardprobe openw FILE          open FILE for writing (O_APPEND), write nothing
 *   guardprobe unlink FILE         unlink FILE
 *   guardprobe truncate FILE       truncate FILE to its size (no change)
 *   guardprobe mkdir DIR | rmdir DIR
 *   guardprobe mount TYPE DIR      mount TYPE on DIR, unmount it again if that worked
 *   guardprobe umount DIR
 *   guardprobe finit FILE          finit_module(FILE)
 *   guardprobe init                init_module() of 64 zero bytes
 *
 * Prints "ACTION ARGS: ok" or "ACTION ARGS: errno=N NAME" and exits 0; 2 on
 * bad usage. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
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

static int mount_and_back(const char *type, const char *dir)
{
	if (mount("none", dir, type, 0, NULL) < 0)
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
	else if (strcmp(op, "mount") == 0 && argc == 4)
		e = mount_and_back(arg, argv[3]);
	else if (strcmp(op, "umount") == 0 && argc == 3)
		e = umount(arg) < 0 ? errno : 0;
	else if (strcmp(op, "finit") == 0 && argc == 3)
		e = finit(arg);
	else if (strcmp(op, "init") == 0)
		e = init();
	else {
		fprintf(stderr, "guardprobe: unknown action or wrong arguments: %s\n", op);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		printf("%s%s", i > 1 ? " " : "", argv[i]);
	if (e)
		printf(": errno=%d %s\n", e, errno_name(e));
	else
		printf(": ok\n");
	return 0;
}
