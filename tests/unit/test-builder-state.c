/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "builder/internal.h"
#include "core/json.h"

static void test_scratch_and_roundtrip(void **state)
{
	(void)state;
	struct berth_error *err = NULL;
	struct bimage im, back, copy;
	struct blayer l = {.size = 42, .media_type = "application/vnd.oci.image.layer.v1.tar+gzip"};

	bimage_init_scratch(&im);
	assert_string_equal(json_string_value(json_object_get(im.config, "os")), "linux");
	assert_int_equal(json_array_size(json_object_get(bimage_cfg(&im), "Env")), 1);
	berth_digest_of("layer", 5, &l.digest);
	berth_digest_of("tar", 3, &l.diff_id);
	bimage_add_layer(&im, &l);
	assert_int_equal(im.n_layers, 1);
	json_t *ids = json_object_get(json_object_get(im.config, "rootfs"), "diff_ids");
	assert_int_equal(json_array_size(ids), 1);

	json_t *j = bimage_to_json(&im);
	assert_ok(bimage_from_json(j, &back, &err), err);
	json_decref(j);
	assert_int_equal(back.n_layers, 1);
	assert_true(berth_digest_eq(&back.layers[0].digest, &l.digest));
	assert_true(berth_digest_eq(&back.layers[0].diff_id, &l.diff_id));
	assert_int_equal(back.layers[0].size, 42);
	assert_true(json_equal(back.config, im.config));

	/* a copy is deep: changing it leaves the original alone */
	bimage_copy(&copy, &im);
	json_object_set_new(bimage_cfg(&copy), "User", json_string("app"));
	assert_null(json_object_get(bimage_cfg(&im), "User"));

	bimage_release(&copy);
	bimage_release(&back);
	bimage_release(&im);
}

static void test_from_json_rejects_bad_entries(void **state)
{
	(void)state;
	struct berth_error *err = NULL;
	struct bimage im;
	json_t *j = NULL;
	const char *bad = "{\"config\":{},\"layers\":[{\"digest\":\"sha256:zz\",\"diff_id\":\"x\","
			  "\"mediaType\":\"m\",\"size\":1}]}";
	assert_ok(berth_json_parse(bad, strlen(bad), "test", &j, &err), err);
	assert_int_equal(bimage_from_json(j, &im, &err), -EINVAL);
	berth_error_free(&err);
	json_decref(j);
	const char *missing = "{\"layers\":[]}";
	assert_ok(berth_json_parse(missing, strlen(missing), "test", &j, &err), err);
	assert_true(bimage_from_json(j, &im, &err) < 0);
	berth_error_free(&err);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scratch_and_roundtrip),
		cmocka_unit_test(test_from_json_rejects_bad_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
