/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The roots of the unpacked-layer gc (system/gc.c): the chains of the
 * images of the index stay, a chain shared by two images stays while one
 * of them needs it, and everything goes once no image names it.
 */
#include "gc-fixture.h"

#include "system/system.h"

static void test_images_keep_chains(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	struct berth_layer_gc_result res;
	assert_ok(berth_system_layer_gc(c->s, &res, &err), err);
	assert_int_equal(res.removed, 0);
	assert_int_equal(res.kept, 3);
	for (int i = 0; i < 3; i++)
		assert_true(cached(c, i));

	/* b goes: its top chain goes, the base a still needs stays */
	assert_ok(berth_store_ref_remove(c->s, "docker.io/library/b:1", false, &err), err);
	assert_ok(berth_system_layer_gc(c->s, &res, &err), err);
	assert_int_equal(res.removed, 1);
	assert_true(res.bytes > 0);
	assert_true(cached(c, 0));
	assert_true(cached(c, 1));
	assert_false(cached(c, 2));
	int lfd = berth_store_dir_fd(c->s, "layers");
	char hex[65];
	berth_digest_hex(&c->chains[2], hex);
	_cleanup_free_ char *lock = berth_xasprintf("%s.lock", hex);
	assert_int_equal(faccessat(lfd, hex, F_OK, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(faccessat(lfd, lock, F_OK, AT_SYMLINK_NOFOLLOW), -1);

	/* a goes too: everything goes */
	assert_ok(berth_store_ref_remove(c->s, "docker.io/library/a:1", false, &err), err);
	assert_ok(berth_system_layer_gc(c->s, &res, &err), err);
	assert_int_equal(res.removed, 2);
	assert_false(cached(c, 0));
	assert_false(cached(c, 1));
}

/* No image of the index, no root: the held-by-nobody cache is emptied. */
static void test_no_images(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	assert_ok(berth_store_ref_remove(c->s, "docker.io/library/a:1", false, &err), err);
	assert_ok(berth_store_ref_remove(c->s, "docker.io/library/b:1", false, &err), err);
	assert_ok(berth_system_layer_gc(c->s, NULL, &err), err);
	for (int i = 0; i < 3; i++)
		assert_false(cached(c, i));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_images_keep_chains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_images, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
