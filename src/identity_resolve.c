/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* identity_resolve.c: a container's identity from the node's own files (see
 * identity.h, docs/identity.md): the cgroup path gives the runtime and id,
 * then the runtime's state files give the name, image and pod. Also the
 * fields every output shows (one list), the display name, and the table of
 * identities by cgroup id that the pipeline keeps (resolved once each).
 *
 * Trust: everything read here is written by the runtime on the host, not by
 * the container. A process in the container can only make cgroups below its
 * own, and the outermost container component of a path decides
 * (identity_from_cgroup_path), so it cannot pass for another container. A
 * user's delegated cgroups (user@UID.service) get no rootful runtime's
 * files: there a cgroup can be named after any container. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "identity.h"
#include "json_read.h"
#include "json_write.h"

#define FILE_MAX (8u << 20) /* containers.json grows with the number of containers */

/* ---- containers/storage containers.json ---------------------------------- */

int identity_from_storage_containers(const char *text, size_t len, struct sabpf_identity *id,
				     char *err, size_t errlen)
{
	yaml_document_t doc;
	if (json_load(&doc, text, len, "containers.json", err, errlen))
		return -1;
	yaml_node_t *root = json_root(&doc);
	if (!root || root->type != YAML_SEQUENCE_NODE) {
		snprintf(err, errlen, "containers.json: the document is not a JSON array");
		yaml_document_delete(&doc);
		return -1;
	}
	int found = 0;
	for (yaml_node_item_t *it = root->data.sequence.items.start;
	     it < root->data.sequence.items.top && !found; it++) {
		yaml_node_t *c = yaml_document_get_node(&doc, *it);
		size_t n;
		const char *cid = json_scalar(json_get(&doc, c, "id"), &n);
		if (!cid || n != strlen(id->id) || memcmp(cid, id->id, n) != 0)
			continue;
		found = 1;
		yaml_node_t *names = json_get(&doc, c, "names");
		if (names && names->type == YAML_SEQUENCE_NODE &&
		    names->data.sequence.items.start < names->data.sequence.items.top) {
			const char *name = json_scalar(
			    yaml_document_get_node(&doc, *names->data.sequence.items.start), &n);
			if (name && n) {
				if (n >= sizeof(id->name))
					n = sizeof(id->name) - 1;
				memcpy(id->name, name, n);
				id->name[n] = '\0';
			}
		}
		const char *meta = json_scalar(json_get(&doc, c, "metadata"), &n);
		yaml_document_t md;
		char ignored[128];
		if (meta &&
		    json_load_object(&md, meta, n, "metadata", ignored, sizeof(ignored)) == 0) {
			json_copy_string(&md, json_root(&md), "image-name", id->image,
					 sizeof(id->image));
			yaml_document_delete(&md);
		}
	}
	yaml_document_delete(&doc);
	return found;
}

/* ---- the files of each runtime ------------------------------------------- */

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

void identity_default_roots(struct identity_roots *r)
{
	r->docker = env_or("SABPF_DOCKER_ROOT", "/var/lib/docker");
	r->storage = env_or("SABPF_STORAGE_ROOT", "/var/lib/containers/storage");
	r->storage_run = env_or("SABPF_STORAGE_RUNROOT", "/run/containers/storage");
	r->containerd_state = env_or("SABPF_CONTAINERD_STATE", "/run/containerd");
}

/* The whole file, NUL-terminated (free it); NULL when it cannot be read or
 * is over FILE_MAX. */
static char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 == cap) {
			char *bigger = cap >= FILE_MAX ? NULL : realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - 1 - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

typedef int (*file_reader)(const char *text, size_t len, struct sabpf_identity *id, char *err,
			   size_t errlen);

/* Applies reader to the file at path when it can be read. Returns what the
 * reader returned, or -1. A file that is not what it should be only leaves
 * fields empty: identity never stops auditing. */
static int read_into(const char *path, file_reader reader, struct sabpf_identity *id)
{
	size_t len;
	char err[256];
	char *text = read_whole(path, &len);
	if (!text)
		return -1;
	int rc = reader(text, len, id, err, sizeof(err));
	free(text);
	return rc;
}

static int oci_reader(const char *text, size_t len, struct sabpf_identity *id, char *err,
		      size_t errlen)
{
	return identity_from_oci_config(text, len, id, err, errlen);
}

static int docker_reader(const char *text, size_t len, struct sabpf_identity *id, char *err,
			 size_t errlen)
{
	return identity_from_docker_config(text, len, id, err, errlen);
}

static int storage_reader(const char *text, size_t len, struct sabpf_identity *id, char *err,
			  size_t errlen)
{
	return identity_from_storage_containers(text, len, id, err, errlen);
}

/* podman and CRI-O: containers.json of the graph root (name, image), then
 * the bundle's config.json in the run root or the graph root (the
 * annotations of CRI-O's pods). The storage driver names the directory. */
static void resolve_storage(const struct identity_roots *r, struct sabpf_identity *id)
{
	static const char *const drivers[] = {"overlay", "vfs", "btrfs", "zfs"};
	char path[PATH_MAX];
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s-containers/containers.json", r->storage,
			 drivers[i]);
		if (read_into(path, storage_reader, id) != 1)
			continue;
		const char *roots[] = {r->storage_run, r->storage};
		for (size_t j = 0; j < 2; j++) {
			snprintf(path, sizeof(path), "%s/%s-containers/%s/userdata/config.json",
				 roots[j], drivers[i], id->id);
			if (read_into(path, oci_reader, id) == 0)
				return;
		}
		return;
	}
}

int identity_resolve(const char *path, const struct identity_roots *roots,
		     struct sabpf_identity *id)
{
	char file[PATH_MAX];
	if (!identity_from_cgroup_path(path, id))
		return 0;
	/* Under user@UID.service a user makes cgroups of any name: a cgroup
	 * named after a rootful container's id must not get that container's
	 * name and image (rootless podman keeps its files in the user's home,
	 * not read here). */
	if (id->rootless)
		return 1;
	switch (id->runtime) {
	case SABPF_RT_DOCKER:
		snprintf(file, sizeof(file), "%s/containers/%s/config.v2.json", roots->docker,
			 id->id);
		read_into(file, docker_reader, id);
		break;
	case SABPF_RT_CONTAINERD: {
		/* the namespace of the path (no CRI), else Kubernetes' */
		snprintf(file, sizeof(file), "%s/io.containerd.runtime.v2.task/%s/%s/config.json",
			 roots->containerd_state, id->ns[0] ? id->ns : "k8s.io", id->id);
		read_into(file, oci_reader, id);
		break;
	}
	case SABPF_RT_CRIO:
	case SABPF_RT_PODMAN:
		resolve_storage(roots, id);
		break;
	case SABPF_RT_SABPF:
	case SABPF_RT_UNKNOWN:
		break;
	}
	return 1;
}

/* ---- what the outputs show ----------------------------------------------- */

bool identity_shown(const struct sabpf_identity *id)
{
	return id && id->runtime != SABPF_RT_UNKNOWN && id->runtime != SABPF_RT_SABPF;
}

void identity_fields(const struct sabpf_identity *id, identity_field_fn fn, void *ctx)
{
	const struct {
		const char *key, *value;
	} f[] = {
	    {"runtime", identity_runtime_name(id->runtime)},
	    {"id", id->id},
	    {"name", id->name},
	    {"image", id->image},
	    {"pod_name", id->pod_name},
	    {"pod_namespace", id->pod_namespace},
	    {"pod_uid", id->pod_uid},
	    {"containerd_namespace", id->ns},
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i].value[0])
			fn(f[i].key, f[i].value, ctx);
	char key[IDENTITY_LABELS + 8];
	for (size_t at = 0; at < id->labels_len;) {
		const char *k = id->labels + at, *v = k + strlen(k) + 1;
		snprintf(key, sizeof(key), "label.%s", k);
		fn(key, v, ctx);
		at = (size_t)(v + strlen(v) + 1 - id->labels);
	}
}

void identity_display_name(const struct sabpf_identity *id, char *buf, size_t size)
{
	if (id->pod_name[0])
		snprintf(buf, size, "%s/%s/%s", id->pod_namespace[0] ? id->pod_namespace : "-",
			 id->pod_name, id->name[0] ? id->name : "-");
	else if (id->name[0])
		snprintf(buf, size, "%s:%s", identity_runtime_name(id->runtime), id->name);
	else
		snprintf(buf, size, "%s:%.12s", identity_runtime_name(id->runtime), id->id);
}

/* ---- identities by cgroup id --------------------------------------------- */

struct identity_slot {
	unsigned long long cgroup; /* 0: free */
	struct sabpf_identity *id; /* NULL: resolved, not a runtime's container */
	char *display;		   /* identity_display_name() of id */
};

struct identity_table {
	struct identity_slot *slots;
	size_t cap, used; /* cap: a power of two */
	struct identity_roots roots;
	char cgroup_root[PATH_MAX];
};

struct identity_table *identity_table_new(void)
{
	struct identity_table *t = calloc(1, sizeof(*t));
	char err[256];
	if (!t)
		return NULL;
	t->cap = 64;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	identity_default_roots(&t->roots);
	if (cgroup2_root(t->cgroup_root, sizeof(t->cgroup_root), err, sizeof(err)) != 0)
		t->cgroup_root[0] = '\0';
	return t;
}

void identity_table_free(struct identity_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++) {
		free(t->slots[i].id);
		free(t->slots[i].display);
	}
	free(t->slots);
	free(t);
}

static struct identity_slot *find_slot(const struct identity_table *t, unsigned long long cgroup)
{
	size_t i = (size_t)(cgroup * 0x9e3779b97f4a7c15ULL) & (t->cap - 1);
	while (t->slots[i].cgroup && t->slots[i].cgroup != cgroup)
		i = (i + 1) & (t->cap - 1);
	return &t->slots[i];
}

const struct sabpf_identity *identity_table_get(const struct identity_table *t,
						unsigned long long cgroup)
{
	if (!t || !cgroup)
		return NULL;
	struct identity_slot *s = find_slot(t, cgroup);
	return s->cgroup ? s->id : NULL;
}

const char *identity_table_name(const struct identity_table *t, unsigned long long cgroup)
{
	if (!t || !cgroup)
		return NULL;
	struct identity_slot *s = find_slot(t, cgroup);
	return s->cgroup ? s->display : NULL;
}

static int grow(struct identity_table *t)
{
	struct identity_table bigger = *t;
	bigger.cap = t->cap * 2;
	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -1;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].cgroup)
			*find_slot(&bigger, t->slots[i].cgroup) = t->slots[i];
	free(t->slots);
	t->slots = bigger.slots;
	t->cap = bigger.cap;
	return 0;
}

/* The slot of cgroup, made (empty) when it had none; NULL when the table
 * cannot grow. */
static struct identity_slot *slot_for(struct identity_table *t, unsigned long long cgroup)
{
	struct identity_slot *s = find_slot(t, cgroup);
	if (s->cgroup)
		return s;
	if ((t->used + 1) * 2 > t->cap) {
		if (grow(t))
			return NULL;
		s = find_slot(t, cgroup);
	}
	s->cgroup = cgroup;
	t->used++;
	return s;
}

int identity_table_put(struct identity_table *t, unsigned long long cgroup,
		       const struct sabpf_identity *id)
{
	char display[IDENTITY_TEXT * 3 + 4];
	struct identity_slot *s = cgroup ? slot_for(t, cgroup) : NULL;
	if (!s)
		return -1;
	free(s->id);
	free(s->display);
	s->id = NULL;
	s->display = NULL;
	if (!identity_shown(id))
		return 0;
	identity_display_name(id, display, sizeof(display));
	s->id = malloc(sizeof(*s->id));
	s->display = strdup(display);
	if (!s->id || !s->display) {
		free(s->id);
		free(s->display);
		s->id = NULL;
		s->display = NULL;
		return -1;
	}
	*s->id = *id;
	return 0;
}

const struct sabpf_identity *identity_table_resolve(struct identity_table *t,
						    unsigned long long cgroup)
{
	if (!t || !cgroup)
		return NULL;
	struct identity_slot *s = find_slot(t, cgroup);
	if (s->cgroup)
		return s->id;
	struct sabpf_identity *id = malloc(sizeof(*id));
	char path[PATH_MAX];
	size_t root_len = strlen(t->cgroup_root);
	if (id && t->cgroup_root[0] && cgroup_path_of_id(cgroup, path, sizeof(path)) == 0 &&
	    strncmp(path, t->cgroup_root, root_len) == 0 &&
	    identity_resolve(path + root_len, &t->roots, id) && identity_shown(id)) {
		identity_table_put(t, cgroup, id);
	} else if (slot_for(t, cgroup) == NULL) {
		free(id);
		return NULL;
	}
	free(id);
	return identity_table_get(t, cgroup);
}

/* ---- saved beside a raw capture ------------------------------------------ */

/* A field of an identity (its key from labels: escaped). */
static void put_saved_field(const char *key, const char *value, void *ctx)
{
	struct jw *w = ctx;
	jw_key_escaped(w, key);
	jw_cstr(w, value);
}

int identity_table_save(const struct identity_table *t, struct jbuf *b)
{
	int n = 0;
	struct jw w;
	jw_init(&w, b);
	for (size_t i = 0; t && i < t->cap; i++) {
		const struct identity_slot *s = &t->slots[i];
		if (!s->cgroup || !s->id)
			continue;
		jw_object_begin(&w);
		jw_key_u64(&w, "cgroup", s->cgroup);
		identity_fields(s->id, put_saved_field, &w);
		jw_object_end(&w);
		jw_newline(&w);
		n++;
	}
	return jw_check(&w) ? -1 : n;
}

/* One saved line into id; the fields of identity_fields(). */
static int load_line(yaml_document_t *doc, struct sabpf_identity *id, unsigned long long *cgroup,
		     char *err, size_t errlen)
{
	yaml_node_t *root = json_root(doc);
	size_t n;
	char text[32];
	const char *v = json_scalar(json_get(doc, root, "cgroup"), &n);
	char *end;
	if (!v || n == 0 || n >= sizeof(text)) {
		snprintf(err, errlen, "no \"cgroup\" number");
		return -1;
	}
	memcpy(text, v, n);
	text[n] = '\0';
	*cgroup = strtoull(text, &end, 10);
	if (*end || !*cgroup) {
		snprintf(err, errlen, "\"cgroup\" is not a cgroup id: '%s'", text);
		return -1;
	}
	memset(id, 0, sizeof(*id));
	v = json_scalar(json_get(doc, root, "runtime"), &n);
	for (int rt = SABPF_RT_DOCKER; v && rt < SABPF_RT_SABPF; rt++)
		if (strlen(identity_runtime_name(rt)) == n &&
		    strncmp(identity_runtime_name(rt), v, n) == 0)
			id->runtime = rt;
	if (!identity_shown(id)) {
		snprintf(err, errlen, "\"runtime\" is none of docker, containerd, cri-o, podman");
		return -1;
	}
	json_copy_string(doc, root, "id", id->id, sizeof(id->id));
	json_copy_string(doc, root, "name", id->name, sizeof(id->name));
	json_copy_string(doc, root, "image", id->image, sizeof(id->image));
	json_copy_string(doc, root, "pod_name", id->pod_name, sizeof(id->pod_name));
	json_copy_string(doc, root, "pod_namespace", id->pod_namespace, sizeof(id->pod_namespace));
	json_copy_string(doc, root, "pod_uid", id->pod_uid, sizeof(id->pod_uid));
	json_copy_string(doc, root, "containerd_namespace", id->ns, sizeof(id->ns));
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		size_t kn, vn;
		const char *k = json_scalar(yaml_document_get_node(doc, p->key), &kn);
		const char *val = json_scalar(yaml_document_get_node(doc, p->value), &vn);
		if (k && val && kn > 6 && strncmp(k, "label.", 6) == 0)
			identity_add_label(id, k + 6, kn - 6, val, vn);
	}
	return 0;
}

int identity_table_load(struct identity_table *t, const char *text, size_t len, const char *what,
			char *err, size_t errlen)
{
	size_t line = 0;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
		line++;
		if (n) {
			yaml_document_t doc;
			char why[256], where[PATH_MAX + 32];
			struct sabpf_identity id;
			unsigned long long cgroup;
			snprintf(where, sizeof(where), "%s line %zu", what, line);
			if (json_load_object(&doc, text + at, n, where, err, errlen))
				return -1;
			int rc = load_line(&doc, &id, &cgroup, why, sizeof(why));
			yaml_document_delete(&doc);
			if (rc) {
				snprintf(err, errlen, "%s: %s", where, why);
				return -1;
			}
			if (identity_table_put(t, cgroup, &id)) {
				snprintf(err, errlen, "%s: out of memory", where);
				return -1;
			}
		}
		at += n + 1;
	}
	return 0;
}
