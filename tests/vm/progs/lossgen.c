/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* lossgen.c: workloads that make sabpf lose something on purpose, each
 * printing an independent count of what it did (tests/vm/scenarios/40-loss.sh):
 *   lossgen denied N PATH   opens PATH for writing N times (a policy denies
 *                           it); prints "denied=K" (the opens refused, EPERM)
 *                           and "other=K" (any other result)
 *   lossgen hold K DIR      creates and keeps open K files DIR/f0..f{K-1}
 *                           at once, then closes them; prints "held=K"
 *   lossgen trickle N       reads /etc/hostname N times, 2 ms apart
 *   lossgen tree N LEN      makes N nested directories, each named by LEN
 *                           times 'd', from the working directory (relative
 *                           calls: the whole path may exceed PATH_MAX), then
 *                           writes and reads a file f at the bottom
 *   lossgen lockall N DIR   takes every free lock DIR/denial-slot-00.lock ..
 *                           -{N-1}.lock (src/denial_slot.c) with flock, prints
 *                           "locked=K" and holds them until killed: no agent
 *                           can claim a denial slot meanwhile */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int denied(long n, const char *path)
{
	long refused = 0, other = 0;
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			other++;
		} else if (errno == EPERM) {
			refused++;
		} else {
			other++;
		}
	}
	printf("denied=%ld\nother=%ld\n", refused, other);
	return 0;
}

static int hold(long k, const char *dir)
{
	int *fds = calloc(k, sizeof(int));
	char path[4096];
	if (!fds)
		return 1;
	for (long i = 0; i < k; i++) {
		snprintf(path, sizeof(path), "%s/f%ld", dir, i);
		fds[i] = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fds[i] < 0) {
			fprintf(stderr, "lossgen: open %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	for (long i = 0; i < k; i++)
		close(fds[i]);
	free(fds);
	printf("held=%ld\n", k); /* only now: a write names stdout in file_map */
	return 0;
}

static int trickle(long n)
{
	char buf[256];
	struct timespec ts = {0, 2000000};
	for (long i = 0; i < n; i++) {
		int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (read(fd, buf, sizeof(buf)) < 0)
				perror("lossgen: read");
			close(fd);
		}
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int tree(long n, long len)
{
	char name[256];
	if (len < 1 || len > 255)
		return 2;
	memset(name, 'd', len);
	name[len] = '\0';
	for (long i = 0; i < n; i++) {
		if (mkdir(name, 0755) || chdir(name)) {
			fprintf(stderr, "lossgen: level %ld: %s\n", i, strerror(errno));
			return 1;
		}
	}
	int fd = open("f", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "x\n", 2) != 2 || close(fd))
		return 1;
	char buf[8];
	fd = open("f", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, sizeof(buf)) != 2 || close(fd))
		return 1;
	printf("tree=%ld\n", n);
	return 0;
}

static _Noreturn void lockall(long n, const char *dir)
{
	long locked = 0;
	char path[4096];
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/denial-slot-%02ld.lock", dir, i);
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
			locked++;
		else if (fd >= 0)
			close(fd);
	}
	printf("locked=%ld\n", locked);
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "tree") == 0)
		return tree(atol(argv[2]), atol(argv[3]));
	if (argc == 4 && strcmp(argv[1], "denied") == 0)
		return denied(atol(argv[2]), argv[3]);
	if (argc == 4 && strcmp(argv[1], "hold") == 0)
		return hold(atol(argv[2]), argv[3]);
	if (argc == 3 && strcmp(argv[1], "trickle") == 0)
		return trickle(atol(argv[2]));
	if (argc == 4 && strcmp(argv[1], "lockall") == 0)
		lockall(atol(argv[2]), argv[3]);
	fprintf(
	    stderr,
	    "usage: lossgen denied N PATH | hold K DIR | trickle N | tree N LEN | lockall N DIR\n");
	return 2;
}
