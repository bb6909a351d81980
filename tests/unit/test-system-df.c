/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `system df` (system/df.c): the images' SIZE is every blob and unpacked
 * layer, their RECLAIMABLE exactly what `image prune -a` then frees, and
 * the blobs only a build cache entry holds are the build cache's.
 */
#include "gc-fixture.h"

#include "core/du.h"
#include "system/system.h"

static uint64_t disk_bytes(struct ctx *c)
{
	struct berth_error *err = NULL;
	uint64_t bytes = 0;
	assert_ok(berth_store_blob_usage(c->s, NULL, &bytes, &err), err);
	return bytes + berth_du_at(berth_store_root_fd(c->s), "layers");
}

static void df(struct ctx *c, bool verbose, struct berth_system_df *ret)
{
	struct berth_error *err = NULL;
	struct berth_system_df_options o = {.verbose = verbose};
	*ret = (struct berth_system_df){0};
	assert_ok(berth_system_df(c->s, &o, ret, &err), err);
}

static void test_df_reclaimable_is_what_prune_frees(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	struct berth_system_df d;
	df(c, false, &d);
	assert_int_equal(d.images.total, 2);
	assert_int_equal(d.images.active, 0);
	assert_true(d.images.size > 0);
	assert_int_equal(d.images.size, disk_bytes(c));
	/* no container: every image goes with `image prune -a` */
	assert_int_equal(d.images.reclaimable, d.images.size);
	assert_int_equal(d.containers.total + d.volumes.total + d.cache.total, 0);
	assert_int_equal(d.cache.size, 0);
	uint64_t reclaimable = d.images.reclaimable;
	berth_system_df_release(&d);

	uint64_t freed = 0;
	char **lines = NULL;
	assert_ok(berth_system_image_prune(c->s, true, &lines, &freed, &err), err);
	berth_strv_free(lines);
	assert_int_equal(freed, reclaimable);
	assert_false(cached(c, 0)); /* the unpacked layers were counted, and went */
	df(c, false, &d);
	assert_int_equal(d.images.total, 0);
	assert_int_equal(d.images.size, 0);
	assert_int_equal(d.images.reclaimable, 0);
	berth_system_df_release(&d);
}

static void test_df_build_cache_blobs(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	/* a build cache entry holds b's top layer: image prune leaves that blob */
	struct berth_store_ref root = {.media_type = c->layers[2].media_type,
				       .digest = c->layers[2].digest};
	assert_ok(berth_store_gc_root_set(c->s, "build-test", &root, 1, &err), err);
	struct berth_system_df d;
	df(c, false, &d);
	assert_int_equal(d.cache.total, 1);
	assert_int_equal(d.cache.size, 0); /* image b has it too */
	assert_int_equal(d.images.size, disk_bytes(c));
	assert_int_equal(d.images.reclaimable, d.images.size - c->layers[2].size);
	uint64_t reclaimable = d.images.reclaimable;
	berth_system_df_release(&d);

	uint64_t freed = 0;
	char **lines = NULL;
	assert_ok(berth_system_image_prune(c->s, true, &lines, &freed, &err), err);
	berth_strv_free(lines);
	assert_int_equal(freed, reclaimable);
	/* now only the build cache holds it: its size, and reclaimable */
	df(c, false, &d);
	assert_int_equal(d.images.size, 0);
	assert_int_equal(d.cache.size, c->layers[2].size);
	assert_int_equal(d.cache.reclaimable, c->layers[2].size);
	berth_system_df_release(&d);
}

static void test_df_verbose_shared_size(void **state)
{
	struct ctx *c = *state;
	struct berth_system_df d;
	df(c, true, &d);
	assert_int_equal(d.n_images, 2);
	for (size_t i = 0; i < d.n_images; i++) {
		const struct berth_system_df_image *it = &d.image_items[i];
		assert_non_null(it->name);
		assert_int_equal(it->containers, 0);
		/* the base layer is a's and b's: shared, the top one is not */
		assert_true(it->shared_size > 0);
		assert_true(it->shared_size < it->size);
	}
	assert_int_equal(d.image_items[0].shared_size, d.image_items[1].shared_size);
	assert_int_equal(d.n_containers + d.n_volumes, 0);
	berth_system_df_release(&d);
	berth_system_df_release(&d); /* released twice: nothing left to free */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_df_reclaimable_is_what_prune_frees, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_df_build_cache_blobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_df_verbose_shared_size, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
