/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* policy.h: the access-control policy language (docs/policy.md): a JSON or
 * YAML file, parsed with libyaml, validated, and turned into flat arrays of
 * rules per hook class, ready to copy into BPF maps.
 *
 * Every rule has a stable id, POLICY_RULE_ID(class, index): its class and
 * its index in that class's array, so a denial record can name the rule
 * that decided (policy_rule_describe gives file:line:column and the key
 * path). The default of a class has the index POLICY_DEFAULT_INDEX.
 *
 * The decide functions are the reference semantics of enforcement: the
 * kernel programs must give the same verdict and the same rule id. */
#ifndef SABPF_POLICY_H
#define SABPF_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define POLICY_PATH_MAX 256	 /* a glob or cgroup path, NUL included */
#define POLICY_MAX_NET_RULES 256 /* egress and bind, each, after flattening */
#define POLICY_MAX_FILE_RULES 256
#define POLICY_MAX_EXEC_RULES 64
#define POLICY_MAX_FILE_BYTES (1 << 20)
#define POLICY_DEFAULT_INDEX 0xffffu
#define POLICY_UNRESOLVED_INDEX 0xfffeu /* = POL_UNRESOLVED_INDEX: path not resolved whole */
#define POLICY_UNHOOKED_INDEX 0xfffbu	/* = POL_UNHOOKED_INDEX: a socket no cgroup hook sees */
#define POLICY_RESOLVED_MAX 4096 /* = GLOB_PATH_MAX: the longest path decided on, NUL included */

/* The hook classes, each with its own array of rules and its own default. */
enum policy_class {
	POLICY_CLASS_EGRESS = 1, /* connect/sendmsg to an inet or inet6 address */
	POLICY_CLASS_BIND,	 /* bind/listen on an inet or inet6 address */
	POLICY_CLASS_FAMILY,	 /* socket creation, by address family */
	POLICY_CLASS_FILE,	 /* open, exec, mmap of files by path */
	POLICY_CLASS_EXEC,	 /* execve, by the binary's path */
	POLICY_CLASS_MAX = POLICY_CLASS_EXEC,
};

#define POLICY_RULE_ID(cls, index) (((uint32_t)(cls) << 16) | ((uint32_t)(index)&0xffffu))
#define POLICY_RULE_CLASS(id) ((enum policy_class)((id) >> 16))
#define POLICY_RULE_INDEX(id) ((id)&0xffffu)

enum policy_mode {
	POLICY_ENFORCE = 0, /* deny what the policy does not allow */
	POLICY_MONITOR = 1, /* record what would be denied, block nothing */
};

enum policy_default {
	POLICY_ALLOW = 0,
	POLICY_DENY = 1,
};

/* File access rights; a rule or a default grants a set of them. */
enum policy_file_access {
	POLICY_FILE_READ = 1u << 0,
	POLICY_FILE_WRITE = 1u << 1,
	POLICY_FILE_EXEC = 1u << 2,	/* execute the file (execve) */
	POLICY_FILE_MAP_EXEC = 1u << 3, /* mmap it with PROT_EXEC */
	POLICY_FILE_ALL = 0xfu,
};

/* Where a rule came from in the policy file (1-based, as editors count). */
struct policy_origin {
	uint32_t line;
	uint32_t column;
};

/* One egress or bind rule: a port range (0-65535 when the rule lists no
 * ports: port 0 is a bind that lets the kernel choose) and an address
 * range. family is AF_INET or AF_INET6, or 0 for any address of either
 * family. addr is in network order (4 bytes used for AF_INET). */
struct policy_net_rule {
	uint16_t port_lo, port_hi;
	uint16_t family;
	uint8_t prefix_len;
	uint8_t addr[16];
	uint32_t source_rule; /* index of the list item it was flattened from */
	struct policy_origin origin;
};

/* One allowed address family (AF_* number). */
struct policy_family_rule {
	uint16_t family;
	struct policy_origin origin;
};

/* One path rule: an absolute glob (fnmatch with FNM_PATHNAME; a trailing
 * a final "**" component matches everything below) and the rights it grants.
 * literal_len is the length of the glob's leading part without wildcards
 * (a prefix every matching path has). */
struct policy_file_rule {
	char glob[POLICY_PATH_MAX];
	uint32_t access;
	uint32_t literal_len;
	bool recursive; /* ended in a "**" component (cut off the glob) */
	struct policy_origin origin;
};

/* One allowed executable (a glob, as for files, without a final "**"). */
struct policy_exec_rule {
	char glob[POLICY_PATH_MAX];
	uint32_t literal_len;
	struct policy_origin origin;
};

/* The whole policy, in memory. A class whose section is absent from the
 * file is not restricted (`present` false): no hook needs loading for it. */
struct policy {
	char source[POLICY_PATH_MAX]; /* the file's name, for messages */
	enum policy_mode mode;
	struct policy_origin mode_origin;

	/* the container: a cgroup (never empty), and optionally one binary */
	char cgroup[POLICY_PATH_MAX];
	char executable[POLICY_PATH_MAX]; /* "" when the whole cgroup */
	struct policy_origin target_origin;

	struct {
		bool present;
		enum policy_default def;
		struct policy_origin def_origin;
		struct policy_net_rule egress[POLICY_MAX_NET_RULES];
		uint32_t negress;
		struct policy_net_rule bind[POLICY_MAX_NET_RULES];
		uint32_t nbind;
		bool families_listed; /* false: any family may be created */
		struct policy_family_rule families[64];
		uint32_t nfamilies;
		struct policy_origin families_origin;
	} net;

	struct {
		bool present;
		uint32_t def_access; /* 0 (none), READ or READ|WRITE */
		struct policy_origin def_origin;
		struct policy_file_rule rules[POLICY_MAX_FILE_RULES];
		uint32_t nrules;
	} files;

	struct {
		bool present;
		enum policy_default def;
		struct policy_origin def_origin;
		struct policy_exec_rule rules[POLICY_MAX_EXEC_RULES];
		uint32_t nrules;
	} exec;
};

/* A decision: allowed or not, and the id of the rule (or default) that
 * decided it. */
struct policy_verdict {
	bool allow;
	uint32_t rule_id;
};

/* Parses and validates a policy from memory; `source` names it in errors.
 * Returns 0, or -1 with "SOURCE:LINE:COLUMN: what is wrong; how to fix"
 * in err (and *out untouched). On success *out is a new policy for
 * policy_free. */
int policy_parse(const char *text, size_t len, const char *source, struct policy **out, char *err,
		 size_t errlen);

/* Reads and parses the file at path (same contract as policy_parse). */
int policy_load_file(const char *path, struct policy **out, char *err, size_t errlen);

void policy_free(struct policy *p);

/* Names in the policy language (policy_parse.c), for printing
 * (policy_print.c): a file mode's key ("r", "rw", ...) and an address
 * family's name ("inet", ...; "?" if unknown). */
const char *file_mode_name(uint32_t access);
const char *family_name(int family);

/* The reference decisions (see the top of this file). addr is in network
 * order, 4 or 16 bytes by family; access is a set of policy_file_access. */
struct policy_verdict policy_decide_connect(const struct policy *p, int family, const uint8_t *addr,
					    uint16_t port);
struct policy_verdict policy_decide_bind(const struct policy *p, int family, const uint8_t *addr,
					 uint16_t port);
struct policy_verdict policy_decide_socket(const struct policy *p, int family);
/* File and exec decisions fail closed: a NULL path (unresolved) or one of
 * POLICY_RESOLVED_MAX bytes or more is denied with rule index
 * POLICY_UNRESOLVED_INDEX, unless the section's default grants the access. */
struct policy_verdict policy_decide_file(const struct policy *p, const char *path, uint32_t access);
struct policy_verdict policy_decide_exec(const struct policy *p, const char *path);

/* Whether path matches a glob the way file and exec rules do. */
bool policy_glob_match(const char *glob, bool recursive, const char *path);

/* "paper.json:9:7 network.egress[0]" for a rule id, or "paper.json:4:5
 * network.default" for a default; "unrestricted" when the class is absent. */
void policy_rule_describe(const struct policy *p, uint32_t rule_id, char *buf, size_t len);

/* The policy in normalized, human-readable form, or as one JSON object. */
void policy_print_text(const struct policy *p, FILE *out);
void policy_print_json(const struct policy *p, FILE *out);

/* `sabpf policy check [--json] FILE` (argv[0] is "check"): 0 valid, 1
 * invalid, 2 bad usage. */
int cmd_policy_check(int argc, char **argv);

#endif
