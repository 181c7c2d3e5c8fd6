/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* microbench.c: lmbench-style latency microbenchmark for measuring what
 * auditing costs the audited (and the unaudited) processes: null syscall,
 * stat, fstat, open/close, read, write, fork+exit, fork+exec, file
 * create/delete of 0 and 10 KiB, pipe and AF_UNIX round trips.
 *
 * Each row runs one untimed warm-up batch, then several timed batches
 * ("repetitions") of N operations; it reports the median time per operation
 * over the repetitions with their standard deviation and range. Every system
 * call is checked: a failure stops the program with the row's name.
 *
 *   microbench [--rows LIST] [--iterations N | --seconds S] [--repetitions R]
 *              [--dir DIR] [--cpu N] [--json] [--out FILE] [--list]
 *
 * Statically linked so that it runs unchanged in the test VM's initramfs.
 * It is also its own fork+exec helper: `microbench --exit-at-once` exits 0
 * at once. */
#include "options.h"
#include "stats.h"
#include "json_write.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HELPER_FLAG "--exit-at-once"
#define DEFAULT_SECONDS 1.0
#define DEFAULT_REPETITIONS 5
#define MAX_REPETITIONS 1000
#define MAX_ITERATIONS 100000000UL
/* Upper bound for rows that make one file per iteration, so that a fast
 * file system does not fill a directory with millions of entries. */
#define MAX_FILE_ITERATIONS 20000UL
#define FILE_NAME_LEN 24
#define SIZE_10K (10 * 1024)

/* Everything a row needs while it runs. */
struct bench_ctx {
	const char *row;	  /* name of the running row, for error messages */
	char dir[PATH_MAX];	  /* private scratch directory (made by mkdtemp) */
	int dir_fd;		  /* open descriptor of dir */
	char stat_path[PATH_MAX]; /* an empty file in dir, for stat/fstat/open */
	char self_exe[PATH_MAX];  /* this program, exec'd by the fork+exec row */
	int fd;			  /* row's descriptor: file, /dev/zero, /dev/null */
	pid_t echo_child;	  /* the other end of the pipe and AF_UNIX rows */
	int to_child;		  /* descriptor the parent writes a byte to */
	int from_child;		  /* descriptor the parent reads the echo from */
	char *names;		  /* file names of create/delete rows */
	unsigned long names_cap;  /* how many names fit in names */
	size_t file_size;	  /* bytes written into each created file */
	char file_data[SIZE_10K];
};

/* One benchmark row. op runs once per iteration and is the only timed part;
 * the hooks around it are optional and untimed. */
struct row {
	const char *name;
	const char *description;
	unsigned long max_iterations;
	void (*setup)(struct bench_ctx *ctx);			 /* once, before the row */
	void (*prepare)(struct bench_ctx *ctx, unsigned long n); /* before each batch */
	void (*op)(struct bench_ctx *ctx, unsigned long i);
	void (*finish)(struct bench_ctx *ctx, unsigned long n); /* after each batch */
	void (*teardown)(struct bench_ctx *ctx);		/* once, after the row */
};

/* Result of one row, ready to print. */
struct row_result {
	const char *name;
	unsigned long iterations; /* per repetition */
	struct bench_stats stats; /* microseconds per operation */
};

static pid_t main_pid;
static struct bench_ctx *cleanup_ctx;

/* Prints "microbench: row ROW: message: strerror(errno)" and exits 1. */
__attribute__((format(printf, 2, 3), noreturn)) static void die_row(const struct bench_ctx *ctx,
								    const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;

	fprintf(stderr, "microbench: row %s: ", ctx->row ? ctx->row : "(none)");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (saved_errno != 0)
		fprintf(stderr, ": %s", strerror(saved_errno));
	fputc('\n', stderr);
	exit(1);
}

/* Prints "microbench: message" and exits 2 (bad usage or environment). */
__attribute__((format(printf, 1, 2), noreturn)) static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("microbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static double now_seconds(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		perror("microbench: clock_gettime(CLOCK_MONOTONIC)");
		exit(1);
	}
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for pid and fails the row unless it exited with status 0. */
static void wait_for_clean_exit(struct bench_ctx *ctx, pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		die_row(ctx, "waitpid(%s %d)", what, (int)pid);
	errno = 0;
	if (WIFSIGNALED(status))
		die_row(ctx, "%s %d was killed by signal %d", what, (int)pid, WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die_row(ctx, "%s %d exited with status %d%s", what, (int)pid, WEXITSTATUS(status),
			WEXITSTATUS(status) == 127 ? " (exec failed)" : "");
}

/* ---- null call, stat, fstat, open/close, read, write ---- */

static void op_null(struct bench_ctx *ctx, unsigned long i)
{
	(void)i;
	/* Through syscall() so that no libc caching can answer instead. */
	if (syscall(SYS_getppid) < 0)
		die_row(ctx, "getppid");
}

static void op_stat(struct bench_ctx *ctx, unsigned long i)
{
	struct stat st;

	(void)i;
	if (stat(ctx->stat_path, &st) != 0)
		die_row(ctx, "stat(%s)", ctx->stat_path);
}

static void setup_open_stat_file(struct bench_ctx *ctx)
{
	ctx->fd = open(ctx->stat_path, O_RDONLY | O_CLOEXEC);
	if (ctx->fd < 0)
		die_row(ctx, "open(%s)", ctx->stat_path);
}

static void teardown_close_fd(struct bench_ctx *ctx)
{
	if (close(ctx->fd) != 0)
		die_row(ctx, "close");
	ctx->fd = -1;
}

static void op_fstat(struct bench_ctx *ctx, unsigned long i)
{
	struct stat st;

	(void)i;
	if (fstat(ctx->fd, &st) != 0)
		die_row(ctx, "fstat(%s)", ctx->stat_path);
}

static void op_open_close(struct bench_ctx *ctx, unsigned long i)
{
	int fd;

	(void)i;
	fd = open(ctx->stat_path, O_RDONLY);
	if (fd < 0)
		die_row(ctx, "open(%s)", ctx->stat_path);
	if (close(fd) != 0)
		die_row(ctx, "close(%s)", ctx->stat_path);
}

static void setup_open_dev_zero(struct bench_ctx *ctx)
{
	ctx->fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (ctx->fd < 0)
		die_row(ctx, "open(/dev/zero)");
}

static void setup_open_dev_null(struct bench_ctx *ctx)
{
	ctx->fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (ctx->fd < 0)
		die_row(ctx, "open(/dev/null)");
}

static void op_read(struct bench_ctx *ctx, unsigned long i)
{
	char byte;
	ssize_t n;

	(void)i;
	n = read(ctx->fd, &byte, 1);
	if (n != 1) {
		if (n >= 0)
			errno = 0;
		die_row(ctx, "read(/dev/zero) returned %zd", n);
	}
}

static void op_write(struct bench_ctx *ctx, unsigned long i)
{
	char byte = 'x';
	ssize_t n;

	(void)i;
	n = write(ctx->fd, &byte, 1);
	if (n != 1) {
		if (n >= 0)
			errno = 0;
		die_row(ctx, "write(/dev/null) returned %zd", n);
	}
}

/* ---- fork+exit, fork+exec ---- */

static void op_fork_exit(struct bench_ctx *ctx, unsigned long i)
{
	pid_t pid;

	(void)i;
	pid = fork();
	if (pid < 0)
		die_row(ctx, "fork");
	if (pid == 0)
		_exit(0);
	wait_for_clean_exit(ctx, pid, "child");
}

static void op_fork_exec(struct bench_ctx *ctx, unsigned long i)
{
	pid_t pid;

	(void)i;
	pid = fork();
	if (pid < 0)
		die_row(ctx, "fork");
	if (pid == 0) {
		char *const argv[] = {ctx->self_exe, HELPER_FLAG, NULL};

		execv(ctx->self_exe, argv);
		_exit(127);
	}
	wait_for_clean_exit(ctx, pid, "exec'd helper");
}

/* ---- file create/delete, 0 and 10 KiB ---- */

/* Makes room for n file names "f<i>" (relative to dir_fd) and fills them. */
static void make_file_names(struct bench_ctx *ctx, unsigned long n)
{
	if (n > ctx->names_cap) {
		char *grown = realloc(ctx->names, n * FILE_NAME_LEN);

		if (!grown)
			die_row(ctx, "out of memory for %lu file names", n);
		ctx->names = grown;
		ctx->names_cap = n;
	}
	for (unsigned long i = 0; i < n; i++)
		snprintf(ctx->names + i * FILE_NAME_LEN, FILE_NAME_LEN, "f%lu", i);
}

static const char *file_name(const struct bench_ctx *ctx, unsigned long i)
{
	return ctx->names + i * FILE_NAME_LEN;
}

/* Creates file i with ctx->file_size bytes of content (the timed work of
 * the create rows, and the untimed preparation of the delete rows). */
static void create_file(struct bench_ctx *ctx, unsigned long i)
{
	int fd;

	fd = openat(ctx->dir_fd, file_name(ctx, i), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		die_row(ctx, "create %s/%s", ctx->dir, file_name(ctx, i));
	if (ctx->file_size > 0) {
		ssize_t n = write(fd, ctx->file_data, ctx->file_size);

		if (n != (ssize_t)ctx->file_size) {
			if (n >= 0)
				errno = 0;
			die_row(ctx, "write %zu bytes to %s/%s returned %zd", ctx->file_size,
				ctx->dir, file_name(ctx, i), n);
		}
	}
	if (close(fd) != 0)
		die_row(ctx, "close %s/%s", ctx->dir, file_name(ctx, i));
}

static void delete_file(struct bench_ctx *ctx, unsigned long i)
{
	if (unlinkat(ctx->dir_fd, file_name(ctx, i), 0) != 0)
		die_row(ctx, "unlink %s/%s", ctx->dir, file_name(ctx, i));
}

static void setup_size_0k(struct bench_ctx *ctx)
{
	ctx->file_size = 0;
}

static void setup_size_10k(struct bench_ctx *ctx)
{
	ctx->file_size = SIZE_10K;
	memset(ctx->file_data, 'a', sizeof(ctx->file_data));
}

static void prepare_names(struct bench_ctx *ctx, unsigned long n)
{
	make_file_names(ctx, n);
}

static void prepare_created_files(struct bench_ctx *ctx, unsigned long n)
{
	make_file_names(ctx, n);
	for (unsigned long i = 0; i < n; i++)
		create_file(ctx, i);
}

static void finish_delete_files(struct bench_ctx *ctx, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		delete_file(ctx, i);
}

/* ---- pipe and AF_UNIX round trips ---- */

/* The echo child: reads one byte from in, writes it back to out, until end
 * of file. Exit status 0 at end of file, 2 on any error. */
__attribute__((noreturn)) static void echo_loop(int in, int out)
{
	char byte;

	for (;;) {
		ssize_t n = read(in, &byte, 1);

		if (n == 0)
			_exit(0);
		if (n != 1 || write(out, &byte, 1) != 1)
			_exit(2);
	}
}

static void setup_pipe_echo(struct bench_ctx *ctx)
{
	int down[2], up[2]; /* parent -> child, child -> parent */

	if (pipe2(down, O_CLOEXEC) != 0 || pipe2(up, O_CLOEXEC) != 0)
		die_row(ctx, "pipe");
	ctx->echo_child = fork();
	if (ctx->echo_child < 0)
		die_row(ctx, "fork");
	if (ctx->echo_child == 0) {
		close(down[1]);
		close(up[0]);
		echo_loop(down[0], up[1]);
	}
	if (close(down[0]) != 0 || close(up[1]) != 0)
		die_row(ctx, "close child's pipe ends");
	ctx->to_child = down[1];
	ctx->from_child = up[0];
}

static void setup_unix_echo(struct bench_ctx *ctx)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		die_row(ctx, "socketpair(AF_UNIX, SOCK_STREAM)");
	ctx->echo_child = fork();
	if (ctx->echo_child < 0)
		die_row(ctx, "fork");
	if (ctx->echo_child == 0) {
		close(sv[0]);
		echo_loop(sv[1], sv[1]);
	}
	if (close(sv[1]) != 0)
		die_row(ctx, "close child's socket end");
	ctx->to_child = sv[0];
	ctx->from_child = sv[0];
}

static void op_round_trip(struct bench_ctx *ctx, unsigned long i)
{
	char byte = 'p';
	ssize_t n;

	(void)i;
	n = write(ctx->to_child, &byte, 1);
	if (n != 1) {
		if (n >= 0)
			errno = 0;
		die_row(ctx, "write to echo child returned %zd", n);
	}
	n = read(ctx->from_child, &byte, 1);
	if (n != 1) {
		if (n >= 0)
			errno = 0;
		die_row(ctx, "read from echo child returned %zd%s", n,
			n == 0 ? " (the child died)" : "");
	}
}

/* Closing our end gives the child end of file; it must then exit 0. */
static void teardown_echo(struct bench_ctx *ctx)
{
	if (close(ctx->to_child) != 0)
		die_row(ctx, "close");
	if (ctx->from_child != ctx->to_child && close(ctx->from_child) != 0)
		die_row(ctx, "close");
	ctx->to_child = ctx->from_child = -1;
	wait_for_clean_exit(ctx, ctx->echo_child, "echo child");
	ctx->echo_child = -1;
}

/* The rows, in the order of the paper's lmbench table. */
static const struct row ROWS[] = {
    {.name = "null",
     .description = "getppid() through syscall()",
     .max_iterations = MAX_ITERATIONS,
     .op = op_null},
    {.name = "stat",
     .description = "stat() of a file in DIR",
     .max_iterations = MAX_ITERATIONS,
     .op = op_stat},
    {.name = "fstat",
     .description = "fstat() of an open file",
     .max_iterations = MAX_ITERATIONS,
     .setup = setup_open_stat_file,
     .op = op_fstat,
     .teardown = teardown_close_fd},
    {.name = "open/close",
     .description = "open() and close() of a file in DIR",
     .max_iterations = MAX_ITERATIONS,
     .op = op_open_close},
    {.name = "read",
     .description = "read() of 1 byte from /dev/zero",
     .max_iterations = MAX_ITERATIONS,
     .setup = setup_open_dev_zero,
     .op = op_read,
     .teardown = teardown_close_fd},
    {.name = "write",
     .description = "write() of 1 byte to /dev/null",
     .max_iterations = MAX_ITERATIONS,
     .setup = setup_open_dev_null,
     .op = op_write,
     .teardown = teardown_close_fd},
    {.name = "fork+exit",
     .description = "fork(), child _exit(0), waitpid()",
     .max_iterations = MAX_ITERATIONS,
     .op = op_fork_exit},
    {.name = "fork+exec",
     .description = "fork(), child execs this static binary which exits at once, waitpid()",
     .max_iterations = MAX_ITERATIONS,
     .op = op_fork_exec},
    {.name = "create-0k",
     .description = "create an empty file in DIR",
     .max_iterations = MAX_FILE_ITERATIONS,
     .setup = setup_size_0k,
     .prepare = prepare_names,
     .op = create_file,
     .finish = finish_delete_files},
    {.name = "delete-0k",
     .description = "unlink an empty file in DIR",
     .max_iterations = MAX_FILE_ITERATIONS,
     .setup = setup_size_0k,
     .prepare = prepare_created_files,
     .op = delete_file},
    {.name = "create-10k",
     .description = "create a file in DIR and write 10 KiB to it",
     .max_iterations = MAX_FILE_ITERATIONS,
     .setup = setup_size_10k,
     .prepare = prepare_names,
     .op = create_file,
     .finish = finish_delete_files},
    {.name = "delete-10k",
     .description = "unlink a 10 KiB file in DIR",
     .max_iterations = MAX_FILE_ITERATIONS,
     .setup = setup_size_10k,
     .prepare = prepare_created_files,
     .op = delete_file},
    {.name = "pipe",
     .description = "1-byte round trip through two pipes to a child",
     .max_iterations = MAX_ITERATIONS,
     .setup = setup_pipe_echo,
     .op = op_round_trip,
     .teardown = teardown_echo},
    {.name = "af_unix",
     .description = "1-byte round trip over an AF_UNIX stream socketpair to a child",
     .max_iterations = MAX_ITERATIONS,
     .setup = setup_unix_echo,
     .op = op_round_trip,
     .teardown = teardown_echo},
};
#define N_ROWS (sizeof(ROWS) / sizeof(ROWS[0]))

/* ---- measuring ---- */

/* Time taken by one batch: the timed loop alone, and everything including
 * the untimed prepare and finish hooks (which the time budget must cover). */
struct batch_time {
	double timed_s;
	double total_s;
};

/* Runs one batch of n iterations of a row. */
static struct batch_time run_batch(const struct row *row, struct bench_ctx *ctx, unsigned long n)
{
	struct batch_time t;
	double begin, start, end;

	begin = now_seconds();
	if (row->prepare)
		row->prepare(ctx, n);
	start = now_seconds();
	for (unsigned long i = 0; i < n; i++)
		row->op(ctx, i);
	end = now_seconds();
	if (row->finish)
		row->finish(ctx, n);
	t.timed_s = end - start;
	t.total_s = now_seconds() - begin;
	return t;
}

/* Finds an iteration count whose whole batch (with its untimed hooks) takes
 * about target_s. One untimed operation first absorbs one-off costs (a new
 * echo child's first run, cold caches); then n doubles until a batch takes
 * an eighth of the target, that batch is timed once more (the faster of the
 * two counts, so that one stall cannot shrink n), and n is scaled linearly. */
static unsigned long calibrate(const struct row *row, struct bench_ctx *ctx, double target_s)
{
	unsigned long n = 1;
	struct batch_time t, again;

	run_batch(row, ctx, 1);
	for (;;) {
		t = run_batch(row, ctx, n);
		if (t.total_s >= target_s / 8 || n >= row->max_iterations)
			break;
		n = n * 2 > row->max_iterations ? row->max_iterations : n * 2;
	}
	again = run_batch(row, ctx, n);
	if (again.total_s < t.total_s)
		t = again;
	return stats_scale_iterations(n, t.total_s, target_s, row->max_iterations);
}

struct run_opts {
	unsigned long iterations; /* 0: calibrate from seconds */
	double seconds;
	unsigned long repetitions;
};

/* Runs a row: setup, (calibration,) one warm-up batch, the timed
 * repetitions, teardown. */
static void measure_row(const struct row *row, struct bench_ctx *ctx, const struct run_opts *opts,
			struct row_result *result)
{
	double samples[MAX_REPETITIONS];
	unsigned long n;

	ctx->row = row->name;
	if (row->setup)
		row->setup(ctx);
	if (opts->iterations > 0) {
		n = opts->iterations;
		if (n > row->max_iterations)
			n = row->max_iterations;
	} else {
		/* The calibration batches plus a warm-up and R repetitions fit
		 * in about opts->seconds. */
		n = calibrate(row, ctx, opts->seconds / (double)(opts->repetitions + 2));
	}
	run_batch(row, ctx, n); /* warm-up, not recorded */
	for (unsigned long r = 0; r < opts->repetitions; r++)
		samples[r] = run_batch(row, ctx, n).timed_s * 1e6 / (double)n;
	if (row->teardown)
		row->teardown(ctx);

	result->name = row->name;
	result->iterations = n;
	errno = 0;
	if (stats_summarize(samples, opts->repetitions, &result->stats) != 0)
		die_row(ctx, "the clock gave invalid timings");
	ctx->row = NULL;
}

/* ---- output ---- */

static void print_table_header(FILE *out)
{
	fprintf(out, "%-12s %12s %12s %12s %12s %12s %5s\n", "row", "median_us", "stddev_us",
		"min_us", "max_us", "iterations", "reps");
}

static void print_table_row(FILE *out, const struct row_result *r)
{
	fprintf(out, "%-12s %12.4f %12.4f %12.4f %12.4f %12lu %5zu\n", r->name, r->stats.median,
		r->stats.stddev, r->stats.min, r->stats.max, r->iterations, r->stats.n);
}

/* One JSON object per line; row names need no escaping (see ROWS). */
static void print_json_row(FILE *out, const struct row_result *r)
{
	struct jbuf b;
	struct jw w;
	jbuf_init(&b);
	jw_init(&w, &b);
	jw_object_begin(&w);
	jw_key_cstr(&w, "row", r->name);
	jw_key_fixed(&w, "us", r->stats.median, 6);
	jw_key_fixed(&w, "stddev_us", r->stats.stddev, 6);
	jw_key_fixed(&w, "min_us", r->stats.min, 6);
	jw_key_fixed(&w, "max_us", r->stats.max, 6);
	jw_key_fixed(&w, "mean_us", r->stats.mean, 6);
	jw_key_u64(&w, "iterations", r->iterations);
	jw_key_u64(&w, "repetitions", r->stats.n);
	jw_object_end(&w);
	jw_newline(&w);
	fwrite(b.data, 1, b.len, out);
	jbuf_free(&b);
}

/* ---- scratch directory ---- */

/* Makes DIR/microbench-XXXXXX with an empty file for the stat rows. */
static void make_scratch_dir(struct bench_ctx *ctx, const char *parent)
{
	struct stat st;
	int fd;

	if (stat(parent, &st) != 0)
		die_usage("--dir %s: %s (give an existing, writable directory)", parent,
			  strerror(errno));
	if (!S_ISDIR(st.st_mode))
		die_usage("--dir %s: not a directory", parent);
	if ((size_t)snprintf(ctx->dir, sizeof(ctx->dir), "%s/microbench-XXXXXX", parent) >=
	    sizeof(ctx->dir))
		die_usage("--dir %s: path too long", parent);
	if (!mkdtemp(ctx->dir))
		die_usage("--dir %s: cannot create a scratch directory in it: %s", parent,
			  strerror(errno));
	ctx->dir_fd = open(ctx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ctx->dir_fd < 0)
		die_usage("open %s: %s", ctx->dir, strerror(errno));
	if ((size_t)snprintf(ctx->stat_path, sizeof(ctx->stat_path), "%s/stat-target", ctx->dir) >=
	    sizeof(ctx->stat_path))
		die_usage("--dir %s: path too long", parent);
	fd = open(ctx->stat_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || close(fd) != 0)
		die_usage("create %s: %s", ctx->stat_path, strerror(errno));
}

/* Removes the scratch directory and whatever a failed row left in it. Runs
 * at exit of the main process only (children leave through _exit). */
static void remove_scratch_dir(void)
{
	struct bench_ctx *ctx = cleanup_ctx;
	DIR *d;
	struct dirent *e;

	if (!ctx || getpid() != main_pid || ctx->dir_fd < 0)
		return;
	d = fdopendir(dup(ctx->dir_fd));
	if (d) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				unlinkat(ctx->dir_fd, e->d_name, 0);
		}
		closedir(d);
	}
	close(ctx->dir_fd);
	ctx->dir_fd = -1;
	if (rmdir(ctx->dir) != 0)
		fprintf(stderr, "microbench: warning: cannot remove %s: %s\n", ctx->dir,
			strerror(errno));
}

/* Path of this program for the fork+exec row: /proc/self/exe, else argv0
 * when it names a file. */
static void find_self_exe(struct bench_ctx *ctx, const char *argv0)
{
	ssize_t n = readlink("/proc/self/exe", ctx->self_exe, sizeof(ctx->self_exe) - 1);

	if (n > 0 && access(ctx->self_exe, X_OK) == 0) {
		ctx->self_exe[n] = '\0';
		return;
	}
	if (n > 0)
		ctx->self_exe[n] = '\0';
	if (strchr(argv0, '/') && realpath(argv0, ctx->self_exe) &&
	    access(ctx->self_exe, X_OK) == 0)
		return;
	die_usage("cannot find this program's own path for the fork+exec row (/proc not "
		  "mounted and argv[0] '%s' is not a path): mount /proc or run it by path",
		  argv0);
}

/* Runs this process, and the children it forks later, on one CPU only. */
static void pin_to_cpu(unsigned long cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		die_usage("--cpu %lu: sched_setaffinity: %s (see nproc for the CPUs)", cpu,
			  strerror(errno));
}

/* ---- command line ---- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: microbench [--rows LIST] [--iterations N | --seconds S] [--repetitions R]\n"
		"                  [--dir DIR] [--cpu N] [--json] [--out FILE] [--list]\n"
		"  --rows LIST       comma-separated rows to run (default: all; see --list)\n"
		"  --iterations N    operations per timed repetition\n"
		"  --seconds S       time budget per row, iterations calibrated to fit (default "
		"%g)\n"
		"  --repetitions R   timed repetitions per row after one warm-up (default %d)\n"
		"  --dir DIR         where the file rows make their scratch directory (default "
		"/tmp)\n"
		"  --cpu N           run on CPU N only, echo children too (steadier round trips)\n"
		"  --json            one JSON object per row instead of a table\n"
		"  --out FILE        write results to FILE instead of standard output\n"
		"  --list            print the row names and what they measure\n",
		DEFAULT_SECONDS, DEFAULT_REPETITIONS);
}

static void list_rows(void)
{
	for (size_t i = 0; i < N_ROWS; i++)
		printf("%-12s %s\n", ROWS[i].name, ROWS[i].description);
}

struct cli {
	struct run_opts run;
	const char *dir;
	const char *out_path;
	int json;
	int pin;	   /* pin to cpu (--cpu given) */
	unsigned long cpu; /* children inherit the pinning */
	size_t selected[N_ROWS];
	size_t n_selected;
};

static void parse_cli(int argc, char **argv, struct cli *cli)
{
	static const struct option long_opts[] = {
	    {"rows", required_argument, NULL, 'r'},
	    {"iterations", required_argument, NULL, 'n'},
	    {"seconds", required_argument, NULL, 's'},
	    {"repetitions", required_argument, NULL, 'R'},
	    {"dir", required_argument, NULL, 'd'},
	    {"cpu", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"out", required_argument, NULL, 'o'},
	    {"list", no_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *names[N_ROWS];
	char err[512];
	int seconds_given = 0, c;

	for (size_t i = 0; i < N_ROWS; i++) {
		names[i] = ROWS[i].name;
		cli->selected[i] = i;
	}
	cli->n_selected = N_ROWS;
	cli->run.iterations = 0;
	cli->run.seconds = DEFAULT_SECONDS;
	cli->run.repetitions = DEFAULT_REPETITIONS;
	cli->dir = "/tmp";
	cli->out_path = NULL;
	cli->json = 0;
	cli->pin = 0;
	cli->cpu = 0;

	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		int rc = 0;

		switch (c) {
		case 'r':
			rc = parse_row_list(optarg, names, N_ROWS, cli->selected, &cli->n_selected,
					    err, sizeof(err));
			break;
		case 'n':
			rc = parse_count("--iterations", optarg, 1, MAX_ITERATIONS,
					 &cli->run.iterations, err, sizeof(err));
			break;
		case 's':
			rc = parse_seconds("--seconds", optarg, 3600, &cli->run.seconds, err,
					   sizeof(err));
			seconds_given = 1;
			break;
		case 'R':
			rc = parse_count("--repetitions", optarg, 1, MAX_REPETITIONS,
					 &cli->run.repetitions, err, sizeof(err));
			break;
		case 'd':
			cli->dir = optarg;
			break;
		case 'c':
			rc = parse_count("--cpu", optarg, 0, CPU_SETSIZE - 1, &cli->cpu, err,
					 sizeof(err));
			cli->pin = 1;
			break;
		case 'j':
			cli->json = 1;
			break;
		case 'o':
			cli->out_path = optarg;
			break;
		case 'l':
			list_rows();
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
		if (rc != 0)
			die_usage("%s", err);
	}
	if (optind < argc)
		die_usage("unexpected argument '%s' (see --help)", argv[optind]);
	if (seconds_given && cli->run.iterations > 0)
		die_usage("give either --iterations or --seconds, not both");
}

int main(int argc, char **argv)
{
	static struct bench_ctx ctx;
	struct cli cli;
	FILE *out = stdout;

	/* The fork+exec row's helper: exit before doing anything else. */
	if (argc == 2 && strcmp(argv[1], HELPER_FLAG) == 0)
		return 0;

	parse_cli(argc, argv, &cli);
	/* A dead echo child must give EPIPE and a message, not a silent kill. */
	signal(SIGPIPE, SIG_IGN);

	if (cli.pin)
		pin_to_cpu(cli.cpu);
	ctx.fd = ctx.to_child = ctx.from_child = ctx.dir_fd = -1;
	ctx.echo_child = -1;
	find_self_exe(&ctx, argv[0]);
	if (cli.out_path) {
		out = fopen(cli.out_path, "w");
		if (!out)
			die_usage("--out %s: %s", cli.out_path, strerror(errno));
	}
	main_pid = getpid();
	make_scratch_dir(&ctx, cli.dir);
	cleanup_ctx = &ctx;
	atexit(remove_scratch_dir);

	if (!cli.json)
		print_table_header(out);
	for (size_t i = 0; i < cli.n_selected; i++) {
		struct row_result result;

		measure_row(&ROWS[cli.selected[i]], &ctx, &cli.run, &result);
		if (cli.json)
			print_json_row(out, &result);
		else
			print_table_row(out, &result);
		if (fflush(out) != 0)
			die_usage("writing results: %s", strerror(errno));
	}
	free(ctx.names);
	if (out != stdout && fclose(out) != 0)
		die_usage("writing %s: %s", cli.out_path, strerror(errno));
	return 0;
}
