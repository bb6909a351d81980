/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "compose/compose.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"

static char root[] = "/tmp/berth-compose-load-XXXXXX";

static void put(const char *rel, const char *text)
{
	_cleanup_free_ char *path = berth_xasprintf("%s/%s", root, rel);
	_cleanup_free_ char *dir = berth_xstrdup(path);
	*strrchr(dir, '/') = 0;
	assert_int_equal(berth_mkdir_p(dir, 0755, NULL), 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	if (!mkdtemp(root))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	return berth_rm_rf_at(AT_FDCWD, root, NULL) < 0 ? -1 : 0;
}

static int load(const char *cwd_rel, char **files, char **env, const char *name, char **profiles,
		struct berth_compose_project **ret, char **ret_msg)
{
	_cleanup_free_ char *cwd = berth_xasprintf("%s/%s", root, cwd_rel);
	struct berth_compose_load_options o = {
		.files = files,
		.project_name = name,
		.profiles = profiles,
		.environ = env,
		.cwd = cwd,
	};
	struct berth_error *err = NULL;
	int r = berth_compose_load(&o, ret, NULL, &err);
	*ret_msg = strdup(berth_error_msg(err));
	berth_error_free(&err);
	return r;
}

static void test_discovery_in_parents_with_override(void **state)
{
	put("My_App/compose.yaml", "services:\n  a: {image: one}\n");
	put("My_App/compose.override.yaml", "services:\n  a: {user: me}\n");
	put("My_App/sub/dir/.keep", "");
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	char *env[] = {NULL};
	assert_int_equal(load("My_App/sub/dir", NULL, env, NULL, NULL, &p, &msg), 0);
	assert_string_equal(p->name, "my_app"); /* the directory's name, lowercased */
	assert_int_equal(berth_strv_len(p->files), 2);
	assert_string_equal(p->services[0].image, "one");
	assert_string_equal(p->services[0].user, "me");
	struct berth_compose_project *q = NULL;
	_cleanup_free_ char *msg2 = NULL;
	assert_int_equal(load("", NULL, env, NULL, NULL, &q, &msg2), -ENOENT);
	assert_non_null(strstr(msg2, "no configuration file provided"));
}

static void test_files_merge_in_order_and_env(void **state)
{
	put("p/a.yaml", "name: fromfile\nservices:\n  s:\n    image: img:${TAG}\n    environment: "
			"[X=1]\n");
	put("p/b.yaml", "services:\n  s:\n    environment: {Y: $ONLY_DOTENV}\n    ports: ['80']\n");
	put("p/.env", "TAG=dotenv\nONLY_DOTENV=d\n");
	char *files[] = {"a.yaml", "b.yaml", NULL};
	char *env[] = {"TAG=shell", NULL};
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	assert_int_equal(load("p", files, env, NULL, NULL, &p, &msg), 0);
	assert_string_equal(p->name, "fromfile");
	assert_string_equal(p->services[0].image, "img:shell"); /* the shell wins over .env */
	assert_string_equal(p->services[0].environment[0], "X=1");
	assert_string_equal(p->services[0].environment[1], "Y=d");
	assert_int_equal(p->services[0].n_ports, 1);
}

static void test_project_name_rules(void **state)
{
	put("n/compose.yml", "name: fromfile\nservices:\n  s: {image: x}\n");
	char *env[] = {"COMPOSE_PROJECT_NAME=fromenv", NULL};
	char *none[] = {NULL};
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *a = NULL, *b = NULL;
	_cleanup_free_ char *m1 = NULL, *m2 = NULL, *m3 = NULL;
	assert_int_equal(load("n", NULL, env, "flag", NULL, &a, &m1), 0);
	assert_string_equal(a->name, "flag");
	assert_int_equal(load("n", NULL, env, NULL, NULL, &b, &m2), 0);
	assert_string_equal(b->name, "fromenv");
	struct berth_compose_project *c = NULL;
	assert_int_equal(load("n", NULL, none, "Bad Name", NULL, &c, &m3), -EINVAL);
	assert_non_null(strstr(m3, "invalid project name 'Bad Name'"));
}

static void test_profiles(void **state)
{
	put("pr/compose.yaml", "services:\n  a: {image: x}\n  dbg: {image: x, profiles: [debug]}\n"
			       "  b: {image: x, profiles: [back], depends_on: [a]}\n");
	char *none[] = {NULL};
	char *env[] = {"COMPOSE_PROFILES=back,debug", NULL};
	char *debug[] = {"debug", NULL};
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *a = NULL, *b = NULL,
									    *c = NULL;
	_cleanup_free_ char *m1 = NULL, *m2 = NULL, *m3 = NULL;
	assert_int_equal(load("pr", NULL, none, NULL, NULL, &a, &m1), 0);
	assert_int_equal(a->n_services, 1);
	assert_string_equal(a->disabled_profiles_services[0], "b");
	assert_int_equal(load("pr", NULL, none, NULL, debug, &b, &m2), 0);
	assert_int_equal(b->n_services, 2);
	assert_int_equal(load("pr", NULL, env, NULL, NULL, &c, &m3), 0);
	assert_int_equal(c->n_services, 3);
}

static void test_extends(void **state)
{
	put("e/compose.yaml", "services:\n"
			      "  base: {image: x, environment: [A=1], ports: ['80']}\n"
			      "  child:\n    extends: base\n    environment: [B=2]\n"
			      "  remote:\n    extends: {file: common/more.yaml, service: tpl}\n"
			      "  loop1: {extends: loop2, image: x}\n  loop2: {extends: loop1}\n");
	put("e/common/more.yaml", "services:\n  tpl:\n    build: ./ctx\n    env_file: vars.env\n");
	put("e/common/vars.env", "V=1\n");
	char *none[] = {NULL};
	struct berth_compose_project *p = NULL;
	_cleanup_free_ char *m1 = NULL, *m2 = NULL;
	assert_int_equal(load("e", NULL, none, NULL, NULL, &p, &m1), -EINVAL);
	assert_non_null(strstr(m1, "extends nested deeper"));
	put("e/compose.yaml", "services:\n"
			      "  base: {image: x, environment: [A=1], ports: ['80']}\n"
			      "  child:\n    extends: base\n    environment: [B=2]\n"
			      "  remote:\n    extends: {file: common/more.yaml, service: tpl}\n");
	assert_int_equal(load("e", NULL, none, NULL, NULL, &p, &m2), 0);
	struct berth_compose_service *child = berth_compose_find_service(p, "child");
	assert_string_equal(child->image, "x");
	assert_int_equal(berth_strv_len(child->environment), 2);
	assert_int_equal(child->n_ports, 1);
	struct berth_compose_service *remote = berth_compose_find_service(p, "remote");
	_cleanup_free_ char *ctx = berth_xasprintf("%s/e/common/ctx", root);
	assert_string_equal(remote->build->context, ctx); /* relative to the other file */
	assert_string_equal(remote->environment[0], "V=1");
	berth_compose_project_free(p);
}

static void test_env_file_then_environment(void **state)
{
	put("ef/compose.yaml", "services:\n  a:\n    image: x\n    environment: {B: own}\n"
			       "    env_file: [app.env, {path: missing.env, required: false}]\n");
	put("ef/app.env", "A=file\nB=file\n");
	put("ef2/compose.yaml", "services:\n  a:\n    image: x\n    env_file: missing.env\n");
	char *none[] = {NULL};
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *m1 = NULL, *m2 = NULL;
	assert_int_equal(load("ef", NULL, none, NULL, NULL, &p, &m1), 0);
	assert_string_equal(p->services[0].environment[0], "A=file");
	assert_string_equal(p->services[0].environment[1], "B=own");
	struct berth_compose_project *q = NULL;
	assert_int_equal(load("ef2", NULL, none, NULL, NULL, &q, &m2), -ENOENT);
	assert_non_null(strstr(m2, "compose.yaml:4: services.a.env_file: env file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discovery_in_parents_with_override),
		cmocka_unit_test(test_files_merge_in_order_and_env),
		cmocka_unit_test(test_project_name_rules),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_extends),
		cmocka_unit_test(test_env_file_then_environment),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
