/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pin.c: the kernel side kept across agent restarts (pin.h).
 *
 * DIR/maps/NAME   every map of the object but its internal ones (.rodata,
 *                 .bss: per load), pinned by libbpf at load (created, or
 *                 reused when already there). Program arrays too: the
 *                 kernel empties one when no descriptor or pin holds it
 *                 any more, which would silence the tail calls
 * DIR/links/PROG  the links of the attached programs
 * DIR/restart     an array made here: slot 0 = {hash of the BPF object,
 *                 hash of the settings, pid of the agent that loaded the
 *                 programs (for the record: the programs take the agent's
 *                 pid from maps/agent_map, which each agent sets)}; slot 1 + cpu = {highest
 * sequence number seen, records received} of the pipeline, as last saved; slot 1 + ncpus = {the
 * run: when the programs were loaded, ns of the wall clock}, which names the sequences for
 *                 consumers (the Kafka header sabpf.run).
 * run slot's b: the record format (SABPF_RECORD_ABI) of the programs.
 * Slot 0 is written last: a DIR without it is incomplete (an agent died
 * while starting) and is removed by the next one.
 *
 * An agent of another build (pin_prepare finds another hash in slot 0)
 * upgrades in place when it can: same settings, same record format, a
 * pinned build_map, and every pinned map of the layout its own programs
 * declare. It reuses the maps, loads and attaches its programs beside the
 * old ones (theirs record while build_map holds the old build's tag: see
 * bpf/lib/maps.h), pins its links in DIR/links-next and its program arrays
 * in DIR/maps-next, then in one map update makes its build the active one
 * (pin_upgrade_commit), and only then removes the old links and moves the
 * new pins into place. An agent that finds DIR/links-next (the last one
 * died upgrading) finishes that upgrade if build_map already names the new
 * build, or drops it if not: either way one build's programs record. */
#include "pin.h"
#include "enforce.h"
#include "sabpf_record.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#define BPF_FS_MAGIC 0xcafe4a11

struct pin_slot {
	__u64 a, b, c;
};

struct pin {
	char dir[PATH_MAX - 64];
	int restart_fd; /* DIR/restart */
	int ncpus;
	bool resumed;
	bool upgrading;	     /* another build's side: maps reused, programs loaded */
	__u64 upgraded_from; /* that build, once pin_upgrade_commit() handed over */
	__u64 build, settings;
	__u64 run; /* 0: not known (a DIR made by an older agent) */
};

static __u64 fnv1a(const void *data, size_t n, __u64 h)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Removes every entry of DIR/sub, then DIR/sub. */
static void remove_dir(const struct pin *p, const char *sub)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", p->dir, sub);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char file[PATH_MAX + 256];
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		unlink(file);
	}
	closedir(d);
	rmdir(path);
}

static int count_entries(const struct pin *p, const char *sub)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", p->dir, sub);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static bool is_bpffs(const char *path)
{
	struct statfs fs;
	return statfs(path, &fs) == 0 && (unsigned long)fs.f_type == BPF_FS_MAGIC;
}

/* DIR must be on a bpf filesystem; /sys/fs/bpf is mounted if it is not yet
 * (as `sabpf policy` does: src/enforce.c). */
static int make_dir(const struct pin *p, char *err, size_t errlen)
{
	if (strncmp(p->dir, "/sys/fs/bpf/", 12) == 0 && !is_bpffs("/sys/fs/bpf")) {
		mkdir("/sys/fs/bpf", 0700);
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
			snprintf(err, errlen,
				 "--pin %s: /sys/fs/bpf is not a bpf filesystem and mounting one "
				 "failed: %s (mount -t bpf bpf /sys/fs/bpf)",
				 p->dir, strerror(errno));
			return -1;
		}
	}
	char sub[PATH_MAX];
	snprintf(sub, sizeof(sub), "%s/links", p->dir);
	if (bpffs_mkdir_p(sub) ||
	    (snprintf(sub, sizeof(sub), "%s/maps", p->dir), bpffs_mkdir_p(sub))) {
		snprintf(err, errlen, "--pin %s: cannot create it: %s%s", p->dir, strerror(errno),
			 errno == EPERM ? " (bpffs refuses names with a dot)" : "");
		return -1;
	}
	if (!is_bpffs(p->dir)) {
		snprintf(err, errlen,
			 "--pin %s: not on a bpf filesystem (pins live in bpffs: give a "
			 "directory under /sys/fs/bpf)",
			 p->dir);
		return -1;
	}
	return 0;
}

static int read_slot(const struct pin *p, __u32 i, struct pin_slot *s)
{
	memset(s, 0, sizeof(*s));
	return bpf_map_lookup_elem(p->restart_fd, &i, s);
}

static int write_slot(const struct pin *p, __u32 i, const struct pin_slot *s)
{
	return bpf_map_update_elem(p->restart_fd, &i, s, BPF_ANY);
}

/* Opens DIR/restart, or makes and pins it. Returns 1 if it was complete
 * (slot 0 written), 0 if fresh, -1 on error. */
static int open_restart(struct pin *p, struct pin_slot *head, char *err, size_t errlen)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/restart", p->dir);
	p->restart_fd = bpf_obj_get(path);
	if (p->restart_fd >= 0) {
		if (read_slot(p, 0, head) == 0 && head->a && count_entries(p, "links") > 0)
			return 1;
		close(p->restart_fd);
		p->restart_fd = -1;
	}
	/* nothing, or incomplete (an agent died while starting): start again */
	pin_remove(p, true);
	if (make_dir(p, err, errlen))
		return -1;
	p->restart_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sabpf_restart", sizeof(__u32),
				       sizeof(struct pin_slot), (__u32)p->ncpus + 2, NULL);
	if (p->restart_fd < 0 || bpf_obj_pin(p->restart_fd, path)) {
		snprintf(err, errlen, "--pin %s: cannot make %s: %s", p->dir, path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

__u64 pin_build_of(const void *elf, size_t elf_size)
{
	return fnv1a(elf, elf_size, 0xcbf29ce484222325ULL);
}

/* The active build (slot 0 of the pinned build_map), or 0 when there is
 * none to read (a side older than in-place upgrades). */
static __u64 pinned_active_build(const struct pin *p)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/maps/build_map", p->dir);
	int fd = bpf_obj_get(path);
	__u32 zero = 0;
	__u64 build = 0;
	if (fd >= 0) {
		if (bpf_map_lookup_elem(fd, &zero, &build))
			build = 0;
		close(fd);
	}
	return build;
}

/* Moves every pin of DIR/from into DIR/to (a pin already there by that
 * name goes first), then removes DIR/from. */
static int move_pins(const struct pin *p, const char *from, const char *to)
{
	char src_dir[PATH_MAX], dst_dir[PATH_MAX];
	snprintf(src_dir, sizeof(src_dir), "%s/%s", p->dir, from);
	snprintf(dst_dir, sizeof(dst_dir), "%s/%s", p->dir, to);
	DIR *d = opendir(src_dir);
	if (!d)
		return 0;
	if (bpffs_mkdir_p(dst_dir)) {
		closedir(d);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char a[PATH_MAX + 256], b[PATH_MAX + 256];
		snprintf(a, sizeof(a), "%s/%s", src_dir, e->d_name);
		snprintf(b, sizeof(b), "%s/%s", dst_dir, e->d_name);
		unlink(b);
		if (rename(a, b))
			rc = -1;
	}
	closedir(d);
	rmdir(src_dir);
	return rc;
}

/* An upgrade the last agent left half done (DIR/links-next there): if
 * build_map names another build than slot 0, the new programs were made
 * the active ones: the old links go and the new pins take their places;
 * if not, the old programs still record: the new pins go. */
static int settle_upgrade(struct pin *p, struct pin_slot *head)
{
	char next[PATH_MAX];
	snprintf(next, sizeof(next), "%s/links-next", p->dir);
	if (access(next, F_OK) != 0)
		return 0;
	__u64 active = pinned_active_build(p);
	if (active && active != head->a) {
		remove_dir(p, "links");
		if (move_pins(p, "links-next", "links") || move_pins(p, "maps-next", "maps"))
			return -1;
		head->a = active;
		return write_slot(p, 0, head);
	}
	remove_dir(p, "links-next");
	remove_dir(p, "maps-next");
	return 0;
}

/* Whether obj's programs can take over DIR's maps in place (an upgrade):
 * every map of obj pinned in DIR/maps has the layout obj declares (type,
 * key and value sizes, entries, flags); program arrays are not taken
 * over (each build fills its own). 0, or -1 with the map that differs. */
static int maps_compatible(const struct pin *p, struct bpf_object *obj, char *err, size_t errlen)
{
	struct bpf_map *map;
	bpf_object__for_each_map(map, obj)
	{
		if (bpf_map__is_internal(map) || !bpf_map__autocreate(map) ||
		    bpf_map__type(map) == BPF_MAP_TYPE_PROG_ARRAY)
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/maps/%s", p->dir, bpf_map__name(map));
		int fd = bpf_obj_get(path);
		if (fd < 0)
			continue; /* new in this build: made and pinned at load */
		struct bpf_map_info info = {0};
		__u32 len = sizeof(info);
		int rc = bpf_obj_get_info_by_fd(fd, &info, &len);
		close(fd);
		if (rc || info.type != (__u32)bpf_map__type(map) ||
		    info.key_size != bpf_map__key_size(map) ||
		    info.value_size != bpf_map__value_size(map) ||
		    info.max_entries != bpf_map__max_entries(map) ||
		    info.map_flags != bpf_map__map_flags(map)) {
			snprintf(
			    err, errlen,
			    "--pin %s: the programs pinned there are of another sabpf build, "
			    "whose map %s differs from this build's (pinned: type %u, key %u, "
			    "value %u, %u entries, flags 0x%x; this build: type %u, key %u, "
			    "value %u, %u entries, flags 0x%x), so this build cannot take it "
			    "over in place: an upgrade needs a stop: end the old agent's "
			    "programs (`sabpf audit --pin %s --unpin ...` of the old build, or "
			    "`rm -r %s`: what the ring holds is then lost) and start again",
			    p->dir, bpf_map__name(map), info.type, info.key_size, info.value_size,
			    info.max_entries, info.map_flags, (unsigned)bpf_map__type(map),
			    bpf_map__key_size(map), bpf_map__value_size(map),
			    bpf_map__max_entries(map), bpf_map__map_flags(map), p->dir, p->dir);
			return -1;
		}
	}
	return 0;
}

int pin_prepare(const char *dir, struct bpf_object *obj, const void *elf, size_t elf_size,
		const char *settings, struct pin **out, char *err, size_t errlen)
{
	struct pin *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->restart_fd = -1;
	p->ncpus = libbpf_num_possible_cpus();
	if (dir[0] != '/' || strlen(dir) >= sizeof(p->dir)) {
		snprintf(err, errlen, "--pin '%s': give an absolute path under /sys/fs/bpf", dir);
		goto fail;
	}
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	size_t len = strlen(p->dir);
	while (len > 1 && p->dir[len - 1] == '/')
		p->dir[--len] = '\0';
	p->build = pin_build_of(elf, elf_size);
	p->settings = fnv1a(settings, strlen(settings), 0xcbf29ce484222325ULL);
	if (make_dir(p, err, errlen))
		goto fail;
	struct pin_slot head;
	int rc = open_restart(p, &head, err, errlen);
	if (rc < 0)
		goto fail;
	if (rc == 1 && settle_upgrade(p, &head)) {
		snprintf(err, errlen, "--pin %s: cannot settle the upgrade the last agent left: %s",
			 p->dir, strerror(errno));
		goto fail;
	}
	if (rc == 1) {
		struct pin_slot run;
		if (read_slot(p, (__u32)p->ncpus + 1, &run))
			memset(&run, 0, sizeof(run));
		if (head.a != p->build && head.b == p->settings) {
			if (run.b != SABPF_RECORD_ABI || !pinned_active_build(p)) {
				snprintf(
				    err, errlen,
				    "--pin %s: the programs pinned there are of another sabpf "
				    "build, "
				    "%s, so this build cannot take them over in place: an upgrade "
				    "needs a stop: end the old agent's programs with `sabpf audit "
				    "--pin %s --unpin ...` of the old build, or `rm -r %s` (what "
				    "the ring holds is then lost), and start again",
				    p->dir,
				    run.b && run.b != SABPF_RECORD_ABI
					? "of another record format"
					: "older than in-place upgrades",
				    p->dir, p->dir);
				goto fail;
			}
			if (maps_compatible(p, obj, err, errlen))
				goto fail;
			p->upgrading = true;
			p->run = run.a;
		}
	}
	if (rc == 1 && !p->upgrading) {
		if (head.a != p->build) {
			snprintf(err, errlen,
				 "--pin %s: the programs pinned there are of another sabpf build; "
				 "an upgrade needs a stop: end the old agent's programs with "
				 "`sabpf audit --pin %s --unpin ...` of the old build, or "
				 "`rm -r %s` (what the ring holds is then lost), and start again",
				 p->dir, p->dir, p->dir);
			goto fail;
		}
		if (head.b != p->settings) {
			snprintf(
			    err, errlen,
			    "--pin %s: the kernel side pinned there was loaded with other "
			    "settings than these (%s): give the same --ring-size, --scope-size "
			    "and --allow-bpf, or remove it (`rm -r %s`)",
			    p->dir, settings, p->dir);
			goto fail;
		}
		p->resumed = true;
		struct pin_slot run;
		if (read_slot(p, (__u32)p->ncpus + 1, &run) == 0)
			p->run = run.a;
	}
	if (rc == 1) {
		/* the agent of DIR now (0 once it left; a crashed one's pid
		 * stays): alive, it would share the ring with this one */
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/maps/agent_map", p->dir);
		int fd = bpf_obj_get(path);
		__u32 zero = 0, agent = 0;
		if (fd >= 0 && bpf_map_lookup_elem(fd, &zero, &agent) == 0 && agent &&
		    agent != (__u32)getpid()) {
			char proc[64];
			snprintf(proc, sizeof(proc), "/proc/%u", agent);
			if (access(proc, F_OK) == 0)
				fprintf(stderr,
					"sabpf: warning: pid %u, the agent of %s, is alive (or "
					"its pid was reused after a crash): two agents on one "
					"DIR share its ring, each record going to one of them; "
					"stop the other first\n",
					agent, p->dir);
		}
		if (fd >= 0)
			close(fd);
	}
	struct bpf_map *map;
	bpf_object__for_each_map(map, obj)
	{
		if (bpf_map__is_internal(map) || !bpf_map__autocreate(map))
			continue;
		/* upgrading: this build's program arrays are its own (pinned
		 * at the hand-over, pin_upgrade_commit) */
		if (p->upgrading && bpf_map__type(map) == BPF_MAP_TYPE_PROG_ARRAY)
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/maps/%s", p->dir, bpf_map__name(map));
		if (bpf_map__set_pin_path(map, path)) {
			snprintf(err, errlen, "--pin %s: cannot pin map %s", p->dir,
				 bpf_map__name(map));
			goto fail;
		}
	}
	if (p->resumed) {
		struct bpf_program *prog;
		bpf_object__for_each_program(prog, obj) bpf_program__set_autoload(prog, false);
	}
	*out = p;
	return 0;
fail:
	pin_free(p);
	return -1;
}

bool pin_resumed(const struct pin *p)
{
	return p && p->resumed;
}

bool pin_upgrading(const struct pin *p)
{
	return p && p->upgrading;
}

bool pin_took_over(const struct pin *p)
{
	return p && (p->resumed || p->upgrading);
}

__u64 pin_build(const struct pin *p)
{
	return p->build;
}

__u64 pin_upgraded_from(const struct pin *p)
{
	return p ? p->upgraded_from : 0;
}

int pin_upgrade_commit(struct pin *p, struct bpf_object_skeleton *s, struct bpf_object *obj,
		       char *err, size_t errlen)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/links-next", p->dir);
	if (bpffs_mkdir_p(path)) {
		snprintf(err, errlen, "--pin %s: cannot make %s: %s", p->dir, path,
			 strerror(errno));
		return -1;
	}
	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_link *link = *s->progs[i].link;
		if (!link)
			continue;
		snprintf(path, sizeof(path), "%s/links-next/%s", p->dir, s->progs[i].name);
		if (bpf_link__pin(link, path)) {
			snprintf(err, errlen, "--pin %s: cannot pin the link of %s: %s", p->dir,
				 s->progs[i].name, strerror(errno));
			return -1;
		}
	}
	struct bpf_map *map;
	bpf_object__for_each_map(map, obj)
	{
		if (bpf_map__type(map) != BPF_MAP_TYPE_PROG_ARRAY || !bpf_map__autocreate(map))
			continue;
		snprintf(path, sizeof(path), "%s/maps-next", p->dir);
		bpffs_mkdir_p(path);
		snprintf(path, sizeof(path), "%s/maps-next/%s", p->dir, bpf_map__name(map));
		if (bpf_obj_pin(bpf_map__fd(map), path)) {
			snprintf(err, errlen, "--pin %s: cannot pin map %s: %s", p->dir,
				 bpf_map__name(map), strerror(errno));
			return -1;
		}
	}
	/* both builds' programs are attached now, the old ones recording:
	 * SABPF_TEST_UPGRADE_PAUSE_MS widens this window for the test that
	 * no record is made twice (tests/vm/scenarios/45-restart.sh) */
	const char *pause = getenv("SABPF_TEST_UPGRADE_PAUSE_MS");
	if (pause)
		usleep((useconds_t)atoi(pause) * 1000);
	/* the hand-over: from this update on, this build's programs record
	 * and the old ones return at once */
	snprintf(path, sizeof(path), "%s/maps/build_map", p->dir);
	int fd = bpf_obj_get(path);
	__u32 zero = 0;
	if (fd < 0 || bpf_map_update_elem(fd, &zero, &p->build, BPF_ANY)) {
		snprintf(err, errlen, "--pin %s: cannot make this build the active one: %s", p->dir,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	struct pin_slot head;
	if (read_slot(p, 0, &head))
		memset(&head, 0, sizeof(head));
	__u64 old = head.a;
	if (settle_upgrade(p, &head)) {
		snprintf(err, errlen, "--pin %s: cannot put the new links in place: %s", p->dir,
			 strerror(errno));
		return -1;
	}
	p->upgrading = false;
	p->resumed = true; /* from now on as a take-over of this build's side */
	p->upgraded_from = old;
	return 0;
}

void pin_upgrade_abort(struct pin *p)
{
	remove_dir(p, "links-next");
	remove_dir(p, "maps-next");
}

int pin_links(struct pin *p, struct bpf_object_skeleton *s, char *err, size_t errlen)
{
	int n = 0;
	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_link *link = *s->progs[i].link;
		if (!link)
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/links/%s", p->dir, s->progs[i].name);
		if (bpf_link__pin(link, path)) {
			snprintf(err, errlen, "--pin %s: cannot pin the link of %s: %s", p->dir,
				 s->progs[i].name, strerror(errno));
			return -1;
		}
		n++;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	p->run = (__u64)now.tv_sec * 1000000000ull + (__u64)now.tv_nsec;
	struct pin_slot run = {.a = p->run, .b = SABPF_RECORD_ABI};
	struct pin_slot head = {.a = p->build, .b = p->settings, .c = (__u64)getpid()};
	if (n == 0 || write_slot(p, (__u32)p->ncpus + 1, &run) || write_slot(p, 0, &head)) {
		snprintf(err, errlen, "--pin %s: cannot mark it complete: %s", p->dir,
			 n ? strerror(errno) : "no link");
		return -1;
	}
	return 0;
}

__u64 pin_run(const struct pin *p)
{
	return p ? p->run : 0;
}

int pin_save_seq(struct pin *p, const struct sabpf_pipeline *pl)
{
	int rc = 0;
	for (int cpu = 0; cpu < p->ncpus; cpu++) {
		struct pin_slot s = {0};
		pipeline_seq_get(pl, (unsigned)cpu, &s.a, &s.b);
		rc |= write_slot(p, (__u32)cpu + 1, &s);
	}
	return rc ? -1 : 0;
}

int pin_load_seq(struct pin *p, struct sabpf_pipeline *pl)
{
	for (int cpu = 0; cpu < p->ncpus; cpu++) {
		struct pin_slot s;
		if (read_slot(p, (__u32)cpu + 1, &s))
			return -1;
		if ((s.a || s.b) && pipeline_seq_set(pl, (unsigned)cpu, s.a, s.b))
			return -1;
	}
	return 0;
}

void pin_remove(struct pin *p, bool maps_too)
{
	remove_dir(p, "links");
	if (!maps_too)
		return;
	remove_dir(p, "maps");
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/restart", p->dir);
	unlink(path);
	rmdir(p->dir);
}

void pin_free(struct pin *p)
{
	if (!p)
		return;
	if (p->restart_fd >= 0)
		close(p->restart_fd);
	free(p);
}
