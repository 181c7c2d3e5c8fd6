/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* policy_decide.c: the reference decisions of a parsed policy (policy.h):
 * which rule allows or denies a connect, bind, socket, file open or exec,
 * as the enforcement programs decide in the kernel. */
#include "policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <yaml.h>

#include "cmd.h"
#include "json_write.h"
#include "policy_glob.h"

#define MATCH_PATH_MAX 4096
/* ---- decisions ---------------------------------------------------------- */

bool policy_glob_match(const char *glob, bool recursive, const char *path)
{
	if (!recursive)
		return fnmatch(glob, path, FNM_PATHNAME) == 0;
	/* glob G then a final "**": some directory prefix of path matches G, and more follows */
	size_t len = strlen(path);
	char prefix[MATCH_PATH_MAX];
	if (len >= sizeof(prefix))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (path[i] != '/' || path[i + 1] == '\0')
			continue;
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		if (fnmatch(glob, prefix, FNM_PATHNAME) == 0)
			return true;
	}
	return false;
}

static struct policy_verdict verdict(bool allow, enum policy_class cls, uint32_t index)
{
	struct policy_verdict v = {allow, POLICY_RULE_ID(cls, index)};
	return v;
}

/* Whether addr (family's size) lies in the rule's range. */
static bool net_rule_matches(const struct policy_net_rule *r, int family, const uint8_t *addr,
			     uint16_t port)
{
	if (port < r->port_lo || port > r->port_hi)
		return false;
	if (r->family == 0)
		return true;
	if (r->family != family)
		return false;
	unsigned full = r->prefix_len / 8, rest = r->prefix_len % 8;
	if (memcmp(r->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return (r->addr[full] & mask) == (addr[full] & mask);
}

static struct policy_verdict decide_net(const struct policy *p, enum policy_class cls,
					const struct policy_net_rule *rules, uint32_t n, int family,
					const uint8_t *addr, uint16_t port)
{
	static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (!p->net.present || (family != AF_INET && family != AF_INET6))
		return verdict(true, cls, POLICY_DEFAULT_INDEX);
	if (family == AF_INET6 && memcmp(addr, v4_mapped, sizeof(v4_mapped)) == 0) {
		family = AF_INET; /* ::ffff:a.b.c.d is the IPv4 address */
		addr += 12;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (net_rule_matches(&rules[i], family, addr, port))
			return verdict(true, cls, i);
	}
	return verdict(p->net.def == POLICY_ALLOW, cls, POLICY_DEFAULT_INDEX);
}

struct policy_verdict policy_decide_connect(const struct policy *p, int family, const uint8_t *addr,
					    uint16_t port)
{
	return decide_net(p, POLICY_CLASS_EGRESS, p->net.egress, p->net.negress, family, addr,
			  port);
}

struct policy_verdict policy_decide_bind(const struct policy *p, int family, const uint8_t *addr,
					 uint16_t port)
{
	return decide_net(p, POLICY_CLASS_BIND, p->net.bind, p->net.nbind, family, addr, port);
}

struct policy_verdict policy_decide_socket(const struct policy *p, int family)
{
	if (!p->net.present || !p->net.families_listed)
		return verdict(true, POLICY_CLASS_FAMILY, POLICY_DEFAULT_INDEX);
	for (uint32_t i = 0; i < p->net.nfamilies; i++) {
		if (p->net.families[i].family == family)
			return verdict(true, POLICY_CLASS_FAMILY, i);
	}
	return verdict(false, POLICY_CLASS_FAMILY, POLICY_DEFAULT_INDEX);
}

/* Whether a path can be decided on: the kernel's path buffer holds
 * POLICY_RESOLVED_MAX bytes with the NUL; a longer path (or none, NULL) is
 * unresolved, and fails closed. */
static bool path_resolved(const char *path)
{
	return path && strnlen(path, POLICY_RESOLVED_MAX) < POLICY_RESOLVED_MAX;
}

struct policy_verdict policy_decide_file(const struct policy *p, const char *path, uint32_t access)
{
	if (!p->files.present || !(access & ~p->files.def_access))
		return verdict(true, POLICY_CLASS_FILE, POLICY_DEFAULT_INDEX);
	if (!path_resolved(path))
		return verdict(false, POLICY_CLASS_FILE, POLICY_UNRESOLVED_INDEX);
	uint32_t granted = p->files.def_access;
	uint32_t decider = POLICY_DEFAULT_INDEX;
	for (uint32_t i = 0; i < p->files.nrules && (access & ~granted); i++) {
		const struct policy_file_rule *r = &p->files.rules[i];
		if ((r->access & access & ~granted) &&
		    policy_glob_match(r->glob, r->recursive, path)) {
			granted |= r->access;
			decider = i;
		}
	}
	bool allow = (access & ~granted) == 0;
	return verdict(allow, POLICY_CLASS_FILE, allow ? decider : POLICY_DEFAULT_INDEX);
}

struct policy_verdict policy_decide_exec(const struct policy *p, const char *path)
{
	if (!p->exec.present)
		return verdict(true, POLICY_CLASS_EXEC, POLICY_DEFAULT_INDEX);
	if (!path_resolved(path))
		return verdict(p->exec.def == POLICY_ALLOW, POLICY_CLASS_EXEC,
			       p->exec.def == POLICY_ALLOW ? POLICY_DEFAULT_INDEX
							   : POLICY_UNRESOLVED_INDEX);
	for (uint32_t i = 0; i < p->exec.nrules; i++) {
		if (fnmatch(p->exec.rules[i].glob, path, FNM_PATHNAME) == 0)
			return verdict(true, POLICY_CLASS_EXEC, i);
	}
	return verdict(p->exec.def == POLICY_ALLOW, POLICY_CLASS_EXEC, POLICY_DEFAULT_INDEX);
}
