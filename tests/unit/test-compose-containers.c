/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A project's containers are the records labelled with its name: found by
 * the labels of `run --label`, other projects and unlabelled containers
 * left out, sorted by service then number, one-off containers last.
 */
#include "container-fixture.h"

#include <fcntl.h>
#include <unistd.h>

#include <jansson.h>

#include "compose/compose.h"
#include "container/container.h"
#include "store/store.h"
#include "core/fs.h"
#include "core/json.h"

/* A created (not started) container with labels. */
static void create(const char *name, char **labels)
{
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	char *cmd[] = {"/bin/busybox", "true", NULL};
	berth_run_options_init(&o);
	o.rootfs = rootfs;
	o.cmd = cmd;
	o.network = "none";
	o.name = name;
	o.labels = labels;
	o.create_only = true;
	assert_ok(berth_container_run(store, &o, &res, &err), err);
}

static void test_labels_in_record(void **state)
{
	if (!top[0])
		skip();
	char *labels[] = {"a=1", "b", "a=2", "c=x=y", NULL};
	create("labelled", labels);
	json_t *st = NULL;
	struct berth_error *err = NULL;
	assert_ok(berth_container_inspect(store, "labelled", &st, &err), err);
	json_t *l = json_object_get(json_object_get(st, "Config"), "Labels");
	assert_int_equal(json_object_size(l), 3);
	assert_string_equal(json_string_value(json_object_get(l, "a")), "2");
	assert_string_equal(json_string_value(json_object_get(l, "b")), "");
	assert_string_equal(json_string_value(json_object_get(l, "c")), "x=y");
	json_decref(st);
}

static void test_project_containers(void **state)
{
	if (!top[0])
		skip();
	char *web2[] = {"com.docker.compose.project=p", "com.docker.compose.service=web",
			"com.docker.compose.container-number=2",
			"com.docker.compose.config-hash=h2", NULL};
	char *web1[] = {"com.docker.compose.project=p", "com.docker.compose.service=web",
			"com.docker.compose.container-number=1",
			"com.docker.compose.config-hash=h1", NULL};
	char *api1[] = {"com.docker.compose.project=p", "com.docker.compose.service=api",
			"com.docker.compose.container-number=1", NULL};
	char *run1[] = {"com.docker.compose.project=p", "com.docker.compose.service=api",
			"com.docker.compose.container-number=1", "com.docker.compose.oneoff=True",
			NULL};
	char *other[] = {"com.docker.compose.project=q", "com.docker.compose.service=web", NULL};
	create("p-web-2", web2);
	create("p-api-run", run1);
	create("p-web-1", web1);
	create("q-web-1", other);
	create("p-api-1", api1);
	create("plain", NULL);

	struct berth_compose_container *c = NULL;
	size_t n = 0;
	struct berth_error *err = NULL;
	assert_ok(berth_compose_project_containers(store, "p", NULL, &c, &n, &err), err);
	assert_int_equal(n, 4);
	assert_string_equal(c[0].name, "p-api-1");
	assert_false(c[0].oneoff);
	assert_string_equal(c[1].name, "p-api-run");
	assert_true(c[1].oneoff);
	assert_string_equal(c[2].name, "p-web-1");
	assert_int_equal(c[2].number, 1);
	assert_string_equal(c[2].config_hash, "h1");
	assert_string_equal(c[2].state, "created");
	assert_null(c[2].health);
	assert_int_equal(strlen(c[2].id), 64);
	assert_string_equal(c[3].name, "p-web-2");
	assert_int_equal(c[3].number, 2);
	assert_string_equal(c[0].config_hash, "");
	berth_compose_containers_free(c, n);

	assert_ok(berth_compose_project_containers(store, "p", "web", &c, &n, &err), err);
	assert_int_equal(n, 2);
	assert_string_equal(c[0].service, "web");
	berth_compose_containers_free(c, n);

	assert_ok(berth_compose_project_containers(store, "none", NULL, &c, &n, &err), err);
	assert_int_equal(n, 0);
	assert_null(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels_in_record),
		cmocka_unit_test(test_project_containers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
