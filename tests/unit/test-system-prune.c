/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prune policy (system/prune.c): image prune removes dangling images (all:
 * every image) with their blobs and the unpacked layers only they needed,
 * and reports the bytes it freed; system prune does it for everything and
 * adds the bytes of each part.
 */
#include "gc-fixture.h"

#include "core/du.h"
#include "system/system.h"

static uint64_t blob_bytes(struct ctx *c)
{
	struct berth_error *err = NULL;
	uint64_t bytes = 0;
	assert_ok(berth_store_blob_usage(c->s, NULL, &bytes, &err), err);
	return bytes;
}

static uint64_t layer_bytes(struct ctx *c)
{
	return berth_du_at(berth_store_root_fd(c->s), "layers");
}

static void test_image_prune(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	char **lines = NULL;
	uint64_t bytes = 1;
	/* both tagged: nothing dangling, nothing freed */
	assert_ok(berth_system_image_prune(c->s, false, &lines, &bytes, &err), err);
	assert_null(lines);
	assert_int_equal(bytes, 0);

	/* b untagged: dangling; its blobs and its top layer go, the shared base stays */
	assert_ok(berth_store_ref_remove(c->s, "docker.io/library/b:1", true, &err), err);
	uint64_t before = blob_bytes(c) + layer_bytes(c);
	assert_ok(berth_system_image_prune(c->s, false, &lines, &bytes, &err), err);
	assert_int_equal(berth_strv_len(lines), 1);
	assert_true(strncmp(lines[0], "deleted: sha256:", 16) == 0);
	berth_strv_free(lines);
	lines = NULL;
	assert_true(bytes > 0);
	/* what it says it freed is what the disk lost */
	assert_int_equal(bytes, before - (blob_bytes(c) + layer_bytes(c)));
	assert_true(cached(c, 0));
	assert_true(cached(c, 1));
	assert_false(cached(c, 2));

	/* all: the tagged image too */
	assert_ok(berth_system_image_prune(c->s, true, &lines, &bytes, &err), err);
	assert_int_equal(berth_strv_len(lines), 2); /* untagged: a:1, deleted: sha256:… */
	berth_strv_free(lines);
	assert_false(cached(c, 0));
	assert_false(cached(c, 1));
	assert_int_equal(blob_bytes(c), 0);
}

static void test_system_prune(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	struct berth_system_prune_result res = {0};
	struct berth_system_prune_options o = {0};
	assert_ok(berth_system_prune(c->s, &o, &res, &err), err);
	assert_null(res.containers);
	assert_null(res.images);
	assert_int_equal(res.bytes, 0);
	berth_system_prune_result_release(&res);

	uint64_t before = blob_bytes(c) + layer_bytes(c);
	o.all = true;
	assert_ok(berth_system_prune(c->s, &o, &res, &err), err);
	assert_int_equal(berth_strv_len(res.images), 4);
	assert_int_equal(res.bytes, before);
	assert_int_equal(blob_bytes(c) + layer_bytes(c), 0);
	berth_system_prune_result_release(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_image_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_system_prune, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
