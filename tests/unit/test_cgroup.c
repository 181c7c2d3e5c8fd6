/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_cgroup.c: unit tests of cgroup.c: finding the cgroup v2 mount, and
 * the id of a cgroup directory compared with what the kernel itself reports
 * for a task inside it (bpf_get_current_cgroup_id() run through
 * BPF_PROG_TEST_RUN of a raw tracepoint program, which runs in the calling
 * task) and with the path in /proc/self/cgroup; the top-down walk of a
 * subtree (on plain temporary trees and on cgroup v2), the cgroup_mutex
 * barrier, the id-to-path lookup and whether an id exists. Runs as root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup.h"

static char cg_root[256]; /* short, so paths built from it fit PATH_MAX */

/* Makes a fresh cgroup directly under the cgroup v2 root. */
static void make_test_cgroup(char *path, size_t len, const char *tag)
{
	snprintf(path, len, "%s/sabpf-test-%d-%s", cg_root, (int)getpid(), tag);
	rmdir(path);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* Writes a string to a file; returns 0 or -errno. */
static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		rc = -errno;
	close(fd);
	return rc;
}

/* The cgroup v2 path of this process as /proc/self/cgroup shows it. */
static void own_cgroup(char *buf, size_t len)
{
	char line[PATH_MAX + 8];
	FILE *f = fopen("/proc/self/cgroup", "r");

	assert_non_null(f);
	buf[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(buf, len, "%s", line + 3);
		}
	}
	fclose(f);
	assert_true(buf[0] == '/');
}

/* Moves this process into the cgroup directory dir. */
static void enter_cgroup(const char *dir)
{
	char procs[PATH_MAX + 16];

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	assert_int_equal(write_file(procs, "0"), 0);
}

/* Small constructors of BPF instructions, so the program below reads like
 * the assembly it is. */
static struct bpf_insn insn(__u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return i;
}

static struct bpf_insn call(__s32 helper)
{
	return insn(BPF_JMP | BPF_CALL, 0, 0, 0, helper);
}

/* The id bpf_get_current_cgroup_id() returns for this very process: a raw
 * tracepoint program stores it in an array map, run once in this task with
 * BPF_PROG_TEST_RUN. */
static __u64 kernel_cgroup_id_of_self(void)
{
	int map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sabpf_t_cgid", 4, 8, 1, NULL);
	struct bpf_insn prog[] = {
	    call(BPF_FUNC_get_current_cgroup_id),
	    insn(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_0, -8, 0), /* fp[-8] = id */
	    insn(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -12, 0),	    /* fp[-12] = 0 */
	    insn(BPF_LD | BPF_IMM | BPF_DW, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map_fd),
	    insn(0, 0, 0, 0, 0),
	    insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
	    insn(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -12), /* key */
	    insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0),
	    insn(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, -8), /* value */
	    insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, BPF_ANY),
	    call(BPF_FUNC_map_update_elem),
	    insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),
	    insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	LIBBPF_OPTS(bpf_test_run_opts, run);
	__u32 key = 0;
	__u64 id = 0;
	int prog_fd;

	assert_true(map_fd >= 0);
	prog_fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "sabpf_t_cgid", "GPL", prog,
				sizeof(prog) / sizeof(prog[0]), NULL);
	assert_true(prog_fd >= 0);
	assert_int_equal(bpf_prog_test_run_opts(prog_fd, &run), 0);
	assert_int_equal(bpf_map_lookup_elem(map_fd, &key, &id), 0);
	close(prog_fd);
	close(map_fd);
	return id;
}

static int setup(void **state)
{
	char err[512];

	(void)state;
	if (cgroup2_root(cg_root, sizeof(cg_root), err, sizeof(err)) != 0) {
		fprintf(stderr, "cgroup2_root: %s\n", err);
		return -1;
	}
	return 0;
}

static void test_root_is_a_cgroup2_mount(void **state)
{
	struct statfs fs;
	char again[PATH_MAX], err[512];

	(void)state;
	assert_int_equal(statfs(cg_root, &fs), 0);
	assert_true(fs.f_type == CGROUP2_SUPER_MAGIC);
	assert_non_null(strstr(cg_root, "/"));
	/* Asking again gives the same mount, not a second one. */
	assert_int_equal(cgroup2_root(again, sizeof(again), err, sizeof(err)), 0);
	assert_string_equal(again, cg_root);
}

static void test_root_too_small_buffer(void **state)
{
	char tiny[4], err[512] = "";

	(void)state;
	assert_int_equal(cgroup2_root(tiny, sizeof(tiny), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
}

/* The id of a fresh cgroup equals what the kernel reports for a task in it,
 * and equals the id of the path /proc/self/cgroup shows for that task. */
static void test_id_matches_kernel_view(void **state)
{
	char dir[PATH_MAX], abs_path[PATH_MAX], before[1024], shown[1024], back[PATH_MAX];
	char err[512];
	__u64 id = 0, seen, shown_id = 0;

	(void)state;
	own_cgroup(before, sizeof(before));
	make_test_cgroup(dir, sizeof(dir), "id");
	assert_int_equal(cgroup_id_of_path(dir, &id, abs_path, sizeof(abs_path), err, sizeof(err)),
			 0);
	assert_string_equal(abs_path, dir);
	assert_true(id > 1);

	enter_cgroup(dir);
	seen = kernel_cgroup_id_of_self();
	own_cgroup(shown, sizeof(shown));
	/* "/sabpf-test-..." is the form /proc shows: resolved under the root. */
	assert_int_equal(cgroup_id_of_path(shown, &shown_id, NULL, 0, err, sizeof(err)), 0);
	snprintf(back, sizeof(back), "%s%s", cg_root, before);
	enter_cgroup(back);

	assert_true(seen == id);
	assert_true(shown_id == id);
	/* Back where we were, the kernel reports another id. */
	assert_true(kernel_cgroup_id_of_self() != id);
	assert_int_equal(rmdir(dir), 0);
}

static void test_relative_path_is_under_root(void **state)
{
	char dir[PATH_MAX], abs_path[PATH_MAX], err[512];
	__u64 by_abs = 0, by_rel = 0;

	(void)state;
	make_test_cgroup(dir, sizeof(dir), "rel");
	assert_int_equal(cgroup_id_of_path(dir, &by_abs, NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(cgroup_id_of_path(dir + strlen(cg_root) + 1, &by_rel, abs_path,
					   sizeof(abs_path), err, sizeof(err)),
			 0);
	assert_true(by_abs == by_rel);
	assert_string_equal(abs_path, dir);
	assert_int_equal(rmdir(dir), 0);
}

static void test_rejects_regular_file(void **state)
{
	char file[PATH_MAX], err[512] = "", expect[PATH_MAX + 64];
	__u64 id = 77;

	(void)state;
	snprintf(file, sizeof(file), "%s/cgroup.procs", cg_root);
	assert_int_equal(cgroup_id_of_path(file, &id, NULL, 0, err, sizeof(err)), -1);
	snprintf(expect, sizeof(expect), "'%s' is not a directory", file);
	assert_non_null(strstr(err, expect));
	assert_true(id == 77);
}

static void test_rejects_missing_path(void **state)
{
	char err[512] = "";
	__u64 id = 77;

	(void)state;
	assert_int_equal(cgroup_id_of_path("/nonexistent-sabpf/x", &id, NULL, 0, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "cgroup '/nonexistent-sabpf/x' does not exist"));
	assert_int_equal(cgroup_id_of_path("no-such-child", &id, NULL, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/no-such-child' does not exist"));
	assert_true(id == 77);
}

static void test_rejects_directory_not_on_cgroup2(void **state)
{
	char err[512] = "";
	__u64 id = 77;

	(void)state;
	assert_int_equal(cgroup_id_of_path("/tmp", &id, NULL, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'/tmp' is not on cgroup v2"));
	assert_non_null(strstr(err, cg_root));
	assert_int_equal(cgroup_id_of_path("", &id, NULL, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty cgroup path"));
	assert_true(id == 77);
}

/* In a child with a private mount namespace and every cgroup2 mount
 * detached, cgroup2_root() mounts cgroup v2 at /run/sabpf/cgroup2. The exit
 * code names the failed step. */
static void __attribute__((noreturn)) find_root_without_cgroup2(void)
{
	char found[PATH_MAX], err[512];
	struct statfs fs;

	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		_exit(10);
	while (cgroup2_root(found, sizeof(found), err, sizeof(err)) == 0 &&
	       strcmp(found, "/run/sabpf/cgroup2") != 0) {
		if (umount2(found, MNT_DETACH) != 0)
			_exit(11);
	}
	if (strcmp(found, "/run/sabpf/cgroup2") != 0)
		_exit(12);
	if (statfs(found, &fs) != 0 || fs.f_type != CGROUP2_SUPER_MAGIC)
		_exit(13);
	/* The mount is found again rather than stacked a second time. */
	if (cgroup2_root(found, sizeof(found), err, sizeof(err)) != 0 ||
	    strcmp(found, "/run/sabpf/cgroup2") != 0)
		_exit(14);
	_exit(0);
}

static void test_mounts_cgroup2_when_absent(void **state)
{
	int wstatus = -1;
	pid_t pid;
	struct statfs fs;

	(void)state;
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		find_root_without_cgroup2();
	assert_int_equal(waitpid(pid, &wstatus, 0), pid);
	assert_true(WIFEXITED(wstatus));
	assert_int_equal(WEXITSTATUS(wstatus), 0);
	/* Only the child's mount namespace changed. */
	assert_int_equal(statfs(cg_root, &fs), 0);
	assert_true(fs.f_type == CGROUP2_SUPER_MAGIC);
}

/* ---- the subtree walk (registration of a pod with existing children) ---- */

struct visits {
	char paths[32][PATH_MAX];
	int depths[32];
	int n;
	const char *make_during; /* made (mkdir) while this one is visited */
	const char *skip;	 /* its subtree is skipped */
	const char *fail;	 /* the walk stops here */
	const char *remove;	 /* removed (rmdir) while the first is visited */
};

static int record_visit(const char *path, int depth, void *ctx, char *err, size_t errlen)
{
	struct visits *v = ctx;
	char made[PATH_MAX];

	assert_true(v->n < 32);
	snprintf(v->paths[v->n], PATH_MAX, "%s", path);
	v->depths[v->n++] = depth;
	if (v->make_during && strcmp(path, v->make_during) == 0) {
		snprintf(made, sizeof(made), "%s/made-during-visit", path);
		assert_int_equal(mkdir(made, 0755), 0);
	}
	if (v->remove && v->n == 1)
		assert_int_equal(rmdir(v->remove), 0);
	if (v->fail && strcmp(path, v->fail) == 0) {
		snprintf(err, errlen, "stop at %s", path);
		return -1;
	}
	return v->skip && strcmp(path, v->skip) == 0 ? 1 : 0;
}

/* Index of path in the visits, or -1. */
static int visited(const struct visits *v, const char *path)
{
	int at = -1;
	for (int i = 0; i < v->n; i++) {
		if (strcmp(v->paths[i], path) == 0) {
			assert_int_equal(at, -1); /* at most once */
			at = i;
		}
	}
	return at;
}

/* A plain tree in a temporary directory: top/{a/{b/{c}},d} and files. */
static void make_tree(char *top, size_t len)
{
	char p[PATH_MAX];
	snprintf(top, len, "/tmp/sabpf-test-walk-XXXXXX");
	assert_non_null(mkdtemp(top));
	const char *dirs[] = {"a", "a/b", "a/b/c", "d"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", top, dirs[i]);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	const char *files[] = {"f", "a/g", "a/b/h"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", top, files[i]);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fclose(f);
	}
}

static void remove_tree(const char *top)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	assert_int_equal(system(cmd), 0);
}

static const char *under(const char *top, const char *rel)
{
	static char bufs[4][PATH_MAX];
	static int next;
	char *b = bufs[next++ % 4];
	snprintf(b, PATH_MAX, "%s/%s", top, rel);
	return b;
}

/* Every directory once, files never, each parent before its children,
 * with its depth. */
static void test_walk_visits_every_directory_top_down(void **state)
{
	char top[PATH_MAX], err[512] = "";
	struct visits v = {0};

	(void)state;
	make_tree(top, sizeof(top));
	assert_int_equal(cgroup_walk(top, record_visit, &v, err, sizeof(err)), 0);
	assert_int_equal(v.n, 5);
	assert_int_equal(visited(&v, top), 0);
	assert_int_equal(v.depths[0], 0);
	int a = visited(&v, under(top, "a")), b = visited(&v, under(top, "a/b"));
	int c = visited(&v, under(top, "a/b/c")), d = visited(&v, under(top, "d"));
	assert_true(a > 0 && d > 0 && b > a && c > b);
	assert_int_equal(v.depths[a], 1);
	assert_int_equal(v.depths[d], 1);
	assert_int_equal(v.depths[b], 2);
	assert_int_equal(v.depths[c], 3);
	assert_int_equal(visited(&v, under(top, "f")), -1);
	assert_int_equal(visited(&v, under(top, "a/g")), -1);
	remove_tree(top);
}

/* A directory made while its parent is visited (after the parent was put
 * in scope) is listed and visited: the parent's listing comes after its
 * visit. */
static void test_walk_lists_after_visiting(void **state)
{
	char top[PATH_MAX], err[512] = "";
	struct visits v = {0};

	(void)state;
	make_tree(top, sizeof(top));
	v.make_during = under(top, "a/b");
	assert_int_equal(cgroup_walk(top, record_visit, &v, err, sizeof(err)), 0);
	int made = visited(&v, under(top, "a/b/made-during-visit"));
	assert_true(made > visited(&v, under(top, "a/b")));
	assert_int_equal(v.depths[made], 3);
	assert_int_equal(v.n, 6);
	remove_tree(top);
}

static void test_walk_skips_and_stops(void **state)
{
	char top[PATH_MAX], err[512] = "";
	struct visits v = {0};

	(void)state;
	make_tree(top, sizeof(top));
	v.skip = under(top, "a");
	assert_int_equal(cgroup_walk(top, record_visit, &v, err, sizeof(err)), 0);
	assert_true(visited(&v, under(top, "a")) > 0);
	assert_int_equal(visited(&v, under(top, "a/b")), -1);
	assert_int_equal(visited(&v, under(top, "a/b/c")), -1);
	assert_true(visited(&v, under(top, "d")) > 0);

	struct visits w = {0};
	char expect[PATH_MAX + 16];
	w.fail = under(top, "a/b");
	assert_int_equal(cgroup_walk(top, record_visit, &w, err, sizeof(err)), -1);
	snprintf(expect, sizeof(expect), "stop at %s/a/b", top);
	assert_string_equal(err, expect);
	assert_int_equal(visited(&w, under(top, "a/b/c")), -1);
	remove_tree(top);
}

/* A directory removed after it was listed is skipped, not an error. */
static void test_walk_tolerates_vanished_directories(void **state)
{
	char top[PATH_MAX], err[512] = "";
	struct visits v = {0};

	(void)state;
	make_tree(top, sizeof(top));
	assert_int_equal(rmdir(under(top, "a/b/c")), 0);
	v.remove = under(top, "d"); /* while top is visited, before the listing */
	assert_int_equal(cgroup_walk(top, record_visit, &v, err, sizeof(err)), 0);
	assert_int_equal(visited(&v, under(top, "d")), -1);
	assert_true(visited(&v, under(top, "a/b")) > 0);
	remove_tree(top);
}

/* A path too long to name is an error that names it, never skipped. */
static void test_walk_refuses_paths_too_long(void **state)
{
	char top[PATH_MAX], err[8192] = "", name[251];

	(void)state;
	snprintf(top, sizeof(top), "/tmp/sabpf-test-walk-XXXXXX");
	assert_non_null(mkdtemp(top));
	memset(name, 'x', 250);
	name[250] = '\0';
	int fd = open(top, O_RDONLY | O_DIRECTORY);
	for (int i = 0; i < 18; i++) { /* 18 * 251 > PATH_MAX */
		assert_int_equal(mkdirat(fd, name, 0755), 0);
		int next = openat(fd, name, O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = next;
		assert_true(fd >= 0);
	}
	close(fd);
	struct visits *big = calloc(1, sizeof(*big));
	assert_int_equal(cgroup_walk(top, record_visit, big, err, sizeof(err)), -1);
	if (!strstr(err, "path longer than 4095 bytes, cannot be walked"))
		fail_msg("err: %.300s", err);
	int n = big->n;
	free(big);
	assert_true(n >= 15 && n <= 17);
	remove_tree(top);
}

/* On the host's cgroup v2: the walk's ids are the cgroups' ids, the
 * barrier write works on a live cgroup and says when it is gone, and an
 * id leads back to its path. */
static void test_walk_ids_and_sync_on_cgroup2(void **state)
{
	char top[PATH_MAX], err[512] = "", back[PATH_MAX];
	struct visits v = {0};
	__u64 id = 0, want = 0;

	(void)state;
	make_test_cgroup(top, sizeof(top), "walk");
	assert_int_equal(mkdir(under(top, "x"), 0755), 0);
	assert_int_equal(mkdir(under(top, "x/y"), 0755), 0);
	assert_int_equal(mkdir(under(top, "z"), 0755), 0);
	assert_int_equal(cgroup_walk(top, record_visit, &v, err, sizeof(err)), 0);
	assert_int_equal(v.n, 4); /* control files are not cgroups */
	for (int i = 0; i < v.n; i++) {
		assert_int_equal(cgroup_id_of_dir(v.paths[i], &id, err, sizeof(err)), 0);
		assert_int_equal(cgroup_id_of_path(v.paths[i], &want, NULL, 0, err, sizeof(err)),
				 0);
		assert_true(id == want);
		assert_int_equal(cgroup_sync(v.paths[i], err, sizeof(err)), 0);
		assert_int_equal(cgroup_path_of_id(id, back, sizeof(back)), 0);
		assert_string_equal(back, v.paths[i]);
	}
	assert_int_equal(cgroup_id_of_dir(under(top, "x/y"), &id, err, sizeof(err)), 0);
	assert_int_equal(rmdir(under(top, "x/y")), 0);
	assert_int_equal(cgroup_id_of_dir(under(top, "x/y"), &want, err, sizeof(err)), -ENOENT);
	assert_int_equal(cgroup_sync(under(top, "x/y"), err, sizeof(err)), -ENOENT);
	assert_int_equal(cgroup_path_of_id(id, back, sizeof(back)), -1);
	/* not on cgroup v2: no id (sysfs is kernfs too, with ids of its own) */
	assert_int_equal(cgroup_id_of_dir("/sys/fs", &id, err, sizeof(err)), -1);
	assert_string_equal(err, "'/sys/fs' is not on cgroup v2");
	assert_int_equal(cgroup_id_of_dir("/tmp", &id, err, sizeof(err)), -1);
	/* not a cgroup (no cgroup.subtree_control): as good as gone */
	assert_int_equal(cgroup_sync("/tmp", err, sizeof(err)), -ENOENT);
	assert_int_equal(rmdir(under(top, "x")), 0);
	assert_int_equal(rmdir(under(top, "z")), 0);
	assert_int_equal(rmdir(top), 0);
}

/* An id exists while its cgroup does (also with a child in it), and not
 * once it is removed; an id never given is not there either. These decide
 * when `policy apply` frees the slot of a cgroup gone (enforce.c). */
static void test_id_exists_until_removed(void **state)
{
	char top[PATH_MAX], err[512] = "";
	__u64 id = 0, child = 0;

	(void)state;
	make_test_cgroup(top, sizeof(top), "exists");
	assert_int_equal(mkdir(under(top, "c"), 0755), 0);
	assert_int_equal(cgroup_id_of_dir(top, &id, err, sizeof(err)), 0);
	assert_int_equal(cgroup_id_of_dir(under(top, "c"), &child, err, sizeof(err)), 0);
	assert_int_equal(cgroup_id_exists(id), 1);
	assert_int_equal(cgroup_id_exists(child), 1);
	assert_int_equal(rmdir(under(top, "c")), 0);
	assert_int_equal(cgroup_id_exists(child), 0);
	assert_int_equal(cgroup_id_exists(id), 1); /* its parent is still there */
	assert_int_equal(rmdir(top), 0);
	assert_int_equal(cgroup_id_exists(id), 0);
	assert_int_equal(cgroup_id_exists(~0ull), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_root_is_a_cgroup2_mount),
	    cmocka_unit_test(test_root_too_small_buffer),
	    cmocka_unit_test(test_id_matches_kernel_view),
	    cmocka_unit_test(test_relative_path_is_under_root),
	    cmocka_unit_test(test_rejects_regular_file),
	    cmocka_unit_test(test_rejects_missing_path),
	    cmocka_unit_test(test_rejects_directory_not_on_cgroup2),
	    cmocka_unit_test(test_mounts_cgroup2_when_absent),
	    cmocka_unit_test(test_walk_visits_every_directory_top_down),
	    cmocka_unit_test(test_walk_lists_after_visiting),
	    cmocka_unit_test(test_walk_skips_and_stops),
	    cmocka_unit_test(test_walk_tolerates_vanished_directories),
	    cmocka_unit_test(test_walk_refuses_paths_too_long),
	    cmocka_unit_test(test_walk_ids_and_sync_on_cgroup2),
	    cmocka_unit_test(test_id_exists_until_removed),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
