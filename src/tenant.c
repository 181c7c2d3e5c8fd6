/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tenant.c: tenant-supplied BPF programs, confined to their container
 * (`sabpf load | list | detach`, docs/tenant.md).
 *
 * A container may bring its own audit or access-control programs, as the
 * saBPF paper proposes. sabpf loads them for it, but only in a form whose
 * effect stays inside that container:
 *   - every program must be an lsm_cgroup/ program (BPF_LSM_CGROUP): the
 *     kernel runs it only for tasks of the cgroup it is attached to and its
 *     descendants. A global lsm/, tracing or any other program would see the
 *     whole machine and is refused;
 *   - no map may be pinned or reused from outside (libbpf's `pinning`), so
 *     the object reaches no map but its own and publishes none;
 *   - no program may call a helper that acts beyond the container (sending
 *     signals, writing user memory, overriding returns, calling bpf()).
 * The same rules bound what a container may load itself with --allow-bpf:
 * bpf/guard.bpf.c checks them in the kernel, with the helper list below
 * (tenant_refused_helper_calls).
 * Its links are pinned under TENANT_PIN_ROOT/<cgroup id>/<name>/, so they
 * stay attached after `sabpf load` exits, until `sabpf detach`. The lsm_cgroup
 * hook budget (10 hooks system-wide) is shared with policies (src/enforce.c). */
#include "tenant.h"
#include "cmd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "cgroup.h"
#include "enforce.h"
#include "sabpf_policy.h"

#define TENANT_PIN_ROOT "/sys/fs/bpf/sabpf/tenant"
#define TENANT_NAME_MAX 64

/* Helpers a tenant program may not call: they act beyond its container. The
 * name is also the helper's kernel function (for /proc/kallsyms). */
static const struct {
	int id;
	const char *name;
} refused_helpers[SABPF_REFUSED_HELPERS] = {
    {BPF_FUNC_send_signal, "bpf_send_signal"},
    {BPF_FUNC_send_signal_thread, "bpf_send_signal_thread"},
    {BPF_FUNC_probe_write_user, "bpf_probe_write_user"},
    {BPF_FUNC_override_return, "bpf_override_return"},
    {BPF_FUNC_sys_bpf, "bpf_sys_bpf"},
    {BPF_FUNC_sys_close, "bpf_sys_close"},
};

/* The name of a refused helper called by prog, or NULL. */
static const char *refused_helper_call(const struct bpf_program *prog)
{
	const struct bpf_insn *insns = bpf_program__insns(prog);
	size_t n = bpf_program__insn_cnt(prog);
	for (size_t i = 0; i < n; i++) {
		if (insns[i].code != (BPF_JMP | BPF_CALL) || insns[i].src_reg != 0)
			continue; /* not a helper call (src_reg 1: a BPF function, 2: a kfunc) */
		for (size_t k = 0; k < sizeof(refused_helpers) / sizeof(refused_helpers[0]); k++)
			if (insns[i].imm == refused_helpers[k].id)
				return refused_helpers[k].name;
	}
	return NULL;
}

int tenant_refused_helper_calls(int imm[], char *err, size_t errlen)
{
	unsigned long long addr[SABPF_REFUSED_HELPERS] = {0}, base = 0;
	char line[512], name[256], type;
	unsigned long long a;
	FILE *f = fopen("/proc/kallsyms", "re");
	if (!f) {
		snprintf(err, errlen,
			 "cannot read /proc/kallsyms: %s (--allow-bpf checks the helpers "
			 "a container's programs call by their kernel addresses)",
			 strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		/* "ADDR TYPE NAME [MODULE]": the kernel's own text symbols only */
		if (sscanf(line, "%llx %c %255s", &a, &type, name) != 3 || strchr(line, '[') ||
		    (type != 't' && type != 'T'))
			continue;
		if (strcmp(name, "__bpf_call_base") == 0)
			base = a;
		for (size_t k = 0; k < SABPF_REFUSED_HELPERS; k++)
			if (!addr[k] && strcmp(name, refused_helpers[k].name) == 0)
				addr[k] = a;
	}
	fclose(f);
	if (!base) {
		snprintf(err, errlen,
			 "/proc/kallsyms shows no address for __bpf_call_base (are "
			 "addresses hidden? kernel.kptr_restrict must let root see them "
			 "for --allow-bpf)");
		return -1;
	}
	for (size_t k = 0; k < SABPF_REFUSED_HELPERS; k++) {
		long long d = addr[k] ? (long long)(addr[k] - base) : 0;
		if (d < INT32_MIN || d > INT32_MAX) {
			snprintf(err, errlen, "%s is too far from __bpf_call_base for a call",
				 refused_helpers[k].name);
			return -1;
		}
		imm[k] = (int)d;
	}
	return 0;
}

/* Checks an opened (not loaded) object against the rules at the top. */
static int check_object(struct bpf_object *obj, const char *path, char *err, size_t errlen)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	int programs = 0;
	bpf_object__for_each_program(prog, obj)
	{
		const char *sec = bpf_program__section_name(prog);
		if (bpf_program__expected_attach_type(prog) != BPF_LSM_CGROUP ||
		    strncmp(sec, "lsm_cgroup/", 11) != 0) {
			snprintf(
			    err, errlen,
			    "%s: program '%s' is in section '%s': only lsm_cgroup/ programs can "
			    "be confined to a container (a global program sees every container); "
			    "write it as SEC(\"lsm_cgroup/HOOK\")",
			    path, bpf_program__name(prog), sec);
			return -1;
		}
		programs++;
	}
	if (!programs) {
		snprintf(err, errlen, "%s holds no program", path);
		return -1;
	}
	bpf_object__for_each_map(map, obj)
	{
		if (bpf_map__pin_path(map)) {
			snprintf(err, errlen,
				 "%s: map '%s' is pinned (%s): a tenant object may reach no map "
				 "outside itself; remove its `pinning` attribute",
				 path, bpf_map__name(map), bpf_map__pin_path(map));
			return -1;
		}
	}
	return 0;
}

/* Checks the helpers the programs call (their instructions, before load). */
static int check_helpers(struct bpf_object *obj, const char *path, char *err, size_t errlen)
{
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
	{
		const char *helper = refused_helper_call(prog);
		if (helper) {
			snprintf(err, errlen,
				 "%s: program '%s' calls %s, which acts beyond its container; "
				 "tenant programs may not use it",
				 path, bpf_program__name(prog), helper);
			return -1;
		}
	}
	return 0;
}

static int valid_name(const char *name)
{
	if (!*name || strlen(name) >= TENANT_NAME_MAX)
		return 0;
	for (const char *p = name; *p; p++)
		if (!(*p == '-' || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return 0;
	return name[0] != '.';
}

/* The name an object gets by default: its file name without ".bpf.o"/".o". */
static void default_name(const char *path, char *name, size_t len)
{
	const char *base = strrchr(path, '/');
	snprintf(name, len, "%s", base ? base + 1 : path);
	char *dot = strstr(name, ".bpf.o");
	if (!dot)
		dot = strrchr(name, '.');
	if (dot && dot != name)
		*dot = '\0';
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char path[PATH_MAX + 256];
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path); /* unpinning a link detaches its program */
	}
	closedir(d);
	rmdir(dir);
}

static int tenant_load(const char *path, const char *cgroup, const char *name_arg, char *err,
		       size_t errlen)
{
	char name[TENANT_NAME_MAX], cg_path[PATH_MAX], dir[PATH_MAX + 128];
	__u64 cg_id;
	if (name_arg)
		snprintf(name, sizeof(name), "%s", name_arg);
	else
		default_name(path, name, sizeof(name));
	if (!valid_name(name)) {
		snprintf(
		    err, errlen,
		    "'%s' is not a usable name: letters, digits, '-', '_' and '.', at most %d; "
		    "give one with --name",
		    name, TENANT_NAME_MAX - 1);
		return -1;
	}
	if (cgroup_id_of_path(cgroup, &cg_id, cg_path, sizeof(cg_path), err, errlen))
		return -1;
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		snprintf(err, errlen, "cannot open %s as a BPF object: %s", path, strerror(errno));
		return -1;
	}
	int cg_fd = -1, rc = -1;
	if (check_object(obj, path, err, errlen) || check_helpers(obj, path, err, errlen))
		goto out;
	snprintf(dir, sizeof(dir), "%s/%llu/%s", TENANT_PIN_ROOT, (unsigned long long)cg_id, name);
	if (access(dir, F_OK) == 0) {
		snprintf(err, errlen,
			 "a tenant object named '%s' is already loaded for %s; `sabpf detach "
			 "--cgroup %s --name %s` first, or choose another --name",
			 name, cg_path, cg_path, name);
		goto out;
	}
	int load = bpf_object__load(obj);
	if (load) {
		snprintf(err, errlen,
			 "the kernel refused %s: %s (SABPF_DEBUG=1 shows the verifier log)", path,
			 strerror(-load));
		goto out;
	}
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s/%llu", TENANT_PIN_ROOT, (unsigned long long)cg_id);
	if (mkdir("/sys/fs/bpf/sabpf", 0700) && errno != EEXIST)
		goto mkdir_failed;
	if ((mkdir(TENANT_PIN_ROOT, 0700) && errno != EEXIST) ||
	    (mkdir(parent, 0700) && errno != EEXIST) || mkdir(dir, 0700))
		goto mkdir_failed;
	cg_fd = open(cg_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", cg_path, strerror(errno));
		goto undo;
	}
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
	{
		struct bpf_link *link = bpf_program__attach_cgroup(prog, cg_fd);
		if (!link) {
			int e = errno;
			snprintf(err, errlen, "cannot attach %s to %s: %s%s",
				 bpf_program__name(prog), cg_path, strerror(e),
				 e == E2BIG
				     ? " (the kernel's budget of 10 lsm_cgroup hooks is used up; "
				       "`sabpf policy show` counts them)"
				     : "");
			goto undo;
		}
		char pin[PATH_MAX + 256];
		snprintf(pin, sizeof(pin), "%s/%s", dir, bpf_program__name(prog));
		int pinned = bpf_link__pin(link, pin);
		bpf_link__destroy(link);
		if (pinned) {
			snprintf(err, errlen, "cannot pin %s: %s", pin, strerror(-pinned));
			goto undo;
		}
	}
	rc = 0;
	goto out;
mkdir_failed:
	snprintf(err, errlen, "cannot create %s: %s (is /sys/fs/bpf a bpf filesystem?)", dir,
		 strerror(errno));
	goto out;
undo:
	remove_dir(dir);
out:
	if (cg_fd >= 0)
		close(cg_fd);
	bpf_object__close(obj);
	return rc;
}

/* Prints cgroup-id/name/program for every pinned tenant link. */
static int tenant_list(void)
{
	DIR *root = opendir(TENANT_PIN_ROOT);
	int count = 0;
	struct dirent *c, *n, *p;
	char path[PATH_MAX];
	while (root && (c = readdir(root))) {
		if (c->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", TENANT_PIN_ROOT, c->d_name);
		DIR *cg = opendir(path);
		while (cg && (n = readdir(cg))) {
			if (n->d_name[0] == '.')
				continue;
			char sub[PATH_MAX + 256];
			snprintf(sub, sizeof(sub), "%s/%s", path, n->d_name);
			DIR *obj = opendir(sub);
			printf("cgroup %s: %s:", c->d_name, n->d_name);
			while (obj && (p = readdir(obj)))
				if (p->d_name[0] != '.')
					printf(" %s", p->d_name);
			printf("\n");
			if (obj)
				closedir(obj);
			count++;
		}
		if (cg)
			closedir(cg);
	}
	if (root)
		closedir(root);
	if (!count)
		printf("no tenant program loaded\n");
	return 0;
}

static int tenant_detach(const char *cgroup, const char *name, char *err, size_t errlen)
{
	char cg_path[PATH_MAX], dir[PATH_MAX + 128];
	__u64 cg_id;
	if (cgroup_id_of_path(cgroup, &cg_id, cg_path, sizeof(cg_path), err, errlen))
		return -1;
	if (!valid_name(name)) {
		snprintf(err, errlen, "'%s' is not a tenant object name", name);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/%llu/%s", TENANT_PIN_ROOT, (unsigned long long)cg_id, name);
	if (access(dir, F_OK)) {
		snprintf(err, errlen,
			 "no tenant object named '%s' is loaded for %s (see `sabpf list`)", name,
			 cg_path);
		return 1;
	}
	remove_dir(dir);
	snprintf(dir, sizeof(dir), "%s/%llu", TENANT_PIN_ROOT, (unsigned long long)cg_id);
	rmdir(dir); /* when it was the last one */
	return 0;
}

static int tenant_usage(FILE *out)
{
	fprintf(out,
		"usage: sabpf load OBJECT.bpf.o --cgroup PATH [--name NAME]\n"
		"       sabpf list\n"
		"       sabpf detach --cgroup PATH --name NAME\n"
		"Loads a tenant's own BPF object for one container: lsm_cgroup/ programs only, "
		"no pinned maps (docs/tenant.md).\n");
	return out == stdout ? 0 : EXIT_USAGE;
}

struct tenant_args {
	const char *cgroup, *name, *object;
};

/* The options of load, list and detach: --cgroup, --name, and at most one
 * operand (the object). Returns 0, 1 after --help, or EXIT_USAGE. */
static int parse_tenant(int argc, char **argv, struct tenant_args *a)
{
	static const struct option opts[] = {
	    {"cgroup", required_argument, 0, 'c'},
	    {"name", required_argument, 0, 'n'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	int opt;
	*a = (struct tenant_args){0};
	cmd_getopt_reset();
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			a->cgroup = optarg;
			break;
		case 'n':
			a->name = optarg;
			break;
		case 'h':
			tenant_usage(stdout);
			return 1;
		default:
			return tenant_usage(stderr);
		}
	}
	if (optind < argc)
		a->object = argv[optind++];
	if (optind < argc)
		return tenant_usage(stderr);
	return 0;
}

int cmd_load(int argc, char **argv)
{
	struct tenant_args a;
	int rc = parse_tenant(argc, argv, &a);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (!a.object || !a.cgroup)
		return tenant_usage(stderr);
	char err[PATH_MAX * 4]; /* room for messages naming several paths */
	rc = tenant_load(a.object, a.cgroup, a.name, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "sabpf load: %s\n", err);
		return 1;
	}
	printf("loaded %s for %s\n", a.object, a.cgroup);
	return 0;
}

int cmd_list(int argc, char **argv)
{
	struct tenant_args a;
	int rc = parse_tenant(argc, argv, &a);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (a.object || a.cgroup || a.name)
		return tenant_usage(stderr);
	return tenant_list();
}

int cmd_detach(int argc, char **argv)
{
	struct tenant_args a;
	int rc = parse_tenant(argc, argv, &a);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (!a.cgroup || !a.name || a.object)
		return tenant_usage(stderr);
	char err[PATH_MAX * 4];
	rc = tenant_detach(a.cgroup, a.name, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "sabpf detach: %s\n", err);
		return 1;
	}
	printf("detached %s from %s\n", a.name, a.cgroup);
	return 0;
}
