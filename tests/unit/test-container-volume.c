/* SPDX-License-Identifier: Apache-2.0 */
/* Named volumes: names, create (idempotent), list, inspect JSON, rm, prune. */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/container.h"
#include "store/store.h"
#include "core/fs.h"
#include "core/strv.h"

static char store[64];
static struct berth_store *hstore; /* the store at store */

static int setup(void **state)
{
	snprintf(store, sizeof(store), "/tmp/berth-vol-XXXXXX");
	assert_non_null(mkdtemp(store));
	assert_int_equal(berth_store_open(store, &hstore, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	int dfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	berth_store_freep(&hstore);
	berth_rm_rf_at(dfd, store + 5, NULL);
	close(dfd);
	return 0;
}

static void test_names(void **state)
{
	assert_true(berth_volume_name_is_valid("data"));
	assert_true(berth_volume_name_is_valid("a.b-c_d9"));
	assert_false(berth_volume_name_is_valid(""));
	assert_false(berth_volume_name_is_valid("../x"));
	assert_false(berth_volume_name_is_valid("a/b"));
	assert_false(berth_volume_name_is_valid(".hidden"));
	assert_false(berth_volume_name_is_valid("-x"));
	struct berth_volume v;
	struct berth_error *err = NULL;
	assert_int_equal(berth_volume_create(hstore, "../../etc", &v, NULL, &err), -EINVAL);
	berth_error_free(&err);
}

static void test_lifecycle(void **state)
{
	struct berth_volume v = {0}, v2 = {0};
	struct berth_error *err = NULL;
	bool created = false;
	assert_ok(berth_volume_create(hstore, "data", &v, &created, &err), err);
	assert_true(created);
	assert_string_equal(v.name, "data");
	struct stat st;
	assert_int_equal(stat(v.mountpoint, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_ok(berth_volume_create(hstore, "data", &v2, &created, &err), err);
	assert_false(created);
	assert_string_equal(v.mountpoint, v2.mountpoint);
	json_t *j = berth_volume_to_json(&v);
	assert_string_equal(json_string_value(json_object_get(j, "Name")), "data");
	assert_string_equal(json_string_value(json_object_get(j, "Driver")), "local");
	json_decref(j);
	berth_volume_release(&v2);

	struct berth_volume anon = {0};
	assert_ok(berth_volume_create(hstore, NULL, &anon, &created, &err), err);
	assert_int_equal(strlen(anon.name), 64);

	struct berth_volume *list = NULL;
	size_t n = 0;
	assert_ok(berth_volume_list(hstore, &list, &n, &err), err);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		berth_volume_release(&list[i]);
	free(list);

	assert_ok(berth_volume_remove(hstore, "data", false, &err), err);
	assert_int_equal(stat(v.mountpoint, &st), -1);
	assert_int_equal(berth_volume_remove(hstore, "data", false, &err), -ENOENT);
	berth_error_free(&err);
	assert_int_equal(berth_volume_get(hstore, "data", &v2, &err), -ENOENT);
	berth_error_free(&err);

	/* without all, only anonymous volumes go (Docker 23+); with all, named ones too */
	assert_true(anon.anonymous);
	struct berth_volume named = {0};
	assert_ok(berth_volume_create(hstore, "kept", &named, &created, &err), err);
	assert_false(named.anonymous);
	j = berth_volume_to_json(&anon);
	assert_non_null(
		json_object_get(json_object_get(j, "Labels"), "com.docker.volume.anonymous"));
	json_decref(j);
	char **removed = NULL;
	uint64_t bytes = 1;
	assert_ok(berth_volume_prune(hstore, false, &removed, &bytes, &err), err);
	assert_int_equal(berth_strv_len(removed), 1);
	assert_string_equal(removed[0], anon.name);
	assert_int_equal(bytes, 0); /* an empty volume holds nothing */
	berth_strv_free(removed);
	removed = NULL;
	assert_ok(berth_volume_prune(hstore, true, &removed, NULL, &err), err);
	assert_int_equal(berth_strv_len(removed), 1);
	assert_string_equal(removed[0], "kept");
	berth_strv_free(removed);
	berth_volume_release(&named);
	berth_volume_release(&anon);
	berth_volume_release(&v);
}

/* Labels given at create are kept in volume.json, read back sorted and shown by inspect. */
static void test_labels(void **state)
{
	struct berth_volume v = {0}, got = {0};
	struct berth_error *err = NULL;
	bool created = false;
	char *labels[] = {"com.docker.compose.project=p", "a=1", NULL};
	assert_ok(berth_volume_create_labelled(hstore, "lab", labels, &v, &created, &err), err);
	assert_true(created);
	assert_ok(berth_volume_get(hstore, "lab", &got, &err), err);
	assert_int_equal(berth_strv_len(got.labels), 2);
	assert_string_equal(got.labels[0], "a=1");
	assert_string_equal(got.labels[1], "com.docker.compose.project=p");
	json_t *j = berth_volume_to_json(&got);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "Labels"), "a")),
			    "1");
	json_decref(j);
	berth_volume_release(&got);
	berth_volume_release(&v);
	assert_ok(berth_volume_create(hstore, "plain", &got, &created, &err), err);
	assert_null(got.labels);
	berth_volume_release(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_labels),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
