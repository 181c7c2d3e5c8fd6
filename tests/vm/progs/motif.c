/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* motif.c: makes one system call (or a short, fixed sequence) per case, for
 * the motif validation of tests/integration/test_motifs.py. Each case sets
 * up what it needs, then creates DIR/<case>.begin, makes its system call(s),
 * and creates DIR/<case>.end. The two marker files show up in the capture as
 * inode_create records with those paths, so the checker can slice each
 * case's subgraph out of the whole capture by time. The expected subgraphs
 * are in the JSON files of tests/motifs.
 *
 *   motif all DIR           every case, in table order
 *   motif CASE DIR          one case
 *   motif list              the case names, one a line
 *   motif noop ARGS...      does nothing (the execve case's target)
 *
 * Prints "case=<name> pid=<pid>" per case; exits 0 when every call behaved
 * as expected, 1 with a message naming the case and call if not. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <grp.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mqueue.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/sendfile.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "vmlinux_btf.h"

#define PORT_BASE 6100 /* TCP/UDP ports of the network cases: PORT_BASE + n */

static const char *dir;	      /* where every case's files go */
static const char *case_name; /* the case running, for error messages */
static char self_path[512];   /* this program, for the execve case */

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "motif: case %s: %s: %s\n", case_name, what, strerror(errno));
		exit(1);
	}
}

/* DIR/<case>.<suffix> */
static const char *file_of(const char *suffix)
{
	static char paths[4][512];
	static int next;
	char *p = paths[next++ % 4];
	snprintf(p, sizeof(paths[0]), "%s/%s.%s", dir, case_name, suffix);
	return p;
}

/* Creates DIR/<case>.<which>: the marker the checker slices by. */
static void mark(const char *which)
{
	int fd = open(file_of(which), O_CREAT | O_EXCL | O_WRONLY, 0644);
	check(fd >= 0, which);
	close(fd);
}

static void begin(void)
{
	mark("begin");
}

static void end(void)
{
	mark("end");
}

/* A regular file made by mknod: it exists, but no hook has named it yet,
 * so the case's own call names it. */
static const char *unnamed_file(const char *suffix)
{
	const char *p = file_of(suffix);
	check(mknod(p, S_IFREG | 0644, 0) == 0, "mknod");
	return p;
}

/* A file holding "hello", opened with `flags`. */
static int file_with_data(const char *suffix, int flags)
{
	const char *p = file_of(suffix);
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	check(fd >= 0, "create data file");
	check(write(fd, "hello", 5) == 5, "write data file");
	close(fd);
	fd = open(p, flags);
	check(fd >= 0, "open data file");
	return fd;
}

static void wait_child(pid_t child, int status_expected)
{
	int status;
	check(waitpid(child, &status, 0) == child, "waitpid");
	check(WIFEXITED(status) && WEXITSTATUS(status) == status_expected, "child exit status");
}

/* ---- files ------------------------------------------------------------ */

static void case_open(void)
{
	const char *p = unnamed_file("data");
	begin();
	int fd = open(p, O_RDONLY);
	end();
	check(fd >= 0, "open");
	close(fd);
}

static void case_openat(void)
{
	unnamed_file("data");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	check(dfd >= 0, "open dir");
	char name[256];
	snprintf(name, sizeof(name), "%s.data", case_name);
	begin();
	int fd = openat(dfd, name, O_RDONLY);
	end();
	check(fd >= 0, "openat");
	close(fd);
	close(dfd);
}

static void case_creat(void)
{
	begin();
	int fd = creat(file_of("data"), 0640);
	end();
	check(fd >= 0, "creat");
	close(fd);
}

static void case_open_excl(void)
{
	begin();
	int fd = open(file_of("data"), O_CREAT | O_EXCL | O_RDWR, 0600);
	end();
	check(fd >= 0, "open O_CREAT|O_EXCL");
	close(fd);
}

static void case_read(void)
{
	char buf[16];
	int fd = file_with_data("data", O_RDONLY);
	begin();
	check(read(fd, buf, sizeof(buf)) == 5, "read");
	end();
	close(fd);
}

static void case_read_twice(void)
{
	char buf[16];
	int fd = file_with_data("data", O_RDONLY);
	begin();
	check(read(fd, buf, 2) == 2, "read");
	check(read(fd, buf, 2) == 2, "read again");
	end();
	close(fd);
}

/* The task informs a file, then reads another: it needs a new version. */
static void case_read_after_write(void)
{
	char buf[16];
	int out = file_with_data("out", O_WRONLY);
	int in = file_with_data("in", O_RDONLY);
	begin();
	check(write(out, "x", 1) == 1, "write");
	check(read(in, buf, sizeof(buf)) == 5, "read");
	end();
	close(out);
	close(in);
}

static void case_write(void)
{
	int fd = file_with_data("data", O_WRONLY);
	begin();
	check(write(fd, "world", 5) == 5, "write");
	end();
	close(fd);
}

/* The file informed the task (the read), so it gets a new version before
 * the write: no cycle file -> task -> file. */
static void case_write_after_read(void)
{
	char buf[16];
	int fd = file_with_data("data", O_RDWR);
	begin();
	check(read(fd, buf, sizeof(buf)) == 5, "read");
	check(write(fd, "again", 5) == 5, "write");
	end();
	close(fd);
}

static void case_pread64(void)
{
	char buf[16];
	int fd = file_with_data("data", O_RDONLY);
	begin();
	check(pread(fd, buf, 3, 1) == 3, "pread64");
	end();
	close(fd);
}

static void case_pwrite64(void)
{
	int fd = file_with_data("data", O_WRONLY);
	begin();
	check(pwrite(fd, "ab", 2, 1) == 2, "pwrite64");
	end();
	close(fd);
}

static void case_readv(void)
{
	char a[2], b[3];
	struct iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
	int fd = file_with_data("data", O_RDONLY);
	begin();
	check(readv(fd, iov, 2) == 5, "readv");
	end();
	close(fd);
}

static void case_writev(void)
{
	struct iovec iov[2] = {{(void *)"ab", 2}, {(void *)"cde", 3}};
	int fd = file_with_data("data", O_WRONLY);
	begin();
	check(writev(fd, iov, 2) == 5, "writev");
	end();
	close(fd);
}

static void mmap_case(int open_flags, int prot, int flags)
{
	int fd = file_with_data("data", open_flags);
	begin();
	void *map = mmap(NULL, 5, prot, flags, fd, 0);
	end();
	check(map != MAP_FAILED, "mmap");
	munmap(map, 5);
	close(fd);
}

static void case_mmap_private_read(void)
{
	mmap_case(O_RDONLY, PROT_READ, MAP_PRIVATE);
}

static void case_mmap_shared_write(void)
{
	mmap_case(O_RDWR, PROT_READ | PROT_WRITE, MAP_SHARED);
}

static void case_mmap_exec(void)
{
	mmap_case(O_RDONLY, PROT_READ | PROT_EXEC, MAP_PRIVATE);
}

/* An executable shared map: the file's code reaches the task. */
static void case_mmap_shared_exec(void)
{
	mmap_case(O_RDONLY, PROT_READ | PROT_EXEC, MAP_SHARED);
}

/* A writable private map: a copy, so nothing flows back to the file. */
static void case_mmap_write_private(void)
{
	mmap_case(O_RDONLY, PROT_READ | PROT_WRITE, MAP_PRIVATE);
}

static void case_link(void)
{
	const char *a = unnamed_file("data");
	const char *b = file_of("link");
	begin();
	check(link(a, b) == 0, "link");
	end();
}

static void case_linkat(void)
{
	const char *a = unnamed_file("data");
	const char *b = file_of("link");
	begin();
	check(linkat(AT_FDCWD, a, AT_FDCWD, b, 0) == 0, "linkat");
	end();
}

static void case_symlink(void)
{
	begin();
	check(symlink("target", file_of("lnk")) == 0, "symlink");
	end();
}

static void case_symlinkat(void)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	check(dfd >= 0, "open dir");
	char name[256];
	snprintf(name, sizeof(name), "%s.lnk", case_name);
	begin();
	check(symlinkat("target", dfd, name) == 0, "symlinkat");
	end();
	close(dfd);
}

static void case_unlink(void)
{
	const char *p = unnamed_file("data");
	begin();
	check(unlink(p) == 0, "unlink");
	end();
}

static void case_unlinkat(void)
{
	unnamed_file("data");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	check(dfd >= 0, "open dir");
	char name[256];
	snprintf(name, sizeof(name), "%s.data", case_name);
	begin();
	check(unlinkat(dfd, name, 0) == 0, "unlinkat");
	end();
	close(dfd);
}

static void case_rename(void)
{
	const char *a = unnamed_file("old");
	const char *b = file_of("new");
	begin();
	check(rename(a, b) == 0, "rename");
	end();
}

static void case_renameat2(void)
{
	const char *a = unnamed_file("old");
	const char *b = file_of("new");
	begin();
	check(syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_NOREPLACE) == 0, "renameat2");
	end();
}

static void case_renameat2_exchange(void)
{
	const char *a = unnamed_file("a");
	const char *b = unnamed_file("b");
	begin();
	check(syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0,
	      "renameat2 RENAME_EXCHANGE");
	end();
}

static void case_chmod(void)
{
	const char *p = unnamed_file("data");
	begin();
	check(chmod(p, 0600) == 0, "chmod");
	end();
}

static void case_fchmod(void)
{
	int fd = file_with_data("data", O_RDONLY);
	begin();
	check(fchmod(fd, 0640) == 0, "fchmod");
	end();
	close(fd);
}

static void case_chown(void)
{
	const char *p = unnamed_file("data");
	begin();
	check(chown(p, 4242, 4243) == 0, "chown");
	end();
}

static void case_fchown(void)
{
	int fd = file_with_data("data", O_RDONLY);
	begin();
	check(fchown(fd, 4244, 4245) == 0, "fchown");
	end();
	close(fd);
}

static void case_truncate(void)
{
	int fd = file_with_data("data", O_RDONLY);
	close(fd);
	begin();
	check(truncate(file_of("data"), 3) == 0, "truncate");
	end();
}

static void case_ftruncate(void)
{
	int fd = file_with_data("data", O_WRONLY);
	begin();
	check(ftruncate(fd, 2) == 0, "ftruncate");
	end();
	close(fd);
}

static void case_utimes(void)
{
	const char *p = unnamed_file("data");
	struct timeval tv[2] = {{1000000000, 0}, {1000000000, 0}};
	begin();
	check(utimes(p, tv) == 0, "utimes");
	end();
}

/* ---- processes -------------------------------------------------------- */

static void case_execve(void)
{
	begin();
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0) {
		char *args[] = {"motif", "noop", "alpha", "beta", NULL};
		execv(self_path, args);
		_exit(127);
	}
	wait_child(child, 0);
	end();
}

static void case_fork(void)
{
	begin();
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0)
		_exit(0);
	wait_child(child, 0);
	end();
}

static void case_vfork(void)
{
	begin();
	pid_t child = vfork();
	check(child >= 0, "vfork");
	if (child == 0)
		_exit(0);
	wait_child(child, 0);
	end();
}

static void *thread_idle(void *arg)
{
	return arg;
}

static void case_pthread(void)
{
	pthread_t th;
	begin();
	check(pthread_create(&th, NULL, thread_idle, NULL) == 0, "pthread_create");
	check(pthread_join(th, NULL) == 0, "pthread_join");
	end();
}

static void *thread_write(void *arg)
{
	int fd = *(int *)arg;
	return write(fd, "t", 1) == 1 ? NULL : arg;
}

static void *thread_read(void *arg)
{
	char buf[8];
	int fd = *(int *)arg;
	return read(fd, buf, sizeof(buf)) == 5 ? NULL : arg;
}

static void thread_case(int flags, void *(*fn)(void *))
{
	int fd = file_with_data("data", flags);
	pthread_t th;
	void *result;
	begin();
	check(pthread_create(&th, NULL, fn, &fd) == 0, "pthread_create");
	check(pthread_join(th, &result) == 0 && result == NULL, "the thread's call");
	end();
	close(fd);
}

static void case_thread_write(void)
{
	thread_case(O_WRONLY, thread_write);
}

static void case_thread_read(void)
{
	thread_case(O_RDONLY, thread_read);
}

static void case_exit(void)
{
	begin();
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0)
		_exit(3);
	wait_child(child, 3);
	/* task_free comes after an RCU grace period: give it time */
	usleep(300 * 1000);
	end();
}

/* A credential change made by a child, so the cases after it keep root. */
static void in_child(int (*change)(void), const char *what)
{
	begin();
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0)
		_exit(change() == 0 ? 0 : 1);
	int status;
	check(waitpid(child, &status, 0) == child, "waitpid");
	errno = 0;
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, what);
	end();
}

static int do_setuid(void)
{
	return setuid(4242);
}

static int do_setgid(void)
{
	return setgid(4243);
}

static int do_setresuid(void)
{
	return setresuid(4244, 4245, 4246);
}

static int do_setreuid(void)
{
	return setreuid(4247, 4248);
}

static int do_setresgid(void)
{
	return setresgid(4249, 4250, 4251);
}

static void case_setuid(void)
{
	in_child(do_setuid, "setuid(4242)");
}

static void case_setgid(void)
{
	in_child(do_setgid, "setgid(4243)");
}

static void case_setresuid(void)
{
	in_child(do_setresuid, "setresuid(4244, 4245, 4246)");
}

static void case_setreuid(void)
{
	in_child(do_setreuid, "setreuid(4247, 4248)");
}

static void case_setresgid(void)
{
	in_child(do_setresgid, "setresgid(4249, 4250, 4251)");
}

/* A child writes into a pipe and exits; the parent then reads it. */
static void case_pipe(void)
{
	int p[2];
	char buf[8];
	check(pipe(p) == 0, "pipe");
	begin();
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0)
		_exit(write(p[1], "pipe", 4) == 4 ? 0 : 1);
	wait_child(child, 0);
	check(read(p[0], buf, sizeof(buf)) == 4, "read pipe");
	end();
	close(p[0]);
	close(p[1]);
}

static void case_mkfifo(void)
{
	begin();
	check(mkfifo(file_of("fifo"), 0600) == 0, "mkfifo");
	end();
}

static void case_fifo_open(void)
{
	const char *p = file_of("fifo");
	check(mkfifo(p, 0600) == 0, "mkfifo");
	begin();
	int fd = open(p, O_RDWR | O_NONBLOCK);
	end();
	check(fd >= 0, "open fifo");
	close(fd);
}

/* A child opens the FIFO the parent holds, writes and exits; the parent
 * reads. */
static void case_fifo_ipc(void)
{
	const char *p = file_of("fifo");
	char buf[8];
	check(mkfifo(p, 0600) == 0, "mkfifo");
	int fd = open(p, O_RDWR);
	check(fd >= 0, "open fifo");
	begin();
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0) {
		int w = open(p, O_WRONLY);
		_exit(w >= 0 && write(w, "fifo", 4) == 4 ? 0 : 1);
	}
	wait_child(child, 0);
	check(read(fd, buf, sizeof(buf)) == 4, "read fifo");
	end();
	close(fd);
}

/* ---- sockets ---------------------------------------------------------- */

static struct sockaddr_in inet_addr_of(int port)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(port)};
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return in;
}

static struct sockaddr_un unix_addr_of(const char *suffix)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", file_of(suffix));
	return un;
}

static int new_socket(int family, int type)
{
	int s = socket(family, type, 0);
	check(s >= 0, "socket");
	return s;
}

static int tcp_listener(int port)
{
	int s = new_socket(AF_INET, SOCK_STREAM);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in in = inet_addr_of(port);
	check(bind(s, (struct sockaddr *)&in, sizeof(in)) == 0, "bind");
	check(listen(s, 4) == 0, "listen");
	return s;
}

/* A connected TCP pair over loopback: *client and *server (accepted). */
static int tcp_pair(int port, int *client, int *server)
{
	int l = tcp_listener(port);
	struct sockaddr_in in = inet_addr_of(port);
	*client = new_socket(AF_INET, SOCK_STREAM);
	check(connect(*client, (struct sockaddr *)&in, sizeof(in)) == 0, "connect");
	*server = accept(l, NULL, NULL);
	check(*server >= 0, "accept");
	return l;
}

static void case_socket(void)
{
	begin();
	int s = socket(AF_INET, SOCK_STREAM, 0);
	end();
	check(s >= 0, "socket");
	close(s);
}

static void case_socket_unix(void)
{
	begin();
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	end();
	check(s >= 0, "socket");
	close(s);
}

static void case_bind(void)
{
	int s = new_socket(AF_INET, SOCK_STREAM);
	struct sockaddr_in in = inet_addr_of(PORT_BASE + 1);
	begin();
	check(bind(s, (struct sockaddr *)&in, sizeof(in)) == 0, "bind");
	end();
	close(s);
}

static void case_bind_inet6(void)
{
	int s = new_socket(AF_INET6, SOCK_DGRAM);
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(PORT_BASE + 2)};
	in6.sin6_addr = in6addr_loopback;
	begin();
	check(bind(s, (struct sockaddr *)&in6, sizeof(in6)) == 0, "bind");
	end();
	close(s);
}

static void case_bind_unix(void)
{
	int s = new_socket(AF_UNIX, SOCK_STREAM);
	struct sockaddr_un un = unix_addr_of("sock");
	begin();
	check(bind(s, (struct sockaddr *)&un, sizeof(un)) == 0, "bind");
	end();
	close(s);
}

static void case_listen(void)
{
	int s = new_socket(AF_INET, SOCK_STREAM);
	struct sockaddr_in in = inet_addr_of(PORT_BASE + 3);
	check(bind(s, (struct sockaddr *)&in, sizeof(in)) == 0, "bind");
	begin();
	check(listen(s, 7) == 0, "listen");
	end();
	close(s);
}

static void case_connect(void)
{
	int l = tcp_listener(PORT_BASE + 4);
	int c = new_socket(AF_INET, SOCK_STREAM);
	struct sockaddr_in in = inet_addr_of(PORT_BASE + 4);
	begin();
	check(connect(c, (struct sockaddr *)&in, sizeof(in)) == 0, "connect");
	end();
	close(c);
	close(l);
}

static void case_connect_unix(void)
{
	int l = new_socket(AF_UNIX, SOCK_STREAM);
	struct sockaddr_un un = unix_addr_of("sock");
	check(bind(l, (struct sockaddr *)&un, sizeof(un)) == 0, "bind");
	check(listen(l, 4) == 0, "listen");
	int c = new_socket(AF_UNIX, SOCK_STREAM);
	begin();
	check(connect(c, (struct sockaddr *)&un, sizeof(un)) == 0, "connect");
	end();
	close(c);
	close(l);
}

static void case_accept(void)
{
	int l = tcp_listener(PORT_BASE + 5);
	int c = new_socket(AF_INET, SOCK_STREAM);
	struct sockaddr_in in = inet_addr_of(PORT_BASE + 5);
	check(connect(c, (struct sockaddr *)&in, sizeof(in)) == 0, "connect");
	begin();
	int s = accept(l, NULL, NULL);
	end();
	check(s >= 0, "accept");
	close(s);
	close(c);
	close(l);
}

static void case_sendto(void)
{
	int in_sock = new_socket(AF_INET, SOCK_DGRAM);
	int out_sock = new_socket(AF_INET, SOCK_DGRAM);
	struct sockaddr_in in = inet_addr_of(PORT_BASE + 6);
	check(bind(in_sock, (struct sockaddr *)&in, sizeof(in)) == 0, "bind");
	begin();
	check(sendto(out_sock, "dgram", 5, 0, (struct sockaddr *)&in, sizeof(in)) == 5, "sendto");
	end();
	close(in_sock);
	close(out_sock);
}

static void case_recvfrom(void)
{
	char buf[64];
	int in_sock = new_socket(AF_INET, SOCK_DGRAM);
	int out_sock = new_socket(AF_INET, SOCK_DGRAM);
	struct sockaddr_in in = inet_addr_of(PORT_BASE + 7);
	check(bind(in_sock, (struct sockaddr *)&in, sizeof(in)) == 0, "bind");
	check(sendto(out_sock, "dgram", 5, 0, (struct sockaddr *)&in, sizeof(in)) == 5, "sendto");
	begin();
	check(recvfrom(in_sock, buf, sizeof(buf), 0, NULL, NULL) == 5, "recvfrom");
	end();
	close(in_sock);
	close(out_sock);
}

/* A bound unix datagram socket and an unbound one to send from. */
static void unix_dgram_pair(int *server, int *client, struct sockaddr_un *un)
{
	*un = unix_addr_of("sock");
	*server = new_socket(AF_UNIX, SOCK_DGRAM);
	check(bind(*server, (struct sockaddr *)un, sizeof(*un)) == 0, "bind");
	*client = new_socket(AF_UNIX, SOCK_DGRAM);
}

static void case_sendmsg_unix(void)
{
	int server, client;
	struct sockaddr_un un;
	unix_dgram_pair(&server, &client, &un);
	struct iovec iov = {(void *)"unix", 4};
	struct msghdr msg = {
	    .msg_name = &un, .msg_namelen = sizeof(un), .msg_iov = &iov, .msg_iovlen = 1};
	begin();
	check(sendmsg(client, &msg, 0) == 4, "sendmsg");
	end();
	close(client);
	close(server);
}

static void case_recvmsg_unix(void)
{
	int server, client;
	struct sockaddr_un un;
	unix_dgram_pair(&server, &client, &un);
	check(sendto(client, "unix", 4, 0, (struct sockaddr *)&un, sizeof(un)) == 4, "sendto");
	char buf[32];
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	begin();
	check(recvmsg(server, &msg, 0) == 4, "recvmsg");
	end();
	close(client);
	close(server);
}

static void case_sendmsg_inet(void)
{
	int in_sock = new_socket(AF_INET, SOCK_DGRAM);
	int out_sock = new_socket(AF_INET, SOCK_DGRAM);
	struct sockaddr_in in = inet_addr_of(PORT_BASE + 13);
	check(bind(in_sock, (struct sockaddr *)&in, sizeof(in)) == 0, "bind");
	struct iovec iov = {(void *)"inet!!", 6};
	struct msghdr msg = {
	    .msg_name = &in, .msg_namelen = sizeof(in), .msg_iov = &iov, .msg_iovlen = 1};
	begin();
	check(sendmsg(out_sock, &msg, 0) == 6, "sendmsg");
	end();
	close(in_sock);
	close(out_sock);
}

static void case_recvmsg_inet(void)
{
	int in_sock = new_socket(AF_INET, SOCK_DGRAM);
	int out_sock = new_socket(AF_INET, SOCK_DGRAM);
	struct sockaddr_in in = inet_addr_of(PORT_BASE + 14);
	check(bind(in_sock, (struct sockaddr *)&in, sizeof(in)) == 0, "bind");
	check(sendto(out_sock, "inet", 4, 0, (struct sockaddr *)&in, sizeof(in)) == 4, "sendto");
	char buf[24];
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	begin();
	check(recvmsg(in_sock, &msg, 0) == 4, "recvmsg");
	end();
	close(in_sock);
	close(out_sock);
}

static void case_sendto_unix(void)
{
	int server, client;
	struct sockaddr_un un;
	unix_dgram_pair(&server, &client, &un);
	begin();
	check(sendto(client, "unix!", 5, 0, (struct sockaddr *)&un, sizeof(un)) == 5, "sendto");
	end();
	close(client);
	close(server);
}

static void case_recvfrom_unix(void)
{
	int server, client;
	char buf[16];
	struct sockaddr_un un;
	unix_dgram_pair(&server, &client, &un);
	check(sendto(client, "unix", 4, 0, (struct sockaddr *)&un, sizeof(un)) == 4, "sendto");
	begin();
	check(recvfrom(server, buf, sizeof(buf), 0, NULL, NULL) == 4, "recvfrom");
	end();
	close(client);
	close(server);
}

static void case_connect_inet6(void)
{
	int s = new_socket(AF_INET6, SOCK_DGRAM);
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(PORT_BASE + 15)};
	in6.sin6_addr = in6addr_loopback;
	begin();
	check(connect(s, (struct sockaddr *)&in6, sizeof(in6)) == 0, "connect");
	end();
	close(s);
}

static void case_send_tcp(void)
{
	int c, s;
	int l = tcp_pair(PORT_BASE + 8, &c, &s);
	begin();
	check(send(c, "tcp!", 4, 0) == 4, "send");
	end();
	close(s);
	close(c);
	close(l);
}

static void case_recv_tcp(void)
{
	int c, s;
	char buf[48];
	int l = tcp_pair(PORT_BASE + 9, &c, &s);
	check(send(c, "tcp!", 4, 0) == 4, "send");
	begin();
	check(recv(s, buf, sizeof(buf), 0) == 4, "recv");
	end();
	close(s);
	close(c);
	close(l);
}

static void case_write_socket(void)
{
	int c, s;
	int l = tcp_pair(PORT_BASE + 10, &c, &s);
	begin();
	check(write(c, "wsock", 5) == 5, "write to a socket");
	end();
	close(s);
	close(c);
	close(l);
}

static void case_read_socket(void)
{
	int c, s;
	char buf[40];
	int l = tcp_pair(PORT_BASE + 11, &c, &s);
	check(send(c, "rsock", 5, 0) == 5, "send");
	begin();
	check(read(s, buf, sizeof(buf)) == 5, "read from a socket");
	end();
	close(s);
	close(c);
	close(l);
}

/* ---- directories, attributes, file control, memory, signals, mounts ---- */

static void case_mkdir(void)
{
	begin();
	check(mkdir(file_of("d"), 0755) == 0, "mkdir");
	end();
}

static void case_rmdir(void)
{
	const char *p = file_of("d");
	check(mkdir(p, 0755) == 0, "mkdir");
	begin();
	check(rmdir(p) == 0, "rmdir");
	end();
}

static void case_mknod(void)
{
	begin();
	check(mknod(file_of("data"), S_IFREG | 0644, 0) == 0, "mknod");
	end();
}

static void case_stat(void)
{
	struct stat st;
	const char *p = unnamed_file("data");
	begin();
	check(stat(p, &st) == 0, "stat");
	end();
}

static void case_setxattr(void)
{
	const char *p = unnamed_file("data");
	begin();
	check(setxattr(p, "user.motif", "v", 1, 0) == 0 || errno == EOPNOTSUPP, "setxattr");
	end();
}

static void case_getxattr(void)
{
	char buf[8];
	const char *p = unnamed_file("data");
	begin();
	check(getxattr(p, "user.motif", buf, sizeof(buf)) >= 0 || errno == ENODATA ||
		  errno == EOPNOTSUPP,
	      "getxattr");
	end();
}

static void case_listxattr(void)
{
	char buf[64];
	const char *p = unnamed_file("data");
	begin();
	check(listxattr(p, buf, sizeof(buf)) >= 0, "listxattr");
	end();
}

static void case_removexattr(void)
{
	const char *p = unnamed_file("data");
	setxattr(p, "user.motif", "v", 1, 0);
	begin();
	check(removexattr(p, "user.motif") == 0 || errno == ENODATA || errno == EOPNOTSUPP,
	      "removexattr");
	end();
}

static void case_ioctl(void)
{
	int n;
	int fd = file_with_data("data", O_RDONLY);
	begin();
	check(ioctl(fd, FIONREAD, &n) == 0, "ioctl FIONREAD");
	end();
	close(fd);
}

static void case_fcntl(void)
{
	int fd = file_with_data("data", O_RDONLY);
	begin();
	check(fcntl(fd, F_SETFL, O_NONBLOCK) == 0, "fcntl F_SETFL");
	end();
	close(fd);
}

static void case_mprotect(void)
{
	int fd = file_with_data("data", O_RDONLY);
	void *map = mmap(NULL, 5, PROT_READ, MAP_PRIVATE, fd, 0);
	check(map != MAP_FAILED, "mmap");
	begin();
	check(mprotect(map, 5, PROT_READ | PROT_EXEC) == 0, "mprotect");
	end();
	munmap(map, 5);
	close(fd);
}

/* Anonymous memory made executable, in a child: its own process memory,
 * which no earlier mprotect (the loader's RELRO one) has touched, so the
 * capture cannot merge the case's edge with an older one. The child makes
 * the markers. */
static void case_mprotect_anon(void)
{
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0) {
		void *m =
		    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		check(m != MAP_FAILED, "mmap anonymous");
		begin();
		check(mprotect(m, 4096, PROT_READ | PROT_EXEC) == 0, "mprotect");
		end();
		_exit(0);
	}
	wait_child(child, 0);
}

static void case_flock(void)
{
	int fd = file_with_data("data", O_RDONLY);
	begin();
	check(flock(fd, LOCK_EX) == 0, "flock LOCK_EX");
	end();
	close(fd);
}

static void case_socketpair(void)
{
	int sv[2];
	begin();
	check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	end();
	close(sv[0]);
	close(sv[1]);
}

static void case_shutdown(void)
{
	int c, s;
	int l = tcp_pair(PORT_BASE + 12, &c, &s);
	begin();
	check(shutdown(c, SHUT_WR) == 0, "shutdown");
	end();
	close(s);
	close(c);
	close(l);
}

/* The child holds SIGTERM blocked (from before the fork), so the kill
 * between the markers only makes it pending: the child ends by the
 * SIGKILL after the end marker, and its exit never falls in the slice. */
static void case_kill(void)
{
	sigset_t term, old;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	check(sigprocmask(SIG_BLOCK, &term, &old) == 0, "sigprocmask");
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0) {
		pause();
		_exit(0);
	}
	check(sigprocmask(SIG_SETMASK, &old, NULL) == 0, "sigprocmask");
	begin();
	check(kill(child, SIGTERM) == 0, "kill");
	end();
	int status;
	check(kill(child, SIGKILL) == 0, "kill -KILL");
	check(waitpid(child, &status, 0) == child, "waitpid");
}

static void case_ptrace(void)
{
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0) {
		pause();
		_exit(0);
	}
	begin();
	check(ptrace(PTRACE_ATTACH, child, NULL, NULL) == 0, "ptrace attach");
	end();
	int status;
	check(waitpid(child, &status, 0) == child, "waitpid (stop)");
	kill(child, SIGKILL);
	ptrace(PTRACE_DETACH, child, NULL, NULL);
	waitpid(child, &status, 0);
}

/* A child that pauses until killed. */
static pid_t paused_child(void)
{
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0) {
		pause();
		_exit(0);
	}
	return child;
}

/* kcmp reads both tasks' state (ptrace read mode): the child's flows to
 * the caller. The caller's own check is skipped (same thread group). */
static void case_ptrace_read(void)
{
	pid_t child = paused_child();
	begin();
	check(syscall(SYS_kcmp, getpid(), child, 0 /* KCMP_FILE */, 0, 0) >= 0, "kcmp");
	end();
	check(kill(child, SIGKILL) == 0, "kill");
	int status;
	check(waitpid(child, &status, 0) == child, "waitpid");
}

/* A child asks to be traced by its parent; the child makes the markers. */
static void case_ptrace_traceme(void)
{
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0) {
		begin();
		check(ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0, "ptrace traceme");
		end();
		_exit(0);
	}
	wait_child(child, 0);
}

static void case_mount(void)
{
	const char *p = file_of("mnt");
	check(mkdir(p, 0755) == 0, "mkdir");
	begin();
	check(mount("motif", p, "tmpfs", 0, "size=64k") == 0, "mount");
	end();
	check(umount(p) == 0, "umount");
}

static void case_umount(void)
{
	const char *p = file_of("mnt");
	check(mkdir(p, 0755) == 0, "mkdir");
	check(mount("motif", p, "tmpfs", 0, "size=64k") == 0, "mount");
	begin();
	check(umount2(p, MNT_DETACH) == 0, "umount2 MNT_DETACH");
	end();
}

/* ---- descriptors passed, SIGIO, packets ------------------------------- */

/* Sends `fd` over the unix socket `sock` in an SCM_RIGHTS message with the
 * two bytes "fd". */
static void send_fd(int sock, int fd)
{
	char control[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {(void *)"fd", 2};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = sizeof(control)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	check(sendmsg(sock, &msg, 0) == 2, "sendmsg SCM_RIGHTS");
}

/* Receives a descriptor sent by send_fd on `sock`. */
static int receive_fd(int sock)
{
	char control[CMSG_SPACE(sizeof(int))] = {0};
	char buf[8];
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = sizeof(control)};
	check(recvmsg(sock, &msg, 0) == 2, "recvmsg SCM_RIGHTS");
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	check(c && c->cmsg_type == SCM_RIGHTS, "SCM_RIGHTS in the message");
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* A file's descriptor passed over a unix stream socket pair, and received. */
static void case_scm_rights(void)
{
	int sv[2];
	int fd = file_with_data("data", O_RDONLY);
	check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	begin();
	send_fd(sv[0], fd);
	int got = receive_fd(sv[1]);
	end();
	check(got >= 0, "received descriptor");
	close(got);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

static volatile sig_atomic_t sigio_seen;

static void on_sigio(int sig)
{
	(void)sig;
	sigio_seen = 1;
}

/* A pipe whose read end asks for SIGIO (F_SETOWN, O_ASYNC): writing to
 * it signals the owner, this process. */
static void case_sigio(void)
{
	int p[2];
	check(pipe(p) == 0, "pipe");
	check(signal(SIGIO, on_sigio) != SIG_ERR, "signal SIGIO");
	check(fcntl(p[0], F_SETOWN, getpid()) == 0, "fcntl F_SETOWN");
	check(fcntl(p[0], F_SETFL, O_ASYNC) == 0, "fcntl F_SETFL O_ASYNC");
	begin();
	check(write(p[1], "io", 2) == 2, "write");
	end();
	check(sigio_seen, "SIGIO delivered");
	signal(SIGIO, SIG_DFL);
	close(p[0]);
	close(p[1]);
}

/* A TCP segment over loopback, from the client to the accepted socket. */
static void case_tcp_packet(void)
{
	int c, s;
	char buf[64];
	int l = tcp_pair(PORT_BASE + 20, &c, &s);
	begin();
	check(send(c, "packet", 6, 0) == 6, "send");
	check(recv(s, buf, sizeof(buf), 0) == 6, "recv");
	end();
	close(s);
	close(c);
	close(l);
}

/* Data sent before the server accepts the connection: the new socket has
 * no struct socket when the segment arrives. */
static void case_tcp_packet_before_accept(void)
{
	char buf[64];
	int l = tcp_listener(PORT_BASE + 22);
	struct sockaddr_in in = inet_addr_of(PORT_BASE + 22);
	int c = new_socket(AF_INET, SOCK_STREAM);
	check(connect(c, (struct sockaddr *)&in, sizeof(in)) == 0, "connect");
	begin();
	check(send(c, "early", 5, 0) == 5, "send");
	int s = accept(l, NULL, NULL);
	check(s >= 0, "accept");
	check(recv(s, buf, sizeof(buf), 0) == 5, "recv");
	end();
	close(s);
	close(c);
	close(l);
}

/* A UDP datagram over loopback. */
static void case_udp_packet(void)
{
	char buf[64];
	int in_sock = new_socket(AF_INET, SOCK_DGRAM);
	int out_sock = new_socket(AF_INET, SOCK_DGRAM);
	struct sockaddr_in in = inet_addr_of(PORT_BASE + 21);
	check(bind(in_sock, (struct sockaddr *)&in, sizeof(in)) == 0, "bind");
	begin();
	check(sendto(out_sock, "dgram!", 6, 0, (struct sockaddr *)&in, sizeof(in)) == 6, "sendto");
	check(recvfrom(in_sock, buf, sizeof(buf), 0, NULL, NULL) == 6, "recvfrom");
	end();
	close(in_sock);
	close(out_sock);
}

/* A UDP datagram over IPv6 loopback. */
static void case_udp6_packet(void)
{
	char buf[64];
	int in_sock = new_socket(AF_INET6, SOCK_DGRAM);
	int out_sock = new_socket(AF_INET6, SOCK_DGRAM);
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(PORT_BASE + 23)};
	in6.sin6_addr = in6addr_loopback;
	check(bind(in_sock, (struct sockaddr *)&in6, sizeof(in6)) == 0, "bind");
	begin();
	check(sendto(out_sock, "dgram6", 6, 0, (struct sockaddr *)&in6, sizeof(in6)) == 6,
	      "sendto");
	check(recvfrom(in_sock, buf, sizeof(buf), 0, NULL, NULL) == 6, "recvfrom");
	end();
	close(in_sock);
	close(out_sock);
}

/* sendfile from a file into a pipe: the kernel checks the read of the file
 * (file_permission) but calls no LSM hook for the pipe it writes into. */
static void case_sendfile_pipe(void)
{
	int p[2];
	char buf[16];
	int fd = file_with_data("data", O_RDONLY);
	check(pipe(p) == 0, "pipe");
	begin();
	check(sendfile(p[1], fd, NULL, 5) == 5, "sendfile");
	end();
	check(read(p[0], buf, sizeof(buf)) == 5, "read the pipe");
	close(p[0]);
	close(p[1]);
	close(fd);
}

/* Waits until `pid` sleeps in read(2): /proc/PID/syscall then starts with
 * its number, 0 on x86-64 ("running" while it runs). */
static void wait_blocked_in_read(pid_t pid)
{
	char path[64], line[32];
	struct timespec tick = {0, 10 * 1000 * 1000};
	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	for (int i = 0; i < 1000; i++) {
		int fd = open(path, O_RDONLY);
		check(fd >= 0, "open /proc/PID/syscall");
		ssize_t n = read(fd, line, sizeof(line) - 1);
		close(fd);
		if (n > 2 && line[0] == '0' && line[1] == ' ')
			return;
		nanosleep(&tick, NULL);
	}
	errno = ETIMEDOUT;
	check(0, "the child blocked in read");
}

/* A child blocks in a receive before the data is sent: the data arrives
 * in a later version of its socket (or pipe) than the one its receive
 * started from. The child reports the bytes through its exit status. */
static void blocking_receive_case(int fd, void (*send_data)(void))
{
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0) {
		char buf[64];
		ssize_t n = read(fd, buf, sizeof(buf));
		_exit(n == 6 ? 0 : 1);
	}
	wait_blocked_in_read(child);
	send_data();
	wait_child(child, 0);
}

static int blocking_out_sock;
static struct sockaddr_in blocking_addr;
static int blocking_pipe[2];

static void send_blocking_datagram(void)
{
	check(sendto(blocking_out_sock, "later!", 6, 0, (struct sockaddr *)&blocking_addr,
		     sizeof(blocking_addr)) == 6,
	      "sendto");
}

static void write_blocking_pipe(void)
{
	check(write(blocking_pipe[1], "later!", 6) == 6, "write");
}

static void case_udp_blocking_recv(void)
{
	int in_sock = new_socket(AF_INET, SOCK_DGRAM);
	blocking_out_sock = new_socket(AF_INET, SOCK_DGRAM);
	blocking_addr = inet_addr_of(PORT_BASE + 24);
	check(bind(in_sock, (struct sockaddr *)&blocking_addr, sizeof(blocking_addr)) == 0, "bind");
	begin();
	blocking_receive_case(in_sock, send_blocking_datagram);
	end();
	close(in_sock);
	close(blocking_out_sock);
}

static void case_pipe_blocking_read(void)
{
	check(pipe(blocking_pipe) == 0, "pipe");
	begin();
	blocking_receive_case(blocking_pipe[0], write_blocking_pipe);
	end();
	close(blocking_pipe[0]);
	close(blocking_pipe[1]);
}

/* ---- system: process groups, prctl, capabilities, namespaces, mounts,
 * kernel loading, BPF (bpf/system.bpf.c) -------------------------------- */

/* setpgid on a paused child: the caller informs the child's memory. */
static void case_setpgid(void)
{
	pid_t child = paused_child();
	begin();
	check(setpgid(child, child) == 0, "setpgid(child, child)");
	end();
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

/* getpgid of the caller itself: its process memory informs it. */
static void case_getpgid(void)
{
	begin();
	check(getpgid(getpid()) >= 0, "getpgid(getpid())");
	end();
}

static void case_prctl(void)
{
	begin();
	check(prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) == 0, "prctl(PR_SET_PDEATHSIG, 0)");
	end();
}

static void case_capget(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	begin();
	check(syscall(SYS_capget, &hdr, data) == 0, "capget");
	end();
}

/* capset with the caps the task has: new credentials all the same. */
static void case_capset(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	check(syscall(SYS_capget, &hdr, data) == 0, "capget");
	begin();
	check(syscall(SYS_capset, &hdr, data) == 0, "capset");
	end();
}

/* sethostname needs CAP_SYS_ADMIN (21) in the container's uts namespace. */
static void case_capable(void)
{
	begin();
	check(sethostname("motif", 5) == 0, "sethostname");
	end();
}

/* The same capability 200 times in one task version: recorded once. */
static void case_capable_repeat(void)
{
	begin();
	for (int i = 0; i < 200; i++)
		check(sethostname("motif", 5) == 0, "sethostname");
	end();
}

static int do_setgroups(void)
{
	gid_t groups[2] = {4301, 4302};
	return setgroups(2, groups);
}

static void case_setgroups(void)
{
	in_child(do_setgroups, "setgroups(2, {4301, 4302})");
}

/* move_mount(2) of a tmpfs from one directory to another. */
static void case_move_mount(void)
{
	const char *a = file_of("from"), *b = file_of("to");
	check(mkdir(a, 0755) == 0 && mkdir(b, 0755) == 0, "mkdir");
	check(mount("motif", a, "tmpfs", 0, "size=64k") == 0, "mount");
	begin();
	check(syscall(SYS_move_mount, AT_FDCWD, a, AT_FDCWD, b, 0) == 0, "move_mount");
	end();
	check(umount(b) == 0, "umount");
}

/* pivot_root in a child with a mount namespace of its own. The root to
 * leave must be a mount with a parent (an initramfs's rootfs is not): the
 * child first chroots into a tmpfs, DIR/pivot_root.root, then makes /new
 * its root. */
static int do_pivot_root(void)
{
	const char *root = file_of("root");
	char path[600];
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("motif", root, "tmpfs", 0, "size=64k"))
		return -1;
	snprintf(path, sizeof(path), "%s/new", root);
	if (mkdir(path, 0755) || mount("motif", path, "tmpfs", 0, "size=64k"))
		return -1;
	snprintf(path, sizeof(path), "%s/new/old", root);
	if (mkdir(path, 0755) || chroot(root) || chdir("/new"))
		return -1;
	return syscall(SYS_pivot_root, ".", "old") == 0 ? 0 : -1;
}

static void case_pivot_root(void)
{
	check(mkdir(file_of("root"), 0755) == 0, "mkdir");
	in_child(do_pivot_root, "pivot_root");
}

/* init_module with bytes that are no module. The recording program runs
 * first; then self-protection (bpf/guard.bpf.c) refuses module loading to
 * every audited container: EPERM. */
static void case_init_module(void)
{
	static const char junk[64] = "not a module";
	begin();
	errno = 0;
	long rc = syscall(SYS_init_module, junk, sizeof(junk), "");
	check(rc == -1 && errno == EPERM, "init_module(junk) refused by self-protection");
	end();
}

static void case_finit_module(void)
{
	int fd = open(file_of("ko"), O_CREAT | O_WRONLY, 0644);
	check(fd >= 0, "open");
	check(write(fd, "not a module, either", 20) == 20, "write");
	close(fd);
	/* read-only: a file open for writing is refused (ETXTBSY) before the hook */
	fd = open(file_of("ko"), O_RDONLY);
	check(fd >= 0, "open O_RDONLY");
	begin();
	errno = 0;
	long rc = syscall(SYS_finit_module, fd, "", 0);
	check(rc == -1 && errno == EPERM, "finit_module(junk) refused by self-protection");
	end();
	close(fd);
}

/* An unknown socket family makes the kernel ask for "net-pf-5". */
static void case_module_request(void)
{
	begin();
	int fd = socket(AF_APPLETALK, SOCK_DGRAM, 0);
	check(fd < 0, "socket(AF_APPLETALK) fails (no such module)");
	end();
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static void case_bpf_map_create(void)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	memcpy(attr.map_name, "motif_map", 10);
	begin();
	int fd = (int)sys_bpf(BPF_MAP_CREATE, &attr);
	check(fd >= 0, "bpf(BPF_MAP_CREATE)");
	end();
	close(fd);
}

/* The smallest lsm_cgroup program (returns 1, allow) for socket_create,
 * not attached: with --allow-bpf, lsm_cgroup is the one program type a
 * container may load (docs/tenant.md). */
static void case_bpf_prog_load(void)
{
	struct bpf_insn insns[2] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_LSM;
	attr.expected_attach_type = BPF_LSM_CGROUP;
	attr.attach_btf_id = vmlinux_func_id("bpf_lsm_socket_create");
	check(attr.attach_btf_id != 0, "bpf_lsm_socket_create in the kernel's BTF");
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = 2;
	attr.license = (unsigned long)"GPL";
	memcpy(attr.prog_name, "motif_prog", 11);
	begin();
	int fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
	check(fd >= 0, "bpf(BPF_PROG_LOAD)");
	end();
	close(fd);
}

/* setns into the uts namespace the task is already in (allowed). */
static void case_setns(void)
{
	int fd = open("/proc/self/ns/uts", O_RDONLY);
	check(fd >= 0, "open /proc/self/ns/uts");
	begin();
	check(setns(fd, CLONE_NEWUTS) == 0, "setns(CLONE_NEWUTS)");
	end();
	close(fd);
}

/* unshare a uts namespace: the cases after it run in it. */
static void case_unshare(void)
{
	begin();
	check(unshare(CLONE_NEWUTS) == 0, "unshare(CLONE_NEWUTS)");
	end();
}

/* ---- System V IPC, POSIX message queues ------------------------------ */

#define IPC_KEY_BASE 0x5ab00000 /* + a number per case: the motifs' cf:key */

struct motif_msg {
	long mtype;
	char mtext[16];
};

static int msg_queue(int key)
{
	int id = msgget(key, IPC_CREAT | 0600);
	check(id >= 0, "msgget");
	return id;
}

static void msg_put(int id, long type)
{
	struct motif_msg m = {.mtype = type, .mtext = "hello"};
	check(msgsnd(id, &m, 6, 0) == 0, "msgsnd");
}

static void case_msgget(void)
{
	begin();
	int id = msgget(IPC_KEY_BASE + 1, IPC_CREAT | IPC_EXCL | 0600);
	end();
	check(id >= 0, "msgget");
	msgctl(id, IPC_RMID, NULL);
}

static void case_msgget_existing(void)
{
	int id = msg_queue(IPC_KEY_BASE + 2);
	begin();
	int again = msgget(IPC_KEY_BASE + 2, 0600);
	end();
	check(again == id, "msgget of the existing key");
	msgctl(id, IPC_RMID, NULL);
}

static void case_msgsnd(void)
{
	int id = msg_queue(IPC_KEY_BASE + 3);
	begin();
	msg_put(id, 7);
	end();
	msgctl(id, IPC_RMID, NULL);
}

static void case_msgrcv(void)
{
	int id = msg_queue(IPC_KEY_BASE + 4);
	msg_put(id, 7);
	struct motif_msg m;
	begin();
	ssize_t n = msgrcv(id, &m, sizeof(m.mtext), 0, 0);
	end();
	check(n == 6 && m.mtype == 7, "msgrcv");
	msgctl(id, IPC_RMID, NULL);
}

/* A receiver already waiting: the sender hands the message over itself
 * (pipelined_send); the child sends once the parent is blocked. */
static void case_msgrcv_waiting(void)
{
	int id = msg_queue(IPC_KEY_BASE + 5);
	begin();
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0) {
		usleep(300 * 1000);
		msg_put(id, 9);
		_exit(0);
	}
	struct motif_msg m;
	ssize_t n = msgrcv(id, &m, sizeof(m.mtext), 0, 0);
	wait_child(child, 0);
	end();
	check(n == 6 && m.mtype == 9, "msgrcv");
	msgctl(id, IPC_RMID, NULL);
}

static void case_msgctl_stat(void)
{
	int id = msg_queue(IPC_KEY_BASE + 6);
	struct msqid_ds ds;
	begin();
	check(msgctl(id, IPC_STAT, &ds) == 0, "msgctl IPC_STAT");
	end();
	msgctl(id, IPC_RMID, NULL);
}

static void case_msgctl_set(void)
{
	int id = msg_queue(IPC_KEY_BASE + 7);
	struct msqid_ds ds;
	check(msgctl(id, IPC_STAT, &ds) == 0, "msgctl IPC_STAT");
	ds.msg_perm.mode = 0640;
	begin();
	check(msgctl(id, IPC_SET, &ds) == 0, "msgctl IPC_SET");
	end();
	msgctl(id, IPC_RMID, NULL);
}

static void case_msgctl_rmid(void)
{
	int id = msg_queue(IPC_KEY_BASE + 8);
	begin();
	check(msgctl(id, IPC_RMID, NULL) == 0, "msgctl IPC_RMID");
	end();
}

static int shm_segment(int key)
{
	int id = shmget(key, 4096, IPC_CREAT | 0600);
	check(id >= 0, "shmget");
	return id;
}

static void case_shmget(void)
{
	begin();
	int id = shmget(IPC_KEY_BASE + 9, 8192, IPC_CREAT | IPC_EXCL | 0600);
	end();
	check(id >= 0, "shmget");
	shmctl(id, IPC_RMID, NULL);
}

static void case_shmat(void)
{
	int id = shm_segment(IPC_KEY_BASE + 10);
	begin();
	char *p = shmat(id, NULL, 0);
	end();
	check(p != (void *)-1, "shmat");
	shmdt(p);
	shmctl(id, IPC_RMID, NULL);
}

static void case_shmat_rdonly(void)
{
	int id = shm_segment(IPC_KEY_BASE + 11);
	begin();
	char *p = shmat(id, NULL, SHM_RDONLY);
	end();
	check(p != (void *)-1, "shmat SHM_RDONLY");
	shmdt(p);
	shmctl(id, IPC_RMID, NULL);
}

static void case_shmdt(void)
{
	int id = shm_segment(IPC_KEY_BASE + 12);
	char *p = shmat(id, NULL, 0);
	check(p != (void *)-1, "shmat");
	p[0] = 1;
	begin();
	check(shmdt(p) == 0, "shmdt");
	end();
	shmctl(id, IPC_RMID, NULL);
}

static void case_shmctl_stat(void)
{
	int id = shm_segment(IPC_KEY_BASE + 13);
	struct shmid_ds ds;
	begin();
	check(shmctl(id, IPC_STAT, &ds) == 0, "shmctl IPC_STAT");
	end();
	shmctl(id, IPC_RMID, NULL);
}

static void case_shmctl_rmid(void)
{
	int id = shm_segment(IPC_KEY_BASE + 14);
	begin();
	check(shmctl(id, IPC_RMID, NULL) == 0, "shmctl IPC_RMID");
	end();
}

static int sem_set(int key)
{
	int id = semget(key, 2, IPC_CREAT | 0600);
	check(id >= 0, "semget");
	return id;
}

static void case_semget(void)
{
	begin();
	int id = semget(IPC_KEY_BASE + 15, 3, IPC_CREAT | IPC_EXCL | 0600);
	end();
	check(id >= 0, "semget");
	semctl(id, 0, IPC_RMID);
}

static void case_semop(void)
{
	int id = sem_set(IPC_KEY_BASE + 16);
	struct sembuf op = {.sem_num = 0, .sem_op = 1, .sem_flg = 0};
	begin();
	check(semop(id, &op, 1) == 0, "semop +1");
	end();
	semctl(id, 0, IPC_RMID);
}

static void case_semop_zero(void)
{
	int id = sem_set(IPC_KEY_BASE + 17);
	struct sembuf op = {.sem_num = 1, .sem_op = 0, .sem_flg = IPC_NOWAIT};
	begin();
	check(semop(id, &op, 1) == 0, "semop wait-for-zero");
	end();
	semctl(id, 0, IPC_RMID);
}

static void case_semctl_setval(void)
{
	int id = sem_set(IPC_KEY_BASE + 18);
	begin();
	check(semctl(id, 0, SETVAL, 5) == 0, "semctl SETVAL");
	end();
	semctl(id, 0, IPC_RMID);
}

static void case_semctl_getval(void)
{
	int id = sem_set(IPC_KEY_BASE + 19);
	begin();
	check(semctl(id, 0, GETVAL) == 0, "semctl GETVAL");
	end();
	semctl(id, 0, IPC_RMID);
}

/* /motif_<case>, a POSIX message queue */
static const char *mq_name(void)
{
	static char name[64];
	snprintf(name, sizeof(name), "/motif_%s", case_name);
	return name;
}

static mqd_t mq_make(void)
{
	struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 64};
	mqd_t q = mq_open(mq_name(), O_CREAT | O_RDWR, 0600, &attr);
	check(q != (mqd_t)-1, "mq_open");
	return q;
}

static void case_mq_open(void)
{
	struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 64};
	begin();
	mqd_t q = mq_open(mq_name(), O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
	end();
	check(q != (mqd_t)-1, "mq_open");
	mq_close(q);
	mq_unlink(mq_name());
}

static void case_mq_send(void)
{
	mqd_t q = mq_make();
	begin();
	check(mq_send(q, "hello", 5, 3) == 0, "mq_send");
	end();
	mq_close(q);
	mq_unlink(mq_name());
}

static void case_mq_receive(void)
{
	mqd_t q = mq_make();
	check(mq_send(q, "hello!", 6, 3) == 0, "mq_send");
	char buf[64];
	unsigned prio = 0;
	begin();
	ssize_t n = mq_receive(q, buf, sizeof(buf), &prio);
	end();
	check(n == 6 && prio == 3, "mq_receive");
	mq_close(q);
	mq_unlink(mq_name());
}

/* access(R_OK | W_OK | X_OK) checks all three permissions of the file:
 * recorded only with the opt-in class perm (60-motifs.sh runs it again
 * with --classes all,perm). */
static void case_access(void)
{
	const char *p = file_of("data");
	int fd = open(p, O_CREAT | O_WRONLY, 0755);
	check(fd >= 0, "create");
	close(fd);
	begin();
	check(access(p, R_OK | W_OK | X_OK) == 0, "access");
	end();
}

/* ---- the table ------------------------------------------------------- */

struct motif_case {
	const char *name;
	void (*run)(void);
};

static const struct motif_case cases[] = {
    {"open", case_open},
    {"openat", case_openat},
    {"creat", case_creat},
    {"open_excl", case_open_excl},
    {"read", case_read},
    {"read_twice", case_read_twice},
    {"read_after_write", case_read_after_write},
    {"write", case_write},
    {"write_after_read", case_write_after_read},
    {"pread64", case_pread64},
    {"pwrite64", case_pwrite64},
    {"readv", case_readv},
    {"writev", case_writev},
    {"mmap_private_read", case_mmap_private_read},
    {"mmap_shared_write", case_mmap_shared_write},
    {"mmap_exec", case_mmap_exec},
    {"mmap_shared_exec", case_mmap_shared_exec},
    {"mmap_write_private", case_mmap_write_private},
    {"link", case_link},
    {"linkat", case_linkat},
    {"symlink", case_symlink},
    {"symlinkat", case_symlinkat},
    {"unlink", case_unlink},
    {"unlinkat", case_unlinkat},
    {"rename", case_rename},
    {"renameat2", case_renameat2},
    {"renameat2_exchange", case_renameat2_exchange},
    {"chmod", case_chmod},
    {"fchmod", case_fchmod},
    {"chown", case_chown},
    {"fchown", case_fchown},
    {"truncate", case_truncate},
    {"ftruncate", case_ftruncate},
    {"utimes", case_utimes},
    {"execve", case_execve},
    {"fork", case_fork},
    {"vfork", case_vfork},
    {"pthread", case_pthread},
    {"thread_write", case_thread_write},
    {"thread_read", case_thread_read},
    {"exit", case_exit},
    {"setuid", case_setuid},
    {"setgid", case_setgid},
    {"setresuid", case_setresuid},
    {"setreuid", case_setreuid},
    {"setresgid", case_setresgid},
    {"pipe", case_pipe},
    {"mkfifo", case_mkfifo},
    {"fifo_open", case_fifo_open},
    {"fifo_ipc", case_fifo_ipc},
    {"socket", case_socket},
    {"socket_unix", case_socket_unix},
    {"bind", case_bind},
    {"bind_inet6", case_bind_inet6},
    {"bind_unix", case_bind_unix},
    {"listen", case_listen},
    {"connect", case_connect},
    {"connect_unix", case_connect_unix},
    {"accept", case_accept},
    {"sendto", case_sendto},
    {"recvfrom", case_recvfrom},
    {"sendmsg_unix", case_sendmsg_unix},
    {"recvmsg_unix", case_recvmsg_unix},
    {"sendmsg_inet", case_sendmsg_inet},
    {"recvmsg_inet", case_recvmsg_inet},
    {"sendto_unix", case_sendto_unix},
    {"recvfrom_unix", case_recvfrom_unix},
    {"connect_inet6", case_connect_inet6},
    {"send_tcp", case_send_tcp},
    {"recv_tcp", case_recv_tcp},
    {"write_socket", case_write_socket},
    {"read_socket", case_read_socket},
    {"mkdir", case_mkdir},
    {"rmdir", case_rmdir},
    {"mknod", case_mknod},
    {"stat", case_stat},
    {"setxattr", case_setxattr},
    {"getxattr", case_getxattr},
    {"listxattr", case_listxattr},
    {"removexattr", case_removexattr},
    {"ioctl", case_ioctl},
    {"fcntl", case_fcntl},
    {"mprotect", case_mprotect},
    {"mprotect_anon", case_mprotect_anon},
    {"flock", case_flock},
    {"socketpair", case_socketpair},
    {"shutdown", case_shutdown},
    {"kill", case_kill},
    {"ptrace", case_ptrace},
    {"ptrace_read", case_ptrace_read},
    {"ptrace_traceme", case_ptrace_traceme},
    {"mount", case_mount},
    {"umount", case_umount},
    {"scm_rights", case_scm_rights},
    {"sigio", case_sigio},
    {"tcp_packet", case_tcp_packet},
    {"tcp_packet_before_accept", case_tcp_packet_before_accept},
    {"udp_packet", case_udp_packet},
    {"udp6_packet", case_udp6_packet},
    {"sendfile_pipe", case_sendfile_pipe},
    {"udp_blocking_recv", case_udp_blocking_recv},
    {"pipe_blocking_read", case_pipe_blocking_read},
    {"msgget", case_msgget},
    {"msgget_existing", case_msgget_existing},
    {"msgsnd", case_msgsnd},
    {"msgrcv", case_msgrcv},
    {"msgrcv_waiting", case_msgrcv_waiting},
    {"msgctl_stat", case_msgctl_stat},
    {"msgctl_set", case_msgctl_set},
    {"msgctl_rmid", case_msgctl_rmid},
    {"shmget", case_shmget},
    {"shmat", case_shmat},
    {"shmat_rdonly", case_shmat_rdonly},
    {"shmdt", case_shmdt},
    {"shmctl_stat", case_shmctl_stat},
    {"shmctl_rmid", case_shmctl_rmid},
    {"semget", case_semget},
    {"semop", case_semop},
    {"semop_zero", case_semop_zero},
    {"semctl_setval", case_semctl_setval},
    {"semctl_getval", case_semctl_getval},
    {"mq_open", case_mq_open},
    {"mq_send", case_mq_send},
    {"mq_receive", case_mq_receive},
    {"access", case_access},
    {"setpgid", case_setpgid},
    {"getpgid", case_getpgid},
    {"prctl", case_prctl},
    {"capget", case_capget},
    {"capset", case_capset},
    {"capable", case_capable},
    {"capable_repeat", case_capable_repeat},
    {"setgroups", case_setgroups},
    {"move_mount", case_move_mount},
    {"pivot_root", case_pivot_root},
    {"init_module", case_init_module},
    {"finit_module", case_finit_module},
    {"module_request", case_module_request},
    {"bpf_map_create", case_bpf_map_create},
    {"bpf_prog_load", case_bpf_prog_load},
    {"setns", case_setns},
    {"unshare", case_unshare},
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

static void run_case(const struct motif_case *c)
{
	case_name = c->name;
	printf("case=%s pid=%d\n", c->name, getpid());
	c->run();
}

static int usage(void)
{
	fprintf(stderr, "usage: motif all DIR | motif CASE DIR | motif list | motif noop ARGS...\n"
			"  (motif list prints the cases)\n");
	return 2;
}

/* The case named `name`, or NULL. */
static const struct motif_case *case_named(const char *name)
{
	for (size_t i = 0; i < N_CASES; i++)
		if (strcmp(cases[i].name, name) == 0)
			return &cases[i];
	return NULL;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "noop") == 0)
		return 0;
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		for (size_t i = 0; i < N_CASES; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	if (argc != 3)
		return usage();
	int all = strcmp(argv[1], "all") == 0;
	const struct motif_case *one = all ? NULL : case_named(argv[1]);
	if (!all && !one) {
		fprintf(stderr, "motif: unknown case '%s': run 'motif list' for the cases\n",
			argv[1]);
		return 2;
	}
	dir = argv[2];
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (n <= 0) {
		fprintf(stderr, "motif: cannot read /proc/self/exe: %s\n", strerror(errno));
		return 1;
	}
	self_path[n] = 0;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "motif: cannot make %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (one) {
		run_case(one);
		return 0;
	}
	for (size_t i = 0; i < N_CASES; i++)
		run_case(&cases[i]);
	return 0;
}
