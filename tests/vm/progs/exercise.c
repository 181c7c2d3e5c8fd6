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
 *
 * Exits 0 when every call behaved as expected, 1 (with a message) if not. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
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
	void *map = mmap(NULL, 5, PROT_READ, MAP_PRIVATE, fd, 0);
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
	fprintf(stderr, "usage: exercise files DIR | proc | net PORT | flood N F1 F2 | spin SECONDS\n");
	return 2;
}
