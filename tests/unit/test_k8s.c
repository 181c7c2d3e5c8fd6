/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_k8s.c: unit tests of k8s.c on cgroup trees laid out as the kubelet's
 * two drivers make them (cgroupfs: kubepods/burstable/pod<UID>; systemd:
 * kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<UID with
 * _>.slice; a guaranteed pod directly under kubepods): each pod is found by
 * its UID, k8s-pods finds the kubepods cgroup, and the refusals name the
 * problem: a malformed UID, a UID with no pod (a neighbour's UID differing
 * in one digit must not match), no kubepods cgroup, and a selector typo. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "k8s.h"
#include "testdir.h"

#define UID_A "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define UID_B "11111111-2222-3333-4444-555555555555"
#define UID_C "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"

static void mkdirs(const char *rel)
{
	char path[512], *p;
	snprintf(path, sizeof(path), "%s", in_dir(rel));
	for (p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		mkdir(path, 0755);
		*p = '/';
	}
	assert_int_equal(mkdir(path, 0755), 0);
}

static int setup(void **state)
{
	(void)state;
	return testdir_make("k8s");
}

static int teardown(void **state)
{
	(void)state;
	return testdir_remove();
}

static void expect_found(const char *root, const char *sel, const char *rel)
{
	char out[512], err[512] = "", want[512];
	assert_int_equal(k8s_resolve(root, sel, out, sizeof(out), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/%s", root, rel);
	assert_string_equal(out, want);
}

static void expect_error(const char *root, const char *sel, const char *needle)
{
	char out[512], err[768] = "";
	assert_int_equal(k8s_resolve(root, sel, out, sizeof(out), err, sizeof(err)), -1);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not say '%s'", err, needle);
}

static void test_cgroupfs_driver(void **state)
{
	(void)state;
	mkdirs("cfs/kubepods/burstable/pod" UID_A "/abc123");
	mkdirs("cfs/kubepods/pod" UID_B);
	mkdirs("cfs/system.slice/pod" UID_C); /* not under kubepods: never found */
	char root[300];
	snprintf(root, sizeof(root), "%s/cfs", dir);
	expect_found(root, "k8s-pod=" UID_A, "kubepods/burstable/pod" UID_A);
	expect_found(root, "k8s-pod=" UID_B, "kubepods/pod" UID_B);
	expect_found(root, "k8s-pods", "kubepods");
	expect_error(root, "k8s-pod=" UID_C, "no cgroup of that pod");
	/* negative control: one digit off */
	expect_error(root, "k8s-pod=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f1", "no cgroup of that pod");
	assert_int_equal(k8s_is_selector("k8s-pods"), 1);
	assert_int_equal(k8s_is_selector("/sys/fs/cgroup/k8s-pods"), 0);
}

static void test_systemd_driver(void **state)
{
	(void)state;
	mkdirs("sd/kubepods.slice/kubepods-besteffort.slice/"
	       "kubepods-besteffort-pod11111111_2222_3333_4444_555555555555.slice/"
	       "cri-containerd-abc.scope");
	mkdirs("sd/kubepods.slice/kubepods-podaaaaaaaa_bbbb_cccc_dddd_eeeeeeeeeeee.slice");
	char root[300];
	snprintf(root, sizeof(root), "%s/sd", dir);
	expect_found(root, "k8s-pod=" UID_B,
		     "kubepods.slice/kubepods-besteffort.slice/"
		     "kubepods-besteffort-pod11111111_2222_3333_4444_555555555555.slice");
	expect_found(root, "k8s-pod=" UID_C,
		     "kubepods.slice/kubepods-podaaaaaaaa_bbbb_cccc_dddd_eeeeeeeeeeee.slice");
	expect_found(root, "k8s-pods", "kubepods.slice");
	expect_error(root, "k8s-pod=" UID_A, "no cgroup of that pod");
}

static void test_refusals(void **state)
{
	(void)state;
	mkdirs("none/system.slice");
	char root[300];
	snprintf(root, sizeof(root), "%s/none", dir);
	expect_error(root, "k8s-pods", "no kubepods cgroup");
	expect_error(root, "k8s-pod=" UID_A, "no kubepods cgroup");
	expect_error(root, "k8s-pod=0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0", "is not a pod UID");
	expect_error(root, "k8s-pod=123", "is not a pod UID");
	expect_error(root, "k8s-pod=../../etc/passwd0000000000000000000000000", "is not a pod UID");
	expect_error(root, "k8s-podx", "expected k8s-pods or k8s-pod=UID");
}

int main(void)
{
	(void)read_all; /* testdir.h's, unused here */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cgroupfs_driver),
	    cmocka_unit_test(test_systemd_driver),
	    cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
