/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* int80.c: makes ia32 system calls (int $0x80) from a 64-bit program, for
 * the trace backend's native tests.
 *
 *   int80 FORGED WRITTEN        (tests/native/scenarios/10-trace-run.sh)
 *   int80 cover|cover64 DIR P1 ... P5   (tests/native/scenarios/11-trace-ia32.sh)
 *
 * The first form opens FORGED read-only and leaves its descriptor in rdi
 * while making the ia32 getpid (number 20, which is write in the 64-bit
 * table): a backend that dispatched ia32 calls by the 64-bit table would
 * record a write to FORGED. Then writes "int80\n" to WRITTEN with the ia32
 * write (number 4).
 *
 * `cover` makes, by ia32 calls only, one call of each kind the backend
 * records, on files under DIR and UDP ports P1..P5 of 127.0.0.1 (where
 * the scenario listens), each with arguments the test can tell apart
 * (modes, flags, byte counts): see tests/native/test_trace_ia32.py. The
 * calls whose arguments are structures in user memory use their 32-bit
 * layouts (socketcall's array, compat_msghdr, compat_mmsghdr, the old
 * mmap's mmap_arg_struct).
 *
 * Static, non-PIE: the buffers are globals below 4 GiB, as ia32 pointers
 * must be. Exit 0, or 1 with a message naming the call that failed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static char buf[] = "int80\n";

static long int80(long nr, long bx, long cx, long dx, long si, long di)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(bx), "c"(cx), "d"(dx), "S"(si), "D"(di)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

/* The calls of `cover`, with their ia32 and x86_64 numbers. */
enum call {
	C_read,
	C_write,
	C_open,
	C_close,
	C_link,
	C_unlink,
	C_chmod,
	C_rename,
	C_mkdir,
	C_rmdir,
	C_pipe,
	C_symlink,
	C_mmap,
	C_fchown,
	C_truncate,
	C_setresuid,
	C_sendmmsg,
	C_socket,
	C_sendto,
	C_sendmsg,
	C_connect,
	C_ncalls
};
static const struct {
	long ia32, x64; /* for ia32: the calls named in the comment */
} nrs[C_ncalls] = {
    [C_read] = {3, 0},		/* read */
    [C_write] = {4, 1},		/* write */
    [C_open] = {5, 2},		/* open */
    [C_close] = {6, 3},		/* close */
    [C_link] = {9, 86},		/* link */
    [C_unlink] = {10, 87},	/* unlink */
    [C_chmod] = {15, 90},	/* chmod */
    [C_rename] = {38, 82},	/* rename */
    [C_mkdir] = {39, 83},	/* mkdir */
    [C_rmdir] = {40, 84},	/* rmdir */
    [C_pipe] = {42, 22},	/* pipe */
    [C_symlink] = {83, 88},	/* symlink */
    [C_mmap] = {192, 9},	/* mmap2 */
    [C_fchown] = {95, 93},	/* the 16-bit fchown */
    [C_truncate] = {193, 76},	/* truncate64 */
    [C_setresuid] = {208, 117}, /* setresuid32 */
    [C_sendmmsg] = {345, 307},	/* sendmmsg */
    [C_socket] = {359, 41},	/* socket */
    [C_sendto] = {369, 44},	/* sendto */
    [C_sendmsg] = {370, 46},	/* sendmsg */
    [C_connect] = {362, 42},	/* connect */
};
enum { I_exit = 1, I_getpid = 20, I_old_mmap = 90, I_socketcall = 102, I_clone = 120 };

static int ia32 = 1; /* cover's calls: ia32 (int $0x80), or x86_64 (syscall) */

static long sys(enum call c, long a0, long a1, long a2, long a3, long a4, long a5)
{
	if (ia32)
		return int80(nrs[c].ia32, a0, a1, a2, a3, a4);
	long ret = syscall(nrs[c].x64, a0, a1, a2, a3, a4, a5);
	return ret < 0 ? -errno : ret;
}

struct compat_iovec {
	uint32_t base, len;
};
struct compat_msghdr {
	uint32_t name, namelen, iov, iovlen, control, controllen, flags;
};
struct compat_mmsghdr {
	struct compat_msghdr hdr;
	uint32_t len;
};

static char path[6][256], tmp[256];
static struct sockaddr_in to[6];
static uint32_t scargs[6];
static uint32_t mmap_args[6];
static int fds[2];
static char data[64] = "0123456789abcdefghijklmnopqrstuvwxyz";
static struct compat_iovec iov32[3];
static struct compat_msghdr msg32;
static struct compat_mmsghdr mmsg32[2];
static struct iovec iov64[3];
static struct msghdr msg64;
static struct mmsghdr mmsg64[2];

static void must(long ret, const char *what)
{
	if (ret < 0 && ret > -4096) {
		fprintf(stderr, "int80 cover: %s: %s\n", what, strerror((int)-ret));
		exit(1);
	}
}

#define U32(p) ((long)(uintptr_t)(p))

/* A message of len bytes to `to[port]` in msghdr m (ia32: compat layout). */
static void message(int i, int port, long len, void *m)
{
	if (ia32) {
		struct compat_msghdr *h = m;
		iov32[i].base = (uint32_t)(uintptr_t)data;
		iov32[i].len = (uint32_t)len;
		h->name = (uint32_t)(uintptr_t)&to[port];
		h->namelen = sizeof(struct sockaddr_in);
		h->iov = (uint32_t)(uintptr_t)&iov32[i];
		h->iovlen = 1;
	} else {
		struct msghdr *h = m;
		iov64[i].iov_base = data;
		iov64[i].iov_len = (size_t)len;
		h->msg_name = &to[port];
		h->msg_namelen = sizeof(struct sockaddr_in);
		h->msg_iov = &iov64[i];
		h->msg_iovlen = 1;
	}
}

/* int80 cover|cover64 DIR P1..P5: see the top of this file. cover64 makes
 * the same calls by their x86_64 numbers (syscall(2)), the twin the test
 * compares cover's records with; where ia32 passes a call's arguments in
 * memory (socketcall, the old mmap), cover64 makes the plain call. */
static int cover(char **argv)
{
	const char *dir = argv[2];
	static const char *names[6] = {"a", "b", "link", "sym", "d", "c"};
	for (int i = 0; i < 6; i++)
		snprintf(path[i], sizeof(path[i]), "%s/%s", dir, names[i]);
	for (int i = 1; i <= 5; i++) {
		to[i].sin_family = AF_INET;
		to[i].sin_port = htons((uint16_t)atoi(argv[2 + i]));
		to[i].sin_addr.s_addr = htonl(0x7f000001);
	}
	/* files: create a (open O_WRONLY|O_CREAT|O_TRUNC 0640), write 7 bytes */
	long fd = sys(C_open, U32(path[0]), O_WRONLY | O_CREAT | O_TRUNC, 0640, 0, 0, 0);
	must(fd, "open a");
	must(sys(C_write, fd, U32(data), 7, 0, 0, 0), "write a");
	sys(C_close, fd, 0, 0, 0, 0, 0);
	fd = sys(C_open, U32(path[0]), O_RDONLY, 0, 0, 0, 0);
	must(fd, "open a to read");
	must(sys(C_read, fd, U32(tmp), 5, 0, 0, 0), "read a");
	sys(C_close, fd, 0, 0, 0, 0, 0);
	must(sys(C_rename, U32(path[0]), U32(path[1]), 0, 0, 0, 0), "rename a b");
	must(sys(C_link, U32(path[1]), U32(path[2]), 0, 0, 0, 0), "link b link");
	must(sys(C_symlink, U32(path[1]), U32(path[3]), 0, 0, 0, 0), "symlink b sym");
	must(sys(C_mkdir, U32(path[4]), 0751, 0, 0, 0, 0), "mkdir d");
	must(sys(C_rmdir, U32(path[4]), 0, 0, 0, 0, 0), "rmdir d");
	must(sys(C_chmod, U32(path[1]), 0604, 0, 0, 0, 0), "chmod b");
	must(sys(C_truncate, U32(path[1]), 3, 0, 0, 0, 0), "truncate b");
	fd = sys(C_open, U32(path[1]), O_RDWR, 0, 0, 0, 0);
	must(fd, "open b");
	/* fchown: the owner unchanged (the 16-bit call's 0xffff), group 0 */
	must(sys(C_fchown, fd, ia32 ? 0xffff : -1, 0, 0, 0, 0), "fchown b");
	/* a private read-only map (ia32: the old mmap, its arguments in
	 * memory), then a shared writable one (ia32: mmap2) */
	if (ia32) {
		uint32_t m[6] = {0, 4096, PROT_READ, MAP_PRIVATE, (uint32_t)fd, 0};
		memcpy(mmap_args, m, sizeof(m));
		must(int80(I_old_mmap, U32(mmap_args), 0, 0, 0, 0), "old mmap b");
	} else
		must(sys(C_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, fd, 0), "mmap b");
	must(sys(C_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), "mmap2 b");
	sys(C_close, fd, 0, 0, 0, 0, 0);
	/* c: create, then unlink */
	fd = sys(C_open, U32(path[5]), O_WRONLY | O_CREAT, 0600, 0, 0, 0);
	must(fd, "open c");
	sys(C_close, fd, 0, 0, 0, 0, 0);
	must(sys(C_unlink, U32(path[5]), 0, 0, 0, 0, 0), "unlink c");
	/* a pipe: 11 bytes through it */
	must(sys(C_pipe, U32(fds), 0, 0, 0, 0, 0), "pipe");
	must(sys(C_write, fds[1], U32(data), 11, 0, 0, 0), "write pipe");
	must(sys(C_read, fds[0], U32(tmp), 11, 0, 0, 0), "read pipe");

	/* a UDP socket connected to P1 that sends 13 bytes (ia32: by
	 * socketcall's SYS_SOCKET, SYS_CONNECT and SYS_SEND, the arguments
	 * in an array), then 31 by sendto with no address */
	long s1;
	if (ia32) {
		uint32_t sa[3] = {AF_INET, SOCK_DGRAM, 0};
		memcpy(scargs, sa, sizeof(sa));
		s1 = int80(I_socketcall, 1 /* SYS_SOCKET */, U32(scargs), 0, 0, 0);
		must(s1, "socketcall socket");
		uint32_t ca[3] = {(uint32_t)s1, (uint32_t)(uintptr_t)&to[1], sizeof(to[1])};
		memcpy(scargs, ca, sizeof(ca));
		must(int80(I_socketcall, 3 /* SYS_CONNECT */, U32(scargs), 0, 0, 0), "connect");
		uint32_t sd[4] = {(uint32_t)s1, (uint32_t)(uintptr_t)data, 13, 0};
		memcpy(scargs, sd, sizeof(sd));
		must(int80(I_socketcall, 9 /* SYS_SEND */, U32(scargs), 0, 0, 0), "send");
	} else {
		s1 = sys(C_socket, AF_INET, SOCK_DGRAM, 0, 0, 0, 0);
		must(s1, "socket");
		must(sys(C_connect, s1, U32(&to[1]), sizeof(to[1]), 0, 0, 0), "connect");
		must(sys(C_sendto, s1, U32(data), 13, 0, 0, 0), "send");
	}
	must(sys(C_sendto, s1, U32(data), 31, 0, 0, 0), "sendto (connected)");
	/* another, by the direct calls: socket(AF_INET, SOCK_DGRAM |
	 * SOCK_CLOEXEC, IPPROTO_UDP), 17 bytes to P2 (ia32: socketcall's
	 * SYS_SENDTO, as the direct sendto's sixth argument is ebp), 19 by
	 * sendmsg to P3, then sendmmsg 23 to P4 and 29 to P5 */
	long s2 = sys(C_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP, 0, 0, 0);
	must(s2, "socket");
	if (ia32) {
		uint32_t st[6] = {
		    (uint32_t)s2, (uint32_t)(uintptr_t)data, 17, 0, (uint32_t)(uintptr_t)&to[2],
		    sizeof(to[2])};
		memcpy(scargs, st, sizeof(st));
		must(int80(I_socketcall, 11 /* SYS_SENDTO */, U32(scargs), 0, 0, 0), "sendto");
		message(0, 3, 19, &msg32);
		must(sys(C_sendmsg, s2, U32(&msg32), 0, 0, 0, 0), "sendmsg");
		message(1, 4, 23, &mmsg32[0].hdr);
		message(2, 5, 29, &mmsg32[1].hdr);
		must(sys(C_sendmmsg, s2, U32(mmsg32), 2, 0, 0, 0) == 2 ? 0 : -EIO, "sendmmsg");
	} else {
		must(sys(C_sendto, s2, U32(data), 17, 0, U32(&to[2]), sizeof(to[2])), "sendto");
		message(0, 3, 19, &msg64);
		must(sys(C_sendmsg, s2, U32(&msg64), 0, 0, 0, 0), "sendmsg");
		message(1, 4, 23, &mmsg64[0].msg_hdr);
		message(2, 5, 29, &mmsg64[1].msg_hdr);
		must(sys(C_sendmmsg, s2, U32(mmsg64), 2, 0, 0, 0) == 2 ? 0 : -EIO, "sendmmsg");
	}

	/* process life: a vfork-like clone (CLONE_VM | CLONE_VFORK | SIGCHLD)
	 * whose child exits at once, on the parent's stack, without touching
	 * it: the clone edge's arg is CLONE_VM | CLONE_VFORK (cover64: vfork) */
	long child;
	if (ia32)
		__asm__ volatile("int $0x80\n\t"
				 "test %%eax, %%eax\n\t"
				 "jnz 1f\n\t"
				 "mov $1, %%eax\n\t"
				 "xor %%ebx, %%ebx\n\t"
				 "int $0x80\n\t"
				 "1:"
				 : "=a"(child)
				 : "a"(I_clone), "b"(CLONE_VM | CLONE_VFORK | SIGCHLD), "c"(0),
				   "d"(0), "S"(0), "D"(0)
				 : "memory", "r8", "r9", "r10", "r11");
	else if ((child = vfork()) == 0)
		_exit(0);
	must(child, "clone");
	waitpid((pid_t)child, NULL, 0);
	/* credentials: setresuid to the ids it has (a new version) */
	must(sys(C_setresuid, (long)getuid(), (long)geteuid(), (long)geteuid(), 0, 0, 0),
	     "setresuid");
	printf("cover=done\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 8 && (strcmp(argv[1], "cover") == 0 || strcmp(argv[1], "cover64") == 0)) {
		ia32 = strcmp(argv[1], "cover") == 0;
		return cover(argv);
	}
	if (argc != 3) {
		fprintf(stderr,
			"usage: int80 FORGED WRITTEN | int80 cover|cover64 DIR P1 P2 P3 P4 P5\n");
		return 2;
	}
	int forged = open(argv[1], O_RDONLY);
	int written = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (forged < 0 || written < 0) {
		perror("int80: open");
		return 1;
	}
	for (int i = 0; i < 3; i++)
		if (int80(I_getpid, 0, 0, 0, 0, forged) <= 0) { /* rdi = edi = forged */
			fprintf(stderr, "int80: ia32 getpid failed\n");
			return 1;
		}
	long n = int80(nrs[C_write].ia32, written, U32(buf), sizeof(buf) - 1, 0, forged);
	if (n != (long)sizeof(buf) - 1) {
		fprintf(stderr, "int80: ia32 write returned %ld\n", n);
		return 1;
	}
	return 0;
}
