/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_identity.c: unit tests of identity.c: every cgroup layout of
 * docs/identity.md read into runtime, id, pod and driver, with paths that are
 * not containers' (conmon scopes, pod slices, services, malformed ids) read
 * as none; the annotations of containerd's CRI plugin and CRI-O read from a
 * config.json, and Docker's name and image from config.v2.json. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"

#define ID "3f9c5a1b2d4e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"
#define UID "1f3b5a5e-8c62-4f4b-9a4c-0e0c3a7d3c11"
#define UID_ "1f3b5a5e_8c62_4f4b_9a4c_0e0c3a7d3c11"

struct layout {
	const char *path;
	enum sabpf_runtime runtime;
	const char *id, *driver, *pod_uid, *qos, *ns;
	bool rootless;
};

static const struct layout layouts[] = {
    {"/system.slice/docker-" ID ".scope", SABPF_RT_DOCKER, ID, "systemd", "", "", "", false},
    {"/docker/" ID, SABPF_RT_DOCKER, ID, "cgroupfs", "", "", "", false},
    {"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
     ".slice/cri-containerd-" ID ".scope",
     SABPF_RT_CONTAINERD, ID, "systemd", UID, "besteffort", "", false},
    {"/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID ".scope", SABPF_RT_CONTAINERD,
     ID, "systemd", UID, "guaranteed", "", false},
    {"/kubepods/burstable/pod" UID "/" ID, SABPF_RT_CONTAINERD, ID, "cgroupfs", UID, "burstable",
     "", false},
    {"/kubepods/pod" UID "/" ID, SABPF_RT_CONTAINERD, ID, "cgroupfs", UID, "guaranteed", "", false},
    {"/kubepods/besteffort/pod" UID "/:cri-containerd:" ID, SABPF_RT_CONTAINERD, ID, "cgroupfs",
     UID, "besteffort", "", false},
    {"/default/" ID, SABPF_RT_CONTAINERD, ID, "cgroupfs", "", "", "default", false},
    {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/crio-" ID
     ".scope",
     SABPF_RT_CRIO, ID, "systemd", UID, "burstable", "", false},
    {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/crio-" ID
     ".scope/container",
     SABPF_RT_CRIO, ID, "systemd", UID, "burstable", "", false},
    {"/kubepods/besteffort/pod" UID "/crio-" ID, SABPF_RT_CRIO, ID, "cgroupfs", UID, "besteffort",
     "", false},
    {"/machine.slice/libpod-" ID ".scope", SABPF_RT_PODMAN, ID, "systemd", "", "", "", false},
    {"/machine.slice/libpod-" ID ".scope/container", SABPF_RT_PODMAN, ID, "systemd", "", "", "",
     false},
    {"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope/container",
     SABPF_RT_PODMAN, ID, "systemd", "", "", "", true},
    {"/libpod_parent/libpod-" ID, SABPF_RT_PODMAN, ID, "cgroupfs", "", "", "", false},
    {"/sabpf/web", SABPF_RT_SABPF, "web", "cgroupfs", "", "", "", false},
    /* a child cgroup a container made belongs to that container */
    {"/docker/" ID "/worker", SABPF_RT_DOCKER, ID, "cgroupfs", "", "", "", false},
};

static void test_layouts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		const struct layout *l = &layouts[i];
		struct sabpf_identity id;
		if (identity_from_cgroup_path(l->path, &id) != 1)
			fail_msg("%s: not read as a container", l->path);
		assert_int_equal(id.runtime, l->runtime);
		assert_string_equal(id.id, l->id);
		assert_string_equal(id.driver, l->driver);
		assert_string_equal(id.pod_uid, l->pod_uid);
		assert_string_equal(id.qos, l->qos);
		assert_string_equal(id.ns, l->ns);
		assert_int_equal(id.rootless, l->rootless);
	}
}

static void test_not_containers(void **state)
{
	(void)state;
	static const char *paths[] = {
	    "/",
	    "",
	    "/system.slice/sshd.service",
	    "/user.slice/user-0.slice/session-1.scope",
	    "/kubepods.slice/kubepods-burstable.slice",
	    "/kubepods/burstable/pod" UID,
	    "/machine.slice/libpod-conmon-" ID ".scope",
	    "/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" ID ".scope",
	    "/docker",
	    "/docker/" ID "0", /* 65 hex digits */
	    "/docker/3F9C5A1B2D4E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8", /* upper */
	    "/system.slice/docker-" ID ".service",
	    "/" ID, /* an id with no parent to name its runtime */
	    "/libpod_parent",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct sabpf_identity id;
		memset(&id, 0x55, sizeof(id));
		if (identity_from_cgroup_path(paths[i], &id) != 0)
			fail_msg("%s: read as a container of %s", paths[i],
				 identity_runtime_name(id.runtime));
		assert_int_equal(id.runtime, SABPF_RT_UNKNOWN);
		assert_string_equal(id.id, "");
	}
}

/* The annotations as containerd 1.6's CRI plugin writes them into a
 * container's config.json (tab-indented, as runc's spec is). */
static const char containerd_config[] =
    "{\n\t\"ociVersion\": \"1.0.2-dev\",\n\t\"process\": {\"args\": [\"/bin/sh\"]},\n"
    "\t\"annotations\": {\n"
    "\t\t\"io.kubernetes.cri.container-name\": \"web\",\n"
    "\t\t\"io.kubernetes.cri.container-type\": \"container\",\n"
    "\t\t\"io.kubernetes.cri.image-name\": \"docker.io/library/nginx:1.25\",\n"
    "\t\t\"io.kubernetes.cri.sandbox-id\": \"" ID "\",\n"
    "\t\t\"io.kubernetes.cri.sandbox-name\": \"web-7d4b9c\",\n"
    "\t\t\"io.kubernetes.cri.sandbox-namespace\": \"payments\",\n"
    "\t\t\"io.kubernetes.cri.sandbox-uid\": \"" UID "\"\n\t},\n"
    "\t\"linux\": {\"cgroupsPath\": \"/kubepods/besteffort/pod" UID "/" ID "\"}\n}\n";

static const char crio_config[] = "{\"ociVersion\":\"1.0.2\",\"annotations\":{"
				  "\"io.kubernetes.container.name\":\"db\","
				  "\"io.kubernetes.cri-o.ContainerType\":\"sandbox\","
				  "\"io.kubernetes.cri-o.ImageName\":\"registry.k8s.io/pause:3.9\","
				  "\"io.kubernetes.cri-o.Labels\":\"{\\\"app\\\":\\\"db\\\","
				  "\\\"io.kubernetes.pod.name\\\":\\\"db-0\\\",\\\"tier\\\":"
				  "\\\"data\\\"}\","
				  "\"io.kubernetes.pod.name\":\"db-0\","
				  "\"io.kubernetes.pod.namespace\":\"data\","
				  "\"io.kubernetes.pod.uid\":\"" UID "\"}}";

static void test_oci_annotations(void **state)
{
	(void)state;
	char err[256];
	struct sabpf_identity id;
	memset(&id, 0, sizeof(id));
	assert_int_equal(identity_from_oci_config(containerd_config, sizeof(containerd_config) - 1,
						  &id, err, sizeof(err)),
			 0);
	assert_string_equal(id.name, "web");
	assert_string_equal(id.image, "docker.io/library/nginx:1.25");
	assert_string_equal(id.pod_name, "web-7d4b9c");
	assert_string_equal(id.pod_namespace, "payments");
	assert_string_equal(id.pod_uid, UID);
	assert_false(id.sandbox);

	memset(&id, 0, sizeof(id));
	assert_int_equal(
	    identity_from_oci_config(crio_config, sizeof(crio_config) - 1, &id, err, sizeof(err)),
	    0);
	assert_string_equal(id.name, "db");
	assert_string_equal(id.image, "registry.k8s.io/pause:3.9");
	assert_string_equal(id.pod_name, "db-0");
	assert_string_equal(id.pod_namespace, "data");
	assert_true(id.sandbox);
	/* the pod's labels, without the io.kubernetes.* ones */
	assert_string_equal(identity_label(&id, "app"), "db");
	assert_string_equal(identity_label(&id, "tier"), "data");
	assert_null(identity_label(&id, "io.kubernetes.pod.name"));

	/* a plain runc bundle: no annotations, nothing filled, no error */
	static const char plain[] = "{\"ociVersion\":\"1.0.2\",\"process\":{}}";
	memset(&id, 0, sizeof(id));
	assert_int_equal(identity_from_oci_config(plain, sizeof(plain) - 1, &id, err, sizeof(err)),
			 0);
	assert_string_equal(id.pod_name, "");
}

static void test_bad_json(void **state)
{
	(void)state;
	char err[256];
	struct sabpf_identity id;
	memset(&id, 0, sizeof(id));
	static const char broken[] = "{\"annotations\": {\"a\": ";
	assert_int_equal(
	    identity_from_oci_config(broken, sizeof(broken) - 1, &id, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "config.json: not valid JSON"));
	static const char list[] = "[1, 2]";
	assert_int_equal(identity_from_docker_config(list, sizeof(list) - 1, &id, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "config.v2.json: the document is not a JSON object"));
}

static void test_docker_config(void **state)
{
	(void)state;
	char err[256];
	struct sabpf_identity id;
	memset(&id, 0, sizeof(id));
	static const char cfg[] = "{\"ID\":\"" ID "\",\"Name\":\"/web-1\",\"Config\":{\"Hostname\":"
				  "\"3f9c5a1b2d4e\",\"Image\":\"busybox:latest\"},\"Image\":"
				  "\"sha256:0123\"}";
	assert_int_equal(identity_from_docker_config(cfg, sizeof(cfg) - 1, &id, err, sizeof(err)),
			 0);
	assert_string_equal(id.name, "web-1");
	assert_string_equal(id.image, "busybox:latest");
	assert_int_equal(id.labels_len, 0);

	/* Config.Labels; a label that does not fit is left out */
	static const char labelled[] = "{\"Name\":\"/web\",\"Config\":{\"Image\":\"busybox\","
				       "\"Labels\":{\"app\":\"web\",\"tier\":\"front\"}}}";
	memset(&id, 0, sizeof(id));
	assert_int_equal(
	    identity_from_docker_config(labelled, sizeof(labelled) - 1, &id, err, sizeof(err)), 0);
	assert_string_equal(identity_label(&id, "app"), "web");
	assert_string_equal(identity_label(&id, "tier"), "front");
	assert_null(identity_label(&id, "ap"));
	char big[600];
	memset(big, 'x', sizeof(big));
	assert_true(identity_add_label(&id, "big1", 4, big, sizeof(big)));
	assert_false(identity_add_label(&id, "big2", 4, big, sizeof(big)));
	assert_false(identity_add_label(&id, "", 0, "v", 1));
	assert_null(identity_label(&id, "big2"));
	assert_string_equal(identity_label(&id, "tier"), "front");
}

#define FIXTURES "tests/unit/fixtures/identity"

/* The files and cgroup paths of real runs (Docker 20.10 with its data root,
 * podman 4.3 with vfs storage, containerd 1.6 through ctr in namespace
 * sabpf-test; tests/native/scenarios/70-runtimes.sh made
 * them, scrubbed of the run's temporary paths): identity_resolve() finds
 * each container's name and image under the roots, as expected.tsv says.
 * With the roots elsewhere the same paths give runtime and id only. */
static void test_real_runtimes(void **state)
{
	(void)state;
	FILE *f = fopen(FIXTURES "/expected.tsv", "r");
	assert_non_null(f);
	char line[1024];
	int rows = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		char *runtime = strtok(line, "\t"), *path = strtok(NULL, "\t");
		char *name = strtok(NULL, "\t"), *image = strtok(NULL, "\t");
		assert_non_null(image);
		name = strcmp(name, "-") == 0 ? "" : name;
		image = strcmp(image, "-") == 0 ? "" : image;
		struct identity_roots roots = {.docker = FIXTURES "/docker",
					       .storage = FIXTURES "/podman",
					       .storage_run = FIXTURES "/podman-run",
					       .containerd_state = FIXTURES "/containerd"};
		struct sabpf_identity id;
		assert_int_equal(identity_resolve(path, &roots, &id), 1);
		assert_string_equal(identity_runtime_name(id.runtime), runtime);
		assert_string_equal(id.id, path + strlen(path) - IDENTITY_ID_LEN);
		assert_string_equal(id.name, name);
		assert_string_equal(id.image, image);
		assert_true(identity_shown(&id));
		if (id.runtime == SABPF_RT_CONTAINERD) /* no CRI: the namespace is the path's */
			assert_string_equal(id.ns, "sabpf-test");

		struct identity_roots nowhere = {.docker = "/nonexistent",
						 .storage = "/nonexistent",
						 .storage_run = "/nonexistent",
						 .containerd_state = "/nonexistent"};
		/* the same id in a cgroup a user made under user@1000.service
		 * (negative control): runtime and id, never the files' name */
		char spoof[512];
		snprintf(spoof, sizeof(spoof),
			 "/user.slice/user-1000.slice/user@1000.service/app.slice/%s",
			 strrchr(path, '/') + 1);
		assert_int_equal(identity_resolve(spoof, &roots, &id), 1);
		assert_true(id.rootless);
		assert_string_equal(id.name, "");
		assert_string_equal(id.image, "");

		assert_int_equal(identity_resolve(path, &nowhere, &id), 1);
		assert_string_equal(identity_runtime_name(id.runtime), runtime);
		assert_string_equal(id.name, "");
		assert_string_equal(id.image, "");
		rows++;
	}
	fclose(f);
	assert_int_equal(rows, 3);
}

/* A pod made through containerd 1.6's CRI API (tests/native/scenarios/
 * 75-cri.sh: RunPodSandbox with cgroup parent /kubepods/besteffort/pod<uid>,
 * cgroupfs driver, then CreateContainer): the real cgroup paths and bundle
 * config.json files of the pod's container and of its sandbox, as
 * containerd-cri/expected.tsv lists them. */
static void test_real_cri_pod(void **state)
{
	(void)state;
	FILE *f = fopen(FIXTURES "/containerd-cri/expected.tsv", "r");
	assert_non_null(f);
	char line[1024];
	int rows = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		char *kind = strtok(line, "\t"), *path = strtok(NULL, "\t");
		char *name = strtok(NULL, "\t"), *image = strtok(NULL, "\t");
		char *pod = strtok(NULL, "\t"), *pod_ns = strtok(NULL, "\t");
		char *uid = strtok(NULL, "\t");
		assert_non_null(uid);
		name = strcmp(name, "-") == 0 ? "" : name;
		image = strcmp(image, "-") == 0 ? "" : image;
		struct identity_roots roots = {.docker = "/nonexistent",
					       .storage = "/nonexistent",
					       .storage_run = "/nonexistent",
					       .containerd_state = FIXTURES "/containerd-cri"};
		struct sabpf_identity id;
		assert_int_equal(identity_resolve(path, &roots, &id), 1);
		assert_string_equal(identity_runtime_name(id.runtime), "containerd");
		assert_string_equal(id.id, path + strlen(path) - IDENTITY_ID_LEN);
		assert_string_equal(id.driver, "cgroupfs");
		assert_string_equal(id.qos, "besteffort");
		assert_string_equal(id.pod_uid, uid);
		assert_string_equal(id.pod_name, pod);
		assert_string_equal(id.pod_namespace, pod_ns);
		assert_string_equal(id.name, name);
		assert_string_equal(id.image, image);
		assert_int_equal(id.sandbox, strcmp(kind, "sandbox") == 0);
		assert_true(identity_shown(&id));

		/* without the bundle (negative control): the path's fields only */
		roots.containerd_state = "/nonexistent";
		assert_int_equal(identity_resolve(path, &roots, &id), 1);
		assert_string_equal(id.pod_uid, uid);
		assert_string_equal(id.pod_name, "");
		assert_string_equal(id.pod_namespace, "");
		assert_string_equal(id.name, "");
		assert_false(id.sandbox);
		rows++;
	}
	fclose(f);
	assert_int_equal(rows, 2);
}

static void test_storage_containers(void **state)
{
	(void)state;
	char err[256];
	struct sabpf_identity id;
	memset(&id, 0, sizeof(id));
	strcpy(id.id, ID);
	static const char two[] =
	    "[{\"id\":\"" ID "0\",\"names\":[\"other\"]},"
	    "{\"id\":\"" ID "\",\"names\":[\"db\",\"alias\"],\"metadata\":\"{\\\"image-name\\\":"
	    "\\\"localhost/busybox:test\\\",\\\"name\\\":\\\"db\\\"}\"}]";
	assert_int_equal(
	    identity_from_storage_containers(two, sizeof(two) - 1, &id, err, sizeof(err)), 1);
	assert_string_equal(id.name, "db");
	assert_string_equal(id.image, "localhost/busybox:test");
	/* not there: 0, nothing filled */
	memset(&id, 0, sizeof(id));
	strcpy(id.id, "3f9c5a1b2d4e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f9");
	assert_int_equal(
	    identity_from_storage_containers(two, sizeof(two) - 1, &id, err, sizeof(err)), 0);
	assert_string_equal(id.name, "");
	/* an object where the array should be; broken JSON */
	static const char obj[] = "{\"id\":\"x\"}";
	assert_int_equal(
	    identity_from_storage_containers(obj, sizeof(obj) - 1, &id, err, sizeof(err)), -1);
	assert_string_equal(err, "containers.json: the document is not a JSON array");
	static const char broken[] = "[{\"id\":";
	assert_int_equal(
	    identity_from_storage_containers(broken, sizeof(broken) - 1, &id, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "containers.json: not valid JSON"));
}

static void collect(const char *key, const char *value, void *ctx)
{
	char *out = ctx;
	size_t n = strlen(out);
	snprintf(out + n, 1024 - n, "%s%s=%s", n ? " " : "", key, value);
}

/* The one list of fields the outputs show, in order, empty ones left out;
 * display names of a pod's container, a named and an unnamed container;
 * which identities are shown. */
static void test_fields_and_display(void **state)
{
	(void)state;
	struct sabpf_identity id;
	char out[1024] = "", name[256];
	assert_int_equal(identity_from_cgroup_path("/kubepods/burstable/pod" UID "/" ID, &id), 1);
	strcpy(id.name, "web");
	strcpy(id.pod_name, "web-7d4b9c");
	strcpy(id.pod_namespace, "payments");
	identity_fields(&id, collect, out);
	assert_string_equal(out,
			    "runtime=containerd id=" ID
			    " name=web pod_name=web-7d4b9c pod_namespace=payments pod_uid=" UID);
	assert_true(identity_add_label(&id, "app", 3, "web", 3));
	out[0] = '\0';
	identity_fields(&id, collect, out);
	assert_non_null(strstr(out, "pod_uid=" UID " label.app=web"));
	identity_display_name(&id, name, sizeof(name));
	assert_string_equal(name, "payments/web-7d4b9c/web");
	assert_true(identity_shown(&id));

	assert_int_equal(identity_from_cgroup_path("/docker/" ID, &id), 1);
	identity_display_name(&id, name, sizeof(name));
	assert_string_equal(name, "docker:3f9c5a1b2d4e");
	strcpy(id.name, "web");
	identity_display_name(&id, name, sizeof(name));
	assert_string_equal(name, "docker:web");

	assert_int_equal(identity_from_cgroup_path("/sabpf/web", &id), 1);
	assert_false(identity_shown(&id));
	assert_int_equal(identity_from_cgroup_path("/system.slice/cron.service", &id), 0);
	assert_false(identity_shown(&id));
}

/* identity_table_put/get/name: shown identities are kept with their
 * display name, others as misses; the table grows past its first size. */
static void test_table(void **state)
{
	(void)state;
	struct identity_table *t = identity_table_new();
	assert_non_null(t);
	struct sabpf_identity id;
	assert_int_equal(identity_from_cgroup_path("/docker/" ID, &id), 1);
	strcpy(id.name, "web");
	for (unsigned long long cg = 1; cg <= 500; cg++) {
		id.runtime = cg % 2 ? SABPF_RT_DOCKER : SABPF_RT_SABPF;
		assert_int_equal(identity_table_put(t, cg, &id), 0);
	}
	for (unsigned long long cg = 1; cg <= 500; cg++) {
		if (cg % 2) {
			assert_non_null(identity_table_get(t, cg));
			assert_string_equal(identity_table_name(t, cg), "docker:web");
		} else {
			assert_null(identity_table_get(t, cg));
			assert_null(identity_table_name(t, cg));
		}
	}
	assert_null(identity_table_get(t, 501));
	assert_null(identity_table_get(t, 0));
	identity_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layouts),
	    cmocka_unit_test(test_not_containers),
	    cmocka_unit_test(test_oci_annotations),
	    cmocka_unit_test(test_bad_json),
	    cmocka_unit_test(test_docker_config),
	    cmocka_unit_test(test_real_runtimes),
	    cmocka_unit_test(test_real_cri_pod),
	    cmocka_unit_test(test_storage_containers),
	    cmocka_unit_test(test_fields_and_display),
	    cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
