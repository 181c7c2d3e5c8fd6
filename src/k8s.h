/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* k8s.h: Kubernetes pods as cgroups, for `--cgroup k8s-pods` (every pod of
 * the node: the kubepods cgroup) and `--cgroup k8s-pod=UID` (one pod, e.g.
 * the agent's own pod in sidecar mode, its UID from the downward API).
 * The kubelet's two cgroup drivers lay pods out as
 *   cgroupfs: ROOT/kubepods[/burstable|/besteffort]/pod<UID>
 *   systemd:  ROOT/kubepods.slice[/kubepods-<qos>.slice]/kubepods[-<qos>]-pod<UID, - as _>.slice
 * (docs/kubernetes.md). */
#ifndef SABPF_K8S_H
#define SABPF_K8S_H

#include <stddef.h>

/* Is text a pod selector (starts with "k8s-pods" or "k8s-pod=")? */
int k8s_is_selector(const char *text);
/* Resolves a pod selector to a cgroup directory under root (the cgroup v2
 * mount). Returns 0 with the path in out, or -1 with err: a malformed UID,
 * no such pod, no kubepods cgroup, or (never expected) two matches. */
int k8s_resolve(const char *root, const char *selector, char *out, size_t len, char *err,
		size_t errlen);

#endif /* SABPF_K8S_H */
