/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* oci_hook.c: `sabpf oci-hook`, the OCI createRuntime hook that registers a
 * selected container with the running agent before its first instruction
 * (oci_hook.h; installing it: deploy/oci-hooks.d/sabpf.json and
 * docs/identity.md). The hook only sends the runtime's init pid and the
 * container id; the agent reads the cgroup from /proc/PID/cgroup, resolves
 * the identity from the runtime's own files and decides by its selection. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "cmd.h"
#include "json_read.h"
#include "oci_hook.h"

#define STATE_MAX (1 << 20) /* the state document: id, pid, bundle, annotations */

int oci_state_parse(const char *text, size_t len, char *id, size_t idlen, int *pid, char *err,
		    size_t errlen)
{
	yaml_document_t doc;
	if (json_load_object(&doc, text, len, "OCI state (stdin)", err, errlen))
		return -1;
	yaml_node_t *root = json_root(&doc);
	int rc = -1;
	size_t n;
	const char *v = json_scalar(json_get(&doc, root, "id"), &n);
	if (!v || n == 0 || n >= idlen) {
		snprintf(err, errlen,
			 "OCI state (stdin): no \"id\" of 1 to %zu characters (is this hook "
			 "run by an OCI runtime, with the state JSON on stdin?)",
			 idlen - 1);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.",
			    v[i]) ||
		    v[i] == '\0') {
			snprintf(err, errlen,
				 "OCI state (stdin): \"id\" has a character other than letters, "
				 "digits, '-', '_' and '.'");
			goto out;
		}
	memcpy(id, v, n);
	id[n] = '\0';
	char num[24];
	v = json_scalar(json_get(&doc, root, "pid"), &n);
	if (!v || n == 0 || n >= sizeof(num)) {
		snprintf(err, errlen,
			 "OCI state (stdin): no \"pid\" (the hook must run at createRuntime, "
			 "when the container's process exists)");
		goto out;
	}
	memcpy(num, v, n);
	num[n] = '\0';
	char *end;
	errno = 0;
	long p = strtol(num, &end, 10);
	if (errno || *end || p <= 0 || p > 0x3fffffff) {
		snprintf(err, errlen, "OCI state (stdin): \"pid\" %s is not a process id", num);
		goto out;
	}
	*pid = (int)p;
	rc = 0;
out:
	yaml_document_delete(&doc);
	return rc;
}

/* Sends request to the agent at sock and reads its answer's last line into
 * answer. Returns 0 when it was read, -1 with err when the agent could not
 * be reached or did not answer within timeout seconds. */
static int ask_agent(const char *sock, const char *request, int timeout, char *answer, size_t size,
		     char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(sock) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path '%s' is longer than %zu bytes", sock,
			 sizeof(sa.sun_path) - 1);
		return -1;
	}
	strcpy(sa.sun_path, sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = {.tv_sec = timeout};
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(err, errlen, "cannot reach the agent at %s: %s", sock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (write(fd, request, strlen(request)) != (ssize_t)strlen(request)) {
		snprintf(err, errlen, "cannot send to the agent at %s: %s", sock, strerror(errno));
		close(fd);
		return -1;
	}
	shutdown(fd, SHUT_WR);
	char buf[2048];
	size_t used = 0;
	ssize_t n = 0;
	while (used < sizeof(buf) - 1 && (n = read(fd, buf + used, sizeof(buf) - 1 - used)) > 0)
		used += n;
	int saved = errno;
	close(fd);
	buf[used] = '\0';
	if (n < 0 || used == 0 || buf[used - 1] != '\n') {
		snprintf(err, errlen, "no answer from the agent at %s within %d s%s%s", sock,
			 timeout, n < 0 ? ": " : "", n < 0 ? strerror(saved) : "");
		return -1;
	}
	buf[used - 1] = '\0';
	char *last = strrchr(buf, '\n');
	snprintf(answer, size, "%s", last ? last + 1 : buf);
	return 0;
}

/* Says msg where it stays: stderr (runc passes a hook's output on only
 * when the hook fails, into the runtime's error), syslog (LOG_DAEMON,
 * tag sabpf-oci-hook) and, with --log FILE, a line appended to FILE. */
static void say(const char *log, int priority, const char *msg)
{
	fprintf(stderr, "sabpf oci-hook: %s\n", msg);
	openlog("sabpf-oci-hook", LOG_PID, LOG_DAEMON);
	syslog(priority, "%s", msg);
	closelog();
	FILE *f = log ? fopen(log, "ae") : NULL;
	if (log && !f) {
		fprintf(stderr, "sabpf oci-hook: cannot append to --log %s: %s\n", log,
			strerror(errno));
		return;
	}
	if (f) {
		char when[32];
		time_t now = time(NULL);
		struct tm tm;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
		fprintf(f, "%s sabpf oci-hook[%d]: %s\n", when, (int)getpid(), msg);
		fclose(f);
	}
}

static const char hook_usage[] =
    "usage: sabpf oci-hook [--control SOCKET] [--fail open|closed] [--timeout SECONDS]\n"
    "                      [--log FILE] < STATE\n"
    "  run by an OCI runtime at createRuntime (deploy/oci-hooks.d/sabpf.json);\n"
    "  SOCKET defaults to " OCI_HOOK_DEFAULT_SOCKET ", --fail to open, --timeout to 10\n";

int cmd_oci_hook(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"control", required_argument, 0, 'c'}, {"fail", required_argument, 0, 'f'},
	    {"timeout", required_argument, 0, 't'}, {"log", required_argument, 0, 'l'},
	    {"help", no_argument, 0, 'h'},	    {0, 0, 0, 0},
	};
	const char *sock = OCI_HOOK_DEFAULT_SOCKET, *log = NULL;
	int fail_closed = 0, timeout = 10, opt;
	char *end;
	cmd_getopt_reset();
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			sock = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "open") && strcmp(optarg, "closed"))
				return cmd_usage_error("sabpf oci-hook",
						       "--fail takes open or closed, not '%s'",
						       optarg);
			fail_closed = strcmp(optarg, "closed") == 0;
			break;
		case 't':
			timeout = (int)strtol(optarg, &end, 10);
			if (*end || timeout < 1 || timeout > 300)
				return cmd_usage_error("sabpf oci-hook",
						       "--timeout takes 1 to 300 seconds, not '%s'",
						       optarg);
			break;
		case 'l':
			log = optarg;
			break;
		case 'h':
			fputs(hook_usage, stdout);
			return 0;
		default:
			fputs(hook_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error("sabpf oci-hook", "unexpected operand '%s'", argv[optind]);

	char *text = malloc(STATE_MAX + 1), err[4096], id[65], answer[2048];
	size_t len = 0;
	int pid = 0;
	if (!text) {
		fprintf(stderr, "sabpf oci-hook: out of memory\n");
		return 1;
	}
	size_t got;
	while (len < STATE_MAX && (got = fread(text + len, 1, STATE_MAX - len, stdin)) > 0)
		len += got;
	text[len] = '\0';
	int rc = oci_state_parse(text, len, id, sizeof(id), &pid, err, sizeof(err));
	free(text);
	if (rc) {
		/* not the runtime's state: a broken installation, refused either way */
		say(log, LOG_ERR, err);
		return 1;
	}
	char request[128], msg[8192];
	snprintf(request, sizeof(request), "oci-hook %d %s\n", pid, id);
	if (ask_agent(sock, request, timeout, answer, sizeof(answer), err, sizeof(err)) == 0) {
		if (strncmp(answer, "ok ", 3) == 0) {
			snprintf(msg, sizeof(msg), "container %s: %s", id, answer + 3);
			if (strstr(answer, "followed: ") || log)
				say(log, LOG_INFO, msg);
			return 0;
		}
		snprintf(err, sizeof(err), "the agent at %s refused container %s: %s", sock, id,
			 strncmp(answer, "error ", 6) ? answer : answer + 6);
	}
	if (fail_closed) {
		snprintf(msg, sizeof(msg),
			 "%s; failing closed (--fail closed): container %s is not started", err,
			 id);
		say(log, LOG_ERR, msg);
		return 1;
	}
	snprintf(msg, sizeof(msg),
		 "%s; failing open (--fail open): container %s starts NOT audited by the hook", err,
		 id);
	say(log, LOG_WARNING, msg);
	return 0;
}
