/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* identity.h: who a container is, as its users know it. From the cgroup
 * path alone (the layouts of each runtime and cgroup driver: docs/identity.md)
 * the runtime, the full container id and, for Kubernetes pods, the pod uid
 * and QoS class; from the OCI bundle's config.json (annotations of
 * containerd's CRI plugin and of CRI-O) the pod name, namespace, container
 * name and image; from Docker's config.v2.json the name and image. Pure
 * functions over paths and file contents: no runtime API, no gRPC. */
#ifndef SABPF_IDENTITY_H
#define SABPF_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

enum sabpf_runtime {
	SABPF_RT_UNKNOWN = 0,
	SABPF_RT_DOCKER,
	SABPF_RT_CONTAINERD,
	SABPF_RT_CRIO,
	SABPF_RT_PODMAN,
	SABPF_RT_SABPF,
};

#define IDENTITY_ID_LEN 64 /* a full container id: 64 hex digits */
#define IDENTITY_TEXT 256
#define IDENTITY_LABELS 1024

struct sabpf_identity {
	enum sabpf_runtime runtime;
	char id[IDENTITY_ID_LEN + 1]; /* full container id (or sabpf run's name) */
	char driver[16];	      /* "systemd" or "cgroupfs" (from the path) */
	char ns[64];		      /* containerd namespace (cgroupfs: /<ns>/<id>) */
	char pod_uid[40];	      /* Kubernetes pod uid, with dashes */
	char qos[16];		      /* guaranteed, burstable, besteffort */
	bool sandbox;		      /* the pod's sandbox (pause) container */
	bool rootless;		      /* podman under user@UID.service */
	char name[IDENTITY_TEXT];     /* container name */
	char image[IDENTITY_TEXT];
	char pod_name[IDENTITY_TEXT];
	char pod_namespace[IDENTITY_TEXT];
	/* the runtime's labels (Docker's Config.Labels): "key\0value\0" pairs,
	 * labels_len bytes; those that do not fit are left out */
	char labels[IDENTITY_LABELS];
	size_t labels_len;
};

const char *identity_runtime_name(enum sabpf_runtime rt);

/* Reads a cgroup path (relative to the cgroup v2 root, as /proc/PID/cgroup
 * shows it, e.g. "/system.slice/docker-<id>.scope") into id. Returns 1 when
 * the path is a container's cgroup of a known layout (runtime and id set),
 * 0 when it is not (id zeroed; e.g. a conmon scope, a pod slice, a plain
 * directory). A trailing "/container" (systemd scopes that delegate) or a
 * deeper child of a container's cgroup belongs to that container. */
int identity_from_cgroup_path(const char *path, struct sabpf_identity *id);

/* Fills the Kubernetes and image fields of id from an OCI runtime bundle's
 * config.json (its "annotations"), text of len bytes. Fields the file does
 * not have are left as they are. Returns 0, or -1 with err (not JSON, no
 * top-level object). */
int identity_from_oci_config(const char *text, size_t len, struct sabpf_identity *id, char *err,
			     size_t errlen);

/* Fills name and image from Docker's /var/lib/docker/containers/<id>/
 * config.v2.json ("Name" without its leading '/', "Config.Image"). Returns 0,
 * or -1 with err. */
int identity_from_docker_config(const char *text, size_t len, struct sabpf_identity *id, char *err,
				size_t errlen);

/* Fills name and image from a containers/storage containers.json (podman;
 * <graph root>/<driver>-containers/containers.json, an array of objects):
 * the entry whose "id" is id->id gives "names"[0] and, from its "metadata"
 * (a JSON document in a string), "image-name". Returns 1 when the entry was
 * there, 0 when not, -1 with err (not a JSON array of objects). */
int identity_from_storage_containers(const char *text, size_t len, struct sabpf_identity *id,
				     char *err, size_t errlen);

/* Where the runtimes keep their state files. identity_default_roots() sets
 * the usual places, each replaced by an environment variable when set (for a
 * daemon started with a private root): SABPF_DOCKER_ROOT (/var/lib/docker),
 * SABPF_STORAGE_ROOT (/var/lib/containers/storage), SABPF_STORAGE_RUNROOT
 * (/run/containers/storage), SABPF_CONTAINERD_STATE (/run/containerd). */
struct identity_roots {
	const char *docker;	      /* Docker's --data-root */
	const char *storage;	      /* containers/storage graph root (podman, CRI-O) */
	const char *storage_run;      /* containers/storage run root */
	const char *containerd_state; /* containerd's state directory */
};
void identity_default_roots(struct identity_roots *r);

/* The identity of the container whose cgroup is at path (relative to the
 * cgroup v2 root): identity_from_cgroup_path(), then the runtime's files
 * under roots (Docker's config.v2.json; containerd's, CRI-O's and podman's
 * bundle config.json; podman's containers.json). Files that are missing or
 * unreadable leave their fields empty. Returns 1 for a container of a known
 * runtime, 0 otherwise (id zeroed). */
int identity_resolve(const char *path, const struct identity_roots *roots,
		     struct sabpf_identity *id);

/* True for a container of a runtime (not sabpf run's own, not unknown):
 * the ones whose identity the outputs show. */
bool identity_shown(const struct sabpf_identity *id);

/* Adds a label (key and value of klen and vlen bytes). Returns false when
 * it does not fit (or the key is empty). */
bool identity_add_label(struct sabpf_identity *id, const char *key, size_t klen, const char *value,
			size_t vlen);
/* The value of label key, or NULL. */
const char *identity_label(const struct sabpf_identity *id, const char *key);

/* Calls fn(key, value, ctx) for each non-empty field of id, in a fixed
 * order: runtime, id, name, image, pod_name, pod_namespace, pod_uid,
 * containerd_namespace, then each label as "label.<key>". The one list of
 * the names outputs use. */
typedef void (*identity_field_fn)(const char *key, const char *value, void *ctx);
void identity_fields(const struct sabpf_identity *id, identity_field_fn fn, void *ctx);

/* The name people know the container by, for labels: "<pod namespace>/<pod
 * name>/<container name>" for a pod's container, else "<runtime>:<name>"
 * (the first 12 digits of the id when it has no name). */
void identity_display_name(const struct sabpf_identity *id, char *buf, size_t size);

/* Identities by cgroup id, resolved once each (identity_resolve on the
 * cgroup's path, found with cgroup_path_of_id) and cached, misses included. */
struct identity_table;
struct identity_table *identity_table_new(void);
void identity_table_free(struct identity_table *t);
/* The identity of cgroup `cgroup`, resolved now if it was not yet; NULL when
 * it is no runtime's container (identity_shown() false) or is gone. */
const struct sabpf_identity *identity_table_resolve(struct identity_table *t,
						    unsigned long long cgroup);
/* Sets the identity of cgroup (one known otherwise, e.g. from a runtime's
 * hook, or a test's); an identity not shown records a miss. Returns 0, or
 * -1 (out of memory). */
int identity_table_put(struct identity_table *t, unsigned long long cgroup,
		       const struct sabpf_identity *id);
/* The same, without resolving: NULL when not resolved or not shown. */
const struct sabpf_identity *identity_table_get(const struct identity_table *t,
						unsigned long long cgroup);
/* Its identity_display_name(), or NULL likewise. */
const char *identity_table_name(const struct identity_table *t, unsigned long long cgroup);

/* The identities a capture's records name, saved beside a raw file
 * (FILE.identity.jsonl) so that `sabpf convert` and `sabpf graph` show them:
 * one JSON object per line, {"cgroup":N,<the fields of identity_fields()>}.
 * save appends the shown ones to b and returns how many (-1: out of
 * memory); load reads text (len bytes; what names it in errors) into t.
 * Returns 0, or -1 with err naming the line. */
struct jbuf;
int identity_table_save(const struct identity_table *t, struct jbuf *b);
int identity_table_load(struct identity_table *t, const char *text, size_t len, const char *what,
			char *err, size_t errlen);

#endif /* SABPF_IDENTITY_H */
