/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* fuzz_policy.c: libFuzzer harness of the policy parser (policy_parse.c). Every
 * input is parsed; a policy that parses must hold the invariants of the
 * in-memory form (policy.h), print, describe each of its rules and answer
 * the reference decisions; an input that does not parse must give an error
 * in the "SOURCE:LINE:COLUMN: message" form. A broken invariant aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy.h"

static void require(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_policy: invariant broken: %s\n", what);
		abort();
	}
}

static void check_net_rules(const struct policy_net_rule *r, uint32_t n)
{
	require(n <= POLICY_MAX_NET_RULES, "net rule count");
	for (uint32_t i = 0; i < n; i++) {
		require(r[i].port_lo <= r[i].port_hi, "port range");
		require(r[i].port_lo >= 1 || r[i].port_hi == 65535, "port 0 only in all ports");
		require(r[i].family == 0 || r[i].family == AF_INET || r[i].family == AF_INET6,
			"address family");
		require(r[i].prefix_len <= (r[i].family == AF_INET6 ? 128 : 32), "prefix length");
		require(r[i].origin.line >= 1 && r[i].origin.column >= 1, "net rule origin");
	}
}

static void check_glob(const char *glob, bool recursive)
{
	require(strlen(glob) < POLICY_PATH_MAX, "glob length");
	require(glob[0] == '/' || (recursive && glob[0] == '\0'), "glob is absolute");
}

static void check_policy(const struct policy *p)
{
	require(p->cgroup[0] != '\0', "a cgroup is selected");
	require(p->executable[0] == '\0' || p->executable[0] == '/', "executable path");
	check_net_rules(p->net.egress, p->net.negress);
	check_net_rules(p->net.bind, p->net.nbind);
	require(p->files.nrules <= POLICY_MAX_FILE_RULES, "file rule count");
	for (uint32_t i = 0; i < p->files.nrules; i++) {
		check_glob(p->files.rules[i].glob, p->files.rules[i].recursive);
		require(p->files.rules[i].access & POLICY_FILE_READ, "file rules grant read");
	}
	require(p->exec.nrules <= POLICY_MAX_EXEC_RULES, "exec rule count");
	for (uint32_t i = 0; i < p->exec.nrules; i++)
		check_glob(p->exec.rules[i].glob, false);
}

/* Decisions on fixed probes: each must name a rule of its class. */
static void exercise_decisions(const struct policy *p)
{
	static const uint8_t v4[16] = {10, 1, 2, 3}, v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	static const char *const paths[] = {"/tmp/x", "/lib/libc.so.6", "/etc/passwd", "/a/b/c/d",
					    "/"};
	struct policy_verdict v = policy_decide_connect(p, AF_INET, v4, 443);
	require(POLICY_RULE_CLASS(v.rule_id) == POLICY_CLASS_EGRESS, "egress rule class");
	v = policy_decide_bind(p, AF_INET6, v6, 8080);
	require(POLICY_RULE_CLASS(v.rule_id) == POLICY_CLASS_BIND, "bind rule class");
	v = policy_decide_socket(p, AF_UNIX);
	require(POLICY_RULE_CLASS(v.rule_id) == POLICY_CLASS_FAMILY, "family rule class");
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		v = policy_decide_file(p, paths[i], POLICY_FILE_READ | POLICY_FILE_WRITE);
		require(POLICY_RULE_CLASS(v.rule_id) == POLICY_CLASS_FILE, "file rule class");
		v = policy_decide_exec(p, paths[i]);
		require(POLICY_RULE_CLASS(v.rule_id) == POLICY_CLASS_EXEC, "exec rule class");
	}
	char text[512];
	for (uint32_t i = 0; i < p->files.nrules; i++) {
		policy_rule_describe(p, POLICY_RULE_ID(POLICY_CLASS_FILE, i), text, sizeof(text));
		require(strncmp(text, "fuzz:", 5) == 0, "a file rule is described with its place");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024] = "";
	struct policy *p = NULL;
	if (policy_parse((const char *)data, size, "fuzz", &p, err, sizeof(err)) != 0) {
		unsigned line = 0, column = 0;
		require(p == NULL, "no policy on error");
		require(sscanf(err, "fuzz:%u:%u: ", &line, &column) == 2 ||
			    strcmp(err, "fuzz: out of memory") == 0,
			"error names line and column");
		require(line >= 1 && column >= 1, "error position is 1-based");
		return 0;
	}
	check_policy(p);
	exercise_decisions(p);
	FILE *null = fopen("/dev/null", "w");
	if (null) {
		policy_print_text(p, null);
		policy_print_json(p, null);
		fclose(null);
	}
	policy_free(p);
	return 0;
}
