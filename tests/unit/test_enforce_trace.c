/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_enforce_trace.c: unit tests of what the trace backend can enforce
 * (enforce_trace_refusal in src/enforce.c): a network-only policy passes; a
 * files, exec or network.families rule is refused with its
 * file:line:column, "needs the BPF LSM backend (lsm); this host runs trace:"
 * and the reason (the doctor's, without its remedy), naming the other
 * sections too; and the name of the trace backend's own denial rule,
 * network.unhooked, in records and in policy_rule_describe. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "denial.h"
#include "enforce.h"
#include "policy.h"
#include "sabpf_policy.h"

static struct policy *parse_ok(const char *text)
{
	char err[1024] = "";
	struct policy *p = NULL;
	int rc = policy_parse(text, strlen(text), "t.yaml", &p, err, sizeof(err));
	if (rc != 0)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(rc, 0);
	return p;
}

/* The refusal of text's policy with reason why ("" when accepted). */
static const char *refusal(const char *text, const char *why)
{
	static char err[1024];
	struct policy *p = parse_ok(text);
	err[0] = '\0';
	int rc = enforce_trace_refusal(p, why, err, sizeof(err));
	policy_free(p);
	assert_int_equal(rc, err[0] ? -1 : 0);
	return err;
}

#define TARGET "version: 1\ntarget: {cgroup: /c}\n"

static void test_network_only_passes(void **state)
{
	(void)state;
	assert_string_equal(refusal(TARGET "network:\n  default: deny\n  egress: [443]\n"
					   "  bind: [{ports: [8080], addresses: [\"::1\"]}]\n",
				    "r"),
			    "");
	assert_string_equal(refusal(TARGET "mode: monitor\nnetwork: {default: allow}\n", "r"), "");
}

static void test_lsm_only_sections_refused(void **state)
{
	(void)state;
	const char *e = refusal(TARGET "network: {default: deny}\nfiles:\n  default: r\n",
				"lsm/ program load: EPERM; remedy: use the VM");
	assert_string_equal(e, "t.yaml:5:12: files needs the BPF LSM backend (lsm); this host runs "
			       "trace: lsm/ program load: EPERM; the trace backend enforces only "
			       "network egress and bind rules (docs/backends.md)");
	e = refusal(TARGET "exec:\n  allow: [/bin/sh]\n", NULL);
	assert_string_equal(e, "t.yaml:4:3: exec needs the BPF LSM backend (lsm); this host runs "
			       "trace: --backend trace; the trace backend enforces only network "
			       "egress and bind rules (docs/backends.md)");
	e = refusal(TARGET "network:\n  default: deny\n  families: [inet]\nfiles: {default: r}\n"
			   "exec: {allow: [/bin/sh]}\n",
		    "why");
	assert_non_null(strstr(e, "t.yaml:5:13: network.families (sockets of every family but "
				  "inet and inet6 pass no cgroup-bpf hook) needs the BPF LSM "
				  "backend (lsm); this host runs trace: why (so do: files at 6:18, "
				  "exec at 7:7);"));
}

static void test_unhooked_rule_name(void **state)
{
	(void)state;
	char buf[160];
	denial_rule_name(POL_CLASS_EGRESS << 16 | POL_UNHOOKED_INDEX, buf, sizeof(buf));
	assert_string_equal(buf, "network.unhooked");
	denial_rule_name(POL_CLASS_EGRESS << 16 | POL_DEFAULT_INDEX, buf, sizeof(buf));
	assert_string_equal(buf,
			    "network.default"); /* negative control: other indexes keep theirs */
	struct policy *p = parse_ok(TARGET "network: {default: deny}\n");
	policy_rule_describe(p, POLICY_RULE_ID(POLICY_CLASS_EGRESS, POLICY_UNHOOKED_INDEX), buf,
			     sizeof(buf));
	assert_true(strncmp(buf, "network.unhooked (", 18) == 0);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_network_only_passes),
	    cmocka_unit_test(test_lsm_only_sections_refused),
	    cmocka_unit_test(test_unhooked_rule_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
