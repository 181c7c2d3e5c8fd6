/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* select.h: `sabpf audit --select`, `--runtime`, `--all`: containers chosen
 * by their runtime identity (identity.h), followed as they start and stop.
 * A selection is a list of alternatives (one per --select, --runtime or
 * --all; any may match), each a list of key=value terms (all must match):
 *   runtime=docker|podman|containerd|cri-o, id=<full id or a prefix of at
 *   least 12 digits>, name=, image=, k8s.namespace=, k8s.pod=,
 *   k8s.container= (the container name), k8s.uid=, containerd.namespace=,
 *   label.KEY= (k8s.label.KEY= alike: the runtime's labels), and
 *   <runtime>.name=N, short for runtime=<runtime>,name=N.
 * The agent scans the cgroup v2 tree (selection_scan), registers each
 * container that matches as it appears and reports it, and reports it
 * again when its cgroup is gone (docs/identity.md). */
#ifndef SABPF_SELECT_H
#define SABPF_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "identity.h"

struct selection;
struct agent;
struct sabpf_pipeline;

/* An empty selection (matches nothing until alternatives are added), or
 * NULL (out of memory). */
struct selection *selection_new(void);
/* Adds an alternative to *s (made when NULL): "k=v,k=v" (--select), or
 * "runtime=NAME" for --runtime NAME, or "" (every runtime's container) for
 * --all. Returns 0, or -1 with err naming the term and the keys allowed. */
int selection_add(struct selection **s, const char *text, char *err, size_t errlen);
/* The same for an entry of the configuration file (config.h): its
 * containers get these record classes (0: the agent's --classes) and this
 * access-control policy file (NULL or "": none), and
 * selection_replace_config() replaces it on reload. */
int selection_add_config(struct selection **s, const char *text, unsigned classes,
			 const char *policy, char *err, size_t errlen);
/* Replaces the configuration file's alternatives of dst by those of src
 * (NULL: none), keeping the command line's and every container followed
 * already (selection_reapply then gives those the new classes and policy).
 * Returns 0, or -1 with err (too many alternatives; dst unchanged). */
int selection_replace_config(struct selection *dst, const struct selection *src, char *err,
			     size_t errlen);
/* The record classes of a container: those of the first entry of the
 * configuration file that matches it, when it has some, else dflt (also
 * when only the command line's selectors match it: they carry none). */
unsigned selection_classes(const struct selection *s, const struct sabpf_identity *id,
			   unsigned dflt);
/* The access-control policy file of a container: that of the first entry
 * of the configuration file that matches it, or NULL (that entry has none,
 * or none matches). The same first match as selection_classes. */
const char *selection_policy(const struct selection *s, const struct sabpf_identity *id);
/* After a reload (config_poll): every container followed now that an
 * alternative still matches gets the classes (in the scope map, in place:
 * no record is lost) and the policy (applied again, or removed when the
 * file gives it none any more) of the new configuration, each change
 * reported on stderr unless quiet. A container no alternative matches any
 * more stays followed with its classes, and loses the policy the file gave
 * it. A container not selected before is forgotten, so that the next
 * scan matches it against the new entries. Returns the number of
 * containers changed. */
int selection_reapply(struct selection *s, struct agent *a, unsigned classes, bool quiet);
/* Does the container with this identity match any alternative? Only
 * containers of a runtime (identity_shown) ever match. */
bool selection_matches(const struct selection *s, const struct sabpf_identity *id);
/* One scan of the cgroup v2 tree: containers that match and are new are put
 * in scope (with their classes, selection_classes, and their policy applied
 * with enforce_apply when the file gives one) and named in the pipeline, those gone
 * are forgotten; each is reported on stderr unless quiet ("sabpf: container
 * started: docker:web (docker <id>, cgroup id N)" / "... stopped: ...").
 * Returns the number of containers followed now, or -1 with err. */
int selection_scan(struct selection *s, struct agent *a, struct sabpf_pipeline *p, unsigned classes,
		   bool quiet, char *err, size_t errlen);
/* An OCI createRuntime hook's request (oci_hook.h): the container whose own
 * cgroup is cgpath (relative to the cgroup v2 root, read from /proc/PID/
 * cgroup of the runtime's init process) and whose id the runtime gave as
 * state_id ("" if none) is resolved, matched and, when selected,
 * registered now, before its first instruction, and reported as a scan
 * would. Returns 1 (followed, also when it was already), 0 (not selected)
 * or -1 (error), each with a message for the hook to log in msg. */
int selection_register(struct selection *s, struct agent *a, struct sabpf_pipeline *p,
		       unsigned classes, bool quiet, const char *cgpath, const char *state_id,
		       char *msg, size_t msglen);
void selection_free(struct selection *s);

#endif /* SABPF_SELECT_H */
