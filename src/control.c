/* control.c: the control socket of `sabpf audit` and the `sabpf ctl`
 * client. One request line per connection, one or more answer lines, the
 * last of which starts with "ok" or "error". Only root can connect (the
 * socket is 0600), and requests change only the scope map. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
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
#include "control.h"

#define MAX_TARGETS 256

struct control {
	int listen_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct agent *agent;
	struct sabpf_pipeline *pipeline;
	struct audit_target targets[MAX_TARGETS];
	int ntargets;
};

int control_resolve_target(const char *spec, struct audit_target *t, char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (cli_parse_cgroup_spec(spec, path, sizeof(path), &t->classes, err, errlen))
		return -1;
	return cgroup_id_of_path(path, &t->id, t->path, sizeof(t->path), err, errlen);
}

int control_attach_target(struct agent *a, const struct audit_target *t, char *err, size_t errlen)
{
	if (agent_scope_add(a, t->id, t->classes, err, errlen))
		return -1;
	/* A cgroup removed between resolving its path and adding it would
	 * leave an entry no rmdir will ever delete: check it is still there. */
	__u64 id_now;
	char path_now[PATH_MAX], why[512];
	if (cgroup_id_of_path(t->path, &id_now, path_now, sizeof(path_now), why, sizeof(why)) ||
	    id_now != t->id) {
		agent_scope_remove(a, t->id);
		snprintf(
		    err, errlen,
		    "container %s exited while sabpf was attaching to it (its cgroup is gone); "
		    "nothing is attached to it",
		    t->path);
		return -1;
	}
	return 0;
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
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path); /* left by an agent that died */
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
	if (n > 0 && write(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0)
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
	if (control_resolve_target(spec, &t, err, sizeof(err)) ||
	    control_attach_target(c->agent, &t, err, sizeof(err))) {
		answer(fd, "error %s\n", err);
		return;
	}
	pipeline_name_container(c->pipeline, t.id, t.path);
	c->targets[c->ntargets++] = t;
	answer(fd, "ok %llu %s\n", (unsigned long long)t.id, t.path);
}

static void handle_remove(struct control *c, int fd, const char *spec)
{
	char err[1024];
	struct audit_target t;
	if (control_resolve_target(spec, &t, err, sizeof(err))) {
		answer(fd, "error %s\n", err);
		return;
	}
	int removed = agent_scope_remove(c->agent, t.id);
	for (int i = 0; i < c->ntargets; i++) {
		if (c->targets[i].id == t.id) {
			c->targets[i] = c->targets[--c->ntargets];
			break;
		}
	}
	if (removed == 0)
		answer(fd, "error %s is not audited\n", t.path);
	else
		answer(fd, "ok removed %s (%d cgroups)\n", t.path, removed);
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
	} else if (strcmp(line, "list") == 0) {
		for (int i = 0; i < c->ntargets; i++)
			answer(fd, "%llu %s\n", (unsigned long long)c->targets[i].id,
			       c->targets[i].path);
		answer(fd, "ok %d\n", c->ntargets);
	} else {
		answer(fd,
		       "error unknown request '%s': use add PATH[:CLASSES], remove PATH or "
		       "list\n",
		       line);
	}
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
		handle_request(c, fd);
		close(fd);
	}
}

void control_close(struct control *c)
{
	if (!c)
		return;
	close(c->listen_fd);
	unlink(c->path);
	free(c);
}

/* Registers the targets given on the command line too, so `list` shows
 * them: called by audit through control_open's caller. */
int control_client_main(int argc, char **argv)
{
	const char *path = NULL;
	int i = 1;
	if (i + 1 < argc && strcmp(argv[i], "--control") == 0) {
		path = argv[i + 1];
		i += 2;
	}
	if (!path || i >= argc) {
		fprintf(stderr,
			"usage: sabpf ctl --control SOCKET add PATH[:CLASSES] | remove PATH "
			"| list\n");
		return 2;
	}
	char request[PATH_MAX + 64];
	if (strcmp(argv[i], "list") == 0 && i + 1 == argc) {
		snprintf(request, sizeof(request), "list\n");
	} else if ((strcmp(argv[i], "add") == 0 || strcmp(argv[i], "remove") == 0) &&
		   i + 2 == argc) {
		snprintf(request, sizeof(request), "%s %s\n", argv[i], argv[i + 1]);
	} else {
		fprintf(stderr, "sabpf ctl: unknown request: use add PATH[:CLASSES], remove PATH "
				"or list\n");
		return 2;
	}
	char err[256];
	struct sockaddr_un sa;
	if (unix_address(path, &sa, err, sizeof(err))) {
		fprintf(stderr, "sabpf ctl: %s\n", err);
		return 1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr,
			"sabpf ctl: cannot reach the agent at '%s': %s (is `sabpf audit --control "
			"%s` running?)\n",
			path, strerror(errno), path);
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
	close(fd);
	buf[used] = '\0';
	fputs(buf, stdout);
	/* the verdict is the last line */
	char *line = buf, *next;
	while ((next = strchr(line, '\n')) && next[1])
		line = next + 1;
	snprintf(last, sizeof(last), "%s", line);
	return strncmp(last, "ok", 2) == 0 ? 0 : 1;
}
