/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* control.h: changing what a running `sabpf audit` records, without
 * restarting it: a unix socket that takes one request per connection
 * ("add PATH[:CLASSES]", "remove PATH", "list") from `sabpf ctl`. */
#ifndef SABPF_CONTROL_H
#define SABPF_CONTROL_H

#include "cmd.h"

#include <linux/types.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "loader.h"
#include "output.h"

/* A cgroup to audit, resolved: absolute path, id and record classes. */
struct audit_target {
	char path[PATH_MAX];
	__u64 id;
	__u32 classes;
	unsigned cgroups; /* put in scope by control_attach_target: it and those below */
};

/* Parses "PATH[:CLASSES]" and resolves the cgroup. Returns 0, or -1 with err. */
int control_resolve_target(const char *spec, struct audit_target *t, char *err, size_t errlen);

/* Puts a resolved target and every cgroup below it in scope (walked
 * top-down, each cgroup put in scope before its children are listed, so a
 * cgroup made during the walk is either listed or inherits in the kernel),
 * and makes sure its cgroup did not vanish meanwhile. On failure (cgroup
 * gone, scope map full: the error names the cgroup and --scope-size)
 * nothing of it stays attached. Returns 0, or -1 with err. */
int control_attach_target(struct agent *a, struct audit_target *t, char *err, size_t errlen);
/* Gives a target in scope already its (new) classes: its entries and those
 * below it are overwritten in place, so its records keep flowing. On
 * failure it stays in scope (some entries may keep the old classes).
 * Returns 0, or -1 with err. */
int control_set_classes(struct agent *a, struct audit_target *t, char *err, size_t errlen);
/* Takes a container (cgroup `id` at `path`) and every cgroup below it out
 * of scope; a container nested in another audited one goes back to that
 * one. Returns the number of entries deleted. */
int control_detach_target(struct agent *a, const char *path, __u64 id);

struct control;
/* Listens on a unix socket at path (mode 0600; a stale socket is replaced).
 * Returns 0, or -1 with err. */
int control_open(const char *path, struct agent *a, struct sabpf_pipeline *p, struct control **out,
		 char *err, size_t errlen);
/* Lists a target registered on the command line too (for `list`, and
 * `remove` by path once its cgroup is gone). NULL c is fine. */
void control_note_target(struct control *c, const struct audit_target *t);
/* Lets the socket take "oci-hook PID [ID]" requests (`sabpf oci-hook`):
 * containers are matched against s and registered with these classes
 * (select.h selection_register). NULL c or s is fine. */
struct selection;
void control_set_selection(struct control *c, struct selection *s, unsigned classes, bool quiet);
/* Serves the requests waiting, without blocking. */
void control_serve(struct control *c);
/* Closes and removes the socket. NULL is fine. */
void control_close(struct control *c);
/* `sabpf ctl --control SOCKET add|remove|list [PATH[:CLASSES]]` (argv[0]
 * is "ctl"): runs the verb of ctl_cmds; exit status. */
int cmd_ctl(int argc, char **argv);
extern const struct cmd ctl_cmds[];

#endif /* SABPF_CONTROL_H */
