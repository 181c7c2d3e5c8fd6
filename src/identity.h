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

#endif /* SABPF_IDENTITY_H */
