/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Refs in index.json: tags, dangling images, concurrent tagging by many processes.
 */
#include "unit.h"

#include <sys/wait.h>

#include "store-fixture.h"

static size_t count_refs(struct fixture *f, size_t *ret_untagged)
{
	struct berth_error *err = NULL;
	struct berth_store_refs *refs = NULL;
	assert_ok(berth_store_ref_list(f->s, &refs, &err), err);
	size_t n = refs->n, u = 0;
	for (size_t i = 0; i < refs->n; i++)
		if (!refs->items[i].name)
			u++;
	berth_store_refs_free(refs);
	if (ret_untagged)
		*ret_untagged = u;
	return n;
}

static void test_refs(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest m1, m2;
	struct berth_store_ref ref;
	size_t untagged;
	put_image(f, "docker.io/library/a:1", "one", &m1, NULL);
	put_image(f, NULL, "two", &m2, NULL);

	assert_ok(berth_store_ref_resolve(f->s, "docker.io/library/a:1", &ref, &err), err);
	assert_true(berth_digest_eq(&ref.digest, &m1));
	assert_string_equal(ref.media_type, "application/vnd.oci.image.manifest.v1+json");
	berth_store_ref_release(&ref);
	assert_int_equal(berth_store_ref_resolve(f->s, "docker.io/library/a:2", NULL, &err),
			 -ENOENT);
	berth_error_free(&err);

	/* a second tag of the same image, then moving the first tag away */
	assert_ok(berth_store_ref_set(f->s, "b:1", "application/vnd.oci.image.manifest.v1+json",
				      &m1, 10, &err),
		  err);
	assert_int_equal(count_refs(f, &untagged), 2);
	assert_ok(berth_store_ref_set(f->s, "docker.io/library/a:1",
				      "application/vnd.oci.image.manifest.v1+json", &m2, 10, &err),
		  err);
	assert_int_equal(count_refs(f, &untagged), 2);
	assert_int_equal(untagged, 0);
	/* moving b:1 too leaves m1 dangling, listed untagged */
	assert_ok(berth_store_ref_set(f->s, "b:1", "application/vnd.oci.image.manifest.v1+json",
				      &m2, 10, &err),
		  err);
	assert_int_equal(count_refs(f, &untagged), 3);
	assert_int_equal(untagged, 1);
	/* tagging the dangling image replaces its untagged entry */
	assert_ok(berth_store_ref_set(f->s, "c:1", "application/vnd.oci.image.manifest.v1+json",
				      &m1, 10, &err),
		  err);
	assert_int_equal(count_refs(f, &untagged), 3);
	assert_int_equal(untagged, 0);

	/* rmi-style removal drops the entry; keep_untagged keeps the last one */
	assert_ok(berth_store_ref_remove(f->s, "b:1", false, &err), err);
	assert_int_equal(count_refs(f, &untagged), 2);
	assert_ok(berth_store_ref_remove(f->s, "c:1", true, &err), err);
	assert_int_equal(count_refs(f, &untagged), 2);
	assert_int_equal(untagged, 1);
	assert_int_equal(berth_store_remove_untagged(f->s, &err), 1);
	assert_int_equal(count_refs(f, &untagged), 1);
	assert_int_equal(berth_store_ref_remove(f->s, "c:1", false, &err), -ENOENT);
	berth_error_free(&err);
	assert_ok(berth_store_image_remove(f->s, &m2, &err), err);
	assert_int_equal(count_refs(f, NULL), 0);

	/* a tag must name a manifest that is in the store */
	struct berth_digest missing;
	berth_digest_of("missing", 7, &missing);
	assert_int_equal(berth_store_ref_set(f->s, "x:1", "application/json", &missing, 1, &err),
			 -ENOENT);
	berth_error_free(&err);
	assert_int_equal(berth_store_ref_set(f->s, "x\n1", "application/json", &m1, 1, &err),
			 -EINVAL);
	berth_error_free(&err);
	assert_ok(berth_store_image_add(f->s, "application/json", &m1, 1, &err), err);
	assert_ok(berth_store_image_add(f->s, "application/json", &m1, 1, &err), err);
	assert_int_equal(count_refs(f, &untagged), 1);
}

static void test_concurrent_tags(void **state)
{
	/* 8 processes, each its own store handle, 25 tags each: none is lost */
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest m;
	size_t mlen;
	put_image(f, NULL, "base", &m, &mlen);
	pid_t pids[8];
	for (int p = 0; p < 8; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0) {
			struct berth_store *s = NULL;
			if (berth_store_open(f->root, &s, NULL) < 0)
				_exit(2);
			for (int i = 0; i < 25; i++) {
				char name[64];
				snprintf(name, sizeof(name), "p%d:t%d", p, i);
				if (berth_store_ref_set(s, name, "application/json", &m, mlen,
							NULL) < 0)
					_exit(1);
			}
			berth_store_free(s);
			_exit(0);
		}
	}
	for (int p = 0; p < 8; p++) {
		int status;
		assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	size_t untagged;
	assert_int_equal(count_refs(f, &untagged), 200);
	assert_int_equal(untagged, 0);
	for (int p = 0; p < 8; p++)
		for (int i = 0; i < 25; i++) {
			char name[64];
			snprintf(name, sizeof(name), "p%d:t%d", p, i);
			assert_ok(berth_store_ref_resolve(f->s, name, NULL, &err), err);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_tags, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
