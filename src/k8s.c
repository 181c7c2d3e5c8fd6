/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* k8s.c: finds the kubepods cgroup and a pod's cgroup by UID (k8s.h), by
 * looking only where the kubelet puts them: the kubepods directory of
 * either driver and its QoS children, three levels at most, so the search
 * costs a few readdirs whatever else the host's cgroup tree holds. */
#include "k8s.h"

#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define POD_PREFIX "k8s-pod="
#define PODS_WORD "k8s-pods"
#define UID_LEN 36

int k8s_is_selector(const char *text)
{
	return !strcmp(text, PODS_WORD) || !strncmp(text, POD_PREFIX, strlen(POD_PREFIX));
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A pod UID as Kubernetes makes them: 8-4-4-4-12 lower-case hex. */
static bool valid_uid(const char *uid)
{
	if (strlen(uid) != UID_LEN)
		return false;
	for (int i = 0; i < UID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? uid[i] != '-'
			 : !(isdigit((unsigned char)uid[i]) || (uid[i] >= 'a' && uid[i] <= 'f')))
			return false;
	}
	return true;
}

/* The kubepods directory of either driver. */
static int kubepods_dir(const char *root, char *out, size_t len, char *err, size_t errlen)
{
	const char *names[] = {"kubepods.slice", "kubepods"};
	for (size_t i = 0; i < 2; i++) {
		if ((size_t)snprintf(out, len, "%s/%s", root, names[i]) < len && is_dir(out))
			return 0;
	}
	snprintf(err, errlen,
		 "no kubepods cgroup under %s (neither kubepods.slice, the kubelet's systemd "
		 "driver, nor kubepods, its cgroupfs driver): is this a Kubernetes node, and is "
		 "the host's cgroup v2 tree mounted there?",
		 root);
	return -1;
}

struct search {
	char want_cgroupfs[16 + UID_LEN]; /* pod<uid> */
	char want_systemd[16 + UID_LEN];  /* -pod<uid with _>.slice, as a suffix */
	char found[4096];
	int matches;
};

static bool name_matches(const struct search *s, const char *name)
{
	size_t n = strlen(name), m = strlen(s->want_systemd);
	return !strcmp(name, s->want_cgroupfs) ||
	       (!strncmp(name, "kubepods", 8) && n > m && !strcmp(name + n - m, s->want_systemd));
}

/* Looks in dir for the pod, and in its QoS children (burstable,
 * besteffort, kubepods-*.slice) when depth allows. */
static void search_in(struct search *s, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path) ||
		    !is_dir(path))
			continue;
		if (name_matches(s, e->d_name)) {
			if (s->matches++ == 0)
				snprintf(s->found, sizeof(s->found), "%s", path);
		} else if (depth > 0 &&
			   (!strcmp(e->d_name, "burstable") || !strcmp(e->d_name, "besteffort") ||
			    (!strncmp(e->d_name, "kubepods-", 9) && !strstr(e->d_name, "-pod")))) {
			search_in(s, path, depth - 1);
		}
	}
	closedir(d);
}

int k8s_resolve(const char *root, const char *selector, char *out, size_t len, char *err,
		size_t errlen)
{
	char pods[4096];
	if (!strcmp(selector, PODS_WORD))
		return kubepods_dir(root, out, len, err, errlen);
	if (strncmp(selector, POD_PREFIX, strlen(POD_PREFIX))) {
		snprintf(err, errlen, "'%s': expected k8s-pods or k8s-pod=UID", selector);
		return -1;
	}
	const char *uid = selector + strlen(POD_PREFIX);
	if (!valid_uid(uid)) {
		snprintf(err, errlen,
			 "'%s': '%s' is not a pod UID (36 characters, lower-case hex in groups "
			 "8-4-4-4-12, as in metadata.uid)",
			 selector, uid);
		return -1;
	}
	if (kubepods_dir(root, pods, sizeof(pods), err, errlen))
		return -1;
	struct search s = {.matches = 0};
	snprintf(s.want_cgroupfs, sizeof(s.want_cgroupfs), "pod%s", uid);
	char uid_systemd[UID_LEN + 1];
	for (int i = 0; i <= UID_LEN; i++)
		uid_systemd[i] = uid[i] == '-' ? '_' : uid[i];
	snprintf(s.want_systemd, sizeof(s.want_systemd), "-pod%s.slice", uid_systemd);
	search_in(&s, pods, 2);
	if (s.matches == 0) {
		snprintf(err, errlen,
			 "'%s': no cgroup of that pod under %s (looked for %s and *%s there and "
			 "in its QoS cgroups): is the pod running on this node?",
			 selector, pods, s.want_cgroupfs, s.want_systemd);
		return -1;
	}
	if (s.matches > 1) {
		snprintf(err, errlen, "'%s': %d cgroups match under %s (first %s)", selector,
			 s.matches, pods, s.found);
		return -1;
	}
	if ((size_t)snprintf(out, len, "%s", s.found) >= len) {
		snprintf(err, errlen, "'%s': path too long", selector);
		return -1;
	}
	return 0;
}
