/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test_config.c: unit tests of config.c: a configuration file gives its
 * outputs and container entries (selectors with record classes and a
 * policy file), which become a selection whose classes and policy apply
 * per container (the first entry of the file that matches); bad files are
 * refused with FILE:LINE:COLUMN and what to do; a reload replaces only the
 * file's alternatives and config_diff says what changed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "sabpf_record.h"
#include "select.h"
#include "testdir.h"

#define ID "3f9c5a1b2d4e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"

static const char good[] = "# sabpf.yaml\n"
			   "outputs:\n"
			   "  - jsonl:/var/log/sabpf/audit.jsonl\n"
			   "  - summary:-\n"
			   "containers:\n"
			   "  - select: podman.name=web\n"
			   "    classes: file,net\n"
			   "  - select: [k8s.namespace=payments, 'label.app=db']\n"
			   "  - all: true\n"
			   "    classes: proc\n";

static struct sabpf_identity ident(enum sabpf_runtime rt, const char *name)
{
	struct sabpf_identity id;
	memset(&id, 0, sizeof(id));
	id.runtime = rt;
	strcpy(id.id, ID);
	strcpy(id.name, name);
	return id;
}

static void test_good(void **state)
{
	(void)state;
	struct sabpf_config c;
	char err[1024];
	assert_int_equal(config_parse(good, strlen(good), "sabpf.yaml", &c, err, sizeof(err)), 0);
	assert_int_equal(c.noutputs, 2);
	assert_string_equal(c.outputs[0], "jsonl:/var/log/sabpf/audit.jsonl");
	assert_string_equal(c.outputs[1], "summary:-");
	assert_int_equal(c.nentries, 4);
	assert_string_equal(c.entries[0].select, "podman.name=web");
	assert_string_equal(c.entries[0].classes, "file,net");
	assert_string_equal(c.entries[2].select, "label.app=db");
	assert_string_equal(c.entries[2].classes, "");
	assert_string_equal(c.entries[3].select, "");

	struct selection *s = NULL;
	assert_int_equal(config_selection(&c, &s, err, sizeof(err)), 0);
	struct sabpf_identity web = ident(SABPF_RT_PODMAN, "web");
	struct sabpf_identity other = ident(SABPF_RT_DOCKER, "other");
	/* first matching entry decides the classes; all: true takes the rest */
	assert_int_equal(selection_classes(s, &web, 0x1), SABPF_CLASS_FILE | SABPF_CLASS_NET);
	assert_int_equal(selection_classes(s, &other, 0x1), SABPF_CLASS_PROC);
	/* negative control: a docker container named web is not the podman entry */
	struct sabpf_identity dweb = ident(SABPF_RT_DOCKER, "web");
	assert_int_equal(selection_classes(s, &dweb, 0x1), SABPF_CLASS_PROC);
	selection_free(s);
}

static void test_reload(void **state)
{
	(void)state;
	struct sabpf_config a, b;
	char err[1024];
	const char *t2 = "outputs: [jsonl:-]\n"
			 "containers:\n"
			 "  - select: podman.name=db\n"
			 "  - select: podman.name=web\n"
			 "    classes: file,net\n";
	assert_int_equal(config_parse(good, strlen(good), "a", &a, err, sizeof(err)), 0);
	assert_int_equal(config_parse(t2, strlen(t2), "b", &b, err, sizeof(err)), 0);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	/* removed: the two selectors of the list and all; added podman.name=db;
	 * outputs changed */
	assert_int_equal(config_diff(&a, &b, out), 5);
	fclose(out);
	assert_non_null(strstr(text, "removed select k8s.namespace=payments\n"));
	if (!strstr(text, "removed all, classes proc\n"))
		fail_msg("diff said: %s", text);
	assert_non_null(strstr(text, "added select podman.name=db\n"));
	assert_non_null(strstr(text, "outputs changed"));
	assert_null(strstr(text, "podman.name=web")); /* unchanged: not said */
	free(text);
	out = open_memstream(&text, &len);
	assert_int_equal(config_diff(&a, &a, out), 0); /* negative control */
	fclose(out);
	assert_string_equal(text, "");
	free(text);

	/* the command line's alternative stays, the file's are replaced */
	struct selection *s = NULL, *fresh = NULL;
	assert_int_equal(selection_add(&s, "docker.name=cli", err, sizeof(err)), 0);
	assert_int_equal(config_selection(&a, &s, err, sizeof(err)), 0);
	assert_int_equal(config_selection(&b, &fresh, err, sizeof(err)), 0);
	struct sabpf_identity cli = ident(SABPF_RT_DOCKER, "cli");
	struct sabpf_identity other = ident(SABPF_RT_DOCKER, "other");
	struct sabpf_identity db = ident(SABPF_RT_PODMAN, "db");
	assert_true(selection_matches(s, &other)); /* all: true of a */
	assert_false(selection_matches(s, &db) && !selection_matches(s, &other));
	assert_int_equal(selection_replace_config(s, fresh, err, sizeof(err)), 0);
	assert_true(selection_matches(s, &cli));
	assert_false(selection_matches(s, &other));
	assert_true(selection_matches(s, &db));
	assert_int_equal(selection_replace_config(s, NULL, err, sizeof(err)), 0);
	assert_true(selection_matches(s, &cli));
	assert_false(selection_matches(s, &db));
	selection_free(s);
	selection_free(fresh);
}

static void bad(const char *text, const char *want)
{
	struct sabpf_config c;
	char err[1024] = "";
	assert_int_equal(config_parse(text, strlen(text), "f.yaml", &c, err, sizeof(err)), -1);
	if (strncmp(err, want, strlen(want)) != 0 && !strstr(err, want))
		fail_msg("error '%s' does not say '%s'", err, want);
}

static void test_errors(void **state)
{
	(void)state;
	bad("", "f.yaml:1:1: the file is empty");
	bad("[1, 2]", "f.yaml:1:1: the top level must be a mapping");
	bad("outputs: [jsonl:-]\ncontainer: []\n",
	    "f.yaml:2:1: unknown key 'container' (keys: outputs, containers)");
	bad("outputs: jsonl:-\n", "f.yaml:1:10: outputs must be a list");
	bad("outputs: [jsonl]\n", "f.yaml:1:11: output 'jsonl' has no ':'");
	bad("containers:\n  - select: podman.name=web\n    classes: file,nett\n",
	    "f.yaml:3:14: classes: unknown record class 'nett'");
	bad("containers:\n  - select: [podman.name=web, colour=red]\n",
	    "f.yaml:2:31: select: unknown key 'colour'");
	bad("containers:\n  - classes: file\n", "f.yaml:2:5: a containers entry needs select");
	bad("containers:\n  - select: name=a\n    all: true\n", "not both");
	bad("containers:\n  - all: yes\n", "f.yaml:2:10: all: must be true");
	bad("containers:\n  - select: name=a\n    policy: /nonexistent/p.yaml\n",
	    "f.yaml:3:13: policy: ");
	bad("containers:\n  - select: name=a\n    policy: /nonexistent/p.yaml\n",
	    "/nonexistent/p.yaml");
	bad("containers:\n  - select: name=a\n    policy: [a, b]\n",
	    "f.yaml:3:13: policy must be a string");
	bad("containers:\n  - select: name=a\n    colour: red\n",
	    "f.yaml:3:5: unknown key 'colour' in a containers entry");
	bad("containers: podman.name=web\n", "f.yaml:1:13: containers must be a list");
	bad("containers:\n  - select: []\n", "f.yaml:2:13: select: the list is empty");
	bad("containers: [\n", "f.yaml:2:1: not valid YAML");
	/* negative control: the smallest good file is not an error */
	struct sabpf_config c;
	char err[256];
	assert_int_equal(config_parse("containers: [{all: true}]\n", 26, "f", &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.nentries, 1);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Loads dir/sabpf.yaml with text; returns config_load's result. */
static int load(const char *text, struct sabpf_config *c, char *err, size_t errlen)
{
	write_file(in_dir("sabpf.yaml"), text);
	return config_load(in_dir("sabpf.yaml"), c, err, errlen);
}

/* policy: FILE per entry: a relative path is taken from the configuration
 * file's directory, the file must be a valid policy, and a container gets
 * the policy of the first entry of the file that matches it (the command
 * line's selectors carry none and do not hide the file's). */
static void test_policy(void **state)
{
	(void)state;
	char err[1024], want[512], cfg[1024];
	struct sabpf_config *c = malloc(sizeof(*c));
	assert_non_null(c);
	write_file(in_dir("web.yaml"), "target: {cgroup: web}\nexec: {default: deny}\n");
	write_file(in_dir("rest.json"), "{\"target\": {\"cgroup\": \"x\"}, \"exec\": {}}\n");
	write_file(in_dir("broken.yaml"), "target: {cgroup: a}\nmode: sometimes\n");
	snprintf(cfg, sizeof(cfg),
		 "containers:\n"
		 "  - select: podman.name=web\n"
		 "    classes: file\n"
		 "    policy: web.yaml\n"
		 "  - select: podman.name=db\n"
		 "  - all: true\n"
		 "    classes: proc\n"
		 "    policy: %s\n",
		 in_dir("rest.json"));
	if (load(cfg, c, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(c->nentries, 3);
	assert_string_equal(c->entries[0].policy, in_dir("web.yaml"));
	assert_string_equal(c->entries[1].policy, "");
	assert_string_equal(c->entries[2].policy, in_dir("rest.json"));

	struct selection *s = NULL;
	/* the command line's selector comes first and matches web and cli */
	assert_int_equal(selection_add(&s, "runtime=podman", err, sizeof(err)), 0);
	assert_int_equal(config_selection(c, &s, err, sizeof(err)), 0);
	struct sabpf_identity web = ident(SABPF_RT_PODMAN, "web");
	struct sabpf_identity db = ident(SABPF_RT_PODMAN, "db");
	struct sabpf_identity other = ident(SABPF_RT_DOCKER, "other");
	assert_string_equal(selection_policy(s, &web), in_dir("web.yaml"));
	assert_int_equal(selection_classes(s, &web, SABPF_CLASS_NET), SABPF_CLASS_FILE);
	/* db: its entry (the first that matches) has no policy: none, even
	 * though all: true further down has one; the agent's classes */
	assert_null(selection_policy(s, &db));
	assert_int_equal(selection_classes(s, &db, SABPF_CLASS_NET), SABPF_CLASS_NET);
	assert_string_equal(selection_policy(s, &other), in_dir("rest.json"));
	assert_int_equal(selection_classes(s, &other, SABPF_CLASS_NET), SABPF_CLASS_PROC);
	/* negative control: a sandbox is never matched, so it gets no policy */
	struct sabpf_identity sandbox = ident(SABPF_RT_DOCKER, "pause");
	sandbox.sandbox = true;
	assert_null(selection_policy(s, &sandbox));
	selection_free(s);

	/* only the command line matches: its classes, no policy */
	s = NULL;
	assert_int_equal(selection_add(&s, "runtime=podman", err, sizeof(err)), 0);
	assert_int_equal(selection_add_config(&s, "podman.name=web", SABPF_CLASS_FILE,
					      in_dir("web.yaml"), err, sizeof(err)),
			 0);
	assert_null(selection_policy(s, &db));
	assert_true(selection_matches(s, &db));
	assert_int_equal(selection_classes(s, &db, SABPF_CLASS_NET), SABPF_CLASS_NET);
	selection_free(s);

	/* a change of policy alone is a change */
	struct sabpf_config *d = malloc(sizeof(*d));
	assert_non_null(d);
	*d = *c;
	snprintf(d->entries[0].policy, sizeof(d->entries[0].policy), "%s", in_dir("rest.json"));
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_int_equal(config_diff(c, d, out), 2);
	fclose(out);
	snprintf(want, sizeof(want), "added select podman.name=web, classes file, policy %s\n",
		 in_dir("rest.json"));
	if (!strstr(text, want))
		fail_msg("diff said: %s", text);
	free(text);

	/* errors name the configuration file's line and column, and the
	 * policy file's own message */
	assert_int_equal(load("containers:\n  - select: podman.name=web\n    policy: nope.yaml\n",
			      c, err, sizeof(err)),
			 -1);
	snprintf(want, sizeof(want), "%s:3:13: policy: ", in_dir("sabpf.yaml"));
	if (strncmp(err, want, strlen(want)) || !strstr(err, in_dir("nope.yaml")))
		fail_msg("missing policy file: %s", err);
	assert_int_equal(
	    load("containers:\n  - all: true\n    policy: broken.yaml\n", c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3:13: policy: %s:2:", in_dir("sabpf.yaml"),
		 in_dir("broken.yaml"));
	if (strncmp(err, want, strlen(want)))
		fail_msg("bad policy file: %s", err);
	free(c);
	free(d);
}

/* --watch-config: a ConfigMap-style update (a new version directory, the
 * ..data link swapped by a rename) is a reload; a bad one is refused and
 * the configuration in use stays; a file of another name in the directory
 * is no reload (negative control). */
static void test_watch(void **state)
{
	(void)state;
	char err[1024], path[512];
	const char *outputs[4];
	int noutputs = 1; /* as if -o was given: the file's are not taken */
	struct selection *s = NULL;
	struct config_state *st = NULL;
	struct sabpf_identity web = ident(SABPF_RT_PODMAN, "web");
	snprintf(path, sizeof(path), "%s", in_dir("cm"));
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(mkdir(in_dir("cm/..v1"), 0700), 0);
	assert_int_equal(mkdir(in_dir("cm/..v2"), 0700), 0);
	assert_int_equal(mkdir(in_dir("cm/..v3"), 0700), 0);
	write_file(in_dir("cm/..v1/sabpf.yaml"),
		   "containers:\n  - select: podman.name=web\n    classes: proc\n");
	write_file(in_dir("cm/..v2/sabpf.yaml"),
		   "containers:\n  - select: podman.name=web\n    classes: file\n");
	write_file(in_dir("cm/..v3/sabpf.yaml"),
		   "containers:\n  - select: podman.name=web\n    classes: flie\n");
	assert_int_equal(symlink("..v1", in_dir("cm/..data")), 0);
	assert_int_equal(symlink("..data/sabpf.yaml", in_dir("cm/sabpf.yaml")), 0);
	snprintf(path, sizeof(path), "%s", in_dir("cm/sabpf.yaml"));
	if (config_start(path, &s, outputs, &noutputs, 4, &st, err, sizeof(err)) ||
	    config_watch(st, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(selection_classes(s, &web, 0), SABPF_CLASS_PROC);
	assert_int_equal(config_poll(st, s), 0); /* nothing happened */
	write_file(in_dir("cm/notes.txt"), "not the configuration\n");
	assert_int_equal(config_poll(st, s), 0); /* negative control */
	/* the kubelet's update */
	assert_int_equal(symlink("..v2", in_dir("cm/..data_tmp")), 0);
	assert_int_equal(rename(in_dir("cm/..data_tmp"), in_dir("cm/..data")), 0);
	assert_int_equal(config_poll(st, s), 1);
	assert_int_equal(selection_classes(s, &web, 0), SABPF_CLASS_FILE);
	/* a bad update: refused, v2 stays */
	assert_int_equal(symlink("..v3", in_dir("cm/..data_tmp")), 0);
	assert_int_equal(rename(in_dir("cm/..data_tmp"), in_dir("cm/..data")), 0);
	assert_int_equal(config_poll(st, s), 0);
	assert_int_equal(selection_classes(s, &web, 0), SABPF_CLASS_FILE);
	/* --watch-config without a file */
	struct config_state *none = NULL;
	struct selection *s2 = NULL;
	int n2 = 1;
	if (access(CONFIG_DEFAULT_PATH, F_OK) != 0) {
		assert_int_equal(config_start(NULL, &s2, outputs, &n2, 4, &none, err, sizeof(err)),
				 0);
		assert_int_equal(config_watch(none, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "no configuration file to watch"));
	}
	config_free(none);
	selection_free(s2);
	config_free(st);
	selection_free(s);
}

static int setup(void **state)
{
	(void)state;
	(void)read_all; /* testdir.h's, not needed here */
	return testdir_make("config");
}

static int teardown(void **state)
{
	(void)state;
	return testdir_remove();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),   cmocka_unit_test(test_reload),
	    cmocka_unit_test(test_errors), cmocka_unit_test(test_policy),
	    cmocka_unit_test(test_watch),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
