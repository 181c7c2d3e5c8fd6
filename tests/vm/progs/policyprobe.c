/* policyprobe.c: tries one operation an access-control policy governs and
 * prints what the kernel answered, for tests/vm/scenarios/70-policy.sh:
 *
 *   policyprobe connect ADDR PORT      TCP connect (refused = allowed by policy)
 *   policyprobe sendto ADDR PORT       one UDP datagram to ADDR
 *   policyprobe bind ADDR PORT         bind a TCP socket
 *   policyprobe listen PORT            bind 0.0.0.0:PORT, then listen (PORT 0:
 *                                      no bind, the kernel picks a port)
 *   policyprobe socket FAMILY          unix, inet, inet6, netlink or packet
 *   policyprobe open PATH r|w|rw       open a file
 *   policyprobe exec PATH [ARG...]     fork + execve, the child's errno
 *   policyprobe mmapx PATH             mmap PROT_READ|PROT_EXEC
 *   policyprobe mprotectx PATH         mmap PROT_READ, then mprotect PROT_EXEC
 *
 *   policyprobe -n COUNT OP ARGS...    the same COUNT times; adds ns_per_op=N
 *
 * Prints "OP ARGS: ok" or "OP ARGS: errno=N NAME" (e.g. EPERM) and exits 0;
 * exit 2 on bad usage. Only the errno of the governed step is reported: a
 * connect refused because nothing listens is "ok" (the policy let it by). */
#define _GNU_SOURCE /* pipe2 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case ENOENT:
		return "ENOENT";
	case EAFNOSUPPORT:
		return "EAFNOSUPPORT";
	case EADDRINUSE:
		return "EADDRINUSE";
	default:
		return "other";
	}
}

static int report(int argc, char **argv, int e, double ns_per_op)
{
	for (int i = 1; i < argc; i++)
		printf("%s%s", i > 1 ? " " : "", argv[i]);
	if (e == 0)
		printf(": ok");
	else
		printf(": errno=%d %s", e, errno_name(e));
	if (ns_per_op > 0)
		printf(" ns_per_op=%.0f", ns_per_op);
	printf("\n");
	return 0;
}

/* Fills an IPv4 or IPv6 socket address; returns its length, 0 if bad. */
static socklen_t make_addr(const char *text, const char *port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)atoi(port));
		return sizeof(*in);
	}
	if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)atoi(port));
		return sizeof(*in6);
	}
	return 0;
}

static int net_op(const char *op, const char *addr, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(addr, port, &ss);
	if (!len)
		return EINVAL;
	int udp = strcmp(op, "sendto") == 0;
	int fd = socket(ss.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		return errno;
	int rc, e = 0;
	if (udp)
		rc = (int)sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len);
	else if (strcmp(op, "connect") == 0)
		rc = connect(fd, (struct sockaddr *)&ss, len);
	else
		rc = bind(fd, (struct sockaddr *)&ss, len);
	if (rc < 0)
		e = errno;
	if (strcmp(op, "connect") == 0 && e == ECONNREFUSED)
		e = 0; /* nothing listens there: the policy let the connect through */
	close(fd);
	return e;
}

static int listen_op(const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr("0.0.0.0", port, &ss);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return errno;
	int e = 0;
	if (atoi(port) != 0 && bind(fd, (struct sockaddr *)&ss, len) < 0)
		e = errno;
	else if (listen(fd, 1) < 0)
		e = errno;
	close(fd);
	return e;
}

static int socket_op(const char *family)
{
	static const struct {
		const char *name;
		int family, type;
	} families[] = {{"unix", AF_UNIX, SOCK_STREAM},
			{"inet", AF_INET, SOCK_STREAM},
			{"inet6", AF_INET6, SOCK_STREAM},
			{"netlink", AF_NETLINK, SOCK_RAW},
			{"packet", AF_PACKET, SOCK_DGRAM}};
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		if (strcmp(family, families[i].name) != 0)
			continue;
		int fd = socket(families[i].family, families[i].type, 0);
		if (fd < 0)
			return errno;
		close(fd);
		return 0;
	}
	return EINVAL;
}

static int open_op(const char *path, const char *mode)
{
	int flags = strcmp(mode, "rw") == 0 ? O_RDWR : strcmp(mode, "w") == 0 ? O_WRONLY : O_RDONLY;
	int fd = open(path, flags);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int exec_op(char **argv)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return errno;
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		int e = errno;
		if (write(pipefd[1], &e, sizeof(e)) != sizeof(e))
			_exit(126);
		_exit(127);
	}
	close(pipefd[1]);
	int e = 0;
	if (read(pipefd[0], &e, sizeof(e)) != sizeof(e))
		e = 0; /* the exec succeeded: the pipe closed on exec */
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	return e;
}

static int map_op(const char *path, int via_mprotect)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno;
	int prot = via_mprotect ? PROT_READ : PROT_READ | PROT_EXEC;
	void *p = mmap(NULL, 4096, prot, MAP_PRIVATE, fd, 0);
	int e = p == MAP_FAILED ? errno : 0;
	close(fd);
	if (!e && via_mprotect && mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0)
		e = errno;
	if (p != MAP_FAILED)
		munmap(p, 4096);
	return e;
}

static int run_op(int argc, char **argv);

int main(int argc, char **argv)
{
	long count = 1;
	int first = 1;
	if (argc > 3 && strcmp(argv[1], "-n") == 0) {
		count = atol(argv[2]);
		first = 3;
	}
	if (argc - first < 2 || count < 1) {
		fprintf(
		    stderr,
		    "usage: policyprobe [-n COUNT] OP ARGS... (see the top of policyprobe.c)\n");
		return 2;
	}
	struct timespec t0, t1;
	int e = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < count; i++) {
		e = run_op(argc - first + 1, argv + first - 1);
		if (e < 0)
			return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
		    (double)count;
	return report(argc - first + 1, argv + first - 1, e, count > 1 ? ns : 0);
}

/* Runs one operation (argv[1] is its name); its errno, or -1 on bad usage. */
static int run_op(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: policyprobe OP ARGS... (see the top of policyprobe.c)\n");
		return -1;
	}
	const char *op = argv[1];
	int e;
	if ((strcmp(op, "connect") == 0 || strcmp(op, "sendto") == 0 || strcmp(op, "bind") == 0) &&
	    argc == 4)
		e = net_op(op, argv[2], argv[3]);
	else if (strcmp(op, "listen") == 0)
		e = listen_op(argv[2]);
	else if (strcmp(op, "socket") == 0)
		e = socket_op(argv[2]);
	else if (strcmp(op, "open") == 0 && argc == 4)
		e = open_op(argv[2], argv[3]);
	else if (strcmp(op, "exec") == 0)
		e = exec_op(argv + 2);
	else if (strcmp(op, "mmapx") == 0)
		e = map_op(argv[2], 0);
	else if (strcmp(op, "mprotectx") == 0)
		e = map_op(argv[2], 1);
	else {
		fprintf(stderr, "policyprobe: unknown operation or wrong arguments: %s\n", op);
		return -1;
	}
	return e;
}
