/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* exercise.c: a test program for the integration scenarios. Each
 * subcommand makes the system calls behind one group of audited LSM hooks
 * and prints what it did as "key=value" lines, so the host-side checks can
 * compare every record's fields with what really happened.
 *
 *   exercise files DIR     create, write, read, mmap, rename, link, symlink,
 *                          chmod, unlink under DIR
 *   exercise proc          fork a child that exits 7; setgid/setuid to 4242
 *   exercise net PORT      TCP and UDP over 127.0.0.1 and ::1, unix stream
 *   exercise flood N F1 F2 N one-byte reads, alternating between F1 and F2
 *   exercise spin SECONDS  stay alive (for cgroup tests)
 *   exercise dirs DIR      mkdir, stat, rmdir of DIR/sub
 *   exercise xattr FILE    setxattr, getxattr, listxattr, removexattr (trusted.*)
 *   exercise fileops FILE  ioctl, flock, fcntl, shared and private mmap, mprotect
 *                          (of the private file map, and of anonymous memory)
 *   exercise sockets DIR   socketpair, shutdown, unix stream and datagram peers
 *   exercise abstract NAME a unix stream socket bound and connected to the
 *                          abstract NAME, given with its exact length, after a
 *                          long path name filled the kernel's copy of an address
 *   exercise tasks         kill, kernel-sent signals, ptrace attach/read, traceme
 *   exercise mount DIR     mount a tmpfs on DIR, unmount it
 *   exercise killpid PID SIG  send SIG to PID
 *
 * Exits 0 when every call behaved as expected, 1 (with a message) if not. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "exercise: %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

static void path_join(char *out, size_t len, const char *dir, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static int do_files(const char *dir)
{
	char a[512], b[512], c[512], d[512], buf[16];
	path_join(a, sizeof(a), dir, "a");
	path_join(b, sizeof(b), dir, "b");
	path_join(c, sizeof(c), dir, "c");
	path_join(d, sizeof(d), dir, "d");

	int fd = open(a, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	check(fd >= 0, "create");
	check(write(fd, "hello", 5) == 5, "write");
	close(fd);
	printf("created=%s\nwritten=%s\n", a, a);

	fd = open(a, O_RDONLY);
	check(fd >= 0, "open for reading");
	check(read(fd, buf, sizeof(buf)) == 5, "read");
	void *map = mmap(NULL, 5, PROT_READ, MAP_SHARED, fd, 0); /* mmap_read */
	check(map != MAP_FAILED, "mmap");
	munmap(map, 5);
	close(fd);
	printf("read=%s\nmapped=%s\n", a, a);

	check(rename(a, b) == 0, "rename");
	printf("renamed=%s\nrenamed_to=%s\n", a, b);
	check(link(b, c) == 0, "link");
	printf("linked=%s\nlinked_to=%s\n", b, c);
	check(symlink("b", d) == 0, "symlink");
	printf("symlink=%s\n", d);
	check(chmod(b, 0600) == 0, "chmod");
	printf("chmod=%s\nchmod_mode=0600\n", b);
	check(unlink(c) == 0, "unlink");
	printf("unlinked=%s\n", c);
	return 0;
}

static int do_proc(void)
{
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0)
		_exit(7);
	int status;
	check(waitpid(child, &status, 0) == child, "waitpid");
	check(WIFEXITED(status) && WEXITSTATUS(status) == 7, "child exit status");
	printf("pid=%d\nchild=%d\n", getpid(), child);
	fflush(stdout);
	check(setgid(4242) == 0, "setgid");
	check(setuid(4242) == 0, "setuid");
	printf("uid=%d\ngid=%d\n", getuid(), getgid());
	return 0;
}

/* A TCP round trip and a UDP datagram on one address family. */
static void net_family(int family, const char *text_addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		inet_pton(AF_INET, text_addr, &in->sin_addr);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		inet_pton(AF_INET6, text_addr, &in6->sin6_addr);
		len = sizeof(*in6);
	}
	int server = socket(family, SOCK_STREAM, 0);
	check(server >= 0, "socket");
	int one = 1;
	setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	check(bind(server, (struct sockaddr *)&ss, len) == 0, "bind");
	check(listen(server, 4) == 0, "listen");
	int client = socket(family, SOCK_STREAM, 0);
	check(client >= 0, "socket");
	check(connect(client, (struct sockaddr *)&ss, len) == 0, "connect");
	int peer = accept(server, NULL, NULL);
	check(peer >= 0, "accept");
	check(send(client, "ping", 4, 0) == 4, "send");
	char buf[8];
	check(recv(peer, buf, sizeof(buf), 0) == 4, "recv");
	close(peer);
	close(client);
	close(server);

	int udp_in = socket(family, SOCK_DGRAM, 0), udp_out = socket(family, SOCK_DGRAM, 0);
	check(udp_in >= 0 && udp_out >= 0, "udp socket");
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(port + 1);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port + 1);
	check(bind(udp_in, (struct sockaddr *)&ss, len) == 0, "udp bind");
	check(sendto(udp_out, "dgram", 5, 0, (struct sockaddr *)&ss, len) == 5, "sendto");
	check(recvfrom(udp_in, buf, sizeof(buf), 0, NULL, NULL) == 5, "recvfrom");
	close(udp_in);
	close(udp_out);
	printf("%s=%s\n%s_port=%d\n%s_udp_port=%d\n", family == AF_INET ? "inet" : "inet6",
	       text_addr, family == AF_INET ? "inet" : "inet6", port,
	       family == AF_INET ? "inet" : "inet6", port + 1);
}

static void net_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	int server = socket(AF_UNIX, SOCK_STREAM, 0);
	check(server >= 0, "unix socket");
	check(bind(server, (struct sockaddr *)&sa, sizeof(sa)) == 0, "unix bind");
	check(listen(server, 4) == 0, "unix listen");
	int client = socket(AF_UNIX, SOCK_STREAM, 0);
	check(connect(client, (struct sockaddr *)&sa, sizeof(sa)) == 0, "unix connect");
	int peer = accept(server, NULL, NULL);
	check(peer >= 0, "unix accept");
	char buf[8];
	check(send(client, "ping", 4, 0) == 4, "unix send");
	check(recv(peer, buf, sizeof(buf), 0) == 4, "unix recv");
	close(peer);
	close(client);
	close(server);
	unlink(path);
	printf("unix=%s\n", path);
}

/* The abstract unix name NAME (sun_path[0] NUL), with addrlen covering
 * exactly its bytes: the kernel's copy of the address holds whatever its
 * stack held past them (zeros on kernels built with
 * CONFIG_INIT_STACK_ALL_ZERO, as Debian's are). A connect to a long path
 * name first (it fails: no such socket) leaves non-zero bytes there on the
 * others, so an agent that reads past the length records them as part of
 * the name. */
static int do_abstract(const char *name)
{
	struct sockaddr_un fill = {.sun_family = AF_UNIX};
	memset(fill.sun_path, 'x', sizeof(fill.sun_path) - 1);
	fill.sun_path[0] = '/';
	int junk = socket(AF_UNIX, SOCK_STREAM, 0);
	check(junk >= 0, "unix socket");
	check(connect(junk, (struct sockaddr *)&fill, sizeof(fill)) < 0, "connect to no socket");
	close(junk);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	check(n + 1 < sizeof(sa.sun_path), "abstract name length");
	memcpy(sa.sun_path + 1, name, n);
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + n;
	int server = socket(AF_UNIX, SOCK_STREAM, 0);
	check(server >= 0, "unix socket");
	check(bind(server, (struct sockaddr *)&sa, len) == 0, "abstract bind");
	check(listen(server, 4) == 0, "abstract listen");
	int client = socket(AF_UNIX, SOCK_STREAM, 0);
	check(connect(client, (struct sockaddr *)&fill, sizeof(fill)) < 0, "connect to no socket");
	check(connect(client, (struct sockaddr *)&sa, len) == 0, "abstract connect");
	int peer = accept(server, NULL, NULL);
	check(peer >= 0, "abstract accept");
	check(send(client, "ping", 4, 0) == 4, "abstract send");
	close(peer);
	close(client);
	close(server);
	printf("abstract=%s\n", name);
	return 0;
}

static int do_net(int port)
{
	net_family(AF_INET, "127.0.0.1", port);
	net_family(AF_INET6, "::1", port + 2);
	net_unix("/tmp/exercise.sock");
	return 0;
}

/* Reads alternate between two files, so that no two consecutive reads
 * are the same relation (which capture would merge): one record each. */
static int do_flood(long n, const char *file1, const char *file2)
{
	int fd1 = open(file1, O_RDONLY), fd2 = open(file2, O_RDONLY);
	check(fd1 >= 0 && fd2 >= 0, "open flood files");
	char c;
	for (long i = 0; i < n; i++)
		check(pread(i % 2 ? fd2 : fd1, &c, 1, 0) == 1, "pread");
	close(fd1);
	close(fd2);
	printf("reads=%ld\n", n);
	return 0;
}

static int do_dirs(const char *dir)
{
	char sub[512];
	struct stat st;
	path_join(sub, sizeof(sub), dir, "sub");
	check(mkdir(sub, 0750) == 0, "mkdir");
	printf("mkdir=%s\nmkdir_mode=0750\n", sub);
	check(stat(sub, &st) == 0 && S_ISDIR(st.st_mode), "stat");
	printf("stat=%s\nstat_ino=%lu\n", sub, (unsigned long)st.st_ino);
	check(rmdir(sub) == 0, "rmdir");
	printf("rmdir=%s\n", sub);
	return 0;
}

/* trusted.* attributes: every tmpfs of the tested kernels has them (user.*
 * only since 6.6), and root in the container holds CAP_SYS_ADMIN. */
static int do_xattr(const char *file)
{
	const char *name = "trusted.sabpf";
	char buf[64];
	int fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	check(fd >= 0, "create xattr file");
	close(fd);
	check(setxattr(file, name, "v1", 2, XATTR_CREATE) == 0, "setxattr");
	printf("xattr_file=%s\nxattr_name=%s\nsetxattr_flags=%d\n", file, name, XATTR_CREATE);
	check(getxattr(file, name, buf, sizeof(buf)) == 2, "getxattr");
	check(listxattr(file, buf, sizeof(buf)) > 0, "listxattr");
	check(removexattr(file, name) == 0, "removexattr");
	return 0;
}

/* A child that changes the protection of a fresh anonymous map: its own
 * process memory, with no earlier mprotect (the static binary's RELRO one)
 * that capture would merge it with. */
static void mprotect_in_child(void)
{
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0) {
		void *m =
		    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		_exit(m == MAP_FAILED || mprotect(m, 4096, PROT_READ | PROT_EXEC) != 0);
	}
	int status;
	check(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "mprotect in child");
	printf("mprotect_pid=%d\nmprotect_prot=%d\n", child, PROT_READ | PROT_EXEC);
}

static int do_fileops(const char *file)
{
	char page[4096] = "fileops";
	int fd = open(file, O_CREAT | O_RDWR | O_TRUNC, 0644);
	check(fd >= 0, "create fileops file");
	check(write(fd, page, sizeof(page)) == (ssize_t)sizeof(page), "write");
	int n = 0;
	check(ioctl(fd, FIONREAD, &n) == 0, "ioctl FIONREAD");
	printf("file=%s\nioctl_cmd=%d\n", file, FIONREAD);
	check(flock(fd, LOCK_EX) == 0, "flock");
	printf("lock_type=%d\n", F_WRLCK); /* the hook sees flock's LOCK_EX as F_WRLCK */
	check(fcntl(fd, F_SETFL, O_APPEND) == 0, "fcntl F_SETFL");
	printf("fcntl_cmd=%d\n", F_SETFL);
	void *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(shared != MAP_FAILED, "shared mmap");
	munmap(shared, 4096);
	void *private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check(private != MAP_FAILED, "private mmap");
	check(mprotect(private, 4096, PROT_READ | PROT_EXEC) == 0, "mprotect file map");
	munmap(private, 4096);
	printf("mmap_shared_prot=%d\nmmap_private_prot=%d\nmprotect_file_prot=%d\n",
	       PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC);
	close(fd);
	mprotect_in_child();
	return 0;
}

static int unix_socket_at(int type, const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", path);
	unlink(path);
	int fd = socket(AF_UNIX, type, 0);
	check(fd >= 0, "unix socket");
	check(bind(fd, (struct sockaddr *)sa, sizeof(*sa)) == 0, "unix bind");
	return fd;
}

static int do_sockets(const char *dir)
{
	char buf[16], stream_path[512], dgram_path[512], dgram2_path[512];
	int sv[2];
	check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	check(send(sv[0], "pair", 4, 0) == 4 && recv(sv[1], buf, sizeof(buf), 0) == 4, "pair io");
	check(shutdown(sv[0], SHUT_WR) == 0, "shutdown");
	printf("socketpair=1\nshutdown_how=%d\n", SHUT_WR);
	close(sv[0]);
	close(sv[1]);

	struct sockaddr_un sa;
	path_join(stream_path, sizeof(stream_path), dir, "stream.sock");
	int server = unix_socket_at(SOCK_STREAM, stream_path, &sa);
	check(listen(server, 4) == 0, "listen");
	int client = socket(AF_UNIX, SOCK_STREAM, 0);
	check(client >= 0 && connect(client, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect");
	int peer = accept(server, NULL, NULL);
	check(peer >= 0, "accept");
	check(send(client, "ping", 4, 0) == 4 && recv(peer, buf, sizeof(buf), 0) == 4, "stream io");
	printf("stream=%s\n", stream_path);
	close(peer);
	close(client);
	close(server);
	unlink(stream_path);

	path_join(dgram_path, sizeof(dgram_path), dir, "dgram.sock");
	int receiver = unix_socket_at(SOCK_DGRAM, dgram_path, &sa);
	int sender = socket(AF_UNIX, SOCK_DGRAM, 0);
	check(sender >= 0, "dgram socket");
	check(sendto(sender, "dgram", 5, 0, (struct sockaddr *)&sa, sizeof(sa)) == 5, "sendto");
	check(recv(receiver, buf, sizeof(buf), 0) == 5, "dgram recv");
	printf("dgram=%s\n", dgram_path);
	/* the same socket sends to a second path: a second address */
	path_join(dgram2_path, sizeof(dgram2_path), dir, "dgram2.sock");
	struct sockaddr_un sa2;
	int receiver2 = unix_socket_at(SOCK_DGRAM, dgram2_path, &sa2);
	check(sendto(sender, "dgram", 5, 0, (struct sockaddr *)&sa2, sizeof(sa2)) == 5, "sendto 2");
	check(recv(receiver2, buf, sizeof(buf), 0) == 5, "dgram recv 2");
	printf("dgram2=%s\n", dgram2_path);
	close(sender);
	close(receiver);
	close(receiver2);
	unlink(dgram_path);
	unlink(dgram2_path);
	return 0;
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static pid_t sleeping_child(void)
{
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0) {
		for (;;)
			pause();
	}
	return child;
}

/* kill: one SIGTERM to a child; kernel-sent signals (SIGALRM from a timer,
 * SIGCHLD) and a signal to itself (raise) are not task-to-task flows. */
static void signals(void)
{
	pid_t child = sleeping_child();
	check(kill(child, SIGTERM) == 0, "kill");
	int status;
	check(waitpid(child, &status, 0) == child && WIFSIGNALED(status), "wait killed child");
	printf("killed=%d\nkill_signal=%d\n", child, SIGTERM);

	signal(SIGALRM, on_alarm);
	struct itimerval t = {.it_value = {.tv_usec = 20000}};
	check(setitimer(ITIMER_REAL, &t, NULL) == 0, "setitimer");
	while (!alarms)
		pause();
	signal(SIGUSR2, SIG_IGN);
	check(raise(SIGUSR2) == 0, "raise");
	printf("kernel_signal=%d\nself_signal=%d\n", SIGALRM, SIGUSR2);
}

/* ptrace: attach to a child (and read its state through kcmp), detach,
 * kill it; a second child asks to be traced by its parent. */
static void tracing(void)
{
	pid_t child = sleeping_child();
	int status;
	check(ptrace(PTRACE_ATTACH, child, 0, 0) == 0, "PTRACE_ATTACH");
	check(waitpid(child, &status, 0) == child && WIFSTOPPED(status), "wait traced child");
	long same = syscall(SYS_kcmp, getpid(), child, 0 /* KCMP_FILE */, 0, 0);
	check(same >= 0, "kcmp");
	check(ptrace(PTRACE_DETACH, child, 0, 0) == 0, "PTRACE_DETACH");
	check(kill(child, SIGKILL) == 0, "kill traced child");
	check(waitpid(child, &status, 0) == child, "wait traced child exit");
	printf("traced=%d\ntraced_kill_signal=%d\n", child, SIGKILL);

	pid_t tracee = fork();
	check(tracee >= 0, "fork");
	if (tracee == 0)
		_exit(ptrace(PTRACE_TRACEME, 0, 0, 0) != 0);
	check(waitpid(tracee, &status, 0) == tracee && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0,
	      "PTRACE_TRACEME child");
	printf("traceme=%d\n", tracee);
}

static int do_tasks(void)
{
	printf("pid=%d\n", getpid());
	signals();
	tracing();
	return 0;
}

static int do_mount(const char *dir)
{
	mkdir(dir, 0755);
	check(mount("sabpf", dir, "tmpfs", MS_NOSUID, "size=64k") == 0, "mount");
	printf("mounted=%s\nmount_flags=%d\n", dir, MS_NOSUID);
	check(umount2(dir, MNT_DETACH) == 0, "umount");
	printf("unmounted=%s\numount_flags=%d\n", dir, MNT_DETACH);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "files") == 0)
		return do_files(argv[2]);
	if (argc == 2 && strcmp(argv[1], "proc") == 0)
		return do_proc();
	if (argc == 3 && strcmp(argv[1], "net") == 0)
		return do_net(atoi(argv[2]));
	if (argc == 5 && strcmp(argv[1], "flood") == 0)
		return do_flood(atol(argv[2]), argv[3], argv[4]);
	if (argc == 3 && strcmp(argv[1], "spin") == 0) {
		sleep(atoi(argv[2]));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "dirs") == 0)
		return do_dirs(argv[2]);
	if (argc == 3 && strcmp(argv[1], "xattr") == 0)
		return do_xattr(argv[2]);
	if (argc == 3 && strcmp(argv[1], "fileops") == 0)
		return do_fileops(argv[2]);
	if (argc == 3 && strcmp(argv[1], "abstract") == 0)
		return do_abstract(argv[2]);
	if (argc == 3 && strcmp(argv[1], "sockets") == 0)
		return do_sockets(argv[2]);
	if (argc == 2 && strcmp(argv[1], "tasks") == 0)
		return do_tasks();
	if (argc == 3 && strcmp(argv[1], "mount") == 0)
		return do_mount(argv[2]);
	if (argc == 4 && strcmp(argv[1], "killpid") == 0) {
		check(kill(atoi(argv[2]), atoi(argv[3])) == 0, "kill");
		printf("pid=%d\nkilled=%s\nkill_signal=%s\n", getpid(), argv[2], argv[3]);
		return 0;
	}
	fprintf(stderr,
		"usage: exercise files DIR | proc | net PORT | flood N F1 F2 | spin SECONDS |\n"
		"       dirs DIR | xattr FILE | fileops FILE | sockets DIR | tasks |\n"
		"       mount DIR | killpid PID SIG\n");
	return 2;
}
