/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sweep and the check: the store removes what the marking (the image
 * level's, stood for here by a list) leaves unmarked, refuses while the
 * marking met problems, and checks every blob's bytes.
 */
#include "unit.h"

#include <pthread.h>
#include <stdatomic.h>

#include "core/buf.h"
#include "store-fixture.h"

static void test_sweep(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest d[3];
	assert_ok(berth_store_blob_put(f->s, "kept", 4, &d[0], &err), err);
	assert_ok(berth_store_blob_put(f->s, "also", 4, &d[1], &err), err);
	assert_ok(berth_store_blob_put(f->s, "stray", 5, &d[2], &err), err);
	/* a partial write left by a crash */
	int fd = openat(berth_store_dir_fd(f->s, "tmp"), "blob-deadbeef",
			O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	/* releasing the writer lock early is harmless; the sweep works either way */
	berth_store_writes_done(f->s);

	struct berth_store_gc_result res;
	struct live l = {d, 2};
	assert_ok(berth_store_sweep(f->s, mark_listed, &l, &res, &err), err);
	assert_int_equal(res.blobs_removed, 1);
	assert_int_equal(res.bytes_removed, 5);
	assert_int_equal(res.temps_removed, 1);
	assert_true(berth_store_blob_exists(f->s, &d[0]));
	assert_true(berth_store_blob_exists(f->s, &d[1]));
	assert_false(berth_store_blob_exists(f->s, &d[2]));

	/* nothing marked: everything goes */
	assert_ok(berth_store_sweep(f->s, mark_listed, NULL, &res, &err), err);
	assert_int_equal(res.blobs_removed, 2);
	assert_int_equal(res.bytes_removed, 8);
	assert_int_equal(count_files(f, "blobs/sha256"), 0);
}

static int mark_with_problem(struct berth_store *s, struct berth_store_marks *m, void *ctx,
			     struct berth_error **err)
{
	berth_store_mark_problem(m, "manifest '%s' does not parse", "x");
	return 0;
}

static int mark_fails(struct berth_store *s, struct berth_store_marks *m, void *ctx,
		      struct berth_error **err)
{
	return berth_error_set(err, EIO, "cannot read the roots");
}

/* The sweep removes nothing when the marking met a problem or failed. */
static void test_sweep_refuses(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest d;
	assert_ok(berth_store_blob_put(f->s, "blob", 4, &d, &err), err);
	assert_int_equal(berth_store_sweep(f->s, mark_with_problem, NULL, NULL, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "1 problems"));
	berth_error_free(&err);
	assert_int_equal(berth_store_sweep(f->s, mark_fails, NULL, NULL, &err), -EIO);
	berth_error_free(&err);
	assert_true(berth_store_blob_exists(f->s, &d));
}

static void problem_cb(void *ctx, const char *msg)
{
	berth_buf_addf(ctx, "%s\n", msg);
}

/* What the store itself checks: bytes against names, orphans, the marking's problems. */
static void test_check(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	struct berth_store_problem_cb cb = {problem_cb, &out};
	struct berth_store_check_result res;
	struct berth_digest d[3];
	assert_ok(berth_store_blob_put(f->s, "one", 3, &d[0], &err), err);
	assert_ok(berth_store_blob_put(f->s, "two", 3, &d[1], &err), err);
	assert_ok(berth_store_blob_put(f->s, "orphan", 6, &d[2], &err), err);
	struct live l = {d, 2};
	assert_ok(berth_store_check(f->s, false, mark_listed, &l, &cb, &res, &err), err);
	assert_int_equal(res.problems, 0);
	assert_int_equal(res.blobs, 3);
	assert_int_equal(res.bytes, 12);
	assert_int_equal(res.orphans, 1);
	assert_string_equal(out.buf, "");

	corrupt_blob(f, &d[1]);
	assert_ok(berth_store_check(f->s, false, mark_listed, &l, &cb, &res, &err), err);
	assert_int_equal(res.problems, 1);
	assert_non_null(strstr(out.buf, "corrupt"));
	berth_buf_reset(&out);
	assert_ok(berth_store_check(f->s, false, mark_with_problem, NULL, &cb, &res, &err), err);
	assert_int_equal(res.problems, 2);
	assert_non_null(strstr(out.buf, "does not parse"));

	/* repair removes the corrupt blob and the orphan, keeps the rest */
	assert_ok(berth_store_check(f->s, true, mark_listed, &l, NULL, &res, &err), err);
	assert_true(berth_store_blob_exists(f->s, &d[0]));
	assert_false(berth_store_blob_exists(f->s, &d[1]));
	assert_false(berth_store_blob_exists(f->s, &d[2]));
}

struct sweeper {
	struct fixture *f;
	bool hold; /* a service handler that wrote, then collects (load, build) */
	atomic_bool done;
	int r;
};

static void *sweep_thread(void *arg)
{
	struct sweeper *w = arg;
	struct berth_error *err = NULL;
	struct berth_digest d;
	if (w->hold) {
		w->r = berth_store_writes_begin(w->f->s, &err);
		if (w->r >= 0)
			w->r = berth_store_blob_put(w->f->s, "mine", 4, &d, &err);
	}
	if (w->r >= 0)
		w->r = berth_store_sweep(w->f->s, mark_listed, NULL, NULL, &err);
	if (w->hold)
		berth_store_writes_done(w->f->s);
	berth_error_free(&err);
	atomic_store(&w->done, true);
	return NULL;
}

static bool done_within(struct sweeper *w, int ms)
{
	for (int i = 0; i < ms / 10 && !atomic_load(&w->done); i++)
		usleep(10000);
	return atomic_load(&w->done);
}

/*
 * In one process (the service's threads) a sweep waits for the other
 * threads' holds, as it waits for other processes' shared locks: a blob
 * written under a hold is not removed before the hold ends. Two threads
 * that hold and both collect do not wait for each other.
 */
static void test_sweep_waits_for_holds(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest d;
	assert_ok(berth_store_writes_begin(f->s, &err), err);
	assert_ok(berth_store_blob_put(f->s, "in flight", 9, &d, &err), err);
	struct sweeper w = {.f = f};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, sweep_thread, &w), 0);
	assert_false(done_within(&w, 300));
	assert_true(berth_store_blob_exists(f->s, &d));
	berth_store_writes_done(f->s);
	assert_true(done_within(&w, 10000));
	pthread_join(t, NULL);
	assert_int_equal(w.r, 0);
	assert_false(berth_store_blob_exists(f->s, &d));

	struct sweeper two[2] = {{.f = f, .hold = true}, {.f = f, .hold = true}};
	pthread_t tt[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&tt[i], NULL, sweep_thread, &two[i]), 0);
	for (int i = 0; i < 2; i++) {
		assert_true(done_within(&two[i], 10000));
		pthread_join(tt[i], NULL);
		assert_int_equal(two[i].r, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_waits_for_holds, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
