/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cgroup.c: finds the cgroup v2 mount (pure v2 at /sys/fs/cgroup, the
 * hybrid layout's /sys/fs/cgroup/unified, or any other place it is mounted;
 * when cgroup v2 is not mounted at all it is mounted at /run/sabpf/cgroup2)
 * and maps a cgroup directory to the 64-bit id the kernel reports for the
 * tasks in it through bpf_get_current_cgroup_id().
 *
 * The id comes from name_to_handle_at(): on cgroup v2 (kernfs) the file
 * handle is exactly the kernfs node id, which is the cgroup id. On 64-bit
 * kernels the directory's inode number is the same number, so stat() serves
 * as an independent cross-check.
 *
 * It also walks a cgroup's subtree top-down (cgroup_walk: registration of
 * a pod whose containers already exist), waits for cgroup creations under
 * way (cgroup_sync) and finds a cgroup's path from its id. */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <mntent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Where cgroup v2 is mounted when no mount exists yet. */
#define CGROUP2_FALLBACK_DIR "/run/sabpf/cgroup2"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Copies src into dst; returns -1 when it does not fit. */
static int copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

/* True when path is the root of a mounted cgroup v2 file system. */
static int is_cgroup2_fs(const char *path)
{
	struct statfs fs;

	return statfs(path, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

/* Looks for the first cgroup2 mount in this mount namespace. The kernel's
 * mount table is read through libc's getmntent() on /proc/self/mounts (the
 * same table as /proc/self/mountinfo, with the octal escapes of unusual
 * paths decoded for us). Returns 1 found, 0 none, -1 error. */
static int find_cgroup2_mount(char *buf, size_t len, char *err, size_t errlen)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent *m;
	int found = 0;

	if (!f) {
		set_err(err, errlen,
			"cannot read /proc/self/mounts to find cgroup v2: %s (is /proc mounted?)",
			strerror(errno));
		return -1;
	}
	while ((m = getmntent(f)) != NULL) {
		if (strcmp(m->mnt_type, "cgroup2") != 0 || !is_cgroup2_fs(m->mnt_dir))
			continue;
		if (copy_str(buf, len, m->mnt_dir) != 0) {
			set_err(err, errlen, "cgroup v2 mount point '%s' is too long", m->mnt_dir);
			found = -1;
		} else {
			found = 1;
		}
		break;
	}
	endmntent(f);
	return found;
}

/* mkdir -p for the fallback mount point (a fixed, short path). */
static int make_dirs(const char *path)
{
	char tmp[PATH_MAX];

	if (copy_str(tmp, sizeof(tmp), path) != 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* Mounts cgroup v2 at the fallback place; used when no mount exists. */
static int mount_cgroup2(char *buf, size_t len, char *err, size_t errlen)
{
	if (make_dirs(CGROUP2_FALLBACK_DIR) != 0) {
		set_err(err, errlen, "cgroup v2 is not mounted and creating %s failed: %s",
			CGROUP2_FALLBACK_DIR, strerror(errno));
		return -1;
	}
	if (mount("cgroup2", CGROUP2_FALLBACK_DIR, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) != 0) {
		set_err(err, errlen,
			"cgroup v2 is not mounted and `mount -t cgroup2 cgroup2 %s` failed: %s "
			"(run as root on a kernel with cgroup v2, CONFIG_CGROUPS=y)",
			CGROUP2_FALLBACK_DIR, strerror(errno));
		return -1;
	}
	if (copy_str(buf, len, CGROUP2_FALLBACK_DIR) != 0) {
		set_err(err, errlen, "buffer too small for '%s'", CGROUP2_FALLBACK_DIR);
		return -1;
	}
	return 0;
}

int cgroup2_root(char *buf, size_t len, char *err, size_t errlen)
{
	int found = find_cgroup2_mount(buf, len, err, errlen);

	if (found < 0)
		return -1;
	if (found > 0)
		return 0;
	return mount_cgroup2(buf, len, err, errlen);
}

/* The kernfs node id held in the directory's file handle. */
static int cgroup_id_from_handle(const char *path, __u64 *id, char *err, size_t errlen)
{
	union {
		struct file_handle fh;
		char space[sizeof(struct file_handle) + sizeof(__u64)];
	} h;
	int mount_id;

	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = sizeof(__u64);
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) != 0) {
		set_err(err, errlen, "name_to_handle_at('%s') failed: %s", path, strerror(errno));
		return -1;
	}
	if (h.fh.handle_bytes != sizeof(__u64)) {
		set_err(err, errlen, "'%s': unexpected file handle of %u bytes (not a kernfs id)",
			path, h.fh.handle_bytes);
		return -1;
	}
	memcpy(id, h.fh.f_handle, sizeof(*id));
	return 0;
}

/* Builds the full path: absolute as given, relative ones under the root.
 * An absolute path that does not exist but does exist under the root (the
 * form /proc/PID/cgroup shows, e.g. "/sabpf/web") is taken from there. */
static int resolve_cgroup_path(const char *path, const char *root, char *full, size_t len)
{
	struct stat st;
	int n;

	if (path[0] != '/') {
		n = snprintf(full, len, "%s/%s", root, path);
		return n < 0 || (size_t)n >= len ? -1 : 0;
	}
	if (stat(path, &st) != 0 && errno == ENOENT) {
		char under_root[PATH_MAX];

		n = snprintf(under_root, sizeof(under_root), "%s%s", root, path);
		if (n > 0 && (size_t)n < sizeof(under_root) && stat(under_root, &st) == 0)
			return copy_str(full, len, under_root);
	}
	return copy_str(full, len, path);
}

/* Checks that full is a directory on cgroup v2; err says precisely why not. */
static int check_cgroup2_dir(const char *full, const char *root, struct stat *st, char *err,
			     size_t errlen)
{
	struct statfs fs;

	if (stat(full, st) != 0) {
		if (errno == ENOENT)
			set_err(err, errlen,
				"cgroup '%s' does not exist: create it (mkdir) or give a path "
				"relative to the cgroup v2 root %s",
				full, root);
		else
			set_err(err, errlen, "cannot stat cgroup '%s': %s", full, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st->st_mode)) {
		set_err(err, errlen,
			"'%s' is not a directory: a cgroup is a directory under the cgroup v2 "
			"mount %s",
			full, root);
		return -1;
	}
	if (statfs(full, &fs) != 0) {
		set_err(err, errlen, "cannot statfs '%s': %s", full, strerror(errno));
		return -1;
	}
	if (fs.f_type != CGROUP2_SUPER_MAGIC) {
		set_err(
		    err, errlen,
		    "'%s' is not on cgroup v2 (file system type 0x%lx%s): use a directory under "
		    "the cgroup v2 mount %s",
		    full, (unsigned long)fs.f_type,
		    fs.f_type == CGROUP_SUPER_MAGIC ? ", a cgroup v1 hierarchy" : "", root);
		return -1;
	}
	return 0;
}

int cgroup_id_of_path(const char *path, __u64 *id, char *abs_path, size_t abs_len, char *err,
		      size_t errlen)
{
	char root[PATH_MAX], full[PATH_MAX], real[PATH_MAX];
	struct stat st;
	__u64 handle_id;

	if (!path || !*path) {
		set_err(err, errlen, "empty cgroup path: give a cgroup v2 directory");
		return -1;
	}
	if (cgroup2_root(root, sizeof(root), err, errlen) != 0)
		return -1;
	if (resolve_cgroup_path(path, root, full, sizeof(full)) != 0) {
		set_err(err, errlen, "cgroup path '%s' is too long", path);
		return -1;
	}
	if (check_cgroup2_dir(full, root, &st, err, errlen) != 0)
		return -1;
	if (cgroup_id_from_handle(full, &handle_id, err, errlen) != 0)
		return -1;
	if ((__u64)st.st_ino != handle_id) {
		set_err(err, errlen,
			"'%s': file handle id %llu differs from inode number %llu; cannot tell "
			"the cgroup id",
			full, (unsigned long long)handle_id, (unsigned long long)st.st_ino);
		return -1;
	}
	if (!realpath(full, real)) {
		set_err(err, errlen, "realpath('%s') failed: %s", full, strerror(errno));
		return -1;
	}
	if (abs_path && copy_str(abs_path, abs_len, real) != 0) {
		set_err(err, errlen, "cgroup path '%s' does not fit the caller's buffer", real);
		return -1;
	}
	*id = handle_id;
	return 0;
}

/* One reading of a directory's handle id and inode number. */
static int read_dir_ids(const char *path, __u64 *handle_id, __u64 *ino, char *err, size_t errlen)
{
	union {
		struct file_handle fh;
		char space[sizeof(struct file_handle) + sizeof(__u64)];
	} h;
	struct stat st;
	int mount_id;

	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = sizeof(__u64);
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) != 0 || stat(path, &st) != 0) {
		if (errno == ENOENT)
			return -ENOENT;
		set_err(err, errlen, "cannot read the id of cgroup '%s': %s", path,
			strerror(errno));
		return -1;
	}
	if (h.fh.handle_bytes != sizeof(__u64)) {
		set_err(err, errlen, "'%s': unexpected file handle of %u bytes (not a kernfs id)",
			path, h.fh.handle_bytes);
		return -1;
	}
	memcpy(handle_id, h.fh.f_handle, sizeof(*handle_id));
	*ino = (__u64)st.st_ino;
	return 0;
}

int cgroup_id_of_dir(const char *path, __u64 *id, char *err, size_t errlen)
{
	__u64 handle_id = 0, ino = 0;

	/* twice: the directory may be replaced (rmdir, mkdir) between the two
	 * readings of one try */
	struct statfs fs;
	if (statfs(path, &fs) != 0) {
		if (errno == ENOENT)
			return -ENOENT;
		set_err(err, errlen, "cannot statfs '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fs.f_type != CGROUP2_SUPER_MAGIC) {
		set_err(err, errlen, "'%s' is not on cgroup v2", path);
		return -1;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		int rc = read_dir_ids(path, &handle_id, &ino, err, errlen);
		if (rc)
			return rc;
		if (handle_id == ino) {
			*id = handle_id;
			return 0;
		}
	}
	set_err(err, errlen,
		"'%s': file handle id %llu differs from inode number %llu; cannot tell the "
		"cgroup id",
		path, (unsigned long long)handle_id, (unsigned long long)ino);
	return -1;
}

/* The walk's queue: every directory found, in the order visited. */
struct walk_queue {
	char **paths;
	int *depths;
	size_t len, cap;
};

static int queue_push(struct walk_queue *q, const char *path, int depth)
{
	if (q->len == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		char **paths = realloc(q->paths, cap * sizeof(*paths));
		if (!paths)
			return -1;
		q->paths = paths;
		int *depths = realloc(q->depths, cap * sizeof(*depths));
		if (!depths)
			return -1;
		q->depths = depths;
		q->cap = cap;
	}
	q->paths[q->len] = strdup(path);
	if (!q->paths[q->len])
		return -1;
	q->depths[q->len++] = depth;
	return 0;
}

static void queue_free(struct walk_queue *q)
{
	for (size_t i = 0; i < q->len; i++)
		free(q->paths[i]);
	free(q->paths);
	free(q->depths);
}

/* Lists the subdirectories of `dir` into the queue. Returns 0 (also when
 * dir vanished), or -1 with err. */
static int list_children(const char *dir, int depth, struct walk_queue *q, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char child[PATH_MAX];
	int rc = 0;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		set_err(err, errlen, "cannot list cgroup '%s': %s", dir, strerror(errno));
		return -1;
	}
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		int n = snprintf(child, sizeof(child), "%s/%s", dir, e->d_name);
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		if (n < 0 || (size_t)n >= sizeof(child)) {
			set_err(err, errlen,
				"cgroup '%s/%s': path longer than %d bytes, cannot be walked", dir,
				e->d_name, PATH_MAX - 1);
			rc = -1;
			break;
		}
		if (e->d_type == DT_UNKNOWN) {
			struct stat st;
			if (lstat(child, &st) != 0 || !S_ISDIR(st.st_mode))
				continue;
		}
		if (queue_push(q, child, depth + 1)) {
			set_err(err, errlen, "out of memory walking cgroup '%s'", dir);
			rc = -1;
			break;
		}
		errno = 0;
	}
	if (rc == 0 && errno != 0 && errno != ENOENT) {
		set_err(err, errlen, "cannot list cgroup '%s': %s", dir, strerror(errno));
		rc = -1;
	}
	closedir(d);
	return rc;
}

int cgroup_walk(const char *top, cgroup_visit_fn visit, void *ctx, char *err, size_t errlen)
{
	struct walk_queue q = {0};
	int rc = 0;

	if (strlen(top) >= PATH_MAX) {
		set_err(err, errlen, "cgroup path '%.64s...' is too long", top);
		return -1;
	}
	if (queue_push(&q, top, 0)) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < q.len && rc == 0; i++) {
		int v = visit(q.paths[i], q.depths[i], ctx, err, errlen);
		if (v < 0)
			rc = -1;
		else if (v == 0)
			rc = list_children(q.paths[i], q.depths[i], &q, err, errlen);
	}
	queue_free(&q);
	return rc;
}

int cgroup_sync(const char *path, char *err, size_t errlen)
{
	char file[PATH_MAX];
	int n = snprintf(file, sizeof(file), "%s/cgroup.subtree_control", path);

	if (n < 0 || (size_t)n >= sizeof(file)) {
		set_err(err, errlen, "cgroup path '%s' is too long", path);
		return -1;
	}
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		set_err(err, errlen, "cannot open '%s' to wait for cgroup creations: %s", file,
			strerror(errno));
		return -1;
	}
	ssize_t w = write(fd, " ", 1);
	int saved = errno;
	close(fd);
	if (w != 1) {
		if (w < 0 && (saved == ENOENT || saved == ENODEV))
			return -ENOENT; /* the cgroup is being removed */
		set_err(err, errlen,
			"empty write to '%s' (to wait for cgroup creations) failed: %s", file,
			w < 0 ? strerror(saved) : "short write");
		return -1;
	}
	return 0;
}

/* Opens the cgroup v2 directory of id (open_by_handle_at on the mount):
 * an fd, or -errno (-ESTALE: no cgroup has this id). */
static int open_cgroup_by_id(__u64 id)
{
	char root[PATH_MAX], err[256];
	union {
		struct file_handle fh;
		char space[sizeof(struct file_handle) + sizeof(__u64)];
	} h;
	int mount_id, fd = -EINVAL;

	if (cgroup2_root(root, sizeof(root), err, sizeof(err)) != 0)
		return -ENOENT;
	int mount_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mount_fd < 0)
		return -errno;
	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = sizeof(__u64);
	/* the root's own handle gives the handle type of this file system */
	if (name_to_handle_at(mount_fd, "", &h.fh, &mount_id, AT_EMPTY_PATH) == 0 &&
	    h.fh.handle_bytes == sizeof(__u64)) {
		memcpy(h.fh.f_handle, &id, sizeof(id));
		fd = open_by_handle_at(mount_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
	}
	close(mount_fd);
	return fd;
}

int cgroup_path_of_id(__u64 id, char *buf, size_t len)
{
	char link[64];
	int rc = -1;
	int fd = open_cgroup_by_id(id);
	if (fd >= 0) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, buf, len - 1);
		if (n > 0 && (size_t)n < len - 1) {
			buf[n] = '\0';
			rc = 0;
		}
		close(fd);
	}
	return rc;
}

int cgroup_id_exists(__u64 id)
{
	struct stat st;
	int fd = open_cgroup_by_id(id);
	if (fd == -ESTALE)
		return 0;
	if (fd < 0)
		return -1;
	/* removed but not freed yet (dying): its files are gone already */
	int rc = fstatat(fd, "cgroup.procs", &st, 0) == 0 ? 1 : errno == ENOENT ? 0 : -1;
	close(fd);
	return rc;
}
