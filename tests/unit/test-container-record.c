/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Records: a container is found by its id, its name (a leading '/' too) or
 * a unique prefix of its id; an ambiguous prefix and an unknown one fail;
 * inspect and list show what the record holds, labels too.
 */
#include "container-fixture.h"

#include <jansson.h>

static const char *state_string(json_t *st, const char *key)
{
	return json_string_value(json_object_get(json_object_get(st, "State"), key));
}

static void test_find_inspect_list(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_options o;
	struct berth_run_result made, ran;
	struct berth_error *err = NULL;
	berth_run_options_init(&o);
	o.name = "made";
	o.create_only = true;
	assert_ok(run_cmd(&o, "true", &made, &err), err);
	char *labels[] = {"team=core", "flag", "team=berth", NULL};
	berth_run_options_init(&o);
	o.name = "ran";
	o.labels = labels;
	assert_ok(run_cmd(&o, "exit 7", &ran, &err), err);
	assert_int_equal(ran.exit_code, 7);

	char *id = NULL;
	assert_ok(berth_container_find(store, made.id, &id, &err), err);
	assert_string_equal(id, made.id);
	free(id);
	assert_ok(berth_container_find(store, "/ran", &id, &err), err);
	assert_string_equal(id, ran.id);
	free(id);
	/* the first characters where the two ids differ make a unique prefix */
	size_t n = 0;
	while (made.id[n] == ran.id[n])
		n++;
	char prefix[65] = {0};
	memcpy(prefix, ran.id, n + 1);
	assert_ok(berth_container_find(store, prefix, &id, &err), err);
	assert_string_equal(id, ran.id);
	free(id);
	prefix[n] = '\0';
	assert_int_equal(berth_container_find(store, prefix, &id, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "multiple containers match"));
	berth_error_free(&err);
	assert_int_equal(berth_container_find(store, "nosuch", &id, &err), -ENOENT);
	berth_error_free(&err);

	json_t *st = NULL;
	assert_ok(berth_container_inspect(store, "made", &st, &err), err);
	assert_string_equal(state_string(st, "Status"), "created");
	json_decref(st);
	assert_ok(berth_container_inspect(store, "ran", &st, &err), err);
	assert_string_equal(state_string(st, "Status"), "exited");
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(st, "State"), "ExitCode")), 7);
	assert_string_equal(json_string_value(json_object_get(st, "Name")), "ran");
	/* Config.Labels: a later label replaces an earlier one; K alone has an empty value */
	json_t *l = json_object_get(json_object_get(st, "Config"), "Labels");
	assert_int_equal(json_object_size(l), 2);
	assert_string_equal(json_string_value(json_object_get(l, "team")), "berth");
	assert_string_equal(json_string_value(json_object_get(l, "flag")), "");
	json_decref(st);
	json_t *all = NULL;
	assert_ok(berth_container_list(store, &all, &err), err);
	assert_int_equal(json_array_size(all), 2);
	json_decref(all);
}

/*
 * The summaries `ps` lists: the record's fields it needs with the record's
 * State, not the rest; a record rewritten behind its summary's back, or a
 * summary removed, gives way to the record itself.
 */
static void test_list_summary(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_options o;
	struct berth_run_result ran;
	struct berth_error *err = NULL;
	char *labels[] = {"team=core", NULL};
	remove_everything(); /* the other tests' containers */
	berth_run_options_init(&o);
	o.name = "summed";
	o.labels = labels;
	assert_ok(run_cmd(&o, "exit 7", &ran, &err), err);

	json_t *all = NULL;
	assert_ok(berth_container_list_summary(store, &all, &err), err);
	assert_int_equal(json_array_size(all), 1);
	json_t *c = json_array_get(all, 0);
	assert_string_equal(json_string_value(json_object_get(c, "Id")), ran.id);
	assert_string_equal(state_string(c, "Status"), "exited");
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(c, "State"), "ExitCode")), 7);
	json_t *l = json_object_get(json_object_get(c, "Config"), "Labels");
	assert_string_equal(json_string_value(json_object_get(l, "team")), "core");
	assert_null(json_object_get(c, "Lowerdirs"));
	assert_null(json_object_get(c, "RecordStamp"));
	assert_null(json_object_get(json_object_get(c, "Config"), "Env"));
	json_decref(all);

	char path[4096], sum[4096];
	snprintf(path, sizeof(path), "%s/containers/%s/state.json", store_dir, ran.id);
	snprintf(sum, sizeof(sum), "%s/containers/%s/summary.json", store_dir, ran.id);
	assert_int_equal(access(sum, F_OK), 0);
	json_t *rec = json_load_file(path, 0, NULL);
	assert_non_null(rec);
	json_object_set_new(rec, "Name", json_string("changed-behind"));
	assert_int_equal(json_dump_file(rec, path, 0), 0);
	json_decref(rec);
	assert_ok(berth_container_list_summary(store, &all, &err), err);
	assert_string_equal(json_string_value(json_object_get(json_array_get(all, 0), "Name")),
			    "changed-behind");
	assert_null(json_object_get(json_array_get(all, 0), "Lowerdirs"));
	json_decref(all);

	assert_int_equal(unlink(sum), 0);
	assert_ok(berth_container_list_summary(store, &all, &err), err);
	assert_int_equal(json_array_size(all), 1);
	assert_string_equal(state_string(json_array_get(all, 0), "Status"), "exited");
	json_decref(all);
	remove_everything();
}

static void find_ok(const char *what, const char *want)
{
	struct berth_error *err = NULL;
	char *id = NULL;
	assert_ok(berth_container_find(store, what, &id, &err), err);
	assert_string_equal(id, want);
	free(id);
}

/*
 * Docker's order, whatever the directory's: a full id wins over a name that
 * spells it, a name over an id prefix it spells; find_many resolves each
 * operand as find does, with an error of its own.
 */
static void test_find_order_and_many(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_options o;
	struct berth_run_result a, b, c;
	struct berth_error *err = NULL;
	berth_run_options_init(&o);
	o.name = "first";
	o.create_only = true;
	assert_ok(run_cmd(&o, "true", &a, &err), err);
	o.name = a.id;
	assert_ok(run_cmd(&o, "true", &b, &err), err);
	char prefix[13] = {0};
	memcpy(prefix, a.id, 12);
	o.name = prefix;
	assert_ok(run_cmd(&o, "true", &c, &err), err);
	find_ok(a.id, a.id);
	find_ok(prefix, c.id);
	find_ok("/first", a.id);

	char *what[] = {prefix, "nosuch", "/first", a.id, b.id, ""};
	char *ids[6];
	struct berth_error *errs[6] = {0};
	assert_int_equal(berth_container_find_many(store, what, 6, ids, errs), -ENOENT);
	const char *want[] = {c.id, NULL, a.id, a.id, b.id, NULL};
	for (size_t i = 0; i < 6; i++) {
		if (want[i]) {
			assert_null(errs[i]);
			assert_string_equal(ids[i], want[i]);
		} else {
			assert_null(ids[i]);
			assert_non_null(errs[i]);
		}
		free(ids[i]);
	}
	assert_int_equal(berth_error_code(errs[1]), ENOENT);
	assert_non_null(strstr(berth_error_msg(errs[1]), "no such container: 'nosuch'"));
	/* "" is a prefix of every id: ambiguous, as find says */
	assert_int_equal(berth_error_code(errs[5]), EINVAL);
	berth_error_free(&errs[1]);
	berth_error_free(&errs[5]);

	char *gone[] = {a.id, b.id, c.id};
	assert_ok(berth_container_remove_many(store, gone, 3, false, errs), errs[0]);
	assert_null(errs[1]);
	assert_null(errs[2]);
}

/*
 * --health-on-failure is recorded as podman's Config.HealthcheckOnFailureAction
 * (not at all for none); without a health check it is refused and nothing is
 * created.
 */
static void test_health_on_failure_record(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_options o;
	struct berth_run_result made, plain, refused;
	struct berth_error *err = NULL;
	char *test[] = {"CMD-SHELL", "test -f /tmp/ok", NULL};
	struct berth_health_config hc = {.test = test};
	berth_run_options_init(&o);
	o.name = "healed";
	o.create_only = true;
	o.health = &hc;
	o.health_on_failure = BERTH_HEALTH_ON_FAILURE_RESTART;
	assert_ok(run_cmd(&o, "true", &made, &err), err);
	berth_run_options_init(&o);
	o.name = "plain";
	o.create_only = true;
	o.health = &hc;
	assert_ok(run_cmd(&o, "true", &plain, &err), err);

	json_t *st = NULL;
	assert_ok(berth_container_inspect(store, "healed", &st, &err), err);
	json_t *cfg = json_object_get(st, "Config");
	assert_string_equal(json_string_value(json_object_get(cfg, "HealthcheckOnFailureAction")),
			    "restart");
	json_decref(st);
	assert_ok(berth_container_inspect(store, "plain", &st, &err), err);
	assert_null(json_object_get(json_object_get(st, "Config"), "HealthcheckOnFailureAction"));
	json_decref(st);

	size_t before = count_store_entries("containers");
	berth_run_options_init(&o);
	o.name = "unchecked";
	o.create_only = true;
	o.health_on_failure = BERTH_HEALTH_ON_FAILURE_KILL;
	assert_int_equal(run_cmd(&o, "true", &refused, &err), -EINVAL);
	assert_string_equal(berth_error_msg(err), "--health-on-failure kill needs a health check "
						  "(--health-cmd or the image's HEALTHCHECK)");
	berth_error_free(&err);
	assert_int_equal(count_store_entries("containers"), before);
	char *gone[] = {made.id, plain.id};
	struct berth_error *errs[2] = {0};
	assert_ok(berth_container_remove_many(store, gone, 2, false, errs), errs[0]);
	assert_null(errs[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_inspect_list),
		cmocka_unit_test(test_find_order_and_many),
		cmocka_unit_test(test_list_summary),
		cmocka_unit_test(test_health_on_failure_record),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
