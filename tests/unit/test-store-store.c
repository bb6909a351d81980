/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store handle: the layout created on first open, tmp/ entries owned by
 * live processes, the temp files of killed atomic writes.
 */
#include "unit.h"

#include "store-fixture.h"

static void test_layout(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	_cleanup_free_ char *data = NULL;
	size_t len;
	assert_ok(berth_read_file_at(berth_store_root_fd(f->s), "oci-layout", 4096, &data, &len,
				     &err),
		  err);
	assert_non_null(strstr(data, "\"imageLayoutVersion\":\"1.0.0\""));
	const char *dirs[] = {"layers", "containers", "volumes", "cache", "tmp", "locks"};
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
		assert_true(berth_store_dir_fd(f->s, dirs[i]) >= 0);
	assert_int_equal(berth_store_dir_fd(f->s, "blobs"), -1);
	assert_string_equal(berth_store_root_path(f->s), f->root);
	/* reopening an existing store keeps it */
	struct berth_store *s2 = NULL;
	struct berth_digest d;
	assert_ok(berth_store_blob_put(f->s, "x", 1, &d, &err), err);
	assert_ok(berth_store_ref_set(f->s, "keep", "application/json", &d, 1, &err), err);
	assert_ok(berth_store_open(f->root, &s2, &err), err);
	assert_ok(berth_store_ref_resolve(s2, "keep", NULL, &err), err);
	berth_store_free(s2);
}

static bool tmp_has(struct fixture *f, const char *name)
{
	struct stat st;
	return fstatat(berth_store_dir_fd(f->s, "tmp"), name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * tmp/ after a crash: what no live process holds goes with the next write
 * (and gc), what a live one holds stays and is no problem for the check.
 * Another handle stands for another process: flocks belong to open files.
 */
static void test_tmp_ownership(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	int tfd = berth_store_dir_fd(f->s, "tmp");
	/* what a kill -9 leaves: a temp blob and a build dir nobody holds */
	int fd = openat(tfd, "blob-0123", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mkdirat(tfd, "build-0123", 0700), 0);
	assert_int_equal(mkdirat(tfd, "build-0123/upper", 0700), 0);

	struct berth_store *other = NULL;
	assert_ok(berth_store_open(f->root, &other, &err), err);
	struct berth_blob_writer *w = NULL;
	assert_ok(berth_store_blob_begin(other, &w, &err), err);
	/* the first temp file of a handle swept the dead entries, not its own */
	assert_false(tmp_has(f, "blob-0123"));
	assert_false(tmp_has(f, "build-0123"));
	assert_int_equal(count_files(f, "tmp"), 1);
	_cleanup_free_ char *name = NULL;
	int dfd = -EBADF;
	assert_ok(berth_store_tmp_dir_create(other, "build-", &name, &dfd, &err), err);
	assert_true(tmp_has(f, name));
	berth_blob_writer_abort(w);
	berth_store_writes_done(other);

	/* in use: neither a problem nor removed by a gc */
	struct berth_store_check_result res;
	assert_ok(berth_store_check(f->s, false, mark_listed, NULL, NULL, &res, &err), err);
	assert_int_equal(res.problems, 0);
	assert_int_equal(res.temps, 0);
	assert_int_equal(res.temps_live, 1);
	struct berth_store_gc_result gres;
	assert_ok(berth_store_sweep(f->s, mark_listed, NULL, &gres, &err), err);
	assert_int_equal(gres.temps_removed, 0);
	assert_true(tmp_has(f, name));

	/* its owner gone (the fd closed as by a crash): a leftover, counted and removed */
	close(dfd);
	assert_ok(berth_store_check(f->s, false, mark_listed, NULL, NULL, &res, &err), err);
	assert_int_equal(res.problems, 0);
	assert_int_equal(res.temps, 1);
	assert_int_equal(res.temps_live, 0);
	assert_ok(berth_store_sweep(f->s, mark_listed, NULL, &gres, &err), err);
	assert_int_equal(gres.temps_removed, 1);
	assert_int_equal(count_files(f, "tmp"), 0);
	berth_store_free(other);
}

/* A killed index.json or gc-roots rewrite leaves a .tmp-* file: the next writer removes it. */
static void test_dead_atomic_temps(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_store_ref root = {0};
	assert_ok(berth_store_blob_put(f->s, "kept", 4, &root.digest, &err), err);
	assert_ok(berth_store_gc_root_set(f->s, "test", &root, 1, &err), err);
	_cleanup_free_ char *a = berth_xasprintf("%s/.tmp-0123", f->root);
	_cleanup_free_ char *b = berth_xasprintf("%s/cache/gc-roots/.tmp-4567", f->root);
	for (int i = 0; i < 2; i++) {
		int fd = open(i ? b : a, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
	struct berth_store *other = NULL;
	assert_ok(berth_store_open(f->root, &other, &err), err);
	struct berth_digest m;
	put_image(f, "a:1", "one", &m, NULL);
	assert_ok(berth_store_gc_root_set(other, "test", &root, 1, &err), err);
	assert_int_equal(access(a, F_OK), -1);
	assert_int_equal(access(b, F_OK), -1);
	berth_store_free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tmp_ownership, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_atomic_temps, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
