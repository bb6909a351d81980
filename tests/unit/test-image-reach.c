/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the images reach: a manifest keeps its config and layers, a gc root
 * keeps what it names, the caller's roots are kept; the check reports
 * missing blobs, sizes that differ from their descriptors, corrupt bytes.
 */
#include "unit.h"

#include "core/buf.h"
#include "core/json.h"
#include "image/image.h"
#include "store-fixture.h"

static void test_gc(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest m1, m2, stray, kept;
	put_image(f, "a:1", "one", &m1, NULL);
	put_image(f, "b:1", "two", &m2, NULL);
	assert_ok(berth_store_blob_put(f->s, "stray", 5, &stray, &err), err);
	assert_ok(berth_store_blob_put(f->s, "cache", 5, &kept, &err), err);
	/* a partial write left by a crash */
	int fd = openat(berth_store_dir_fd(f->s, "tmp"), "blob-deadbeef",
			O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(count_files(f, "blobs/sha256"), 8);

	struct berth_store_gc_result res;
	assert_ok(berth_image_gc(f->s, &kept, 1, &res, &err), err);
	assert_int_equal(res.blobs_removed, 1);
	assert_int_equal(res.bytes_removed, 5);
	assert_int_equal(res.temps_removed, 1);
	assert_false(berth_store_blob_exists(f->s, &stray));
	assert_true(berth_store_blob_exists(f->s, &kept));

	assert_ok(berth_store_ref_remove(f->s, "a:1", false, &err), err);
	assert_ok(berth_image_gc(f->s, NULL, 0, &res, &err), err);
	assert_int_equal(res.blobs_removed, 4); /* manifest, config, layer, cache */
	assert_false(berth_store_blob_exists(f->s, &m1));
	assert_true(berth_store_blob_exists(f->s, &m2));
	assert_int_equal(count_files(f, "blobs/sha256"), 3);
}

static void test_gc_roots(void **state)
{
	/* a manifest held by a gc root keeps its config and layer; dropping the root frees them */
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest m, plain;
	struct berth_store_gc_result res;
	put_image(f, NULL, "cached", &m, NULL);
	assert_ok(berth_store_blob_put(f->s, "plain", 5, &plain, &err), err);
	struct berth_store_ref roots[] = {
		{NULL, "application/vnd.oci.image.manifest.v1+json", m, 0},
		{NULL, NULL, plain, 5},
	};
	assert_ok(berth_store_gc_root_set(f->s, "build-cache", roots, 2, &err), err);
	assert_ok(berth_image_gc(f->s, NULL, 0, &res, &err), err);
	assert_int_equal(res.blobs_removed, 0);
	assert_int_equal(count_files(f, "blobs/sha256"), 4);
	assert_ok(berth_store_gc_root_remove(f->s, "build-cache", &err), err);
	assert_ok(berth_store_gc_root_remove(f->s, "build-cache", &err), err);
	assert_ok(berth_image_gc(f->s, NULL, 0, &res, &err), err);
	assert_int_equal(res.blobs_removed, 4);
}

static void problem_cb(void *ctx, const char *msg)
{
	berth_buf_addf(ctx, "%s\n", msg);
}

static void test_check(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest m1, m2, stray;
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	struct berth_store_problem_cb cb = {problem_cb, &out};
	struct berth_store_check_result res;
	put_image(f, "a:1", "one", &m1, NULL);
	put_image(f, "b:1", "two", &m2, NULL);
	assert_ok(berth_image_store_check(f->s, false, &cb, &res, &err), err);
	assert_int_equal(res.problems, 0);
	assert_int_equal(res.blobs, 6);
	assert_int_equal(res.orphans, 0);
	assert_string_equal(out.buf, "");

	assert_ok(berth_store_blob_put(f->s, "stray", 5, &stray, &err), err);
	assert_ok(berth_image_store_check(f->s, false, &cb, &res, &err), err);
	assert_int_equal(res.problems, 0);
	assert_int_equal(res.orphans, 1);

	/* a corrupt layer and a missing config are both reported */
	char hex[65];
	_cleanup_free_ char *mdata = NULL;
	size_t mlen;
	assert_ok(berth_store_blob_read(f->s, &m1, 1 << 20, &mdata, &mlen, &err), err);
	_cleanup_json_ json_t *j = NULL;
	assert_ok(berth_json_parse(mdata, mlen, "manifest", &j, &err), err);
	struct berth_digest layer, config;
	assert_ok(berth_digest_parse(
			  json_string_value(json_object_get(
				  json_array_get(json_object_get(j, "layers"), 0), "digest")),
			  &layer, &err),
		  err);
	assert_ok(berth_digest_parse(json_string_value(json_object_get(json_object_get(j, "config"),
								       "digest")),
				     &config, &err),
		  err);
	corrupt_blob(f, &layer);
	_cleanup_free_ char *cpath =
		berth_xasprintf("%s/blobs/sha256/%s", f->root, berth_digest_hex(&config, hex));
	assert_int_equal(unlink(cpath), 0);
	berth_buf_reset(&out);
	assert_ok(berth_image_store_check(f->s, false, &cb, &res, &err), err);
	assert_true(res.problems >= 3); /* missing config, size mismatch, corrupt bytes */
	assert_non_null(strstr(out.buf, "is missing"));
	assert_non_null(strstr(out.buf, "corrupt"));
	/* gc refuses to guess while the store has problems */
	assert_int_equal(berth_image_gc(f->s, NULL, 0, NULL, &err), -EBADMSG);
	berth_error_free(&err);

	/* repair removes the corrupt blob and the orphan; b:1 stays whole */
	assert_ok(berth_image_store_check(f->s, true, &cb, &res, &err), err);
	assert_false(berth_store_blob_exists(f->s, &layer));
	assert_false(berth_store_blob_exists(f->s, &stray));
	assert_ok(berth_store_ref_resolve(f->s, "b:1", NULL, &err), err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc_roots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
