/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_select.c: unit tests of select.c: the selectors of `sabpf audit
 * --select/--runtime/--all` parsed (with specific errors for bad ones) and
 * matched against identities: terms of one selector all match, any selector
 * may (labels included); sabpf run's containers, unknown ones and pod sandboxes never match. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "select.h"

#define ID "3f9c5a1b2d4e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"

static struct sabpf_identity docker_web(void)
{
	struct sabpf_identity id;
	memset(&id, 0, sizeof(id));
	id.runtime = SABPF_RT_DOCKER;
	strcpy(id.id, ID);
	strcpy(id.name, "web");
	strcpy(id.image, "busybox:1.36");
	return id;
}

static struct sabpf_identity pod_container(void)
{
	struct sabpf_identity id;
	memset(&id, 0, sizeof(id));
	id.runtime = SABPF_RT_CONTAINERD;
	strcpy(id.id, ID);
	strcpy(id.name, "api");
	strcpy(id.pod_name, "api-7d4b9c");
	strcpy(id.pod_namespace, "payments");
	return id;
}

static bool matches(const char *text, const struct sabpf_identity *id)
{
	struct selection *s = NULL;
	char err[512];
	if (selection_add(&s, text, err, sizeof(err)))
		fail_msg("%s: %s", text, err);
	bool m = selection_matches(s, id);
	selection_free(s);
	return m;
}

static void test_match(void **state)
{
	(void)state;
	struct sabpf_identity web = docker_web(), api = pod_container();
	assert_true(matches("docker.name=web", &web));
	assert_false(matches("docker.name=db", &web));	/* negative control */
	assert_false(matches("podman.name=web", &web)); /* another runtime */
	assert_true(matches("runtime=docker,image=busybox:1.36", &web));
	assert_false(matches("runtime=docker,image=busybox:1.35", &web));
	assert_true(matches("id=3f9c5a1b2d4e", &web));
	assert_false(matches("id=3f9c5a1b2d4f", &web));
	assert_true(matches("", &web)); /* --all */
	assert_true(matches("k8s.namespace=payments,k8s.pod=api-7d4b9c", &api));
	assert_true(matches("k8s.namespace=payments,k8s.container=api", &api));
	assert_false(matches("k8s.namespace=default", &api));
	assert_false(matches("k8s.namespace=payments", &web));
	assert_true(identity_add_label(&web, "app", 3, "front", 5));
	assert_true(matches("label.app=front", &web));
	assert_true(matches("k8s.label.app=front,docker.name=web", &web));
	assert_false(matches("label.app=back", &web));
	assert_false(matches("label.tier=front", &web));

	/* alternatives: any may match */
	struct selection *s = NULL;
	char err[512];
	assert_int_equal(selection_add(&s, "docker.name=db", err, sizeof(err)), 0);
	assert_false(selection_matches(s, &web));
	assert_int_equal(selection_add(&s, "runtime=containerd", err, sizeof(err)), 0);
	assert_true(selection_matches(s, &api));
	assert_false(selection_matches(s, &web));
	assert_int_equal(selection_add(&s, "image=busybox:1.36", err, sizeof(err)), 0);
	assert_true(selection_matches(s, &web));

	/* never: sabpf run's own, unknown, a pod's sandbox */
	struct sabpf_identity own = web;
	own.runtime = SABPF_RT_SABPF;
	assert_false(selection_matches(s, &own));
	own.runtime = SABPF_RT_UNKNOWN;
	assert_false(selection_matches(s, &own));
	struct sabpf_identity sandbox = api;
	sandbox.sandbox = true;
	assert_false(selection_matches(s, &sandbox));
	selection_free(s);
}

static void bad(const char *text, const char *want)
{
	struct selection *s = NULL;
	char err[512] = "";
	assert_int_equal(selection_add(&s, text, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("'%s': error '%s' does not say '%s'", text, err, want);
	selection_free(s);
}

static void test_errors(void **state)
{
	(void)state;
	bad("colour=red", "unknown key 'colour' in 'colour=red' (keys: runtime, id,");
	bad("web", "'web' in 'web' is not key=value");
	bad("runtime=rkt", "unknown runtime (docker, containerd, cri-o, podman)");
	bad("rkt.name=web", "unknown key 'rkt.name'");
	bad("id=3f9c", "a prefix of at least 12 digits");
	bad("name=", "a value must be 1 to 255 characters");
	bad("name=web,", "ends with a comma");
	bad("a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9", "unknown key 'a'");
	bad("name=1,name=2,name=3,name=4,name=5,name=6,name=7,name=8,name=9", "at most 8 terms");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_match),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
