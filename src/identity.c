/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* identity.c: container identity from cgroup paths and runtime files (see
 * identity.h and docs/identity.md for the layouts). The path is read
 * component by component from the root: the first component that names a
 * container decides the runtime and id, the components above it give the
 * pod (kubepods layouts) and the cgroup driver. The JSON files are read with
 * json_read.c. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "identity.h"
#include "json_read.h"

#define MAX_COMPONENTS 32

const char *identity_runtime_name(enum sabpf_runtime rt)
{
	switch (rt) {
	case SABPF_RT_DOCKER:
		return "docker";
	case SABPF_RT_CONTAINERD:
		return "containerd";
	case SABPF_RT_CRIO:
		return "cri-o";
	case SABPF_RT_PODMAN:
		return "podman";
	case SABPF_RT_SABPF:
		return "sabpf";
	case SABPF_RT_UNKNOWN:
		break;
	}
	return "unknown";
}

static void copy(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool is_hex_id(const char *s, size_t n)
{
	if (n != IDENTITY_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

/* A component "<prefix><64 hex><suffix>": sets *id to the hex part. */
static bool match_id(const char *c, size_t n, const char *prefix, const char *suffix,
		     const char **id)
{
	size_t p = strlen(prefix), s = strlen(suffix);
	if (n != p + IDENTITY_ID_LEN + s || strncmp(c, prefix, p) != 0 ||
	    strncmp(c + n - s, suffix, s) != 0 || !is_hex_id(c + p, IDENTITY_ID_LEN))
		return false;
	*id = c + p;
	return true;
}

/* A pod uid: 36 characters of hex digits and dashes (or underscores, as
 * the systemd driver writes it), 8-4-4-4-12. Written back with dashes. */
static bool read_pod_uid(const char *s, size_t n, char *out, size_t size)
{
	static const int dash_at[] = {8, 13, 18, 23};
	if (n != 36 || size < 37)
		return false;
	for (size_t i = 0, d = 0; i < n; i++) {
		if (d < 4 && (int)i == dash_at[d]) {
			if (s[i] != '-' && s[i] != '_')
				return false;
			out[i] = '-';
			d++;
		} else if (isxdigit((unsigned char)s[i])) {
			out[i] = (char)tolower((unsigned char)s[i]);
		} else {
			return false;
		}
	}
	out[36] = '\0';
	return true;
}

static bool has_suffix(const char *c, size_t n, const char *suffix)
{
	size_t s = strlen(suffix);
	return n >= s && strncmp(c + n - s, suffix, s) == 0;
}

static bool equals(const char *c, size_t n, const char *word)
{
	return strlen(word) == n && strncmp(c, word, n) == 0;
}

/* The kubepods components: cgroupfs "kubepods", "burstable"|"besteffort",
 * "pod<uid>"; systemd "kubepods.slice", "kubepods-burstable.slice",
 * "kubepods-burstable-pod<uid_>.slice" or "kubepods-pod<uid_>.slice". */
static void read_pod_component(const char *c, size_t n, struct sabpf_identity *id)
{
	if (equals(c, n, "burstable") || equals(c, n, "kubepods-burstable.slice"))
		copy(id->qos, sizeof(id->qos), "burstable", 9);
	else if (equals(c, n, "besteffort") || equals(c, n, "kubepods-besteffort.slice"))
		copy(id->qos, sizeof(id->qos), "besteffort", 10);
	else if (n == 39 && strncmp(c, "pod", 3) == 0)
		read_pod_uid(c + 3, 36, id->pod_uid, sizeof(id->pod_uid));
	else if (has_suffix(c, n, ".slice") && n > 6 + 36 + 3) {
		const char *uid = c + n - 6 - 36;
		if (strncmp(uid - 3, "pod", 3) == 0 && strncmp(c, "kubepods", 8) == 0)
			read_pod_uid(uid, 36, id->pod_uid, sizeof(id->pod_uid));
	}
}

int identity_from_cgroup_path(const char *path, struct sabpf_identity *id)
{
	const char *comp[MAX_COMPONENTS];
	size_t len[MAX_COMPONENTS];
	int count = 0;

	memset(id, 0, sizeof(*id));
	for (const char *p = path; *p && count < MAX_COMPONENTS;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		comp[count] = p;
		len[count++] = n;
		p += n;
	}

	bool kubepods = false, slices = false;
	for (int i = 0; i < count; i++) {
		const char *c = comp[i], *hex = NULL;
		size_t n = len[i];
		enum sabpf_runtime rt = SABPF_RT_UNKNOWN;
		bool scope = false;

		if (strncmp(c, "kubepods", 8) == 0)
			kubepods = true;
		if (has_suffix(c, n, ".slice"))
			slices = true;
		if (strncmp(c, "user@", 5) == 0 && has_suffix(c, n, ".service"))
			id->rootless = true;
		if (kubepods)
			read_pod_component(c, n, id);

		if (match_id(c, n, "docker-", ".scope", &hex))
			rt = SABPF_RT_DOCKER, scope = true;
		else if (match_id(c, n, "cri-containerd-", ".scope", &hex))
			rt = SABPF_RT_CONTAINERD, scope = true;
		else if (match_id(c, n, "crio-", ".scope", &hex))
			rt = SABPF_RT_CRIO, scope = true;
		else if (match_id(c, n, "libpod-", ".scope", &hex))
			rt = SABPF_RT_PODMAN, scope = true;
		else if (match_id(c, n, "crio-", "", &hex))
			rt = SABPF_RT_CRIO;
		else if (match_id(c, n, "libpod-", "", &hex))
			rt = SABPF_RT_PODMAN;
		else if (match_id(c, n, ":cri-containerd:", "", &hex))
			rt = SABPF_RT_CONTAINERD;
		else if (is_hex_id(c, n) && i > 0) {
			hex = c;
			if (equals(comp[i - 1], len[i - 1], "docker")) {
				rt = SABPF_RT_DOCKER;
			} else {
				rt = SABPF_RT_CONTAINERD;
				if (!kubepods)
					copy(id->ns, sizeof(id->ns), comp[i - 1], len[i - 1]);
			}
		} else if (i == 1 && equals(comp[0], len[0], "sabpf") && n <= IDENTITY_ID_LEN) {
			rt = SABPF_RT_SABPF;
			hex = c;
		}
		if (rt == SABPF_RT_UNKNOWN)
			continue;
		id->runtime = rt;
		copy(id->id, sizeof(id->id), hex, rt == SABPF_RT_SABPF ? n : IDENTITY_ID_LEN);
		if (rt == SABPF_RT_SABPF)
			copy(id->name, sizeof(id->name), c, n);
		const char *driver = scope || slices ? "systemd" : "cgroupfs";
		copy(id->driver, sizeof(id->driver), driver, strlen(driver));
		if (kubepods && !id->qos[0])
			copy(id->qos, sizeof(id->qos), "guaranteed", 10);
		if (!kubepods)
			id->pod_uid[0] = '\0';
		return 1;
	}
	memset(id, 0, sizeof(*id));
	return 0;
}

/* ---- JSON files ---------------------------------------------------------- */

int identity_from_oci_config(const char *text, size_t len, struct sabpf_identity *id, char *err,
			     size_t errlen)
{
	yaml_document_t doc;
	if (json_load_object(&doc, text, len, "config.json", err, errlen))
		return -1;
	yaml_node_t *ann = json_get(&doc, json_root(&doc), "annotations");
	/* containerd's CRI plugin */
	json_copy_string(&doc, ann, "io.kubernetes.cri.sandbox-name", id->pod_name,
			 sizeof(id->pod_name));
	json_copy_string(&doc, ann, "io.kubernetes.cri.sandbox-namespace", id->pod_namespace,
			 sizeof(id->pod_namespace));
	json_copy_string(&doc, ann, "io.kubernetes.cri.sandbox-uid", id->pod_uid,
			 sizeof(id->pod_uid));
	json_copy_string(&doc, ann, "io.kubernetes.cri.container-name", id->name, sizeof(id->name));
	json_copy_string(&doc, ann, "io.kubernetes.cri.image-name", id->image, sizeof(id->image));
	/* CRI-O */
	json_copy_string(&doc, ann, "io.kubernetes.pod.name", id->pod_name, sizeof(id->pod_name));
	json_copy_string(&doc, ann, "io.kubernetes.pod.namespace", id->pod_namespace,
			 sizeof(id->pod_namespace));
	json_copy_string(&doc, ann, "io.kubernetes.pod.uid", id->pod_uid, sizeof(id->pod_uid));
	json_copy_string(&doc, ann, "io.kubernetes.container.name", id->name, sizeof(id->name));
	json_copy_string(&doc, ann, "io.kubernetes.cri-o.ImageName", id->image, sizeof(id->image));
	size_t n;
	const char *type = json_scalar(json_get(&doc, ann, "io.kubernetes.cri.container-type"), &n);
	if (!type)
		type = json_scalar(json_get(&doc, ann, "io.kubernetes.cri-o.ContainerType"), &n);
	if (type)
		id->sandbox = equals(type, n, "sandbox");
	/* CRI-O: the pod's labels, a JSON object in a string (the io.kubernetes.*
	 * ones are the fields above) */
	const char *labels = json_scalar(json_get(&doc, ann, "io.kubernetes.cri-o.Labels"), &n);
	yaml_document_t ldoc;
	char ignored[128];
	if (labels && json_load_object(&ldoc, labels, n, "labels", ignored, sizeof(ignored)) == 0) {
		yaml_node_t *map = json_root(&ldoc);
		for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
		     p < map->data.mapping.pairs.top; p++) {
			size_t kn, vn;
			const char *k = json_scalar(yaml_document_get_node(&ldoc, p->key), &kn);
			const char *v = json_scalar(yaml_document_get_node(&ldoc, p->value), &vn);
			if (k && v && !(kn > 14 && strncmp(k, "io.kubernetes.", 14) == 0))
				identity_add_label(id, k, kn, v, vn);
		}
		yaml_document_delete(&ldoc);
	}
	yaml_document_delete(&doc);
	return 0;
}

int identity_from_docker_config(const char *text, size_t len, struct sabpf_identity *id, char *err,
				size_t errlen)
{
	yaml_document_t doc;
	if (json_load_object(&doc, text, len, "config.v2.json", err, errlen))
		return -1;
	yaml_node_t *root = json_root(&doc);
	size_t n;
	const char *name = json_scalar(json_get(&doc, root, "Name"), &n);
	if (name && n && name[0] == '/')
		name++, n--;
	if (name && n)
		copy(id->name, sizeof(id->name), name, n);
	yaml_node_t *config = json_get(&doc, root, "Config");
	json_copy_string(&doc, config, "Image", id->image, sizeof(id->image));
	yaml_node_t *labels = json_get(&doc, config, "Labels");
	if (labels && labels->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = labels->data.mapping.pairs.start;
		     p < labels->data.mapping.pairs.top; p++) {
			size_t kn, vn;
			const char *k = json_scalar(yaml_document_get_node(&doc, p->key), &kn);
			const char *v = json_scalar(yaml_document_get_node(&doc, p->value), &vn);
			if (k && v)
				identity_add_label(id, k, kn, v, vn);
		}
	}
	yaml_document_delete(&doc);
	return 0;
}

/* ---- labels -------------------------------------------------------------- */

bool identity_add_label(struct sabpf_identity *id, const char *key, size_t klen, const char *value,
			size_t vlen)
{
	if (!klen || memchr(key, '\0', klen) || memchr(value, '\0', vlen) ||
	    id->labels_len + klen + vlen + 2 > sizeof(id->labels))
		return false;
	char *at = id->labels + id->labels_len;
	memcpy(at, key, klen);
	at[klen] = '\0';
	memcpy(at + klen + 1, value, vlen);
	at[klen + 1 + vlen] = '\0';
	id->labels_len += klen + vlen + 2;
	return true;
}

const char *identity_label(const struct sabpf_identity *id, const char *key)
{
	for (size_t at = 0; at < id->labels_len;) {
		const char *k = id->labels + at, *v = k + strlen(k) + 1;
		if (strcmp(k, key) == 0)
			return v;
		at = (size_t)(v + strlen(v) + 1 - id->labels);
	}
	return NULL;
}
