/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* flowhelp.c: the socket steps of the end-to-end workload
 * (tests/vm/scenarios/70-workload.sh), which busybox's shell cannot make:
 * each one moves data between a file or standard input and a TCP, UDP or
 * unix socket, or passes a file's descriptor in an SCM_RIGHTS message.
 * Receivers create OUT.ready once they can be reached.
 *
 *   flowhelp tcp-recv PORT OUT     accept one connection on 127.0.0.1:PORT, write what comes to OUT
 *   flowhelp tcp-send PORT TEXT    connect to 127.0.0.1:PORT and send TEXT
 *   flowhelp unix-recv PATH OUT    accept one unix stream connection on PATH, write what comes to
 * OUT flowhelp unix-send PATH FILE   send FILE to the unix stream socket PATH flowhelp udp-recv
 * PORT OUT     receive one datagram on 127.0.0.1:PORT, write it to OUT flowhelp udp-send PORT FILE
 * send FILE as one datagram to 127.0.0.1:PORT flowhelp fd-recv PATH OUT      accept on PATH,
 * receive a descriptor, copy what it reads to OUT flowhelp fd-send PATH FILE     open FILE and pass
 * its descriptor to PATH (without reading it) flowhelp await FILE            wait (up to 30 s)
 * until FILE exists
 *
 * FILE is opened by flowhelp itself, not by a redirection: ash opens a
 * redirection in the shell, which would then hold the file's data.
 *
 * Exits 0 on success, 1 with a message naming the step that failed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "flowhelp: %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

/* Creates OUT.ready: the receiver can be reached. */
static void ready(const char *out)
{
	char path[512];
	snprintf(path, sizeof(path), "%s.ready", out);
	int fd = open(path, O_CREAT | O_WRONLY, 0644);
	check(fd >= 0, "create the ready file");
	close(fd);
}

static struct sockaddr_in loopback(const char *port)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(atoi(port))};
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return in;
}

static struct sockaddr_un unix_address(const char *path)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
	return un;
}

/* Copies everything `from` gives to `to`. */
static void copy(int from, int to)
{
	char buf[4096];
	ssize_t n;
	while ((n = read(from, buf, sizeof(buf))) > 0)
		check(write(to, buf, n) == n, "write");
	check(n == 0, "read");
}

static int create(const char *out)
{
	int fd = open(out, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	check(fd >= 0, "create the output file");
	return fd;
}

/* Listens on `addr`, says it is ready, and returns the accepted socket. */
static int accept_one(int family, const struct sockaddr *addr, socklen_t len, const char *out)
{
	int l = socket(family, SOCK_STREAM, 0);
	check(l >= 0, "socket");
	int one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	check(bind(l, addr, len) == 0, "bind");
	check(listen(l, 1) == 0, "listen");
	ready(out);
	int s = accept(l, NULL, NULL);
	check(s >= 0, "accept");
	close(l);
	return s;
}

static int tcp_recv(const char *port, const char *out)
{
	struct sockaddr_in in = loopback(port);
	int s = accept_one(AF_INET, (struct sockaddr *)&in, sizeof(in), out);
	int fd = create(out);
	copy(s, fd);
	return 0;
}

static int tcp_send(const char *port, const char *text)
{
	struct sockaddr_in in = loopback(port);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	check(s >= 0, "socket");
	check(connect(s, (struct sockaddr *)&in, sizeof(in)) == 0, "connect");
	size_t len = strlen(text);
	check(send(s, text, len, 0) == (ssize_t)len, "send");
	check(send(s, "\n", 1, 0) == 1, "send");
	return 0;
}

static int unix_recv(const char *path, const char *out)
{
	struct sockaddr_un un = unix_address(path);
	unlink(path);
	int s = accept_one(AF_UNIX, (struct sockaddr *)&un, sizeof(un), path);
	int fd = create(out);
	copy(s, fd);
	return 0;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un un = unix_address(path);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	check(s >= 0, "socket");
	check(connect(s, (struct sockaddr *)&un, sizeof(un)) == 0, "connect");
	return s;
}

static int open_input(const char *file)
{
	int fd = open(file, O_RDONLY);
	check(fd >= 0, "open the input file");
	return fd;
}

static int unix_send(const char *path, const char *file)
{
	int s = unix_connect(path);
	copy(open_input(file), s);
	return 0;
}

static int udp_recv(const char *port, const char *out)
{
	char buf[4096];
	struct sockaddr_in in = loopback(port);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	check(s >= 0, "socket");
	check(bind(s, (struct sockaddr *)&in, sizeof(in)) == 0, "bind");
	ready(out);
	ssize_t n = recv(s, buf, sizeof(buf), 0);
	check(n > 0, "recv");
	int fd = create(out);
	check(write(fd, buf, n) == n, "write");
	return 0;
}

static int udp_send(const char *port, const char *file)
{
	char buf[4096];
	ssize_t n = read(open_input(file), buf, sizeof(buf));
	check(n > 0, "read the input file");
	struct sockaddr_in in = loopback(port);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	check(s >= 0, "socket");
	check(sendto(s, buf, n, 0, (struct sockaddr *)&in, sizeof(in)) == n, "sendto");
	return 0;
}

static int fd_recv(const char *path, const char *out)
{
	struct sockaddr_un un = unix_address(path);
	unlink(path);
	int s = accept_one(AF_UNIX, (struct sockaddr *)&un, sizeof(un), path);
	char control[CMSG_SPACE(sizeof(int))] = {0};
	char byte;
	struct iovec iov = {&byte, 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = sizeof(control)};
	check(recvmsg(s, &msg, 0) == 1, "recvmsg");
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	errno = EPROTO;
	check(c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS, "no SCM_RIGHTS");
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	copy(fd, create(out));
	return 0;
}

static int fd_send(const char *path, const char *file)
{
	int fd = open(file, O_RDONLY);
	check(fd >= 0, "open the file to pass");
	int s = unix_connect(path);
	char control[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {(void *)"F", 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = sizeof(control)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	check(sendmsg(s, &msg, 0) == 1, "sendmsg");
	return 0;
}

static int await(const char *file)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	for (int i = 0; i < 3000; i++) {
		if (access(file, F_OK) == 0)
			return 0;
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "flowhelp: %s did not appear within 30 s\n", file);
	return 1;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	if (argc == 4 && strcmp(cmd, "tcp-recv") == 0)
		return tcp_recv(argv[2], argv[3]);
	if (argc == 4 && strcmp(cmd, "tcp-send") == 0)
		return tcp_send(argv[2], argv[3]);
	if (argc == 4 && strcmp(cmd, "unix-recv") == 0)
		return unix_recv(argv[2], argv[3]);
	if (argc == 4 && strcmp(cmd, "unix-send") == 0)
		return unix_send(argv[2], argv[3]);
	if (argc == 4 && strcmp(cmd, "udp-recv") == 0)
		return udp_recv(argv[2], argv[3]);
	if (argc == 4 && strcmp(cmd, "udp-send") == 0)
		return udp_send(argv[2], argv[3]);
	if (argc == 4 && strcmp(cmd, "fd-recv") == 0)
		return fd_recv(argv[2], argv[3]);
	if (argc == 4 && strcmp(cmd, "fd-send") == 0)
		return fd_send(argv[2], argv[3]);
	if (argc == 3 && strcmp(cmd, "await") == 0)
		return await(argv[2]);
	fprintf(stderr, "usage: see the comment at the top of tests/vm/progs/flowhelp.c\n");
	return 2;
}
