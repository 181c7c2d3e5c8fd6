/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* policyprobe.c: tries one operation an access-control policy governs and
 * prints what the kernel answered, for tests/vm/scenarios/70-policy.sh:
 *
 *   policyprobe connect ADDR PORT      TCP connect (refused = allowed by policy)
 *   policyprobe sendto ADDR PORT       one UDP datagram to ADDR
 *   policyprobe sendmmsg ADDR PORT     the same with sendmmsg
 *   policyprobe uring-connect ADDR PORT
 *                                      TCP connect through io_uring
 *                                      (IORING_OP_CONNECT)
 *   policyprobe uring-sendmsg ADDR PORT
 *                                      a UDP datagram through io_uring
 *                                      (IORING_OP_SENDMSG)
 *   policyprobe bind ADDR PORT         bind a TCP socket
 *   policyprobe listen PORT            bind 0.0.0.0:PORT, then listen (PORT 0:
 *                                      no bind, the kernel picks a port)
 *   policyprobe socket FAMILY          unix, inet, inet6, netlink or packet
 *   policyprobe open PATH r|w|rw       open a file
 *   policyprobe exec PATH [ARG...]     fork + execve, the child's errno
 *   policyprobe mmapx PATH             mmap PROT_READ|PROT_EXEC
 *   policyprobe mprotectx PATH         mmap PROT_READ, then mprotect PROT_EXEC
 *   policyprobe touch PATH             create a file (O_CREAT|O_WRONLY)
 *   policyprobe link OLD NEW           a hard link NEW to OLD
 *   policyprobe bindmount SRC DST      mount --bind SRC DST (then unmounts it)
 *   policyprobe chroot DIR             chroot (in a child)
 *   policyprobe userns-bind SRC DST    unshare a user and a mount namespace,
 *                                      then bind SRC on DST there (in a child)
 *   policyprobe bpfload KIND [CGROUP]  load a small program with bpf() (KIND
 *                                      lsm_cgroup, signal: an lsm_cgroup one
 *                                      calling bpf_send_signal, lsm: a global
 *                                      LSM one, kprobe, tracepoint), then attach
 *                                      it to CGROUP (lsm_cgroup, signal)
 *   policyprobe bpfpin PATH            a map, pinned at PATH (then unpinned)
 *   policyprobe deep DIR N LEN OP ARGS...
 *                                      chdir DIR, then N times mkdir (if need
 *                                      be) and chdir into a directory named by
 *                                      LEN 'd's, then OP ARGS (relative paths
 *                                      reach past PATH_MAX this way)
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
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmlinux_btf.h"

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
	case ENAMETOOLONG:
		return "ENAMETOOLONG";
	case EEXIST:
		return "EEXIST";
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
	int udp = strcmp(op, "sendto") == 0 || strcmp(op, "sendmmsg") == 0;
	int fd = socket(ss.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		return errno;
	int rc, e = 0;
	struct iovec iov = {.iov_base = "x", .iov_len = 1};
	struct mmsghdr mm = {
	    .msg_hdr = {.msg_name = &ss, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1}};
	if (strcmp(op, "sendmmsg") == 0)
		rc = sendmmsg(fd, &mm, 1, 0);
	else if (udp)
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

/* connect (TCP) or sendmsg (UDP) to ADDR PORT as one io_uring request:
 * the kernel's worker does the operation, not a system call of the task. */
static int uring_op(const char *op, const char *addr, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(addr, port, &ss);
	if (!len)
		return EINVAL;
	int udp = strcmp(op, "uring-sendmsg") == 0;
	int fd = socket(ss.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		return errno;
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	int ring = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0)
		return errno;
	size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(__u32);
	size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (sq_len < cq_len)
		sq_len = cq_len; /* one mapping for both (IORING_FEAT_SINGLE_MMAP) */
	char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
			IORING_OFF_SQ_RING);
	struct io_uring_sqe *sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || sqes == MAP_FAILED || !(p.features & IORING_FEAT_SINGLE_MMAP))
		return ENOSYS;
	struct iovec iov = {.iov_base = "x", .iov_len = 1};
	struct msghdr mh = {.msg_name = &ss, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1};
	struct io_uring_sqe *sqe = &sqes[0];
	memset(sqe, 0, sizeof(*sqe));
	sqe->fd = fd;
	if (udp) {
		sqe->opcode = IORING_OP_SENDMSG;
		sqe->addr = (__u64)(uintptr_t)&mh;
		sqe->len = 1;
	} else {
		sqe->opcode = IORING_OP_CONNECT;
		sqe->addr = (__u64)(uintptr_t)&ss;
		sqe->off = len;
	}
	unsigned *array = (unsigned *)(sq + p.sq_off.array);
	unsigned *tail = (unsigned *)(sq + p.sq_off.tail);
	array[*tail & *(unsigned *)(sq + p.sq_off.ring_mask)] = 0;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return errno;
	unsigned head = __atomic_load_n((unsigned *)(sq + p.cq_off.head), __ATOMIC_ACQUIRE);
	struct io_uring_cqe *cqes = (struct io_uring_cqe *)(sq + p.cq_off.cqes);
	int res = cqes[head & *(unsigned *)(sq + p.cq_off.ring_mask)].res;
	close(ring);
	close(fd);
	if (!udp && res == -ECONNREFUSED)
		return 0; /* nothing listens there: the policy let the connect through */
	return res < 0 ? -res : 0;
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

/* Runs fn(a, b) in a child process (so that a chroot or new namespace
 * does not outlive the probe); its errno. */
static int in_child(int (*fn)(const char *, const char *), const char *a, const char *b)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return errno;
	pid_t pid = fork();
	if (pid == 0) {
		int e = fn(a, b);
		_exit(write(pipefd[1], &e, sizeof(e)) == sizeof(e) ? 0 : 1);
	}
	close(pipefd[1]);
	int e = EIO;
	if (read(pipefd[0], &e, sizeof(e)) != sizeof(e))
		e = EIO;
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	return e;
}

static int do_chroot(const char *dir, const char *unused)
{
	(void)unused;
	return chroot(dir) < 0 ? errno : 0;
}

static int do_bind(const char *src, const char *dst)
{
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return errno;
	umount2(dst, MNT_DETACH);
	return 0;
}

static int do_userns_bind(const char *src, const char *dst)
{
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return errno;
	return do_bind(src, dst);
}

static int touch_op(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* chdir dir, then n levels of directories named by len 'd's. */
static int go_deep(const char *dir, int n, int len)
{
	char name[256];
	if (len < 1 || len > 255 || n < 0)
		return EINVAL;
	memset(name, 'd', (size_t)len);
	name[len] = '\0';
	if (chdir(dir) < 0)
		return errno;
	for (int i = 0; i < n; i++) {
		if (mkdir(name, 0755) < 0 && errno != EEXIST)
			return errno;
		if (chdir(name) < 0)
			return errno;
	}
	return 0;
}

/* ---- bpf(), without libbpf ---------------------------------------------- */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int bpf_load(const char *kind, const char *cgroup)
{
	struct bpf_insn ret1[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	struct bpf_insn signal[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 9},
	    {.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_send_signal},
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.insns = (uint64_t)(uintptr_t)ret1;
	a.insn_cnt = 2;
	struct bpf_insn ret0[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	if (strcmp(kind, "lsm") == 0) /* 0 allows (6.9+ checks an lsm/ program's range) */
		a.insns = (uint64_t)(uintptr_t)ret0;
	if (strcmp(kind, "lsm_cgroup") == 0 || strcmp(kind, "signal") == 0 ||
	    strcmp(kind, "lsm") == 0) {
		a.prog_type = BPF_PROG_TYPE_LSM;
		a.expected_attach_type = strcmp(kind, "lsm") == 0 ? BPF_LSM_MAC : BPF_LSM_CGROUP;
		a.attach_btf_id = vmlinux_func_id("bpf_lsm_socket_create");
		if (!a.attach_btf_id)
			return ENOENT;
		if (strcmp(kind, "signal") == 0) {
			a.insns = (uint64_t)(uintptr_t)signal;
			a.insn_cnt = 4;
		}
	} else if (strcmp(kind, "kprobe") == 0) {
		a.prog_type = BPF_PROG_TYPE_KPROBE;
	} else if (strcmp(kind, "tracepoint") == 0) {
		a.prog_type = BPF_PROG_TYPE_TRACEPOINT;
	} else {
		return EINVAL;
	}
	int prog = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (prog < 0)
		return errno;
	int e = 0;
	if (cgroup) {
		int cg = open(cgroup, O_RDONLY | O_DIRECTORY);
		if (cg < 0) {
			e = errno;
		} else {
			memset(&a, 0, sizeof(a));
			a.link_create.prog_fd = (uint32_t)prog;
			a.link_create.target_fd = (uint32_t)cg;
			a.link_create.attach_type = BPF_LSM_CGROUP;
			int link = (int)sys_bpf(BPF_LINK_CREATE, &a);
			e = link < 0 ? errno : 0;
			if (link >= 0)
				close(link);
			close(cg);
		}
	}
	close(prog);
	return e;
}

static int bpf_pin(const char *path)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1;
	int map = (int)sys_bpf(BPF_MAP_CREATE, &a);
	if (map < 0)
		return errno;
	memset(&a, 0, sizeof(a));
	a.pathname = (uint64_t)(uintptr_t)path;
	a.bpf_fd = (uint32_t)map;
	int e = sys_bpf(BPF_OBJ_PIN, &a) < 0 ? errno : 0;
	if (!e)
		unlink(path);
	close(map);
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
	if (argc - first > 4 && strcmp(argv[first], "deep") == 0) {
		int e = go_deep(argv[first + 1], atoi(argv[first + 2]), atoi(argv[first + 3]));
		if (e)
			return report(argc - first + 1, argv + first - 1, e, 0);
		printf("deep %s %s %s: ", argv[first + 1], argv[first + 2], argv[first + 3]);
		first += 4;
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
	if ((strcmp(op, "connect") == 0 || strcmp(op, "sendto") == 0 ||
	     strcmp(op, "sendmmsg") == 0 || strcmp(op, "bind") == 0) &&
	    argc == 4)
		e = net_op(op, argv[2], argv[3]);
	else if ((strcmp(op, "uring-connect") == 0 || strcmp(op, "uring-sendmsg") == 0) &&
		 argc == 4)
		e = uring_op(op, argv[2], argv[3]);
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
	else if (strcmp(op, "touch") == 0)
		e = touch_op(argv[2]);
	else if (strcmp(op, "link") == 0 && argc == 4)
		e = link(argv[2], argv[3]) < 0 ? errno : 0;
	else if (strcmp(op, "bindmount") == 0 && argc == 4)
		e = do_bind(argv[2], argv[3]);
	else if (strcmp(op, "chroot") == 0)
		e = in_child(do_chroot, argv[2], NULL);
	else if (strcmp(op, "userns-bind") == 0 && argc == 4)
		e = in_child(do_userns_bind, argv[2], argv[3]);
	else if (strcmp(op, "bpfload") == 0 && (argc == 3 || argc == 4))
		e = bpf_load(argv[2], argc == 4 ? argv[3] : NULL);
	else if (strcmp(op, "bpfpin") == 0)
		e = bpf_pin(argv[2]);
	else {
		fprintf(stderr, "policyprobe: unknown operation or wrong arguments: %s\n", op);
		return -1;
	}
	return e;
}
