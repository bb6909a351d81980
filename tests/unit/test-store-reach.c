/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The live set and the gc roots: marks are a set, roots are kept per
 * owner and listed together, and an entry of index.json the store cannot
 * read is a problem of the marking (the image level never sees it).
 */
#include "unit.h"

#include "core/buf.h"
#include "store-fixture.h"

static void test_marks(void **state)
{
	struct berth_store_marks m = {0};
	struct berth_digest d[100];
	for (int i = 0; i < 100; i++) {
		char s[8];
		snprintf(s, sizeof(s), "%d", (i * 37) % 100);
		berth_digest_of(s, strlen(s), &d[i]);
		assert_true(berth_store_mark(&m, &d[i]));
	}
	for (int i = 0; i < 100; i++) {
		assert_false(berth_store_mark(&m, &d[i]));
		assert_true(berth_store_marked(&m, &d[i]));
	}
	assert_int_equal(m.n, 100);
	for (size_t i = 1; i < m.n; i++)
		assert_true(memcmp(m.d[i - 1].bytes, m.d[i].bytes, sizeof(m.d[i].bytes)) < 0);
	struct berth_digest other;
	berth_digest_of("other", 5, &other);
	assert_false(berth_store_marked(&m, &other));
	assert_int_equal(m.problems, 0);
	berth_store_mark_problem(&m, "one %d", 1);
	assert_int_equal(m.problems, 1);
	berth_store_marks_release(&m);
	assert_int_equal(m.n, 0);
}

static void test_gc_root_list(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_store_refs *refs = NULL;
	assert_ok(berth_store_gc_root_list(f->s, &refs, &err), err);
	assert_int_equal(refs->n, 0);
	berth_store_refs_free(refs);

	struct berth_store_ref a[2] = {
		{NULL, "application/vnd.oci.image.manifest.v1+json", {{0}}, 0},
		{NULL, NULL, {{0}}, 0},
	};
	berth_digest_of("a0", 2, &a[0].digest);
	berth_digest_of("a1", 2, &a[1].digest);
	struct berth_store_ref b = {0};
	berth_digest_of("b", 1, &b.digest);
	assert_int_equal(berth_store_gc_root_set(f->s, "../x", a, 2, &err), -EINVAL);
	berth_error_free(&err);
	assert_ok(berth_store_gc_root_set(f->s, "pull-1", a, 2, &err), err);
	assert_ok(berth_store_gc_root_set(f->s, "build-cache", &b, 1, &err), err);
	assert_ok(berth_store_gc_root_list(f->s, &refs, &err), err);
	assert_int_equal(refs->n, 3);
	size_t seen = 0;
	for (size_t i = 0; i < refs->n; i++) {
		const struct berth_store_ref *r = &refs->items[i];
		if (berth_digest_eq(&r->digest, &a[0].digest)) {
			assert_string_equal(r->name, "pull-1");
			assert_string_equal(r->media_type, a[0].media_type);
			seen |= 1;
		} else if (berth_digest_eq(&r->digest, &a[1].digest)) {
			assert_string_equal(r->media_type, "application/octet-stream");
			seen |= 2;
		} else if (berth_digest_eq(&r->digest, &b.digest)) {
			assert_string_equal(r->name, "build-cache");
			seen |= 4;
		}
	}
	assert_int_equal(seen, 7);
	berth_store_refs_free(refs);

	/* a new set replaces the owner's roots; removing twice is no error */
	assert_ok(berth_store_gc_root_set(f->s, "pull-1", &b, 1, &err), err);
	assert_ok(berth_store_gc_root_remove(f->s, "build-cache", &err), err);
	assert_ok(berth_store_gc_root_remove(f->s, "build-cache", &err), err);
	assert_ok(berth_store_gc_root_list(f->s, &refs, &err), err);
	assert_int_equal(refs->n, 1);
	assert_string_equal(refs->items[0].name, "pull-1");
	assert_true(berth_digest_eq(&refs->items[0].digest, &b.digest));
	berth_store_refs_free(refs);
}

static void problem_cb(void *ctx, const char *msg)
{
	berth_buf_addf(ctx, "%s\n", msg);
}

/* An index.json entry without a valid digest stops the sweep and is reported by the check. */
static void test_bad_index_entry(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest d;
	assert_ok(berth_store_blob_put(f->s, "blob", 4, &d, &err), err);
	const char *index =
		"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
		"\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:zz\","
		"\"size\":2,\"annotations\":{\"org.opencontainers.image.ref.name\":"
		"\"bad:1\"}}]}";
	assert_ok(berth_write_file_atomic(berth_store_root_fd(f->s), "index.json", index,
					  strlen(index), 0644, &err),
		  err);
	assert_int_equal(berth_store_sweep(f->s, mark_listed, NULL, NULL, &err), -EBADMSG);
	berth_error_free(&err);
	assert_true(berth_store_blob_exists(f->s, &d));
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	struct berth_store_problem_cb cb = {problem_cb, &out};
	struct berth_store_check_result res;
	assert_ok(berth_store_check(f->s, false, mark_listed, NULL, &cb, &res, &err), err);
	assert_int_equal(res.problems, 1);
	assert_non_null(strstr(out.buf, "index.json entry 'bad:1'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marks),
		cmocka_unit_test_setup_teardown(test_gc_root_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_index_entry, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
