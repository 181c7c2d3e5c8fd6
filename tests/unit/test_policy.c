/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_policy.c: unit tests of policy_parse.c, policy_decide.c and policy_print.c, the
 * access-control policy language: the paper's policy in JSON and YAML, every key reflected in the
 * in-memory form, each error class with its exact file:line:column, glob
 * matching of paths, port ranges and CIDRs (IPv4 and IPv6), the reference
 * decisions and the rule that decided them, and `sabpf policy check`. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "policy.h"

static struct policy *parse_ok(const char *text, const char *source)
{
	char err[1024] = "";
	struct policy *p = NULL;
	int rc = policy_parse(text, strlen(text), source, &p, err, sizeof(err));
	if (rc != 0)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(rc, 0);
	assert_non_null(p);
	return p;
}

/* Parses text that must fail; returns the message (static buffer). */
static const char *parse_error(const char *text, size_t len)
{
	static char err[1024];
	struct policy *p = (struct policy *)0x1;
	err[0] = '\0';
	assert_int_equal(policy_parse(text, len, "t.yaml", &p, err, sizeof(err)), -1);
	assert_ptr_equal(p, (struct policy *)0x1); /* untouched: nothing to attach */
	return err;
}

static void addr4(const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(AF_INET, text, out), 1);
}

static void addr6(const char *text, uint8_t out[16])
{
	assert_int_equal(inet_pton(AF_INET6, text, out), 1);
}

/* ---- the paper's policy ---------------------------------------------------- */

static void check_paper_policy(const struct policy *p)
{
	assert_int_equal(p->mode, POLICY_ENFORCE);
	assert_string_equal(p->cgroup, "/sys/fs/cgroup/foo");
	assert_string_equal(p->executable, "/usr/bin/foo");

	assert_true(p->net.present);
	assert_int_equal(p->net.def, POLICY_DENY);
	assert_int_equal(p->net.negress, 2);
	assert_int_equal(p->net.egress[0].port_lo, 80);
	assert_int_equal(p->net.egress[0].port_hi, 80);
	assert_int_equal(p->net.egress[0].family, 0); /* any address */
	assert_int_equal(p->net.egress[1].port_lo, 443);
	assert_int_equal(p->net.egress[1].port_hi, 443);
	assert_int_equal(p->net.egress[1].family, 0);
	assert_int_equal(p->net.nbind, 0);
	assert_false(p->net.families_listed);

	assert_true(p->files.present);
	assert_int_equal(p->files.def_access, POLICY_FILE_READ);
	assert_int_equal(p->files.nrules, 3);
	assert_string_equal(p->files.rules[0].glob, "/tmp/*");
	assert_int_equal(p->files.rules[0].access, POLICY_FILE_READ | POLICY_FILE_WRITE);
	assert_int_equal(p->files.rules[0].literal_len, 5);
	assert_false(p->files.rules[0].recursive);
	assert_string_equal(p->files.rules[1].glob, "/lib/ld-*.so*");
	assert_int_equal(p->files.rules[1].access, POLICY_FILE_READ | POLICY_FILE_MAP_EXEC);
	assert_int_equal(p->files.rules[1].literal_len, 8);
	assert_string_equal(p->files.rules[2].glob, "/lib/lib*.so*");
	assert_int_equal(p->files.rules[2].access, POLICY_FILE_READ | POLICY_FILE_MAP_EXEC);

	assert_false(p->exec.present);
}

static void test_paper_json(void **state)
{
	(void)state;
	char err[1024] = "";
	struct policy *p = NULL;
	int rc = policy_load_file("examples/policies/paper.json", &p, err, sizeof(err));
	if (rc)
		print_error("%s\n", err);
	assert_int_equal(rc, 0);
	check_paper_policy(p);
	/* where each rule is in the file */
	assert_int_equal(p->net.def_origin.line, 9);
	assert_int_equal(p->net.def_origin.column, 16);
	assert_int_equal(p->net.egress[1].origin.line, 10);
	assert_int_equal(p->net.egress[1].origin.column, 20);
	assert_int_equal(p->files.rules[2].origin.line, 15);
	assert_int_equal(p->files.rules[2].origin.column, 35);
	policy_free(p);
}

static void test_paper_yaml(void **state)
{
	(void)state;
	char err[1024] = "";
	struct policy *p = NULL;
	int rc = policy_load_file("examples/policies/paper.yaml", &p, err, sizeof(err));
	if (rc)
		print_error("%s\n", err);
	assert_int_equal(rc, 0);
	check_paper_policy(p);
	assert_int_equal(p->files.rules[1].origin.line, 16);
	assert_int_equal(p->files.rules[1].origin.column, 7);
	policy_free(p);
}

/* File and exec decisions fail closed: a path that could not be resolved
 * (NULL) or that does not fit the kernel's buffer is denied as unresolved,
 * even where a "**" rule would match it; a default that grants the access
 * needs no path. Negative control: the same rules allow a path that fits. */
static void test_unresolved_paths_fail_closed(void **state)
{
	(void)state;
	char err[1024];
	struct policy *p = NULL;
	const char *text = "{\"target\": {\"cgroup\": \"/c\"},\n"
			   " \"files\": {\"default\": \"r\", \"rw\": [\"/deep/**\"]},\n"
			   " \"exec\": {\"default\": \"deny\", \"allow\": [\"/deep/*\"]}}\n";
	assert_int_equal(policy_parse(text, strlen(text), "deep.json", &p, err, sizeof(err)), 0);
	static char path[POLICY_RESOLVED_MAX + 16];
	memset(path, 'a', sizeof(path) - 1);
	memcpy(path, "/deep/", 6);
	path[POLICY_RESOLVED_MAX - 1] = '\0'; /* 4095 bytes: fits with its NUL */
	struct policy_verdict v = policy_decide_file(p, path, POLICY_FILE_WRITE);
	assert_true(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_FILE, 0));
	assert_true(policy_decide_exec(p, path).allow);
	path[POLICY_RESOLVED_MAX - 1] = 'a'; /* one byte more: cut in the kernel */
	path[POLICY_RESOLVED_MAX] = '\0';
	v = policy_decide_file(p, path, POLICY_FILE_WRITE);
	assert_false(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_FILE, POLICY_UNRESOLVED_INDEX));
	v = policy_decide_exec(p, path);
	assert_false(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_EXEC, POLICY_UNRESOLVED_INDEX));
	v = policy_decide_file(p, NULL, POLICY_FILE_WRITE);
	assert_false(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_FILE, POLICY_UNRESOLVED_INDEX));
	/* the default grants reading: no path needed */
	assert_true(policy_decide_file(p, NULL, POLICY_FILE_READ).allow);
	char describe[256];
	policy_rule_describe(p, v.rule_id, describe, sizeof(describe));
	assert_string_equal(describe,
			    "files.unresolved (the path could not be resolved whole: denied)");
	policy_free(p);
}

/* The paper's policy decides as the paper says. */
static void test_paper_decisions(void **state)
{
	(void)state;
	char err[1024];
	struct policy *p = NULL;
	assert_int_equal(policy_load_file("examples/policies/paper.json", &p, err, sizeof(err)), 0);
	uint8_t a[16];
	addr4("93.184.216.34", a);
	struct policy_verdict v = policy_decide_connect(p, AF_INET, a, 443);
	assert_true(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_EGRESS, 1));
	v = policy_decide_connect(p, AF_INET, a, 22);
	assert_false(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_EGRESS, POLICY_DEFAULT_INDEX));
	addr6("2001:db8::1", a);
	assert_true(policy_decide_connect(p, AF_INET6, a, 80).allow);
	assert_false(policy_decide_connect(p, AF_INET6, a, 8080).allow);
	/* no bind rules and default deny: no listening socket */
	assert_false(policy_decide_bind(p, AF_INET6, a, 80).allow);
	/* families are not listed: any may be created */
	assert_true(policy_decide_socket(p, AF_PACKET).allow);

	v = policy_decide_file(p, "/etc/passwd", POLICY_FILE_READ);
	assert_true(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_FILE, POLICY_DEFAULT_INDEX));
	v = policy_decide_file(p, "/etc/passwd", POLICY_FILE_READ | POLICY_FILE_WRITE);
	assert_false(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_FILE, POLICY_DEFAULT_INDEX));
	v = policy_decide_file(p, "/tmp/x", POLICY_FILE_WRITE);
	assert_true(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_FILE, 0));
	assert_false(policy_decide_file(p, "/tmp/a/b", POLICY_FILE_WRITE).allow);
	v = policy_decide_file(p, "/lib/libc.so.6", POLICY_FILE_MAP_EXEC);
	assert_true(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_FILE, 2));
	v = policy_decide_file(p, "/lib/ld-linux-x86-64.so.2", POLICY_FILE_MAP_EXEC);
	assert_true(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_FILE, 1));
	assert_false(policy_decide_file(p, "/lib/libc.so.6", POLICY_FILE_WRITE).allow);
	assert_false(policy_decide_file(p, "/usr/bin/ls", POLICY_FILE_EXEC).allow);
	assert_false(policy_decide_file(p, "/tmp/evil.so", POLICY_FILE_MAP_EXEC).allow);
	/* no exec section: any binary */
	assert_true(policy_decide_exec(p, "/usr/bin/ls").allow);

	char text[256];
	policy_rule_describe(p, POLICY_RULE_ID(POLICY_CLASS_EGRESS, 0), text, sizeof(text));
	assert_string_equal(text, "examples/policies/paper.json:10:16 network.egress[0]");
	policy_rule_describe(p, POLICY_RULE_ID(POLICY_CLASS_EGRESS, POLICY_DEFAULT_INDEX), text,
			     sizeof(text));
	assert_string_equal(text, "examples/policies/paper.json:9:16 network.default");
	policy_rule_describe(p, POLICY_RULE_ID(POLICY_CLASS_FILE, 2), text, sizeof(text));
	assert_string_equal(text, "examples/policies/paper.json:15:35 files[2]");
	policy_rule_describe(p, POLICY_RULE_ID(POLICY_CLASS_EXEC, POLICY_DEFAULT_INDEX), text,
			     sizeof(text));
	assert_string_equal(text, "exec unrestricted (no such section in "
				  "examples/policies/paper.json)");
	policy_rule_describe(p, POLICY_RULE_ID(POLICY_CLASS_FILE, 3), text, sizeof(text));
	assert_string_equal(text, "unknown rule 0x00040003");
	policy_free(p);
}

/* ---- every key --------------------------------------------------------------- */

static const char every_key[] = "version: 1\n"
				"mode: monitor\n"
				"target: {cgroup: web, executable: /usr/sbin/web}\n"
				"network:\n"
				"  default: allow\n"
				"  egress:\n"
				"    - 53\n"
				"    - 8000-8100\n"
				"    - ports: [5432, \"6000-6001\"]\n"
				"      addresses: [10.1.2.0/23, \"2001:db8::/32\"]\n"
				"    - addresses: [192.0.2.7]\n"
				"  bind: [{ports: [8443], addresses: [\"::1\"]}]\n"
				"  families: [unix, inet, inet6, netlink]\n"
				"files:\n"
				"  default: none\n"
				"  map_exec: [/lib/**]\n"
				"  r: [/etc/*]\n"
				"  rw: ['/var/log/[a-z]*.log']\n"
				"  exec: [/usr/sbin/web]\n"
				"exec:\n"
				"  default: allow\n"
				"  allow: [/usr/sbin/web, /bin/?ash]\n";

static void test_every_key(void **state)
{
	(void)state;
	struct policy *p = parse_ok(every_key, "k.yaml");
	assert_int_equal(p->mode, POLICY_MONITOR);
	assert_int_equal(p->mode_origin.line, 2);
	assert_string_equal(p->cgroup, "web");
	assert_string_equal(p->executable, "/usr/sbin/web");
	assert_int_equal(p->net.def, POLICY_ALLOW);

	/* 53; 8000-8100; 2 ports x 2 addresses; one address, all ports */
	assert_int_equal(p->net.negress, 7);
	assert_int_equal(p->net.egress[0].port_lo, 53);
	assert_int_equal(p->net.egress[1].port_lo, 8000);
	assert_int_equal(p->net.egress[1].port_hi, 8100);
	const struct policy_net_rule *r = &p->net.egress[2];
	assert_int_equal(r->port_lo, 5432);
	assert_int_equal(r->family, AF_INET);
	assert_int_equal(r->prefix_len, 23);
	assert_memory_equal(r->addr, "\x0a\x01\x02\x00", 4);
	assert_int_equal(r->source_rule, 2);
	assert_int_equal(r->origin.line, 9);
	assert_int_equal(r->origin.column, 7);
	assert_int_equal(p->net.egress[3].family, AF_INET6);
	assert_int_equal(p->net.egress[3].prefix_len, 32);
	assert_int_equal(p->net.egress[4].port_lo, 6000);
	assert_int_equal(p->net.egress[4].port_hi, 6001);
	assert_int_equal(p->net.egress[4].family, AF_INET);
	assert_int_equal(p->net.egress[5].family, AF_INET6);
	assert_int_equal(p->net.egress[6].port_lo, 0); /* all ports, 0 too */
	assert_int_equal(p->net.egress[6].port_hi, 65535);
	assert_int_equal(p->net.egress[6].prefix_len, 32);
	assert_int_equal(p->net.egress[6].source_rule, 3);

	assert_int_equal(p->net.nbind, 1);
	assert_int_equal(p->net.bind[0].port_lo, 8443);
	assert_int_equal(p->net.bind[0].family, AF_INET6);
	assert_int_equal(p->net.bind[0].prefix_len, 128);
	assert_int_equal(p->net.bind[0].addr[15], 1);

	assert_true(p->net.families_listed);
	assert_int_equal(p->net.nfamilies, 4);
	assert_int_equal(p->net.families[0].family, AF_UNIX);
	assert_int_equal(p->net.families[3].family, AF_NETLINK);
	assert_int_equal(p->net.families[3].origin.line, 13);

	/* file rules are numbered in the order of the file */
	assert_int_equal(p->files.def_access, 0);
	assert_int_equal(p->files.nrules, 4);
	assert_string_equal(p->files.rules[0].glob, "/lib");
	assert_true(p->files.rules[0].recursive);
	assert_int_equal(p->files.rules[0].access, POLICY_FILE_READ | POLICY_FILE_MAP_EXEC);
	assert_string_equal(p->files.rules[1].glob, "/etc/*");
	assert_int_equal(p->files.rules[1].access, POLICY_FILE_READ);
	assert_string_equal(p->files.rules[2].glob, "/var/log/[a-z]*.log");
	assert_int_equal(p->files.rules[2].literal_len, 9);
	assert_int_equal(p->files.rules[2].access, POLICY_FILE_READ | POLICY_FILE_WRITE);
	assert_int_equal(p->files.rules[3].access,
			 POLICY_FILE_READ | POLICY_FILE_EXEC | POLICY_FILE_MAP_EXEC);

	assert_true(p->exec.present);
	assert_int_equal(p->exec.def, POLICY_ALLOW);
	assert_int_equal(p->exec.nrules, 2);
	assert_string_equal(p->exec.rules[1].glob, "/bin/?ash");
	assert_int_equal(p->exec.rules[1].origin.line, 22);
	assert_int_equal(p->exec.rules[1].origin.column, 26);
	policy_free(p);
}

/* Defaults when optional keys are left out; an exec section denies by
 * default. */
static void test_defaults(void **state)
{
	(void)state;
	struct policy *p = parse_ok("{\"target\": {\"cgroup\": \"a\"}, \"exec\": {}}", "d.json");
	assert_int_equal(p->mode, POLICY_ENFORCE);
	assert_string_equal(p->executable, "");
	assert_false(p->net.present);
	assert_false(p->files.present);
	assert_true(p->exec.present);
	assert_int_equal(p->exec.def, POLICY_DENY);
	assert_false(policy_decide_exec(p, "/bin/sh").allow);
	uint8_t a[16];
	addr4("192.0.2.1", a);
	assert_true(policy_decide_connect(p, AF_INET, a, 22).allow);
	assert_true(policy_decide_file(p, "/etc/shadow", POLICY_FILE_ALL).allow);
	policy_free(p);
}

/* ---- errors: each class, its exact position ------------------------------------ */

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *expected; /* expected: exact prefix of the message */
	} cases[] = {
	    /* syntax: JSON and YAML */
	    {"{\"target\": {\"cgroup\": \"a\"}\n\"mode\": 1}",
	     "t.yaml:2:1: syntax error: did not find expected ',' or '}'"},
	    {"target:\n  cgroup: a\n mode: x\n", "t.yaml:3:2: syntax error:"},
	    {"target: [a\n", "t.yaml:2:1: syntax error: did not find expected ',' or ']'"},
	    {"", "t.yaml:1:1: the policy is empty"},
	    {"target: {cgroup: a}\n---\nmode: enforce\n",
	     "t.yaml:3:1: a second document; a policy file holds one"},
	    /* structure */
	    {"[1, 2]", "t.yaml:1:1: the policy must be a mapping ({...}), found a list"},
	    {"target: {cgroup: a}\nnetwrok: {default: deny}\n",
	     "t.yaml:2:1: unknown key 'netwrok' in the policy; expected one of: version, mode, "
	     "target, network, files, exec"},
	    {"target: {cgroup: a}\nfiles: {default: r, rx: [/a]}\n",
	     "t.yaml:2:21: unknown key 'rx' in \"files\""},
	    {"target: {cgroup: a}\nmode: enforce\nmode: monitor\n",
	     "t.yaml:3:1: duplicate key 'mode' in the policy (first at line 2)"},
	    {"target: {cgroup: a}\nnetwork: {egress: [80]}\n",
	     "t.yaml:2:10: \"network\" needs a \"default\": \"allow\" or \"deny\""},
	    {"target: {cgroup: a}\nfiles: {rw: [/tmp/*]}\n",
	     "t.yaml:2:8: \"files\" needs a \"default\""},
	    {"target: {cgroup: a}\nnetwork:\n", "t.yaml:2:9: \"network\" must be a mapping"},
	    {"target: {cgroup: a}\nfiles: {default: r, rw: /tmp/*}\n",
	     "t.yaml:2:25: files.rw must be a list ([...]), found a scalar"},
	    {"target: {cgroup: a}\nmode: enforcing\n",
	     "t.yaml:2:7: mode: 'enforcing' is not one of: enforce, monitor"},
	    {"target: {cgroup: a}\nfiles: {default: ro}\n",
	     "t.yaml:2:18: files.default: 'ro' is not one of: none, r, rw"},
	    {"version: 2\ntarget: {cgroup: a}\n", "t.yaml:1:10: version: '2' is not one of: 1"},
	    /* empty selector */
	    {"mode: enforce\n", "t.yaml:1:1: empty selector: the policy has no \"target\""},
	    {"target: {executable: /bin/x}\n",
	     "t.yaml:1:9: empty selector: \"target\" has no \"cgroup\""},
	    {"target:\n  cgroup: \"\"\n", "t.yaml:2:11: empty selector: target.cgroup is empty"},
	    {"target:\n  cgroup:\n", "t.yaml:2:10: empty selector: "
				     "target.cgroup is empty"},
	    {"target: {cgroup: a, executable: bin/x}\n",
	     "t.yaml:1:33: target.executable 'bin/x' must be an absolute path"},
	    /* bad globs */
	    {"target: {cgroup: a}\nfiles: {default: r, rw: [tmp/*]}\n",
	     "t.yaml:2:26: bad glob 'tmp/*' in files.rw: paths must be absolute"},
	    {"target: {cgroup: a}\nfiles: {default: r, r: [\"/a/[bc\"]}\n",
	     "t.yaml:2:25: bad glob '/a/[bc': '[' at offset 3 is never closed"},
	    {"target: {cgroup: a}\nfiles: {default: r, r: [/a/**/b]}\n",
	     "t.yaml:2:25: bad glob '/a/**/b': '**' is only allowed as a final"},
	    {"target: {cgroup: a}\nfiles: {default: r, r: [/a//b]}\n",
	     "t.yaml:2:25: bad glob '/a//b': empty path component"},
	    {"target: {cgroup: a}\nfiles: {default: r, r: [/a/../b]}\n",
	     "t.yaml:2:25: bad glob '/a/../b': '.' and '..' components"},
	    {"target: {cgroup: a}\nfiles: {default: r, r: [\"/a\\\\\"]}\n",
	     "t.yaml:2:25: bad glob '/a\\': it ends with a lone '\\'"},
	    {"target: {cgroup: a}\nfiles: {default: r, r: [/tmp/]}\n",
	     "t.yaml:2:25: bad glob '/tmp/': trailing '/'; write \"/tmp/*\" or \"/tmp/**\""},
	    {"target: {cgroup: a}\nfiles: {default: r, r: [\"/[a/b]\"]}\n",
	     "t.yaml:2:25: bad glob '/[a/b]': a '/' inside [...] never matches"},
	    {"target: {cgroup: a}\nfiles: {default: r, r: [\"\"]}\n",
	     "t.yaml:2:25: bad glob in files.r: it is empty"},
	    {"target: {cgroup: a}\nexec: {allow: [/usr/**]}\n",
	     "t.yaml:2:16: bad glob in exec.allow"},
	    /* ports */
	    {"target: {cgroup: a}\nnetwork: {default: deny, egress: [65536]}\n",
	     "t.yaml:2:35: port out of range: '65536'; ports are 1 to 65535"},
	    {"target: {cgroup: a}\nnetwork: {default: deny, egress: [0]}\n",
	     "t.yaml:2:35: port out of range: '0'"},
	    {"target: {cgroup: a}\nnetwork: {default: deny, bind: [\"80-70000\"]}\n",
	     "t.yaml:2:33: port out of range: '80-70000'"},
	    {"target: {cgroup: a}\nnetwork: {default: deny, bind: [90-80]}\n",
	     "t.yaml:2:33: port range '90-80' is reversed; write 80-90"},
	    {"target: {cgroup: a}\nnetwork: {default: deny, bind: [http]}\n",
	     "t.yaml:2:33: 'http' is not a port"},
	    {"target: {cgroup: a}\nnetwork: {default: deny, egress: [-1]}\n",
	     "t.yaml:2:35: '-1' is not a port"},
	    {"target: {cgroup: a}\nnetwork: {default: deny, egress: [{}]}\n",
	     "t.yaml:2:35: empty rule in network.egress"},
	    {"target: {cgroup: a}\nnetwork: {default: deny, egress: [{ports: []}]}\n",
	     "t.yaml:2:43: empty \"ports\" list"},
	    {"target: {cgroup: a}\nnetwork: {default: deny, egress: [[80]]}\n",
	     "t.yaml:2:35: an item of network.egress must be a port"},
	    /* addresses */
	    {"target: {cgroup: a}\nnetwork: {default: deny, egress: [{addresses: [10.0.0.1/8]}]}\n",
	     "t.yaml:2:48: '10.0.0.1/8' has address bits set beyond the /8 prefix; write "
	     "10.0.0.0/8"},
	    {"target: {cgroup: a}\nnetwork: {default: deny, egress: [{addresses: "
	     "[10.0.0.0/33]}]}\n",
	     "t.yaml:2:48: '10.0.0.0/33': the prefix length must be 0 to 32"},
	    {"target: {cgroup: a}\nnetwork: {default: deny, egress: "
	     "[{addresses: [\"2001:db8::/129\"]}]}\n",
	     "t.yaml:2:48: '2001:db8::/129': the prefix length must be 0 to 128"},
	    {"target: {cgroup: a}\nnetwork: {default: deny, egress: [{addresses: [10.0.0]}]}\n",
	     "t.yaml:2:48: '10.0.0' is not an address range"},
	    {"target: {cgroup: a}\nnetwork: {default: deny, egress: [{addresses: [\"10.0.0.0/\"]}]}"
	     "\n",
	     "t.yaml:2:48: '10.0.0.0/': the prefix length must be 0 to 32"},
	    /* families */
	    {"target: {cgroup: a}\nnetwork: {default: deny, families: [inet, ipx]}\n",
	     "t.yaml:2:43: unknown socket family 'ipx'"},
	    {"target: {cgroup: a}\nnetwork: {default: deny, families: [inet, inet]}\n",
	     "t.yaml:2:43: socket family 'inet' is listed twice"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *err = parse_error(cases[i].text, strlen(cases[i].text));
		if (strncmp(err, cases[i].expected, strlen(cases[i].expected)) != 0)
			fail_msg("case %zu:\n  got      %s\n  expected %s", i, err,
				 cases[i].expected);
	}
}

/* Invalid UTF-8 and a NUL byte are located by line and column too. */
static void test_error_bytes(void **state)
{
	(void)state;
	static const char bad_utf8[] = "target: {cgroup: a}\nmode: \xff\n";
	const char *err = parse_error(bad_utf8, sizeof(bad_utf8) - 1);
	assert_non_null(strstr(err, "t.yaml:2:7: not valid text:"));
	static const char nul[] = "target: {cgroup: \"a\\0b\"}\n";
	err = parse_error(nul, sizeof(nul) - 1);
	assert_string_equal(err, "t.yaml:1:18: target.cgroup contains a NUL character");
}

/* Flattening ports times addresses is bounded. */
static void test_too_many_rules(void **state)
{
	(void)state;
	char text[8192] = "target: {cgroup: a}\nnetwork:\n  default: deny\n  egress:\n"
			  "  - ports: [";
	for (int i = 1; i <= 20; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%d", i > 1 ? "," : "",
			 i);
	strcat(text, "]\n    addresses: [");
	for (int i = 0; i < 13; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s10.0.%d.0/24",
			 i ? "," : "", i);
	strcat(text, "]\n");
	const char *err = parse_error(text, strlen(text));
	assert_string_equal(err, "t.yaml:5:5: too many rules in network.egress (at most 256, "
				 "counting each port range times each address); merge ranges");
}

/* ---- globs -------------------------------------------------------------------------- */

static void test_glob_matching(void **state)
{
	(void)state;
	/* a star in /tmp: one component below /tmp */
	assert_true(policy_glob_match("/tmp/*", false, "/tmp/x"));
	assert_true(policy_glob_match("/tmp/*", false, "/tmp/.hidden"));
	assert_false(policy_glob_match("/tmp/*", false, "/tmp/a/b"));
	assert_false(policy_glob_match("/tmp/*", false, "/tmp"));
	assert_false(policy_glob_match("/tmp/*", false, "/tmpx/y"));
	assert_false(policy_glob_match("/tmp/*", false, "/var/tmp/x"));
	/* the loader and libraries directly in /lib */
	assert_true(policy_glob_match("/lib/ld-*.so*", false, "/lib/ld-linux-x86-64.so.2"));
	assert_true(policy_glob_match("/lib/ld-*.so*", false, "/lib/ld-musl.so"));
	assert_false(policy_glob_match("/lib/ld-*.so*", false,
				       "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"));
	assert_false(policy_glob_match("/lib/ld-*.so*", false, "/lib/libc.so.6"));
	assert_true(policy_glob_match("/lib/lib*.so*", false, "/lib/libc.so.6"));
	assert_true(policy_glob_match("/lib/lib*.so*", false, "/lib/libpthread.so"));
	assert_false(policy_glob_match("/lib/lib*.so*", false, "/lib/libc.a"));
	assert_false(policy_glob_match("/lib/lib*.so*", false, "/lib/security/libx.so"));
	assert_false(policy_glob_match("/lib/lib*.so*", false, "/usr/lib/libc.so.6"));
	/* a final "**": everything below, at any depth, not the directory */
	assert_true(policy_glob_match("/tmp", true, "/tmp/a"));
	assert_true(policy_glob_match("/tmp", true, "/tmp/a/b/c"));
	assert_false(policy_glob_match("/tmp", true, "/tmp"));
	assert_false(policy_glob_match("/tmp", true, "/tmp/"));
	assert_false(policy_glob_match("/tmp", true, "/tmpx/a"));
	assert_true(policy_glob_match("/home/*", true, "/home/ann/.ssh/id"));
	assert_false(policy_glob_match("/home/*", true, "/home/ann"));
	assert_true(policy_glob_match("", true, "/anything/at/all"));
	/* brackets, '?' and escapes */
	assert_true(policy_glob_match("/bin/?ash", false, "/bin/bash"));
	assert_false(policy_glob_match("/bin/?ash", false, "/bin/ash"));
	assert_true(policy_glob_match("/v/[a-c]*", false, "/v/beta"));
	assert_false(policy_glob_match("/v/[!a-c]*", false, "/v/beta"));
	assert_true(policy_glob_match("/x/\\*", false, "/x/*"));
	assert_false(policy_glob_match("/x/\\*", false, "/x/y"));
}

/* ---- ports and CIDRs ------------------------------------------------------------------ */

static void test_ports_and_cidrs(void **state)
{
	(void)state;
	struct policy *p = parse_ok("target: {cgroup: a}\n"
				    "network:\n"
				    "  default: deny\n"
				    "  egress:\n"
				    "    - {ports: [1000-2000], addresses: [192.168.2.0/23]}\n"
				    "    - {addresses: [\"2001:db8:8000::/33\"]}\n"
				    "    - {ports: [\"65535\"], addresses: [0.0.0.0/0]}\n"
				    "  bind: [1-1023]\n",
				    "n.yaml");
	uint8_t a[16];
	addr4("192.168.3.255", a);
	struct policy_verdict v = policy_decide_connect(p, AF_INET, a, 1000);
	assert_true(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_EGRESS, 0));
	assert_true(policy_decide_connect(p, AF_INET, a, 2000).allow);
	assert_false(policy_decide_connect(p, AF_INET, a, 999).allow);
	assert_false(policy_decide_connect(p, AF_INET, a, 2001).allow);
	addr4("192.168.2.0", a);
	assert_true(policy_decide_connect(p, AF_INET, a, 1500).allow);
	addr4("192.168.4.0", a);
	assert_false(policy_decide_connect(p, AF_INET, a, 1500).allow);
	addr4("192.168.1.255", a);
	assert_false(policy_decide_connect(p, AF_INET, a, 1500).allow);
	/* /0 matches every IPv4 address, on its one port, and no IPv6 one */
	v = policy_decide_connect(p, AF_INET, a, 65535);
	assert_true(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_EGRESS, 2));
	addr6("2001:db8:ffff::1", a);
	v = policy_decide_connect(p, AF_INET6, a, 22);
	assert_true(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_EGRESS, 1));
	addr6("2001:db8:7fff::1", a);
	assert_false(policy_decide_connect(p, AF_INET6, a, 22).allow);
	assert_false(policy_decide_connect(p, AF_INET6, a, 65535).allow);
	addr6("2001:db9::", a);
	assert_false(policy_decide_connect(p, AF_INET6, a, 22).allow);
	/* an IPv4-mapped IPv6 address is the IPv4 address */
	addr6("::ffff:192.168.3.1", a);
	v = policy_decide_connect(p, AF_INET6, a, 1234);
	assert_true(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_EGRESS, 0));
	/* non-IP families are not egress's business */
	assert_true(policy_decide_connect(p, AF_UNIX, a, 0).allow);
	/* bind: privileged ports only, any address */
	addr6("::", a);
	v = policy_decide_bind(p, AF_INET6, a, 80);
	assert_true(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_BIND, 0));
	assert_false(policy_decide_bind(p, AF_INET6, a, 1024).allow);
	/* port 0 (the kernel chooses) is in no listed range */
	assert_false(policy_decide_bind(p, AF_INET6, a, 0).allow);
	policy_free(p);
	/* but in a rule that lists no ports */
	p = parse_ok("target: {cgroup: a}\n"
		     "network: {default: deny, bind: [{addresses: [127.0.0.0/8]}]}\n",
		     "b.yaml");
	addr4("127.0.0.1", a);
	assert_true(policy_decide_bind(p, AF_INET, a, 0).allow);
	assert_true(policy_decide_bind(p, AF_INET, a, 65535).allow);
	addr4("0.0.0.0", a);
	assert_false(policy_decide_bind(p, AF_INET, a, 0).allow);
	policy_free(p);
}

static void test_families(void **state)
{
	(void)state;
	struct policy *p = parse_ok("target: {cgroup: a}\n"
				    "network: {default: allow, families: [inet6, unix]}\n",
				    "f.yaml");
	struct policy_verdict v = policy_decide_socket(p, AF_UNIX);
	assert_true(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_FAMILY, 1));
	v = policy_decide_socket(p, AF_INET);
	assert_false(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_FAMILY, POLICY_DEFAULT_INDEX));
	char text[128];
	policy_rule_describe(p, v.rule_id, text, sizeof(text));
	assert_string_equal(text, "f.yaml:2:37 network.families (not listed)");
	policy_free(p);
}

/* File rights add up over the matching rules; the decider is the rule that
 * granted the last missing right. */
static void test_file_rights(void **state)
{
	(void)state;
	struct policy *p = parse_ok("target: {cgroup: a}\n"
				    "files:\n"
				    "  default: none\n"
				    "  r: [/opt/**]\n"
				    "  exec: [/opt/app/bin/*]\n"
				    "  rw: [/opt/app/data/**]\n",
				    "r.yaml");
	assert_false(policy_decide_file(p, "/etc/passwd", POLICY_FILE_READ).allow);
	struct policy_verdict v = policy_decide_file(p, "/opt/app/bin/run", POLICY_FILE_READ);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_FILE, 0));
	v = policy_decide_file(p, "/opt/app/bin/run", POLICY_FILE_READ | POLICY_FILE_EXEC);
	assert_true(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_FILE, 1));
	assert_false(policy_decide_file(p, "/opt/app/bin/run", POLICY_FILE_WRITE).allow);
	/* executing maps the binary as code: an exec rule grants map_exec too */
	assert_true(policy_decide_file(p, "/opt/app/bin/run", POLICY_FILE_MAP_EXEC).allow);
	assert_false(policy_decide_file(p, "/opt/app/lib.so", POLICY_FILE_MAP_EXEC).allow);
	v = policy_decide_file(p, "/opt/app/data/db/x", POLICY_FILE_READ | POLICY_FILE_WRITE);
	assert_true(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_FILE, 2));
	policy_free(p);
}

static void test_exec_allow_list(void **state)
{
	(void)state;
	char err[1024];
	struct policy *p = NULL;
	assert_int_equal(
	    policy_load_file("examples/policies/offline-batch.json", &p, err, sizeof(err)), 0);
	struct policy_verdict v = policy_decide_exec(p, "/usr/bin/python3.11");
	assert_true(v.allow);
	assert_int_equal(v.rule_id, POLICY_RULE_ID(POLICY_CLASS_EXEC, 0));
	assert_true(policy_decide_exec(p, "/bin/sh").allow);
	assert_false(policy_decide_exec(p, "/bin/bash").allow);
	assert_false(policy_decide_exec(p, "/usr/bin/python3/../../../bin/bash").allow);
	assert_false(policy_decide_socket(p, AF_INET).allow);
	assert_true(policy_decide_socket(p, AF_UNIX).allow);
	policy_free(p);
}

/* ---- sabpf policy check -------------------------------------------------------------- */

/* Runs cmd_policy_check with stdout and stderr sent to files; returns its
 * status and the text of both. */
static int run_check(const char *a1, const char *a2, char *out, char *errtext, size_t len)
{
	char *argv[] = {"check", (char *)a1, (char *)a2, NULL};
	int argc = a2 ? 3 : (a1 ? 2 : 1);
	char outp[] = "/tmp/test_policy_outXXXXXX", errp[] = "/tmp/test_policy_errXXXXXX";
	int ofd = mkstemp(outp), efd = mkstemp(errp);
	assert_true(ofd >= 0 && efd >= 0);
	fflush(stdout);
	fflush(stderr);
	int saved_out = dup(1), saved_err = dup(2);
	dup2(ofd, 1);
	dup2(efd, 2);
	int rc = cmd_policy_check(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	ssize_t n = pread(ofd, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	n = pread(efd, errtext, len - 1, 0);
	errtext[n > 0 ? n : 0] = '\0';
	close(ofd);
	close(efd);
	unlink(outp);
	unlink(errp);
	return rc;
}

static void test_check_command(void **state)
{
	(void)state;
	static char out[16384], err[4096];
	assert_int_equal(run_check("examples/policies/paper.yaml", NULL, out, err, sizeof(err)), 0);
	assert_non_null(strstr(out, "network: default deny\n"));
	assert_non_null(strstr(out, "files[2] id 0x00040002  map_exec /lib/lib*.so*"));
	assert_int_equal(run_check("--json", "examples/policies/paper.json", out, err, sizeof(out)),
			 0);
	assert_non_null(strstr(out, "\"egress\":[{\"id\":65536,\"line\":10,\"column\":16,"
				    "\"port_lo\":80,\"port_hi\":80,\"address\":\"any\""));
	/* python's json module judges the --json output of the richest example */
	assert_int_equal(
	    run_check("--json", "examples/policies/web-server.yaml", out, err, sizeof(out)), 0);
	char json_path[] = "/tmp/test_policy_jsonXXXXXX";
	int jfd = mkstemp(json_path);
	assert_true(jfd >= 0);
	assert_int_equal(write(jfd, out, strlen(out)), (ssize_t)strlen(out));
	close(jfd);
	char cmd[1024];
	snprintf(
	    cmd, sizeof(cmd),
	    "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
	    "n=d[\"network\"]; "
	    "assert d[\"mode\"]==\"monitor\", d; "
	    "assert [r[\"address\"] for r in n[\"bind\"]]==[\"any\",\"127.0.0.1/32\",\"::1/128\"]; "
	    "assert [(r[\"port_lo\"],r[\"port_hi\"]) for r in n[\"egress\"]]=="
	    "[(5432,5432),(53,53),(443,443),(8000,8100)]; "
	    "assert [f[\"family\"] for f in n[\"families\"]]==[\"unix\",\"inet\",\"inet6\"]; "
	    "assert [(r[\"mode\"],r[\"glob\"],r[\"recursive\"]) for r in "
	    "d[\"files\"][\"rules\"]][3]=="
	    "(\"rw\",\"/var/log/web/*.log\",False); "
	    "assert d[\"exec\"][\"allow\"][1][\"id\"]==0x50001' %s",
	    json_path);
	assert_int_equal(system(cmd), 0);
	unlink(json_path);

	char bad[] = "/tmp/test_policy_badXXXXXX";
	int fd = mkstemp(bad);
	assert_true(fd >= 0);
	static const char text[] = "target: {cgroup: a}\nnetwork: {default: deny, egress: [0]}\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	assert_int_equal(run_check(bad, NULL, out, err, sizeof(err)), 1);
	char expected[256];
	snprintf(expected, sizeof(expected),
		 "sabpf policy check: %s:2:35: port out of range: '0'; ports are 1 to 65535\n",
		 bad);
	assert_string_equal(err, expected);
	assert_string_equal(out, "");
	unlink(bad);
	assert_int_equal(run_check("/nonexistent/p.json", NULL, out, err, sizeof(err)), 1);
	assert_string_equal(err, "sabpf policy check: /nonexistent/p.json: cannot open: No such "
				 "file or directory\n");
	assert_int_equal(run_check(NULL, NULL, out, err, sizeof(err)), 2);
	assert_int_equal(run_check("--yaml", "x", out, err, sizeof(err)), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_paper_json),
	    cmocka_unit_test(test_paper_yaml),
	    cmocka_unit_test(test_paper_decisions),
	    cmocka_unit_test(test_unresolved_paths_fail_closed),
	    cmocka_unit_test(test_every_key),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_error_bytes),
	    cmocka_unit_test(test_too_many_rules),
	    cmocka_unit_test(test_glob_matching),
	    cmocka_unit_test(test_ports_and_cidrs),
	    cmocka_unit_test(test_families),
	    cmocka_unit_test(test_file_rights),
	    cmocka_unit_test(test_exec_allow_list),
	    cmocka_unit_test(test_check_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
