/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* int80.c: makes ia32 system calls (int $0x80) from a 64-bit program, for
 * the trace backend's native test (tests/native/scenarios/10-trace-run.sh).
 *
 *   int80 FORGED WRITTEN
 *
 * Opens FORGED read-only and leaves its descriptor in rdi while making the
 * ia32 getpid (number 20, which is write in the 64-bit table): a backend
 * that dispatched ia32 calls by the 64-bit table would record a write to
 * FORGED. Then writes "int80\n" to WRITTEN with the ia32 write (number 4).
 * Static, non-PIE: its buffer sits below 4 GiB, as ia32 pointers must.
 * Exit 0, or 1 with a message. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static char buf[] = "int80\n";

static long int80(long nr, long bx, long cx, long dx, long di)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(bx), "c"(cx), "d"(dx), "D"(di)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: int80 FORGED WRITTEN\n");
		return 2;
	}
	int forged = open(argv[1], O_RDONLY);
	int written = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (forged < 0 || written < 0) {
		perror("int80: open");
		return 1;
	}
	for (int i = 0; i < 3; i++)
		if (int80(20, 0, 0, 0, forged) <= 0) { /* ia32 getpid, rdi = forged */
			fprintf(stderr, "int80: ia32 getpid failed\n");
			return 1;
		}
	long n = int80(4, written, (long)buf, sizeof(buf) - 1, forged); /* ia32 write */
	if (n != (long)sizeof(buf) - 1) {
		fprintf(stderr, "int80: ia32 write returned %ld\n", n);
		return 1;
	}
	return 0;
}
