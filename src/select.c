/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* select.c: containers chosen by identity and followed as they start and
 * stop (see select.h). Each scan walks the cgroup v2 tree; a directory that
 * is a container's own cgroup (the outermost component of its path naming a
 * container, identity_from_cgroup_path) is resolved once, by cgroup id, and
 * its subtree is not walked (it belongs to that container). Matching
 * containers are registered through control_attach_target(), as
 * `--cgroup` ones are, and get the policy of their configuration entry
 * through enforce_apply() (the same as `sabpf policy apply --cgroup`). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "config.h"
#include "control.h"
#include "enforce.h"
#include "output.h"
#include "select.h"

#define MAX_TERMS 8
#define MAX_ALTERNATIVES 16

enum key {
	KEY_RUNTIME,
	KEY_ID,
	KEY_NAME,
	KEY_IMAGE,
	KEY_K8S_NAMESPACE,
	KEY_K8S_POD,
	KEY_K8S_UID,
	KEY_CONTAINERD_NS,
	KEY_LABEL,
};

static const struct {
	const char *name;
	enum key key;
} keys[] = {
    {"runtime", KEY_RUNTIME},
    {"id", KEY_ID},
    {"name", KEY_NAME},
    {"image", KEY_IMAGE},
    {"k8s.namespace", KEY_K8S_NAMESPACE},
    {"k8s.pod", KEY_K8S_POD},
    {"k8s.container", KEY_NAME},
    {"k8s.uid", KEY_K8S_UID},
    {"containerd.namespace", KEY_CONTAINERD_NS},
};

#define KEYS_ALLOWED                                                                               \
	"runtime, id, name, image, k8s.namespace, k8s.pod, k8s.container, k8s.uid, "               \
	"containerd.namespace, label.KEY, k8s.label.KEY, docker.name, podman.name, "               \
	"containerd.name, cri-o.name"

struct term {
	enum key key;
	char value[IDENTITY_TEXT];
	char label[IDENTITY_TEXT]; /* KEY_LABEL: the label's key */
};

struct alternative {
	struct term terms[MAX_TERMS];
	int nterms;			/* 0: every runtime's container (--all) */
	unsigned classes;		/* record classes of its containers; 0: the agent's */
	bool from_config;		/* from the configuration file (replaced on reload) */
	char policy[CONFIG_POLICY_MAX]; /* its policy file; "" none */
};

/* A container seen by a scan. */
struct seen {
	unsigned long long cgroup;
	bool followed; /* matched and registered */
	bool present;  /* found by the current scan */
	char display[IDENTITY_TEXT * 3 + 4];
	char id[IDENTITY_ID_LEN + 1];
	enum sabpf_runtime runtime;
	char path[PATH_MAX];		/* its cgroup (followed ones) */
	unsigned classes;		/* the classes it has in scope */
	char policy[CONFIG_POLICY_MAX]; /* the policy applied to it by the file; "" none */
};

struct selection {
	struct alternative alts[MAX_ALTERNATIVES];
	int nalts;
	struct seen *seen;
	size_t nseen, cap;
	struct identity_roots roots;
	char root[PATH_MAX]; /* the cgroup v2 mount */
};

static int add_term(struct alternative *alt, enum key key, const char *value, size_t n,
		    const char *text, char *err, size_t errlen)
{
	if (alt->nterms == MAX_TERMS) {
		snprintf(err, errlen, "'%s': at most %d terms", text, MAX_TERMS);
		return -1;
	}
	if (n == 0 || n >= IDENTITY_TEXT) {
		snprintf(err, errlen, "'%s': a value must be 1 to %d characters", text,
			 IDENTITY_TEXT - 1);
		return -1;
	}
	struct term *t = &alt->terms[alt->nterms++];
	t->key = key;
	memcpy(t->value, value, n);
	t->value[n] = '\0';
	return 0;
}

static bool runtime_known(const char *name, size_t n)
{
	for (int rt = SABPF_RT_DOCKER; rt < SABPF_RT_SABPF; rt++)
		if (strlen(identity_runtime_name(rt)) == n &&
		    strncmp(identity_runtime_name(rt), name, n) == 0)
			return true;
	return false;
}

/* One "key=value" of text. */
static int parse_term(struct alternative *alt, const char *term, size_t len, const char *text,
		      char *err, size_t errlen)
{
	const char *eq = memchr(term, '=', len);
	if (!eq) {
		snprintf(err, errlen, "'%.*s' in '%s' is not key=value (keys: " KEYS_ALLOWED ")",
			 (int)len, term, text);
		return -1;
	}
	size_t klen = (size_t)(eq - term), vlen = len - klen - 1;
	const char *value = eq + 1;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strlen(keys[i].name) != klen || strncmp(keys[i].name, term, klen) != 0)
			continue;
		if (keys[i].key == KEY_RUNTIME && !runtime_known(value, vlen)) {
			snprintf(err, errlen,
				 "'%.*s' in '%s': unknown runtime (docker, containerd, cri-o, "
				 "podman)",
				 (int)len, term, text);
			return -1;
		}
		if (keys[i].key == KEY_ID && (vlen < 12 || vlen > IDENTITY_ID_LEN)) {
			snprintf(err, errlen,
				 "'%.*s' in '%s': give the id or a prefix of at least 12 digits",
				 (int)len, term, text);
			return -1;
		}
		return add_term(alt, keys[i].key, value, vlen, text, err, errlen);
	}
	/* label.KEY, k8s.label.KEY */
	for (int k8s = 0; k8s < 2; k8s++) {
		const char *prefix = k8s ? "k8s.label." : "label.";
		size_t plen = strlen(prefix);
		if (klen <= plen || strncmp(term, prefix, plen) != 0)
			continue;
		if (klen - plen >= IDENTITY_TEXT ||
		    add_term(alt, KEY_LABEL, value, vlen, text, err, errlen))
			return -1;
		struct term *t = &alt->terms[alt->nterms - 1];
		memcpy(t->label, term + plen, klen - plen);
		t->label[klen - plen] = '\0';
		return 0;
	}
	/* <runtime>.name */
	if (klen > 5 && strncmp(term + klen - 5, ".name", 5) == 0 && runtime_known(term, klen - 5))
		return add_term(alt, KEY_RUNTIME, term, klen - 5, text, err, errlen) ||
		       add_term(alt, KEY_NAME, value, vlen, text, err, errlen);
	snprintf(err, errlen, "unknown key '%.*s' in '%s' (keys: " KEYS_ALLOWED ")", (int)klen,
		 term, text);
	return -1;
}

struct selection *selection_new(void)
{
	struct selection *s = calloc(1, sizeof(*s));
	if (s)
		identity_default_roots(&s->roots);
	return s;
}

static int add_alternative(struct selection **sp, const char *text, unsigned classes,
			   const char *policy, bool from_config, char *err, size_t errlen)
{
	if (!*sp && !(*sp = selection_new())) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct selection *s = *sp;
	if (s->nalts == MAX_ALTERNATIVES) {
		snprintf(err, errlen, "at most %d selections", MAX_ALTERNATIVES);
		return -1;
	}
	struct alternative alt = {.nterms = 0, .classes = classes, .from_config = from_config};
	if (policy && strlen(policy) >= sizeof(alt.policy)) {
		snprintf(err, errlen, "policy path '%s' is longer than %zu bytes", policy,
			 sizeof(alt.policy) - 1);
		return -1;
	}
	snprintf(alt.policy, sizeof(alt.policy), "%s", policy ? policy : "");
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, ",");
		if (parse_term(&alt, p, n, text, err, errlen))
			return -1;
		p += n;
		if (*p == ',' && !*++p) {
			snprintf(err, errlen, "'%s' ends with a comma", text);
			return -1;
		}
	}
	s->alts[s->nalts++] = alt;
	return 0;
}

int selection_add(struct selection **sp, const char *text, char *err, size_t errlen)
{
	return add_alternative(sp, text, 0, NULL, false, err, errlen);
}

int selection_add_config(struct selection **sp, const char *text, unsigned classes,
			 const char *policy, char *err, size_t errlen)
{
	return add_alternative(sp, text, classes, policy, true, err, errlen);
}

int selection_replace_config(struct selection *dst, const struct selection *src, char *err,
			     size_t errlen)
{
	struct alternative alts[MAX_ALTERNATIVES];
	int n = 0;
	for (int a = 0; a < dst->nalts; a++)
		if (!dst->alts[a].from_config)
			alts[n++] = dst->alts[a];
	for (int a = 0; src && a < src->nalts; a++) {
		if (n == MAX_ALTERNATIVES) {
			snprintf(err, errlen,
				 "at most %d selections, command line and configuration together",
				 MAX_ALTERNATIVES);
			return -1;
		}
		alts[n] = src->alts[a];
		alts[n++].from_config = true;
	}
	memcpy(dst->alts, alts, sizeof(alts[0]) * n);
	dst->nalts = n;
	return 0;
}

static bool term_matches(const struct term *t, const struct sabpf_identity *id)
{
	switch (t->key) {
	case KEY_RUNTIME:
		return strcmp(identity_runtime_name(id->runtime), t->value) == 0;
	case KEY_ID:
		return strncmp(id->id, t->value, strlen(t->value)) == 0;
	case KEY_NAME:
		return strcmp(id->name, t->value) == 0;
	case KEY_IMAGE:
		return strcmp(id->image, t->value) == 0;
	case KEY_K8S_NAMESPACE:
		return strcmp(id->pod_namespace, t->value) == 0;
	case KEY_K8S_POD:
		return strcmp(id->pod_name, t->value) == 0;
	case KEY_K8S_UID:
		return strcmp(id->pod_uid, t->value) == 0;
	case KEY_CONTAINERD_NS:
		return strcmp(id->ns, t->value) == 0;
	case KEY_LABEL: {
		const char *v = identity_label(id, t->label);
		return v && strcmp(v, t->value) == 0;
	}
	}
	return false;
}

/* The first alternative (of the configuration file only, with file_only)
 * that matches id, or NULL. */
static const struct alternative *match(const struct selection *s, const struct sabpf_identity *id,
				       bool file_only)
{
	if (!s || !identity_shown(id) || id->sandbox)
		return NULL;
	for (int a = 0; a < s->nalts; a++) {
		if (file_only && !s->alts[a].from_config)
			continue;
		bool all = true;
		for (int i = 0; i < s->alts[a].nterms && all; i++)
			all = term_matches(&s->alts[a].terms[i], id);
		if (all)
			return &s->alts[a];
	}
	return NULL;
}

bool selection_matches(const struct selection *s, const struct sabpf_identity *id)
{
	return match(s, id, false) != NULL;
}

unsigned selection_classes(const struct selection *s, const struct sabpf_identity *id,
			   unsigned dflt)
{
	const struct alternative *alt = match(s, id, true);
	return alt && alt->classes ? alt->classes : dflt;
}

const char *selection_policy(const struct selection *s, const struct sabpf_identity *id)
{
	const struct alternative *alt = match(s, id, true);
	return alt && alt->policy[0] ? alt->policy : NULL;
}

void selection_free(struct selection *s)
{
	if (!s)
		return;
	free(s->seen);
	free(s);
}

/* ---- scanning ------------------------------------------------------------ */

struct scan {
	struct selection *s;
	struct agent *agent;
	struct sabpf_pipeline *p;
	unsigned classes;
	bool quiet;
};

static struct seen *find_seen(struct selection *s, unsigned long long cgroup)
{
	for (size_t i = 0; i < s->nseen; i++)
		if (s->seen[i].cgroup == cgroup)
			return &s->seen[i];
	return NULL;
}

static struct seen *add_seen(struct selection *s, unsigned long long cgroup)
{
	if (s->nseen == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct seen *bigger = realloc(s->seen, cap * sizeof(*bigger));
		if (!bigger)
			return NULL;
		s->seen = bigger;
		s->cap = cap;
	}
	struct seen *e = &s->seen[s->nseen++];
	memset(e, 0, sizeof(*e));
	e->cgroup = cgroup;
	return e;
}

/* Gives the followed container of e the policy file (NULL: none): applied
 * (again: the file may have changed), or the one the configuration gave it
 * before removed. Failures are said, not fatal: the container stays
 * audited. Returns 1 when something changed, else 0. */
static int set_policy(struct seen *e, const char *policy, bool quiet)
{
	char err[1024];
	if (!policy) {
		if (!e->policy[0])
			return 0;
		int rc = enforce_remove(e->path, err, sizeof(err));
		if (rc < 0)
			fprintf(stderr, "sabpf: container %s: policy %s not removed: %s\n",
				e->display, e->policy, err);
		else if (!quiet)
			fprintf(stderr, "sabpf: container %s: policy %s removed\n", e->display,
				e->policy);
		e->policy[0] = '\0';
		return 1;
	}
	struct policy *p = NULL;
	if (policy_load_file(policy, &p, err, sizeof(err)) ||
	    enforce_apply(p, e->path, err, sizeof(err))) {
		fprintf(stderr, "sabpf: container %s: policy %s not applied: %s\n", e->display,
			policy, err);
		policy_free(p);
		return 0;
	}
	if (!quiet)
		fprintf(stderr, "sabpf: container %s: policy %s applied (%s mode)\n", e->display,
			policy, p->mode == POLICY_MONITOR ? "monitor" : "enforce");
	policy_free(p);
	snprintf(e->policy, sizeof(e->policy), "%s", policy);
	return 1;
}

/* Registers the container at path (its identity id, seen entry e), applies
 * its policy and reports it. Returns 0, or -1 with why (gone, scope map
 * full). */
static int follow(struct scan *sc, const char *path, unsigned long long cgroup,
		  const struct sabpf_identity *id, struct seen *e, char *why, size_t whylen)
{
	struct audit_target t;
	memset(&t, 0, sizeof(t));
	snprintf(t.path, sizeof(t.path), "%s", path);
	t.id = cgroup;
	t.classes = selection_classes(sc->s, id, sc->classes);
	if (control_attach_target(sc->agent, &t, why, whylen))
		return -1;
	pipeline_set_identity(sc->p, cgroup, id);
	pipeline_name_container(sc->p, cgroup, path);
	e->followed = true;
	e->runtime = id->runtime;
	e->classes = t.classes;
	e->policy[0] = '\0';
	snprintf(e->path, sizeof(e->path), "%s", path);
	snprintf(e->id, sizeof(e->id), "%s", id->id);
	identity_display_name(id, e->display, sizeof(e->display));
	if (!sc->quiet)
		fprintf(stderr, "sabpf: container started: %s (%s %s, cgroup id %llu)\n",
			e->display, identity_runtime_name(id->runtime), id->id, cgroup);
	set_policy(e, selection_policy(sc->s, id), sc->quiet);
	return 0;
}

int selection_reapply(struct selection *s, struct agent *a, unsigned classes, bool quiet)
{
	int changed = 0;
	if (!s->root[0])
		return 0; /* no scan yet: nothing followed */
	for (size_t i = 0; i < s->nseen;) {
		struct seen *e = &s->seen[i];
		struct sabpf_identity id;
		if (!e->followed) {
			/* not selected before: the next scan matches it again */
			*e = s->seen[--s->nseen];
			continue;
		}
		i++;
		if (!identity_resolve(e->path + strlen(s->root), &s->roots, &id))
			continue;
		bool still = selection_matches(s, &id);
		int did = set_policy(e, still ? selection_policy(s, &id) : NULL, quiet);
		unsigned want = selection_classes(s, &id, classes);
		if (!still || want == e->classes) {
			changed += did;
			continue;
		}
		struct audit_target t;
		char why[512], names[64];
		memset(&t, 0, sizeof(t));
		snprintf(t.path, sizeof(t.path), "%s", e->path);
		t.id = e->cgroup;
		t.classes = want;
		/* the entries are overwritten in place: records keep flowing */
		if (control_set_classes(a, &t, why, sizeof(why))) {
			fprintf(stderr, "sabpf: container %s: classes not changed: %s\n",
				e->display, why);
			changed += did;
			continue;
		}
		e->classes = want;
		cli_format_classes(want, names, sizeof(names));
		if (!quiet)
			fprintf(stderr, "sabpf: container %s: classes now %s\n", e->display, names);
		changed++;
	}
	return changed;
}

/* A new container's cgroup: resolve, match, register. */
static int consider(struct scan *sc, const char *path, unsigned long long cgroup, char *err,
		    size_t errlen)
{
	struct selection *s = sc->s;
	struct sabpf_identity id;
	struct seen *e = add_seen(s, cgroup);
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->present = true;
	if (!identity_resolve(path + strlen(s->root), &s->roots, &id))
		return 0;
	if (!selection_matches(s, &id)) {
		if (!id.name[0])
			s->nseen--; /* its runtime may not have written its files yet */
		return 0;
	}
	char why[512];
	if (follow(sc, path, cgroup, &id, e, why, sizeof(why)) && !sc->quiet)
		/* gone already, or the scope map is full: said, not fatal */
		fprintf(stderr, "sabpf: container %s not followed: %s\n", path, why);
	return 0;
}

static int scan_visit(const char *path, int depth, void *ctx, char *err, size_t errlen)
{
	struct scan *sc = ctx;
	struct sabpf_identity id;
	(void)depth;
	const char *rel = path + strlen(sc->s->root);
	if (!identity_from_cgroup_path(rel, &id))
		return 0; /* not a container's: look below */
	/* a container's own cgroup is where its id is the last component */
	const char *last = strrchr(rel, '/');
	if (!last || !strstr(last, id.id))
		return 1;
	__u64 cgroup;
	if (cgroup_id_of_dir(path, &cgroup, err, errlen))
		return 1; /* removed since it was listed */
	struct seen *e = find_seen(sc->s, cgroup);
	if (e) {
		e->present = true;
		return 1;
	}
	return consider(sc, path, cgroup, err, errlen) ? -1 : 1;
}

int selection_scan(struct selection *s, struct agent *a, struct sabpf_pipeline *p, unsigned classes,
		   bool quiet, char *err, size_t errlen)
{
	if (!s->root[0] && cgroup2_root(s->root, sizeof(s->root), err, errlen))
		return -1;
	struct scan sc = {.s = s, .agent = a, .p = p, .classes = classes, .quiet = quiet};
	for (size_t i = 0; i < s->nseen; i++)
		s->seen[i].present = false;
	if (cgroup_walk(s->root, scan_visit, &sc, err, errlen))
		return -1;
	int followed = 0;
	for (size_t i = 0; i < s->nseen;) {
		struct seen *e = &s->seen[i];
		if (e->present) {
			followed += e->followed;
			i++;
			continue;
		}
		/* its cgroup is gone: the kernel dropped its scope entry at rmdir */
		if (e->followed && !quiet)
			fprintf(stderr, "sabpf: container stopped: %s (%s %s, cgroup id %llu)\n",
				e->display, identity_runtime_name(e->runtime), e->id, e->cgroup);
		/* the policy the file gave it frees its slot (by id: no path now) */
		char why[1024];
		if (e->followed && e->policy[0] &&
		    enforce_remove_id(e->cgroup, why, sizeof(why)) < 0)
			fprintf(stderr, "sabpf: container %s: policy %s not removed: %s\n",
				e->display, e->policy, why);
		else if (e->followed && e->policy[0] && !quiet)
			fprintf(stderr, "sabpf: container %s: policy %s removed (stopped)\n",
				e->display, e->policy);
		*e = s->seen[--s->nseen];
	}
	return followed;
}

int selection_register(struct selection *s, struct agent *a, struct sabpf_pipeline *p,
		       unsigned classes, bool quiet, const char *cgpath, const char *state_id,
		       char *msg, size_t msglen)
{
	char full[2 * PATH_MAX];
	struct sabpf_identity id;
	__u64 cgroup;
	if (!s->root[0] && cgroup2_root(s->root, sizeof(s->root), msg, msglen))
		return -1;
	if (cgpath[0] != '/' || strstr(cgpath, "/../") || strstr(cgpath, "/./")) {
		snprintf(msg, msglen, "cgroup path '%s' is not an absolute cgroup v2 path", cgpath);
		return -1;
	}
	snprintf(full, sizeof(full), "%s%s", s->root, strcmp(cgpath, "/") ? cgpath : "");
	if (cgroup_id_of_dir(full, &cgroup, msg, msglen))
		return -1;
	struct seen *e = find_seen(s, cgroup);
	if (e && e->followed) {
		snprintf(msg, msglen, "already followed: %s", e->display);
		return 1;
	}
	if (!identity_resolve(cgpath, &s->roots, &id)) {
		snprintf(msg, msglen, "not selected: %s is no runtime's container cgroup", cgpath);
		return 0;
	}
	/* the cgroup must be the container's own, and the one the runtime
	 * named: a process that moved elsewhere is not that container */
	const char *last = strrchr(cgpath, '/');
	if (!last || !strstr(last, id.id) || (state_id[0] && strcmp(state_id, id.id))) {
		snprintf(msg, msglen, "cgroup %s is not the own cgroup of container %s", cgpath,
			 state_id[0] ? state_id : id.id);
		return -1;
	}
	char display[IDENTITY_TEXT * 3 + 4];
	identity_display_name(&id, display, sizeof(display));
	if (!selection_matches(s, &id)) {
		snprintf(msg, msglen, "not selected: %s", display);
		return 0;
	}
	if (!e && !(e = add_seen(s, cgroup))) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	e->present = true;
	struct scan sc = {.s = s, .agent = a, .p = p, .classes = classes, .quiet = quiet};
	char why[512];
	if (follow(&sc, full, cgroup, &id, e, why, sizeof(why))) {
		snprintf(msg, msglen, "%s not followed: %s", display, why);
		return -1;
	}
	snprintf(msg, msglen, "followed: %s (cgroup id %llu)", display, (unsigned long long)cgroup);
	return 1;
}
