/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* control.c: the control socket of `sabpf audit` and the `sabpf ctl`
 * client. One request line per connection, one or more answer lines, the
 * last of which starts with "ok" or "error". Only root can connect (the
 * socket is 0600), and requests change only the scope map. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sabpf_record.h"
#include "cgroup.h"
#include "cli.h"
#include "cmd.h"
#include "control.h"
#include "k8s.h"
#include "select.h"

#define MAX_TARGETS 256

struct control {
	int listen_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct agent *agent;
	struct sabpf_pipeline *pipeline;
	struct audit_target targets[MAX_TARGETS];
	int ntargets;
	ino_t ino;		     /* of the socket bound: only that one is removed at exit */
	struct selection *selection; /* for oci-hook requests (control_set_selection) */
	unsigned classes;
	bool quiet;
};

int control_resolve_target(const char *spec, struct audit_target *t, char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (cli_parse_cgroup_spec(spec, path, sizeof(path), &t->classes, err, errlen))
		return -1;
	if (k8s_is_selector(path)) { /* k8s-pods, k8s-pod=UID: docs/kubernetes.md */
		char root[PATH_MAX], why[768];
		if (cgroup2_root(root, sizeof(root), err, errlen))
			return -1;
		if (k8s_resolve(root, path, path, sizeof(path), why, sizeof(why))) {
			snprintf(err, errlen, "--cgroup %s", why);
			return -1;
		}
	}
	return cgroup_id_of_path(path, &t->id, t->path, sizeof(t->path), err, errlen);
}

/* A walk putting a subtree in scope as part of one container. */
struct scope_walk {
	struct agent *agent;
	__u64 root_id;	 /* the cgroup the walk starts at */
	__u64 container; /* the container its subtree joins */
	__u32 classes;
	unsigned added;
};

/* Visits one cgroup of the walk, before its children are listed: puts it
 * in scope, then waits for creations under way (a child made before this
 * put but not yet visible to readdir), then checks that it is still there
 * (one removed meanwhile would leave an entry no rmdir will delete). A
 * descendant that is the registered root of another container keeps its
 * own entry and subtree (the most specific registration wins). */
static int scope_visit(const char *path, int depth, void *ctx, char *err, size_t errlen)
{
	struct scope_walk *w = ctx;
	__u64 id = w->root_id, owner, now;
	__u32 classes;
	char why[512];
	int rc;

	if (depth > 0) {
		rc = cgroup_id_of_dir(path, &id, err, errlen);
		if (rc == -ENOENT)
			return 1; /* removed since it was listed: nothing to audit */
		if (rc)
			return -1;
		if (agent_scope_get(w->agent, id, &owner, &classes) == 0 && owner == id &&
		    id != w->container)
			return 1;
	}
	if (agent_scope_put(w->agent, id, w->container, w->classes, why, sizeof(why))) {
		snprintf(err, errlen, "cgroup %s: %s", path, why);
		return -1;
	}
	w->added++;
	rc = cgroup_sync(path, err, errlen);
	if (rc == -1)
		return -1;
	if (rc == 0)
		rc = cgroup_id_of_dir(path, &now, why, sizeof(why));
	if (rc == 0 && now == id)
		return 0;
	agent_scope_delete(w->agent, id);
	if (depth > 0)
		return 1;
	snprintf(err, errlen,
		 "container %s exited while sabpf was attaching to it (its cgroup is gone); "
		 "nothing is attached to it",
		 path);
	return -1;
}

/* Puts `path` (cgroup root_id) and every cgroup below it in scope as part
 * of `container`. On failure, with undo, nothing of the container stays in
 * scope. */
static int scope_attach_tree(struct agent *a, const char *path, __u64 root_id, __u64 container,
			     __u32 classes, bool undo, unsigned *added, char *err, size_t errlen)
{
	struct scope_walk w = {
	    .agent = a, .root_id = root_id, .container = container, .classes = classes};
	if (cgroup_walk(path, scope_visit, &w, err, errlen) == 0) {
		if (added)
			*added = w.added;
		return 0;
	}
	if (!undo)
		return -1;
	agent_scope_remove(a, container);
	size_t n = strlen(err);
	if (n + 40 < errlen && !strstr(err, "nothing is attached"))
		snprintf(err + n, errlen - n, "; nothing of %s is audited", path);
	return -1;
}

int control_attach_target(struct agent *a, struct audit_target *t, char *err, size_t errlen)
{
	return scope_attach_tree(a, t->path, t->id, t->id, t->classes, true, &t->cgroups, err,
				 errlen);
}

int control_set_classes(struct agent *a, struct audit_target *t, char *err, size_t errlen)
{
	return scope_attach_tree(a, t->path, t->id, t->id, t->classes, false, &t->cgroups, err,
				 errlen);
}

int control_detach_target(struct agent *a, const char *path, __u64 id)
{
	int removed = agent_scope_remove(a, id);
	char err[512];
	if (removed == 0)
		return 0;
	/* a cgroup made under the container while its entries were being
	 * deleted may have copied one that was still there: once every
	 * creation under way is done, delete again */
	if (cgroup_sync(path, err, sizeof(err)) == -1)
		fprintf(stderr, "sabpf: %s\n", err);
	removed += agent_scope_remove(a, id);
	/* nested in another audited container: its subtree goes back to it */
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", path);
	char *slash = strrchr(parent, '/');
	__u64 parent_id, owner;
	__u32 classes;
	if (slash && slash != parent) {
		*slash = '\0';
		if (cgroup_id_of_dir(parent, &parent_id, err, sizeof(err)) == 0 &&
		    agent_scope_get(a, parent_id, &owner, &classes) == 0 &&
		    scope_attach_tree(a, path, id, owner, classes, false, NULL, err, sizeof(err)))
			fprintf(stderr, "sabpf: giving %s back to its enclosing container: %s\n",
				path, err);
	}
	return removed;
}

static int unix_address(const char *path, struct sockaddr_un *sa, char *err, size_t errlen)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		snprintf(err, errlen, "control socket path '%s' is longer than %zu bytes", path,
			 sizeof(sa->sun_path) - 1);
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

int control_open(const char *path, struct agent *a, struct sabpf_pipeline *p, struct control **out,
		 char *err, size_t errlen)
{
	struct sockaddr_un sa;
	if (unix_address(path, &sa, err, errlen))
		return -1;
	struct control *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->agent = a;
	c->pipeline = p;
	strcpy(c->path, path);
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct stat st;
	if (lstat(path, &st) == 0) {
		const char *busy = NULL;
		if (!S_ISSOCK(st.st_mode)) {
			busy = "exists and is not a socket";
		} else {
			/* a live agent answers: taking its socket would send its
			 * requests here */
			int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
				busy = "is the control socket of a running agent";
			if (probe >= 0)
				close(probe);
		}
		if (busy) {
			snprintf(err, errlen,
				 "control socket '%s' %s: give another --control path (or stop "
				 "that agent)",
				 path, busy);
			if (c->listen_fd >= 0)
				close(c->listen_fd);
			free(c);
			return -1;
		}
		unlink(path); /* left by an agent that died */
	}
	mode_t old = umask(0077);
	int rc = c->listen_fd < 0 ? -1 : bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc || listen(c->listen_fd, 8)) {
		snprintf(err, errlen, "cannot listen on control socket '%s': %s", path,
			 strerror(errno));
		if (c->listen_fd >= 0)
			close(c->listen_fd);
		free(c);
		return -1;
	}
	if (lstat(path, &st) == 0)
		c->ino = st.st_ino;
	*out = c;
	return 0;
}

static void answer(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void answer(int fd, const char *fmt, ...)
{
	char line[PATH_MAX + 128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* MSG_NOSIGNAL: a client that hung up must not kill the agent (SIGPIPE) */
	if (n > 0 && send(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1,
			  MSG_NOSIGNAL) < 0)
		return;
}

static void handle_add(struct control *c, int fd, const char *spec)
{
	char err[1024];
	struct audit_target t;
	if (c->ntargets == MAX_TARGETS) {
		answer(fd, "error at most %d containers\n", MAX_TARGETS);
		return;
	}
	if (control_resolve_target(spec, &t, err, sizeof(err))) {
		answer(fd, "error %s\n", err);
		return;
	}
	if (control_attach_target(c->agent, &t, err, sizeof(err))) {
		/* nothing of it is in scope now, even if it was before */
		for (int i = 0; i < c->ntargets; i++)
			if (c->targets[i].id == t.id)
				c->targets[i] = c->targets[--c->ntargets];
		answer(fd, "error %s\n", err);
		return;
	}
	pipeline_name_container(c->pipeline, t.id, t.path);
	for (int i = 0; i < c->ntargets; i++)
		if (c->targets[i].id == t.id)
			c->targets[i] = c->targets[--c->ntargets]; /* added again */
	c->targets[c->ntargets++] = t;
	answer(fd, "ok %llu %s (%u cgroup%s in scope)\n", (unsigned long long)t.id, t.path,
	       t.cgroups, t.cgroups == 1 ? "" : "s");
}

static void handle_remove(struct control *c, int fd, const char *spec)
{
	char err[1024], where[PATH_MAX];
	struct audit_target t;
	int known = -1;
	if (control_resolve_target(spec, &t, err, sizeof(err))) {
		/* a registered container whose cgroup is gone: by its path */
		for (int i = 0; i < c->ntargets && known < 0; i++)
			if (strcmp(c->targets[i].path, spec) == 0)
				known = i;
		if (known < 0) {
			answer(fd, "error %s\n", err);
			return;
		}
		t = c->targets[known];
	}
	int removed = control_detach_target(c->agent, t.path, t.id);
	for (int i = 0; i < c->ntargets; i++) {
		if (c->targets[i].id == t.id) {
			c->targets[i] = c->targets[--c->ntargets];
			break;
		}
	}
	__u64 owner;
	__u32 classes;
	if (removed == 0 && agent_scope_get(c->agent, t.id, &owner, &classes) == 0) {
		if (cgroup_path_of_id(owner, where, sizeof(where)))
			snprintf(where, sizeof(where), "with cgroup id %llu",
				 (unsigned long long)owner);
		answer(fd,
		       "error %s is not a registered container: it is audited as part of "
		       "container %s; remove that one\n",
		       t.path, where);
	} else if (removed == 0) {
		answer(fd, "error %s is not audited\n", t.path);
	} else {
		answer(fd, "ok removed %s (%d cgroups)\n", t.path, removed);
	}
}

/* The cgroup v2 path of process pid (the "0::" line of /proc/PID/cgroup,
 * relative to the root of this agent's cgroup namespace, the host's), or
 * "" when it cannot be read. */
static void proc_cgroup_path(int pid, char *path, size_t len)
{
	char file[64], line[PATH_MAX + 8];
	snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	FILE *f = fopen(file, "re");
	path[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(path, len, "%s", line + 3);
		}
	if (f)
		fclose(f);
}

void control_set_selection(struct control *c, struct selection *s, unsigned classes, bool quiet)
{
	if (!c)
		return;
	c->selection = s;
	c->classes = classes;
	c->quiet = quiet;
}

/* "oci-hook PID ID" from `sabpf oci-hook` (oci_hook.c): the runtime's init
 * process PID of container ID is in the container's cgroup already; it is
 * registered now if the selection matches it, before the runtime lets the
 * container run. */
static void handle_oci_hook(struct control *c, int fd, const char *args)
{
	int pid = 0, used = 0;
	char id[IDENTITY_ID_LEN + 2] = "", path[PATH_MAX], msg[PATH_MAX + 256];
	if (sscanf(args, "%d%n", &pid, &used) != 1 || pid <= 0 ||
	    (args[used] && sscanf(args + used, " %65s", id) != 1) || strlen(id) > IDENTITY_ID_LEN) {
		answer(fd, "error bad oci-hook request '%s': use oci-hook PID [ID]\n", args);
		return;
	}
	if (!c->selection) {
		answer(fd, "ok not selected: this agent selects no containers (use --select, "
			   "--runtime or --all)\n");
		return;
	}
	proc_cgroup_path(pid, path, sizeof(path));
	if (path[0] != '/') {
		answer(fd, "error cannot read the cgroup of process %d (/proc/%d/cgroup)\n", pid,
		       pid);
		return;
	}
	int rc = selection_register(c->selection, c->agent, c->pipeline, c->classes, c->quiet, path,
				    id, msg, sizeof(msg));
	answer(fd, "%s %s\n", rc < 0 ? "error" : "ok", msg);
}

static void handle_request(struct control *c, int fd)
{
	char line[PATH_MAX + 64];
	ssize_t n = read(fd, line, sizeof(line) - 1);
	if (n <= 0)
		return;
	line[n] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strncmp(line, "add ", 4) == 0) {
		handle_add(c, fd, line + 4);
	} else if (strncmp(line, "remove ", 7) == 0) {
		handle_remove(c, fd, line + 7);
	} else if (strncmp(line, "oci-hook ", 9) == 0) {
		handle_oci_hook(c, fd, line + 9);
	} else if (strcmp(line, "list") == 0) {
		for (int i = 0; i < c->ntargets; i++)
			answer(fd, "%llu %s\n", (unsigned long long)c->targets[i].id,
			       c->targets[i].path);
		answer(fd, "ok %d\n", c->ntargets);
	} else {
		answer(fd,
		       "error unknown request '%s': use add PATH[:CLASSES], remove PATH, "
		       "list or oci-hook PID [ID]\n",
		       line);
	}
}

/* A request from a process in an audited cgroup (a container asking to be
 * removed from scope, say) is refused: only the host may change the scope.
 * So is one whose sender cannot be told (fail closed). Returns 1 with why
 * when refused. */
static int peer_is_audited(struct control *c, int fd, char *why, size_t len)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char err[512];
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) || cred.pid <= 0) {
		snprintf(why, len, "cannot tell which process sent it (SO_PEERCRED: %s)",
			 strerror(errno));
		return 1;
	}
	char path[PATH_MAX + 8];
	proc_cgroup_path((int)cred.pid, path, sizeof(path));
	/* the path is relative to the cgroup v2 root (this agent's cgroup
	 * namespace is the host's) */
	char root[PATH_MAX], full[2 * PATH_MAX + 16];
	__u64 id, owner;
	__u32 classes;
	if (path[0] == '/' && cgroup2_root(root, sizeof(root), err, sizeof(err)) == 0)
		snprintf(full, sizeof(full), "%s%s", root, path);
	else
		full[0] = '\0';
	if (!full[0] || cgroup_id_of_dir(full, &id, err, sizeof(err))) {
		snprintf(why, len, "cannot tell the cgroup of the sending process %d",
			 (int)cred.pid);
		return 1;
	}
	if (agent_scope_get(c->agent, id, &owner, &classes) == 0) {
		snprintf(why, len, "process %d is in the audited cgroup %s", (int)cred.pid, path);
		return 1;
	}
	return 0;
}

void control_serve(struct control *c)
{
	for (;;) {
		int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return;
		/* a client has one second to send its line */
		struct timeval tv = {.tv_sec = 1};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		char why[PATH_MAX + 128];
		if (peer_is_audited(c, fd, why, sizeof(why))) {
			fprintf(stderr, "sabpf: control request refused: %s\n", why);
			answer(fd, "error refused: %s\n", why);
			/* read what the client sent before closing: closing with its
			 * request unread would reset the connection, and the client
			 * could lose the answer (seen under load) */
			shutdown(fd, SHUT_WR);
			char drain[512];
			while (recv(fd, drain, sizeof(drain), 0) > 0)
				;
			close(fd);
			continue;
		}
		handle_request(c, fd);
		close(fd);
	}
}

void control_close(struct control *c)
{
	if (!c)
		return;
	close(c->listen_fd);
	struct stat st;
	if (lstat(c->path, &st) == 0 && st.st_ino == c->ino)
		unlink(c->path);
	free(c);
}

void control_note_target(struct control *c, const struct audit_target *t)
{
	if (c && c->ntargets < MAX_TARGETS)
		c->targets[c->ntargets++] = *t;
}

static const char ctl_usage[] =
    "usage: sabpf ctl --control SOCKET add PATH[:CLASSES] | remove PATH | list\n";

/* --control SOCKET of the `ctl` running now (its verbs read it). */
static const char *ctl_socket;

/* Sends request to the agent at ctl_socket and prints its answer; the
 * verdict is the answer's last line. Returns the exit status. */
static int ctl_send(const char *request)
{
	char err[256];
	struct sockaddr_un sa;
	if (unix_address(ctl_socket, &sa, err, sizeof(err))) {
		fprintf(stderr, "sabpf ctl: %s\n", err);
		return 1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr,
			"sabpf ctl: cannot reach the agent at '%s': %s (is `sabpf audit --control "
			"%s` running?)\n",
			ctl_socket, strerror(errno), ctl_socket);
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (write(fd, request, strlen(request)) < 0) {
		fprintf(stderr, "sabpf ctl: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	shutdown(fd, SHUT_WR);
	char buf[4096], last[4096] = "";
	size_t used = 0;
	ssize_t n;
	while ((n = read(fd, buf + used, sizeof(buf) - 1 - used)) > 0)
		used += n;
	int read_errno = n < 0 ? errno : 0;
	close(fd);
	buf[used] = '\0';
	if (used == 0) {
		fprintf(stderr, "sabpf ctl: the agent at '%s' gave no answer%s%s\n", ctl_socket,
			read_errno ? ": " : "", read_errno ? strerror(read_errno) : "");
		return 1;
	}
	fputs(buf, stdout);
	/* the verdict is the last line */
	char *line = buf, *next;
	while ((next = strchr(line, '\n')) && next[1])
		line = next + 1;
	snprintf(last, sizeof(last), "%s", line);
	return strncmp(last, "ok", 2) == 0 ? 0 : 1;
}

/* add PATH[:CLASSES] and remove PATH: the verb and its one operand. */
static int cmd_ctl_path(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "sabpf ctl %s: give one PATH%s\n%s", argv[0],
			strcmp(argv[0], "add") == 0 ? "[:CLASSES]" : "", ctl_usage);
		return EXIT_USAGE;
	}
	char request[PATH_MAX + 64];
	snprintf(request, sizeof(request), "%s %s\n", argv[0], argv[1]);
	return ctl_send(request);
}

static int cmd_ctl_list(int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "sabpf ctl list: unexpected argument '%s'\n%s", argv[1], ctl_usage);
		return EXIT_USAGE;
	}
	return ctl_send("list\n");
}

const struct cmd ctl_cmds[] = {
    {"add", cmd_ctl_path, "PATH[:CLASSES]", "audit one more cgroup (and what is made under it)", 0,
     NULL},
    {"remove", cmd_ctl_path, "PATH", "stop auditing a cgroup", 0, NULL},
    {"list", cmd_ctl_list, NULL, "the cgroups audited", 0, NULL},
    {0},
};

int cmd_ctl(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"control", required_argument, 0, 'c'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	int opt;
	ctl_socket = NULL;
	cmd_getopt_reset();
	/* options before the verb only: what follows it is the verb's */
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			ctl_socket = optarg;
			break;
		case 'h':
			fputs(ctl_usage, stdout);
			return 0;
		default:
			fputs(ctl_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs(ctl_usage, stderr);
		return EXIT_USAGE;
	}
	if (!ctl_socket && strcmp(argv[optind], "help") != 0)
		return cmd_usage_error("sabpf ctl",
				       "give --control SOCKET (the one of `sabpf audit "
				       "--control SOCKET`) before %s",
				       argv[optind]);
	return cmd_select(ctl_cmds, "sabpf ctl", argc - optind, argv + optind);
}
