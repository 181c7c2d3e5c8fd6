/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* privcheck.c: what a process of a `sabpf run` container may do, for
 * tests/vm/scenarios/10-run.sh (a default container against --privileged):
 *
 *   privcheck ids                 print "uid=R euid=E" (a setuid-root copy
 *                                 shows whether the bit gave it root: unlike
 *                                 busybox, it never drops privilege itself)
 *   privcheck as UID PROG ARGS... drop to UID (groups cleared, gid = UID),
 *                                 then exec PROG
 *   privcheck mount DIR           mount a tmpfs on DIR, unmount it again if that
 *                                 worked
 *
 * Prints "ACTION: ok" or "ACTION: errno=N NAME" and exits 0 (ids: its line);
 * 2 on bad usage, 1 when `as` cannot drop or exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int report(const char *action, int rc)
{
	if (rc == 0)
		printf("%s: ok\n", action);
	else
		printf("%s: errno=%d %s\n", action, errno, strerrorname_np(errno));
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: privcheck ids | as UID PROG [ARGS...] | mount DIR\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "ids") == 0) {
		printf("uid=%d euid=%d\n", (int)getuid(), (int)geteuid());
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "as") == 0) {
		uid_t id = (uid_t)atoi(argv[2]);

		if (setgroups(0, NULL) != 0 || setgid(id) != 0 || setuid(id) != 0) {
			perror("privcheck as");
			return 1;
		}
		execv(argv[3], argv + 3);
		perror("privcheck as: exec");
		return 1;
	}
	if (argc == 3 && strcmp(argv[1], "mount") == 0) {
		int rc = mount("privcheck", argv[2], "tmpfs", MS_NOSUID, "size=64k");

		report("mount", rc);
		if (rc == 0)
			umount2(argv[2], MNT_DETACH);
		return 0;
	}
	return usage();
}
